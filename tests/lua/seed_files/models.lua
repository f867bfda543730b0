-- models for the seed_* tests: authors and their books
Author = db.Model("Author", {
  id = db.Column(db.Integer, { primary_key = true }),
  email = db.Column(db.String(60), { unique = true, nullable = false }),
  name = db.Column(db.String(40)),
})
Book = db.Model("Book", {
  id = db.Column(db.Integer, { primary_key = true }),
  title = db.Column(db.String(60), { unique = true, nullable = false }),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id")),
})
db.create_all()
