-- relations_assoc_row_fails.lua — a flush that fails on an association row
-- (a row of a db.Table, which has no class) raises the error plainly: here
-- a book deleted as an orphan is tagged, and the book_tag row's foreign key
-- fails. It once crashed (segfault): the error's teaching step tried to
-- show the failing row as an instance of a class it does not have.
Author = db.Model("Author", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(20)),
  books = db.relationship("Book", { backref = "author", cascade = "all, delete-orphan" }),
})
Book = db.Model("Book", {
  id = db.Column(db.Integer, { primary_key = true }),
  title = db.Column(db.String(30)),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id")),
  tags = db.relationship("Tag", { secondary = "book_tag", back_populates = "books" }),
})
Tag = db.Model("Tag", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(10)),
  books = db.relationship("Book", { secondary = "book_tag", back_populates = "tags" }),
})
db.Table("book_tag", db.Column("book_id", db.Integer, db.ForeignKey("book.id")),
  db.Column("tag_id", db.Integer, db.ForeignKey("tag.id")))
db.create_all()

local a = Author{ name = "x" }
db.session:add(a)
local b = Book{ title = "t" }
a.books:append(b)
db.session:flush()
a.books = {} -- b is an orphan now: deleted by the next flush
db.session:flush()
b.tags:append(Tag{ name = "n" })
local ok, err = pcall(db.session.commit, db.session)
print(ok, db.IntegrityError:is(err))
db.session:rollback()
db.session:add(Author{ name = "y" })
db.session:commit()
print(Author.query:count(), Book.query:count(), Tag.query:count())
