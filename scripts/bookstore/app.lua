-- app.lua — the tutorial's bookstore app: ormsh reads this table to find
-- the database and the model modules.
return {
  name = "bookstore",
  database = "sqlite:///instance/bookstore.db",
  models = { "models" },
}
