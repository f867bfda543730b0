#!/bin/sh
# explore_my_types — MySQL/MariaDB schema features of real databases
# (Sakila): a FULLTEXT or SPATIAL index, which db.Index cannot make, is a
# comment in models.lua with its DDL (it was a plain db.Index, which
# create_all then failed to make: "Specified key was too long") and shows
# as itself in `.schema`; ENUM and SET stay db.Text with the type in a
# comment, YEAR is db.Integer (it reads back as a number: as db.Text a
# script could not store release_year + 1); a BIGINT UNSIGNED past
# INT64_MAX reads as its digits (it was -1); `db models` then `db check`
# agree, and the models create the tables in an empty database. BIT(1) is
# db.Boolean and BIT(n) a db.Integer, read as numbers (they were db.Text
# holding raw bytes: "\001"); VARBINARY is db.LargeBinary. A default of
# current_timestamp() is CURRENT_TIMESTAMP and a BOOLEAN's 1 is TRUE, which
# every backend takes (PostgreSQL refused "boolean DEFAULT 1").
. "$ROOT/tests/shell/backend.inc"
new_app
sql "CREATE TABLE film_text (film_id SMALLINT UNSIGNED NOT NULL PRIMARY KEY, title VARCHAR(255) NOT NULL,
  description TEXT, rating ENUM('G','PG') DEFAULT 'G', features SET('Trailers','Commentaries'),
  release_year YEAR, FULLTEXT KEY idx_title_description (title, description)) ENGINE=InnoDB;
CREATE TABLE place (id INT PRIMARY KEY, location GEOMETRY NOT NULL, SPATIAL KEY idx_location (location));
CREATE TABLE counter (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, hits BIGINT UNSIGNED,
  updated TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  active BOOLEAN NOT NULL DEFAULT TRUE);
INSERT INTO film_text (film_id, title, release_year) VALUES (7, 'ZORRO', 2006);
INSERT INTO counter (hits) VALUES (18446744073709551615), (42);
CREATE TABLE product (id INT PRIMARY KEY, discontinued BIT(1) NOT NULL, perms BIT(8), wide BIT(64),
  uid VARBINARY(16));
INSERT INTO product VALUES (1, b'1', b'00001100', b'1111111111111111111111111111111111111111111111111111111111111111',
  UNHEX('00FF10')), (2, b'0', NULL, b'101', NULL);
CREATE TABLE payment (payment_id INT NOT NULL AUTO_INCREMENT, payment_date DATETIME NOT NULL,
  PRIMARY KEY (payment_date, payment_id), KEY idx_autoinc_payment_id (payment_id))" ||
    fail "cannot make the schema"

ok db models -o "$TESTDIR/models.lua"
m="$TESTDIR/models.lua"
has "$m" '  -- not declared here: CREATE FULLTEXT INDEX idx_title_description ON film_text (title, description)'
has "$m" '  -- not declared here: CREATE SPATIAL INDEX idx_location ON place (location)'
hasnt "$m" 'db.Index('
has "$m" "  rating = db.Column(db.Text, { server_default = \"'G'\" }), -- enum('G','PG')"
has "$m" "  features = db.Column(db.Text), -- set('Trailers','Commentaries')"
has "$m" '  release_year = db.Column(db.Integer),'
has "$m" '  discontinued = db.Column(db.Boolean, { nullable = false }),'
has "$m" '  perms = db.Column(db.Integer),'
has "$m" '  wide = db.Column(db.BigInteger),'
has "$m" '  uid = db.Column(db.LargeBinary),'
# MariaDB's current_timestamp() is written as the standard CURRENT_TIMESTAMP,
# which PostgreSQL and SQLite take too (the models move to another backend)
has "$m" '  updated = db.Column(db.DateTime, { nullable = false, server_default = "CURRENT_TIMESTAMP" }),'
has "$m" '  active = db.Column(db.Boolean, { nullable = false, server_default = "TRUE" }),'

bare -e 'local f = FilmText.query:get(7); f.release_year = f.release_year + 1; db.session:commit()
for _, c in ipairs(Counter.query:order_by(Counter.id):all()) do print(c.id, math.type(c.id), c.hits) end'
same "$TESTDIR/out" "1	integer	18446744073709551615
2	integer	42"
bare -e 'print(FilmText.query:get(7).release_year)'
same "$TESTDIR/out" "2007"
bare -e 'for _, p in ipairs(Product.query:order_by(Product.id):all()) do
  print(p.discontinued, p.perms, p.wide, p.uid and #p.uid) end
local p = Product.query:get(1); p.discontinued = false; p.perms = p.perms + 1; db.session:commit()
db.session:close(); p = Product.query:get(1); print(p.discontinued, p.perms)'
same "$TESTDIR/out" "true	12	18446744073709551615	3
false	nil	5	nil
false	13"

# AUTO_INCREMENT in a composite key: numbered by the server, read back
has "$m" '  payment_id = db.Column(db.Integer, { primary_key = true, autoincrement = true }),'
bare -e 'local p = Payment{ payment_date = "2022-01-05 09:00:00" }; db.session:add(p); db.session:commit()
print(p.payment_id, rawequal(Payment.query:get({ 1, "2022-01-05 09:00:00" }), p))'
same "$TESTDIR/out" "1	true"

printf '.schema film_text\n' | bare -i
has "$TESTDIR/out" 'CREATE FULLTEXT INDEX idx_title_description ON film_text (title, description);'

# the round trip, and the models create the same tables in an empty database
models <"$m"
ok db check
same "$TESTDIR/out" "No new upgrade operations detected."
sql "DROP TABLE film_text; DROP TABLE place; DROP TABLE counter; DROP TABLE product; DROP TABLE payment"
ok -e 'db.create_all()'
ok -e 'db.session:add(FilmText{ film_id = 1, title = "ACADEMY", rating = "PG" }); db.session:commit(); print(FilmText.query:first().rating)'
same "$TESTDIR/out" "PG"
