-- models for the fixture_* tests: every column type, a parent and a child,
-- and an association table without a class
Author = db.Model("Author", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(40), { nullable = false }),
  email = db.Column(db.String(60), { unique = true }),
})
Book = db.Model("Book", {
  id = db.Column(db.Integer, { primary_key = true }),
  title = db.Column(db.String(60)),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id")),
  price = db.Column(db.Numeric(10, 2)),
  rating = db.Column(db.Float),
  published = db.Column(db.Date),
  added = db.Column(db.DateTime),
  in_print = db.Column(db.Boolean),
  cover = db.Column(db.LargeBinary),
  meta = db.Column(db.JSON),
  notes = db.Column(db.Text),
  copies = db.Column(db.BigInteger),
})
Tag = db.Model("Tag", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(20)),
})
BookTag = db.Table("book_tag",
  db.Column("book_id", db.Integer, db.ForeignKey("book.id"), { primary_key = true }),
  db.Column("tag_id", db.Integer, db.ForeignKey("tag.id"), { primary_key = true }))
db.create_all()
