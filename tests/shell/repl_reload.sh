#!/bin/sh
# repl_reload — reload() in a piped `-i` session: models.lua edited while
# the shell runs is read again (a new model and a new method appear, the
# banner's Models line is printed again), objects loaded before keep
# working; refused while changes are pending; a broken models.lua leaves
# the old models in place; without an app or on an in-memory database it
# says why.
set -u
mkdir -p app
cat >app/app.lua <<'LUA'
return { name = "rl", database = "sqlite:///instance/app.db", models = { "models" } }
LUA
cat >app/models.lua <<'LUA'
Author = db.Model("Author", {
  id   = db.Column(db.Integer, { primary_key = true }),
  name = db.Column(db.String(30)),
})
LUA
"$ORMSH" --app app -e 'db.create_all() db.session:add(Author{name = "Umang"}) db.session:commit()' ||
    { echo "setup failed"; exit 1; }
cat >in.lua <<LUA
a = Author.query:first()
Book
os.execute("cat $PWD/more.lua >> $PWD/app/models.lua") and nil
reload()
Book
Author.query:first():hello()
a.name, a.id
Author.query:count()
db.session:add(Author{name = "Ann"})
reload()
db.session:rollback()
os.execute("echo 'this is not lua' >> $PWD/app/models.lua") and nil
reload()
Book
"still here"
LUA
cat >more.lua <<'LUA'
Book = db.Model("Book", { id = db.Column(db.Integer, { primary_key = true }) })
function Author:hello() return "hello " .. self.name end
LUA
"$ORMSH" --app app -i <in.lua >out 2>err || { echo "ormsh failed"; cat err; exit 1; }
cat >want <<'OUT'
<class Book>
hello Umang
Umang	1
1
<class Book>
still here
OUT
fail() { echo "FAIL: $*"; echo "--- stdout"; cat out; echo "--- stderr"; cat err; exit 1; }
diff -u want out || fail "stdout differs"
grep -q '^>>> .*Models: Author, Book$' err || grep -qx 'Models: Author, Book' err || fail "no Models line after reload"
grep -q 'reload(): 1 uncommitted change; commit() or rollback() first' err || fail "pending changes"
grep -q 'models.lua:[0-9]*: syntax error' err || fail "the broken models.lua error"
grep -q 'reload(): the models failed to load; the old ones stay' err || fail "failed reload"

printf 'reload()\n' | "$ORMSH" -i --database sqlite:// >out 2>err
grep -q 'reload(): there is no app to reload' err || fail "without an app"
sed -i '/this is not lua/d' app/models.lua
printf 'reload()\n' | "$ORMSH" -i --app app --database sqlite:// >out 2>err
grep -q 'reload(): an in-memory database cannot be opened again' err || fail "in-memory"
printf 'reload()\n' | "$ORMSH" -i --app app --database 'sqlite:///:memory:' >out 2>err
grep -q 'reload(): an in-memory database cannot be opened again' err || fail "in-memory (:memory:)"
exit 0
