-- a seed with a plain Lua error after a write
Author:get_or_create({ email = "dora@x.org" })
local t = nil
print(t.x)
