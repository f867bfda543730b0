-- model_key_not_generated.lua — an object whose primary key the database
-- does not generate (autoincrement = false, as `db models` writes for a
-- key nothing numbers, e.g. Chinook's MySQL TrackId; a text key) must be
-- given one: left nil, the flush refuses it with an IntegrityError naming
-- the column, the same on every backend. SQLite used to number the row
-- itself (an INTEGER PRIMARY KEY is its rowid) while the object kept a nil
-- key; PostgreSQL and MariaDB refused it with their own NOT NULL message.
-- A key the database fills (a server default) needs no value.
Track = db.Model("Track", {
  TrackId = db.Column(db.Integer, { primary_key = true, autoincrement = false }),
  Name = db.Column(db.String(20)),
})
Code = db.Model("Code", {
  code = db.Column(db.String(5), { primary_key = true }),
})
db.create_all()
for _, obj in ipairs{ Track{ Name = "new" }, Code{} } do
  db.session:add(obj)
  local ok, err = pcall(db.session.commit, db.session)
  print(ok, db.IntegrityError:is(err), err.message)
  db.session:rollback()
end
print(Track.query:count(), Code.query:count())
local t = Track{ TrackId = 7, Name = "given" }
db.session:add(t)
db.session:commit()
print(t.TrackId, Track.query:get(7).Name)
