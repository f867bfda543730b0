-- relations_cascade.lua — delete without a cascade nulls the children's
-- foreign key (as SQLAlchemy does); cascade "all, delete-orphan" deletes
-- children with the parent and orphans removed from the collection;
-- many-to-many links go with a deleted object.
Author = db.Model("Author", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30)),
  books = db.relationship("Book", { backref = "author" }),
  notes = db.relationship("Note", { cascade = "all, delete-orphan", order_by = "-id" }),
})
Book = db.Model("Book", {
  id = db.Column(db.Integer, { primary_key = true }),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id")),
})
Note = db.Model("Note", {
  id = db.Column(db.Integer, { primary_key = true }),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id", { ondelete = "CASCADE" })),
  text = db.Column(db.Text),
})
Tag = db.Model("Tag", {
  id = db.Column(db.Integer, { primary_key = true }),
  notes = db.relationship("Note", { secondary = "note_tag", backref = "tags" }),
})
NoteTag = db.Model("NoteTag", {
  __tablename = "note_tag",
  note_id = db.Column(db.Integer, db.ForeignKey("note.id"), { primary_key = true }),
  tag_id = db.Column(db.Integer, db.ForeignKey("tag.id"), { primary_key = true }),
})
db.create_all()
local function q(sql) return db.session:execute(db.text(sql)):scalar() end

local a = Author{ name = "ann" }
a.books = { Book{}, Book{} }
a.notes = { Note{ text = "x" }, Note{ text = "y" }, Note{ text = "z" } }
local t = Tag{}
t.notes:append(a.notes[1])
db.session:add_all{ a, t }
db.session:commit()
print(#a.books, a.books[1].author == a, #a.notes, a.notes[1].tags[1] == t)
print(q("SELECT count(*) FROM note_tag"))

-- order_by = "-id" on reload
db.session:close()
a = db.session:get(Author, 1)
local ids = {}
for n in a.notes:iter() do ids[#ids + 1] = n.id end
print(table.concat(ids, " "))

-- delete-orphan: removing a note deletes it
local orphan = a.notes[1]
a.notes:remove(orphan)
db.session:commit()
print(q("SELECT count(*) FROM note"), #a.notes)

-- deleting the author: books are kept with author_id NULL, notes deleted,
-- and the deleted notes' tag links removed first
db.session:delete(a)
db.session:commit()
print(q("SELECT count(*) FROM book"), q("SELECT count(*) FROM book WHERE author_id IS NULL"))
print(q("SELECT count(*) FROM note"), q("SELECT count(*) FROM note_tag"), q("SELECT count(*) FROM author"))
