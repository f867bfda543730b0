-- seed_upsert.lua — db.upsert(Model, rows, { on = {...}, update = {...} }):
-- the backend's native upsert; returns the rows inserted or updated (each
-- row once); a collision updates only the named columns; objects of those
-- rows already in the session see the new values; batches beyond the
-- parameter limit; rollback undoes it; an `on` that is not a unique key is
-- an ArgumentError naming the valid keys.
Member = db.Model("Member", {
  id = db.Column(db.Integer, { primary_key = true }),
  email = db.Column(db.String(60), { unique = true, nullable = false }),
  name = db.Column(db.String(40)),
  points = db.Column(db.Integer),
})
db.create_all()
local s = db.session
local function rows()
  return s:execute(db.text("SELECT email, name, points FROM member ORDER BY email")):all()
end

print(db.upsert(Member, {
  { email = "a@x.org", name = "Ann", points = 1 },
  { email = "b@x.org", name = "Bob", points = 2 },
}, { on = { "email" }, update = { "name" } }))
print(rows())
-- a collision sets only update's columns; a new row is inserted whole
local ann = Member.query:filter_by{ email = "a@x.org" }:one()
print(db.upsert(Member, {
  { email = "a@x.org", name = "Ann B.", points = 100 },
  { email = "c@x.org", name = "Cid", points = 3 },
}, { on = { "email" }, update = { "name" } }))
print(rows())
-- the loaded object sees the new value
print(ann.name, ann.points)
s:commit()

-- on = the primary key, update defaulting to every given non-key column
print(db.upsert(Member, { { id = ann.id, email = "a@x.org", name = "Ann C.", points = 7 } }))
print(ann.name, ann.points)
-- rollback undoes it, the object included
s:rollback()
print(ann.name, ann.points, rows())

-- many rows: batches under the parameter limit, each row counted once
local many = {}
for i = 1, 3000 do many[i] = { email = ("m%04d@x.org"):format(i), name = "m", points = i } end
print(db.upsert(Member, many, { on = { "email" }, update = { "points" } }))
for i = 1, 3000 do many[i].points = -i end
print(db.upsert(Member, many, { on = { "email" }, update = { "points" } }))
print(Member.query:count(), Member.query:filter(Member.points:lt(0)):count())
print(db.upsert(Member, {}, { on = { "email" }, update = { "name" } }))
print(pcall(db.upsert, Member, {}, { on = { "name" } }))
s:commit()

-- bad input
local function err(...)
  local ok, e = pcall(db.upsert, ...)
  print(ok, tostring(e))
end
err(Member, { { email = "a@x.org", name = "x" } }, { on = { "name" }, update = { "points" } })
err(Member, { { email = "a@x.org", name = "x" } }, { on = { "email", "name" }, update = { "points" } })
err(Member, { { name = "x" } }, { on = { "email" }, update = { "name" } })
err(Member, { { email = "a@x.org", nosuch = 1 } }, { on = { "email" } })
err(Member, { { email = "a@x.org", points = "many" } }, { on = { "email" } })
err(Member, { { email = "a@x.org" } }, { on = { "email" }, update = {} })
err(Member, { { email = "a@x.org", name = "n" } }, { on = { "email" }, update = { "email" } })
err(Member, { "x" })
err("Member", {})
print(rows()[1])
