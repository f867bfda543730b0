-- slab_lifetime.lua — objects live in their session's slabs: loaded, dropped
-- and loaded again many times they come back equal (freed slots reused);
-- an object changed (its text no longer in its block) and reloaded; after a
-- streamed loop the identity map holds exactly the objects still referenced;
-- objects kept past db.session:close() stay readable, and new ones can be
-- made after it (the arena outlives its session until its last object goes).
Author = db.Model("Author", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(400)),
  email = db.Column(db.String(60), { nullable = false }),
  score = db.Column(db.Float),
})
db.create_all()
local N = 3000
local list = {}
for i = 1, N do
  list[i] = Author{ name = ("author%d"):format(i), email = ("a%d@%s.example"):format(i, ("x"):rep(i % 40)),
                    score = i / 4 }
end
db.session:add_all(list)
db.session:commit()
list = nil
collectgarbage(); collectgarbage()

local function digest(rows)
  local n, s = 0, 0
  for _, a in ipairs(rows) do
    n = n + 1
    s = (s * 31 + a.id + #a.name * 7 + #a.email * 13 + math.floor(a.score * 4)) % 1000000007
  end
  return n, s
end

-- load, drop, collect, five times: the same rows each time
local first_n, first_s = digest(Author.query:order_by(Author.id):all())
local same = true
for _ = 1, 5 do
  collectgarbage(); collectgarbage()
  local n, s = digest(Author.query:order_by(Author.id):all())
  if n ~= first_n or s ~= first_s then same = false end
end
print("reloaded equal", first_n, same)

-- a changed text lives outside the row's block; reloaded it is the new one
local a = db.session:get(Author, 17)
a.name = ("renamed-%s"):format(("y"):rep(300))
a.email = "short@x"
db.session:commit()
a = nil
collectgarbage(); collectgarbage()
local s0 = db.statements
a = db.session:get(Author, 17)
print("changed and reloaded", #a.name, a.email, a.score, db.statements - s0)
a = nil

-- a streamed loop keeping every 100th object
collectgarbage(); collectgarbage()
local kept = {}
for x in Author.query:order_by(Author.id):yield_per(50) do
  if x.id % 100 == 0 then kept[#kept + 1] = x end
end
collectgarbage(); collectgarbage()
s0 = db.statements
local all_same = true
for _, x in ipairs(kept) do
  if db.session:get(Author, x.id) ~= x then all_same = false end
end
print("kept after the loop", #kept, all_same, "statements", db.statements - s0)
s0 = db.statements
local other = db.session:get(Author, 101)
print("one not kept is loaded again", other.name, db.statements - s0)
other = nil

-- objects kept past close stay readable; new ones after it too
local keep = Author.query:filter(Author.id:le(20)):order_by(Author.id):all()
db.session:close()
collectgarbage(); collectgarbage()
local names = {}
for i = 1, 3 do names[i] = keep[i].name end
print("after close", #keep, table.concat(names, " "), keep[20].email)
local fresh = Author{ name = "late", email = "late@x" }
db.session:add(fresh)
db.session:commit()
print("made after close", fresh.id, db.session:get(Author, fresh.id) == fresh)
keep = nil
fresh = nil
collectgarbage(); collectgarbage()
print("count", Author.query:count())
