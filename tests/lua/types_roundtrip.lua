-- types_roundtrip.lua — every column type of docs/reference.md survives a trip
-- through the database: values read back after a fresh load, defaults
-- (value and function), onupdate, server_default. (The CREATE TABLE text
-- of each type, per dialect, is asserted in tests/unit/test_ddl.c.)
local n = 0
Thing = db.Model("Thing", {
  id = db.Column(db.Integer, { primary_key = true }),
  big = db.Column(db.BigInteger),
  label = db.Column(db.String(20), { default = "unnamed" }),
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

local t = Thing{ big = 9007199254740993, body = ("x"):rep(1000), ratio = 0.25, price = "12.5",
  born = "2023-01-01", seen = "2023-01-01T10:30:00", blob = "\0\1\2\255",
  meta = { name = "u", tags = { "a", "b" }, nested = { n = 1.5 } } }
db.session:add(t)
db.session:commit()
print(t.label, t.flag, t.serial, t.status)
db.session:close()

t = db.session:get(Thing, 1)
print(math.type(t.big), t.big, #t.body, t.ratio, t.price, t.born, t.seen)
print(#t.blob, t.blob:byte(1, -1))
print(t.meta.name, t.meta.tags[2], t.meta.nested.n, t.flag, t.label, t.serial, t.status)

t.ratio = 0.5
db.session:commit()
print(t.seen)
t.flag = true
db.session:commit()
db.session:close()
t = db.session:get(Thing, 1)
print(t.seen, t.flag, t.ratio)
