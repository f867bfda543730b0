-- explore_query_column.lua — a table with a column named query (a search
-- log): the column keeps its name, so Searches.query is that column and
-- not the query property; db.reflect() says so in a note, naming what still
-- works (db.session:query(Searches)) — before, Searches.query:first() just
-- failed with "attempt to call a nil value (method 'first')". On every backend.
local orm = require "orm"
local url = os.getenv("ORMSH_TEST_URL")
if url == nil or url == "" or url:match("^sqlite") then url = db.url end
local src = orm.connect(url)
src.Model("S", { __tablename = "searches", id = src.Column(src.Integer, { primary_key = true }),
  query = src.Column(src.String(50)) })
src.create_all()
src.session:execute(src.text("INSERT INTO searches (id, query) VALUES (1, 'lua orm'), (2, 'sql')"))
src.session:commit()
src.session:close()

local names, notes = db.reflect()
print(table.concat(names, " "))
for _, n in ipairs(notes) do print("note: " .. n) end
print(db.session:query(Searches):filter(Searches.query:eq("sql")):one().id)
print(db.session:query(Searches):get(1).query)
