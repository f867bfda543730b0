-- sqlite_runtime_errors.lua — an error SQLite raises while a statement
-- runs (not while it is compiled) is an OperationalError, as Python's
-- sqlite3 and SQLAlchemy report it: integer overflow, malformed JSON; the
-- session stays usable. Bad SQL stays a ProgrammingError.
local function try(sql, params)
  local ok, e = pcall(function() return db.session:execute(db.text(sql), params or {}):all() end)
  print(ok, tostring(e), db.OperationalError:is(e), db.Error:is(e))
end
try("SELECT abs(-9223372036854775807 - 1)")
try("SELECT json_extract(:doc, '$.a')", { doc = "{not json" })
try("SELECT no_such_function(1)")
print(db.session:execute(db.text("SELECT 1 + 1 AS two")):scalar())
