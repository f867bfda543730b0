-- The app of monitor_nplus1_off.lua: no N+1 hint (the counter still counts).
return { name = "monitor", database = "sqlite://", models = {}, nplus1 = "off" }
