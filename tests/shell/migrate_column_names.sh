#!/bin/sh
# migrate_column_names — a model whose attributes name differently named
# columns (ArtistId = db.Column("artist_id", ...)): autogenerate writes the
# columns' names, db check finds nothing to do after upgrade, and adding an
# attribute over a new column is found by its column name. On every backend.
. "$ROOT/tests/shell/backend.inc"
artist_model() {
    cat <<'LUA'
Artist = db.Model("Artist", {
  ArtistId = db.Column("artist_id", db.Integer, { primary_key = true }),
  Name     = db.Column("name", db.String(120), { nullable = false }),
})
Album = db.Model("Album", {
  AlbumId  = db.Column("album_id", db.Integer, { primary_key = true }),
  Title    = db.Column("title", db.String(160)),
  ArtistId = db.Column("artist_id", db.Integer, db.ForeignKey("artist.artist_id"), { index = true }),
})
LUA
}
new_app
artist_model | models
ok db init
ok db migrate -m "Initial"
rev=$(revs)
f="$APP/migrations/versions/$rev"
has "$f" 'op.column("artist_id", "Integer", { primary_key = true })'
has "$f" 'op.column("name", "String(120)", { nullable = false })'
has "$f" 'op.column("album_id", "Integer", { primary_key = true })'
has "$f" '"artist.artist_id"'
hasnt "$f" 'ArtistId'
hasnt "$f" 'AlbumId'
ok db upgrade
ok db check
same "$TESTDIR/out" "No new upgrade operations detected."
[ "$(sql "SELECT count(*) FROM album")" = 0 ] || fail "album table missing"

{ artist_model | sed 's/  Title    = db.Column("title", db.String(160)),/&\
  ReleasedOn = db.Column("released_on", db.Date),/'; } | models
status 1 db check
has "$TESTDIR/out" 'op.add_column("album", op.column("released_on", "Date"))'
hasnt "$TESTDIR/out" 'ReleasedOn'
