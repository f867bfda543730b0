-- A statement create_all runs that the database refuses as bad SQL names
-- the table it was for (Pagila's generated column reflected as a default
-- that refers to a column: "cannot use column reference in DEFAULT
-- expression" said nothing of where); the class and the SQL are kept.
db.Model("Author", { id = db.Column(db.Integer, { primary_key = true }) })
db.Model("Film", {
  id = db.Column(db.Integer, { primary_key = true }),
  length = db.Column(db.Integer),
  hours = db.Column(db.Integer, { server_default = "length +* 60" }),
})
local ok, e = pcall(db.create_all)
print(ok, db.ProgrammingError:is(e), e.message:find("(table 'film')", 1, true) ~= nil,
  e.sql:find("CREATE TABLE", 1, true) ~= nil)
