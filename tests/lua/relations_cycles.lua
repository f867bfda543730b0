-- relations_cycles.lua — rows that depend on each other: a self-referential
-- tree added child-first, and two tables pointing at each other; the flush
-- inserts with the key it cannot know yet left NULL and fills it in with a
-- follow-up UPDATE (SQLAlchemy's post_update); a NOT NULL column in such a
-- cycle is reported as IntegrityError (naming the column and the failed
-- INSERT), nothing half-written.
Node = db.Model("Node", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(10)),
  parent_id = db.Column(db.Integer, db.ForeignKey("node.id")),
  parent = db.relationship("Node", { uselist = false, foreign_keys = "parent_id", back_populates = "children" }),
  children = db.relationship("Node", { foreign_keys = "parent_id", back_populates = "parent" }),
})
function Node:__repr() return "<" .. self.name .. ">" end
db.create_all()
local root, kid, grandkid = Node{ name = "root" }, Node{ name = "kid" }, Node{ name = "grandkid" }
grandkid.parent = kid
kid.parent = root
print(root.children, kid.children, grandkid.parent)
db.session:add_all{ grandkid, kid, root } -- children first
db.session:commit()
print(root.id, kid.id, grandkid.id, kid.parent_id == root.id, grandkid.parent_id == kid.id)
db.session:close()
local r = db.session:query(Node):filter_by{ name = "root" }:one()
print(r.children, r.children[1].children, r.parent)

Team = db.Model("Team", {
  id = db.Column(db.Integer, { primary_key = true }),
  captain_id = db.Column(db.Integer, db.ForeignKey("player.id")),
  captain = db.relationship("Player", { foreign_keys = "captain_id" }),
})
Player = db.Model("Player", {
  id = db.Column(db.Integer, { primary_key = true }),
  team_id = db.Column(db.Integer, db.ForeignKey("team.id"), { nullable = false }),
  team = db.relationship("Team", { foreign_keys = "team_id" }),
})
db.create_all()
local t, p = Team{}, Player{}
p.team = t
t.captain = p
db.session:add(t)
db.session:commit()
print(t.captain_id == p.id, p.team_id == t.id)
print(db.session:execute(db.text("SELECT count(*) FROM team WHERE captain_id IS NOT NULL")):scalar())

-- both sides NOT NULL: no order can work; one clear error, nothing written
Egg = db.Model("Egg", {
  id = db.Column(db.Integer, { primary_key = true }),
  hen_id = db.Column(db.Integer, db.ForeignKey("hen.id"), { nullable = false }),
  hen = db.relationship("Hen", { foreign_keys = "hen_id" }),
})
Hen = db.Model("Hen", {
  id = db.Column(db.Integer, { primary_key = true }),
  egg_id = db.Column(db.Integer, db.ForeignKey("egg.id"), { nullable = false }),
  egg = db.relationship("Egg", { foreign_keys = "egg_id" }),
})
db.create_all()
local e, h = Egg{}, Hen{}
e.hen = h
h.egg = e
db.session:add(e)
local ok, err = pcall(db.session.commit, db.session)
-- each backend words its NOT NULL message its own way; all of them name the
-- column (SQLite's exact text is asserted in tests/unit/test_driver_sqlite.c)
print(ok, db.IntegrityError:is(err), type(err.message), err.message:find("hen_id", 1, true) ~= nil,
  err.sql:match("^INSERT INTO (%w+)"))
db.session:rollback()
print(db.session:execute(db.text("SELECT (SELECT count(*) FROM egg) + (SELECT count(*) FROM hen)")):scalar())
