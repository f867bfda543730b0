-- relations_collection.lua — a collection is the Lua list of what core holds
-- for the relationship: list-like reads; writes that bypass append/remove
-- refused, naming the way that keeps both sides in step; an item overwritten
-- behind its back put back on the next read; a collection given where a list
-- is expected (add_all, assignment); one held over a rollback staying as it
-- was while obj.rel loads again.
Author = db.Model("Author", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(20)),
  books = db.relationship("Book", { back_populates = "author" }),
})
Book = db.Model("Book", {
  id = db.Column(db.Integer, { primary_key = true }),
  title = db.Column(db.String(20)),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id")),
  author = db.relationship("Author", { back_populates = "books" }),
})
db.create_all()

local function titles(c)
  local t = {}
  for _, b in ipairs(c) do t[#t + 1] = b.title end
  return "[" .. table.concat(t, " ") .. "]"
end

local a = Author{ name = "a" }
local b1, b2, b3 = Book{ title = "b1" }, Book{ title = "b2" }, Book{ title = "b3" }
a.books:append(b1)
b2.author = a
a.books:append(b3)
print("list", titles(a.books), #a.books, type(a.books), rawequal(a.books, a.books))

print("-- writes that bypass append/remove")
print(select(2, pcall(table.insert, a.books, Book{ title = "b4" })))
print(select(2, pcall(function() a.books[#a.books + 1] = Book{ title = "b5" } end)))
print("still", titles(a.books))
local raw = a.books
raw[3] = nil
print("overwritten", #raw, "read again", titles(a.books), rawequal(raw, a.books))

print("-- a collection where a list is expected")
db.session:add_all(a.books)
db.session:add(a)
db.session:commit()
print("stored", Book.query:count(), Book.query:filter(Book.author_id:eq(a.id)):count())
local a2 = Author{ name = "a2" }
db.session:add(a2)
a2.books = a.books
print("moved", titles(a.books), titles(a2.books), b1.author.name)
db.session:commit()
print("committed", Book.query:filter(Book.author_id:eq(a2.id)):count())

print("-- held over a rollback")
local held = a2.books
a2.books:remove(b1)
print("removed", titles(held), b1.author)
db.session:rollback()
print("held", titles(held), "reloaded", titles(a2.books), rawequal(held, a2.books))
