-- faults_versioning.lua — fault injection over the paths of __versioned
-- models (history copies before the flush's UPDATEs and DELETEs, in chunks
-- and row by row; bulk q:update and q:delete copying the matched rows; the
-- version check; reading obj:history() and Model:history_at), on every
-- backend. For N = 1, 2, ... the N-th allocation, then the N-th driver
-- call fails: each failure raises OperationalError ("out of memory" /
-- "injected fault"), leaves the table and its history exactly as before
-- (no history row without its change, no change without its history row),
-- and each run that survives writes exactly the fault-free rows. Counts go
-- to stderr (they differ by backend).
local orm = require("orm")
local backend = (os.getenv("ORMSH_TEST_URL") or "sqlite://"):match("^(%a+)")
Author = db.Model("Author", {
  __versioned = true,
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30), { nullable = false }),
  score = db.Column(db.Integer),
})
Tag = db.Model("Tag", { -- a version column of its own, a composite key
  __versioned = true, __version_id = "rev",
  owner = db.Column(db.Integer, { primary_key = true }),
  label = db.Column(db.String(10), { primary_key = true }),
  rev = db.Column(db.Integer),
  note = db.Column(db.Text),
})
db.create_all()
local s = db.session
-- the starting rows, written directly: version 1, no history
local function base()
  s:close()
  for _, t in ipairs{ "author_history", "author", "tag_history", "tag" } do
    s:execute(db.text("DELETE FROM " .. t))
  end
  for i = 1, 6 do
    s:execute(db.text("INSERT INTO author (id, name, score, version) VALUES (:i, :n, :i, 1)"), { i = i, n = "a" .. i })
  end
  s:execute(db.text("INSERT INTO tag (owner, label, rev, note) VALUES (1, 'x', 1, 'n1'), (1, 'y', 1, 'n2')"))
  s:commit()
end

local function rows(sql)
  local out = {}
  for r in s:execute(db.text(sql)) do
    local t = {}
    for i = 1, #r do t[i] = tostring(r[i]) end
    out[#out + 1] = table.concat(t, "|")
  end
  return table.concat(out, ";")
end
local function snapshot()
  local v = rows("SELECT id, name, score, version FROM author ORDER BY id") .. "/" ..
            rows("SELECT id, name, score, version, operation FROM author_history ORDER BY id, version, operation") .. "/" ..
            rows("SELECT owner, label, rev, note FROM tag ORDER BY owner, label") .. "/" ..
            rows("SELECT owner, label, rev, note, operation FROM tag_history ORDER BY owner, label, rev")
  s:rollback()
  return v
end

local function commit_path() -- changes in chunks, a delete, a composite key
  for _, a in ipairs(Author.query:order_by(Author.id):all()) do
    if a.id <= 4 then a.score = a.score * 10 end
  end
  s:delete(Author.query:get(5))
  Tag.query:get{ 1, "x" }.note = "changed"
  s:commit()
end
local function bulk_path() -- one copy of the matched rows, then the statement
  Author.query:filter(Author.id:lt(3)):update{ name = Author.name .. "!" }
  Tag.query:filter_by{ label = "y" }:delete()
  s:commit()
end
local function read_path()
  local a = Author.query:get(1)
  local out = {}
  for _, h in ipairs(a:history()) do out[#out + 1] = h.name .. ":" .. tostring(h.score) .. ":" .. h.version end
  local then_ = Author:history_at(1, "2000-01-01")
  out[#out + 1] = tostring(then_ and then_.name)
  out[#out + 1] = Author:history_at(1, "2999-01-01").name
  return table.concat(out, ",")
end

local want = { alloc = "out of memory", call = "injected fault" }
-- Runs path under each fault kind from the state the database is in now;
-- true when every failure was the right error and left the database as
-- before, and every success left exactly what the fault-free run leaves.
local function loop(name, path, prepare)
  prepare()
  local before = snapshot()
  local result = path()
  local after = snapshot()
  local ok_all = true
  for _, kind in ipairs{ "alloc", "call" } do
    local failures, wrong = 0, {}
    for n = 1, 100000 do
      if snapshot() ~= before then prepare() end -- a run that succeeded changed it
      collectgarbage()
      orm._fault(kind, n)
      local ok, res = pcall(path)
      local fired = orm._fault(kind, 0)
      if not ok then
        failures = failures + 1
        if not (db.OperationalError:is(res) and res.message:sub(1, #want[kind]) == want[kind]) then
          wrong[#wrong + 1] = ("N=%d: %s"):format(n, tostring(res))
        end
        pcall(s.rollback, s)
        if snapshot() ~= before then wrong[#wrong + 1] = ("N=%d: failed, leaving changes"):format(n) end
      else
        s:close()
        if snapshot() ~= after then
          wrong[#wrong + 1] = ("N=%d: succeeded with other rows"):format(n)
        end
        if res ~= result then wrong[#wrong + 1] = ("N=%d: read %s"):format(n, tostring(res)) end
      end
      if not fired then
        io.stderr:write(("%s %s %s: %d runs, %d failures\n"):format(name, kind, backend, n, failures))
        break
      end
    end
    for i = 1, math.min(#wrong, 5) do print("  wrong:", name, kind, wrong[i]) end
    ok_all = ok_all and #wrong == 0 and failures > 0
  end
  return ok_all
end

print("commit", loop("commit", commit_path, base))
print("bulk", loop("bulk", bulk_path, base))
print("read", loop("read", read_path, function() base(); commit_path(); bulk_path() end))
print(read_path())
print(rows("SELECT id, name, score, version FROM author ORDER BY id"))
print(rows("SELECT owner, label, rev, note FROM tag ORDER BY owner, label"))
print(rows("SELECT count(*), min(operation), max(operation) FROM author_history"))
