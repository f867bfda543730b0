-- replica_txn.lua — the reads a session sends to a SQLite replica share one
-- read transaction there (one file lock for all of them, not one each),
-- neither echoed nor counted; it ends before the session writes, commits,
-- rolls back, or lets the database go idle, so a write + commit in the same
-- session is not blocked by it (the replica here is the primary's own file)
-- and the next read after a commit sees the commit.
local orm = require "orm"
local function model(h)
  return h.Model("Item", { id = h.Column(h.Integer, { primary_key = true }), name = h.Column(h.String(40)) })
end

local p = orm.connect("sqlite:///primary.db")
local PItem = model(p)
p.create_all()
for i = 1, 5 do p.session:add(PItem{ id = i, name = "n" .. i }) end
p.session:commit()
p = nil; collectgarbage()
local src = assert(io.open("primary.db", "rb"))
local dst = assert(io.open("replica.db", "wb"))
dst:write(src:read("a"))
src:close(); dst:close()

-- another client writing to the replica's file, giving up on a lock at once:
-- its COMMIT needs the file to itself, so it tells whether a reader holds it
local w = orm.connect("sqlite:///replica.db", { busy_timeout = 1 })
model(w)
local function other_write()
  local ok, err = pcall(function()
    w.session:execute(w.text("UPDATE item SET name = name WHERE id = 1"))
    w.session:commit()
  end)
  if ok then return "written" end
  w.session:rollback()
  return tostring(err):find("database is locked", 1, true) and "locked" or tostring(err)
end

local db = orm.connect("sqlite:///primary.db", { replicas = { "sqlite:///replica.db" } })
local Item = model(db)
print("no read yet", other_write())
db.echo = true
local n = db.statements
for i = 1, 5 do io.write(db.session:get(Item, i).name, " ") end
print(db.session:query(Item):count())
db.echo = false
-- the six reads ran on the replica (nothing on the primary), and its read
-- transaction is still open: the other client cannot commit
print("primary statements", db.statements - n)
print("after six reads", other_write())
print("still", other_write())
db.session:commit()
print("after commit", other_write())
db.session:query(Item):count()
print("read again", other_write())
db.session:rollback()
print("after rollback", other_write())
db.session:query(Item):count()
db.create_all() -- DDL: the database goes idle first
print("after create_all", other_write())
db.session:query(Item):count()
-- the first write of the transaction ends it (then reads go to the primary)
db.session:add(Item{ id = 6, name = "n6" })
db.session:flush()
print("after flush", other_write())
db.session:rollback()
db.session:query(Item):count()
db.session:execute(db.text("UPDATE item SET name = 'x' WHERE id = 0"))
print("after a raw write", other_write())
db.session:rollback()
db.session:query(Item):count()
db.session:begin_nested()
print("after a savepoint", other_write())
db.session:rollback()

-- a replica on the primary's own file: the session's write and commit are
-- not blocked by its read transaction there, and the next read (on the
-- replica) sees the commit
local same = orm.connect("sqlite:///primary.db", { replicas = { "sqlite:///primary.db" }, busy_timeout = 1 })
local SItem = model(same)
print("before", same.session:query(SItem):count(), same.session:get(SItem, 1).name)
same.session:add(SItem{ id = 7, name = "n7" })
same.session:commit()
same.echo = true
print("own commit", same.session:query(SItem):count())
same.echo = false
same.session:get(SItem, 1).name = "renamed"
print(pcall(same.session.commit, same.session))
print("renamed", same.session:query(SItem):filter_by{ name = "renamed" }:count())
