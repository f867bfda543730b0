-- backend_password.lua — a password given in the URL (here on the command
-- line, from DATABASE_URL, or for a second connection) never shows: not in
-- tostring(db), db.url, the shell banner, echo lines, error messages, nor in
-- the message of a failed connection, which names host, port, database and
-- user instead. The harness also checks this run's whole output for it.
-- (On SQLite there is no password: every check holds trivially.)
local url = os.getenv("ORMSH_TEST_URL")
local pw = os.getenv("ORMSH_TEST_PASSWORD") or ""
local ormsh = os.getenv("ORMSH")
local function clean(text) return pw == "" or not tostring(text):find(pw, 1, true) end
local function masked(text) return pw == "" or tostring(text):find(":***@", 1, true) ~= nil end
print(clean(tostring(db)), masked(tostring(db)), clean(db.url), masked(db.url))

Secret = db.Model("Secret", { id = db.Column(db.Integer, { primary_key = true }), v = db.Column(db.String(40)) })
db.create_all()
db.echo = true
db.session:add(Secret{ v = "x" })
db.session:commit()
db.echo = false
print(db.session:query(Secret):count())

-- an error carries the SQL and parameters, never the URL's password
local ok, err = pcall(function() return db.session:execute(db.text("SELECT nope FROM secret")):all() end)
db.session:rollback()
print(ok, clean(tostring(err)), clean(err.message))

-- a failed connection names where it went, without the password
local orm = require "orm"
if pw ~= "" then
  local wrong = url:gsub(":" .. pw:gsub("%p", "%%%0") .. "@", ":wrong" .. pw .. "@")
  local ok2, err2 = pcall(orm.connect, wrong)
  local msg = tostring(err2)
  print(ok2, db.OperationalError:is(err2), msg:find("127.0.0.1", 1, true) ~= nil,
    msg:find("user ormsh", 1, true) ~= nil, clean(msg) and not msg:find("wrong", 1, true))
else
  print(false, true, true, true, true)
end

-- the shell banner, and a URL taken from DATABASE_URL
local function run(cmd)
  local f = io.popen(cmd .. " 2>&1")
  local out = f:read("a")
  f:close()
  return out
end
local banner = run("printf 'print(1)\\n' | '" .. ormsh .. "' -i --database '" .. url .. "'")
print(clean(banner), masked(banner), banner:find("Database: ", 1, true) ~= nil)
local env = run("DATABASE_URL='" .. url .. "' '" .. ormsh .. "' -e 'print(db) print(db.url)'")
print(clean(env), masked(env))
local echo = run("'" .. ormsh .. "' --echo --database '" .. url .. "' -e 'print(db.session:execute(db.text(\"SELECT 1 AS x\")):scalar())'")
print(clean(echo), echo:find("SQL: SELECT 1 AS x", 1, true) ~= nil)
