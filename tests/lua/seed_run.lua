-- seed_run.lua — db.seed(file [, { dry_run = true }]) (what `ormsh db seed`
-- runs): one transaction, everything or nothing; running a seed built on
-- get_or_create twice gives the same rows; a dry run writes nothing and
-- returns the rows it would have written per table; an error names the
-- seed file and line and leaves nothing of the seed behind.
dofile("seed_files/models.lua")
local function rows()
  local a = db.session:execute(db.text("SELECT email, name FROM author ORDER BY email")):all()
  local b = db.session:execute(db.text("SELECT title FROM book ORDER BY title")):all()
  return tostring(a) .. " " .. tostring(b)
end
local function counts(c)
  local t = {}
  for _, r in ipairs(c) do t[#t + 1] = ("%s +%d ~%d"):format(r.table, r.inserted, r.updated) end
  return table.concat(t, ", ")
end

print("-- dry run: counts, nothing written")
print(counts(db.seed("seed_files/good.lua", { dry_run = true })))
print(rows(), #db.session.new)

print("-- seed, then seed again: the same rows")
print(counts(db.seed("seed_files/good.lua")))
local first = rows()
print(first)
print(counts(db.seed("seed_files/good.lua")))
print(rows() == first)

print("-- a failing seed leaves nothing")
local ok, err = pcall(db.seed, "seed_files/bad.lua")
print(ok, db.IntegrityError:is(err), (tostring(err.where):gsub("^.*/", "")))
print(rows() == first, Author.query:filter_by{ email = "carl@x.org" }:count())
ok, err = pcall(db.seed, "seed_files/boom.lua")
print(ok, (tostring(err):gsub("^.*/", "")))
print(rows() == first)
-- failing at the seed's own commit: that error (it read "out of memory")
ok, err = pcall(db.seed, "seed_files/late.lua")
print(ok, db.IntegrityError:is(err), rows() == first)

print("-- a missing file")
ok, err = pcall(db.seed, "seed_files/nosuch.lua")
print(ok, db.ArgumentError:is(err), (err.message:gsub("No such file.*", "No such file")))
