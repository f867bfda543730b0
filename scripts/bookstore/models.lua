-- models.lua — the tutorial's models (Author, Book, Store and the map table
-- between books and stores), written against the `db` handle ormsh provides.

Author = db.Model("Author", {
  __tablename = "author",
  id    = db.Column(db.Integer, { primary_key = true }),
  name  = db.Column(db.String(30)),
  email = db.Column(db.String(30), { unique = true, nullable = false }),
  books = db.relationship("Book", { back_populates = "author" }),
})
function Author:__repr() return ("<Author: %s <email: %s>>"):format(self.name, self.email) end

Book = db.Model("Book", {
  __tablename = "book",
  id        = db.Column(db.Integer, { primary_key = true }),
  name      = db.Column(db.String(50), { unique = true, nullable = false }),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id")),
  author    = db.relationship("Author", { back_populates = "books" }),
  stores    = db.relationship("Store", { secondary = "book_to_store_map", back_populates = "books" }),
})
function Book:__init(name) self.name = name end
function Book:__repr() return ("<Book: %s>"):format(self.name) end

Store = db.Model("Store", {
  __tablename = "store",
  id    = db.Column(db.Integer, { primary_key = true }),
  name  = db.Column(db.String(50), { unique = true, nullable = false }),
  books = db.relationship("Book", { secondary = "book_to_store_map", back_populates = "stores" }),
})
function Store:__init(name) self.name = name end
function Store:__repr() return ("<Store: %s>"):format(self.name) end

BookToStoreMap = db.Model("BookToStoreMap", {
  __tablename = "book_to_store_map",
  book_id  = db.Column(db.Integer, db.ForeignKey("book.id"), { primary_key = true }),
  store_id = db.Column(db.Integer, db.ForeignKey("store.id"), { primary_key = true }),
})
