-- music_store/models.lua — a music-store schema in the style of the
-- Chinook sample database: CamelCase attributes over snake_case columns
-- (its PostgreSQL edition), a Numeric price, DateTime invoices, a
-- composite-key association table.
Artist = db.Model("Artist", {
  ArtistId = db.Column("artist_id", db.Integer, { primary_key = true }),
  Name = db.Column("name", db.String(120)),
  albums = db.relationship("Album", { back_populates = "artist" }),
})
Album = db.Model("Album", {
  AlbumId = db.Column("album_id", db.Integer, { primary_key = true }),
  Title = db.Column("title", db.String(160), { nullable = false }),
  ArtistId = db.Column("artist_id", db.Integer, db.ForeignKey("artist.artist_id"), { nullable = false }),
  artist = db.relationship("Artist", { back_populates = "albums" }),
  tracks = db.relationship("Track", { back_populates = "album" }),
})
Track = db.Model("Track", {
  TrackId = db.Column("track_id", db.Integer, { primary_key = true }),
  Name = db.Column("name", db.String(200), { nullable = false }),
  AlbumId = db.Column("album_id", db.Integer, db.ForeignKey("album.album_id")),
  UnitPrice = db.Column("unit_price", db.Numeric(10, 2), { nullable = false }),
  album = db.relationship("Album", { back_populates = "tracks" }),
})
Invoice = db.Model("Invoice", {
  InvoiceId = db.Column("invoice_id", db.Integer, { primary_key = true }),
  InvoiceDate = db.Column("invoice_date", db.DateTime, { nullable = false }),
  Total = db.Column("total", db.Numeric(10, 2), { nullable = false }),
})
Playlist = db.Model("Playlist", {
  PlaylistId = db.Column("playlist_id", db.Integer, { primary_key = true }),
  Name = db.Column("name", db.String(120)),
  tracks = db.relationship("Track", { secondary = "playlist_track", order_by = "Name" }),
})
PlaylistTrack = db.Model("PlaylistTrack", {
  PlaylistId = db.Column("playlist_id", db.Integer, db.ForeignKey("playlist.playlist_id"), { primary_key = true }),
  TrackId = db.Column("track_id", db.Integer, db.ForeignKey("track.track_id"), { primary_key = true }),
})
