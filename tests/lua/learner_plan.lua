-- learner_plan.lua — db.session:plan() lists, without writing anything, the
-- statements the next flush would run: inserts parents first (rows of a
-- table in the order they were added), then updates, then deletes children
-- first, each with its parameters in the --echo format; it prints one
-- statement a line. The database and the pending state are the same after.
Author = db.Model("Author", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30)),
  email = db.Column(db.String(30), { unique = true, nullable = false }),
  books = db.relationship("Book", { back_populates = "author" }),
})
Book = db.Model("Book", {
  id = db.Column(db.Integer, { primary_key = true }),
  title = db.Column(db.String(50), { nullable = false }),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id")),
  author = db.relationship("Author", { back_populates = "books" }),
})
db.create_all()
-- PostgreSQL's $1 placeholders shown as on SQLite and MySQL
local function show(plan)
  for _, line in ipairs(plan) do print((line:gsub("%$%d+", "?"))) end
end
local function count(model) return model.query:count() end

print(#db.session:plan(), tostring(db.session:plan()) == "")

local a = Author{ name = "Umang", email = "u@example.com" }
db.session:add(a)
db.session:commit()

-- a book (child table) added before an author (parent table): the author's
-- INSERT still comes first
db.session:add(Book{ title = "Lua", author_id = a.id })
db.session:add(Author{ name = "Ana", email = "ana@example.com" })
a.name = "Umang R"
local plan = db.session:plan()
show(plan)
-- it printed one statement a line
local text = tostring(plan)
print(select(2, text:gsub("\n", "")) + 1 == #plan)
-- nothing was written; the changes are still pending
print(#db.session.new, #db.session.dirty)
local other = require("orm").connect(db.url)
print(other.session:execute(db.text("SELECT count(*) FROM book")):scalar(),
      other.session:execute(db.text("SELECT name FROM author WHERE id = :id"), { id = a.id }):scalar())
other.session:rollback()
db.session:commit()
print(count(Author), count(Book))

-- deletes: children first (the book was deleted after the author)
local b, ana = Book.query:first(), Author.query:filter_by{ name = "Ana" }:one()
db.session:delete(ana)
db.session:delete(b)
show(db.session:plan())
db.session:rollback()
print(#db.session:plan())
