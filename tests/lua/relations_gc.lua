-- relations_gc.lua — what instances have loaded of their relationships dies
-- with them: parents holding their children and children their parent (a
-- reference cycle in the C objects) built and dropped in a loop leave memory
-- bounded; a loaded collection and a cached parent stay while the instance
-- lives (no new query), and an instance collected and loaded again starts
-- unloaded (one query).
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

-- in memory only: both sides in step, then dropped
local function build(i)
  local a = Author{ name = "a" .. i }
  for j = 1, 5 do
    local b = Book{ title = "b" .. j }
    if j % 2 == 0 then b.author = a else a.books:append(b) end
  end
  assert(#a.books == 5 and a.books[1].author == a)
end
-- stored, loaded both ways, dropped
db.session:add(Author{ name = "stored", books = { Book{ title = "x" }, Book{ title = "y" } } })
db.session:commit()
local function load()
  local a = db.session:query(Author):options(db.selectinload(Author.books)):filter_by{ name = "stored" }:one()
  for _, b in ipairs(a.books) do assert(b.author == a) end
end

local counts = {}
for round = 1, 3 do
  for i = 1, 1000 do build(i); load() end
  collectgarbage(); collectgarbage()
  counts[round] = collectgarbage("count")
end
print("bounded", counts[3] < counts[1] * 1.5 + 64)

-- kept while the instance lives
local a = db.session:query(Author):filter_by{ name = "stored" }:one()
local n = #a.books
local s0 = db.statements
collectgarbage(); collectgarbage()
print("books", n, #a.books, a.books[2].author == a, "queries", db.statements - s0)
-- collected, then loaded again: unloaded
a = nil
collectgarbage(); collectgarbage()
a = db.session:query(Author):filter_by{ name = "stored" }:one()
s0 = db.statements
print("again", #a.books, "queries", db.statements - s0)
