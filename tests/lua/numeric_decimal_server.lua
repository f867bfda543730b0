-- numeric_decimal_server.lua — raw SQL on the servers, where every result
-- column has a type: a NUMERIC/DECIMAL expression (CAST, sum of a Numeric
-- column) comes back as its exact decimal string, never a lossy float
-- (PostgreSQL: type 1700; MySQL: NEWDECIMAL); a whole NUMERIC (the sum of
-- integers) is an integer. Answers checked with psql and mariadb.
-- (SQLite gives expressions no declared type: there they stay numbers.)
Invoice = db.Model("Invoice", {
  InvoiceId = db.Column(db.Integer, { primary_key = true }),
  Total = db.Column(db.Numeric(10, 2)),
})
db.create_all()
local s = db.session
s:execute(db.text("INSERT INTO invoice (\"InvoiceId\", \"Total\") VALUES (:i, :t)"),
  { { i = 1, t = "1000.10" }, { i = 2, t = 1328.5 }, { i = 3, t = 0 } })
s:commit()
local big = s:scalar(db.text("SELECT CAST('12345678901234567.12' AS DECIMAL(20,2)) AS d"))
print(big, type(big))
local r = s:execute(db.text("SELECT sum(\"Total\") AS total, count(*) AS n, sum(\"InvoiceId\") AS ids FROM invoice")):one()
print(r.total, type(r.total), r.n, math.type(r.n), r.ids, math.type(r.ids))
print(s:query(db.func.sum(Invoice.Total)):scalar(), s:scalar(db.select(db.func.max(Invoice.Total))))
print(s:scalars(db.text("SELECT \"Total\" FROM invoice ORDER BY \"InvoiceId\"")):all())
print(s:scalar(db.text("SELECT CAST(:v AS DECIMAL(20,2))"), { v = 0.99 }), s:scalar(db.text("SELECT CAST(:v AS DECIMAL(30,20))"), { v = 0.99 }))
print(s:scalar(db.text("SELECT count(*) FROM invoice WHERE \"Total\" = :t"), { t = 1328.5 }))
