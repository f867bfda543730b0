-- query_filter_by_cache.lua — filter_by on a model's query and the reused SQL
-- behind it: filter_by{...}:first() gives the same rows the first time (SQL
-- compiled) and later (SQL reused), for every kind of plain value and for
-- several columns in any key order; such a query is a full query for every
-- other method (all, count, chained filters, ordering, iteration, tostring,
-- paginate, as a subquery, exists, bulk update/delete); values that are not
-- plain (db.null, columns, queries) and queries with joins go the long way;
-- errors stay the same; repeated shapes with changing values never mix up
-- values; objects are the identity map's.
dofile("query_fixtures/blog.lua")
local s = db.session

print("-- first, twice per shape")
for _, name in ipairs{ "bob", "ana", "zed", "eve", "bob" } do
  print(name, s:query(User):filter_by{ username = name }:first())
end
for _, age in ipairs{ 35, 22, 99, 19 } do
  print(age, s:query(User):filter_by{ age = age }:first())
end
print(s:query(User):filter_by{ age = 35.0 }:first(), s:query(User):filter_by{ age = 35.5 }:first())
print(s:query(User):filter_by{ is_active = false }:first(), s:query(User):filter_by{ is_student = true, age = 19 }:first())
print(s:query(User):filter_by{ age = 19, is_student = true }:first(), s:query(User):filter_by{ is_student = true, age = 22 }:first())
print(s:query(User):filter_by{}:first() ~= nil)
print(rawequal(s:query(User):filter_by{ username = "ana" }:first(), ana))

print("-- the same query, first then more")
local q = s:query(User):filter_by{ is_student = true }
print(q:first(), q:first(), q:count())
q = s:query(User):filter_by{ is_student = true }
print(q:order_by(User.id):all(), q:count())
print(q:order_by(User.age):all(), q:order_by("-age"):first())
print(q:filter_by{ age = 22 }:all(), q:filter(User.age:gt(20)):all(), q:order_by(User.id):limit(1):all())
print((tostring(s:query(User):filter_by{ username = "bob", age = 35 }):gsub("%$%d", "?")))
local names = {}
for u in s:query(User):filter_by{ is_active = true, is_student = false } do names[#names + 1] = u.username end
table.sort(names)
print(table.concat(names, " "))
local page = s:query(User):filter_by{ is_student = true }:order_by(User.username):paginate{ page = 1, per_page = 1 }
print(page.total, page.items)
print(s:query(Post):filter(Post.author_id:in_(s:query(User):filter_by{ username = "ana" }:with_entities(User.id))):count())
print(s:query(User):filter_by{ username = "ana" }:exists() ~= nil)
print(s:query(User):filter_by{ username = "ana" }:one(), s:query(User):filter_by{ username = "zed" }:one_or_none())
print(s:query(User):filter_by{ username = "dee" }:with_entities(User.age):scalar())

print("-- not plain, or not query(Model)")
print(s:query(Post):filter_by{ editor_id = db.null }:all())
print(s:query(User):filter_by{ age = User.age }:count())
print(s:query(User):filter(User.age:gt(20)):filter_by{ is_student = true }:first())
print(s:query(Post):join(User, Post.author_id:eq(User.id)):filter_by{ username = "bob" }:first())
print(s:query(User):order_by(User.username):filter_by{ is_student = true }:first())
print(pcall(function() return s:query(User):filter_by{ nosuch = 1 }:first() end))
print(pcall(function() return s:query(User):filter_by{ username = {} }:first() end))

print("-- bulk changes through filter_by")
print(s:query(User):filter_by{ username = "cy" }:update{ age = 42 }, s:query(User):filter_by{ username = "cy" }:first().age)
local tmp = User{ username = "tmp", age = 1 }
s:add(tmp)
s:commit()
print(s:query(User):filter_by{ username = "tmp" }:delete(), s:query(User):filter_by{ username = "tmp" }:first())
s:commit()

print("-- many values, one shape")
local ok = true
for i = 1, 200 do
  local name = ({ "ana", "bob", "cy", "dee", "eve" })[i % 5 + 1]
  local u = s:query(User):filter_by{ username = name }:first()
  if not u or u.username ~= name then ok = false end
end
print(ok)

print("-- closed session")
local lazy = s:query(User):filter_by{ username = "bob" }
local lazy2 = s:query(User):filter_by{ username = "bob" }
do local closing <close> = db end
print(pcall(function() return lazy:first() end))
print(pcall(function() return lazy2:all() end))
