-- tutorial_relations.lua — the tutorial's relationship section on the
-- bookstore app: one-to-many, many-to-one and many-to-many, each printed.
db.create_all()
db.session:add_all{
  Author{ name = "Prakritish Sen Eshore", email = "prakritish@example.com" },
  Author{ name = "Umang Vanjara", email = "umang@example.com" },
}
db.session:commit()

local author1 = db.session:query(Author):filter_by{ name = "Prakritish Sen Eshore" }:first()
local author2 = db.session:query(Author):filter_by{ name = "Umang Vanjara" }:first()
print(author1, author2)
local book1 = Book("Ansible Refresher")
local book2 = Book("Exploring SQLAlchemy")
local book3 = Book("Effective Communication")
db.session:add_all{ book1, book2, book3 }
book1.author = author1
book2.author = author1
book3.author = author2
print(author1.books) -- in step before any flush
db.session:commit()

-- One to Many
local author = db.session:query(Author):filter_by{ name = "Prakritish Sen Eshore" }:first()
print(author)
print(author.books)
-- Many to One
local book = db.session:query(Book):filter_by{ name = "Effective Communication" }:first()
print(book)
print(book.author)

-- Many to Many
local store1 = Store("Amazon")
local store2 = Store("Flipkart")
db.session:add_all{ store1, store2 }
local books = db.session:query(Book):all()
print(books)
for _, b in ipairs(books) do
  store1.books:append(b)
  if b.name ~= "Effective Communication" then
    store2.books:append(b)
  end
end
db.session:commit()
db.session:close()

store1 = db.session:query(Store):filter_by{ name = "Amazon" }:first()
print(store1)
print(store1.books)
store2 = db.session:query(Store):filter_by{ name = "Flipkart" }:first()
print(store2)
print(store2.books)
book = db.session:query(Book):filter_by{ name = "Exploring SQLAlchemy" }:first()
print(book)
print(book.stores)
print(db.session:execute(db.text("SELECT count(*) FROM book_to_store_map")):scalar())
