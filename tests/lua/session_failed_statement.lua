-- session_failed_statement.lua — a statement that fails (caught with pcall)
-- undoes only itself, on every backend alike: the transaction stays usable
-- and keeps what was flushed before it (PostgreSQL would abort the whole
-- transaction; the driver runs such statements under a savepoint), inside a
-- transaction of reads, after writes, inside begin_nested, and for a failed
-- bulk update; the session then commits as usual.
Tag = db.Model("Tag", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(20), { unique = true, nullable = false }),
})
db.create_all()
local s = db.session
local function names()
  local t = {}
  for _, tag in ipairs(Tag.query:order_by(Tag.name):all()) do t[#t + 1] = tag.name end
  return table.concat(t, ",")
end
local function fails(f)
  local ok, err = pcall(f)
  return not ok and (db.ProgrammingError:is(err) or db.OperationalError:is(err) or db.IntegrityError:is(err))
end
local function bad_sql() return s:execute(db.text("SELECT nope FROM tag")) end

print("-- reads only")
print(names(), fails(bad_sql), names(), s:query(Tag):count())

print("-- after writes")
s:add_all{ Tag{ name = "a" }, Tag{ name = "b" } }
s:flush()
print(fails(bad_sql), names())
print(fails(function() return s:execute(db.text("INSERT INTO tag (name) VALUES (:n)"), { n = "a" }) end), names())
s:execute(db.text("INSERT INTO tag (name) VALUES (:n)"), { n = "c" })
print(fails(function() return s:query(Tag):filter_by{ name = "c" }:update{ name = "a" } end), names())
print(fails(function() return s:scalar(db.text("SELECT 1 FROM no_such_table")) end), #s.new, names())

print("-- inside begin_nested")
local sp = s:begin_nested()
s:add(Tag{ name = "d" })
s:flush()
print(fails(bad_sql), names())
sp:commit()
print(names())

print("-- commit keeps it all")
s:commit()
s:close()
print(names(), s:query(Tag):count())
