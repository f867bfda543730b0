-- cli_globals: a script runs in the app context: `db` and `session` are
-- globals (session is db.session), `arg[0]` names the script, `...` is empty;
-- db.url is the database URL the program was given (the harness's
-- $ORMSH_TEST_URL: sqlite:// or a server's, shown without its password),
-- and tostring(db) shows it.
print(db ~= nil, session == db.session, arg[0], select("#", ...))
local want = (os.getenv("ORMSH_TEST_URL") or "sqlite://"):gsub("^(%a[%w+.-]*://[^:@/]*):[^@]*@", "%1@")
print(type(db.url), db.url == want, tostring(db) == "<Database " .. db.url .. ">")
