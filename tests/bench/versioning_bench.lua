-- versioning_bench.lua — what optimistic locking and history tables cost,
-- one phase a process on a fresh SQLite database:
--
--   ormsh --database sqlite:///DB run versioning_bench.lua MODE PHASE N
--
-- MODE: plain (no versioning), vid (__version_id = "version"), versioned
-- (__versioned = true). PHASE: w1 (build N Author objects, add_all, commit:
-- timed) or upd (insert N rows untimed, then change the name of each of the
-- N loaded objects and commit: timed). Prints "wall SECONDS".
local mode, phase = arg[1], arg[2]
local N = math.tointeger(tonumber(arg[3] or "100000"))
local fields = {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30)),
  email = db.Column(db.String(40)),
  version = db.Column(db.Integer),
}
if mode == "vid" then fields.__version_id = "version" end
if mode == "versioned" then fields.__versioned = true end
Author = db.Model("Author", fields)
db.create_all()

local function stamp()
  local p = assert(io.popen("date +%s%N", "r"))
  local s = p:read("l")
  p:close()
  return math.tointeger(tonumber(s))
end

local s = db.session
local function build()
  local list = {}
  for i = 1, N do list[i] = Author{ name = "author " .. i, email = "a" .. i .. "@example.com" } end
  return list
end
local t0, t1
if phase == "w1" then
  t0 = stamp()
  s:add_all(build())
  s:commit()
  t1 = stamp()
else
  s:add_all(build())
  s:commit()
  local all = s:query(Author):all()
  t0 = stamp()
  for i = 1, #all do all[i].name = "renamed " .. i end
  s:commit()
  t1 = stamp()
end
print(("wall %.4f"):format((t1 - t0) / 1e9))
