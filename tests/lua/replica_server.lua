-- replica_server.lua — read replicas on real servers (started by the harness:
-- NAME.standby): a PostgreSQL streaming hot standby, a MariaDB GTID replica.
-- With replay paused on the replica,
-- a row another client writes on the primary is not seen by a plain read and
-- is seen with using("primary"); the session's own commit is seen by its next
-- read (from the primary once replica_wait_ms is over); a standby stopped hard
-- mid-session: reads keep working, and it is used again once it is back.
local orm = require "orm"
local url, rurl = os.getenv("ORMSH_TEST_URL"), os.getenv("ORMSH_TEST_REPLICA_URL")
local function sh(cmd) assert(os.execute(cmd .. " >/dev/null 2>&1")) end
local function model(h)
  return h.Model("Item", { id = h.Column(h.Integer, { primary_key = true }), name = h.Column(h.String(40)) })
end
-- the test database reaches the standby by replication: wait for it
local ctl
for _ = 1, 100 do
  local ok, h = pcall(orm.connect, rurl)
  if ok then ctl = h; break end
  sh("sleep 0.1")
end
assert(ctl, "the standby never had the test database")
local pg = os.getenv("ORMSH_TEST_BACKEND") == "postgresql"
local function ctl_sql(sql)
  if pg then ctl.session:execute(ctl.text(sql)); ctl.session:rollback(); return end
  -- MariaDB refuses STOP/START SLAVE inside a transaction: its own client
  local port = rurl:match(":(%d+)/")
  sh(("mariadb --no-defaults -h 127.0.0.1 -P %s -u ormsh -e '%s'"):format(port, sql))
end
local pause = pg and "SELECT pg_wal_replay_pause()" or "STOP SLAVE SQL_THREAD"
local resume = pg and "SELECT pg_wal_replay_resume()" or "START SLAVE SQL_THREAD"

local rdb = orm.connect(url, { replicas = { rurl }, replica_retry_s = 0, replica_wait_ms = 300 })
local Item = model(rdb)
-- which server answered: the primary counts the statements it runs
local function where(f)
  local n = rdb.statements
  local r = f()
  return r, rdb.statements == n and "replica" or "primary"
end
local function count() return rdb.session:query(Item):count() end
-- reads until one is answered by the replica (it catches up, or comes back)
local function replica_again()
  for _ = 1, 100 do
    local _, w = where(count)
    rdb.session:rollback()
    if w == "replica" then return true end
    sh("sleep 0.1")
  end
  return false
end
rdb.create_all()
rdb.session:add(Item{ name = "a" }); rdb.session:add(Item{ name = "b" })
rdb.session:commit()
-- read-your-writes: the replica is used once it has replayed the commit
print("after own commit", count(), replica_again())
local info = rdb.replicas()[1]
print(#rdb.replicas(), info.state, info.url:find("***", 1, true) ~= nil)
-- the replicas' metrics: up, and the lag where the backend tells it (PostgreSQL)
local function metric(name)
  return rdb.metrics():match(name .. '{replica="[^"]*%*%*%*[^"]*"} ([%d.]+)')
end
print("metrics", metric("ormsh_replica_up"), (metric("ormsh_replica_lag_seconds") ~= nil) == pg)
-- a read the replica and the primary both refuse (a mistake in the SQL) leaves
-- the replica in use: the read transaction it is in (which PostgreSQL aborts)
-- goes on serving reads
count()
print("bad sql", (pcall(function() return rdb.session:execute(rdb.text("SELECT nosuch FROM item")) end)))
print("after bad sql", where(count))
rdb.session:rollback()

ctl_sql(pause)
local other = orm.connect(url)
local OItem = model(other)
other.session:add(OItem{ name = "other" }); other.session:commit()
print("paused: plain read", where(count))
print("paused: primary", where(function() return rdb.session:query(Item):using("primary"):count() end))
rdb.session:rollback()
rdb.session:add(Item{ name = "own" }); rdb.session:commit()
print("paused: own commit visible", where(count))
rdb.session:rollback()
ctl_sql(resume)
print("resumed", replica_again(), count())
rdb.session:rollback()

-- the standby stopped hard: reads go on (one warning), then it is back
ctl = nil; collectgarbage()
sh(os.getenv("ORMSH_TEST_REPLICA_STOP"))
print("standby down", where(function() return rdb.session:query(Item):filter_by{ name = "a" }:count() end))
print(rdb.replicas()[1].state)
print("metric when down", metric("ormsh_replica_up"))
rdb.session:rollback()
print("still down", where(count))
rdb.session:rollback()
sh(os.getenv("ORMSH_TEST_REPLICA_START"))
print("back", replica_again(), rdb.replicas()[1].state)
