-- music_store/data.sql — the rows of the music_store test, written as any
-- SQL tool would (invoice 3 in ISO-8601's 'T' form); loaded by the test
-- through db.text, and by the sqlite3, psql and mariadb CLIs to check its
-- answers by hand.
INSERT INTO artist (artist_id, name) VALUES (1, 'AC/DC');
INSERT INTO artist (artist_id, name) VALUES (2, 'Accept');
INSERT INTO artist (artist_id, name) VALUES (3, 'Aerosmith');
INSERT INTO artist (artist_id, name) VALUES (4, 'Alanis Morissette');
INSERT INTO album (album_id, title, artist_id) VALUES (1, 'For Those About To Rock We Salute You', 1);
INSERT INTO album (album_id, title, artist_id) VALUES (2, 'Balls to the Wall', 2);
INSERT INTO album (album_id, title, artist_id) VALUES (3, 'Restless and Wild', 2);
INSERT INTO album (album_id, title, artist_id) VALUES (4, 'Let There Be Rock', 1);
INSERT INTO album (album_id, title, artist_id) VALUES (5, 'Big Ones', 3);
INSERT INTO track (track_id, name, album_id, unit_price) VALUES (1, 'For Those About To Rock (We Salute You)', 1, 0.99);
INSERT INTO track (track_id, name, album_id, unit_price) VALUES (2, 'Balls to the Wall', 2, 0.99);
INSERT INTO track (track_id, name, album_id, unit_price) VALUES (3, 'Fast As a Shark', 3, 0.99);
INSERT INTO track (track_id, name, album_id, unit_price) VALUES (4, 'Restless and Wild', 3, 0.99);
INSERT INTO track (track_id, name, album_id, unit_price) VALUES (5, 'Go Down', 4, 0.99);
INSERT INTO track (track_id, name, album_id, unit_price) VALUES (6, 'Dog Eat Dog', 4, 1.99);
INSERT INTO track (track_id, name, album_id, unit_price) VALUES (7, 'Walk On Water', 5, 1.99);
INSERT INTO track (track_id, name, album_id, unit_price) VALUES (8, 'Love In An Elevator', 5, 0.99);
INSERT INTO invoice (invoice_id, invoice_date, total) VALUES (1, '2023-12-31 23:59:59', 1.98);
INSERT INTO invoice (invoice_id, invoice_date, total) VALUES (2, '2024-01-01 00:00:00', 3.96);
INSERT INTO invoice (invoice_id, invoice_date, total) VALUES (3, '2024-01-01T08:30:00', 5.94);
INSERT INTO invoice (invoice_id, invoice_date, total) VALUES (4, '2024-01-15 12:00:00', 0.99);
INSERT INTO invoice (invoice_id, invoice_date, total) VALUES (5, '2024-02-01 00:00:00', 8.91);
INSERT INTO invoice (invoice_id, invoice_date, total) VALUES (6, '2024-02-29 18:45:10', 13.86);
INSERT INTO playlist (playlist_id, name) VALUES (1, 'Music');
INSERT INTO playlist (playlist_id, name) VALUES (2, 'Heavy');
INSERT INTO playlist (playlist_id, name) VALUES (3, 'Empty');
INSERT INTO playlist_track (playlist_id, track_id) VALUES (1, 1);
INSERT INTO playlist_track (playlist_id, track_id) VALUES (1, 2);
INSERT INTO playlist_track (playlist_id, track_id) VALUES (1, 3);
INSERT INTO playlist_track (playlist_id, track_id) VALUES (1, 5);
INSERT INTO playlist_track (playlist_id, track_id) VALUES (1, 8);
INSERT INTO playlist_track (playlist_id, track_id) VALUES (2, 3);
INSERT INTO playlist_track (playlist_id, track_id) VALUES (2, 6);
INSERT INTO playlist_track (playlist_id, track_id) VALUES (2, 7);
