-- relationship_nplus1.lua — the N+1 hint on standard error names the line
-- whose code touched the lazy attribute: inside a function, inside a method
-- of the model, and at the top level of the script (one hint per relationship).
Author = db.Model("Author", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30)),
  books = db.relationship("Book", { back_populates = "author" }),
})
Book = db.Model("Book", {
  id = db.Column(db.Integer, { primary_key = true }),
  title = db.Column(db.String(30)),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id")),
  author = db.relationship("Author", { back_populates = "books" }),
})
function Book:author_name()
  return self.author.name -- line 16: Book.author's hint
end
db.create_all()
for i = 1, 12 do db.session:add(Author{ name = "a" .. i, books = { Book{ title = "b" .. i } } }) end
db.session:commit()
db.session:close()

local function count(list)
  local n = 0
  for _, a in ipairs(list) do
    n = n + #a.books -- line 26: Author.books's hint
  end
  return n
end
print(count(Author.query:order_by(Author.id):all()))
db.session:close()
local names = {}
for _, b in ipairs(Book.query:order_by(Book.id):all()) do names[#names + 1] = b:author_name() end
print(#names, names[12])
