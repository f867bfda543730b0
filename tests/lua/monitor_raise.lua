-- monitor_raise.lua — nplus1 = "raise": a lazy load on an object that a
-- query loaded together with other rows is an ArgumentError naming the
-- relationship and the line that touched it (inside a function too); an
-- object loaded alone, and eager loading, still work.
dofile("monitor_app/fixture.lua")
local function count_books(list)
  local n = 0
  for _, a in ipairs(list) do
    n = n + #a.books -- line 9
  end
  return n
end
local ok, err = pcall(count_books, Author.query:order_by(Author.id):all())
print(ok, db.ArgumentError:is(err))
print(err.message)
-- many-to-one too (authors no longer in the identity map, so the load needs a query)
db.session:close()
ok, err = pcall(function() return Book.query:all()[1].author end)
print(ok, err.message)
-- alone: fine
db.session:close()
print(#Author.query:filter_by{ name = "a1" }:first().books)
print(#db.session:get(Author, 2).books)
-- eager: fine
db.session:close()
print(count_books(Author.query:options(db.selectinload(Author.books)):all()))
print(db.metrics():match('ormsh_nplus1_total{relationship="Author.books"} (%d+)'))
