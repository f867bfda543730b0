-- stream_server_cursor.lua — on PostgreSQL a streaming loop reads its rows
-- through a server-side cursor, yield_per rows a FETCH, instead of taking
-- the whole result into the client first: the cursor is there while the
-- loop runs (pg_cursors) and gone after it ends or breaks; other statements
-- run between its chunks; a commit inside the loop does not end it (WITH
-- HOLD); a query that does not stream (all()) opens none.
Author = db.Model("Author", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30)),
})
db.create_all()
for i = 1, 25 do db.session:add(Author{ name = "a" .. i }) end
db.session:commit()

local function cursors()
  return db.session:scalar(db.text("SELECT count(*) FROM pg_cursors WHERE name LIKE 'orm_cur_%'"))
end

local seen, most, ids = 0, 0, 0
for a in Author.query:order_by(Author.id):yield_per(4) do
  seen = seen + 1
  ids = ids + a.id
  most = math.max(most, cursors())
end
print("rows", seen, ids, "cursors while looping", most, "after", cursors())

-- writes and commits between the chunks
local n = 0
for a in Author.query:order_by(Author.id):yield_per(5) do
  n = n + 1
  a.name = "renamed" .. a.id
  if n % 5 == 0 then db.session:commit() end
end
db.session:commit()
print("renamed", n, Author.query:filter(Author.name:like("renamed%")):count(), "cursors", cursors())

-- a break closes it
for a in Author.query:yield_per(3) do
  if a.id == 2 then break end
end
collectgarbage()
db.session:add(Author{ name = "after break" })
db.session:commit()
print("after break", Author.query:count(), "cursors", cursors())

-- all() and first() take their rows at once
local all = Author.query:all()
print("all", #all, "cursors", cursors())
