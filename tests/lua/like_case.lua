-- like_case.lua — the case rules of each backend, as docs/backends.md states
-- them: = and UNIQUE are case-sensitive everywhere (MySQL: tables ormsh
-- creates are utf8mb4_bin); LIKE folds ASCII letters on SQLite only (not
-- 'é'/'É'), is case-sensitive on PostgreSQL and on MySQL's utf8mb4_bin
-- tables; ilike is case-insensitive everywhere (SQLite: ASCII only, as its
-- lower() folds ASCII only). Each line prints the count and whether it is
-- the one the documentation gives for this backend.
Word = db.Model("Word", {
  id = db.Column(db.Integer, { primary_key = true }),
  w = db.Column(db.String(20), { unique = true }),
})
db.create_all()
local s = db.session
s:add_all{ Word{ w = "Apple" }, Word{ w = "apple" }, Word{ w = "Éclair" }, Word{ w = "éclair" }, Word{ w = "banana" } }
s:commit()
local backend = db.url:match("^(%a+)")
if backend == "postgres" then backend = "postgresql" elseif backend == "mariadb" then backend = "mysql" end
local function check(label, got, want)
  local w = type(want) == "table" and want[backend] or want
  print(label, got == w and "as documented" or ("NOT as documented: got " .. tostring(got) .. ", want " .. tostring(w)))
end
check("eq", Word.query:filter(Word.w:eq("APPLE")):count(), 0)
check("like ascii", Word.query:filter(Word.w:like("app%")):count(), { sqlite = 2, postgresql = 1, mysql = 1 })
check("like non-ascii", Word.query:filter(Word.w:like("éc%")):count(), 1)
check("ilike ascii", Word.query:filter(Word.w:ilike("APP%")):count(), 2)
check("ilike non-ascii", Word.query:filter(Word.w:ilike("éc%")):count(), { sqlite = 1, postgresql = 2, mysql = 2 })
check("startswith", Word.query:filter(Word.w:startswith("A")):count(), { sqlite = 2, postgresql = 1, mysql = 1 })
check("raw like", s:scalar(db.text("SELECT count(*) FROM word WHERE w LIKE 'APP%'")), { sqlite = 2, postgresql = 0, mysql = 0 })
s:add(Word{ w = "BANANA" })
local ok = pcall(s.commit, s)
check("unique differs by case", ok, true)
