-- relations_joinedload.lua — db.joinedload and lazy = "joined" load in the
-- query's own statement (LEFT OUTER JOIN), as SQLAlchemy does: 1 statement
-- where selectinload takes 2; each parent once however many children it
-- has; limit/offset (and paginate, first) count parents, not joined rows;
-- one-to-many, many-to-one and many-to-many; a path's further steps load
-- after it; collections keep their order_by; parents without children get
-- an empty collection; the objects are the identity map's.
Author = db.Model("Author", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30)),
  books = db.relationship("Book", { back_populates = "author" }),
})
Book = db.Model("Book", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30)),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id")),
  author = db.relationship("Author", { back_populates = "books" }),
  stores = db.relationship("Store", { secondary = "book_store", order_by = "-id" }),
})
Store = db.Model("Store", { id = db.Column(db.Integer, { primary_key = true }) })
db.Table("book_store", db.Column("book_id", db.Integer, db.ForeignKey("book.id")),
  db.Column("store_id", db.Integer, db.ForeignKey("store.id")))
Shelf = db.Model("Shelf", {
  id = db.Column(db.Integer, { primary_key = true }),
  items = db.relationship("Item", { lazy = "joined", order_by = "-pos" }),
})
Item = db.Model("Item", {
  id = db.Column(db.Integer, { primary_key = true }),
  pos = db.Column(db.Integer),
  shelf_id = db.Column(db.Integer, db.ForeignKey("shelf.id")),
})
db.create_all()
local s1, s2 = Store{}, Store{}
for i = 1, 4 do
  local a = Author{ name = "a" .. i }
  for j = 1, (i == 3 and 0 or 3) do a.books:append(Book{ name = "b" .. i .. j, stores = { s1, s2 } }) end
  db.session:add(a)
end
for i = 1, 3 do
  local sh = Shelf{}
  for p = 1, i do sh.items:append(Item{ pos = p }) end
  db.session:add(sh)
end
db.session:commit()

local function names(list, rel, key)
  local t = {}
  for _, o in ipairs(list) do
    local v = o[rel]
    t[#t + 1] = o[key or "name"] .. (type(v) == "table" and tostring(v) or (":" .. tostring(v and v.name)))
  end
  return #list .. " " .. table.concat(t, " ")
end
local function run(label, f)
  db.session:close()
  local before = db.statements
  local r = f()
  print(label, db.statements - before .. " statement(s)", r)
end
run("lazy", function() return names(Author.query:order_by(Author.id):all(), "books") end)
run("selectinload", function()
  return names(Author.query:options(db.selectinload(Author.books)):order_by(Author.id):all(), "books") end)
run("joinedload", function()
  return names(Author.query:options(db.joinedload(Author.books)):order_by(Author.id):all(), "books") end)
run("joined desc", function()
  return names(Author.query:options(db.joinedload(Author.books)):order_by(Author.name:desc()):all(), "books") end)
run("limit 2 offset 1", function()
  return names(Author.query:options(db.joinedload(Author.books)):order_by(Author.id):limit(2):offset(1):all(), "books") end)
run("filtered", function()
  return names(Author.query:options(db.joinedload(Author.books)):filter(Author.name:ne("a2")):order_by(Author.id):all(), "books") end)
run("first", function()
  return tostring(Author.query:options(db.joinedload(Author.books)):order_by(Author.id):first().books) end)
run("filter_by first", function()
  return tostring(Author.query:options(db.joinedload(Author.books)):filter_by{ name = "a4" }:first().books) end)
run("paginate", function()
  local p = Author.query:options(db.joinedload(Author.books)):order_by(Author.id):paginate{ page = 2, per_page = 2 }
  return names(p.items, "books") end)
run("many-to-one", function()
  return names(Book.query:options(db.joinedload(Book.author)):filter(Book.id:le(4)):order_by(Book.id):all(), "author") end)
run("many-to-many", function()
  local l = Book.query:options(db.joinedload(Book.stores)):order_by(Book.id):limit(2):all()
  return names(l, "stores") .. " " .. tostring(l[1].stores[1] == db.session:get(Store, 2)) end)
run("path", function()
  local l = Author.query:options(db.joinedload(Author.books, Book.stores)):order_by(Author.id):all()
  return #l .. " " .. tostring(l[1].books[2].stores) end)
run("selectin + joined", function()
  local l = Book.query:options(db.selectinload(Book.stores), db.joinedload(Book.author))
    :filter(Book.id:ge(8)):order_by(Book.id):all()
  return names(l, "author") .. " " .. tostring(l[1].stores) end)
run("lazy=joined", function() return names(Shelf.query:order_by(Shelf.id):all(), "items", "id") end)
run("lazy=joined get", function() return tostring(db.session:get(Shelf, 3).items) end)
-- the joined objects are the session's
db.session:close()
local a = Author.query:options(db.joinedload(Author.books)):filter_by{ name = "a1" }:one()
print(a.books[1] == db.session:get(Book, 1), a.books[1].author == a)
