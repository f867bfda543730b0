-- db_handle.lua — the db handle's helpers: db.transaction commits or rolls
-- back and re-raises (a failing commit's own error too); create_all is idempotent (the ORM's schema diff finds
-- nothing to do) and drop_all removes every table (the diff would create
-- both again); tostring(db) shows db.url, the URL the harness passed (with
-- no password); Model.query; relationships disambiguated with foreign_keys
-- and with primaryjoin (an Expr, or a function for a model defined later).
Parent = db.Model("Parent", {
  id = db.Column(db.Integer, { primary_key = true }),
  kids = db.relationship("Kid", { primaryjoin = function() return Kid.parent_id:eq(Parent.id) end }),
})
Kid = db.Model("Kid", {
  id = db.Column(db.Integer, { primary_key = true }),
  parent_id = db.Column(db.Integer, db.ForeignKey("parent.id")),
  other_id = db.Column(db.Integer, db.ForeignKey("parent.id")),
  parent = db.relationship("Parent", { foreign_keys = "parent_id" }),
  other = db.relationship("Parent", { foreign_keys = { "other_id" } }),
})
local url = (os.getenv("ORMSH_TEST_URL") or "sqlite://"):gsub("^(%a[%w+.-]*://[^:@/]*):[^@]*@", "%1@")
print(tostring(db) == "<Database " .. db.url .. ">", db.url == url)
db.create_all()
db.create_all()
local migrate = require("orm").migrate
print(migrate.diff(db).n)
local function count(t) return db.session:scalar(db.text("SELECT count(*) FROM " .. t)) end

print(db.transaction(function() db.session:add(Parent{}); return "done" end), count("parent"))
local ok, err = pcall(db.transaction, function() db.session:add(Parent{}); error("boom", 0) end)
print(ok, err, count("parent"), #db.session.new)
-- the commit itself fails: its error (it read "OperationalError: out of memory",
-- the rollback having cleared it), and nothing stays
ok, err = pcall(db.transaction, function() db.session:add(Parent{ id = 1 }) end)
print(ok, db.IntegrityError:is(err), count("parent"), #db.session.new)

local p = Parent.query:first()
local k = Kid{}
k.parent = p
k.other = p
db.session:add(k)
db.session:commit()
print(k.parent_id, k.other_id, #p.kids, p.kids[1] == k)

db.drop_all()
local tables = {}
for _, op in ipairs(migrate.diff(db).ops) do tables[#tables + 1] = op:match('^op%.create_table%("([^"]+)"') or op end
print(#tables, table.concat(tables, " "))
