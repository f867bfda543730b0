-- flush_batch_server.lua — on the servers that return generated keys from
-- an INSERT (PostgreSQL, MariaDB 10.5+: INSERT ... RETURNING), N new rows
-- of one column set go out as ceil(N / 1000) INSERT statements, every
-- object gets the key of its own row (checked against a fresh query by
-- name), and a duplicate in the middle of a batch raises IntegrityError
-- naming that row and leaves nothing of the batch written.
Author = db.Model("Author", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30), { unique = true, nullable = false }),
  email = db.Column(db.String(40)),
})
db.create_all()

local N = 2345
local list = {}
for i = 1, N do
  list[i] = Author{ name = "n" .. i, email = "e" .. i }
  db.session:add(list[i])
end
db.stats_reset()
db.session:commit()
local inserts = 0
for _, r in ipairs(db.stats()) do
  if r.sql:match("^INSERT INTO [`\"]?author") then inserts = inserts + r.calls end
end
print("INSERT statements", inserts, math.ceil(N / 1000))

local idof, bad = {}, 0
for r in db.session:execute(db.text("SELECT id, name FROM author")) do idof[r.name] = r.id end
for i, a in ipairs(list) do
  if a.id == nil or idof["n" .. i] ~= a.id then bad = bad + 1 end
end
print("keys right", bad, Author.query:count())

-- a duplicate name as row 500 of a batch of 800
local before = Author.query:count()
for i = 1, 800 do
  db.session:add(Author{ name = i == 500 and "n7" or ("f" .. i), email = "f" })
end
local ok, err = pcall(function() db.session:commit() end)
print(ok, db.IntegrityError:is(err), tostring(err):match("name 'n7' is already used by <Author[^>]*>"))
db.session:rollback()
print("written", Author.query:count() - before,
  db.session:execute(db.text("SELECT count(*) FROM author WHERE email = 'f'")):scalar())

-- the statement that failed runs again (the same 800-row shape) and works
for i = 1, 800 do db.session:add(Author{ name = "g" .. i, email = "g" }) end
db.session:commit()
print("again", Author.query:count() - before)

-- rows whose table has a server default and a computed column go out in
-- batches too (they went one INSERT each): RETURNING brings the key and
-- the filled columns, each object gets the values of its own row
Item = db.Model("Item", {
  id = db.Column(db.Integer, { primary_key = true }),
  n = db.Column(db.Integer, { nullable = false }),
  status = db.Column(db.String(10), { server_default = "'new'" }),
  twice = db.Column(db.Integer, { computed = "n * 2" }),
})
db.create_all()
local items = {}
for i = 1, 1500 do items[i] = Item{ n = i } end
items[7].status = "given" -- a row of another column set
db.session:add_all(items)
db.stats_reset()
db.session:commit()
inserts = 0
for _, r in ipairs(db.stats()) do
  if r.sql:match("^INSERT INTO [`\"]?item") then inserts = inserts + r.calls end
end
local wrong = 0
for i, it in ipairs(items) do
  local want = i == 7 and "given" or "new"
  if it.status ~= want or it.twice ~= 2 * i or it.id == nil then wrong = wrong + 1 end
end
print("filled columns", inserts, wrong, Item.query:filter(Item.twice:eq(14)):one().status)
