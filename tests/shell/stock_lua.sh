#!/bin/sh
# stock_lua — orm.so loads into Debian's stock lua5.4 with require "orm"
# (it does not link liblua itself) and does the basic work there; objects
# still linked to each other when the script ends are freed by lua_close
# (checked for leaks in the sanitizer build).
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

# lua_close runs finalizers without clearing weak values first: the
# instance cache still holds the instance being finalized, which once passed
# for a newer one, so what it had loaded was never let go (a leak, both
# sides holding each other)
cat >exit.lua <<'LUA'
package.cpath = arg[1] .. "/?.so;" .. package.cpath
db = require("orm").connect("sqlite://")
Author = db.Model("Author", {
  id = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30)),
  books = db.relationship("Book", { backref = "author" }),
})
Book = db.Model("Book", {
  id = db.Column(db.Integer, { primary_key = true }),
  title = db.Column(db.String(30)),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id")),
})
db.create_all()
lonely = Author{ name = "Lonely" }
lonely.books:append(Book{ title = "Unsent" })
draft = Book{ title = "Draft", author = Author{ name = "Ghost" } }
db.session:add(Author{ name = "Ann", books = { Book{ title = "One" }, Book{ title = "Two" } } })
db.session:commit()
ann = Author.query:options(db.selectinload(Author.books)):one()
print(lonely.books[1].author.name, draft.author.name, #ann.books, ann.books[1].author.name)
LUA
LD_PRELOAD="$PRELOAD" ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=1" "$LUA" exit.lua "$SO_DIR" >out 2>err || { cat err; exit 1; }
printf 'Lonely\tGhost\t2\tAnn\n' >want
diff -u want out && ! grep -q LeakSanitizer err || { cat err; exit 1; }
