-- query_build.lua — building queries (docs/reference.md): every method returns a new
-- query, so a base refined twice stays independent; filters, filter_by,
-- order_by on columns, expressions, labels and names; limit/offset/slice;
-- distinct; group_by/having; with_entities / add_columns; rows by name and
-- position; one/first/one_or_none/scalar/count/get; iteration; tostring.
dofile("query_fixtures/blog.lua")
local s = db.session
-- the SQL as printed, with PostgreSQL's $1, $2 placeholders shown as ? like
-- SQLite's and MySQL's, so the text is the same on every backend
local function sql(q) return (tostring(q):gsub("%$%d+", "?")) end

print("-- immutability")
local base = s:query(User)
local students = base:filter(User.is_student:eq(true))
local seniors = base:filter(User.age:gt(30))
print(base:count(), students:count(), seniors:count())
print(students:all(), seniors:all())
local ordered = base:order_by(User.age)
local limited = ordered:limit(2)
print(ordered:all(), limited:all(), base:all())
print(rawequal(base, base:filter(User.id:gt(0))))
-- the two refinements share nothing
print(sql(students))
print(sql(seniors))

print("-- filters")
print(s:query(User):filter(User.age:gt(20), User.age:lt(30)):all())
print(s:query(User):filter(User.age:between(20, 30)):order_by(User.age):all())
print(s:query(User):filter(User.username:in_{ "bob", "eve", "zed" }):all())
print(s:query(User):filter(User.username:notin_{ "bob", "eve" }):all())
print(s:query(User):filter(User.username:in_{}):all())
print(s:query(User):filter(User.username:startswith("d")):all(), s:query(User):filter(User.username:endswith("e")):all())
print(s:query(User):filter(User.username:like("_o_")):all(), s:query(User):filter(User.username:ilike("A%")):all())
print(s:query(Post):filter(Post.editor_id:is_(db.null)):all(), s:query(Post):filter(Post.editor_id:isnot(db.null)):count())
print(s:query(Post):filter(Post.editor_id:eq(nil)):all())
print(s:query(User):filter(User.is_active:eq(false):or_(User.age:lt(20))):all())
print(s:query(User):filter(User.is_student:eq(true):and_(User.age:gt(20))):all())
print(s:query(User):filter(db.not_(User.is_active:eq(true))):all())
print(s:query(User):filter_by{ username = "bob", age = 35 }:one())
print(s:query(User):filter_by{ age = 35 }:filter(User.is_active:eq(true)):count())

print("-- ordering")
print(s:query(User):order_by(User.is_student:desc(), User.username):all())
print(s:query(User):order_by("-age"):all())
print(s:query(User):order_by(User.age % 10, "username"):all())
local per_user = s:query(User.username, db.func.count(Post.id):label("n")):outerjoin(User.posts):group_by(User.id)
print(per_user:order_by(db.desc("n"), User.username):all())
print(per_user:order_by("-n", "username"):all())
print(s:query(User):order_by(User.age):order_by(nil):order_by(User.username:desc()):first())

print("-- limit / offset / slice / distinct")
print(s:query(User):order_by(User.id):limit(2):offset(1):all())
print(s:query(User):order_by(User.id):offset(3):all())
print(s:query(User):order_by(User.id):slice(1, 3):all())
print(s:query(User):limit(0):all())
print(s:query(User.is_student):distinct():order_by(User.is_student):all())
print(s:query(User.is_student):distinct():count())

print("-- grouping")
local g = s:query(User.is_student, db.func.count(User.id):label("n"), db.func.max(User.age):label("oldest"))
  :group_by(User.is_student):order_by(User.is_student)
print(g:all())
print(g:having(db.func.count(User.id):gt(2)):all())
local r = g:first()
print(r.is_student, r.n, r.oldest, r[1], r[2], r[3], #r)

print("-- entities")
print(s:query(User.username, User.age):filter(User.age:lt(25)):order_by(User.age):all())
print(s:query(User):with_entities(User.username):filter(User.age:gt(40)):all())
print(s:query(User.username):add_columns(User.age, User.age * 2):filter_by{ username = "cy" }:one())
local row = s:query(User, Post):filter(Post.author_id:eq(User.id)):order_by(Post.id):first()
print(row, row.User, row.Post, row[1], row[2])
print(s:query(User.username:label("name"), (User.age + 1):label("next")):filter_by{ username = "ana" }:one())

print("-- running")
print(s:query(User):filter_by{ username = "zed" }:first(), s:query(User):filter_by{ username = "zed" }:one_or_none())
print(select(2, pcall(function() return s:query(User):filter_by{ username = "zed" }:one() end)))
print(select(2, pcall(function() return s:query(User):one() end)))
print(select(2, pcall(function() return s:query(User):one_or_none() end)))
print(s:query(db.func.max(User.age)):scalar(), s:query(User.username):filter_by{ age = 99 }:scalar())
print(s:query(User):get(2), s:query(User):get(99), User.query:get(1) == s:query(User):filter_by{ id = 1 }:one())
for u in s:query(User):filter(User.age:lt(30)):order_by(User.age) do io.write(tostring(u), " ") end
print()
for row in s:query(User.username, User.age):order_by("-age"):limit(2) do io.write(row.username, "=", row.age, " ") end
print()
local it = s:query(User):order_by(User.id):limit(2)
for u in it do io.write(u.username, ":") for v in it do io.write(v.username, " ") end end
print()

print("-- tostring")
print(sql(s:query(User):filter(User.username:eq("ana"))))
print(sql(s:query(User.username, db.func.count(Post.id)):join(User.posts):group_by(User.username):having(db.func.count(Post.id):ge(1)):order_by(User.username):limit(3)))
