-- replica_sqlite.lua — read replicas on SQLite files (a copy of the primary
-- made here, opened read-only): plain reads go to the replica, using("primary")
-- and everything after the first write in a transaction go to the primary, a
-- replica that cannot be opened is left out with one warning, echo names the
-- server, db.replicas() lists them.
local orm = require "orm"
local function model(h)
  return h.Model("Item", { id = h.Column(h.Integer, { primary_key = true }), name = h.Column(h.String(40)) })
end

local p = orm.connect("sqlite:///primary.db")
local PItem = model(p)
p.create_all()
p.session:add(PItem{ name = "a" })
p.session:add(PItem{ name = "b" })
p.session:commit()
p = nil; collectgarbage()
local src = assert(io.open("primary.db", "rb"))
local dst = assert(io.open("replica.db", "wb"))
dst:write(src:read("a"))
src:close(); dst:close()

local db = orm.connect("sqlite:///primary.db", {
  replicas = { "sqlite:///replica.db", "sqlite:///nowhere/gone.db" }, replica_retry_s = 3600 })
local Item = model(db)
for _, r in ipairs(db.replicas()) do print(r.url, r.state, r.lag) end

-- a row written only to the primary (by this session, committed)
db.session:add(Item{ name = "c" })
db.session:commit()
print("replica count", db.session:query(Item):count())
print("primary count", db.session:query(Item):using("primary"):count())
print("first c (primary)", db.session:query(Item):using("primary"):filter_by{ name = "c" }:first().name)
print("execute (replica)", db.session:execute(db.text("SELECT count(*) FROM item")):scalar())

-- after the first write of a transaction, reads go to the primary
db.session:add(Item{ name = "d" })
db.session:flush()
print("in writing tx", db.session:query(Item):count())
db.session:rollback()
print("after rollback", db.session:query(Item):count())

-- round-robin over the replicas that are up; echo names the server
db.echo = true
db.session:query(Item):count()
db.session:query(Item):using("primary"):count()
db.echo = false

-- bad arguments
print(pcall(function() return db.session:query(Item):using("elsewhere") end))
print(pcall(orm.connect, "sqlite:///primary.db", { replicas = "sqlite:///replica.db" }))
print(pcall(orm.connect, "sqlite:///primary.db", { replicas = { 42 } }))
print(pcall(orm.connect, "sqlite:///primary.db", { replicas = { "nosuch://x" } }))
print(pcall(orm.connect, "sqlite:///primary.db", { replicas = {}, replica_wait_ms = -1 }))

-- a replica that fails (here: it lacks a table made on the primary since the
-- copy) is left out with one warning; the read is answered by the primary
local Tag = db.Model("Tag", { id = db.Column(db.Integer, { primary_key = true }) })
db.create_all()
print("tags", db.session:query(Tag):count())
print("items now from the primary", db.session:query(Item):count())
for _, r in ipairs(db.replicas()) do print(r.url, r.state) end

-- with replica_retry_s = 0 a replica that is back is used again at once
local function copy()
  local a = assert(io.open("primary.db", "rb")); local b = assert(io.open("replica.db", "wb"))
  b:write(a:read("a")); a:close(); b:close()
end
local db2 = orm.connect("sqlite:///primary.db", { replicas = { "sqlite:///replica.db" }, replica_retry_s = 0 })
local Tag2 = db2.Model("Tag", { id = db2.Column(db2.Integer, { primary_key = true }) })
db2.echo = true
print("tags", db2.session:query(Tag2):count())
copy()
print("tags", db2.session:query(Tag2):count())
db2.echo = false
