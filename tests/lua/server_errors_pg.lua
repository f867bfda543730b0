-- server_errors_pg.lua — PostgreSQL errors reach the user with the class
-- their SQLSTATE says (serialization failures, deadlocks, lock and
-- statement timeouts, resource and system errors, an aborted transaction,
-- lost connections: OperationalError; names, cursors, unsupported features
-- and cardinality (class 21): ProgrammingError; data: DataError; constraints:
-- IntegrityError; the rest: Error) and the server's message, whether the
-- server raised it itself or a DO block raised it with that SQLSTATE; after
-- each the session goes on. Last, a connection the server ends: the
-- statement and every later one fail with OperationalError.
Author = db.Model("Author", { id = db.Column(db.Integer, { primary_key = true }), name = db.Column(db.String(20)) })
Book = db.Model("Book", { id = db.Column(db.Integer, { primary_key = true }),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id")) })
db.create_all()
local classes = { "IntegrityError", "OperationalError", "ProgrammingError", "DataError", "Error" }
local function class_of(err)
  for _, c in ipairs(classes) do
    if db[c]:is(err) then return c end
  end
  return "not a db error: " .. tostring(err)
end
local function try(sql, keep)
  local ok, err = pcall(db.session.execute, db.session, db.text(sql))
  print(ok, ok and "" or class_of(err), ok and "" or err.message:match("^[^\n]*"))
  if not keep then pcall(db.session.rollback, db.session) end
end
print("-- raised by the server")
try("CLOSE nosuch")
try("EXECUTE nosuch")
try("SELECT count(*) FROM author FOR UPDATE")
try("DROP TABLE author")
try("SELECT 1 / 0")
try("INSERT INTO book (id, author_id) VALUES (1, 99)")
try("SELECT set_config('statement_timeout', '100', false)", true)
try("SELECT pg_sleep(2)")
try("SELECT set_config('statement_timeout', '0', false)")
print("-- raised with a SQLSTATE")
for _, state in ipairs{ "40001", "40P01", "55P03", "57014", "53100", "58030", "25P02", "08006", "57P01",
                        "42P01", "21000", "26000", "34000", "0A000", "22012", "23505", "P0001", "XX000", "2BP01" } do
  io.write(state, "\t")
  try(("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '%s', MESSAGE = 'raised %s'; END $$"):format(state, state))
end
print("-- the session goes on")
db.session:add(Author{ name = "a" })
db.session:commit()
print(Author.query:count())
print("-- a connection the server ends")
try("SELECT pg_terminate_backend(pg_backend_pid())")
local ok, err = pcall(function() return Author.query:count() end)
print(ok, class_of(err))
