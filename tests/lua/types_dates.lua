-- types_dates.lua — Date and DateTime values compare as instants on every
-- backend: "2024-01-01T00:00:00", "2024-01-01 00:00:00", "2024-01-01 00:00"
-- and (against a DateTime) "2024-01-01" are the same instant, whether bound
-- or stored. ormsh stores one canonical text ("YYYY-MM-DD HH:MM:SS"); a row
-- another tool wrote in another ISO form ('T' separator) still compares
-- right on SQLite and reads back canonical. Bad date text is a DataError
-- naming the attribute and the accepted forms, in filters as in assignments.
Invoice = db.Model("Invoice", {
  InvoiceId = db.Column("invoice_id", db.Integer, { primary_key = true, autoincrement = false }),
  InvoiceDate = db.Column("invoice_date", db.DateTime, { nullable = false }),
  DueOn = db.Column("due_on", db.Date),
})
db.create_all()
local I = Invoice
db.session:add_all{
  I{ InvoiceId = 1, InvoiceDate = "2023-12-31T23:59:59", DueOn = "2024-01-31" },
  I{ InvoiceId = 2, InvoiceDate = "2024-01-01" },
  I{ InvoiceId = 3, InvoiceDate = "2024-01-01T10:30" },
  I{ InvoiceId = 4, InvoiceDate = "2024-01-02 08:00:00", DueOn = "2024-02-29" },
}
db.session:commit()
-- another tool's row, in ISO-8601's 'T' form
db.session:execute(db.text("INSERT INTO invoice (invoice_id, invoice_date) VALUES (5, :d)"),
  { d = "2024-01-01T12:00:00" })
db.session:commit()
-- what ormsh stored: the canonical form
print(db.session:execute(db.text(
  "SELECT invoice_id, invoice_date FROM invoice WHERE invoice_id < 5 ORDER BY invoice_id")):all())

local function ids(q) local t = {} for _, o in ipairs(q:order_by(I.InvoiceId):all()) do t[#t + 1] = o.InvoiceId end return table.concat(t, " ") end
print("ge T", ids(I.query:filter(I.InvoiceDate:ge("2024-01-01T00:00:00"))))
print("ge sp", ids(I.query:filter(I.InvoiceDate:ge("2024-01-01 00:00:00"))))
print("gt min", ids(I.query:filter(I.InvoiceDate:gt("2024-01-01 00:00"))))
print("eq date", ids(I.query:filter(I.InvoiceDate:eq("2024-01-01"))))
print("eq T", ids(I.query:filter(I.InvoiceDate:eq("2024-01-01T12:00"))))
print("ne", ids(I.query:filter(I.InvoiceDate:ne("2024-01-01 12:00:00"))))
print("lt", ids(I.query:filter(I.InvoiceDate:lt("2024-01-01T10:30:00"))))
print("between", ids(I.query:filter(I.InvoiceDate:between("2024-01-01", "2024-01-01T23:59:59"))))
print("in", ids(I.query:filter(I.InvoiceDate:in_{ "2024-01-01T10:30:00", "2024-01-01 12:00" })))
print("filter_by", ids(I.query:filter_by{ InvoiceDate = "2024-01-01T00:00" }))
print("date le", ids(I.query:filter(I.DueOn:le("2024-01-31"))))
print("date between", ids(I.query:filter(I.DueOn:between("2024-02-01", "2024-03-01"))))
print("count", I.query:filter(I.InvoiceDate:ge("2024-01-01T00:00:00")):count())
-- every row reads back canonical, the other tool's too
for _, o in ipairs(I.query:order_by(I.InvoiceId):all()) do print(o.InvoiceId, o.InvoiceDate, o.DueOn) end
-- a DateTime given as a date alone is its midnight
local o = I{ InvoiceId = 6, InvoiceDate = "2024-03-01" }
print(o.InvoiceDate)
db.session:rollback()

local function err(f) local ok, e = pcall(f) print(ok, tostring(e)) end
err(function() return I.query:filter(I.InvoiceDate:ge("2024-13-01")):all() end)
err(function() return I.query:filter(I.InvoiceDate:between("2024-01-01", "soon")):all() end)
err(function() return I.query:filter_by{ InvoiceDate = "2024-01-01 25:00" }:all() end)
err(function() return I.query:filter(I.DueOn:eq("2024-01-01 00:00")):all() end)
err(function() return I{ InvoiceDate = "yesterday" } end)
