-- api_argument_errors.lua — wrong argument types and unknown options given
-- to db.seed, db.dump, db.load, db.audit.log, Model:history_at,
-- obj:history, q:with_for_update, db.String, db.Numeric, db.ForeignKey and
-- db.transaction raise db.ArgumentError naming the call
-- and the argument (one line each), and nothing runs.
Doc = db.Model("Doc", {
  id = db.Column(db.Integer, { primary_key = true }),
  title = db.Column(db.String(20)),
  __versioned = true,
})
Other = db.Model("Other", { id = db.Column(db.Integer, { primary_key = true }) })
db.create_all()
db.audit.enable()
local function try(label, f, ...)
  local ok, err = pcall(f, ...)
  print(label, ok, db.ArgumentError:is(err), tostring(err))
end
try("seed file", db.seed, 3)
try("seed opts", db.seed, "seeds.lua", 5)
try("seed option", db.seed, "seeds.lua", { dryrun = true })
try("dump path", db.dump, 5)
try("dump opts", db.dump, nil, "x")
try("dump tables", db.dump, nil, { tables = "doc" })
try("dump option", db.dump, nil, { table = { "doc" } })
try("load path", db.load)
try("load option", db.load, "f.json", { replce = true })
try("audit opts", db.audit.log, 3)
try("audit limit", db.audit.log, { limit = "2" })
try("history_at", Doc.history_at, Doc, 1)
try("history", Doc.history, Other{})
try("for_update opts", function() return Doc.query:with_for_update(5) end)
try("for_update option", function() return Doc.query:with_for_update{ reed = true } end)
-- the right ones still work
print(#Doc.query:with_for_update():all(), #Doc.query:with_for_update{ read = true }:all())
print(#Doc{ title = "x" }:history(), #db.audit.log{ limit = 1 })
-- column types, foreign keys and transactions
try("String length", function() return db.String("30") end)
try("String negative", function() return db.String(-1) end)
try("Numeric scale", function() return db.Numeric(4, 6) end)
try("Numeric type", function() return db.Numeric(10, "2") end)
try("ForeignKey target", function() return db.ForeignKey(3) end)
try("transaction fn", db.transaction, "commit")
print(tostring(db.String(30)), tostring(db.Numeric(10, 2)))
