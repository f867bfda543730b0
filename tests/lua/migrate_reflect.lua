-- migrate_reflect.lua — a schema read back from each backend's catalogs
-- (SQLite's pragmas, PostgreSQL's pg_catalog, MySQL's information_schema):
-- every column type of docs/reference.md maps back to its ormsh name, with
-- nullability, server defaults, the primary key, unique constraints,
-- indexes and foreign keys with ON DELETE. A database create_all made has
-- nothing to migrate, and the revision autogenerate would write to create
-- it again is the same text on every backend (names the backends give
-- unnamed constraints read as unnamed).
local orm = require "orm"
Kind = db.Model("Kind", {
  id = db.Column(db.Integer, { primary_key = true }),
  big = db.Column(db.BigInteger),
  label = db.Column(db.String(20), { nullable = false, server_default = "'new'" }),
  code = db.Column(db.String(10), { unique = true }),
  body = db.Column(db.Text),
  flag = db.Column(db.Boolean),
  ratio = db.Column(db.Float),
  price = db.Column(db.Numeric(10, 2)),
  born = db.Column(db.Date),
  seen = db.Column(db.DateTime),
  blob = db.Column(db.LargeBinary),
  meta = db.Column(db.JSON),
})
Item = db.Model("Item", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30), { index = true }),
  serial = db.Column(db.String(12), { unique = true, index = true }),
  kind_id = db.Column(db.Integer, db.ForeignKey("kind.id", { ondelete = "CASCADE" }), { nullable = false }),
})
db.create_all()
print(orm.migrate.diff(db).n, orm.migrate.partial(db))

-- a second connection without models: both tables would be dropped, and
-- the downgrade creates them again from what the database says
local url = os.getenv("ORMSH_TEST_URL")
if url == "sqlite://" then url = db.url end -- no password to hide on SQLite
local other = orm.connect(url)
local d = orm.migrate.diff(other, { "kind", "item" })
print(d.upgrade)
print(d.downgrade)
