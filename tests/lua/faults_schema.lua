-- faults_schema.lua — fault injection over the schema paths that read the
-- live database (reflection, `db models` text, the models-vs-database diff)
-- and over a `--sql` migration that uses every op, on every backend (on the
-- servers this reaches the MySQL and PostgreSQL reflection, the server
-- migration code and its dry-run shadow schema). For N = 1, 2, ... the N-th
-- allocation, then the N-th driver call fails: each failure raises
-- OperationalError ("out of memory" / "injected fault") and each run that
-- survives gives exactly the fault-free result; the database is never
-- changed (the SQL is only printed). Counts go to stderr (they differ by
-- backend).
local orm = require("orm")
local backend = (os.getenv("ORMSH_TEST_URL") or "sqlite://"):match("^(%a+)")
Author = db.Model("Author", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(40), { nullable = false, unique = true }),
  email = db.Column(db.String(80), { index = true }),
  born = db.Column(db.Date),
  books = db.relationship("Book", { backref = "author" }),
})
Book = db.Model("Book", {
  id = db.Column(db.Integer, { primary_key = true }),
  title = db.Column(db.String(40), { nullable = false }),
  price = db.Column(db.Numeric(10, 2)),
  kept = db.Column(db.Boolean, { default = true }),
  blurb = db.Column(db.Text),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id", { ondelete = "CASCADE" })),
})
db.create_all()
-- a table the models do not map: the diff reports it, reflection models it
db.session:execute(db.text("CREATE TABLE shelf (id INTEGER PRIMARY KEY, room VARCHAR(10) NOT NULL, "
  .. "pos INTEGER NOT NULL, book_id INTEGER REFERENCES book (id), CONSTRAINT uq_shelf UNIQUE (room, pos))"))
db.session:commit()

