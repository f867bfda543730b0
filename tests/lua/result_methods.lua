-- result_methods.lua — a Result's DB-API and 2.0-style faces: fetchone,
-- fetchmany, fetchall (a position of their own), mappings() (plain tables,
-- printed readably inside the list),
-- keys(), scalars() as a ScalarResult (#, [i], ipairs, printed as a list,
-- all/first/one/one_or_none), and executemany: execute(db.text(INSERT),
-- { {...}, {...} }) runs once per parameter table, rowcount the total.
dofile("query_fixtures/blog.lua")
local s = db.session

print("-- fetch")
local r = s:execute(db.text("SELECT username, age FROM users WHERE age > :a ORDER BY age"), { a = 20 })
print(r:keys())
print(r:fetchone(), r:fetchone())
print(r:fetchmany(1), r:fetchmany(5), r:fetchmany(1))
print(r:fetchone(), r:fetchall())
print(#r, r:all())  -- all() and iteration still see every row
local r2 = s:execute(db.text("SELECT username FROM users ORDER BY id"))
print(r2:fetchall(), r2:fetchall())

print("-- mappings")
local m = s:execute(db.text("SELECT username, age FROM users WHERE age < :a ORDER BY age"), { a = 25 }):mappings()
print(#m, getmetatable(m[1]), m[1].username, m[1].age, m[2].username, m:first().age)
for _, row in ipairs(m) do print(row.username, row.age) end
print(m) -- the list prints its plain tables readably, in key order
local om = s:execute(db.select(User):where(User.age:eq(41))):mappings():one()
print(om.User, om.User.age)
print(s:execute(db.select(User.username, User.age):where(User.age:eq(41))):mappings():one().age)

print("-- scalars")
local sc = s:execute(db.text("SELECT username FROM users ORDER BY id")):scalars()
print(sc, #sc, sc[1], sc[5], sc[6])
for i, v in ipairs(sc) do io.write(i, "=", v, " ") end
print()
print(sc:all(), sc:first())
print(select(2, pcall(sc.one, sc)))
print(select(2, pcall(sc.one_or_none, sc)))
local none = s:scalars(db.text("SELECT username FROM users WHERE age > 100"))
print(none, #none, none:first(), none:one_or_none(), select(2, pcall(none.one, none)))
print(s:scalars(db.text("SELECT age FROM users WHERE username = :u"), { u = "cy" }):one())

print("-- executemany")
local w = s:execute(db.text("INSERT INTO tag (name) VALUES (:name)"),
  { { name = "alpha" }, { name = "beta" }, { name = "gamma" } })
print(w.rowcount, w:all(), w:keys())
print(s:scalars(db.text("SELECT name FROM tag WHERE name IN ('alpha', 'beta', 'gamma') ORDER BY name")):all())
w = s:execute(db.text("UPDATE users SET age = age + :d WHERE username = :u"),
  { { d = 1, u = "ana" }, { d = 2, u = "bob" }, { d = 3, u = "nobody" } })
print(w.rowcount, s:scalar(db.text("SELECT age FROM users WHERE username = 'bob'")))
local ok, err = pcall(s.execute, s, db.text("INSERT INTO tag (name) VALUES (:name)"), { { name = "delta" }, { nom = "x" } })
print(ok, db.ArgumentError:is(err), err)
ok, err = pcall(s.execute, s, db.text("INSERT INTO tag (name) VALUES (:name)"), { { name = "eps" }, "zeta" })
print(ok, err)
ok, err = pcall(s.execute, s, db.text("INSERT INTO tag (name) VALUES (:name)"), { { name = "omega" }, { name = "alpha" } })
print(ok, db.IntegrityError:is(err))
s:rollback()
print(s:scalar(db.text("SELECT count(*) FROM tag WHERE name IN ('alpha', 'delta', 'omega')")))
