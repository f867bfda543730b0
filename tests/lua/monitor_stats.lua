-- monitor_stats.lua — statement statistics, the slow log, the N+1 hint and
-- counter, and the Prometheus exposition, with exact figures: a known mix
-- of statements (12 INSERTs, one SELECT of 12 rows, 12 lazy loads of which
-- 3 find rows), one failing INSERT, one slow statement (over slow_ms = 200).
dofile("monitor_app/fixture.lua") -- 12 authors, the first 3 with a book
db.stats_reset()
print(#db.stats())

-- the mix: one SELECT of 12 rows, then a lazy load per author (N+1)
local nbooks = 0
for _, a in ipairs(Author.query:order_by(Author.id):all()) do
  nbooks = nbooks + #a.books -- line 12: the N+1 hint names it
end
print("books", nbooks)

-- one failure
db.session:add(Author{ name = "a1" })
local ok, err = pcall(db.session.commit, db.session)
print(ok, db.IntegrityError:is(err))
db.session:rollback()

-- one slow statement (over 200 ms on every backend)
local backend = db.url:match("^(%a+)")
local slow = backend == "sqlite"
    and "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < :n) SELECT count(*) FROM c WHERE randomblob(16) IS NOT NULL"
  or backend == "postgresql" and "SELECT count(*) FROM (SELECT pg_sleep(0.3), :n) AS s"
  or "SELECT count(*) FROM (SELECT SLEEP(0.3), :n AS n) AS s"
-- SQLite: 5,000,000 rows take about a second here, 1,000,000 were under 200 ms on a fast machine
local n = backend == "sqlite" and 5000000 or 1000000
print("slow", db.session:scalar(db.text(slow), { n = n }) >= 1)

-- the rows: sql, calls, rows, total_ms, mean_ms, max_ms, errors
local rows = db.stats()
local function find(pat)
  for _, r in ipairs(rows) do if r.sql:find(pat) then return r end end
end
local sel = find("^SELECT author%.id, author%.name FROM author ORDER BY")
local lazy = find("^SELECT book%.")
local ins = find("^INSERT INTO [`\"]?author")
local sl = find("count%(%*%)")
print("select", sel.calls, sel.rows, sel.errors)
print("lazy", lazy.calls, lazy.rows, lazy.errors)
print("insert", ins.calls, ins.errors)
print("slow", sl.calls, sl.rows, sl.errors, sl.max_ms >= 200, sl.total_ms >= 200)
local sorted, consistent = true, true
for i, r in ipairs(rows) do
  if i > 1 and rows[i - 1].total_ms < r.total_ms then sorted = false end
  if r.max_ms > r.total_ms + 1e-3 or r.mean_ms > r.max_ms + 1e-3 then consistent = false end
end
print("sorted", sorted, consistent, rows[1] == sl)
print(#tostring(sel) > 0, select("#", table.unpack({ sel.sql, sel.calls })))

-- the slow log: one line, UTC time, milliseconds, SQL, parameters, file:line
local f = assert(io.open("monitor_app/slow.log"))
local lines = {}
for l in f:lines() do lines[#lines + 1] = l end
f:close()
print("slow.log", #lines)
print(lines[1]:match("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ slow statement %d+%.%d ms: ") ~= nil,
  lines[1]:match("%[params: " .. n .. "%]  at monitor_stats%.lua:30$") ~= nil)

-- the exposition
local text = db.metrics()
local function metric(line) return text:match("\n" .. line:gsub("[%(%)%.%+%-%*%?%[%]%^%$]", "%%%0") .. " (%S+)") end
print("statements select author", metric('ormsh_statements_total{op="select",table="author"}'))
print("statements select book", metric('ormsh_statements_total{op="select",table="book"}'))
print("errors", metric('ormsh_errors_total{class="IntegrityError"}'))
print("slow", metric("ormsh_slow_statements_total"))
print("nplus1", metric('ormsh_nplus1_total{relationship="Author.books"}'))
print("histogram", metric('ormsh_statement_duration_seconds_bucket{op="select",le="+Inf"}') ==
  metric('ormsh_statement_duration_seconds_count{op="select"}'))

db.stats_reset()
text = db.metrics()
print(#db.stats(), metric('ormsh_statements_total{op="select",table="author"}'),
  metric("ormsh_slow_statements_total"))
