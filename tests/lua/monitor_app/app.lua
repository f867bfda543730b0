-- The app of the monitor_* Lua tests: slow statements over 200 ms go to
-- slow.log (relative to this directory); the database comes from the harness.
return { name = "monitor", database = "sqlite://", models = {}, slow_ms = 200, slow_log = "slow.log" }
