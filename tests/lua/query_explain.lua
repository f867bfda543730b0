-- query_explain.lua — q:explain() returns the backend's plan as text
-- (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on servers) naming the table it
-- reads; values stay bound (a quote in a value is neither run nor a
-- syntax error); it loads no objects and leaves the data alone; a query
-- the backend rejects raises as running it would.
Author = db.Model("Author", {
  id   = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30), { index = true }),
})
db.create_all()
db.session:add(Author{ name = "Umang" })
db.session:commit()

local q = Author.query:filter(Author.name:eq("x'; DROP TABLE author; --"))
local plan = q:explain()
print(type(plan), #plan > 0, plan:lower():find("author", 1, true) ~= nil)
print(Author.query:count(), Author.query:first().name)

local joined = Author.query:filter(Author.id:gt(0)):order_by(Author.name):limit(5)
plan = joined:explain()
print(type(plan), plan:lower():find("author", 1, true) ~= nil, not plan:find("\n$"))

-- an unknown column in a text filter fails as the query itself would
local ok, err = pcall(function() return Author.query:filter(db.text("nosuch = 1")):explain() end)
print(ok, db.ProgrammingError:is(err) or db.OperationalError:is(err) or db.Error:is(err))
db.session:rollback()
print(Author.query:count())
