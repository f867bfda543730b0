-- relationship_backref.lua — a backref attribute exists on the other class
-- as soon as both classes are defined, before either side is touched: on
-- instances (read, constructor, assignment) and on the class (joins, loader
-- options), whichever class is defined first.
Author = db.Model("Author", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30)),
})
function Author:__repr() return "<A " .. self.name .. ">" end
Book = db.Model("Book", {
  id = db.Column(db.Integer, { primary_key = true }),
  title = db.Column(db.String(30)),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id")),
  author = db.relationship("Author", { backref = "books" }),
})
function Book:__repr() return "<B " .. self.title .. ">" end
-- the declaring class first, the target later
Shelf = db.Model("Shelf", {
  id = db.Column(db.Integer, { primary_key = true }),
  label = db.Column(db.String(30)),
  room_id = db.Column(db.Integer, db.ForeignKey("room.id")),
  room = db.relationship("Room", { backref = "shelves" }),
})
Room = db.Model("Room", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30)),
})
db.create_all()

print("-- read on a new instance, before Book.author is touched")
local a = Author{ name = "ann" }
print(a.books, #a.books)
print("-- in the constructor and by assignment")
local a2 = Author{ name = "bob", books = { Book{ title = "one" } } }
print(a2.books, a2.books[1].author)
local b = Book{ title = "two" }
a.books = { b }
print(b.author, a.books)
print("-- the class attribute, for joins and options")
print(tostring(Author.books), tostring(Room.shelves))
db.session:add_all{ a, a2 }
db.session:commit()
db.session:close()
print(Author.query:join(Author.books):filter(Book.title:eq("one")):one())
local all = Author.query:options(db.selectinload(Author.books)):order_by(Author.id):all()
print(all[1].books, all[2].books)
print("-- target defined after the declaring class")
local r = Room{ name = "hall", shelves = { Shelf{ label = "s1" } } }
db.session:add(r)
db.session:commit()
print(r.shelves[1].room == r, r.shelves[1].room_id == r.id)
print("-- an instance made before its class had any relationship")
Writer = db.Model("Writer", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30)),
})
local early = Writer{ name = "early" }
Essay = db.Model("Essay", {
  id = db.Column(db.Integer, { primary_key = true }),
  title = db.Column(db.String(30)),
  writer_id = db.Column(db.Integer, db.ForeignKey("writer.id")),
  writer = db.relationship("Writer", { backref = "essays" }),
})
db.create_all()
early.essays:append(Essay{ title = "e1" })
collectgarbage()
print(#early.essays, early.essays[1].writer == early)
db.session:add(early)
db.session:commit()
local held = early.essays
db.session:rollback()
print(#early.essays, early.essays[1].title, early.essays ~= held)
