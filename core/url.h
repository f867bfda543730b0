/* url.h — parsing database URLs (docs/reference.md) and printing them with the
 * password masked. */
#ifndef ORM_URL_H
#define ORM_URL_H

#include "error.h"
#include "strv.h"

#define ORM_URL_MAX_PARAMS 32 /* options after '?' one URL may have */

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
    orm_strv params; /* the options after '?': name, value, name, value ... (percent-decoded);
                        each driver says which it takes (orm_url_check_params) */
} orm_url;

/* Parses text into *out (zeroed first). A scheme may name a Python driver
 * as SQLAlchemy's URLs do ("postgresql+psycopg2"): ormsh talks to the
 * server through its C library, so the driver part is dropped. On failure returns ORM_EFAIL with an
 * ArgumentError naming the URL (password masked) and what is wrong. The caller
 * frees with orm_url_free, also after a failure. */
int orm_url_parse(orm_url *out, const char *text, orm_error *err);
void orm_url_free(orm_url *u);
/* The value of the option name after '?' (the last one given), or NULL. */
const char *orm_url_param(const orm_url *u, const char *name);
/* ORM_OK when every option after '?' is one of known (NULL-terminated);
 * else an ArgumentError naming it and the known ones. */
int orm_url_check_params(const orm_url *u, const char *const *known, orm_error *err);
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
