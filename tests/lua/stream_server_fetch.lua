-- stream_server_fetch.lua — a streaming loop on a server reads its rows a
-- chunk at a time (PostgreSQL: a cursor, FETCH; MariaDB: a cursor of the
-- prepared statement, STMT_ATTR_PREFETCH_ROWS) while other statements run
-- between its chunks: reads, writes, a commit every few rows; a break; a
-- loop inside a loop; the statement used again for a plain all().
Author = db.Model("Author", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30)),
  bio = db.Column(db.Text),
})
db.create_all()
for i = 1, 30 do db.session:add(Author{ name = "a" .. i, bio = string.rep("x", i * 20) }) end
db.session:commit()

local q = Author.query:order_by(Author.id):yield_per(4)
local seen, ids, bio = 0, 0, 0
for a in q do
  seen = seen + 1
  ids = ids + a.id
  bio = bio + #a.bio -- longer than any first guess of a buffer
  if a.id % 7 == 0 then local _ = db.session:get(Author, 1).name end
end
print("rows", seen, ids, bio)

local n = 0
for a in q do
  n = n + 1
  a.name = "renamed" .. a.id
  if n % 5 == 0 then db.session:commit() end
end
db.session:commit()
print("renamed with commits inside", n, Author.query:filter(Author.name:like("renamed%")):count())

local pairs_n = 0
for a in Author.query:filter(Author.id:le(5)):order_by(Author.id):yield_per(2) do
  for b in Author.query:filter(Author.id:le(3)):order_by(Author.id):yield_per(2) do pairs_n = pairs_n + 1 end
end
print("nested", pairs_n)

for a in q do if a.id == 3 then break end end
collectgarbage()
db.session:add(Author{ name = "after break" })
db.session:commit()
print("after break", Author.query:count(), #q:all(), q:first().name)
