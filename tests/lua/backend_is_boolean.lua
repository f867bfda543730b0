-- backend_is_boolean.lua — is_(true) / isnot(false) / is_(nil) on a Boolean
-- column compile to IS true / IS NOT false / IS NULL, which every backend
-- accepts (a bound parameter after IS is refused by PostgreSQL and MySQL).
T = db.Model("T", {
  id = db.Column(db.Integer, { primary_key = true }),
  b = db.Column(db.Boolean),
})
db.create_all()
db.session:add_all{ T{ b = true }, T{ b = false }, T{} }
db.session:commit()
print(tostring(T.b:is_(true)), tostring(T.b:isnot(false)))
print(T.query:filter(T.b:is_(true)):count(), T.query:filter(T.b:isnot(false)):count(),
  T.query:filter(T.b:is_(nil)):count(), T.query:filter(T.b:is_(db.null)):count())
