-- reliability_crash.lua — plain Lua code cannot crash the process: every
-- metatable is protected, a collected instance raises instead of reading
-- freed memory, expression trees deeper than the compiler accepts are
-- refused with db.ArgumentError when built, so are trees that use themselves
-- until they are too large to write out, and long column lists read back.
Author = db.Model("Author", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(40)),
})
db.create_all()
local function try(label, f)
  local ok, err = pcall(f)
  if ok then print(label, "ok") return end
  local cls = db.ArgumentError:is(err) and "ArgumentError" or db.DataError:is(err) and "DataError"
    or (type(err) == "table" and "db.Error") or "lua"
  print(label, cls, (tostring(err):gsub("^.-:%d+: ", "")))
end

-- metatables: hidden from getmetatable, setmetatable refuses
local a = Author{ name = "Ann" }
db.session:add(a)
db.session:commit()
local r = db.session:execute(db.text("SELECT 1 AS x"))
for _, v in ipairs{ a, Author, Author.query, Author.id, db.session, db, r,
                    Author.query:all(), db.func, Author.id:label("l") } do
  io.write(tostring(getmetatable(v)), " ")
end
print()
try("setmetatable(instance)", function() setmetatable(Author, {}) end)
try("setmetatable(query)", function() setmetatable(Author.query:all(), {}) end)
local ok, err = pcall(function() Author.query:filter(Author.nope:eq(1)):all() end)
print("error's class", getmetatable(err) == db.DataError)

-- even through the debug library, a collected instance raises, never crashes
local b = Author{ name = "Bob" }
debug.getmetatable(b).__gc(b)
try("index after __gc", function() return b.name end)
try("assign after __gc", function() b.name = "x" end)
try("tostring after __gc", function() return tostring(b) end)
local e = Author.id + 1
debug.getmetatable(e).__gc(e)
try("expr after __gc", function() return Author.query:filter(e:eq(2)):count() end)

-- deep expressions: refused at construction, at any depth
try("e + 1, 100000 deep", function()
  local x = Author.id
  for _ = 1, 100000 do x = x + 1 end
end)
try("db.and_ chain", function()
  local x = Author.id:eq(1)
  for i = 1, 100000 do x = db.and_(x, Author.id:eq(i)) end
end)
try("db.or_ chain", function()
  local x = Author.id:eq(1)
  for i = 1, 100000 do x = db.or_(x, Author.id:eq(i)) end
end)
try(".. chain", function()
  local x = Author.name
  for _ = 1, 100000 do x = x .. "x" end
end)
try("not_ chain", function()
  local x = Author.id:eq(1)
  for _ = 1, 100000 do x = db.not_(x) end
end)
try("func chain", function()
  local x = Author.name
  for _ = 1, 100000 do x = db.func.lower(x) end
end)
-- a tree that uses itself doubles at each step: refused when built, before
-- a walk over it (its tables, its SQL) would run for hours
try("e = e + e", function()
  local x = Author.id
  for _ = 1, 40 do x = x + x end
end)
try("or_(e, e)", function()
  local x = Author.id:eq(1)
  for _ = 1, 40 do x = db.or_(x, x) end
end)
-- a tree below the limit still runs
local x = Author.id
for _ = 1, 200 do x = x + 1 end
print("200 deep", Author.query:filter(x:eq(201)):count())
collectgarbage()

-- column names adding up to more than 1,024 bytes
local cols = {}
for i = 1, 60 do cols[i] = ("1 AS column_with_a_rather_long_name_%02d"):format(i) end
local res = db.session:execute(db.text("SELECT " .. table.concat(cols, ", ")))
local row = res:first()
print("wide row", #row, row.column_with_a_rather_long_name_60, row[1])
print(#tostring(row) > 0)
