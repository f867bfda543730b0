-- query_result.lua — what session:execute returns (docs/reference.md): a Result to
-- iterate, all, first, one, one_or_none, scalar, scalar_one, scalars,
-- rowcount, keys(); raw SQL with :name parameters (bound, never spliced; a
-- :name inside a string literal stays text; a missing one is named); a query
-- executed the same way.
dofile("query_fixtures/blog.lua")
local s = db.session

print("-- raw SQL")
local result = s:execute(db.text("SELECT username, age FROM users WHERE age > :age ORDER BY age"), { age = 25 })
print(result, #result, result:keys())
for row in result do print(row.username, row.age, row[1], row[2], #row) end
print(result:all())
print(result:first(), result:first().username)
print(result:scalar(), result:scalars())
print(result.rowcount)
print(select(2, pcall(function() return result:one() end)))
print(s:execute(db.text("SELECT username FROM users WHERE username = :u"), { u = "bob" }):one())
print(select(2, pcall(function() return s:execute(db.text("SELECT 1 WHERE 1 = 0")):one() end)))
print(s:execute(db.text("SELECT 1 WHERE 1 = 0")):first(), s:execute(db.text("SELECT 1 WHERE 1 = 0")):scalar())
print(s:scalar(db.text("SELECT count(*) FROM users WHERE age BETWEEN :lo AND :hi"), { lo = 20, hi = 30 }))
local one = db.text("SELECT username, age FROM users WHERE username = :u")
print(s:execute(one, { u = "cy" }):one_or_none(), s:execute(one, { u = "zed" }):one_or_none())
print(s:execute(one, { u = "cy" }):scalar_one(), s:execute(one, { u = "zed" }):scalar_one_or_none())
print(select(2, pcall(function() return s:execute(one, { u = "zed" }):scalar_one() end)))
print(select(2, pcall(function() return result:one_or_none() end)))
-- one value used twice, and values of every kind (a bound true reads back
-- as the backend has it with no column type to go by: 1 on SQLite and
-- MariaDB, which have no boolean type, true on PostgreSQL)
local v = s:execute(db.text("SELECT :v AS a, :v || '!' AS b, :n AS n, :f AS f, :t AS t, :z AS z"),
  { v = "x", n = 3, f = 1.5, t = true, z = db.null }):one()
print(v.a, v.b, v.n, math.type(v.n), v.f, v.t == true or v.t == 1, v.z, #v)
print(select(2, pcall(function() return s:execute(db.text("SELECT 1 AS one")):first().nope end)))

print("-- :name rules")
print(s:execute(db.text("SELECT ':age' AS lit, :age AS p, 'it''s :not' AS q"), { age = 7 }):one())
print(s:execute(db.text("SELECT 'a:b' AS d, :v AS \"e:f\" -- :comment\n"), { v = 1 }):one())
local ok, err = pcall(s.execute, s, db.text("SELECT :x, :missing"), { x = 1 })
print(ok, db.ArgumentError:is(err), err)
ok, err = pcall(s.execute, s, db.text("SELECT :x"))
print(ok, db.ArgumentError:is(err), err)
ok, err = pcall(s.execute, s, db.text("SELECT nope FROM users"))
print(ok, db.OperationalError:is(err) or db.ProgrammingError:is(err), err.sql)

print("-- writes")
local w = s:execute(db.text("UPDATE users SET age = age + 1 WHERE age < :a"), { a = 30 })
print(w.rowcount, w:all(), w:keys())
print(s:execute(db.text("DELETE FROM post_tag WHERE post_id = :id"), { id = 999 }).rowcount)
s:rollback()
print(s:scalar(db.text("SELECT sum(age) FROM users")))

print("-- queries through execute")
local r = s:execute(s:query(User.username, User.age):filter(User.age:lt(30)):order_by(User.age))
print(r:keys(), r:all(), r:scalars(), r:first().username)
local objs = s:execute(s:query(User):filter(User.age:gt(30)))
print(objs:keys(), objs:all(), objs:scalars(), objs:first())
print(s:scalar(s:query(db.func.count(Post.id))))
for row in s:execute(s:query(Tag.name):order_by(Tag.name)) do io.write(row.name, " ") end
print()
