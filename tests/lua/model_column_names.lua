-- model_column_names.lua — an attribute that names a differently named
-- column (ArtistId = db.Column("artist_id", ...)), as SQLAlchemy allows:
-- Lua code uses the attribute everywhere (constructors, reads, filter,
-- filter_by, order_by strings, relationships, foreign_keys, with_entities
-- rows, bulk update, printing), the SQL uses the column (DDL, queries,
-- foreign keys naming "table.column"). Unknown options of db.Column,
-- db.ForeignKey and db.relationship are ArgumentErrors naming the valid ones.
Artist = db.Model("Artist", {
  ArtistId = db.Column("artist_id", db.Integer, { primary_key = true }),
  Name = db.Column("name", db.String(120), { nullable = false }),
  albums = db.relationship("Album", { back_populates = "artist", order_by = "-AlbumId" }),
})
Album = db.Model("Album", {
  AlbumId = db.Column("album_id", db.Integer, { primary_key = true }),
  Title = db.Column("title", db.String(160), { nullable = false }),
  ArtistId = db.Column("artist_id", db.Integer, db.ForeignKey("artist.artist_id")),
  artist = db.relationship("Artist", { back_populates = "albums", foreign_keys = "ArtistId" }),
})
db.create_all()
for _, c in ipairs(Album.__table.columns) do print(c.key, c.name, c.foreign_key) end

local acdc = Artist{ Name = "AC/DC" }
acdc.albums:append(Album{ Title = "For Those About To Rock" })
acdc.albums:append(Album{ Title = "Let There Be Rock" })
db.session:add_all{ acdc, Artist{ Name = "Accept" } }
db.session:commit()
db.session:close()

-- the SQL names the columns
print(db.session:execute(db.text(
  "SELECT artist_id, name FROM artist ORDER BY artist_id")):all())
print(db.session:execute(db.text(
  "SELECT album_id, title, artist_id FROM album ORDER BY album_id")):all())

-- reads, printing, relationships (ordered by "-AlbumId")
local a = db.session:get(Artist, 1)
print(a, a.ArtistId, a.Name, a.albums)
print(a.albums[1].Title, a.albums[1].artist.Name)
print(Album.query:filter_by{ ArtistId = 1 }:order_by("-AlbumId"):all())
print(Album.query:filter(Album.Title:startswith("Let")):one().AlbumId)
print(Artist.query:join(Artist.albums):filter(Album.Title:like("%Rock")):distinct():count())
print(Album.query:join(Artist):filter(Artist.Name:eq("AC/DC")):order_by(Album.AlbumId):all())
print(Artist.query:order_by("Name"):first().Name)
print((tostring(Album.query:filter_by{ AlbumId = 2 }):gsub("%$%d+", "?")))

-- rows are keyed by attribute
local row = db.session:query(Album.AlbumId, Album.Title):order_by(Album.AlbumId):first()
print(row.AlbumId, row.Title, row[1])
local g = Album.query:with_entities(Album.ArtistId, db.func.count(Album.AlbumId):label("n"))
  :group_by(Album.ArtistId):one()
print(g, g.ArtistId, g.n)

-- bulk update by attribute name, then the value read back
print(Album.query:filter_by{ AlbumId = 1 }:update{ Title = "For Those (remaster)" })
db.session:commit()
print(db.session:execute(db.text("SELECT title FROM album WHERE album_id = 1")):scalar())

-- typos: the attribute names are valid, the column names are not
print(pcall(function() return a.artist_id end))
print(pcall(function() return Artist{ artist_id = 3 } end))
print(pcall(function() return Album.query:filter_by{ album_id = 1 }:all() end))
print(pcall(db.Column, db.Integer, { primry_key = true }))
print(pcall(db.ForeignKey, "artist.artist_id", { ondelet = "CASCADE" }))
print(pcall(db.relationship, "Album", { back_populate = "artist" }))
print(pcall(db.Model, "Dup", {
  A = db.Column("x", db.Integer, { primary_key = true }), B = db.Column("x", db.Integer) }))
