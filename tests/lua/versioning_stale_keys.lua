-- versioning_stale_keys.lua — StaleDataError names the row by its whole
-- key: a composite key as (a, 'b'), a text key quoted; for an update and a
-- delete that lost the race (the version changed behind the session), the
-- expected version given; nothing is written, the object keeps its change
-- until the rollback, and after a refresh the retry succeeds.
Tag = db.Model("Tag", {
  __version_id = "rev",
  owner = db.Column(db.Integer, { primary_key = true }),
  label = db.Column(db.String(10), { primary_key = true }),
  rev = db.Column(db.Integer),
  note = db.Column(db.String(20)),
})
Code = db.Model("Code", {
  __version_id = "rev",
  code = db.Column(db.String(10), { primary_key = true }),
  rev = db.Column(db.Integer),
})
db.create_all()
local s = db.session
s:add_all{ Tag{ owner = 1, label = "x", note = "n" }, Code{ code = "AB'C" } }
s:commit()
local t, c = Tag.query:get{ 1, "x" }, Code.query:get("AB'C")
print(t.rev, c.rev)
local function behind(sql) -- another writer: a change the session does not see
  s:execute(db.text(sql))
  s:commit()
end
behind("UPDATE tag SET rev = rev + 1, note = 'theirs'")
t.note = "mine"
local ok, err = pcall(s.commit, s)
print(ok, db.StaleDataError:is(err), err.message)
print(t.note)
s:rollback()
print(s:execute(db.text("SELECT note FROM tag")):scalar())
s:refresh(t)
print(t.note, t.rev)
t.note = "mine"
s:commit()
print(t.note, t.rev)
behind("UPDATE code SET rev = rev + 5")
s:delete(c)
ok, err = pcall(s.commit, s)
print(ok, db.StaleDataError:is(err), err.message)
s:rollback()
print(s:execute(db.text("SELECT count(*) FROM code")):scalar())
