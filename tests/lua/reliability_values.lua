-- reliability_values.lua — values no backend can take are refused with
-- db.DataError before anything is written, never silently changed, and a
-- refused statement leaves the connection usable: in_ lists of 7,499 and
-- more values (PostgreSQL's client library dropped the connection when it
-- described such a statement), more than 65,535 values (the protocols'
-- limit), NaN in a Float (SQLite would store NULL; PostgreSQL keeps NaN).
local backend = (os.getenv("ORMSH_TEST_URL") or "sqlite://"):match("^(%a+)")
Item = db.Model("Item", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(20)),
  score = db.Column(db.Float),
})
db.create_all()
for i = 1, 5 do db.session:add(Item{ name = "n" .. i, score = i / 2 }) end
db.session:commit()

local function list(n, fmt)
  local t = {}
  for i = 1, n do t[i] = fmt and fmt:format(i) or i end
  return t
end
for _, n in ipairs{ 7498, 7499, 10000, 65000 } do
  print(n, Item.query:filter(Item.id:in_(list(n))):count(),
        #Item.query:filter(Item.name:in_(list(n, "n%d"))):all(),
        Item.query:filter(Item.id:notin_(list(n))):count())
end
-- the same statement, executed again (cached and prepared on the server)
print("again", Item.query:filter(Item.id:in_(list(9000))):count())
-- in a bulk update and delete
print("update", Item.query:filter(Item.id:in_(list(8000))):update{ name = "u" })
db.session:commit()

-- over the limit of the server protocols: a DataError on PostgreSQL and
-- MariaDB; SQLite takes them. Either way the connection stays usable.
local ok, err = pcall(function() return Item.query:filter(Item.id:in_(list(70000))):count() end)
print("70000", backend == "sqlite" and ok and err == 5 or (not ok and db.DataError:is(err)))
print("after", Item.query:count(), Item.query:filter(Item.name:eq("u")):count())

-- NaN: kept by PostgreSQL, refused elsewhere, nothing written
ok, err = pcall(function()
  db.session:add(Item{ name = "nan", score = 0/0 })
  db.session:commit()
end)
if backend == "postgresql" then
  local v = Item.query:filter(Item.name:eq("nan")):one().score
  print("NaN", ok, v ~= v)
  print("NaN", true)
else
  print("NaN", not ok and db.DataError:is(err), tostring(err):match("NaN") ~= nil or backend == "mysql")
  db.session:rollback()
  print("NaN", Item.query:filter(Item.name:eq("nan")):count() == 0)
end
local it = Item.query:get(1)
ok, err = pcall(function() it.score = 0/0; db.session:commit() end)
db.session:rollback()
local v = Item.query:get(1).score
print("update NaN", backend == "postgresql" and ok or db.DataError:is(err),
      backend == "postgresql" and v ~= v or v == 0.5)
