-- reliability_faults.lua — fault injection, as SQLite tests itself: for
-- N = 1, 2, ... the N-th allocation of ormsh's own code (then the N-th
-- driver call) fails during a commit (inserts, an update, a delete, with
-- relationships), a load, and on SQLite a migration that rebuilds a table.
-- Each failure raises OperationalError ("out of memory" / "injected fault"),
-- the database is exactly as before, the session works afterwards; under
-- `make asan` nothing leaks. The loop ends at the first N the path survives
-- untouched. Counts go to stderr (they differ by backend).
local orm = require("orm")
local backend = (os.getenv("ORMSH_TEST_URL") or "sqlite://"):match("^(%a+)")
Author = db.Model("Author", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(40), { nullable = false }),
  books = db.relationship("Book", { backref = "author", cascade = "all, delete-orphan" }),
})
Book = db.Model("Book", {
  id = db.Column(db.Integer, { primary_key = true }),
  title = db.Column(db.String(40)),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id")),
})
db.create_all()
local function author(name, ...)
  local a = Author{ name = name }
  for _, t in ipairs{ ... } do a.books:append(Book{ title = t }) end
  db.session:add(a)
  return a
end
author("keep", "k1", "k2")
author("gone", "g1")
db.session:commit()

local function rows(sql)
  local out = {}
  for r in db.session:execute(db.text(sql)) do
    local t = {}
    for i = 1, #r do t[i] = tostring(r[i]) end
    out[#out + 1] = table.concat(t, "|")
  end
  return table.concat(out, ";")
end
local function snapshot()
  local s = rows("SELECT id, name FROM author ORDER BY id") .. "/" ..
            rows("SELECT id, title, author_id FROM book ORDER BY id")
  db.session:rollback()
  return s
end

local function commit_path()
  author("new", "n1", "n2")
  Author.query:filter_by{ name = "keep" }:first().name = "kept"
  db.session:delete(Author.query:filter_by{ name = "gone" }:first())
  db.session:commit()
end
local function undo_commit_path() -- puts the rows back as they were
  db.session:execute(db.text("DELETE FROM book WHERE title IN ('n1', 'n2')"))
  db.session:execute(db.text("DELETE FROM author WHERE name = 'new'"))
  db.session:execute(db.text("UPDATE author SET name = 'keep' WHERE name = 'kept'"))
  db.session:commit()
  if Author.query:filter_by{ name = "gone" }:count() == 0 then
    author("gone", "g1")
    db.session:commit()
  end
end
local function load_path()
  local n = 0
  for _, a in ipairs(Author.query:order_by(Author.id):all()) do n = n + #a.books end
  for _, a in ipairs(Author.query:options(db.selectinload(Author.books)):all()) do n = n + #a.books end
  return n
end

local function names()
  local s = rows("SELECT name FROM author ORDER BY name") .. "/" .. rows("SELECT title FROM book ORDER BY title")
  db.session:rollback()
  return s
end
local want = { alloc = "out of memory", call = "injected fault" }
-- after: the rows (names) a successful run leaves, checked before undo
local function loop(kind, path, undo, after)
  local failures, wrong, changed = 0, {}, 0
  for n = 1, 100000 do
    local before = snapshot()
    collectgarbage()
    orm._fault(kind, n)
    local ok, err = pcall(path)
    local fired = orm._fault(kind, 0)
    if not ok then
      failures = failures + 1
      if not (db.OperationalError:is(err) and err.message:sub(1, #want[kind]) == want[kind]) then
        wrong[#wrong + 1] = ("N=%d: %s"):format(n, tostring(err))
      end
      pcall(db.session.rollback, db.session)
      if snapshot() ~= before then changed = changed + 1 end
    else
      if after and names() ~= after then
        wrong[#wrong + 1] = ("N=%d: succeeded, leaving %s"):format(n, names())
      end
      if undo then undo() end
    end
    if not fired then
      io.stderr:write(("%s %s: %d runs, %d failures\n"):format(kind, backend, n, failures))
      break
    end
  end
  for i = 1, math.min(#wrong, 5) do print("  wrong class:", wrong[i]) end
  return #wrong == 0 and changed == 0 and failures > 0
end

local s0 = names()
local committed = "kept;new/k1;k2;n1;n2"
print("commit, alloc", loop("alloc", commit_path, undo_commit_path, committed))
print("commit, call", loop("call", commit_path, undo_commit_path, committed))
print("load, alloc", loop("alloc", load_path))
print("load, call", loop("call", load_path))
print("unchanged", names() == s0)
commit_path()
print("works after", load_path(), names())
