-- query_paginate.lua — q:paginate{ page, per_page } (docs/reference.md): a Page with
-- items, page, per_page, total, pages, has_next, has_prev, next(), prev();
-- a page past the end is empty, page < 1 is db.ArgumentError, and neither
-- ever sends a bad statement to the database.
dofile("query_fixtures/blog.lua")
local s = db.session
for i = 1, 20 do s:add(User{ username = ("user%02d"):format(i), age = 20 + i }) end
s:commit()

local q = User.query:filter(User.username:startswith("user")):order_by(User.username)
local page = q:paginate{ page = 2, per_page = 6 }
print(page)
print(page.items)
print(page.page, page.per_page, page.total, page.pages, page.has_prev, page.has_next, page.prev_num, page.next_num)
print(page.first, page.last, #page)
for u in page do io.write(u.username, " ") end
print()

-- walking forward and back
local p, seen = q:paginate{ per_page = 6 }, {}
while p do
  seen[#seen + 1] = ("%d:%d"):format(p.page, #p.items)
  p = p:next()
end
print(table.concat(seen, " "))
local last = q:paginate{ page = 4, per_page = 6 }
print(last.items, last.has_next, last:next(), last.next_num)
print(last:prev():prev().items)
print(q:paginate{ page = 1, per_page = 6 }:prev(), q:paginate{ page = 1, per_page = 6 }.has_prev)

-- defaults: page 1, 20 a page; positional arguments too
local d = s:query(User):paginate()
print(d.page, d.per_page, d.total, d.pages, #d.items)
print(s:query(User.username):order_by(User.id):paginate(3, 2).items)
print(s:query(User):paginate{ page = 2, per_page = 50, max_per_page = 10 }.per_page)

-- out of range: empty, never an SQL error
local far = q:paginate{ page = 99, per_page = 6 }
print(far.items, far.total, far.pages, far.has_prev, far.has_next, far.first, far.last)
print(q:paginate{ page = math.maxinteger, per_page = 100 }.items)
local none = s:query(User):filter_by{ username = "nobody" }:paginate{ page = 1, per_page = 5 }
print(none.items, none.total, none.pages, none.has_next, none.has_prev)
for _, bad in ipairs{ { page = 0 }, { page = -3 }, { per_page = 0 }, { page = 1.5 }, { page = "x" } } do
  local ok, err = pcall(q.paginate, q, bad)
  print(ok, db.ArgumentError:is(err), err)
end

-- rows of several columns paginate too; the query is not changed
local rows = s:query(User.username, User.age):filter(User.age:gt(35)):order_by(User.age:desc())
print(rows:paginate{ page = 2, per_page = 2 }.items, rows:count())
print(select(2, pcall(function() return page.nope end)))
