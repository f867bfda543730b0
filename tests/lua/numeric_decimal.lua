-- numeric_decimal.lua — decimals the same on every backend: a Lua number
-- compared with (or bound against) a Numeric column is sent as its shortest
-- exact decimal (0.99, not 0.98999999999999999, which PostgreSQL's NUMERIC
-- would keep and so match nothing); raw db.text results of a NUMERIC column
-- are decimal strings with the column's scale, as model attributes are
-- (SQLite: by the column's declared type; the servers: by the result type);
-- a NUMERIC where a number is expected (avg of an Integer) stays a number.
-- Answers checked by hand with sqlite3, psql and mariadb on the same rows.
Track = db.Model("Track", {
  TrackId = db.Column(db.Integer, { primary_key = true }),
  Name = db.Column(db.String(20)),
  UnitPrice = db.Column(db.Numeric(10, 2), { nullable = false }),
  Weight = db.Column(db.Numeric(12, 4)),
})
function Track:__repr() return ("<Track %s %s>"):format(self.Name, self.UnitPrice) end
db.create_all()
local s = db.session
s:add_all{ Track{ TrackId = 1, Name = "a", UnitPrice = 0.99, Weight = 0.1 },
  Track{ TrackId = 2, Name = "b", UnitPrice = "0.99", Weight = "2.5" },
  Track{ TrackId = 3, Name = "c", UnitPrice = 1.99, Weight = 3 },
  Track{ TrackId = 4, Name = "d", UnitPrice = 3, Weight = "1234567.8912" },
  Track{ TrackId = 5, Name = "e", UnitPrice = "12345678.12" } }
s:commit()

print("-- numbers bound against Numeric")
print(Track.query:filter(Track.UnitPrice:eq(0.99)):count(), Track.query:filter_by{ UnitPrice = 0.99 }:count())
print(Track.query:filter(Track.UnitPrice:eq(1.99)):all(), Track.query:filter(Track.UnitPrice:eq("1.99")):all())
print(Track.query:filter(Track.UnitPrice:between(0.98, 1.99)):order_by(Track.TrackId):all())
print(Track.query:filter(Track.UnitPrice:in_{ 0.99, 3 }):count(), Track.query:filter(Track.Weight:eq(0.1)):all())
print(Track.query:filter(Track.UnitPrice:gt(1.98)):order_by(Track.TrackId):all())
print(s:scalar(db.text("SELECT count(*) FROM track WHERE \"UnitPrice\" = :p"), { p = 0.99 }))
print(s:scalar(db.text("SELECT count(*) FROM track WHERE \"Weight\" = :w"), { w = 1234567.8912 }))

print("-- raw results are decimal strings")
local r = s:execute(db.text("SELECT \"TrackId\", \"UnitPrice\", \"Weight\" FROM track ORDER BY \"TrackId\""))
for row in r do print(row.TrackId, math.type(row.TrackId), row.UnitPrice, type(row.UnitPrice), row.Weight, type(row.Weight)) end
print(r:all())
print(s:execute(db.text("SELECT \"UnitPrice\" FROM track WHERE \"TrackId\" = 5")):scalar())
print(s:scalars(db.text("SELECT \"UnitPrice\" FROM track ORDER BY \"TrackId\"")):all())

print("-- model attributes and typed queries agree")
for _, t in ipairs(Track.query:order_by(Track.TrackId):all()) do io.write(t.UnitPrice, " ", tostring(t.Weight), " | ") end
print()
print(s:query(Track.UnitPrice, Track.Weight):filter(Track.TrackId:le(2)):order_by(Track.TrackId):all())
print(s:query(db.func.sum(Track.UnitPrice)):scalar(), s:query(db.func.max(Track.Weight)):scalar())
print(s:scalar(db.select(db.func.sum(Track.UnitPrice)):where(Track.UnitPrice:lt(2))))
print(s:query(db.func.avg(Track.TrackId)):scalar(), s:query(db.func.sum(Track.TrackId)):scalar())
local t1 = s:get(Track, 1)
t1.UnitPrice = 1.49
s:commit()
print(s:scalar(db.text("SELECT \"UnitPrice\" FROM track WHERE \"TrackId\" = 1")), Track.query:filter(Track.UnitPrice:eq(1.49)):one())
