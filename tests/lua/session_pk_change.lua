-- session_pk_change.lua — a persistent object's primary key may change, as in
-- SQLAlchemy: the next flush updates the row where the old key is; get()
-- finds the object by its new key and nothing by the old one; a clash with
-- another row is an IntegrityError that leaves both rows as they were (a
-- query before the fix would autoflush and fail again, as in SQLAlchemy) and
-- the key can be fixed and committed; rollback brings the old key back, also
-- after a flush; refresh drops an unflushed key change; inside begin_nested()
-- a key change is refused (DataError).
Code = db.Model("Code", {
  code = db.Column(db.String(10), { primary_key = true }),
  label = db.Column(db.String(20)),
})
Item = db.Model("Item", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(20)),
})
db.create_all()
local s = db.session
local function rows(sql) local t = {} for r in s:execute(db.text(sql)) do t[#t + 1] = table.concat({ r[1], r[2] }, "=") end return table.concat(t, " ") end
s:add_all{ Code{ code = "a", label = "first" }, Code{ code = "b", label = "second" }, Item{ name = "thing" } }
s:commit()

print("-- a new key is written where the old one is")
local a = s:get(Code, "a")
a.code = "z"
a.label = "moved"
s:commit()
print(rawequal(s:get(Code, "z"), a), s:get(Code, "a"), a.code, a.label, rows("SELECT code, label FROM code ORDER BY code"))
local it = s:get(Item, 1)
it.id = 100
s:commit()
print(rawequal(s:get(Item, 100), it), s:get(Item, 1), rows("SELECT id, name FROM item"))

print("-- another row's key: IntegrityError, nothing changed, then fixed")
local b = s:get(Code, "b") -- held, so the get below finds it in the identity map (no autoflush)
a.code = "b"
local ok, err = pcall(s.commit, s)
print(ok, db.IntegrityError:is(err), a.code, s:get(Code, "b").label) -- a query would autoflush (and fail) again
a.code = "x"
s:commit()
print(rawequal(s:get(Code, "x"), a), rows("SELECT code, label FROM code ORDER BY code"))

print("-- rollback brings the old key back")
a.code = "y"
s:flush()
print(rawequal(s:get(Code, "y"), a), rows("SELECT code, label FROM code ORDER BY code"))
s:rollback()
print(a.code, rawequal(s:get(Code, "x"), a), s:get(Code, "y"), rows("SELECT code, label FROM code ORDER BY code"))

print("-- refresh drops an unflushed key change")
a.code = "w"
s:refresh(a)
print(a.code, rawequal(s:get(Code, "x"), a), #s.dirty)

print("-- not inside begin_nested")
local sp = s:begin_nested()
ok, err = pcall(function() a.code = "q" end)
print(ok, db.DataError:is(err), a.code)
print(err)
sp:commit()
s:commit()
print(rows("SELECT code, label FROM code ORDER BY code"))
