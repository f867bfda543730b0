#!/bin/sh
# fixture_foreign_schema — `db dump` / `db load` on a database another tool
# made, read without an app (its reflected models): a foreign-key cycle
# (Sakila's store.manager_id <-> staff.store_id) and a tree whose child rows
# come before their parents in key order. On PostgreSQL such keys are NOT
# DEFERRABLE unless their creator said otherwise, so the load failed on its
# first row; it now makes them DEFERRABLE inside its own transaction, checks
# them at its end and makes them NOT DEFERRABLE again, so the schema is as it
# was. A dangling key is still one IntegrityError and nothing stays (on
# MariaDB, whose checks are off during such a load, the load checked only the
# cycle's keys that point forward, and let a store's dangling manager_id in).
# `db dump` and `db load` without an app dumped and loaded nothing: they now
# work on the reflected models, as the shell does. On every backend.
. "$ROOT/tests/shell/backend.inc"
new_app
mkdir -p "$APP/instance"
URL=${DATABASE_URL:-sqlite:///$DB}
db_() {
    (cd "$TESTDIR" && "$ORMSH" --database "$URL" "$@") >"$TESTDIR/out" 2>"$TESTDIR/err"
    RC=$?
}
case "$BACKEND" in
sqlite) sql "CREATE TABLE store (id INTEGER PRIMARY KEY, manager_id INTEGER REFERENCES staff (id));
CREATE TABLE staff (id INTEGER PRIMARY KEY, store_id INTEGER NOT NULL REFERENCES store (id));
CREATE TABLE category (id INTEGER PRIMARY KEY, name TEXT, parent_id INTEGER REFERENCES category (id))" ;;
*) sql "CREATE TABLE store (id INTEGER PRIMARY KEY, manager_id INTEGER);
CREATE TABLE staff (id INTEGER PRIMARY KEY, store_id INTEGER NOT NULL,
  CONSTRAINT fk_staff_store FOREIGN KEY (store_id) REFERENCES store (id));
ALTER TABLE store ADD CONSTRAINT fk_store_staff FOREIGN KEY (manager_id) REFERENCES staff (id);
CREATE TABLE category (id INTEGER PRIMARY KEY, name VARCHAR(20), parent_id INTEGER,
  CONSTRAINT fk_category_parent FOREIGN KEY (parent_id) REFERENCES category (id))" ;;
esac >/dev/null || fail "cannot make the schema"
sql "INSERT INTO store (id) VALUES (1);
INSERT INTO staff (id, store_id) VALUES (7, 1);
UPDATE store SET manager_id = 7;
INSERT INTO category (id, name, parent_id) VALUES (2, 'root', NULL);
INSERT INTO category (id, name, parent_id) VALUES (1, 'leaf', 2)" >/dev/null || fail "cannot fill it"

db_ db dump -o "$TESTDIR/dump.json"
[ "$RC" -eq 0 ] || fail "dump: $(cat "$TESTDIR/err")"
empty() {
    sql "UPDATE store SET manager_id = NULL; DELETE FROM staff; DELETE FROM store;
UPDATE category SET parent_id = NULL; DELETE FROM category" >/dev/null || fail "cannot empty it"
}
empty
db_ db load "$TESTDIR/dump.json"
[ "$RC" -eq 0 ] || fail "load: $(cat "$TESTDIR/err")"
has "$TESTDIR/err" "Loaded 4 rows from"
same_rows() {
    sql "SELECT s.id, s.manager_id, t.store_id FROM store s JOIN staff t ON t.id = s.manager_id" >"$TESTDIR/rows"
    sql "SELECT id, COALESCE(parent_id, 0) FROM category ORDER BY id" >>"$TESTDIR/rows"
    same "$TESTDIR/rows" "$1"
}
same_rows "1|7|1
1|2
2|0"
# the keys are as their creator made them
not_deferrable() {
    [ "$BACKEND" != postgresql ] && return 0
    n=$(sql "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND condeferrable")
    [ "$n" = 0 ] || fail "$n foreign keys left DEFERRABLE"
    n=$(sql "SELECT count(*) FROM pg_constraint WHERE contype = 'f'")
    [ "$n" = 3 ] || fail "$n foreign keys, want 3"
}
not_deferrable

# a key of the cycle that points nowhere: one error, nothing of the load stays
cat >"$TESTDIR/bad.json" <<'JSON'
[
{"model": "Store", "pk": 3, "fields": {"manager_id": 99}},
{"model": "Staff", "pk": 9, "fields": {"store_id": 3}},
{"model": "Category", "pk": 5, "fields": {"name": "x", "parent_id": 6}},
{"model": "Category", "pk": 6, "fields": {"name": "y", "parent_id": null}}
]
JSON
db_ db load "$TESTDIR/bad.json"
[ "$RC" -eq 1 ] || fail "a dangling key loaded (exit $RC): $(cat "$TESTDIR/err")"
[ "$(wc -l <"$TESTDIR/err")" -eq 1 ] || fail "more than one line: $(cat "$TESTDIR/err")"
has "$TESTDIR/err" "IntegrityError"
same_rows "1|7|1
1|2
2|0"
not_deferrable
