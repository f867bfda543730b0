-- The app of monitor_raise.lua: a lazy load on an object a query loaded with
-- other rows is an error.
return { name = "monitor", database = "sqlite://", models = {}, nplus1 = "raise" }
