-- reliability_messages.lua — bad input gets one line naming what and where:
-- a table given to filter_by names the column, a bad value bound into
-- db.text names the parameter, removing what a collection does not hold
-- names the collection, a bad busy_timeout names the option.
Author = db.Model("Author", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30)),
  books = db.relationship("Book", { backref = "author" }),
})
Book = db.Model("Book", {
  id = db.Column(db.Integer, { primary_key = true }),
  title = db.Column(db.String(30)),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id")),
})
db.create_all()
local a = Author{ name = "Ann" }
db.session:add(a)
db.session:commit()
local function try(f)
  local ok, err = pcall(f)
  print(ok, db.ArgumentError:is(err), (tostring(err):gsub("^.-:%d+: ", "")))
end
try(function() return Author.query:filter_by{ name = { 1, 2 } }:all() end)
try(function() return Author.query:filter_by{ id = 1, name = print }:first() end)
try(function() return Author.query:join(Book):filter_by{ title = {} }:all() end)
try(function() return db.session:execute(db.text("SELECT :x, :y"), { x = 1, y = {} }) end)
try(function() return db.session:execute(db.text("SELECT :x"), { x = print }) end)
try(function() a.books:remove(Book{ title = "stray" }) end)
try(function() a.books:remove(a) end)
try(function() require("orm").connect("sqlite://", { busy_timeout = "abc" }) end)
try(function() require("orm").connect("sqlite://", { busy_timeout = -5 }) end)
try(function() require("orm").connect("sqlite://", { busy_timeout = 2.5 }) end)
print(require("orm").connect("sqlite://", { busy_timeout = 10 }) ~= nil)
