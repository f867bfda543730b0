/* url.h — parsing database URLs (docs/reference.md) and printing them with the
 * password masked. */
#ifndef ORM_URL_H
#define ORM_URL_H

#include "error.h"

typedef struct orm_url {
    char *scheme;    /* the backend's name (backend.h): aliases normalised ("postgres" ->
                        "postgresql", "mariadb" -> "mysql") */
    char *user;      /* NULL when absent (percent-decoded) */
    char *password;  /* NULL when absent (percent-decoded); never printed */
    char *host;      /* NULL when absent */
    int port;        /* 0 when absent */
    char *database;  /* sqlite: the file path as written after "sqlite:///"
                        ("" for in-memory "sqlite://"); servers: dbname */
    int is_memory;   /* sqlite:// or sqlite:///:memory: */
    int is_absolute; /* sqlite:////abs/path */
} orm_url;

/* Parses text into *out (zeroed first). On failure returns ORM_EFAIL with an
 * ArgumentError naming the URL (password masked) and what is wrong. The caller
 * frees with orm_url_free, also after a failure. */
int orm_url_parse(orm_url *out, const char *text, orm_error *err);
void orm_url_free(orm_url *u);
/* The URL as text with the password replaced by "***" (no password: as is).
 * For sqlite with base_dir non-NULL and a relative path, the path is shown
 * resolved against base_dir ("sqlite:////abs/dir/instance/x.db").
 * Caller frees with free(). NULL on out-of-memory. */
char *orm_url_masked(const orm_url *u, const char *base_dir);
/* For sqlite: the filesystem path to open (relative paths resolved against
 * base_dir when non-NULL), or ":memory:". Caller frees with free(). */
char *orm_url_sqlite_path(const orm_url *u, const char *base_dir);
/* Masks the password inside any URL-looking text "scheme://user:pw@host" for
 * messages: returns a malloc'ed copy. NULL on out-of-memory. */
char *orm_url_mask_text(const char *text);

#endif
