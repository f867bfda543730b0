-- server_errors_mysql.lua — MariaDB errors reach the user with the class
-- their error number says (constraints: IntegrityError; lost connections,
-- lock waits, deadlocks, timeouts, interrupted queries: OperationalError;
-- unknown names and syntax: ProgrammingError; values: DataError; any other
-- server error, as Python's drivers say: OperationalError; a number below
-- the server's range: Error) and the server's message, whether the server raised it itself or
-- SIGNAL raised it with that number; after each the session goes on.
Author = db.Model("Author", { id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(5), { nullable = false }) })
Book = db.Model("Book", { id = db.Column(db.Integer, { primary_key = true }),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id")) })
db.create_all()
local dbname = db.session:execute(db.text("SELECT DATABASE()")):scalar()
local classes = { "IntegrityError", "OperationalError", "ProgrammingError", "DataError", "Error" }
local function class_of(err)
  for _, c in ipairs(classes) do
    if db[c]:is(err) then return c end
  end
  return "not a db error: " .. tostring(err)
end
local function try(sql)
  local ok, err = pcall(db.session.execute, db.session, db.text(sql))
  local msg = ok and "" or err.message:match("^[^\n]*")
  print(ok, ok and "" or class_of(err), (msg:gsub(dbname, "DB", 1)))
  pcall(db.session.rollback, db.session)
end
print("-- raised by the server")
try("SET STATEMENT max_statement_time = 0.1 FOR SELECT SLEEP(2)")
try("KILL QUERY CONNECTION_ID()")
try("INSERT INTO author (id, name) VALUES (1, 'toolongname')")
try("INSERT INTO author (id) VALUES (1)")
try("INSERT INTO author (id, name) VALUES (1, NULL)")
try("INSERT INTO book (id, author_id) VALUES (1, 99)")
try("DROP TABLE nosuch")
try("SELECT nosuch FROM author")
try("SELECT nosuch_fn(1)")
try("CREATE TABLE author (id INT)")
try("ALTER TABLE author DROP INDEX nosuch")
print("-- raised by SIGNAL with an error number")
for _, no in ipairs{ 1062, 1452, 4025, 1205, 1213, 1317, 1969, 1053, 1146, 1064, 1054,
                     1406, 1366, 1690, 1644, 1242, 1000, 3500, 999 } do
  io.write(no, "\t")
  try(("SIGNAL SQLSTATE '45000' SET MYSQL_ERRNO = %d, MESSAGE_TEXT = 'raised %d'"):format(no, no))
end
print("-- the session goes on")
db.session:add(Author{ name = "a" })
db.session:commit()
print(Author.query:count())
