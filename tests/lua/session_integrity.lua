-- session_integrity.lua — a failed commit raises IntegrityError, writes
-- nothing, keeps the objects pending with their values, and the same objects
-- commit once the user fixes the value.
Member = db.Model("Member", {
  id = db.Column(db.Integer, { primary_key = true }),
  email = db.Column(db.String(30), { unique = true, nullable = false }),
})
db.create_all()
local other = require("orm").connect(db.url) -- a second connection sees only committed rows
local function committed_rows()
  local n = other.session:execute(db.text("SELECT count(*) AS n FROM member")):scalar()
  other.session:rollback() -- end its read transaction: readers block a commit
  return n
end
db.session:add(Member{ email = "a@x.org" })
db.session:commit()

local b = Member{ email = "b@x.org" }
local dup = Member{ email = "a@x.org" }
db.session:add_all{ b, dup }
local ok, err = pcall(db.session.commit, db.session)
print(ok, db.IntegrityError:is(err), db.Error:is(err), db.DataError:is(err))
print(tostring(err))
print(err.message)
print(err.sql)
print(#err.params, err.params[1])
print(b.id, dup.id, #db.session.new)
print(committed_rows())

dup.email = "c@x.org"
db.session:commit()
print(b.id, dup.id, #db.session.new)
print(committed_rows())
print(db.session:query(Member):order_by(Member.id):all())
