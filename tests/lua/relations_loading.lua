-- relations_loading.lua — lazy loading vs db.selectinload / db.joinedload:
-- the same objects with fewer statements; lazy = "dynamic" gives a query;
-- uselist = false gives one object; N+1 hint; ambiguous foreign keys are
-- reported naming the candidates.
Author = db.Model("Author", {
  id = db.Column(db.Integer, { primary_key = true }),
  books = db.relationship("Book", { back_populates = "author" }),
  book_query = db.relationship("Book", { lazy = "dynamic", foreign_keys = "author_id" }),
  profile = db.relationship("Profile", { uselist = false }),
})
Book = db.Model("Book", {
  id = db.Column(db.Integer, { primary_key = true }),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id")),
  author = db.relationship("Author", { back_populates = "books" }),
  stores = db.relationship("Store", { secondary = "book_store" }),
})
Store = db.Model("Store", { id = db.Column(db.Integer, { primary_key = true }) })
db.Table("book_store", db.Column("book_id", db.Integer, db.ForeignKey("book.id")),
  db.Column("store_id", db.Integer, db.ForeignKey("store.id")))
Profile = db.Model("Profile", {
  id = db.Column(db.Integer, { primary_key = true }),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id")),
})
db.create_all()
local stores = { Store{}, Store{} }
for i = 1, 20 do
  local a = Author{}
  for j = 1, 3 do
    local b = Book{}
    b.stores = { stores[(i + j) % 2 + 1] }
    a.books:append(b)
  end
  if i % 2 == 0 then a.profile = Profile{} end
  db.session:add(a)
end
db.session:commit()

local function run(q)
  db.session:close()
  local before = db.statements
  local n, names = 0, {}
  for _, a in ipairs(q:all()) do
    for _, b in ipairs(a.books) do n = n + 1; names[#names + 1] = b.id .. ":" .. #b.stores end
  end
  return db.statements - before, n, table.concat(names, ",")
end
local lazy_n, lazy_books, lazy_names = run(db.session:query(Author))
local sel_n, sel_books, sel_names = run(db.session:query(Author):options(db.selectinload(Author.books, Book.stores)))
local join_n, join_books, join_names = run(db.session:query(Author):options(db.joinedload(Author.books, Book.stores)))
print("lazy", lazy_n, lazy_books)
print("selectin", sel_n, sel_books, sel_names == lazy_names)
print("joined", join_n, join_books, join_names == lazy_names)

local a2 = db.session:get(Author, 2)
print(a2.book_query:count(), a2.book_query:filter(Book.id:gt(4)):count())
print(db.session:get(Author, 1).profile, a2.profile.id)

local ok, err = pcall(function()
  local X = db.Model("X", {
    id = db.Column(db.Integer, { primary_key = true }),
    a_id = db.Column(db.Integer, db.ForeignKey("author.id")),
    b_id = db.Column(db.Integer, db.ForeignKey("author.id")),
    author = db.relationship("Author"),
  })
  return X{}.author
end)
print(db.ArgumentError:is(err), err)
