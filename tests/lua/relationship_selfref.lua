-- relationship_selfref.lua — self-referential many-to-one the SQLAlchemy
-- way: remote_side names the far end (the referenced key: many-to-one; the
-- foreign key: one-to-many), as a name, a column or a function; without it,
-- primaryjoin's left operand is the near end. Unknown options and a
-- remote_side naming neither end are ArgumentErrors.
Emp = db.Model("Emp", {
  EmployeeId = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30)),
  ReportsTo = db.Column(db.Integer, db.ForeignKey("emp.EmployeeId")),
  manager = db.relationship("Emp", { remote_side = "EmployeeId", back_populates = "reports" }),
  reports = db.relationship("Emp", { back_populates = "manager", order_by = "name" }),
  boss = db.relationship("Emp", { primaryjoin = function() return Emp.ReportsTo:eq(Emp.EmployeeId) end }),
  team = db.relationship("Emp", { primaryjoin = function() return Emp.EmployeeId:eq(Emp.ReportsTo) end,
                                  order_by = "name" }),
  chief = db.relationship("Emp", { remote_side = function() return Emp.EmployeeId end }),
  staff = db.relationship("Emp", { remote_side = { "ReportsTo" }, order_by = "name" }),
})
function Emp:__repr() return "<E " .. self.name .. ">" end
db.create_all()

local big = Emp{ name = "big" }
local e1, e2 = Emp{ name = "e1" }, Emp{ name = "e2" }
e1.manager = big
big.reports:append(e2)
print(e1.manager, e2.manager, big.reports, big.manager)
db.session:add(big)
db.session:commit()
print(e1.ReportsTo == big.EmployeeId, e2.ReportsTo == big.EmployeeId, big.ReportsTo)
db.session:close()

local e = Emp.query:filter_by{ name = "e1" }:one()
print(e.manager, e.boss, e.chief)
local b = Emp.query:filter_by{ name = "big" }:one()
print(b.reports, b.team, b.staff, b.boss)

print("-- unknown option")
local ok, err = pcall(db.relationship, "Emp", { nonsense_option = 1 })
print(ok, db.ArgumentError:is(err), err.message)
print("-- remote_side naming neither end, or no column")
local Bad = db.Model("Bad", {
  id = db.Column(db.Integer, { primary_key = true }),
  label = db.Column(db.String(10)),
  parent_id = db.Column(db.Integer, db.ForeignKey("bad.id")),
  parent = db.relationship("Bad", { remote_side = "label" }),
  other = db.relationship("Bad", { remote_side = "nope" }),
})
ok, err = pcall(function() return Bad{ label = "x" }.parent end)
print(ok, db.ArgumentError:is(err), err.message)
ok, err = pcall(function() return Bad{ label = "x" }.other end)
print(ok, db.ArgumentError:is(err), err.message)
