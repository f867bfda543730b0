-- music_store/cli_ddl.sql — the schema written by hand for the CLI check (cli_check.sh);
-- DTYPE becomes each backend's date-time type.
CREATE TABLE artist (artist_id INTEGER PRIMARY KEY, name VARCHAR(120));
CREATE TABLE album (album_id INTEGER PRIMARY KEY, title VARCHAR(160) NOT NULL, artist_id INTEGER NOT NULL REFERENCES artist(artist_id));
CREATE TABLE track (track_id INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL, album_id INTEGER REFERENCES album(album_id), unit_price NUMERIC(10,2) NOT NULL);
CREATE TABLE invoice (invoice_id INTEGER PRIMARY KEY, invoice_date DTYPE NOT NULL, total NUMERIC(10,2) NOT NULL);
CREATE TABLE playlist (playlist_id INTEGER PRIMARY KEY, name VARCHAR(120));
CREATE TABLE playlist_track (playlist_id INTEGER REFERENCES playlist(playlist_id), track_id INTEGER REFERENCES track(track_id), PRIMARY KEY (playlist_id, track_id));
