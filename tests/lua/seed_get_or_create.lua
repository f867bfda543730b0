-- seed_get_or_create.lua — Model:get_or_create(lookup, defaults) and
-- Model:update_or_create(lookup, values): the object and whether it was
-- created; a second call finds the row instead of inserting it again; a
-- lookup that matches two rows raises MultipleResultsFound; the insert runs
-- under a savepoint, so a failing one leaves earlier work in place.
Author = db.Model("Author", {
  id = db.Column(db.Integer, { primary_key = true }),
  email = db.Column(db.String(60), { unique = true, nullable = false }),
  name = db.Column(db.String(40)),
  city = db.Column(db.String(40)),
})
db.create_all()
local s = db.session

local a, created = Author:get_or_create({ email = "ann@x.org" }, { name = "Ann" })
print(created, a.email, a.name, math.type(a.id), #s.new)
local a2, created2 = Author:get_or_create({ email = "ann@x.org" }, { name = "Other" })
print(created2, a2 == a, a2.name)
s:commit()

-- after commit, from a fresh session: the row is found, defaults ignored
s:close()
local a3, c3 = Author:get_or_create({ email = "ann@x.org" }, { name = "Nope" })
print(c3, a3.name, a3.id == a.id)

-- update_or_create: updates the found row, creates a missing one
local u, uc = Author:update_or_create({ email = "ann@x.org" }, { name = "Ann B.", city = "Oslo" })
print(uc, u == a3, u.name, u.city, #s.dirty)
local v, vc = Author:update_or_create({ email = "bob@x.org" }, { name = "Bob" })
print(vc, v.email, v.name)
s:commit()
print(s:execute(db.text("SELECT email, name, city FROM author ORDER BY email")):all())

-- two rows match: MultipleResultsFound
s:add(Author{ email = "c1@x.org", city = "Rome" })
s:add(Author{ email = "c2@x.org", city = "Rome" })
s:commit()
local ok, err = pcall(Author.get_or_create, Author, { city = "Rome" })
print(ok, db.MultipleResultsFound:is(err))

-- a failing insert (NOT NULL email) raises, and the session keeps earlier work
s:add(Author{ email = "kept@x.org" })
ok, err = pcall(Author.get_or_create, Author, { name = "no email" })
print(ok, db.IntegrityError:is(err))
s:commit()
print(Author.query:count())

-- bad arguments
print(select(2, pcall(Author.get_or_create, Author, "x")))
print(select(2, pcall(Author.get_or_create, Author, { nosuch = 1 })))
print(pcall(Author.get_or_create, {}, {}))
