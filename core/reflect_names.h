/* reflect_names.h — the naming rules that turn a live database's table and
 * column names into model names when a schema is reflected: CamelCase class
 * names, snake_case, English plurals, the many-to-one name of a foreign-key
 * column, and what counts as a Lua identifier. Pure functions on strings;
 * every returned string is malloc'ed and the caller frees it (NULL only when
 * memory runs out). */
#ifndef ORM_REFLECT_NAMES_H
#define ORM_REFLECT_NAMES_H

/* 1 when s is a Lua reserved word ("end", "function", ...). */
int orm_name_is_keyword(const char *s);
/* 1 when s can be written bare in Lua: letters, digits and '_', not starting
 * with a digit, not a keyword. */
int orm_name_is_identifier(const char *s);

/* The class name of a table: the words of the name (split at '_' and at
 * every character that cannot be in an identifier) each with its first
 * letter in upper case, joined: book_to_store_map -> BookToStoreMap,
 * Track -> Track, "my table" -> MyTable. A result starting with a digit (or
 * empty) gets a leading '_': 2020_sales -> _2020Sales. */
char *orm_name_class(const char *table);
/* snake_case: ArtistId -> artist_id, SupportRepId -> support_rep_id,
 * PlaylistTrack -> playlist_track, HTTPServer -> http_server; characters
 * that cannot be in an identifier become '_'; a leading digit gets a '_'
 * before it. */
char *orm_name_snake(const char *name);
/* English plural of a snake_case word: +s; consonant+y -> ies; s, x, z, ch,
 * sh -> +es. */
char *orm_name_plural(const char *word);
/* The many-to-one attribute of a foreign-key column: the name without a
 * trailing _id / Id / ID, in snake_case (author_id -> author, ArtistId ->
 * artist, ReportsTo -> reports_to). */
char *orm_name_m2o(const char *column);

#endif
