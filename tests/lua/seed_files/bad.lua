-- a seed that fails half-way: what it wrote before must not stay
Author:get_or_create({ email = "carl@x.org" }, { name = "Carl" })
db.session:commit()
Book:get_or_create({ title = "Orphan" }, { author_id = 999 })
db.session:flush()
