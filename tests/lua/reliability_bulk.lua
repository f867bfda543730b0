-- reliability_bulk.lua — a bulk update refreshes the loaded objects it
-- matched in time linear in their number: with 80,000 loaded it took 15-20 s
-- (each refresh's SELECT autoflushed, walking every object touched so far);
-- now well under a second. CPU time (os.clock) with a generous bound.
Item = db.Model("Item", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(20)),
  n = db.Column(db.Integer),
})
db.create_all()
local N = 80000
for i = 1, N do db.session:add(Item{ name = "a", n = i }) end
db.session:commit()
local loaded = Item.query:all()
local t0 = os.clock()
print("matched", Item.query:filter(Item.n:gt(10)):update{ name = "b", n = Item.n + 1 })
local dt = os.clock() - t0
print("fast", dt < 4, dt < 4 or dt)
print(loaded[1].name, loaded[1].n, loaded[N].name, loaded[N].n)
db.session:rollback()
print(loaded[N].name, loaded[N].n, Item.query:filter(Item.name:eq("b")):count())
