#!/bin/sh
# explore_pg_types — PostgreSQL schema features of real databases (Pagila):
# a column whose type is a domain maps to the domain's base type (a domain
# year over integer is db.Integer, so a script can store a number in it);
# enums and arrays stay db.Text with the type in a comment; an index on an
# expression shows in `.schema` as the catalog spells it (it was "out of
# memory") and in models.lua as a comment; `db models` then `db check`
# agree, and the models create the tables in an empty database. A
# partitioned table is one class: its partitions (Pagila's payment_p2022_01
# ...) were classes of their own; the foreign keys its partitions declare
# are its own (it had no relationship). Its serial payment_id, in a composite key,
# is autoincrement = true: inserts leave it out and read it back (they wrote
# NULL into it and failed). A default of now() is written CURRENT_TIMESTAMP.
# A serial outside the key keeps its nextval default; an IDENTITY one is
# left out of inserts that do not give it. A table of no columns is noted.
. "$ROOT/tests/shell/backend.inc"
new_app
sql "CREATE DOMAIN year AS integer CONSTRAINT year_check CHECK (VALUE >= 1901 AND VALUE <= 2155);
CREATE DOMAIN short_title AS varchar(20);
CREATE TYPE mpaa_rating AS ENUM ('G', 'PG', 'R');
CREATE TABLE film (film_id serial PRIMARY KEY, title short_title NOT NULL, release_year year,
  rating mpaa_rating DEFAULT 'G', length smallint, special_features text[]);
CREATE INDEX film_lower_title ON film (lower(title));
CREATE TABLE customer (customer_id serial PRIMARY KEY, first_name text NOT NULL,
  last_update timestamp NOT NULL DEFAULT now());
INSERT INTO customer (first_name) VALUES ('MARY');
CREATE TABLE payment (payment_id serial, customer_id integer NOT NULL, amount numeric(5, 2) NOT NULL,
  payment_date timestamp NOT NULL, PRIMARY KEY (payment_date, payment_id)) PARTITION BY RANGE (payment_date);
CREATE TABLE payment_p2022_01 PARTITION OF payment FOR VALUES FROM ('2022-01-01') TO ('2022-02-01');
CREATE TABLE payment_p2022_02 PARTITION OF payment FOR VALUES FROM ('2022-02-01') TO ('2022-03-01');
ALTER TABLE payment_p2022_01 ADD CONSTRAINT payment_p2022_01_customer_id_fkey FOREIGN KEY (customer_id)
  REFERENCES customer (customer_id);
ALTER TABLE payment_p2022_02 ADD CONSTRAINT payment_p2022_02_customer_id_fkey FOREIGN KEY (customer_id)
  REFERENCES customer (customer_id);
CREATE TABLE payment_p2022_03 PARTITION OF payment FOR VALUES FROM ('2022-03-01') TO ('2022-04-01');
CREATE TABLE ticket (id integer PRIMARY KEY, seq serial, label text,
  num integer GENERATED ALWAYS AS IDENTITY);
CREATE TABLE empty ()" >/dev/null ||
    fail "cannot make the schema"

ok db models -o "$TESTDIR/models.lua"
m="$TESTDIR/models.lua"
# a table of no columns (PostgreSQL allows one) is left out with a note; it
# made the whole reflection fail ("model Empty has no columns")
has "$TESTDIR/err" "table 'empty' has no columns: not reflected"
has "$m" '  title = db.Column(db.String(20), { nullable = false }),'
has "$m" '  release_year = db.Column(db.Integer),'
has "$m" '  rating = db.Column(db.Text, { server_default = "'"'G'"'" }), -- mpaa_rating'
has "$m" '  special_features = db.Column(db.Text), -- text[]'
has "$m" '  -- not declared here: CREATE INDEX film_lower_title ON public.film USING btree (lower((title)::text))'

has "$m" 'Payment = db.Model("Payment", {'
hasnt "$m" 'payment_p2022'
# a foreign key the partitions declare is the class's (Pagila declares them
# there, on all but its newest partition)
has "$m" '  customer_id = db.Column(db.Integer, db.ForeignKey("customer.customer_id"), { nullable = false }),'
# now() is written as the standard CURRENT_TIMESTAMP (SQLite has no now())
has "$m" '  last_update = db.Column(db.DateTime, { nullable = false, server_default = "CURRENT_TIMESTAMP" }),'

printf '.schema film\n' | bare -i
has "$TESTDIR/out" 'CREATE INDEX film_lower_title ON public.film USING btree (lower((title)::text));'

# the reflected models take a number for the domain column
bare -e 'db.session:add(Film{ title = "ACADEMY", release_year = 2006, length = 90 }); db.session:commit()'
bare -e 'local f = Film.query:filter(Film.release_year:eq(2006)):first(); print(f.title, f.release_year, math.type(f.release_year))'
same "$TESTDIR/out" "ACADEMY	2006	integer"
sql "INSERT INTO payment (customer_id, amount, payment_date) VALUES (1, 1.5, '2022-02-03 10:00:00')" >/dev/null
bare -e 'local p = Payment.query:one(); print(p.amount, p.payment_date, Payment.query:count(), p.customer.first_name)'
same "$TESTDIR/out" "1.50	2022-02-03 10:00:00	1	MARY"
# the serial in the composite key is numbered by the database and read back
has "$m" '  payment_id = db.Column(db.Integer, { primary_key = true, autoincrement = true }),'
bare -e 'local p = Payment{ customer_id = 1, amount = 2.5, payment_date = "2022-01-05 09:00:00" }
db.session:add(p); db.session:commit(); print(p.payment_id, Payment.query:count())
print(rawequal(Payment.query:get({ 2, "2022-01-05 09:00:00" }), p))'
same "$TESTDIR/out" "2	2
true"
# a serial outside the primary key keeps its default: the database numbers
# it, inserts leave it out and read it back (it was a plain NOT NULL column,
# and an insert without it failed)
has "$m" "  seq = db.Column(db.Integer, { nullable = false, server_default = \"nextval('ticket_seq_seq'::regclass)\" }),"
bare -e 'local t = Ticket{ id = 10, label = "x" }; db.session:add(t); db.session:commit(); print(t.seq)'
same "$TESTDIR/out" "1"
# an IDENTITY column outside the key has no default to write: a new object
# that never gives it leaves it out of the INSERT (it wrote NULL, which a
# GENERATED ALWAYS column refuses), and the database numbers it
has "$m" '  num = db.Column(db.Integer, { nullable = false }),'
[ "$(sql "SELECT num FROM ticket WHERE id = 10")" = 1 ] || fail "identity: $(sql "SELECT * FROM ticket")"

# the round trip, and the models create the same tables in an empty database
models <"$m"
ok db check
same "$TESTDIR/out" "No new upgrade operations detected."
sql "DROP TABLE film; DROP TABLE payment; DROP TABLE customer" >/dev/null
ok -e 'db.create_all()'
ok -e 'db.session:add(Film{ title = "B", release_year = 2007, length = 30 }); db.session:commit(); print(Film.query:first().release_year)'
same "$TESTDIR/out" "2007"
ok -e 'local c = Customer{ first_name = "ANN" }
local p = Payment{ customer = c, amount = 1, payment_date = "2022-03-01 08:00:00" }
db.session:add(p); db.session:commit(); print(p.payment_id, #c.payments)'
same "$TESTDIR/out" "1	1"
