-- query_injection.lua — hostile values (quotes, % and _, :name, SQL
-- comments, statement separators) pass through filters, like/contains,
-- in_, raw SQL parameters, bulk updates and labels unchanged, and never
-- change a statement: each query matches exactly the row holding that value.
-- NUL bytes go through a LargeBinary column on every backend; a like or
-- contains pattern holding one is refused with db.DataError everywhere.
dofile("query_fixtures/blog.lua")
local s = db.session
local evil = {
  "O'Brien", "x'); DROP TABLE users; --", "\" OR 1=1 --", "50%_off", "100%", "a_b",
  ":name", ":age AND 1=1", "/* comment */", "-- dash", "semi; DELETE FROM post",
  "back\\slash", "?", "$1", "",
}
local function show(v) return (("%q"):format(v):gsub("\\\n", "\\n")) end
for i, v in ipairs(evil) do s:add(Post{ title = v, views = 1000 + i }) end
s:commit()
local total = s:query(Post):count()
print(total)

local bad = 0
for i, v in ipairs(evil) do
  local checks = {
    s:query(Post):filter(Post.title:eq(v)):all(),
    s:query(Post):filter_by{ title = v }:all(),
    s:query(Post):filter(Post.title:in_{ v, "no such title" }):all(),
    s:query(Post):filter(Post.title:like(v)):filter(Post.views:ge(1000)):all(),
    s:execute(db.text("SELECT id FROM post WHERE title = :t"), { t = v }):all(),
    s:query(Post):filter(Post.title:contains(v)):filter(Post.views:eq(1000 + i)):all(),
  }
  local counts = {}
  for k, rows in ipairs(checks) do counts[k] = #rows end
  -- exact matches find exactly one row; like() treats % and _ as wildcards
  local line = table.concat(counts, " ")
  local want_like = #s:query(Post):filter(Post.title:like(v)):filter(Post.views:ge(1000)):all()
  if counts[1] ~= 1 or counts[2] ~= 1 or counts[3] ~= 1 or counts[5] ~= 1 or counts[6] ~= 1 then bad = bad + 1 end
  local back = s:query(Post.title):filter(Post.views:eq(1000 + i)):scalar()
  print(show(v), line, back == v, want_like)
end
print("mismatches", bad, "rows", s:query(Post):count(), s:query(User):count())

-- contains / startswith / endswith match the text literally
print(#s:query(Post):filter(Post.title:contains("%")):all(), #s:query(Post):filter(Post.title:contains("_")):all())
print(#s:query(Post):filter(Post.title:startswith("50%")):all(), #s:query(Post):filter(Post.title:endswith("%")):all())
local function refused(f) local ok, err = pcall(f) return not ok and db.DataError:is(err) end
print(refused(function() return Post.title:contains("a\0b") end), refused(function() return Post.title:like("%\0") end),
  refused(function() return Post.title:endswith("\0") end))

-- bulk updates store the values as given
local n = s:query(Post):filter(Post.views:gt(1000)):update{ title = Post.title .. "'; --:x" }
print(n, s:query(Post):count())
print(show(s:query(Post.title):filter(Post.views:eq(1009)):scalar()))
print(s:query(Post):filter(Post.title:eq("/* comment */'; --:x")):count())
print(s:query(User):filter(User.username:eq("ana' OR '1'='1")):update{ age = 0 }, s:query(User):filter(User.age:eq(0)):count())
print(s:query(Post):filter(Post.title:eq("' OR 1=1 --")):delete(), s:query(Post):count())
s:commit()

-- labels, aliases and subquery names are identifiers, quoted
local weird = s:query(User.username:label("a\"b; DROP TABLE users"), User.age:label("select"))
  :filter_by{ username = "bob" }
local row = weird:one()
print(row, row["a\"b; DROP TABLE users"], row.select)
local al = db.aliased(User, "u\"; --")
print(s:query(al.username):filter(al.age:gt(40)):all())
print(s:query(db.func.count(User.id)):scalar(), s:query(Post):count())

-- NUL bytes: binary values keep them, byte for byte, through filters
Blob = db.Model("Blob", {
  id = db.Column(db.Integer, { primary_key = true }),
  data = db.Column(db.LargeBinary),
})
db.create_all()
local blobs = { "a\0b", "\0", "x\0y'; --", "\0\0:name", "plain" }
for _, v in ipairs(blobs) do s:add(Blob{ data = v }) end
s:commit()
for _, v in ipairs(blobs) do
  print(show(v), #s:query(Blob):filter(Blob.data:eq(v)):all(), #s:query(Blob):filter(Blob.data:in_{ v, "\0\0" }):all(),
    s:query(Blob.data):filter(Blob.data:eq(v)):scalar() == v)
end
