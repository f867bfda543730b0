-- Models and rows shared by the monitor_* tests: 12 authors, the first 3 with a book.
Author = db.Model("Author", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(50), { unique = true }),
  books = db.relationship("Book", { back_populates = "author" }),
})
Book = db.Model("Book", {
  id = db.Column(db.Integer, { primary_key = true }),
  title = db.Column(db.String(50)),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id")),
  author = db.relationship("Author", { back_populates = "books" }),
})
db.create_all()
local authors = {}
for i = 1, 12 do authors[i] = Author{ name = "a" .. i } db.session:add(authors[i]) end
db.session:commit()
for i = 1, 3 do db.session:add(Book{ title = "b" .. i, author_id = authors[i].id }) end
db.session:commit()
db.session:close()
