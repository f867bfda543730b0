-- fixture_load.lua — db.load / db.dump (what `ormsh db load` and `ormsh db
-- dump` run): a fixture with every column type (unicode, NULLs, dates,
-- decimals, blobs as base64, JSON, big integers, a composite key) loads
-- with its keys and dumps back to the same text on every backend, so a
-- dump moves between backends; generated keys continue after the loaded
-- ones; rows whose key exists are refused unless replace; a bad file stops
-- with one line naming the file, the record and what is wrong, and nothing
-- of it stays.
dofile("fixture_files/models.lua")
local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end
local function counts()
  return ("%d authors, %d books, %d tags"):format(Author.query:count(), Book.query:count(), Tag.query:count())
end
local out = os.tmpname()

print("-- load, dump: the same text")
print(db.load("fixture_files/all_types.json"))
print(counts())
print(db.dump(out))
print(read(out) == read("fixture_files/all_types.json"))
local b = Book.query:get(1)
print(b.cover == "\0\1\2\255binary", b.meta.tags[2], b.meta.n, b.price, b.copies, b.in_print, b.published)
print(Author.query:get(1).name, Book.query:get(2).price)

print("-- new rows get keys after the loaded ones")
local c = Author{ name = "Cid" }
db.session:add(c)
db.session:commit()
print(c.id)

print("-- only some tables")
print(db.dump(out, { tables = { "tag", "author" } }))
for line in read(out):gmatch('"model": "(%a+)"') do io.write(line, " ") end
print()
print(select(2, pcall(db.dump, out, { tables = { "nosuch" } })))

print("-- existing keys: refused, or replaced")
local ok, err = pcall(db.load, "fixture_files/all_types.json")
print(ok, err)
print(counts())
print(db.load("fixture_files/replace.json", { replace = true }))
print(Author.query:get(1).name, Author.query:get(9).name, counts())

print("-- bad files: one line, nothing loaded")
for _, name in ipairs{ "not_json", "not_list", "unknown_model", "unknown_column", "wrong_type",
                       "broken_fk", "no_pk", "bad_base64", "nosuch" } do
  ok, err = pcall(db.load, "fixture_files/" .. name .. ".json")
  local text = tostring(err):gsub("No such file or directory", "no such file")
  if db.IntegrityError:is(err) then -- the backend's own words follow the record
    text = text:match("^(.-%)): ") .. ": (the backend's message)"
  end
  print(ok, text)
end
print(counts(), Author.query:get(7))
os.remove(out)
