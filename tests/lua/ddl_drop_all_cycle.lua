-- ddl_drop_all_cycle.lua — drop_all over a foreign-key cycle (Sakila's
-- store.manager_staff_id and staff.store_id), rows in both tables:
-- create_all adds one key of the cycle after the tables; drop_all now
-- drops that key first (by the name the database gave it), where every
-- order of DROP TABLE failed on PostgreSQL ("cannot drop table staff
-- because other objects depend on it") and MariaDB ("Cannot delete or
-- update a parent row"). SQLite's DROP TABLE deletes the rows first and
-- failed on the keys ("FOREIGN KEY constraint failed"): drop_all defers
-- them to its commit. A second drop_all finds nothing to drop.
Store = db.Model("Store", {
  id = db.Column(db.Integer, { primary_key = true }),
  manager_id = db.Column(db.Integer, db.ForeignKey("staff.id")),
})
Staff = db.Model("Staff", {
  id = db.Column(db.Integer, { primary_key = true }),
  store_id = db.Column(db.Integer, db.ForeignKey("store.id"), { nullable = false }),
})
db.create_all()
db.session:add(Store{ id = 1 })
db.session:flush()
db.session:add(Staff{ id = 7, store_id = 1 })
db.session:flush()
Store.query:get(1).manager_id = 7
db.session:commit()
print(Store.query:get(1).manager_id, Staff.query:get(7).store_id)
db.session:close()
print(pcall(db.drop_all))
print(pcall(db.drop_all))
db.create_all()
print(Staff.query:count())
