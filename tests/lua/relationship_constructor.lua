-- relationship_constructor.lua — a relationship key in the constructor table
-- (Post{ title = "x", member = m }) sets the relationship as an assignment
-- would: both sides in step at once, the foreign key written at the flush;
-- a one-to-many list in the constructor too; a wrong value is a DataError.
Member = db.Model("Member", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30)),
  posts = db.relationship("Post", { back_populates = "member" }),
})
function Member:__repr() return "<M " .. self.name .. ">" end
Post = db.Model("Post", {
  id = db.Column(db.Integer, { primary_key = true }),
  title = db.Column(db.String(30)),
  member_id = db.Column(db.Integer, db.ForeignKey("member.id")),
  member = db.relationship("Member", { back_populates = "posts" }),
})
function Post:__repr() return "<P " .. self.title .. ">" end
db.create_all()

print("-- many-to-one key in the constructor")
local m = Member{ name = "ann" }
local p = Post{ title = "x", member = m }
print(p.member, m.posts, p.member == m)
db.session:add(m)
db.session:commit()
print(p.member_id == m.id, p.member_id ~= nil)

print("-- one-to-many list in the constructor")
local m2 = Member{ name = "bob", posts = { Post{ title = "y" }, Post{ title = "z" } } }
print(m2.posts, m2.posts[1].member)
db.session:add(m2)
db.session:commit()
db.session:close()
for _, mm in ipairs(Member.query:order_by(Member.id):all()) do print(mm, mm.posts) end

print("-- a wrong value")
local ok, err = pcall(function() return Post{ title = "w", member = "ann" } end)
print(ok, db.DataError:is(err), err.message)
