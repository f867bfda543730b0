-- cli_globals: a script runs in the app context: `db` and `session` are
-- globals (session is db.session), `arg[0]` names the script, `...` is empty.
print(db ~= nil, session == db.session, arg[0], select("#", ...))
print(db.url)
