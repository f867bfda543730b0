-- relations_selectin_groups.lua — selectinload hands each loaded row to
-- every parent with its key: many-to-one where many children share a
-- parent (and one has none), many-to-many where rows share members, a
-- parent with no children (an empty, loaded collection), and more parents
-- than one statement binds (500): one statement per 500 distinct keys, no
-- lazy load afterwards.
Author = db.Model("Author", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(20)),
  books = db.relationship("Book", { back_populates = "author" }),
})
Book = db.Model("Book", {
  id = db.Column(db.Integer, { primary_key = true }),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id")),
  author = db.relationship("Author", { back_populates = "books" }),
  tags = db.relationship("Tag", { secondary = "book_tag", order_by = "name" }),
})
Tag = db.Model("Tag", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(10)),
})
db.Table("book_tag", db.Column("book_id", db.Integer, db.ForeignKey("book.id")),
  db.Column("tag_id", db.Integer, db.ForeignKey("tag.id")))
db.create_all()

local ann, bob, cy = Author{ name = "ann" }, Author{ name = "bob" }, Author{ name = "cy" }
local red, blue = Tag{ name = "red" }, Tag{ name = "blue" }
db.session:add_all{ ann, bob, cy }
for i = 1, 6 do
  local b = Book{ id = i }
  if i <= 4 then b.author = (i % 2 == 1) and ann or bob end -- 5 and 6: no author
  if i % 3 ~= 0 then b.tags = (i % 2 == 1) and { red, blue } or { blue } end
  db.session:add(b)
end
db.session:commit()
db.session:close()

local function statements(f)
  local before = db.statements
  local out = f()
  return db.statements - before, out
end

-- many-to-one: books 1, 3 share ann, 2, 4 share bob, 5, 6 have none
local n, out = statements(function()
  local parts = {}
  for _, b in ipairs(Book.query:options(db.selectinload(Book.author)):order_by(Book.id):all()) do
    parts[#parts + 1] = b.id .. "=" .. (b.author and b.author.name or "none")
  end
  return table.concat(parts, " ")
end)
print("m2o", n, out)

-- one-to-many: cy has no books, and touching it loads nothing more
db.session:close()
n, out = statements(function()
  local parts = {}
  for _, a in ipairs(Author.query:options(db.selectinload(Author.books)):order_by(Author.id):all()) do
    local ids = {}
    for _, b in ipairs(a.books) do ids[#ids + 1] = b.id end
    parts[#parts + 1] = a.name .. "={" .. table.concat(ids, ",") .. "}"
  end
  return table.concat(parts, " ")
end)
print("o2m", n, out)

-- many-to-many: blue is shared by every tagged book, each in tag order
db.session:close()
n, out = statements(function()
  local parts = {}
  for _, b in ipairs(Book.query:options(db.selectinload(Book.tags)):order_by(Book.id):all()) do
    local names = {}
    for _, t in ipairs(b.tags) do names[#names + 1] = t.name end
    parts[#parts + 1] = b.id .. "=[" .. table.concat(names, ",") .. "]"
  end
  return table.concat(parts, " ")
end)
print("m2m", n, out)

-- 1,203 authors, each with one book: three loader statements (500 keys each)
db.session:close()
local many = {}
for i = 1, 1203 do
  local a = Author{ name = "a" .. i }
  a.books:append(Book{ id = 100 + i })
  many[#many + 1] = a
end
db.session:add_all(many)
db.session:commit()
db.session:close()
n, out = statements(function()
  local authors = Author.query:filter(Author.id:gt(3)):options(db.selectinload(Author.books)):all()
  local ok = 0
  for _, a in ipairs(authors) do
    if #a.books == 1 and a.books[1].id == 100 + tonumber(a.name:sub(2)) then ok = ok + 1 end
  end
  return #authors .. " authors, " .. ok .. " with their own book"
end)
print("chunks", n, out)
