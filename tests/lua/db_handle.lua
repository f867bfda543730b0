-- db_handle.lua — the db handle's helpers: db.transaction commits or rolls
-- back and re-raises; create_all is idempotent and drop_all removes every
-- table; tostring(db) and db.url; Model.query; relationships disambiguated
-- with foreign_keys and with primaryjoin (an Expr, or a function for a model
-- defined later).
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
print(tostring(db), db.url)
db.create_all()
db.create_all()
local function count(t) return db.session:scalar(db.text("SELECT count(*) FROM " .. t)) end

print(db.transaction(function() db.session:add(Parent{}); return "done" end), count("parent"))
local ok, err = pcall(db.transaction, function() db.session:add(Parent{}); error("boom", 0) end)
print(ok, err, count("parent"), #db.session.new)

local p = Parent.query:first()
local k = Kid{}
k.parent = p
k.other = p
db.session:add(k)
db.session:commit()
print(k.parent_id, k.other_id, #p.kids, p.kids[1] == k)

db.drop_all()
print(db.session:scalar(db.text("SELECT count(*) FROM sqlite_master WHERE type = 'table'")))
