-- seeds.lua — the bookstore's starting data, safe to run again:
--   ormsh --app scripts/bookstore db seed            (twice gives the same rows)
--   ormsh --app scripts/bookstore db seed --dry-run  (what it would write)
-- `db seed` runs it in one transaction: everything or nothing.
db.create_all()

local authors = {
  { email = "prakritish@example.com", name = "Prakritish Sen Eshore" },
  { email = "umang@example.com", name = "Umang Vanjara" },
  { email = "chandan@example.com", name = "Chandan Dutta" },
}
local by_email = {}
for _, a in ipairs(authors) do
  -- the email identifies an author; the name is brought up to date
  by_email[a.email] = Author:update_or_create({ email = a.email }, { name = a.name })
end

local books = {
  { "Python for Data Analysis", "prakritish@example.com" },
  { "Flask Web Development", "umang@example.com" },
  { "SQL Basics", "chandan@example.com" },
}
local book_by_name = {}
for _, b in ipairs(books) do
  book_by_name[b[1]] = Book:get_or_create({ name = b[1] }, { author_id = by_email[b[2]].id })
end

local stores = { "Sapna Book House", "Higginbothams", "Crossword" }
local store_by_name = {}
for _, name in ipairs(stores) do
  store_by_name[name] = Store:get_or_create({ name = name })
end

-- which store sells which book: rows of the map table, each once
local stock = {
  { "Python for Data Analysis", "Sapna Book House" },
  { "Python for Data Analysis", "Crossword" },
  { "Flask Web Development", "Higginbothams" },
  { "SQL Basics", "Crossword" },
}
for _, s in ipairs(stock) do
  BookToStoreMap:get_or_create({ book_id = book_by_name[s[1]].id, store_id = store_by_name[s[2]].id })
end
