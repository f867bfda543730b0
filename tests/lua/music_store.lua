-- music_store.lua — a small music store (music_store/models.lua: CamelCase
-- attributes over snake_case columns, as the PostgreSQL edition of the
-- Chinook sample maps them; rows from music_store/data.sql, written as
-- another tool would, one invoice date in the 'T' form) asked date-range,
-- between, decimal, composite-key, join and joinedload questions.
-- Every answer below was checked by hand against the backends' own CLIs
-- (sqlite3, psql and mariadb) on the same rows with the equivalent SQL,
-- e.g. SELECT count(*) FROM invoice WHERE invoice_date >= '2024-01-01 00:00:00'
-- (5 on PostgreSQL and MariaDB, and on SQLite with julianday() on both sides;
-- a plain text comparison on SQLite finds 4, missing invoice 2).
dofile("music_store/models.lua")
db.create_all()
for stmt in io.open("music_store/data.sql"):read("a"):gsub("%-%-[^\n]*\n", ""):gmatch("[^;]+") do
  if stmt:find("%S") then db.session:execute(db.text(stmt)) end
end
db.session:commit()

local function ids(list, key)
  local t = {}
  for _, o in ipairs(list) do t[#t + 1] = tostring(o[key]) end
  return table.concat(t, " ")
end
local I = Invoice

print("-- dates: every ISO form of an instant is the same instant")
print(I.query:filter(I.InvoiceDate:ge("2024-01-01T00:00:00")):count())   -- 5
print(I.query:filter(I.InvoiceDate:ge("2024-01-01 00:00")):count())      -- 5
print(ids(I.query:filter(I.InvoiceDate:eq("2024-01-01")):all(), "InvoiceId"))       -- 2
print(ids(I.query:filter(I.InvoiceDate:eq("2024-01-01 08:30")):all(), "InvoiceId")) -- 3
print(ids(I.query:filter(I.InvoiceDate:lt("2024-01-01T08:30:00")):order_by(I.InvoiceId):all(), "InvoiceId")) -- 1 2
print(ids(I.query:filter(I.InvoiceDate:between("2024-01-01", "2024-01-31T23:59:59"))
  :order_by(I.InvoiceId):all(), "InvoiceId"))                                         -- 2 3 4
print(ids(I.query:filter(I.InvoiceDate:between("2024-02-01T00:00", "2024-02-29"))
  :order_by(I.InvoiceId):all(), "InvoiceId"))                                         -- 5
print(ids(I.query:filter_by{ InvoiceDate = "2024-02-29T18:45:10" }:all(), "InvoiceId")) -- 6
print(db.session:get(I, 3).InvoiceDate, db.session:get(I, 6).Total)  -- 2024-01-01 08:30:00  13.86
print(ids(I.query:order_by("-InvoiceDate"):limit(2):all(), "InvoiceId")) -- 6 5

print("-- decimals and strings")
print(Track.query:filter(Track.UnitPrice:eq("0.99")):count())             -- 6
print(ids(Track.query:filter(Track.UnitPrice:gt("1")):order_by(Track.TrackId):all(), "TrackId")) -- 6 7
print(db.session:get(Track, 6).UnitPrice, db.session:get(Track, 1).UnitPrice) -- 1.99  0.99
print(ids(I.query:filter(I.Total:ge("5.94")):order_by("-Total"):all(), "InvoiceId")) -- 6 5 3

print("-- composite keys")
print(db.session:get(PlaylistTrack, { 1, 3 }))                            -- <PlaylistTrack PlaylistId=1 TrackId=3>
print(db.session:get(PlaylistTrack, { 2, 1 }))                            -- nil
print(db.session:get(PlaylistTrack, { PlaylistId = 2, TrackId = 7 }))     -- by attribute: <PlaylistTrack PlaylistId=2 TrackId=7>
print(PlaylistTrack.query:filter_by{ TrackId = 3 }:count())               -- 2

print("-- joins")
print(ids(Track.query:join(Track.album):join(Album.artist):filter(Artist.Name:eq("AC/DC"))
  :order_by(Track.TrackId):all(), "TrackId"))                             -- 1 5 6
print(ids(Artist.query:outerjoin(Artist.albums):filter(Album.AlbumId:is_(db.null)):all(), "Name")) -- Alanis Morissette

print("-- joinedload: one statement, parents counted by limit")
db.session:close()
local before = db.statements
local artists = Artist.query:options(db.joinedload(Artist.albums)):order_by(Artist.Name):limit(2):all()
print(db.statements - before, #artists)                                   -- 1 2
for _, a in ipairs(artists) do print(a.Name, ids(a.albums, "AlbumId")) end -- AC/DC 1 4 / Accept 2 3
db.session:close()
before = db.statements
local lists = Playlist.query:options(db.joinedload(Playlist.tracks)):order_by(Playlist.PlaylistId):all()
print(db.statements - before, #lists)                                     -- 1 3
for _, p in ipairs(lists) do print(p.Name, ids(p.tracks, "TrackId")) end  -- Music 2 3 1 5 8 / Heavy 6 3 7 / Empty
db.session:close()
before = db.statements
local albums = Album.query:options(db.joinedload(Album.artist), db.joinedload(Album.tracks))
  :filter(Album.ArtistId:ne(3)):order_by(Album.AlbumId):all()
print(db.statements - before, #albums)                                    -- 1 4
for _, al in ipairs(albums) do print(al.AlbumId, al.artist.Name, #al.tracks) end
