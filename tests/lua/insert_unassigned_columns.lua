-- insert_unassigned_columns.lua — an INSERT leaves out the columns a new
-- object was never given, as SQLAlchemy does, so that a default the
-- database has and the model does not declare (one a DBA added, an
-- IDENTITY column of a reflected table) applies: the row gets it. A column
-- assigned nil is written NULL. The object holds nil for such a column
-- until it is read again (refresh), as in SQLAlchemy. On every backend.
db.session:execute(db.text(
  "CREATE TABLE thing (id INTEGER PRIMARY KEY, name VARCHAR(20), status VARCHAR(10) DEFAULT 'new')"))
db.session:commit()
Thing = db.Model("Thing", {
  id = db.Column(db.Integer, { primary_key = true, autoincrement = false }),
  name = db.Column(db.String(20)),
  status = db.Column(db.String(10)), -- the model does not know the default
})
local a = Thing{ id = 1, name = "a" }
local b = Thing{ id = 2, name = "b" }
b.status = nil
local c = Thing{ id = 3, name = "c", status = "old" }
db.session:add_all{ a, b, c }
print((tostring(db.session:plan()):gsub("%$%d+", "?"))) -- placeholders as SQLite writes them
db.session:commit()
for _, r in ipairs(db.session:execute(db.text("SELECT id, status FROM thing ORDER BY id")):all()) do
  print(r.id, r.status)
end
print(a.status)
db.session:refresh(a)
print(a.status)
