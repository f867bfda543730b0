-- backend_injection.lua — the same hostile values on every backend (docs/reference.md:
-- no input can change a statement): quotes, % and _, :name, $1, ?, \, SQL
-- comments and separators pass through inserts, filters, like/contains,
-- in_, raw SQL and bulk updates unchanged. Values a backend cannot store
-- in text (PostgreSQL refuses a NUL byte; servers refuse invalid UTF-8)
-- raise a clean db.DataError there and leave the session usable; where
-- they are stored they come back byte for byte.
Note = db.Model("Note", {
  id = db.Column(db.Integer, { primary_key = true }),
  body = db.Column(db.String(60), { nullable = false }),
  n = db.Column(db.Integer),
})
db.create_all()
local s = db.session
local evil = {
  "O'Brien", "x'); DROP TABLE note; --", "\" OR 1=1 --", "` OR 1=1 --", "50%_off", "100%",
  "a_b", ":name", ":n AND 1=1", "$1", "$2 OR 1=1", "?", "? OR ?", "back\\slash", "\\'; --",
  "trailing\\", "/* c */", "-- d", "semi; DELETE FROM note", "%", "_", "", "ünïcödé ✓",
}
local function show(v) return (("%q"):format(v):gsub("\\\n", "\\n")) end
for i, v in ipairs(evil) do s:add(Note{ body = v, n = i }) end
s:commit()
print(s:query(Note):count())
local bad = 0
for i, v in ipairs(evil) do
  local c = {
    #s:query(Note):filter(Note.body:eq(v)):all(),
    #s:query(Note):filter_by{ body = v }:all(),
    #s:query(Note):filter(Note.body:in_{ v, "no such body" }):all(),
    #s:query(Note):filter(Note.body:contains(v)):filter(Note.n:eq(i)):all(),
    #s:query(Note):filter(Note.body:startswith(v)):filter(Note.n:eq(i)):all(),
    #s:query(Note):filter(Note.body:endswith(v)):filter(Note.n:eq(i)):all(),
    #s:execute(db.text("SELECT id FROM note WHERE body = :b"), { b = v }):all(),
    #s:query(Note):filter(Note.body:like(v)):all(),
  }
  local back = s:query(Note.body):filter(Note.n:eq(i)):scalar()
  for k = 1, 7 do if c[k] ~= 1 then bad = bad + 1 end end
  print(show(v), table.concat(c, " "), back == v)
end
print("mismatches", bad)
-- wildcards in contains() are literal; in like() they match
print(#s:query(Note):filter(Note.body:contains("%")):all(), #s:query(Note):filter(Note.body:contains("_")):all(),
  #s:query(Note):filter(Note.body:like("%\\%")):all())
-- bulk update and delete with hostile values
print(s:query(Note):filter(Note.n:le(3)):update{ body = Note.body .. "'; --:x?$1" })
print(show(s:query(Note.body):filter_by{ n = 1 }:scalar()))
print(s:query(Note):filter(Note.body:eq("' OR '1'='1")):delete(), s:query(Note):count())
s:commit()

-- a NUL byte and invalid UTF-8: stored exactly, or a DataError and nothing changed
local function store(v)
  local ok, err = pcall(function()
    s:add(Note{ body = v, n = 100 })
    s:commit()
  end)
  if not ok then
    s:rollback()
    return db.DataError:is(err) and "ok" or tostring(err)
  end
  local back = s:query(Note.body):filter_by{ n = 100 }:scalar()
  s:query(Note):filter_by{ n = 100 }:delete()
  s:commit()
  return back == v and "ok" or ("changed: " .. show(back))
end
print(store("a\0b"), store("bad \255\254 utf8"), store("\192\128"))
print(s:query(Note):count(), s:query(Note):filter_by{ n = 100 }:count())
-- raw SQL parameters are never spliced into the text
print(s:execute(db.text("SELECT count(*) AS c FROM note WHERE body = :b OR n = :n"),
  { b = "x' OR 'a'='a", n = -1 }):scalar())
print(s:scalar(db.text("SELECT :a || :b"), { a = "'", b = "\\" }))
