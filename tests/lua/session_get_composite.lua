-- session_get_composite.lua — session:get with a composite primary key by
-- attribute name ({ PlaylistId = 1, TrackId = 3 }) or as a list in key
-- order ({1, 3}); a key that fits neither form (a wrong name, a missing or
-- extra value, names and positions mixed) is a db.ArgumentError naming the
-- key columns; so is a get with no key at all (session:get(Model), q:get()),
-- while an explicit nil finds nothing. A single key still takes a value, a
-- list of one or its name.
PlaylistTrack = db.Model("PlaylistTrack", {
  __tablename = "playlist_track",
  PlaylistId = db.Column(db.Integer, { primary_key = true }),
  TrackId = db.Column(db.Integer, { primary_key = true }),
  Note = db.Column(db.String(20)),
})
function PlaylistTrack:__repr() return ("<PT %d/%d %s>"):format(self.PlaylistId, self.TrackId, self.Note) end
Genre = db.Model("Genre", {
  GenreId = db.Column(db.Integer, { primary_key = true }),
  Name = db.Column(db.String(20)),
})
db.create_all()
local s = db.session
s:add_all{ PlaylistTrack{ PlaylistId = 1, TrackId = 3, Note = "a" }, PlaylistTrack{ PlaylistId = 1, TrackId = 4, Note = "b" },
  PlaylistTrack{ PlaylistId = 2, TrackId = 3, Note = "c" }, Genre{ GenreId = 7, Name = "Rock" } }
s:commit()

print(s:get(PlaylistTrack, { PlaylistId = 1, TrackId = 3 }))
print(s:get(PlaylistTrack, { TrackId = 3, PlaylistId = 2 }))
print(s:get(PlaylistTrack, { 1, 4 }))
print(s:get(PlaylistTrack, { PlaylistId = 9, TrackId = 3 }))
print(rawequal(s:get(PlaylistTrack, { PlaylistId = 1, TrackId = 3 }), s:get(PlaylistTrack, { 1, 3 })))
s:expunge(s:get(PlaylistTrack, { 1, 4 }))
print(s:get(PlaylistTrack, { PlaylistId = 1, TrackId = 4 }))  -- from the database
print(PlaylistTrack.query:get{ PlaylistId = 2, TrackId = 3 })
print(s:get(Genre, 7), s:get(Genre, { 7 }), s:get(Genre, { GenreId = 7 }))

local function try(model, key)
  local ok, err = pcall(s.get, s, model, key)
  print(ok, db.ArgumentError:is(err), err)
end
try(PlaylistTrack, { PlaylistId = 1 })
try(PlaylistTrack, { PlaylistId = 1, TrackId = 3, Note = "a" })
try(PlaylistTrack, { playlistid = 1, trackid = 3 })
try(PlaylistTrack, { 1 })
try(PlaylistTrack, { 1, 3, 5 })
try(PlaylistTrack, { 1, TrackId = 3 })
try(PlaylistTrack, {})
try(PlaylistTrack, 1)
try(Genre, { 7, 8 })
try(Genre, { id = 7 })
local ok, err = pcall(s.get, s, PlaylistTrack, { PlaylistId = "x", TrackId = 3 })
print(ok, db.DataError:is(err), err)
local ok2, err2 = pcall(s.get, s, Genre)
print(ok2, db.ArgumentError:is(err2), err2)
ok2, err2 = pcall(function() return Genre.query:get() end)
print(ok2, db.ArgumentError:is(err2), err2)
print(s:get(Genre, nil), Genre.query:get(nil))
