-- reliability_faults_migrate.lua — fault injection over a SQLite migration
-- that rebuilds a table (alter_column: copy into a new table, drop, rename)
-- with children pointing at it: for N = 1, 2, ... the N-th allocation, then
-- the N-th driver call fails; each failure raises OperationalError and
-- leaves the schema (sqlite_master) and every row exactly as before.
local orm = require("orm")
local function exec(sql) db.session:execute(db.text(sql)) end
local function rows(sql)
  local out = {}
  for r in db.session:execute(db.text(sql)) do
    local t = {}
    for i = 1, #r do t[i] = tostring(r[i]) end
    out[#out + 1] = table.concat(t, "|")
  end
  return table.concat(out, ";")
end
local function fresh()
  exec("DROP TABLE IF EXISTS book")
  exec("DROP TABLE IF EXISTS author")
  exec("CREATE TABLE author (id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL)")
  exec("CREATE TABLE book (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES author (id), title TEXT)")
  exec("CREATE INDEX ix_author_name ON author (name)")
  for i = 1, 20 do exec(("INSERT INTO author (name) VALUES ('a%d')"):format(i)) end
  for i = 1, 40 do exec(("INSERT INTO book (author_id, title) VALUES (%d, 't%d')"):format(i % 20 + 1, i)) end
  db.session:commit()
end
local function snapshot()
  local s = rows("SELECT type, name, sql FROM sqlite_master ORDER BY name") .. "/" ..
            rows("SELECT * FROM author ORDER BY id") .. "/" .. rows("SELECT * FROM book ORDER BY id")
  db.session:rollback()
  return s
end
local step = { label = "widen author.name", add = {}, remove = {}, fn = function(op)
  op.alter_column("author", "name", { type = "String(99)", nullable = true })
end }
local want = { alloc = "out of memory", call = "injected fault" }
for _, kind in ipairs{ "alloc", "call" } do
  local failures, bad = 0, 0
  for n = 1, 100000 do
    fresh()
    local before = snapshot()
    orm._fault(kind, n)
    local ok, err = pcall(orm.migrate.run, db, { step }, {})
    local fired = orm._fault(kind, 0)
    if not ok then
      failures = failures + 1
      local msg = type(err) == "table" and err.message or tostring(err)
      if not db.OperationalError:is(err) or msg ~= want[kind] then
        bad = bad + 1
        if bad <= 3 then print("  wrong class:", n, tostring(err)) end
      end
      pcall(db.session.rollback, db.session)
      if snapshot() ~= before then
        bad = bad + 1
        if bad <= 3 then print("  changed:", n) end
      end
    elseif snapshot():find("VARCHAR(99)", 1, true) == nil then
      bad = bad + 1
      print("  succeeded without the change:", n)
    end
    if not fired then
      io.stderr:write(("%s: %d runs, %d failures\n"):format(kind, n, failures))
      break
    end
  end
  print(kind, failures > 0, bad == 0)
end
