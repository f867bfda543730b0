-- versioning_batch.lua — the flush copies the old rows of a __versioned
-- table to its history a chunk of rows at a time (one INSERT ... SELECT
-- for up to 128 rows, before their UPDATEs or DELETEs): every row changed
-- or deleted in one commit still gets exactly one history row, holding its
-- values and version before the change, with 1,000+ rows (many chunks, a
-- short last one), a composite key, updates of three tables interleaved,
-- deletes mixed in, an object changed twice, __onupdate hooks (one call
-- per row), a table whose foreign key cascades (copied row by row), and a
-- stale row in the middle of a chunk (the flush rolls back: no history).
local orm = require("orm")
local stamps = 0
Doc = db.Model("Doc", {
  __versioned = true,
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(20)),
  note = db.Column(db.String(20)),
  stamp = db.Column(db.Integer, { onupdate = function() stamps = stamps + 1; return stamps end }),
})
Pair = db.Model("Pair", {
  __versioned = true,
  a = db.Column(db.Integer, { primary_key = true }),
  b = db.Column(db.String(5), { primary_key = true }),
  val = db.Column(db.Integer),
})
Part = db.Model("Part", {
  __versioned = true,
  id = db.Column(db.Integer, { primary_key = true }),
  doc_id = db.Column(db.Integer, db.ForeignKey("doc.id", { ondelete = "CASCADE", onupdate = "CASCADE" })),
  label = db.Column(db.String(10)),
})
db.create_all()
local s = db.session
local ND, NP, NQ = 1100, 300, 200

local docs, pairs_, parts = {}, {}, {}
for i = 1, ND do docs[i] = Doc{ id = i, name = "d" .. i, note = "n" .. i, stamp = 0 } end
for i = 1, NP do pairs_[i] = Pair{ a = (i + 1) // 2, b = i % 2 == 0 and "x" or "y", val = i } end
for i = 1, NQ do parts[i] = Part{ id = i, doc_id = i, label = "p" .. i } end
s:add_all(docs)
s:add_all(pairs_)
s:add_all(parts)
s:commit()

-- the history a table should have: one line per old row, sorted
local expect = { doc = {}, pair = {}, part = {} }
local function line(...)
  local t = table.pack(...)
  for i = 1, t.n do t[i] = tostring(t[i]) end
  return table.concat(t, "|")
end
local function old_doc(d, op) table.insert(expect.doc, line(d.id, d.name, d.note, d.stamp, d.version, op)) end
local function old_pair(p, op) table.insert(expect.pair, line(p.a, p.b, p.val, p.version, op)) end
local function old_part(p, op) table.insert(expect.part, line(p.id, p.doc_id, p.label, p.version, op)) end
local queries = {
  doc = "SELECT id, name, note, stamp, version, operation FROM doc_history",
  pair = "SELECT a, b, val, version, operation FROM pair_history",
  part = "SELECT id, doc_id, label, version, operation FROM part_history",
}
local function check(label)
  local out = {}
  for _, t in ipairs{ "doc", "pair", "part" } do
    local got = {}
    for r in s:execute(db.text(queries[t])) do
      got[#got + 1] = line(table.unpack(r, 1, #r))
    end
    table.sort(got)
    local want = { table.unpack(expect[t]) }
    table.sort(want)
    local same = #got == #want
    for i = 1, #want do
      if got[i] ~= want[i] then
        same = false
        print("  " .. t .. " first difference: got " .. tostring(got[i]) .. ", want " .. want[i])
        break
      end
    end
    out[#out + 1] = ("%s %d rows %s"):format(t, #got, same and "exact" or "DIFFERENT")
  end
  print(label .. ": " .. table.concat(out, ", "))
end
local function nulls(t)
  return s:scalar(db.text("SELECT COUNT(*) FROM " .. t .. "_history WHERE changed_at IS NULL OR operation IS NULL"))
end

print("-- one commit: updates of three tables interleaved, deletes mixed in")
local nupd, ndel = 0, 0
for i = 1, ND do
  local d = docs[i]
  if i % 50 == 0 and i > NQ then
    old_doc(d, "delete")
    s:delete(d)
    ndel = ndel + 1
  else
    old_doc(d, "update")
    d.name = "D" .. i
    if i == 7 then d.note = "twice" end -- changed twice before the flush: one row
    nupd = nupd + 1
  end
  if i <= NP then
    local p = pairs_[i]
    if i % 37 == 0 then
      old_pair(p, "delete")
      s:delete(p)
    else
      old_pair(p, "update")
      p.val = p.val * 10
    end
  end
  if i <= NQ then
    local p = parts[i]
    if i % 40 == 0 then
      old_part(p, "delete")
      s:delete(p)
    else
      old_part(p, "update")
      p.label = "P" .. i
    end
  end
end
s:commit()
check("after")
print(nupd, ndel, stamps == nupd, nulls("doc"), nulls("pair"), nulls("part"))
local seen, distinct = {}, 0
for _, d in ipairs(Doc.query:order_by(Doc.id):all()) do
  if d.stamp > 0 and not seen[d.stamp] then distinct = distinct + 1 end
  seen[d.stamp] = true
end
print("stamps: one per updated row", distinct == nupd, docs[7].name, docs[7].note, docs[7].version)

print("-- a stale row in the middle of a chunk: the flush fails, no history row stays")
local url = os.getenv("ORMSH_TEST_URL")
if url == nil or url == "sqlite://" then url = db.url end
local other = orm.connect(url) -- a second connection writes behind the session's back
s:commit() -- ends the session's read transaction
other.session:execute(other.text("UPDATE doc SET version = version + 10 WHERE id = 601"))
other.session:commit()
local before = #expect.doc
for i = 1, ND do
  if i % 50 ~= 0 or i <= NQ then docs[i].note = "again" end
end
for i = 1, NP do if i % 37 ~= 0 then pairs_[i].val = pairs_[i].val + 1 end end
local ok, err = pcall(s.commit, s)
print(ok, db.StaleDataError:is(err), tostring(err))
s:rollback()
check("after the rollback")
s:refresh(docs[601])

print("-- the same changes again: one more history row each")
for i = 1, ND do
  if i % 50 ~= 0 or i <= NQ then
    old_doc(docs[i], "update")
    docs[i].note = "again"
  end
end
for i = 1, NP do
  if i % 37 ~= 0 then
    old_pair(pairs_[i], "update")
    pairs_[i].val = pairs_[i].val + 1
  end
end
s:commit()
check("after")
print(#expect.doc - before, docs[601].version, docs[601].note, #docs[601]:history(), docs[601]:history()[2].note)
