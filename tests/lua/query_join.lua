-- query_join.lua — joins (docs/reference.md): along a relationship (one-to-many,
-- many-to-one, many-to-many), with an ON clause, inferred from the only
-- foreign key, outer joins, several joins in a row, a model joined twice
-- through db.aliased, filter_by on the last joined model, and the errors
-- when a join cannot be worked out.
dofile("query_fixtures/blog.lua")
local s = db.session

print("-- along relationships")
print(s:query(User):join(User.posts):filter(Post.views:gt(8)):all())
print(s:query(Post.title, User.username):join(Post.author):order_by(Post.id):all())
print(s:query(Post.title, Tag.name):join(Post.tags):order_by(Post.id, Tag.name):all())
print(s:query(Tag.name, db.func.count(Post.id):label("n")):join(Tag.posts):group_by(Tag.name):order_by("-n", "name"):all())
print(s:query(User.username, db.func.sum(Post.views):label("views")):join(User.posts):group_by(User.id):having(db.func.sum(Post.views):gt(5)):order_by(User.id):all())
print(s:query(User):join(User.posts):filter_by{ title = "Paging" }:all())
print(s:query(User):join(User.posts):join(Post.tags):filter(Tag.name:eq("howto")):order_by(User.username):all())
-- a single model comes back once, however many rows the join makes
print(s:query(User):join(User.posts):count(), #s:query(User):join(User.posts):all())

print("-- ON clauses and outer joins")
print(s:query(User.username, Post.title):join(Post, Post.author_id:eq(User.id)):order_by(Post.id):all())
print(s:query(User.username, Post.title):outerjoin(Post, Post.author_id:eq(User.id)):order_by(User.id, Post.id):all())
print(s:query(User.username, db.func.count(Post.id)):outerjoin(User.posts):group_by(User.id):order_by(User.id):all())
print(s:query(User):outerjoin(User.posts):filter(Post.id:is_(db.null)):order_by(User.id):all())
print(s:query(Post.title, Tag.name):join(Post, Post.author_id:eq(User.id)):join(Post.tags):filter(User.username:eq("bob")):all())
print(s:query(Tag.name):join(Tag.posts):join(User, Post.author_id:eq(User.id)):filter(User.age:lt(20)):all())

print("-- inferred ON clause")
print(s:query(Tag.name):join(Tag.posts):join(User, Post.editor_id:eq(User.id)):filter(User.username:eq("ana")):order_by(Tag.name):all())
print(select(2, pcall(function() return s:query(User):join(Post) end)))
print(select(2, pcall(function() return s:query(User):join(Tag) end)))
Profile = db.Model("Profile", {
  id = db.Column(db.Integer, { primary_key = true }),
  user_id = db.Column(db.Integer, db.ForeignKey("users.id")),
  bio = db.Column(db.String(40)),
})
db.create_all()
s:add(Profile{ user_id = bob.id, bio = "likes SQL" })
s:commit()
print(s:query(User.username, Profile.bio):join(Profile):all())
print(s:query(Profile.bio, User.username):join(User):all())

print("-- a model joined twice")
local editor = db.aliased(User)
local q = s:query(Post.title, User.username, editor.username)
  :join(User, Post.author_id:eq(User.id))
  :join(editor, Post.editor_id:eq(editor.id))
  :order_by(Post.id)
print(q)
print(q:all())
print(q:filter(editor.age:gt(30)):all())
local boss = db.aliased(User, "boss")
print(s:query(Post.title, boss.username):outerjoin(boss, Post.editor_id:eq(boss.id)):filter(boss.username:isnot(db.null)):order_by(boss.username):all())
local rows = s:query(Post, editor):join(editor, Post.editor_id:eq(editor.id)):order_by(Post.id):all()
print(rows, rows[1].User, rows[1].Post)
print(s:query(boss):filter(boss.age:gt(30)):order_by(boss.age):all())
print(s:query(boss):filter_by{ username = "eve" }:one(), s:query(boss):filter_by{ username = "eve" }:one() == s:query(User):get(5))
print(editor, boss, select(2, pcall(function() return editor.nope end)))

print("-- loader options apply to every way a query returns objects")
local function loads(f)
  s:close()
  local before = db.statements
  local users = f()
  local names = {}
  for _, u in ipairs(users) do names[#names + 1] = u.username .. "=" .. #u.posts end
  return table.concat(names, " ") .. " | " .. (db.statements - before) .. " statements"
end
local eager = s:query(User):options(db.selectinload(User.posts)):order_by(User.id)
print(loads(function() return eager:all() end))
print(loads(function() return s:query(User):order_by(User.id):all() end))
print(loads(function() return eager:paginate{ page = 1, per_page = 3 }.items end))
print(loads(function() return { eager:first() } end))
print(loads(function() return { eager:filter_by{ username = "dee" }:one() } end))
print(loads(function() local t = {} for u in eager:filter(User.age:lt(30)) do t[#t + 1] = u end return t end))
print(loads(function() return s:query(User):options(db.joinedload(User.posts)):join(User.posts):order_by(User.id):all() end))
