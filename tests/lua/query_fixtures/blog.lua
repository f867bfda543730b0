-- query_fixtures/blog.lua — the models the query tests share (the tutorial's
-- User with username, age, is_active, is_student, registered_date; Post with
-- views and an author; tags through an association table) and a small seed.
-- Loaded by tests/lua/query_*.lua with dofile("query_fixtures/blog.lua").
User = db.Model("User", {
  __tablename = "users",
  id = db.Column(db.Integer, { primary_key = true }),
  username = db.Column(db.String(30), { unique = true, nullable = false }),
  age = db.Column(db.Integer),
  is_active = db.Column(db.Boolean, { default = true }),
  is_student = db.Column(db.Boolean, { default = false }),
  registered_date = db.Column(db.Date),
  posts = db.relationship("Post", { back_populates = "author", foreign_keys = "author_id" }),
})
function User:__repr() return ("<User %s>"):format(self.username) end

Post = db.Model("Post", {
  id = db.Column(db.Integer, { primary_key = true }),
  title = db.Column(db.String(50), { nullable = false }),
  views = db.Column(db.Integer, { default = 0 }),
  author_id = db.Column(db.Integer, db.ForeignKey("users.id")),
  editor_id = db.Column(db.Integer, db.ForeignKey("users.id")),
  author = db.relationship("User", { back_populates = "posts", foreign_keys = "author_id" }),
  tags = db.relationship("Tag", { secondary = "post_tag", back_populates = "posts" }),
})
function Post:__repr() return ("<Post %s>"):format(self.title) end

Tag = db.Model("Tag", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(20), { unique = true }),
  posts = db.relationship("Post", { secondary = "post_tag", back_populates = "tags" }),
})
function Tag:__repr() return ("<Tag %s>"):format(self.name) end

db.Table("post_tag", db.Column("post_id", db.Integer, db.ForeignKey("post.id"), { primary_key = true }),
  db.Column("tag_id", db.Integer, db.ForeignKey("tag.id"), { primary_key = true }))

db.create_all()

-- users: ana 22 student, bob 35, cy 41 inactive, dee 19 student, eve 28
local function user(name, age, date, extra)
  local u = User{ username = name, age = age, registered_date = date }
  for k, v in pairs(extra or {}) do u[k] = v end
  return u
end
ana = user("ana", 22, "2023-03-01", { is_student = true })
bob = user("bob", 35, "2022-11-20")
cy = user("cy", 41, "2023-06-15", { is_active = false })
dee = user("dee", 19, "2024-01-10", { is_student = true })
eve = user("eve", 28, "2021-05-05")
db.session:add_all{ ana, bob, cy, dee, eve }
db.session:commit()

-- posts: ana 2, bob 1, dee 1; tags sql, lua, howto
local sql, lua, howto = Tag{ name = "sql" }, Tag{ name = "lua" }, Tag{ name = "howto" }
local function post(title, views, author, editor, tags)
  local p = Post{ title = title, views = views, author_id = author.id, editor_id = editor and editor.id }
  p.tags = tags
  db.session:add(p)
  return p
end
post("Hello SQL", 10, ana, bob, { sql })
post("Joins explained", 25, ana, cy, { sql, howto })
post("Lua tables", 7, bob, ana, { lua, howto })
post("Paging", 0, dee, nil, { howto })
db.session:commit()
db.session:close()
