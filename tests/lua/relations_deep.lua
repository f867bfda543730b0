-- relations_deep.lua — cascades along long chains of objects: the
-- save-update cascade reaches every object of a 3,000-long chain (it walks
-- a list, not the C stack), in the order a parent-first walk takes; a
-- delete cascade 500 deep deletes them all; one deeper than its limit
-- stops with an ArgumentError naming it, nothing deleted, the session usable.
Node = db.Model("Node", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(20)),
  parent_id = db.Column(db.Integer, db.ForeignKey("node.id")),
  parent = db.relationship("Node", { remote_side = "id", back_populates = "children" }),
  children = db.relationship("Node", { back_populates = "parent", cascade = "all, delete-orphan" }),
})
db.create_all()

local function chain(prefix, n)
  local head = Node{ name = prefix .. 1 }
  local last = head
  for i = 2, n do
    local node = Node{ name = prefix .. i }
    node.parent = last
    last = node
  end
  return head, last
end

local head, last = chain("a", 3000)
db.session:add(last) -- reaches the head through 2,999 parents
print("pending", #db.session.new)
db.session:commit()
print("stored", Node.query:count(), Node.query:filter_by{ name = "a3000" }:one().parent.name)

local short = chain("b", 500)
db.session:add(short)
db.session:commit()
db.session:delete(Node.query:filter_by{ name = "b1" }:one())
db.session:commit()
print("deleted", Node.query:filter(Node.name:like("b%")):count())

local ok, err = pcall(db.session.delete, db.session, Node.query:filter_by{ name = "a1" }:one())
print(ok, db.ArgumentError:is(err), err.message)
db.session:rollback()
print("kept", Node.query:count())
