-- ormsh_bench.lua — the benchmark workloads through ormsh, one phase a process:
--
--   ormsh --app APP run tests/bench/ormsh_bench.lua w1|w2|w3|w4lazy|w4sel|w5|chain [N]
--
-- APP is an app directory run.sh writes: for w1-w3 its models.lua defines
-- Author; for w4/w5 Author and Book with Author.books / Book.author
-- (back_populates), on the database raw_sqlite.c's w45setup filled (N authors,
-- 10 books each).
--   w1  create_all and make the N name and email strings (untimed; reported
--       as gen), then build N Author{name=, email=} objects,
--       db.session:add_all(list), db.session:commit()
--   w2  db.session:query(Author):all(), then read a.name of each
--   stream  for a in db.session:query(Author) do (streaming) reading a.name of
--       each; rss_kib is the loop's peak resident set
--   session  w1, w2 and w3 one after the other in this one process (w1 on
--       the --database given, which must be empty); every key of each
--       prefixed w1_ / w2_ / w3_, rss_kib the whole run's peak
--   w3  N db.session:get(Author, id) in this fresh session, ids in 1..N from the
--       xorshift64 sequence raw_sqlite.c and sqlalchemy_bench.py use
--   w4lazy  db.session:query(Author):all(), then touch each author's books
--       (#a.books and b.name of each): one lazy load per author
--   w4sel   the same with :options(db.selectinload(Author.books))
--   w5  N db.session:query(Author):filter_by{ email = e }:first() in this fresh
--       session, e the emails of authors 1..N in the fixed-seed shuffled order
--       raw_sqlite.c and sqlalchemy_bench.py use (each author once)
--
-- Output, one "key value" pair a line, as raw_sqlite.c prints:
--   wall  seconds of wall-clock time. Lua has no wall clock finer than a second,
--         so the clock is `date +%s%N` read through io.popen; the cost of one
--         reading (measured back to back, smallest of several) is subtracted.
--   cpu   seconds of CPU time (os.clock) over the same span
--   rows, check     what was written / read, to check the work was done
--   rss_kib         peak resident set (VmHWM) with the loaded objects alive
--   t_build, t_add_all, t_commit, t_query, t_read   w1 / w2 wall-clock splits
--   t_query, t_touch   w4 splits (query(...):all() / touching the books)
--   stmts, authors     w4: db.statements run by the timed part; authors loaded
--                      (rows counts the books touched)

local phase = arg and arg[1] or error("usage: ormsh_bench.lua w1|w2|stream|w3|w4lazy|w4sel|w5|chain [N]")
local N = math.tointeger(tonumber(arg[2] or "100000")) or error("N must be an integer")

local function stamp()
  local p = assert(io.popen("date +%s%N", "r"))
  local s = p:read("l")
  p:close()
  return math.tointeger(tonumber(s)) or error("date +%s%N gave " .. tostring(s))
end

-- the cost of one clock reading: smallest gap between two readings back to back
local function clock_cost()
  local best = math.huge
  for _ = 1, 5 do
    local a = stamp()
    local b = stamp()
    if b - a < best then best = b - a end
  end
  return best
end

local cost0 = clock_cost()
local marks = {}
local function mark(name)
  marks[#marks + 1] = { name = name, ns = stamp(), cpu = os.clock() }
end
local function secs(ns) return ns / 1e9 end

local function peak_rss_kib()
  local f = io.open("/proc/self/status", "r")
  if not f then return -1 end
  local s = f:read("a")
  f:close()
  return tonumber(s:match("VmHWM:%s*(%d+)")) or -1
end

-- each split pays one clock reading; the total pays one per mark after the first.
-- pfx (session phase): "w1_" ... before every key, and the marks start anew.
local pfx = ""
local function report(rows, check)
  local first, last = marks[1], marks[#marks]
  local total = last.ns - first.ns - (#marks - 1) * cost0
  print(("%swall %.6f"):format(pfx, secs(total)))
  print(("%scpu %.6f"):format(pfx, last.cpu - first.cpu))
  print(("%srows %d"):format(pfx, rows))
  print(("%scheck %d"):format(pfx, check))
  for i = 2, #marks do
    print(("%st_%s %.6f"):format(pfx, marks[i].name, secs(marks[i].ns - marks[i - 1].ns - cost0)))
  end
  print(("%sclock_cost %.6f"):format(pfx, secs(cost0)))
  marks = {}
end

local session = db.session

local function w1()
  db.create_all()
  -- the data exists before the workload starts (as in raw_sqlite.c)
  local g0 = stamp()
  local names, emails = {}, {}
  for i = 1, N do
    names[i] = "author" .. i
    emails[i] = "author" .. i .. "@example.com"
  end
  local gen = stamp() - g0 - cost0
  collectgarbage()
  mark("start")
  local list = {}
  for i = 1, N do
    list[i] = Author { name = names[i], email = emails[i] }
  end
  mark("build")
  session:add_all(list)
  mark("add_all")
  session:commit()
  mark("commit")
  local check = 0
  for i = 1, N do check = check + list[i].id end
  report(N, check)
  print(("%sgen %.6f"):format(pfx, secs(gen)))
end

local function w2()
  collectgarbage()
  mark("start")
  local all = session:query(Author):all()
  mark("query")
  local check = 0
  for i = 1, #all do check = check + #all[i].name end
  mark("read")
  report(#all, check)
end

local function w3()
  -- xorshift64 (13, 7, 17): Lua's shifts are logical on 64-bit integers, as in C
  local x = 88172645463325252
  local ids = {}
  for i = 1, N do
    x = x ~ (x << 13)
    x = x ~ (x >> 7)
    x = x ~ (x << 17)
    ids[i] = (x >> 11) % N + 1
  end
  collectgarbage()
  mark("start")
  local found, check = 0, 0
  for i = 1, N do
    local a = session:get(Author, ids[i])
    if a then found = found + 1; check = check + a.id end
  end
  mark("get")
  report(found, check)
end

if phase == "w1" then
  w1()

elseif phase == "w2" then
  w2()
  print(("rss_kib %d"):format(peak_rss_kib()))

elseif phase == "w3" then
  w3()

elseif phase == "session" then
  -- W1, W2, W3 one after the other in this process, the way a shell session
  -- lives: W2 loads after W1 made and dropped N objects, W3 gets after that
  pfx = "w1_"; w1()
  collectgarbage()
  pfx = "w2_"; w2()
  collectgarbage()
  pfx = "w3_"; w3()
  pfx = ""
  print(("wall 0\nrss_kib %d"):format(peak_rss_kib()))

elseif phase == "stream" then
  collectgarbage()
  mark("start")
  local rows, check = 0, 0
  for a in session:query(Author) do
    rows = rows + 1
    check = check + #a.name
  end
  mark("read")
  report(rows, check)
  print(("rss_kib %d"):format(peak_rss_kib()))

elseif phase == "w4lazy" or phase == "w4sel" then
  collectgarbage()
  local s0 = db.statements
  mark("start")
  local q = session:query(Author)
  if phase == "w4sel" then q = q:options(db.selectinload(Author.books)) end
  local all = q:all()
  mark("query")
  local books, check = 0, 0
  for i = 1, #all do
    local a = all[i]
    local bs = a.books
    local nb = #bs
    check = check + a.id * nb
    for k = 1, nb do
      local b = bs[k]
      books = books + 1
      check = check + b.id + #b.name
    end
  end
  mark("touch")
  local stmts = db.statements - s0
  report(books, check)
  print(("stmts %d"):format(stmts))
  print(("authors %d"):format(#all))

elseif phase == "chain" then
  -- a self-referential chain of N nodes, each the parent of the next (none
  -- flushed: a seed script building a deep tree), then dropped and collected
  Node = db.Model("Node", {
    id = db.Column(db.Integer, { primary_key = true }),
    parent_id = db.Column(db.Integer, db.ForeignKey("node.id")),
    parent = db.relationship("Node", { remote_side = "id", back_populates = "children" }),
    children = db.relationship("Node", { back_populates = "parent" }),
  })
  collectgarbage()
  mark("start")
  local prev = Node{}
  for _ = 1, N do
    local n = Node{}
    n.parent = prev
    prev = n
  end
  mark("build")
  local depth = 0
  for _ = 1, 3 do
    if prev then depth = depth + 1; prev = prev.parent end
  end
  prev = nil
  collectgarbage()
  collectgarbage()
  mark("free")
  report(N, depth)

elseif phase == "w5" then
  -- authors 1..N shuffled (Fisher-Yates, xorshift64 from the same seed as w3)
  local x = 88172645463325252
  local ids = {}
  for i = 1, N do ids[i] = i end
  for i = N, 2, -1 do
    x = x ~ (x << 13)
    x = x ~ (x >> 7)
    x = x ~ (x << 17)
    local j = (x >> 11) % i + 1
    ids[i], ids[j] = ids[j], ids[i]
  end
  local emails = {}
  for i = 1, N do emails[i] = "author" .. ids[i] .. "@example.com" end
  collectgarbage()
  local s0 = db.statements
  mark("start")
  local found, check = 0, 0
  for i = 1, N do
    local a = session:query(Author):filter_by{ email = emails[i] }:first()
    if a then found = found + 1; check = check + a.id + #a.name end
  end
  mark("filter")
  local stmts = db.statements - s0
  report(found, check)
  print(("stmts %d"):format(stmts))

else
  error("unknown phase " .. tostring(phase))
end
