/* slowlog.c — the slow-statement log: one line per statement slower than
 * slow_ms, with the UTC time, the milliseconds, the SQL, its parameters
 * (values bound to a column whose name says password/secret/token are
 * masked; long values are cut) and the user's file:line. */
#include "stats_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define MAX_SHOWN 60 /* characters of one parameter's description */

int orm_stats_set_slow(orm_stats *st, double ms, const char *path, orm_error *err)
{
    FILE *out = NULL;
    if (ms > 0 && path && !(out = fopen(path, "a")))
        return orm_error_set(err, ORM_ERR_ARGUMENT, 0, "slow_log: cannot open '%s' for appending",
                             path);
    if (st->slow_out) fclose(st->slow_out);
    st->slow_out = out;
    st->slow_ms = ms;
    return 0;
}

void orm_stats_set_where(orm_stats *st, orm_where_fn fn, void *ctx)
{
    st->where = fn;
    st->where_ctx = ctx;
}

static int is_ident(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* The identifier ending just before p (quotes dropped): its start in
 * *name and its length. */
static size_t ident_before(const char *sql, const char *p, const char **name)
{
    while (p > sql && (isspace((unsigned char)p[-1]) || p[-1] == '"' || p[-1] == '`'))
        p--;
    const char *end = p;
    while (p > sql && is_ident(p[-1]))
        p--;
    *name = p;
    return (size_t)(end - p);
}

/* The k-th (0-based) name of the parenthesized list opening at p (length 0:
 * none). */
static size_t nth_in_list(const char *sql, const char *p, int k, const char **name)
{
    for (p++; *p && *p != ')'; p++)
        if (*p == ',' && k-- == 0) break;
    if (*p == ',' || (*p == ')' && k == 0)) return ident_before(sql, p, name);
    return 0;
}

/* The column the idx-th placeholder of sql is compared with or assigned
 * to, through any function calls or CASTs around the placeholder ("col =
 * lower(?)"), or its column in an INSERT's list: its start in *name and its
 * length, 0 when it cannot tell. Placeholders: ? or $N. */
static size_t column_of(const char *sql, size_t idx, const char **name)
{
    const char *cols = NULL, *values = NULL;
    int depth = 0, pos = 0; /* inside VALUES (...): the comma count */
    size_t seen = 0;
    for (const char *p = sql; *p; p++) {
        if (*p == '\'' || *p == '"' || *p == '`') {
            char q = *p;
            while (p[1] && p[1] != q)
                p++;
            if (p[1]) p++;
            continue;
        }
        if (*p == '(') {
            depth++;
            if (!cols && depth == 1) cols = p;
            if (depth == 1 && p > sql) {
                const char *w = p;
                while (w > sql && isspace((unsigned char)w[-1]))
                    w--;
                if (w - sql >= 6 && strncasecmp(w - 6, "VALUES", 6) == 0) values = p, pos = 0;
                if (values) pos = 0; /* each row of VALUES (...), (...) starts again */
            }
        } else if (*p == ')') {
            depth--;
        } else if (*p == ',' && depth == 1 && values) {
            pos++;
        } else if (*p == '?' || (*p == '$' && isdigit((unsigned char)p[1]))) {
            if (seen++ != idx) continue;
            const char *b = p;
            for (;;) { /* out of "f(" and "CAST(" openings */
                while (b > sql && isspace((unsigned char)b[-1]))
                    b--;
                if (b == sql || b[-1] != '(') break;
                b--;
                while (b > sql && isspace((unsigned char)b[-1]))
                    b--;
                while (b > sql && is_ident(b[-1]))
                    b--;
            }
            if (b > sql && b[-1] == '=') return ident_before(sql, b - 1, name);
            if (values && depth >= 1 && cols && cols != values)
                return nth_in_list(sql, cols, pos, name);
            return 0;
        }
    }
    return 0;
}

static int secret_name(const char *name, size_t len)
{
    static const char *const words[] = {"password", "passwd", "secret", "token", NULL};
    for (int i = 0; words[i]; i++) {
        size_t wl = strlen(words[i]);
        for (size_t k = 0; k + wl <= len; k++)
            if (strncasecmp(name + k, words[i], wl) == 0) return 1;
    }
    return 0;
}

static void put_param(orm_buf *b, const char *sql, size_t i, const orm_value *v)
{
    const char *col = NULL;
    size_t len = column_of(sql, i, &col);
    if (len && secret_name(col, len)) {
        orm_buf_puts(b, "'***'");
        return;
    }
    orm_buf one = ORM_BUF_INIT;
    orm_value_describe(&one, v);
    const char *s = orm_buf_str(&one);
    if (!one.oom && strlen(s) > MAX_SHOWN)
        orm_buf_printf(b, "%.*s...", MAX_SHOWN, s);
    else
        orm_buf_puts(b, one.oom ? "?" : s);
    orm_buf_free(&one);
}

void orm_slowlog_write(orm_stats *st, double ms, const char *sql, const orm_value *params, size_t n)
{
    char when[32] = "";
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm)) strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    orm_buf b = ORM_BUF_INIT;
    orm_buf_printf(&b, "%s slow statement %.1f ms: %s", when, ms, sql);
    if (n) {
        orm_buf_puts(&b, "  [params: ");
        for (size_t i = 0; i < n; i++) {
            if (i) orm_buf_puts(&b, ", ");
            put_param(&b, sql, i, &params[i]);
        }
        orm_buf_putc(&b, ']');
    }
    char where[256] = "";
    if (st->where) st->where(st->where_ctx, where, sizeof where);
    if (where[0]) orm_buf_printf(&b, "  at %s", where);
    if (b.oom) {
        orm_buf_free(&b);
        return;
    }
    FILE *out = st->slow_out ? st->slow_out : stderr;
    fprintf(out, "%s\n", orm_buf_str(&b));
    fflush(out);
    orm_buf_free(&b);
}
