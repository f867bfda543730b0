-- monitor_nplus1_off.lua — nplus1 = "off": no hint on standard error, the
-- loads run, ormsh_nplus1_total still counts.
dofile("monitor_app/fixture.lua")
local n = 0
for _, a in ipairs(Author.query:order_by(Author.id):all()) do n = n + #a.books end
print(n, db.metrics():match('ormsh_nplus1_total{relationship="Author.books"} (%d+)'))
