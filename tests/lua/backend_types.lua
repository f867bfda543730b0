-- backend_types.lua — every column type of docs/reference.md survives a trip through
-- each backend (a fresh load after close): big integers, text longer than
-- MySQL's TEXT limit, booleans (MySQL's TINYINT(1)), floats (MySQL's FLOAT
-- is single precision: Float is DOUBLE there), numerics with their scale,
-- dates, datetimes, binary with every byte value (PostgreSQL's bytea), JSON,
-- defaults, onupdate and server_default; NULL in every column.
local n = 0
Thing = db.Model("Thing", {
  id = db.Column(db.Integer, { primary_key = true }),
  big = db.Column(db.BigInteger),
  label = db.Column(db.String(20), { default = "unnamed" }),
  anylen = db.Column(db.String),
  body = db.Column(db.Text),
  flag = db.Column(db.Boolean, { default = false }),
  ratio = db.Column(db.Float),
  price = db.Column(db.Numeric(10, 2)),
  born = db.Column(db.Date),
  seen = db.Column(db.DateTime, { onupdate = function() n = n + 1; return ("2024-01-0%d 00:00:00"):format(n) end }),
  blob = db.Column(db.LargeBinary),
  meta = db.Column(db.JSON),
  serial = db.Column(db.Integer, { default = function() n = n + 1; return 100 + n end }),
  status = db.Column(db.String(10), { server_default = "'new'" }),
})
db.create_all()
local bytes = {}
for i = 0, 255 do bytes[#bytes + 1] = string.char(i) end
bytes = table.concat(bytes)
local t = Thing{ big = 9007199254740993, anylen = ("y"):rep(200), body = ("x"):rep(70000), ratio = 0.1,
  price = "12.5", born = "2023-01-01", seen = "2023-01-01 10:30:00", blob = bytes,
  meta = { name = "u", tags = { "a", "b" }, nested = { n = 1.5 } } }
db.session:add(t)
db.session:add(Thing{})
db.session:commit()
print(t.label, t.flag, t.serial, t.status)
db.session:close()

t = db.session:get(Thing, 1)
print(math.type(t.big), t.big, #t.anylen, #t.body, t.ratio, t.price, t.born, t.seen)
print(#t.blob, t.blob == bytes, t.blob:byte(1), t.blob:byte(-1))
print(t.meta.name, t.meta.tags[2], t.meta.nested.n, t.flag, t.label, t.serial, t.status)
t.ratio = 0.5
t.flag = true
db.session:commit()
db.session:close()
t = db.session:get(Thing, 1)
print(t.seen, t.flag, t.ratio, math.type(t.ratio))
local e = db.session:get(Thing, 2)
print(e.big, e.anylen, e.body, e.ratio, e.price, e.born, e.seen, e.blob, e.meta, e.flag, e.label, e.status)
print(db.session:query(Thing):filter(Thing.flag:eq(true)):count(), db.session:query(Thing):filter(Thing.blob:eq(bytes)):count(),
  db.session:query(Thing):filter(Thing.price:gt("12.4")):count(), db.session:query(Thing):filter(Thing.born:lt("2024-01-01")):count())
