/* reflect_names.c — the pure naming rules of reflection (see reflect_names.h). */
#include "reflect_names.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static const char *const keywords[] = {
    "and",      "break",  "do",   "else", "elseif", "end",   "false", "for",
    "function", "goto",   "if",   "in",   "local",  "nil",   "not",   "or",
    "repeat",   "return", "then", "true", "until",  "while",
};

int orm_name_is_keyword(const char *s)
{
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (strcmp(keywords[i], s) == 0) return 1;
    return 0;
}

static int ident_char(unsigned char c)
{
    return c < 128 && (isalnum(c) || c == '_');
}

int orm_name_is_identifier(const char *s)
{
    if (!*s || isdigit((unsigned char)*s)) return 0;
    for (const char *p = s; *p; p++)
        if (!ident_char((unsigned char)*p)) return 0;
    return !orm_name_is_keyword(s);
}

/* "_2020Sales" for a name that starts with a digit or is empty. */
static char *finish(orm_buf *b)
{
    if (b->oom) return orm_buf_detach(b); /* NULL, not "_" */
    if (b->len == 0 || isdigit((unsigned char)b->p[0])) {
        orm_buf fixed = ORM_BUF_INIT;
        orm_buf_putc(&fixed, '_');
        orm_buf_append(&fixed, orm_buf_str(b), b->len);
        orm_buf_free(b);
        *b = fixed;
    }
    return orm_buf_detach(b);
}

char *orm_name_class(const char *table)
{
    orm_buf b = ORM_BUF_INIT;
    int word_start = 1;
    for (const unsigned char *p = (const unsigned char *)table; *p; p++) {
        if (!ident_char(*p) || *p == '_') {
            word_start = 1;
            continue;
        }
        orm_buf_putc(&b, (char)(word_start ? toupper(*p) : *p));
        word_start = 0;
    }
    return finish(&b);
}

char *orm_name_snake(const char *name)
{
    orm_buf b = ORM_BUF_INIT;
    const unsigned char *s = (const unsigned char *)name;
    for (size_t i = 0; s[i]; i++) {
        unsigned char ch = s[i];
        if (!ident_char(ch)) {
            if (b.len && b.p[b.len - 1] != '_') orm_buf_putc(&b, '_');
            continue;
        }
        if (isupper(ch)) {
            /* a new word: after a lower-case letter or digit, or the last
             * capital of an acronym before a lower-case letter (HTTPServer) */
            int boundary = i > 0 && ((islower(s[i - 1]) || isdigit(s[i - 1])) ||
                                     (isupper(s[i - 1]) && islower(s[i + 1])));
            if (boundary && b.len && b.p[b.len - 1] != '_') orm_buf_putc(&b, '_');
            orm_buf_putc(&b, (char)tolower(ch));
        } else {
            orm_buf_putc(&b, (char)ch);
        }
    }
    return finish(&b);
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

char *orm_name_plural(const char *word)
{
    orm_buf b = ORM_BUF_INIT;
    size_t n = strlen(word);
    if (n >= 2 && (word[n - 1] == 'y' || word[n - 1] == 'Y') &&
        !strchr("aeiouAEIOU", word[n - 2])) {
        orm_buf_append(&b, word, n - 1);
        orm_buf_puts(&b, word[n - 1] == 'Y' ? "IES" : "ies");
    } else if (ends_with(word, n, "s") || ends_with(word, n, "x") || ends_with(word, n, "z") ||
               ends_with(word, n, "ch") || ends_with(word, n, "sh")) {
        orm_buf_puts(&b, word);
        orm_buf_puts(&b, "es");
    } else {
        orm_buf_puts(&b, word);
        orm_buf_putc(&b, 's');
    }
    return orm_buf_detach(&b);
}

char *orm_name_m2o(const char *column)
{
    size_t n = strlen(column);
    size_t cut = 0;
    if (n > 3 &&
        (ends_with(column, n, "_id") || ends_with(column, n, "_ID") || ends_with(column, n, "_Id")))
        cut = 3;
    else if (n > 2 && ends_with(column, n, "Id"))
        cut = 2;
    else if (n > 2 && ends_with(column, n, "ID") && !isupper((unsigned char)column[n - 3]))
        cut = 2; /* AuthorID, not VALID */
    char *stem = malloc(n - cut + 1);
    if (stem == NULL) return NULL;
    memcpy(stem, column, n - cut);
    stem[n - cut] = 0;
    char *s = orm_name_snake(stem);
    free(stem);
    return s;
}
