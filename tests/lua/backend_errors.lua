-- backend_errors.lua — error classes are the same on every backend (docs/reference.md):
-- unique, foreign-key and not-null violations are IntegrityError, bad SQL and
-- missing tables ProgrammingError; a failed commit writes nothing and the
-- session goes on; update/delete count matched rows (also when nothing
-- changes); generated keys, savepoints and OFFSET without LIMIT behave alike.
Team = db.Model("Team", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(20), { unique = true, nullable = false }),
})
Player = db.Model("Player", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(20), { nullable = false }),
  score = db.Column(db.Integer, { default = 0 }),
  active = db.Column(db.Boolean, { default = true }),
  team_id = db.Column(db.Integer, db.ForeignKey("team.id")),
})
db.create_all()
local s = db.session
local classes = { "IntegrityError", "ProgrammingError", "OperationalError", "DataError" }
local function try(what, f)
  local ok, err = pcall(f)
  local cls = "none"
  if not ok then
    cls = tostring(err)
    for _, c in ipairs(classes) do if db[c]:is(err) then cls = c break end end
    s:rollback()
  end
  print(what, ok, cls, not ok and db.Error:is(err) and err.message ~= nil)
end

local a, b = Team{ name = "a" }, Team{ name = "b" }
s:add_all{ a, b }
s:commit()
print(a.id, b.id)
try("unique", function() s:add(Team{ name = "a" }) s:commit() end)
try("foreign key", function() s:add(Player{ name = "p", team_id = 999 }) s:commit() end)
try("not null", function() s:execute(db.text("INSERT INTO player (name) VALUES (:n)"), { n = db.null }) s:commit() end)
try("syntax", function() s:execute(db.text("SELEC 1")) end)
try("no table", function() s:execute(db.text("SELECT * FROM no_such_table")) end)
try("no column", function() s:execute(db.text("SELECT nope FROM team")) end)
print(s:query(Team):count(), s:query(Player):count())

-- the session is usable after each failure; keys keep coming in order
local p1, p2, p3 = Player{ name = "x", team = nil, team_id = a.id }, Player{ name = "y", team_id = b.id }, Player{ name = "z" }
s:add_all{ p1, p2, p3 }
s:commit()
print(p1.id < p2.id and p2.id < p3.id, p1.score, p1.active, p3.team_id)

-- matched rows, also when the new value equals the old one
print(s:query(Player):filter(Player.score:eq(0)):update{ score = 0 })
print(s:query(Player):filter_by{ name = "x" }:update{ score = 5 })
print(s:execute(db.text("UPDATE player SET score = score WHERE name = :n"), { n = "y" }).rowcount)
print(s:query(Player):filter_by{ name = "nobody" }:delete())
s:commit()

-- OFFSET without LIMIT, LIMIT with OFFSET, ilike, booleans
print(s:query(Player.name):order_by(Player.name):offset(1):all())
print(s:query(Player.name):order_by(Player.name):limit(1):offset(1):all())
print(s:query(Team.name):filter(Team.name:ilike("A")):all(), s:query(Player.name):filter(Player.active:eq(true)):order_by(Player.id):all())
print(math.type(s:query(db.func.count(Player.id)):scalar()), s:query(db.func.sum(Player.score)):scalar() == 5)

-- savepoints: an inner failure undoes only the savepoint
local sp = s:begin_nested()
s:add(Team{ name = "c" })
sp:rollback()
s:add(Team{ name = "d" })
s:commit()
print(s:query(Team.name):order_by(Team.name):all())

-- the object keeps its values after a failed commit and commits once fixed
local dup = Team{ name = "a" }
s:add(dup)
local ok, err = pcall(s.commit, s)
print(ok, db.IntegrityError:is(err), dup.name, dup.id, #s.new)
dup.name = "e"
s:commit()
print(s:query(Team.name):order_by(Team.name):all())
