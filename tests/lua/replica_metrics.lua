-- replica_metrics.lua — the replicas' Prometheus metrics on SQLite file
-- replicas: ormsh_replica_up 1 for a replica in use, 0 for one left out
-- (its URL as the label, password masked); no lag sample where the backend
-- has no replication; nothing about replicas without any.
local orm = require "orm"
local plain = orm.connect("sqlite:///primary.db")
print("no replicas", plain.metrics():find("ormsh_replica", 1, true))
plain.session:execute(plain.text("CREATE TABLE item (id INTEGER PRIMARY KEY)"))
plain.session:commit()
plain = nil; collectgarbage()
local src = assert(io.open("primary.db", "rb"))
local dst = assert(io.open("replica.db", "wb"))
dst:write(src:read("a"))
src:close(); dst:close()

local db = orm.connect("sqlite:///primary.db", {
  replicas = { "sqlite:///replica.db", "sqlite:///nowhere/gone.db" }, replica_retry_s = 3600 })
local text = db.metrics()
for line in text:gmatch("[^\n]+") do
  if line:find("replica", 1, true) then print(line) end
end
