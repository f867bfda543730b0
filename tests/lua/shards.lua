-- shards.lua — horizontal shards (SQLite files; on a server the test
-- database and a second database made here): writes go to the shard
-- shard_by names, queries run on every shard merged in order_by order with
-- limit/offset after the merge, count/sum/min/max combined and other
-- aggregates refused, identity by (shard, key), get across shards,
-- relationships within a shard, echo naming the shard, create_all/drop_all
-- on every shard.
local orm = require "orm"
local backend = os.getenv("ORMSH_TEST_BACKEND") or "sqlite"
local url = os.getenv("ORMSH_TEST_URL")
local shards
if backend == "sqlite" then
  shards = { eu = "sqlite:///eu.db", us = "sqlite:///us.db" }
else
  -- a second database on the same server, next to the test's own
  local name = url:match("/([^/?]+)$")
  local second = name .. "_us"
  if backend == "mysql" then
    local admin = orm.connect(url)
    admin.session:execute(admin.text("DROP DATABASE IF EXISTS " .. second))
    admin.session:execute(admin.text("CREATE DATABASE " .. second))
    admin.session:commit()
    admin = nil; collectgarbage()
  else -- outside a transaction block: psql (the password is in PGPASSWORD)
    for _, sql in ipairs{ "DROP DATABASE IF EXISTS " .. second, "CREATE DATABASE " .. second } do
      assert(os.execute(("psql -q -X -d '%s' -c '%s' >/dev/null"):format(url, sql)))
    end
  end
  shards = { eu = url, us = url:gsub("/[^/?]+$", "/" .. second) }
end

local routed = {}
local db = orm.connect(url or "sqlite://", {
  shards = shards,
  shard_by = function(model, obj)
    routed[#routed + 1] = model
    if model == "Author" then return obj.region end
    return "eu"
  end })
local Author = db.Model("Author", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(40)),
  region = db.Column(db.String(2)),
  books = db.relationship("Book", { back_populates = "author" }) })
local Book = db.Model("Book", {
  id = db.Column(db.Integer, { primary_key = true }),
  title = db.Column(db.String(40)),
  price = db.Column(db.Numeric(8, 2)),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id")),
  author = db.relationship("Author", { back_populates = "books" }) })
db.drop_all()
db.create_all()

local function names(list)
  local t = {}
  for i, a in ipairs(list) do t[i] = a.name .. "@" .. a.region end
  return table.concat(t, " ")
end

for _, n in ipairs{ {"Ann","eu"}, {"Bob","us"}, {"Cid","eu"}, {"Dan","us"}, {"Eve","us"} } do
  db.session:add(Author{ name = n[1], region = n[2] })
end
db.session:commit()
print("routed", #routed, routed[1])
print("eu", names(db.session:query(Author):shard("eu"):order_by(Author.id):all()))
print("us", names(db.session:query(Author):shard("us"):order_by(Author.id):all()))

-- merge order, limit/offset after the merge
print("by name", names(db.session:query(Author):order_by(Author.name):all()))
print("desc 2 from 1", names(db.session:query(Author):order_by(Author.name:desc()):limit(2):offset(1):all()))
print("by id, name", names(db.session:query(Author):order_by(Author.id, Author.name:desc()):all()))
print("first", db.session:query(Author):order_by(Author.name:desc()):first().name)
print("offset 3", names(db.session:query(Author):order_by("name"):offset(3):all()))
print("columns", db.session:query(Author.name, Author.region):order_by(Author.name:desc()):limit(2):all())
print("filter", names(db.session:query(Author):filter(Author.name:gt("B")):order_by(Author.name):limit(2):all()))

-- count and aggregates
print("count", db.session:query(Author):count(), db.session:query(Author):shard("eu"):count())
print("count limited", db.session:query(Author):order_by(Author.name):limit(3):offset(1):count())
print("count offset 4", db.session:query(Author):offset(4):count())
print("aggregates", db.session:query(db.func.count(Author.id), db.func.max(Author.name), db.func.min(Author.name)):one())
print("scalar", db.session:scalar(db.select(db.func.count(Author.id))))
print(pcall(function() return db.session:query(db.func.avg(Author.id)):scalar() end))
print(pcall(function() return db.session:query(Author.region, db.func.count(Author.id)):group_by(Author.region):all() end))
print("group on one shard", db.session:query(Author.region, db.func.count(Author.id)):group_by(Author.region):shard("us"):all())

-- identity by (shard, key); get across shards
print(pcall(db.session.get, db.session, Author, 1))
print("get 3", db.session:get(Author, 3).name)
print("get 9", db.session:get(Author, 9))
local a1 = db.session:get(Author, 1, { shard = "eu" })
local b1 = db.session:get(Author, 1, { shard = "us" })
print("same key, two objects", a1.name, b1.name, rawequal(a1, b1))
print("identity", rawequal(a1, db.session:query(Author):shard("eu"):filter_by{ id = 1 }:first()),
  rawequal(b1, db.session:query(Author):filter(Author.name:eq("Bob")):one()))
print(pcall(db.session.get, db.session, Author, 1, { shard = "mars" }))
print(pcall(function() return db.session:query(Author):shard("mars") end))

-- relationships within a shard: a book goes where its author is
local book = Book{ title = "T1", price = "5.25", author = b1 }
db.session:add(book)
db.session:add(Book{ title = "T2", price = "10.50", author = a1 })
db.session:commit()
print("books", db.session:query(Book):shard("us"):count(), db.session:query(Book):shard("eu"):count())
print("lazy", #b1.books, b1.books[1].title, book.author.name)
print("sum", db.session:query(db.func.sum(Book.price)):scalar())
print("max price", db.session:query(db.func.max(Book.price)):scalar())

-- echo names the shard
db.echo = true
db.session:query(Book):order_by(Book.title):all()
db.echo = false

-- an update and a delete go to the object's shard
b1.name = "Bobby"
db.session:delete(a1)
db.session:commit()
print("after", names(db.session:query(Author):order_by(Author.name):all()))
print("eu now", db.session:query(Author):shard("eu"):count())
print("bulk update", db.session:query(Author):filter(Author.name:ne("Cid")):update{ region = "zz" },
  db.session:query(Author):shard("eu"):filter(Author.name:ne("Cid")):delete())
db.session:commit()
print("bulk after", names(db.session:query(Author):order_by(Author.name):all()))

-- a failing commit names its shard and leaves the session usable
db.session:add(Author{ id = 2, name = "Dup", region = "us" })
local ok, err = pcall(db.session.commit, db.session)
print(ok, db.IntegrityError:is(err), (tostring(err):match("shard us")))
db.session:rollback()

-- a bad shard_by result
print(pcall(db.session.add, db.session, Author{ name = "Zed", region = "xx" }))
print(pcall(orm.connect, "sqlite://", { shards = { eu = "sqlite:///eu.db" } }))
print(pcall(orm.connect, "sqlite://", { shards = {}, shard_by = print }))

db.drop_all()
local ok, err = pcall(function() return db.session:query(Author):count() end)
print("dropped", ok, err.message:match("^shard eu: ") ~= nil)
