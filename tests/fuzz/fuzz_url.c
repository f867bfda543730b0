/* fuzz_url.c — libFuzzer target: database URL parsing, display and masking
 * (core/url.c) on arbitrary text. Checks, besides memory safety, that a
 * parsed password never appears in the masked URL or in a parse error. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    orm_url u;
    orm_error err;
    orm_error_init(&err);
    if (orm_url_parse(&u, text, &err) == ORM_OK) {
        /* the masked form never shows the password: checked with a marker in
         * its place, so text that merely looks like the password elsewhere in
         * the URL (the scheme, the database) is no false alarm */
        static char marker[] = "\x01ormsh-secret\x02";
        char *password = u.password;
        if (password) u.password = marker;
        char *shown = orm_url_masked(&u, "/base");
        u.password = password;
        if (shown && password && strstr(shown, marker + 1) && !strstr(text, "ormsh-secret"))
            abort();
        free(shown);
        free(orm_url_sqlite_path(&u, "base"));
    } else if (err.message) {
        /* "scheme://user:SECRET@host": a parse error never shows SECRET */
        const char *sep = strstr(text, "://");
        const char *colon = sep ? strchr(sep + 3, ':') : NULL;
        const char *at = colon ? strrchr(colon, '@') : NULL;
        if (at && at - colon > 8 && strncmp(colon, "://", 3) != 0 && !memchr(sep + 3, '/', (size_t)(colon - sep - 3)) &&
            !memchr(sep + 3, '@', (size_t)(colon - sep - 3)) && !strstr(colon + 1, "://")) {
            char secret[9];
            memcpy(secret, colon + 1, 8);
            secret[8] = '\0';
            /* (the same text elsewhere in the input may show: it is not the password) */
            int once = strstr(text, secret) == colon + 1 && !strstr(colon + 2, secret);
            int wording = strstr("(use sqlite, postgresql or mysql)", secret) != NULL;
            if (!memchr(secret, '@', 8) && once && !wording && strstr(err.message, secret)) abort();
        }
    }
    free(orm_url_mask_text(text));
    orm_url_free(&u);
    orm_error_clear(&err);
    free(text);
    return 0;
}
