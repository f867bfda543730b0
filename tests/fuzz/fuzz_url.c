/* fuzz_url.c — libFuzzer target: database URL parsing, display and masking
 * (core/url.c) on arbitrary text. Checks, besides memory safety, that no
 * password reaches the masked URL or a parse error. Both checks compare two
 * runs that differ only in the password's text, so a password that merely
 * looks like other text of the URL (its options too) or of the message is
 * no false alarm. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "url.h"

/* The masked form of a parsed URL never shows its password: with a marker in
 * the password's place, the marker shows in no part but the password. */
static void check_masked(orm_url *u)
{
    static char marker[] = "\x01ormsh-secret\x02";
    char *password = u->password;
    if (!password) return;
    u->password = marker;
    char *shown = orm_url_masked(u, "/base");
    u->password = password;
    const char *parts[] = {u->user, u->host, u->database};
    int elsewhere = 0;
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
        elsewhere |= parts[i] && strstr(parts[i], marker) != NULL;
    for (int i = 0; i < u->params.n; i++) /* the options after '?' show as written */
        elsewhere |= strstr(u->params.v[i], marker) != NULL;
    if (shown && strstr(shown, marker) && !elsewhere) abort();
    free(shown);
}

/* The parse error of text, or NULL when it parses (or on out-of-memory). */
static char *parse_error(const char *text)
{
    orm_url u;
    orm_error err;
    orm_error_init(&err);
    char *msg = NULL;
    if (orm_url_parse(&u, text, &err) != ORM_OK && err.message) msg = strdup(err.message);
    orm_url_free(&u);
    orm_error_clear(&err);
    return msg;
}

/* A parse error does not depend on the password: "scheme://user:PASSWORD@…"
 * with PASSWORD's letters g-z changed (hex digits, digits and punctuation
 * kept, so every parse step takes the same path) gives the same message. The
 * password runs from the user's ':' to the last '@' (all of it is masked). */
static void check_error(const char *text, size_t size, const char *msg)
{
    const char *sep = strstr(text, "://");
    const char *colon = sep ? strchr(sep + 3, ':') : NULL;
    const char *at = colon ? strrchr(colon, '@') : NULL;
    if (!at || strstr(colon, "://") || memchr(sep + 3, '/', (size_t)(colon - sep - 3)) ||
        memchr(sep + 3, '@', (size_t)(colon - sep - 3)))
        return;
    char *other = malloc(size + 1);
    if (!other) return;
    memcpy(other, text, size + 1);
    for (char *c = other + (colon - text) + 1; c < other + (at - text); c++) {
        if (*c >= 'g' && *c <= 'y')
            *c = (char)(*c + 1);
        else if (*c == 'z')
            *c = 'g';
        else if (*c >= 'G' && *c <= 'Y')
            *c = (char)(*c + 1);
        else if (*c == 'Z')
            *c = 'G';
    }
    char *msg2 = parse_error(other);
    if (!msg2 || strcmp(msg, msg2) != 0) abort();
    free(msg2);
    free(other);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (memchr(data, '\0', size)) return 0; /* a URL is a C string */
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    orm_url u;
    orm_error err;
    orm_error_init(&err);
    if (orm_url_parse(&u, text, &err) == ORM_OK) {
        check_masked(&u);
        free(orm_url_sqlite_path(&u, "base"));
    } else if (err.message) {
        check_error(text, size, err.message);
    }
    free(orm_url_mask_text(text));
    orm_url_free(&u);
    orm_error_clear(&err);
    free(text);
    return 0;
}
