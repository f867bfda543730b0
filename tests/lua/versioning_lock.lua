-- versioning_lock.lua — optimistic locking (__version_id): a row starts at
-- version 1 and every UPDATE ormsh writes (flush and bulk q:update) adds
-- one; UPDATE and DELETE match the version the session loaded, so a change
-- made meanwhile by another process (or a raw UPDATE on a second
-- connection, or a delete) raises StaleDataError naming model, key and the
-- expected version; the session stays usable, refresh loads the new version
-- and the retry wins. A failed flush leaves the version where the database
-- has it. Bad __version_id declarations are ArgumentErrors.
local orm = require("orm")
Document = db.Model("Document", {
  __version_id = "version",
  id = db.Column(db.Integer, { primary_key = true }),
  title = db.Column(db.String(40), { unique = true }),
  version = db.Column(db.Integer, { nullable = false }),
})
db.create_all()
local s = db.session
local url = os.getenv("ORMSH_TEST_URL")
if url == nil or url == "sqlite://" then url = db.url end
local other = orm.connect(url) -- a second connection: what the database has
local function row(id)
  local r = other.session:execute(other.text("SELECT title, version FROM document WHERE id = :id"), { id = id }):first()
  other.session:commit() -- ends the read transaction: other processes may write
  return r and (r[1] .. " v" .. r[2]) or "gone"
end

print("-- 1 on insert, +1 on each update")
local d = Document{ title = "draft", version = 42 }
s:add(d)
s:commit()
print(d.version, row(1))
d.title = "first"
s:commit()
print(d.version, row(1))
d.title = "second"
s:flush()
d.title = "third"
s:commit()
print(d.version, row(1))

print("-- another process wins the race; the loser gets StaleDataError, refreshes and retries")
s:commit() -- the session's own read transaction ends too
local ormsh = os.getenv("ORMSH")
local child = "'" .. ormsh .. "' --database '" .. url .. "' -e '" ..
  "local d = db.session:get(Document, 1) d.title = \"theirs\" db.session:commit() print(d.version)'"
local models = [[Document = db.Model("Document", { __version_id = "version",
  id = db.Column(db.Integer, { primary_key = true }), title = db.Column(db.String(40), { unique = true }),
  version = db.Column(db.Integer, { nullable = false }) })]]
local f = assert(io.open("models_child.lua", "w"))
f:write(models)
f:close()
child = child:gsub("%-e '", "-e 'dofile(\"models_child.lua\") ")
local p = io.popen(child .. " 2>&1")
print("child:", (p:read("a"):gsub("\n$", "")))
p:close()
d.title = "mine"
local ok, err = pcall(s.commit, s)
print(ok, db.StaleDataError:is(err), tostring(err))
print(d.title, d.version, #s.dirty, row(1))
s:refresh(d)
print(d.title, d.version)
d.title = "mine"
s:commit()
print(d.version, row(1))

print("-- a raw UPDATE on a second connection: DELETE is stale too")
other.session:execute(other.text("UPDATE document SET version = 7, title = 'raw' WHERE id = 1"))
other.session:commit()
s:delete(d)
ok, err = pcall(s.commit, s)
print(ok, db.StaleDataError:is(err), tostring(err))
s:rollback()
s:refresh(d)
print(d.title, d.version)
s:commit()

print("-- a row deleted meanwhile")
other.session:execute(other.text("DELETE FROM document WHERE id = 1"))
other.session:commit()
d.title = "ghost"
ok, err = pcall(s.commit, s)
print(ok, tostring(err))
s:rollback()
s:expunge(d)

print("-- bulk q:update adds one to every matched row; loaded objects follow")
s:add_all{ Document{ title = "a" }, Document{ title = "b" }, Document{ title = "c" } }
s:commit()
local a = Document.query:filter_by{ title = "a" }:one()
local n = Document.query:filter(Document.title:ne("c")):update{ title = Document.title .. "!" }
s:commit()
print(n, a.title, a.version, row(a.id), row(a.id + 2))

print("-- a failed flush: the version stays where the database has it")
local b = Document.query:filter_by{ title = "b!" }:one()
a.title = "a2" -- written first (version 3 in memory) ...
b.title = "c"  -- ... then this clashes: both roll back
ok, err = pcall(s.commit, s)
print(ok, db.IntegrityError:is(err), a.title, a.version, b.version, row(a.id), row(b.id))
b.title = "b2"
s:commit()
print(a.version, b.version, row(a.id), row(b.id))

print("-- an UPDATE writing equal values still matches (rows matched, not changed)")
a.title = "a2"
s:commit()
print(a.version, row(a.id))

print("-- bad declarations")
local function try(fields)
  local ok2, e = pcall(db.Model, "Bad" .. tostring(#fields), fields)
  print(ok2, db.ArgumentError:is(e), tostring(e))
end
try{ __version_id = "ver", id = db.Column(db.Integer, { primary_key = true }) }
try{ __version_id = "ver", id = db.Column(db.Integer, { primary_key = true }), ver = db.Column(db.String(5)) }
try{ __version_id = 3, id = db.Column(db.Integer, { primary_key = true }) }
try{ __version_id = "id", id = db.Column(db.Integer, { primary_key = true }) }
