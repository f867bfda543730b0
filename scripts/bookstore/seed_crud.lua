-- seed_crud.lua — the tutorial's CRUD section (create, read, update,
-- delete, simple queries), run with:  ormsh --app scripts/bookstore run scripts/bookstore/seed_crud.lua
db.create_all()

-- Creating (C)
local author1 = Author{ name = "Prakritish Sen Eshore", email = "prakritish@example.com" }
local author2 = Author{ name = "Umang Vanjara", email = "umang@example.com" }
local author3 = Author{ name = "Chandan Dutta", email = "chandan@example.com" }
db.session:add(author1)
db.session:add_all{ author2, author3 }
db.session:commit()

-- Reading (R)
local author = db.session:query(Author):filter_by{ name = "Prakritish Sen Eshore" }:first()
print(author)
print(author.email)

-- Updating (U)
author = db.session:query(Author):filter_by{ email = "chandan@example.com" }:first()
print(author.name)
author.name = "Chandan Dutta Chowdhury"
db.session:commit()
local updated_author = db.session:query(Author):filter_by{ email = "chandan@example.com" }:first()
print(updated_author.name)

-- Deleting (D)
author = db.session:query(Author):filter_by{ id = 3 }:first()
print(author)
db.session:delete(author)
db.session:commit()
local author_list = db.session:query(Author):all()
print(author_list)

-- Running queries
local authors = db.session:query(Author):all()
local authors_using_example_com = db.session:query(Author):filter(Author.email:contains("example.com")):all()
print(#authors, #authors_using_example_com)
local total_users = db.session:query(db.func.count(Author.id)):scalar()
print(total_users)

db.session:close()
