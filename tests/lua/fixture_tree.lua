-- fixture_tree.lua — db.load of a table that references itself: a dump
-- lists rows by key, so a row may come before its parent (a category tree
-- re-parented under a newer one), and the load failed on that row on every
-- backend. Such a load now lets the foreign-key checks wait for its end, as
-- for a cycle between tables (fixture_cycle.lua): create_all makes the key
-- DEFERRABLE on PostgreSQL; MariaDB checks it itself before the commit. A
-- parent that does not exist still fails the load, and nothing stays.
Category = db.Model("Category", {
  id = db.Column(db.Integer, { primary_key = true }),
  parent_id = db.Column(db.Integer, db.ForeignKey("category.id")),
})
db.create_all()
db.session:add_all{ Category{ id = 1 }, Category{ id = 2 } }
db.session:commit()
Category.query:get(1).parent_id = 2
db.session:commit()
local tree = os.tmpname()
print(db.dump(tree))
db.session:close()
Category.query:delete()
db.session:commit()
print(db.load(tree), Category.query:get(1).parent_id)

local bad = os.tmpname()
local f = assert(io.open(bad, "w"))
f:write('[\n{"model": "Category", "pk": 3, "fields": {"parent_id": 4}},\n',
        '{"model": "Category", "pk": 5, "fields": {"parent_id": 99}}\n]\n')
f:close()
local ok, err = pcall(db.load, bad)
print(ok, db.IntegrityError:is(err), Category.query:count())
os.remove(tree)
os.remove(bad)
