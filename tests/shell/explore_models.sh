#!/bin/sh
# explore_models — `db models` writes the live tables as a models.lua that
# passes `db check` against the same database (the round trip), and
# `db diagram` draws the models: .dot parsed by Graphviz itself, .svg made
# through dot, a clear error naming graphviz when dot is missing. On every
# backend (see .backends).
. "$ROOT/tests/shell/backend.inc"
new_app
models <<'LUA'
db.Model("Author", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30), { index = true }),
  email = db.Column(db.String(30), { unique = true, nullable = false }),
  status = db.Column(db.String(10), { server_default = "'new'" }),
})
db.Model("Book", {
  id = db.Column(db.Integer, { primary_key = true }),
  title = db.Column(db.String(50), { nullable = false }),
  price = db.Column(db.Numeric(10, 2)),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id", { ondelete = "CASCADE" })),
  editor_id = db.Column(db.Integer, db.ForeignKey("author.id")),
  __table_args = { db.Index("book_title_idx", "title", "author_id"), db.UniqueConstraint("title", "editor_id") },
})
db.Model("Employee", { __tablename = "Employee",
  EmployeeId = db.Column(db.Integer, { primary_key = true }),
  ReportsTo = db.Column(db.Integer, db.ForeignKey("Employee.EmployeeId")),
})
db.Model("Store", { id = db.Column(db.Integer, { primary_key = true }), name = db.Column(db.Text) })
db.Table("book_to_store_map",
  db.Column("book_id", db.Integer, db.ForeignKey("book.id"), { primary_key = true }),
  db.Column("store_id", db.Integer, db.ForeignKey("store.id"), { primary_key = true }))
db.Model("Odd", { __tablename = "my table", id = db.Column(db.Integer, { primary_key = true }),
  ["my col"] = db.Column(db.Boolean) })
LUA
ok -e 'db.create_all(); db.session:execute(db.text("CREATE TABLE audit_log (at VARCHAR(20), msg VARCHAR(50) NOT NULL)")); db.session:commit()'

ok db models -o "$TESTDIR/models.lua"
has "$TESTDIR/err" "Wrote $TESTDIR/models.lua"
m="$TESTDIR/models.lua"
has "$m" 'Author = db.Model("Author", {'
has "$m" '  name = db.Column(db.String(30), { index = true }),'
has "$m" '  email = db.Column(db.String(30), { nullable = false, unique = true }),'
has "$m" '  author_id = db.Column(db.Integer, db.ForeignKey("author.id", { ondelete = "CASCADE" })),'
has "$m" '  author = db.relationship("Author", { foreign_keys = "author_id", back_populates = "books_by_author" }),'
has "$m" '  books_by_editor = db.relationship("Book", { foreign_keys = "editor_id", back_populates = "editor" }),'
has "$m" '  reports_to = db.relationship("Employee", { uselist = false, back_populates = "employees_by_reports_to" }),'
has "$m" '  stores = db.relationship("Store", { secondary = "book_to_store_map", back_populates = "books" }),'
has "$m" '  __table_args = {'
has "$m" '    db.Index("book_title_idx", "title", "author_id"),'
has "$m" '    db.UniqueConstraint("title", "editor_id"),'
has "$m" 'BookToStoreMap = db.Model("BookToStoreMap", {'
has "$m" 'MyTable = db.Model("MyTable", {'
has "$m" '  ["my col"] = db.Column(db.Boolean),'
has "$m" '  __readonly = true,'
has "$TESTDIR/err" "ormsh: note: table 'audit_log' has no primary key: its class AuditLog is read-only"
# parents before children
[ "$(grep -n '^Author = ' "$m" | cut -d: -f1)" -lt "$(grep -n '^Book = ' "$m" | cut -d: -f1)" ] || fail "Book before Author"
[ "$(grep -n '^Book = ' "$m" | cut -d: -f1)" -lt "$(grep -n '^BookToStoreMap = ' "$m" | cut -d: -f1)" ] || fail "map before Book"
# without -o: the same text on standard output
ok db models
cmp -s "$TESTDIR/out" "$m" || fail "db models on stdout differs from -o"

# an app whose models.lua is not written yet (the first step of modelling
# a database nobody modelled): db models reflects the database alone, where
# loading the app's missing models failed the command
rm "$APP/models.lua"
ok db models -o "$APP/models.lua"
cmp -s "$APP/models.lua" "$m" || fail "db models in an app without models.lua differs"

# the round trip: an app whose models.lua is that file agrees with the database
models <"$m"
ok db check
same "$TESTDIR/out" "No new upgrade operations detected."
ok -e 'local b = Book{ title = "T", author = Author{ name = "a", email = "a@x" } }; b.stores:append(Store{ name = "s" }); db.session:add(b); db.session:commit(); print(#Author.query:first().books_by_author, Store.query:first().books[1].title)'
same "$TESTDIR/out" "1	T"

# diagrams
command -v dot >/dev/null || fail "Graphviz's dot is not installed (make test-deps)"
ok db diagram -o "$TESTDIR/schema.dot"
d="$TESTDIR/schema.dot"
has "$d" '"author" -> "book"'
has "$d" 'author_id\nauthor / books_by_author'
has "$d" 'PK</td><td align="left">id</td><td align="left">Integer NOT NULL'
has "$d" 'email</td><td align="left">String(30) NOT NULL'
dot -Tsvg "$d" >"$TESTDIR/check.svg" 2>"$TESTDIR/dot.err" || fail "dot rejects the diagram: $(cat "$TESTDIR/dot.err")"
ok db diagram -o "$TESTDIR/schema.svg"
has "$TESTDIR/schema.svg" "<svg"
mkdir -p "$TESTDIR/nobin"
PATH="$TESTDIR/nobin" "$ORMSH" --app "$APP" db diagram -o "$TESTDIR/x.png" >"$TESTDIR/out" 2>"$TESTDIR/err" && fail "diagram without dot succeeded"
[ "$(wc -l <"$TESTDIR/err")" -eq 1 ] || fail "not one line: $(cat "$TESTDIR/err")"
has "$TESTDIR/err" "graphviz"
[ ! -e "$TESTDIR/x.png" ] || fail "x.png written"
status 2 db diagram -o "$TESTDIR/x.gif"
clean
