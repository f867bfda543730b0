-- query_bulk.lua — q:update{...} and q:delete() (docs/reference.md): one statement,
-- the number of rows matched, values that are expressions, and objects
-- already loaded in the session kept consistent with the database (updated
-- in place, deleted ones gone), undone by rollback like any change.
dofile("query_fixtures/blog.lua")
local s = db.session

print("-- update")
local p1 = s:query(Post):filter_by{ title = "Hello SQL" }:one()
local p3 = s:query(Post):filter_by{ title = "Lua tables" }:one()
print(p1.views, p3.views)
local ana = s:query(User):filter_by{ username = "ana" }:one()
local n = s:query(Post):filter(Post.author_id:eq(ana.id)):update{ views = Post.views + 1, title = db.func.upper(Post.title) }
print(n, p1.views, p1.title, p3.views, p3.title)
print(s:query(Post.title, Post.views):order_by(Post.id):all())
print(s.dirty, #s.dirty)
-- unchanged values still count as matched; nothing matched is 0
print(s:query(Post):filter(Post.views:ge(0)):update{ editor_id = db.null })
print(s:query(Post):filter(Post.views:gt(1000)):update{ views = 0 })
print(s:query(Post):filter(Post.editor_id:isnot(db.null)):count(), p1.editor_id)
-- keys may be columns; a value is checked like an assignment
print(s:query(User):filter(User.age:lt(25)):update{ [User.is_student] = false, age = User.age + 10 })
print(ana.age, ana.is_student)
print(select(2, pcall(function() return s:query(User):update{ age = "old" } end)))
print(select(2, pcall(function() return s:query(User):update{ nope = 1 } end)))
print(select(2, pcall(function() return s:query(User):update{} end)))
-- rollback brings the loaded objects back with the rows
s:rollback()
print(p1.views, p1.title, p1.editor_id, ana.age, ana.is_student)
print(s:query(Post.title, Post.views, Post.editor_id):order_by(Post.id):all())
-- pending changes are flushed first, then overwritten by the statement
p3.views = 70
print(s:query(Post):filter(Post.views:ge(70)):update{ views = 71 }, p3.views)
s:commit()
print(s:query(Post.views):filter_by{ id = p3.id }:scalar())

print("-- delete")
-- untagged drafts (a tagged post's association rows would block its delete)
local bob = s:query(User):filter_by{ username = "bob" }:one()
s:add_all{ Post{ title = "draft 1", views = 1, author_id = bob.id }, Post{ title = "draft 2", views = 2, author_id = ana.id } }
s:commit()
local doomed = s:query(Post):filter(Post.views:between(1, 5)):order_by(Post.id):all()
print(doomed, ana.posts)
print(s:query(Post):filter(Post.views:between(1, 5)):delete())
print(ana.posts)
print(s:query(Post):count(), s:get(Post, doomed[1].id), doomed[1].title)
print(s:query(Post):order_by(Post.id):all())
s:rollback()
print(s:query(Post):count(), s:get(Post, doomed[1].id))
print(s:query(Post):filter(Post.title:eq("draft 2")):delete(), s:query(Post):filter(Post.title:eq("nothing")):delete())
s:commit()
print(s:query(Post):order_by(Post.id):all())
print(bob.posts)
print(s:query(Post):filter(Post.title:startswith("draft")):filter(Post.author_id:in_(s:query(User.id):filter(User.age:gt(30)))):delete())
print(bob.posts)
s:commit()

print("-- setting a primary key lets go of the object")
local eve = s:query(User):filter_by{ username = "eve" }:one()
print(s:query(User):filter_by{ username = "eve" }:update{ id = 50 })
print(s:get(User, 50), s:query(User):get(5))
s:commit()

print("-- what cannot be a bulk statement")
for _, f in ipairs{
  function() return s:query(User):join(User.posts):update{ age = 1 } end,
  function() return s:query(User):limit(1):delete() end,
  function() return s:query(User.username):delete() end,
  function() return s:query(User):filter(Post.id:eq(1)):delete() end,
  function() return s:query(User):group_by(User.age):update{ age = 1 } end,
} do
  local ok, err = pcall(f)
  print(ok, db.ArgumentError:is(err), err)
end
print(s:query(User):count())
