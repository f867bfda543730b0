-- versioning_audit.lua — the audit log: db.audit.enable() creates
-- ormsh_audit; every insert, update and delete the flush writes adds an
-- entry in the same transaction (row_key and changes as JSON, old and new
-- values; a column declared { audit = false } only "changed"); bulk
-- q:update / q:delete one entry each with criteria and row count; nothing
-- stays for what was rolled back; db.audit.actor names who acts (default:
-- the OS user); db.audit.log{ table, actor, since, limit } newest first.
-- An audit insert that fails (the table dropped behind ormsh's back) fails
-- the flush and the change is not written either.
User = db.Model("User", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30)),
  password = db.Column(db.String(30), { audit = false }),
})
Note = db.Model("Note", {
  id = db.Column(db.Integer, { primary_key = true }),
  body = db.Column(db.Text),
})
db.create_all()
local s = db.session
print(db.audit.enabled, pcall(db.audit.log))
db.audit.enable()
print(db.audit.enabled, #db.audit.log(), db.audit.actor == (os.getenv("USER") or db.audit.actor))
local function show(entries)
  for _, e in ipairs(entries) do
    print(math.type(e.id), e.actor, e.table_name, e.row_key, e.operation, (e.changes:gsub("%$%d+", "?")), e.at:match("^%d%d%d%d%-%d%d%-%d%d %d%d:%d%d:%d%d$") ~= nil)
  end
end

print("-- insert, update, delete")
db.audit.actor = "alice"
local u = User{ name = "ann", password = "s3cret" }
s:add_all{ u, Note{ body = 'say "hi"\n' } }
s:commit()
u.name = "anna"
u.password = "hunter2"
s:commit()
s:delete(u)
s:commit()
show(db.audit.log())

print("-- rollback leaves no entry")
db.audit.actor = "bob"
s:add(Note{ body = "gone" })
s:flush()
print(#db.audit.log{ actor = "bob" })
s:rollback()
print(#db.audit.log{ actor = "bob" })

print("-- bulk statements: one entry each")
s:add_all{ Note{ body = "a" }, Note{ body = "b" } }
s:commit()
Note.query:filter(Note.body:in_{ "a", "b" }):update{ body = "c" }
Note.query:filter_by{ body = "c" }:delete()
s:commit()
show(db.audit.log{ table = "note", actor = "bob", limit = 2 })
print(#db.audit.log{ table = "note" }, #db.audit.log{ table = "user" }, #db.audit.log{ since = "2999-01-01" }, #db.audit.log{ limit = 1 })
print(pcall(db.audit.log, { tabel = "x" }))
print(pcall(function() db.audit.actor = 3 end))

print("-- no change without its entry")
s:execute(db.text("DROP TABLE ormsh_audit"))
s:commit()
s:add(Note{ body = "lost" })
local ok, err = pcall(s.commit, s)
print(ok, db.Error:is(err), #s.new)
s:rollback()
print(s:scalar(db.text("SELECT count(*) FROM note")))
local ok2, err2 = pcall(function() return Note.query:update{ body = "x" } end)
print(ok2, db.Error:is(err2))
s:rollback()
print(s:scalar(db.text("SELECT count(*) FROM note WHERE body = 'x'")))
