-- learner_help.lua — help(x) prints what x is and each of its methods with
-- its arguments and one line on what it does, for every kind of API object
-- (all from one docs table); help(Model) names each relationship's target
-- class and direction (many-to-one, one-to-many, many-to-many).
Author = db.Model("Author", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30)),
  books = db.relationship("Book", { back_populates = "author" }),
})
Book = db.Model("Book", {
  id = db.Column(db.Integer, { primary_key = true }),
  title = db.Column(db.String(50), { unique = true, nullable = false }),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id")),
  author = db.relationship("Author", { back_populates = "books" }),
  stores = db.relationship("Store", { secondary = "book_store", back_populates = "books" }),
})
Store = db.Model("Store", {
  id = db.Column(db.Integer, { primary_key = true }),
  books = db.relationship("Book", { secondary = "book_store", back_populates = "stores" }),
})
db.Table("book_store",
  db.Column("book_id", db.Integer, db.ForeignKey("book.id"), { primary_key = true }),
  db.Column("store_id", db.Integer, db.ForeignKey("store.id"), { primary_key = true }))
db.create_all()
help(Book)
help(db.session)
help(Author.query)
help(db.session:execute(db.text("SELECT 1 AS one")))
help(Author.name)
help(db.func)
help(Author().books)
help(Author{ name = "Ana" })
help(db.Column)
help(db.relationship)
help(db.text)
-- the seeding, fixture, audit and statistics calls, and the 2.0 style's
help(db.upsert)
help(db.seed)
help(db.dump)
help(db.load)
help(db.select)
help(db.paginate)
help(db.stats)
help(db.metrics)
help(db.audit)
