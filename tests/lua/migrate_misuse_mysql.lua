-- migrate_misuse_mysql.lua — a `--sql` revision on MariaDB runs nothing:
-- each op is checked against the database as reflected, followed by the
-- changes of the ops before it in the revision (a created, renamed or
-- altered table, a new index, constraint or column). Misused ops fail with
-- a MigrationError naming the table, column, index or constraint, and the
-- names the table has instead; ops that are right pass.
local orm = require("orm")
Author = db.Model("Author", { id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(20), { unique = true }), email = db.Column(db.String(20), { index = true }) })
Book = db.Model("Book", { id = db.Column(db.Integer, { primary_key = true }),
  title = db.Column(db.String(20)),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id")) })
db.create_all()
db.session:execute(db.text("CREATE TABLE lone (id INTEGER PRIMARY KEY)"))
db.session:execute(db.text("CREATE INDEX ix_twice ON book (title)"))
db.session:execute(db.text("CREATE INDEX ix_twice ON author (email)"))
db.session:commit()
local function run(label, fn, sql)
  local ok, err = pcall(orm.migrate.run, db, { { label = label, add = { "r1" }, remove = {}, fn = fn } },
    { sql = sql, emit = function() end })
  local cls = "ok"
  if not ok then
    cls = "not a db error"
    for _, c in ipairs{ "MigrationError", "ArgumentError", "ProgrammingError", "OperationalError", "Error" } do
      if db[c]:is(err) then cls = c break end
    end
  end
  print(label, cls, ok and "" or (type(err) == "table" and err.message or tostring(err)))
  pcall(db.session.rollback, db.session)
end
do
  local sql = true
  run("drop_column no table", function(op) op.drop_column("nosuch", "x") end, sql)
  run("drop_column no column", function(op) op.drop_column("author", "nosuch") end, sql)
  run("drop_column the last", function(op) op.drop_column("lone", "id") end, sql)
  run("alter_column onto another", function(op) op.alter_column("author", "name", { new_name = "email" }) end, sql)
  run("alter_column no column", function(op) op.alter_column("author", "nosuch", { nullable = true }) end, sql)
  run("alter_column id type", function(op) op.alter_column("author", "id", { type = "BigInteger" }) end, sql)
  run("drop_index none", function(op) op.drop_index("nosuch") end, sql)
  run("drop_index twice", function(op) op.drop_index("ix_twice") end, sql)
  run("drop_index after create", function(op) op.create_index("ix_new", "book", { "title" }); op.drop_index("ix_new") end, sql)
  run("drop_constraint none", function(op) op.drop_constraint("nosuch", "author") end, sql)
  run("drop_constraint fk none", function(op) op.drop_constraint("nosuch", "book", { type = "foreignkey" }) end, sql)
  run("drop_constraint no table", function(op) op.drop_constraint("nosuch", "nosuch") end, sql)
  run("drop_constraint lone", function(op) op.drop_constraint("nosuch", "lone", { type = "unique" }) end, sql)
  run("create_table empty", function(op) op.create_table("empty", {}) end, sql)
  run("create + fk in dry", function(op)
    op.create_table("shelf", { op.column("id", "Integer", { primary_key = true }), op.column("book_id", "Integer") })
    op.create_foreign_key("fk_shelf_book", "shelf", "book", { "book_id" }, { "id" })
    op.create_unique_constraint("uq_shelf_book", "shelf", { "book_id" })
    op.drop_constraint("fk_shelf_book", "shelf", { type = "foreignkey" })
    op.drop_constraint("uq_shelf_book", "shelf")
    op.drop_column("shelf", "book_id")
    op.drop_constraint("nosuch", "shelf")
  end, sql)
  run("rename then reuse", function(op)
    op.rename_table("lone", "alone")
    op.add_column("alone", op.column("x", "Integer"))
    op.drop_column("lone", "id")
  end, sql)
end
