-- model_composite_key_serial.lua — autoincrement = true on one column of a
-- composite primary key (SQLAlchemy's autoincrement=True; Pagila's
-- payment (payment_date, payment_id)): create_all makes it SERIAL /
-- AUTO_INCREMENT (MariaDB also gets the KEY it needs when the column is
-- not first), inserts leave it out and read back the number the database
-- gave, and the object is then found by its whole key. Without the option
-- the integer columns of a composite key are plain values the script gives.
-- SQLite cannot number a column of a composite key: not run there
-- (model_composite_key_serial_sqlite.lua is its error).
Payment = db.Model("Payment", {
  __tablename = "payment",
  paid_on = db.Column(db.String(10), { primary_key = true }),
  id = db.Column(db.Integer, { primary_key = true, autoincrement = true }),
  amount = db.Column(db.Integer, { nullable = false }),
})
Line = db.Model("Line", {
  order_id = db.Column(db.Integer, { primary_key = true }),
  n = db.Column(db.Integer, { primary_key = true }),
})
db.create_all()
local a, b = Payment{ paid_on = "2022-01-05", amount = 3 }, Payment{ paid_on = "2022-01-05", amount = 4 }
db.session:add_all{ a, b }
db.session:commit()
print(a.id, b.id)
print(rawequal(Payment.query:get({ "2022-01-05", 2 }), b))
local c = Payment{ paid_on = "2022-01-06", id = 10, amount = 5 }
db.session:add(c)
db.session:commit()
print(c.id, Payment.query:count())
-- a rolled-back insert gives its number back to no one: the object forgets it
local d = Payment{ paid_on = "2022-01-07", amount = 6 }
db.session:add(d)
db.session:flush()
print(d.id ~= nil)
db.session:rollback()
print(d.id)
-- a composite key without the option: the script's values
db.session:add(Line{ order_id = 1, n = 1 })
db.session:commit()
print(Line.query:get({ 1, 1 }).n)
print(select(2, pcall(function() db.session:add(Line{ order_id = 1 }); db.session:commit() end)) ~= nil)
