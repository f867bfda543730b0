-- query_select20.lua — the SQLAlchemy 2.0 style beside the query API:
-- db.select(...) with every query method plus :where; session:execute(stmt)
-- (a Result), session:scalars(stmt), session:scalar(stmt); db.paginate;
-- db.select(n, ...) / db.select("#", ...) as Lua's builtin select; a select
-- bound to a global `select` keeps the builtin's meaning for numbers.
dofile("query_fixtures/blog.lua")
local s = db.session

print("-- statements")
local stmt = db.select(User):where(User.age:gt(20)):order_by(User.age)
print(s:execute(stmt):scalars():all())
print(s:scalars(stmt):first(), s:scalars(stmt):all())
print(#s:scalars(stmt), s:scalars(stmt)[2])
print(s:scalars(db.select(User):where(User.username:eq("bob"))):one())
print(s:scalars(db.select(User):where(User.username:eq("zed"))):one_or_none())
print(s:scalar(db.select(db.func.count(User.id))))
print(s:scalar(db.select(User.username):where(User.age:lt(20))))
print(s:scalar(db.select(User):where(User.age:gt(100))))
print(s:execute(db.select(User.username, User.age):where(User.age:lt(25)):order_by(User.age)):all())
print(s:execute(db.select(User.username):filter_by{ age = 35 }):scalar_one())
print(db.select(User):where(User.age:gt(20), User.is_active:is_(true)):count())
print(s:scalars(db.select(User):join(User.posts):where(Post.views:ge(5)):distinct():order_by(User.id)):all())
local ok, err = pcall(function() return s:scalars(db.select(User)):one() end)
print(ok, db.MultipleResultsFound:is(err), err)
ok, err = pcall(function() return s:scalars(db.select(User):where(User.id:eq(0))):one() end)
print(ok, db.NoResultFound:is(err), err)
ok, err = pcall(db.select)
print(ok, err)
for u in db.select(User):where(User.age:ge(35)):order_by(User.id) do io.write(u.username, " ") end
print()

print("-- paginate")
local page = db.paginate(db.select(User):order_by(User.username), { page = 2, per_page = 2 })
print(page.items, page.page, page.pages, page.total, page.has_prev, page.has_next)
print(db.paginate(db.select(User):order_by(User.id), { per_page = 3 }).items)
ok, err = pcall(db.paginate, db.select(User), { page = 0 })
print(ok, db.ArgumentError:is(err), err)
ok, err = pcall(db.paginate, "users", { page = 1 })
print(ok, err)

print("-- Lua's select")
print(db.select("#", "a", "b", "c"), db.select(2, "a", "b", "c"))
print(db.select(-1, "a", "b", "c"))
select = db.select
print(select("#"), select(3, 1, 2, 3), select(User.username):where(User.id:eq(1)):scalar())
ok, err = pcall(db.select, 0, "a")
print(ok, err)
