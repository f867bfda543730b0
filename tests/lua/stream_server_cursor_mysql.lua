-- stream_server_cursor_mysql.lua — on MariaDB a streaming loop reads its
-- rows through a cursor of the prepared statement, yield_per rows a
-- COM_STMT_FETCH, instead of taking the whole result into the client
-- first: the session's fetch count grows with the chunks read (one per
-- yield_per rows, and a break stops it), and a query that does not stream
-- (all()) fetches none.
Author = db.Model("Author", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30)),
})
db.create_all()
for i = 1, 25 do db.session:add(Author{ name = "a" .. i }) end
db.session:commit()

local function fetches()
  return tonumber(db.session:scalar(db.text(
    "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'COM_STMT_FETCH'")))
end

local f0 = fetches()
local seen, ids = 0, 0
for a in Author.query:order_by(Author.id):yield_per(4) do
  seen = seen + 1
  ids = ids + a.id
end
local f1 = fetches()
print("streamed", seen, ids, "fetches", f1 - f0 >= 7)

for a in Author.query:order_by(Author.id):yield_per(4) do
  if a.id == 2 then break end
end
local f2 = fetches()
print("a break stops fetching", f2 - f1 >= 1 and f2 - f1 <= 2)

local all = Author.query:order_by(Author.id):all()
print("all()", #all, "fetches", fetches() - f2)
