-- model_computed.lua — a computed column (computed = "SQL", SQLAlchemy's
-- Computed): create_all makes it GENERATED ALWAYS AS (...) STORED; inserts
-- and updates leave it out and read it back, so the object shows what the
-- database computed; setting it, in the constructor or later, is a
-- DataError naming it; it filters like any column. One declared NOT NULL
-- is created without it on MariaDB, which refuses NOT NULL on a generated
-- column (create_all failed there).
Track = db.Model("Track", {
  id = db.Column(db.Integer, { primary_key = true }),
  ms = db.Column(db.Integer, { nullable = false }),
  minutes = db.Column(db.Float, { computed = "ms / 60000.0" }),
  seconds = db.Column(db.Integer, { computed = "ms / 1000", nullable = false }),
})
db.create_all()
local t = Track{ ms = 120000 }
db.session:add_all{ t, Track{ ms = 30000 } }
db.session:commit()
print(t.id, t.ms, t.minutes, t.seconds)
t.ms = 90000
db.session:commit()
print(t.ms, t.minutes)
db.session:close()
print(Track.query:get(1).minutes, Track.query:filter(Track.minutes:gt(1)):count())
print(select(2, pcall(function() Track.query:get(1).minutes = 3 end)))
print(select(2, pcall(function() return Track{ ms = 1, minutes = 2 } end)))
print(select(2, pcall(db.Model, "Bad", {
  id = db.Column(db.Integer, { primary_key = true }),
  x = db.Column(db.Integer, { computed = "1", default = 2 }),
})))
