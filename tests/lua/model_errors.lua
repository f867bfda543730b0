-- model_errors.lua — wrong attributes and values raise db.DataError naming
-- the model, the attribute and what is valid; a typo never reads as nil.
Member = db.Model("Member", {
  id = db.Column(db.Integer, { primary_key = true }),
  email = db.Column(db.String(10), { nullable = false }),
  active = db.Column(db.Boolean),
})
local m = Member{ email = "a@x.org" }
local function try(f)
  local ok, err = pcall(f)
  print(ok, db.DataError:is(err), tostring(err))
end
try(function() m.emial = "x" end)
try(function() return m.nme end)
try(function() m.email = 42 end)
try(function() m.email = ("x"):rep(11) end)
try(function() m.active = "yes" end)
try(function() Member{ nope = 1 } end)
try(function() return Member.emial end)
m.email = ("é"):rep(10)
m.active = true
print(m.email, m.active, m.id)
print(Member.__table.name, #Member.__table.columns, Member.__table.columns[2].type)
