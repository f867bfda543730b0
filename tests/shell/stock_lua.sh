#!/bin/sh
# stock_lua — orm.so loads into Debian's stock lua5.4 with require "orm"
# (it does not link liblua itself) and does the basic work there.
set -u
LUA=$(command -v lua5.4) || { echo "lua5.4 is not installed (make deps installs it)"; exit 1; }
SO_DIR=$(dirname "$ORMSH")
[ -f "$SO_DIR/orm.so" ] || { echo "no orm.so beside $ORMSH"; exit 1; }
if ldd "$SO_DIR/orm.so" | grep -q liblua; then echo "orm.so links liblua"; exit 1; fi
PRELOAD=""
if ldd "$SO_DIR/orm.so" | grep -q libasan; then # the sanitizer build: its runtime must come first
  PRELOAD=$(gcc -print-file-name=libasan.so)
fi
cat >t.lua <<'LUA'
package.cpath = arg[1] .. "/?.so;" .. package.cpath
local orm = require "orm"
local db = orm.connect("sqlite:///" .. os.getenv("PWD") .. "/x.db")
local Author = db.Model("Author", {
  id = db.Column(db.Integer, { primary_key = true }),
  email = db.Column(db.String(30), { unique = true }),
})
db.create_all()
db.session:add_all{ Author{ email = "a@x.org" }, Author{ email = "a@x.org" } }
local ok, err = pcall(db.session.commit, db.session)
print(ok, tostring(err))
print(db.IntegrityError:is(err), orm.IntegrityError:is(err))
db.session:rollback()
db.session:add(Author{ email = "b@x.org" })
db.session:commit()
print(db.session:query(Author):all())
LUA
LD_PRELOAD="$PRELOAD" ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" "$LUA" t.lua "$SO_DIR" >out 2>err || { cat err; exit 1; }
cat >want <<'TXT'
false	IntegrityError: UNIQUE constraint failed: author.email
true	true
[<Author id=1>]
TXT
diff -u want out
