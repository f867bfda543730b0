-- relations_sync.lua — both sides of a relationship stay in step in memory
-- (no flush needed) for every operation; association rows follow collection
-- changes; reassigning moves a child; rollback restores collections; a
-- collection iterates with pairs and ipairs over its items only.
Author = db.Model("Author", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30)),
  books = db.relationship("Book", { back_populates = "author" }),
})
function Author:__repr() return "<A " .. self.name .. ">" end
Book = db.Model("Book", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(50)),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id")),
  author = db.relationship("Author", { back_populates = "books" }),
  stores = db.relationship("Store", { secondary = "book_store", back_populates = "books" }),
})
function Book:__repr() return "<B " .. self.name .. ">" end
Store = db.Model("Store", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(50)),
  books = db.relationship("Book", { secondary = "book_store", back_populates = "stores" }),
})
function Store:__repr() return "<S " .. self.name .. ">" end
db.Table("book_store",
  db.Column("book_id", db.Integer, db.ForeignKey("book.id")),
  db.Column("store_id", db.Integer, db.ForeignKey("store.id")))
db.create_all()
local function links() return db.session:execute(db.text("SELECT book_id, store_id FROM book_store ORDER BY 1, 2")):all() end

print("-- many-to-one set, transient objects")
local a, b = Author{ name = "ann" }, Book{ name = "one" }
b.author = a
print(a.books, b.author, a.books:contains(b), #a.books)

print("-- append on the one-to-many side")
local b2 = Book{ name = "two" }
a.books:append(b2)
print(b2.author, a.books)

print("-- save-update cascade: adding the parent adds the children")
db.session:add(a)
print(#db.session.new)
db.session:commit()
print(b.author_id, b2.author_id, b.id, b2.id)

print("-- reassign a child to another author")
local c = Author{ name = "cat" }
db.session:add(c)
b2.author = c
print(a.books, c.books, b2.author)
db.session:commit()
print(b2.author_id == c.id)

print("-- remove from the collection clears the foreign key")
a.books:remove(b)
print(a.books, b.author, b.author_id)
db.session:commit()
print(db.session:execute(db.text("SELECT count(*) FROM book WHERE author_id IS NULL")):scalar())

print("-- many-to-many both ways, association rows")
local s1, s2 = Store{ name = "amz" }, Store{ name = "flp" }
db.session:add_all{ s1, s2 }
s1.books:append(b)
s1.books:append(b2)
b.stores:append(s2)
print(s1.books, s2.books, b.stores, b2.stores)
db.session:commit()
print(links())
s1.books:remove(b)
print(s1.books, b.stores)
db.session:commit()
print(links())

print("-- rollback restores collections")
b2.stores:append(s2)
print(s2.books)
db.session:rollback()
print(s2.books, b2.stores)
print(links())

print("-- identity map shared across relationship loads")
db.session:close()
local bb = db.session:query(Book):filter_by{ name = "two" }:one()
print(rawequal(bb.author, db.session:get(Author, bb.author_id)), rawequal(bb.author.books[1], bb))

print("-- a collection is list-like: pairs, ipairs and # see the items only")
local seen = {}
for k, v in pairs(bb.author.books) do seen[#seen + 1] = math.type(k) .. ":" .. v.name end
print(table.concat(seen, " "), #bb.author.books, select("#", ipairs(bb.author.books)))
print(select(2, pcall(function() return bb.author.books.append({}, bb) end)))
