-- relations_follow.lua — core keeps both sides of a relationship in step
-- (relation_ops.c) and Lua's collections show each change at once: one held
-- in a variable follows a move made from the other side, a many-to-many
-- change made from either end, a delete-orphan removal; a parent never read
-- shows the children set on the other side; a lazy load core asks for that
-- fails raises its own error, with nothing changed, and the session goes on.
Author = db.Model("Author", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30)),
  books = db.relationship("Book", { back_populates = "author" }),
  notes = db.relationship("Note", { cascade = "all, delete-orphan" }),
})
Book = db.Model("Book", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30)),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id")),
  author = db.relationship("Author", { back_populates = "books" }),
  tags = db.relationship("Tag", { secondary = "book_tag", back_populates = "books" }),
})
Tag = db.Model("Tag", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30)),
  books = db.relationship("Book", { secondary = "book_tag", back_populates = "tags" }),
})
Note = db.Model("Note", {
  id = db.Column(db.Integer, { primary_key = true }),
  text = db.Column(db.String(30)),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id")),
})
db.Table("book_tag",
  db.Column("book_id", db.Integer, db.ForeignKey("book.id")),
  db.Column("tag_id", db.Integer, db.ForeignKey("tag.id")))
db.create_all()
local function names(c, field)
  local t = {}
  for _, x in ipairs(c) do t[#t + 1] = x[field or "name"] end
  return "[" .. table.concat(t, ",") .. "]"
end

print("-- a held collection follows a move made from the other side")
local a1, a2 = Author{ name = "a1" }, Author{ name = "a2" }
local b, c = Book{ name = "b", author = a1 }, Book{ name = "c", author = a1 }
db.session:add_all{ a1, a2 }
db.session:commit()
local held1, held2 = a1.books, a2.books
b.author = a2
print(names(held1), names(held2), held1 == a1.books, held2[1] == b)
a2.books:append(c)
print(names(held1), names(held2), c.author == a2)
c.author = nil
print(names(held2), c.author, c.author_id)

print("-- many-to-many: a change from either end shows on both, held or not")
local t = Tag{ name = "t" }
db.session:add(t)
db.session:commit()
local tags = b.tags
t.books:append(b)
print(names(tags), names(t.books), #db.session:execute(db.text("SELECT * FROM book_tag")):all())
db.session:commit()
tags = b.tags
t.books:remove(b)
print(names(tags), names(t.books))
db.session:commit()
print(#db.session:execute(db.text("SELECT * FROM book_tag")):all())

print("-- delete-orphan: the held collection loses the note, the note is deleted")
local n1, n2 = Note{ text = "n1" }, Note{ text = "n2" }
a1.notes:append(n1)
a1.notes:append(n2)
db.session:commit()
local notes = a1.notes
notes:remove(n1)
print(names(notes, "text"), #db.session.deleted)
db.session:commit()
print(db.session:execute(db.text("SELECT count(*) FROM note")):scalar())

print("-- a parent never read shows the children set on the other side")
local p = Author{ name = "p" }
local c1, c2 = Book{ name = "c1" }, Book{ name = "c2" }
c1.author = p
c2.author = p
print(names(p.books), p.books[2] == c2)
c1.author = nil
print(names(p.books))

print("-- a lazy load that fails: its error, nothing changed, the session goes on")
local a3 = Author{ name = "a3" }
db.session:add(a3)
db.session:commit()
db.session:execute(db.text("ALTER TABLE book RENAME TO book_gone"))
db.session:commit()
local nb = Book{ name = "nb" }
local ok, err = pcall(function() a3.books:append(nb) end)
print(ok, db.Error:is(err), nb.author, nb.author_id, #db.session.new)
db.session:rollback()
db.session:execute(db.text("ALTER TABLE book_gone RENAME TO book"))
db.session:commit()
a3.books:append(nb)
db.session:commit()
print(names(a3.books), nb.author == a3, Book.query:count())
