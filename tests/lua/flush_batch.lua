-- flush_batch.lua — a flush of many new rows (written in multi-row INSERTs
-- where the backend returns generated keys): every object gets the key of
-- its own row, in the order added; rows with other column sets, explicit
-- keys and server defaults mixed in; a failing row in a batch raises
-- IntegrityError naming that row (the batch is undone and its rows written
-- one by one) and leaves nothing written.
Author = db.Model("Author", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30)),
  email = db.Column(db.String(40), { unique = true, nullable = false }),
  created = db.Column(db.String(20), { server_default = "'now'" }),
})
Book = db.Model("Book", {
  id = db.Column(db.Integer, { primary_key = true }),
  title = db.Column(db.String(30)),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id")),
})
db.create_all()

-- 2500 authors (batches of 1000 and a remainder), a third without a name
-- (another column set), one with an explicit key, some with server defaults
-- given; each with a book pointing at it
local list = {}
for i = 1, 2500 do
  local a = Author{ email = "a" .. i .. "@x", created = "given" }
  if i % 3 ~= 0 then a.name = "n" .. i end
  if i == 2500 then a.id = 90000 end
  list[i] = a
  db.session:add(a)
  db.session:add(Book{ title = "t" .. i, author = nil })
end
db.session:commit()
local bad, email = 0, {}
for r in db.session:execute(db.text("SELECT id, email FROM author")) do email[r.id] = r.email end
for i, a in ipairs(list) do
  if email[a.id] ~= "a" .. i .. "@x" then bad = bad + 1 end
  if i > 1 and i < 2500 and a.id <= list[i - 1].id then bad = bad + 1 end
end
print("keys on the right objects", bad == 0, list[2500].id, Author.query:count())
print("the same objects", db.session:get(Author, list[7].id) == list[7])

-- books linked to new authors: the parents' keys reach the children
local ps = {}
for i = 1, 30 do
  local a = Author{ name = "p" .. i, email = "p" .. i .. "@x" }
  ps[i] = a
  db.session:add(a)
  db.session:add(Book{ title = "b" .. i, author_id = nil })
end
db.session:commit()
for i = 1, 30 do db.session:add(Book{ title = "c" .. i, author_id = ps[i].id }) end
db.session:commit()
local linked = 0
for i = 1, 30 do
  local b = Book.query:filter_by{ title = "c" .. i }:first()
  local r = db.session:execute(db.text("SELECT name FROM author WHERE id = :id"), { id = b.author_id }):scalar()
  if r == "p" .. i then linked = linked + 1 end
end
print("children", linked)

-- a server default left to the database is read back
local d = Author{ name = "dflt", email = "dflt@x" }
db.session:add(d)
db.session:commit()
print("server default", d.created)

-- a failing row in the middle of a batch: IntegrityError, nothing written
local before = Author.query:count()
for i = 1, 50 do
  db.session:add(Author{ name = "f" .. i, email = i == 25 and "a1@x" or ("f" .. i .. "@x") })
end
local ok, err = pcall(function() db.session:commit() end)
print(ok, tostring(err):match("(%a+Error)"), tostring(err):match("email 'a1@x' is already used by <Author[^>]*>"))
db.session:rollback()
print("written", Author.query:count() - before,
  db.session:execute(db.text("SELECT count(*) FROM author WHERE email LIKE 'f%'")):scalar())
