-- a seed that can run twice: get_or_create / update_or_create, and a commit
-- in the middle (inside db.seed it only flushes)
local ann = Author:get_or_create({ email = "ann@x.org" }, { name = "Ann" })
local bob = Author:update_or_create({ email = "bob@x.org" }, { name = "Bob" })
db.session:commit()
Book:get_or_create({ title = "Lua" }, { author_id = ann.id })
Book:update_or_create({ title = "SQL" }, { author_id = bob.id })
