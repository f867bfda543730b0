#!/bin/sh
# learner_hints — the hints a learner coming from Python meets in a piped
# -i session: a method called with '.' names the call with a colon (the
# receiver as typed, the arguments from the docs); <, <=, >, >= on a column
# name the method to use; a boolean in filter() says to use :eq; the
# globals func, and_, or_, not_, text, null; bare exit/quit say how to
# leave; quit() leaves, still rolling back what is uncommitted.
set -u
app="$TESTDIR/lib"
mkdir -p "$app"
printf 'return { name = "lib", database = "sqlite:///instance/lib.db", models = { "models" } }\n' >"$app/app.lua"
cat >"$app/models.lua" <<'LUA'
Author = db.Model("Author", {
  __tablename = "author",
  id    = db.Column(db.Integer, { primary_key = true }),
  email = db.Column(db.String(30), { unique = true, nullable = false }),
  books = db.relationship("Book", { back_populates = "author" }),
})
Book = db.Model("Book", {
  id        = db.Column(db.Integer, { primary_key = true }),
  author_id = db.Column(db.Integer, db.ForeignKey("author.id")),
  author    = db.relationship("Author", { back_populates = "books" }),
})
function Author:set_email(email) self.email = email end
db.create_all()
LUA
cat >in.lua <<'LUA'
a = Author{ email = "u@x" }
ok = a.set_email("v@x")
db.session.add(a)
session.add_all({ a })
Author.query.all()
Author.query:filter_by{ email = "u@x" }.first()
r = db.session:execute(text("SELECT 1 AS one"))
r.scalar()
a.books.append(Book())
Author.id < 3
Author.id <= 3
Author.id > 3
Author.id >= 3
Author.query:filter(Author.id == 3):all()
Author.query:filter(and_(Author.id:gt(0), or_(Author.email:eq("u@x"), not_(Author.email:is_(null))))):count()
session:query(func.count(Author.id)):scalar()
print(session == db.session, func == db.func, text == db.text, null == db.null)
exit
quit
db.session:add(a)
quit()
print("not reached")
LUA
"$ORMSH" --app "$app" -i <in.lua >out 2>err
rc=$?
bad() { echo "FAIL: $*"; echo "--- stdout:"; cat out; echo "--- stderr:"; cat err; exit 1; }
[ "$rc" -eq 0 ] || bad "exit status $rc"
# the error lines, without the prompts printed before them
sed -e 's/^\(>>> \|lib\[[^]]*\]>>> \)*//' err >lines
for want in \
    'stdin:1: a.set_email is a method: use a:set_email(email), with a colon' \
    'stdin:1: db.session.add is a method: use db.session:add(obj), with a colon' \
    'stdin:1: session.add_all is a method: use session:add_all({obj1, obj2}), with a colon' \
    'stdin:1: Author.query.all is a method: use Author.query:all(), with a colon' \
    'stdin:1: Author.query:filter_by{ email = "u@x" }.first is a method: use Author.query:filter_by{ email = "u@x" }:first(), with a colon' \
    'stdin:1: r.scalar is a method: use r:scalar(), with a colon' \
    'stdin:1: a.books.append is a method: use a.books:append(obj), with a colon' \
    'ArgumentError: < cannot compare SQL expressions in Lua: use Author.id:lt(3)' \
    'ArgumentError: <= cannot compare SQL expressions in Lua: use Author.id:le(3)' \
    'ArgumentError: > cannot compare SQL expressions in Lua: use Author.id:gt(3)' \
    'ArgumentError: >= cannot compare SQL expressions in Lua: use Author.id:ge(3)' \
    "stdin:1: bad argument #1 to 'filter' (expression expected, got boolean: == compares in Lua; use :eq for SQL, e.g. Author.id:eq(3))" \
    'Rolled back 1 uncommitted change.'; do
    grep -qxF -- "$want" lines || bad "stderr lacks: $want"
done
printf '0\n0\ntrue\ttrue\ttrue\ttrue\nUse exit() or Ctrl-D (i.e. EOF) to exit\nUse exit() or Ctrl-D (i.e. EOF) to exit\n' >want
cmp -s want out || { echo "--- want:"; cat want; bad "stdout differs"; }
# a model's own method called with '.' in a script
printf 'local a = Author{ email = "w@x" }\na.set_email("z@x")\n' >method.lua
"$ORMSH" --app "$app" run method.lua >out2 2>err2
grep -qxF 'method.lua:2: a.set_email is a method: use a:set_email(email), with a colon' err2 || bad "run: no method hint"
# the prompt showed the pending object before quit()
grep -qF 'lib[1 new]>>> ' err || bad "no pending state in the prompt"
# in a script (ormsh run) the hint quotes the script's line
printf 'local s = db.session\ns.commit()\n' >script.lua
"$ORMSH" --app "$app" run script.lua >out 2>err
grep -qxF 'script.lua:2: s.commit is a method: use s:commit(), with a colon' err || bad "run: no hint"
# and with -e
"$ORMSH" --app "$app" -e 'Author.query.count()' >out 2>err
grep -qF 'Author.query.count is a method: use Author.query:count(), with a colon' err || bad "-e: no hint"
exit 0
