-- session_integrity.lua — a failed commit raises IntegrityError (its message
-- the backend's own words, naming the column; the failed INSERT and its
-- parameters attached), writes nothing, keeps the objects pending with their
-- values, and the same objects commit once the user fixes the value.
-- (Generated keys are not printed: PostgreSQL's sequences and MariaDB's
-- AUTO_INCREMENT use up a key on the failed INSERT, SQLite does not.)
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
-- the SQL as printed, with PostgreSQL's $1 placeholders and RETURNING clause
-- shown as on SQLite and MySQL
local function sql(text) return (text:gsub("%$%d+", "?"):gsub(" RETURNING id$", "")) end
local a = Member{ email = "a@x.org" }
db.session:add(a)
db.session:commit()

local b = Member{ email = "b@x.org" }
local dup = Member{ email = "a@x.org" }
db.session:add_all{ b, dup }
local ok, err = pcall(db.session.commit, db.session)
print(ok, db.IntegrityError:is(err), db.Error:is(err), db.DataError:is(err))
print(tostring(err) == "IntegrityError: " .. err.message, type(err.message), err.message:find("email", 1, true) ~= nil)
print(sql(err.sql))
print(#err.params, err.params[1])
print(b.id, dup.id, #db.session.new)
print(committed_rows())

dup.email = "c@x.org"
db.session:commit()
print(a.id < b.id, b.id < dup.id, #db.session.new)
print(committed_rows())
local all = db.session:query(Member):order_by(Member.id):all()
print(#all, all[1] == a, all[2] == b, all[3] == dup, all[1].email, all[2].email, all[3].email)