local function schema_rows()
  local out = {}
  for _, t in ipairs{ "author", "book", "shelf" } do
    out[#out + 1] = t .. ":" .. tostring(db.session:execute(db.text("SELECT count(*) FROM " .. t)):scalar())
  end
  db.session:rollback()
  return table.concat(out, ",")
end

-- true when a --sql run left its changes in the database (committed)
local function left_behind()
  pcall(db.session.commit, db.session)
  local stand = pcall(db.session.execute, db.session, db.text("SELECT count(*) FROM stand"))
  pcall(db.session.rollback, db.session)
  local blurb = pcall(db.session.execute, db.session, db.text("SELECT blurb FROM book"))
  pcall(db.session.rollback, db.session)
  return stand or not blurb
end

local want = { alloc = "out of memory", call = "injected fault" }
-- Runs path under each fault kind; true when every failure was the right
-- class and message and every success gave exactly the fault-free result.
local function loop(name, path)
  local clean = path()
  local rows0 = schema_rows()
  local ok_all = true
  for _, kind in ipairs{ "alloc", "call" } do
    local failures, wrong = 0, {}
    for n = 1, 100000 do
      collectgarbage()
      orm._fault(kind, n)
      local ok, res = pcall(path)
      local fired = orm._fault(kind, 0)
      if not ok then
        failures = failures + 1
        if not (db.OperationalError:is(res) and res.message:sub(1, #want[kind]) == want[kind]) then
          wrong[#wrong + 1] = ("N=%d: %s"):format(n, tostring(res))
        end
        pcall(db.session.rollback, db.session)
        if left_behind() then wrong[#wrong + 1] = ("N=%d: the migration is left"):format(n) end
      elseif res ~= clean then
        wrong[#wrong + 1] = ("N=%d: succeeded with another result"):format(n)
      end
      if not fired then
        io.stderr:write(("%s %s %s: %d runs, %d failures\n"):format(name, kind, backend, n, failures))
        break
      end
    end
    for i = 1, math.min(#wrong, 5) do print("  wrong:", name, kind, wrong[i]) end
    ok_all = ok_all and #wrong == 0 and failures > 0
  end
  return ok_all and schema_rows() == rows0
end

-- reflection: the model text of every table
local function models_text()
  local text, notes = db.reflect_source()
  return text .. "\n" .. table.concat(notes or {}, "\n")
end
-- the diff of the models against the database (shelf is unmapped)
local function diff_text()
  local d = orm.migrate.diff(db, {})
  return ("%d\n%s\n%s\n%s"):format(d.n, d.upgrade, d.downgrade, table.concat(d.unmapped, ","))
end

local up = { label = "every op", add = { "r1" }, remove = {}, fn = function(op)
  op.create_table("rack", {
    op.column("id", "Integer", { primary_key = true }),
    op.column("room", "String(10)", { nullable = false }),
    op.column("pos", "Integer", { nullable = false, server_default = "0" }),
    op.column("shelf_id", "Integer"),
  })
  op.rename_table("rack", "stand")
  op.add_column("author", op.column("rank", "Integer", { nullable = false, server_default = "0" }))
  op.add_column("author", op.column("stand_id", "Integer"))
  op.alter_column("author", "name", { type = "String(50)", nullable = false, server_default = "'anon'" })
  op.alter_column("author", "rank", { new_name = "level" })
  op.create_unique_constraint("uq_stand_room_pos", "stand", { "room", "pos" })
  op.create_foreign_key("fk_author_stand", "author", "stand", { "stand_id" }, { "id" }, { ondelete = "SET NULL" })
  op.create_foreign_key("fk_stand_shelf", "stand", "shelf", { "shelf_id" }, { "id" })
  op.create_index("ix_stand_room", "stand", { "room" })
  op.create_index("ux_book_title", "book", { "title", "author_id" }, { unique = true })
  op.bulk_insert("stand", { { id = 1, room = "r1", pos = 1 }, { id = 2, room = "r1", pos = 2 } })
  op.execute("UPDATE author SET stand_id = :r WHERE email = :e", { r = 2, e = "b@x" })
end }
local down = { label = "undo", add = {}, remove = { "r1" }, fn = function(op)
  op.drop_index("ux_book_title")
  op.drop_index("ix_stand_room")
  op.drop_constraint("fk_stand_shelf", "stand", { type = "foreignkey" })
  op.drop_constraint("fk_author_stand", "author", { type = "foreignkey" })
  op.drop_constraint("uq_stand_room_pos", "stand", { type = "unique" })
  op.alter_column("author", "level", { new_name = "rank" })
  op.alter_column("author", "name", { type = "String(40)", nullable = true, server_default = false })
  op.drop_column("author", "stand_id")
  op.drop_column("author", "rank")
  op.drop_column("book", "blurb")
  op.drop_table("stand")
end }
local function sql_text()
  local out = {}
  orm.migrate.run(db, { up, down }, { sql = true, emit = function(t) out[#out + 1] = t end })
  return table.concat(out, "\n")
end

db.session:add(Author{ name = "A", email = "a@x", books = { Book{ title = "t1", price = "9.50" } } })
db.session:commit()

local sql = sql_text()
-- what every backend's text says, whatever its dialect
for _, needle in ipairs{ "stand", "level", "uq_stand_room_pos", "fk_author_stand", "ix_stand_room",
                         "ux_book_title", "UPDATE author SET stand_id" } do
  print("sql names " .. needle, sql:find(needle, 1, true) ~= nil)
end
print("reflect", loop("reflect", models_text))
print("diff", loop("diff", diff_text))
print("sql", loop("sql", sql_text))
-- a --sql run stopped by its own callback ends its transaction: a commit
-- right after writes none of its statements
local ok, err = pcall(orm.migrate.run, db, { up, down }, { sql = true, emit = function(t)
  if t:find("undo", 1, true) then error("stop here") end
end })
db.session:commit()
print("emit raising", ok, tostring(err):match("stop here"), left_behind())
print("diff finds shelf unmapped", diff_text():match("\n(%w*)$"))
print("nothing written by --sql", db.session:execute(db.text("SELECT count(*) FROM author")):scalar(),
  (pcall(db.session.execute, db.session, db.text("SELECT * FROM stand"))))
db.session:rollback()
