-- query_tutorial.lua — the tutorial's sections 5 and 8–11 (running queries,
-- filters, sorting and pagination, a join with aggregation, raw SQL),
-- translated to Lua on the blog models of query_fixtures/blog.lua.
dofile("query_fixtures/blog.lua")
local session = db.session

-- 5. Running queries
local users = session:query(User):all()
print(users)
local using_example = session:query(User):filter(User.username:contains("e")):all()
print(using_example)
local total_users = session:query(db.func.count(User.id)):scalar()
print(total_users)

-- 8. Query filters
local active_users = session:query(User):filter(User.is_active:eq(true)):all()
print(active_users)
local recent_users = session:query(User):filter(User.registered_date:gt("2023-01-01")):all()
print(recent_users)
local filtered_users = session:query(User):filter(db.or_(User.age:lt(25), User.is_student:eq(true))):all()
print(filtered_users)
print(session:query(User):filter(db.and_(User.age:ge(20), User.is_active:eq(true))):all())

-- 9. Sorting and pagination
local sorted_users = session:query(User):order_by(User.age:desc()):all()
print(sorted_users)
local page_number, page_size = 2, 2
local offset = (page_number - 1) * page_size
local users_on_page = session:query(User):offset(offset):limit(page_size):all()
print(users_on_page)
local page = User.query:order_by(User.id):paginate{ page = page_number, per_page = page_size }
print(page.items, page.total, page.pages, page.has_prev, page.has_next)

-- 10. Advanced queries: each author's username and post count
local user_post_counts = session:query(User.username, db.func.count(Post.id))
  :join(User.posts)
  :group_by(User.username)
  :order_by(User.username)
  :all()
print(user_post_counts)
for _, row in ipairs(user_post_counts) do print(row.username, row[2]) end

-- 11. Raw SQL
local result = session:execute(db.text("SELECT username FROM users WHERE age > :age"), { age = 30 })
for row in result do
  print(row.username)
end
