-- model_composite_key_serial_sqlite.lua — SQLite numbers only a lone
-- INTEGER PRIMARY KEY, so autoincrement = true on a column of a composite
-- key (a models.lua written from Pagila's payment) cannot be filled there:
-- the insert says so, naming the column and what to do, instead of
-- SQLite's bare "NOT NULL constraint failed"; nothing is written, and the
-- same object with a value goes in.
Payment = db.Model("Payment", {
  __tablename = "payment",
  paid_on = db.Column(db.String(10), { primary_key = true }),
  id = db.Column(db.Integer, { primary_key = true, autoincrement = true }),
  amount = db.Column(db.Integer, { nullable = false }),
})
db.create_all()
local p = Payment{ paid_on = "2022-01-05", amount = 3 }
db.session:add(p)
local ok, err = pcall(db.session.commit, db.session)
print(ok, db.IntegrityError:is(err))
print(err.message)
db.session:rollback()
print(Payment.query:count())
p = Payment{ paid_on = "2022-01-05", id = 7, amount = 3 }
db.session:add(p)
db.session:commit()
print(Payment.query:get({ "2022-01-05", 7 }).amount)
