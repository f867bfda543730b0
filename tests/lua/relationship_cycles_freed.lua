-- relationship_cycles_freed.lua — objects that only hold one another are
-- freed once nothing else does (core/object_cycles.c): a node that is its
-- own parent, two nodes each the other's parent, a parent and its child
-- before any flush; dropped transient, and after a rollback. make asan
-- checks it: what is not freed is a leak there. Committed, the same shapes
-- write the keys they should.
Node = db.Model("Node", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(20)),
  parent_id = db.Column(db.Integer, db.ForeignKey("node.id")),
  parent = db.relationship("Node", { remote_side = "id", back_populates = "children" }),
  children = db.relationship("Node", { back_populates = "parent" }),
})
db.create_all()

for i = 1, 200 do
  local n = Node{ name = "self" .. i }
  n.parent = n
  local a, b = Node{ name = "a" .. i }, Node{ name = "b" .. i }
  a.parent = b
  b.parent = a
  local p = Node{ name = "p" .. i }
  p.children:append(Node{ name = "c" .. i })
end
collectgarbage()
collectgarbage()

local a, b = Node{ name = "a" }, Node{ name = "b" }
a.parent = b
b.parent = a
db.session:add(a)
a, b = nil, nil
collectgarbage()
print("pending", #db.session.new)
db.session:rollback()
collectgarbage()
collectgarbage()
print("after rollback", #db.session.new)

local root = Node{ name = "root" }
root.parent = root
local x, y = Node{ name = "x" }, Node{ name = "y" }
x.parent = y
y.parent = x
db.session:add_all{ root, x }
db.session:commit()
root, x, y = nil, nil, nil
collectgarbage()
for _, r in ipairs(db.session:execute(db.text(
    "SELECT n.name, p.name AS parent FROM node n LEFT JOIN node p ON p.id = n.parent_id ORDER BY n.id")):all()) do
  print(r.name, r.parent)
end
