-- versioning_history.lua — __versioned keeps every earlier state of a row
-- in <table>_history (created by create_all): nothing for an insert; the
-- old row before each UPDATE and DELETE ormsh writes — flush, bulk
-- q:update (one INSERT ... SELECT of the matched rows) and bulk q:delete —
-- in the same transaction, so a rollback or a failed flush leaves no
-- history behind. obj:history() returns the states oldest first as
-- read-only records printing like the model; Model:history_at(pk, instant)
-- the state at an instant (the row as it is now when nothing changed after
-- it, nil when it was deleted before). Bad declarations are ArgumentErrors.
Author = db.Model("Author", {
  __versioned = true, -- no __version_id: a "version" column is added
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30)),
  email = db.Column(db.String(30), { unique = true }),
})
function Author:__repr() return ("<Author: %s>"):format(self.name) end
Plain = db.Model("Plain", { -- default tostring, its own version column
  __versioned = true, __version_id = "rev",
  id = db.Column(db.Integer, { primary_key = true }),
  rev = db.Column(db.Integer),
  label = db.Column(db.String(10)),
})
db.create_all()
local s = db.session
local function hist(sql)
  local out = {}
  for r in s:execute(db.text(sql)) do out[#out + 1] = table.concat({ r[1], r[2], r[3], r[4] }, "|") end
  return table.concat(out, " ")
end
local function rows() return hist("SELECT id, name, version, operation FROM author_history ORDER BY id, version") end
print(#Author.__table.columns, Author.__table.columns[4].name)

print("-- inserts record nothing; each update copies the old row")
local a, b = Author{ name = "Ann", email = "a@x" }, Author{ name = "Bob", email = "b@x" }
s:add_all{ a, b }
s:commit()
print(a.version, #a:history(), rows())
a.name = "Anna"
s:commit()
a.email = "anna@x"
s:flush()
a.name = "Annie"
s:commit()
for _, h in ipairs(a:history()) do
  print(h, h.version, h.operation, h.name, h.email, h.changed_at:match("^%d%d%d%d%-%d%d%-%d%d %d%d:%d%d:%d%d") ~= nil)
end
print(a.version, rows())

print("-- records are read-only")
local first = a:history()[1]
print(pcall(function() first.name = "x" end))
print(first.id, pcall(function() return first.nope end))

print("-- rollback and a failed flush leave no history")
a.name = "Gone"
s:flush()
print(#a:history())
s:rollback()
print(a.name, a.version, #a:history())
a.name = "Again"
b.email = "anna@x" -- clashes: the whole flush rolls back, a's history row too
local ok, err = pcall(s.commit, s)
print(ok, db.IntegrityError:is(err), a.version)
s:rollback()
print(a.name, rows())

print("-- bulk update: one copy of every matched row, then the statement")
local n = Author.query:update{ name = Author.name .. "!" }
s:commit()
print(n, a.name, a.version, b.version, rows())

print("-- history_at")
print(Author:history_at(a.id, "2000-01-01"), Author:history_at(a.id, "2999-01-01 00:00:00"))
print(rawequal(Author:history_at(a.id, "2999-01-01"), a), Author:history_at(99, "2000-01-01"))

print("-- delete and bulk delete copy the row as it was")
s:delete(a)
s:commit()
Author.query:filter_by{ name = "Bob!" }:delete()
s:commit()
print(rows())
print(Author:history_at(1, "2999-01-01"), Author:history_at(1, "2000-01-01"), #Author:history_at(2, "2000-01-01").email)

print("-- default tostring, a __version_id of its own")
local p = Plain{ label = "x" }
s:add(p)
s:commit()
p.label = "y"
s:commit()
print(p.rev, p:history()[1], p:history()[1].version, p:history()[1].label)

print("-- bad declarations")
local function try(name, fields)
  local ok2, e = pcall(db.Model, name, fields)
  print(ok2, db.ArgumentError:is(e), tostring(e))
end
try("Bad1", { __versioned = "yes", id = db.Column(db.Integer, { primary_key = true }) })
try("Bad2", { __versioned = true, id = db.Column(db.Integer, { primary_key = true }), version = db.Column(db.String(3)) })
try("Bad3", { __versioned = true, id = db.Column(db.Integer, { primary_key = true }), operation = db.Column(db.String(3)) })
try("Bad4", { __versioned = true, __tablename = "author", id = db.Column(db.Integer, { primary_key = true }) })
print(pcall(db.Model, "Author2", { __tablename = "author_history", id = db.Column(db.Integer, { primary_key = true }) }))

print("-- no change without its history row: a history table dropped behind ormsh's back")
s:execute(db.text("DROP TABLE plain_history"))
s:commit()
p.label = "z"
ok, err = pcall(s.commit, s)
print(ok, db.Error:is(err), p.label, #s.dirty)
s:rollback()
print(s:scalar(db.text("SELECT label FROM plain")), p.label)

print("-- a history table of the wrong shape: create_all says so")
s:execute(db.text("CREATE TABLE shape_history (id INTEGER NOT NULL, label VARCHAR(10), PRIMARY KEY (id))"))
s:commit()
Shape = db.Model("Shape", {
  __versioned = true,
  id = db.Column(db.Integer, { primary_key = true }),
  label = db.Column(db.String(10)),
})
print(pcall(db.create_all))
s:execute(db.text("DROP TABLE shape_history"))
s:execute(db.text("CREATE TABLE shape_history (id INTEGER NOT NULL, label VARCHAR(10), version INTEGER NOT NULL, changed_at DATE, operation VARCHAR(10), PRIMARY KEY (id))"))
s:commit()
print(pcall(db.create_all))
