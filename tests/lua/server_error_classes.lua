-- server_error_classes.lua — errors the servers raise get the class
-- Python's drivers give them (what a SQLAlchemy user sees): a scalar
-- subquery giving two rows is a ProgrammingError on PostgreSQL (SQLSTATE
-- class 21) and an OperationalError on MariaDB (error 1242, like every
-- server error not listed as integrity, programming or data); the session
-- stays usable.
local ok, e = pcall(function()
  return db.session:execute(db.text("SELECT (SELECT 1 UNION SELECT 2) AS x")):all()
end)
local want = os.getenv("ORMSH_TEST_BACKEND") == "postgresql" and db.ProgrammingError or db.OperationalError
print(ok, want:is(e), db.Error:is(e), e.code ~= nil)
db.session:rollback()
print(db.session:execute(db.text("SELECT 1 + 1 AS two")):scalar())
