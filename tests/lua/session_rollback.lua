-- session_rollback.lua — rollback restores committed values, makes pending
-- and flushed-but-uncommitted objects transient again, undoes deletes; the
-- identity map gives one object per row; refresh reloads a row (its unflushed
-- changes dropped) and raises NoResultFound when the row is gone.
Member = db.Model("Member", {
  id = db.Column(db.Integer, { primary_key = true }),
  email = db.Column(db.String(30), { unique = true, nullable = false }),
  score = db.Column(db.Integer, { default = 7 }),
})
db.create_all()
db.session:add_all{ Member{ email = "a@x.org" }, Member{ email = "b@x.org", score = 1 } }
db.session:commit()

local m = db.session:get(Member, 1)
print(m.email, m.score)
print(m == db.session:query(Member):filter_by{ id = 1 }:first())
print(rawequal(m, db.session:get(Member, 1)))
m.email = "changed@x.org"
print(#db.session.dirty, m.email)
db.session:rollback()
print(#db.session.dirty, m.email)

local n = Member{ email = "new@x.org" }
db.session:add(n)
db.session:flush()
print(n.id, n.score)
db.session:rollback()
print(n.id, db.session:get(Member, 3))

db.session:delete(m)
print(#db.session.deleted)
db.session:flush()
print(db.session:get(Member, 1))
db.session:rollback()
print(db.session:get(Member, 1) == m, m.email)

-- attributes stay readable after commit and close
m.score = 99
db.session:commit()
db.session:close()
print(m.email, m.score)
print(db.session:get(Member, 1).score)

-- refresh: the row's values replace unflushed changes (nothing left to write);
-- a row that is gone raises NoResultFound
local r = db.session:get(Member, 1)
db.session:execute(db.text("UPDATE member SET score = 42 WHERE id = 1"))
r.score = 5
db.session:refresh(r)
print(r.score, #db.session.dirty)
db.session:commit()
print(db.session:scalar(db.text("SELECT score FROM member WHERE id = 1")))
db.session:execute(db.text("DELETE FROM member WHERE id = 1"))
local ok, err = pcall(db.session.refresh, db.session, r)
print(ok, db.NoResultFound:is(err), err)
db.session:rollback()
