-- session_nested.lua — session:begin_nested() savepoints: commit keeps the
-- inner changes, rollback undoes only them (objects put back as they were
-- at the savepoint); session:merge() returns the session's own instance
-- (a new one is inserted with a generated key).
Item = db.Model("Item", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(20), { unique = true }),
})
db.create_all()
local function names()
  local t = {}
  for _, row in ipairs(db.session:execute(db.text("SELECT name FROM item ORDER BY id")):all()) do t[#t + 1] = row.name end
  return table.concat(t, ",")
end
local a = Item{ name = "a" }
db.session:add(a)
local sp = db.session:begin_nested()
local b = Item{ name = "b" }
db.session:add(b)
a.name = "a2"
sp:rollback()
print(names(), a.name, b.id, #db.session.new)

sp = db.session:begin_nested()
db.session:add(Item{ name = "c" })
sp:commit()
print(names())

-- a failing insert inside a savepoint: roll back the savepoint only
sp = db.session:begin_nested()
db.session:add(Item{ name = "a" })
local ok, err = pcall(db.session.flush, db.session)
print(ok, db.IntegrityError:is(err))
db.session:expunge(db.session.new[1])
sp:rollback()
db.session:commit()
print(names())
print(pcall(sp.commit, sp))

-- merge: a detached copy's values onto the session's instance
db.session:close()
local copy = Item{ id = 1, name = "merged" }
local m = db.session:merge(copy)
print(m == copy, m.name, m == db.session:get(Item, 1), #db.session.dirty)
local fresh = db.session:merge(Item{ name = "new" })
db.session:commit()
-- its key is whatever the backend generates next (PostgreSQL and MariaDB
-- used one up on the failed INSERT above, SQLite did not)
print(names(), math.type(fresh.id), fresh.id > m.id, db.session:get(Item, fresh.id) == fresh)
