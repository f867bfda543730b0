-- query_subquery.lua — queries inside queries (docs/reference.md): q:subquery() as a
-- derived table with subq.c columns (joined, selected, filtered), IN
-- (SELECT ...) from a query or a subquery, q:exists() in a filter (with
-- correlation) and selected on its own, scalar subqueries as columns and
-- values, select_from.
dofile("query_fixtures/blog.lua")
local s = db.session
-- the SQL as printed, with PostgreSQL's $1, $2 placeholders shown as ? like
-- SQLite's and MySQL's, so the text is the same on every backend
local function sql(q) return (tostring(q):gsub("%$%d+", "?")) end

print("-- derived tables")
local totals = s:query(Post.author_id, db.func.sum(Post.views):label("total"), db.func.count(Post.id))
  :group_by(Post.author_id):subquery()
print(totals, totals.c.total, totals.c.count)
local q = s:query(User.username, totals.c.total):join(totals, User.id:eq(totals.c.author_id)):order_by(totals.c.total:desc())
print(sql(q))
print(q:all())
print(q:filter(totals.c.count:gt(1)):all())
print(s:query(User.username, totals.c.total):outerjoin(totals, User.id:eq(totals.c.author_id)):order_by(User.id):all())
print(s:query(User):join(totals, User.id:eq(totals.c.author_id)):filter(totals.c.total:ge(7)):all())
local named = s:query(User.id, User.age):filter(User.age:lt(30)):subquery("young")
print(s:query(named.c.id, named.c.age):order_by(named.c.age):all())
print(s:query(named):order_by(named.c.id):all())
print(s:query(db.func.avg(named.c.age)):scalar())
print(s:query(named.c.age):count())
print(select(2, pcall(function() return totals.c.nope end)))
print(select(2, pcall(function() return totals.nope end)))
print(select(2, pcall(function() return s:query(User):join(totals) end)))

print("-- IN (SELECT ...)")
local authors = s:query(Post.author_id):filter(Post.views:gt(5))
print(s:query(User):filter(User.id:in_(authors)):all())
print(s:query(User):filter(User.id:notin_(authors)):all())
print(s:query(User):filter(User.id:in_(authors:subquery())):all())
print(s:query(User):filter(User.id:in_(s:query(Post.author_id):join(Post.tags):filter(Tag.name:eq("lua")))):all())
print(sql(s:query(User):filter(User.id:in_(authors))))

print("-- EXISTS")
local has_posts = s:query(Post):filter(Post.author_id:eq(User.id)):exists()
print(s:query(User):filter(has_posts):all())
print(s:query(User):filter(db.not_(has_posts)):all())
print(sql(s:query(User.username):filter(has_posts):filter(User.age:gt(20))))
print(s:query(s:query(Post):filter(Post.views:gt(100)):exists()):scalar())
print(s:query(s:query(Post):filter(Post.views:gt(20)):exists()):scalar())
print(s:query(db.exists(s:query(User):filter_by{ username = "ana" })):scalar())
print(sql(s:query(s:query(User):exists())))

print("-- scalar subqueries")
local post_count = s:query(db.func.count(Post.id)):filter(Post.author_id:eq(User.id)):label("posts")
print(s:query(User.username, post_count):order_by(db.desc("posts"), User.username):all())
local avg_age = s:query(db.func.avg(User.age)):scalar_subquery()
print(s:query(User):filter(User.age:gt(avg_age)):all())
print(s:query(User.username):filter(User.age:eq(s:query(db.func.max(User.age)))):all())
print(s:query(User.username, (User.age - avg_age):label("diff")):filter_by{ username = "ana" }:one())

print("-- select_from")
print(s:query(db.func.count()):select_from(Post):scalar())
print(s:query(db.func.count()):select_from(named):scalar())
