#!/bin/sh
# tutorial_transcript — the tutorial's CRUD section typed into `ormsh -i` on
# the bookstore app, line by line, in four shell sessions as the tutorial
# does: stdout carries exactly the values the tutorial shows (in Lua syntax),
# the banner and prompts go to standard error. On every backend (see
# .backends): on a server, run.sh's DATABASE_URL replaces the app's
# database, and the output is the same.
set -u
cp -R "$ROOT/scripts/bookstore" app
rm -rf app/instance
"$ORMSH" --app app -e 'db.create_all()' || exit 1

session() { "$ORMSH" --app app -i <"$1" >>out 2>>err || { echo "session $1 failed"; cat err; exit 1; }; }

cat >create.lua <<'LUA'
author1 = Author{ name = "Prakritish Sen Eshore", email = "prakritish@example.com" }
author2 = Author{ name = "Umang Vanjara", email = "umang@example.com" }
author3 = Author{ name = "Chandan Dutta", email = "chandan@example.com" }
db.session:add(author1)
db.session:add_all{ author2, author3 }
db.session:commit()
exit()
LUA
cat >read.lua <<'LUA'
author = db.session:query(Author):filter_by{ name = "Prakritish Sen Eshore" }:first()
print(author)
print(author.email)
LUA
cat >update.lua <<'LUA'
author = db.session:query(Author):filter_by{ email = "chandan@example.com" }:first()
print(author.name)
author.name = "Chandan Dutta Chowdhury"
db.session:commit()
updated_author = db.session:query(Author):filter_by{ email = "chandan@example.com" }:first()
print(updated_author.name)
LUA
cat >delete.lua <<'LUA'
author = db.session:query(Author):filter_by{ id = 3 }:first()
author
db.session:delete(author)
db.session:commit()
author_list = db.session:query(Author):all()
author_list
total_users = db.session:query(db.func.count(Author.id)):scalar()
total_users
db.session:close()
LUA
for s in create read update delete; do session $s.lua; done

cat >want <<'EOF2'
<Author: Prakritish Sen Eshore <email: prakritish@example.com>>
prakritish@example.com
Chandan Dutta
Chandan Dutta Chowdhury
<Author: Chandan Dutta Chowdhury <email: chandan@example.com>>
[<Author: Prakritish Sen Eshore <email: prakritish@example.com>>, <Author: Umang Vanjara <email: umang@example.com>>]
2
EOF2
diff -u want out || { echo "stdout differs"; exit 1; }
grep -q '^App: bookstore' err || { echo "no banner on stderr"; exit 1; }
grep -q '>>> ' err || { echo "no prompt on stderr"; exit 1; }
if grep -q 'Rolled back' err; then echo "a session rolled back changes"; cat err; exit 1; fi
exit 0
