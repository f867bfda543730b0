-- stream_iter.lua — for obj in q streams: the statement is read yield_per
-- rows at a time and objects already passed can be collected; objects
-- stay the identity map's ones while referenced; nested loops over one
-- query, lazy loads and writes inside a loop; a break leaves no statement
-- blocking DDL; yield_per's argument checks; queries with joins still loop.
Author = db.Model("Author", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30)),
  books = db.relationship("Book", { back_populates = "author" }),
})
Book = db.Model("Book", {
  id = db.Column(db.Integer, { primary_key = true }),
  title = db.Column(db.String(30)),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id")),
  author = db.relationship("Author", { back_populates = "books" }),
})
db.create_all()
for i = 1, 50 do
  local a = Author{ name = "a" .. i }
  a.books = i % 2 == 0 and { Book{ title = "b" .. i }, Book{ title = "c" .. i } } or { Book{ title = "b" .. i } }
  db.session:add(a)
end
db.session:commit()

local q = Author.query:order_by(Author.id):yield_per(7)
-- every row once, in order; the objects are the identity map's
local held, n, ids, same = {}, 0, 0, true
for a in q do
  n = n + 1; ids = ids + a.id
  if a.id % 10 == 0 then held[#held + 1] = a end
  if db.session:get(Author, a.id) ~= a then same = false end
end
print("rows", n, ids, same)
local all_same = true
for _, a in ipairs(held) do
  if db.session:get(Author, a.id) ~= a or Author.query:filter_by{ id = a.id }:first() ~= a then all_same = false end
end
print("held", #held, all_same)

-- objects already passed are not kept: a weak set of them empties
local seen = setmetatable({}, { __mode = "k" })
local function alive() local c = 0; for _ in pairs(seen) do c = c + 1 end; return c end
held = nil
for a in q do
  seen[a] = true
  if a.id == 40 then
    collectgarbage(); collectgarbage()
    print("alive at row 40 (7 a chunk)", alive() <= 7)
  end
end
collectgarbage(); collectgarbage()
print("left after the loop", alive())
-- the identity map let them go: a changed row reads fresh
db.session:execute(db.text("UPDATE author SET name = 'renamed' WHERE id = 3"))
print("fresh", db.session:get(Author, 3).name)

-- nested loops over the same query, and lazy loads inside
local pairs_n, books = 0, 0
for a in q do
  books = books + #a.books
  for b in q do pairs_n = pairs_n + 1 end
end
print("nested", pairs_n, "books", books)

-- a write (autoflush before the next chunk) inside the loop
local k = 0
for a in Author.query:order_by(Author.id):yield_per(5) do
  k = k + 1
  if k == 3 then db.session:add(Author{ name = "late" }) end
end
print("with a write", k, Author.query:count())

-- a break: the statement goes; DDL and writes are not blocked
for a in q do if a.id == 4 then break end end
db.session:add(Author{ name = "after break" })
db.session:commit()
print("after break", Author.query:count())
for a in q do break end
db.drop_all()
print("dropped", pcall(function() return Author.query:count() end) == false)
db.create_all()
db.session:add(Author{ name = "again" })
db.session:commit()
for a in q do print("again", a.id, a.name) end

-- a query with a join still loops (loaded at once)
db.session:add(Book{ title = "t", author_id = Author.query:first().id })
db.session:commit()
for a in Author.query:join(Book):filter(Book.title:eq("t")) do print("joined", a.name) end
-- rows of several entities
for r in db.session:query(Author.name, Author.id) do print("row", r.name, r.id) end

-- yield_per checks its argument
local function err(f) local ok, e = pcall(f); print(ok, (tostring(e):gsub("^.-:%d+: ", ""))) end
err(function() return q:yield_per(0) end)
err(function() return q:yield_per("x") end)
