/* url.c — database URLs (docs/reference.md): parsing sqlite://, postgresql:// and
 * mysql:// forms into orm_url, resolving SQLite paths against the app
 * directory, and printing URLs (or any text holding one) with the password
 * replaced by "***". A password never reaches a message. */
#include "url.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "backend.h"
#include "buf.h"

/* 1 when u's backend reads its URL as a file path (backend.h). */
static int is_file_url(const orm_url *u)
{
    const orm_backend *be = orm_backend_for_scheme(u->scheme);
    return be && be->url_is_file;
}

void orm_url_free(orm_url *u)
{
    if (!u) return;
    free(u->scheme);
    free(u->user);
    free(u->password);
    free(u->host);
    free(u->database);
    orm_strv_free(&u->params);
    memset(u, 0, sizeof *u);
}

/* ---- masking ---------------------------------------------------------- */

/* Where the URL starting at user ends for masking: at the next "://" (the
 * next URL in the text) or at the end of the text. A password may hold any
 * character (spaces, quotes, '@', '/'), so everything up to the LAST '@'
 * before that point is masked: masking too much is harmless, too little
 * leaks the password. */
static const char *segment_end(const char *user)
{
    const char *next = strstr(user, "://");
    return next ? next : user + strlen(user);
}

char *orm_url_mask_text(const char *text)
{
    orm_buf b = ORM_BUF_INIT;
    const char *p = text;
    const char *sep;
    while ((sep = strstr(p, "://")) != NULL) {
        const char *user = sep + 3;
        const char *end = segment_end(user);
        const char *at = NULL, *colon = NULL;
        for (const char *c = user; c < end; c++)
            if (*c == '@') at = c;
        for (const char *c = user; at && c < at && !colon; c++)
            if (*c == ':') colon = c;
        orm_buf_append(&b, p, (size_t)(user - p));
        p = user;
        if (!colon) continue; /* no password: nothing to hide */
        orm_buf_append(&b, user, (size_t)(colon - user));
        orm_buf_puts(&b, ":***@");
        p = at + 1;
    }
    orm_buf_puts(&b, p);
    return orm_buf_detach(&b);
}

/* ---- paths ------------------------------------------------------------ */

/* base + "/" + rel, made absolute (against the working directory) and
 * lexically normalised ("." and empty parts dropped, ".." folded). Used for
 * display only; NULL on out-of-memory. */
static char *abs_path(const char *base, const char *rel)
{
    orm_buf full = ORM_BUF_INIT;
    if (base[0] != '/') {
        char *cwd = getcwd(NULL, 0);
        if (cwd) orm_buf_puts(&full, cwd);
        free(cwd);
        orm_buf_putc(&full, '/');
    }
    orm_buf_puts(&full, base);
    orm_buf_putc(&full, '/');
    orm_buf_puts(&full, rel);
    if (full.oom) {
        orm_buf_free(&full);
        return NULL;
    }
    orm_buf out = ORM_BUF_INIT;
    const char *s = orm_buf_str(&full);
    while (*s) {
        size_t n = strcspn(s, "/");
        if (n == 0 || (n == 1 && s[0] == '.')) {
            /* skip */
        } else if (n == 2 && s[0] == '.' && s[1] == '.') {
            while (out.len > 0 && out.p[out.len - 1] != '/')
                out.len--;
            if (out.len > 0) out.len--;
            if (out.p) out.p[out.len] = '\0';
        } else {
            orm_buf_putc(&out, '/');
            orm_buf_append(&out, s, n);
        }
        s += n;
        if (*s == '/') s++;
    }
    if (out.len == 0) orm_buf_putc(&out, '/');
    orm_buf_free(&full);
    return orm_buf_detach(&out);
}

char *orm_url_sqlite_path(const orm_url *u, const char *base_dir)
{
    if (!is_file_url(u)) return NULL;
    if (u->is_memory) return strdup(":memory:");
    if (u->is_absolute || !base_dir || !base_dir[0]) return strdup(u->database);
    orm_buf b = ORM_BUF_INIT;
    orm_buf_puts(&b, base_dir);
    if (b.len && b.p[b.len - 1] != '/') orm_buf_putc(&b, '/');
    orm_buf_puts(&b, u->database);
    return orm_buf_detach(&b);
}

/* "?name=value&..." for u's options, a password's value masked; '%' and
 * '&' in a value escaped, so that the text parses back to the same. */
static void put_params(orm_buf *b, const orm_url *u)
{
    for (int i = 0; i + 1 < u->params.n; i += 2) {
        orm_buf_printf(b, "%c%s=", i ? '&' : '?', u->params.v[i]);
        const char *v = strcmp(u->params.v[i], "password") == 0 ? "***" : u->params.v[i + 1];
        for (; *v; v++)
            if (*v == '%' || *v == '&')
                orm_buf_printf(b, "%%%02X", (unsigned char)*v);
            else
                orm_buf_putc(b, *v);
    }
}

char *orm_url_masked(const orm_url *u, const char *base_dir)
{
    orm_buf b = ORM_BUF_INIT;
    if (!u->scheme) return strdup("");
    orm_buf_puts(&b, u->scheme);
    orm_buf_puts(&b, "://");
    if (is_file_url(u)) {
        if (u->is_memory) {
            if (u->database && u->database[0]) orm_buf_printf(&b, "/%s", u->database);
        } else if (u->is_absolute || !base_dir || !base_dir[0]) {
            orm_buf_printf(&b, "/%s", u->database);
        } else {
            char *abs = abs_path(base_dir, u->database);
            if (!abs)
                b.oom = 1;
            else
                orm_buf_printf(&b, "/%s", abs);
            free(abs);
        }
        put_params(&b, u);
        return orm_buf_detach(&b);
    }
    if (u->user) {
        orm_buf_puts(&b, u->user);
        if (u->password) orm_buf_puts(&b, ":***");
        orm_buf_putc(&b, '@');
    }
    if (u->host) {
        if (strchr(u->host, ':'))
            orm_buf_printf(&b, "[%s]", u->host);
        else
            orm_buf_puts(&b, u->host);
    }
    if (u->port) orm_buf_printf(&b, ":%d", u->port);
    if (u->database && u->database[0]) orm_buf_printf(&b, "/%s", u->database);
    put_params(&b, u);
    return orm_buf_detach(&b);
}

/* ---- parsing ---------------------------------------------------------- */

/* An ArgumentError "invalid database URL '<masked text>': <why>". */
static int bad_url(orm_error *err, const char *text, const char *why)
{
    char *shown = orm_url_mask_text(text);
    if (!shown) return orm_error_oom(err);
    int rc = orm_error_set(err, ORM_ERR_ARGUMENT, 0, "invalid database URL '%s': %s", shown, why);
    free(shown);
    return rc; /* ORM_ENOMEM when the message could not be made */
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = (char)tolower((unsigned char)c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Percent-decodes s[0..n) into a new string. Malformed escapes are kept as
 * written; "%00" is refused (1) because a C string cannot hold it. -1 oom. */
static int pct_decode(const char *s, size_t n, char **out)
{
    char *d = malloc(n + 1), *w = d;
    *out = NULL;
    if (!d) return -1;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
            (lo = hexval(s[i + 2])) >= 0) {
            if (hi == 0 && lo == 0) {
                free(d);
                return 1;
            }
            *w++ = (char)(hi * 16 + lo);
            i += 2;
        } else {
            *w++ = s[i];
        }
    }
    *w = '\0';
    *out = d;
    return 0;
}

static int decode_part(const char *s, size_t n, char **out, const char *text, const char *what,
                       orm_error *err);

/* The options after '?' ("name=value&name=value") into u->params. */
static int parse_query(orm_url *u, const char *text, const char *q, orm_error *err)
{
    while (*q) {
        size_t n = strcspn(q, "&");
        const char *eq = memchr(q, '=', n);
        if (n > 0 && (!eq || eq == q))
            return bad_url(err, text, "an option after '?' is written name=value");
        if (n > 0 && u->params.n == 2 * ORM_URL_MAX_PARAMS)
            return bad_url(err, text, "more than 32 options after '?'");
        if (n > 0) {
            char *name = NULL, *value = NULL;
            int rc = decode_part(q, (size_t)(eq - q), &name, text, "'%00' in an option", err);
            if (rc == ORM_OK)
                rc = decode_part(eq + 1, n - (size_t)(eq - q) - 1, &value, text,
                                 "'%00' in an option", err);
            if (rc == ORM_OK &&
                (orm_strv_push(&u->params, name) < 0 || orm_strv_push(&u->params, value) < 0))
                rc = orm_error_oom(err);
            free(name);
            free(value);
            if (rc < 0) return rc;
        }
        q += n + (q[n] == '&');
    }
    return ORM_OK;
}

const char *orm_url_param(const orm_url *u, const char *name)
{
    const char *v = NULL;
    for (int i = 0; i + 1 < u->params.n; i += 2)
        if (strcmp(u->params.v[i], name) == 0) v = u->params.v[i + 1];
    return v;
}

int orm_url_check_params(const orm_url *u, const char *const *known, orm_error *err)
{
    for (int i = 0; i + 1 < u->params.n; i += 2) {
        int k = 0;
        while (known[k] && strcmp(known[k], u->params.v[i]) != 0)
            k++;
        if (known[k]) continue;
        orm_buf names = ORM_BUF_INIT;
        for (k = 0; known[k]; k++)
            orm_buf_printf(&names, "%s%s", k ? ", " : "", known[k]);
        int rc = names.oom
                     ? orm_error_oom(err)
                     : orm_error_set(err, ORM_ERR_ARGUMENT, 0,
                                     "unknown option '%s' in the %s URL (%s%s)", u->params.v[i],
                                     u->scheme, known[0] ? "it takes: " : "it takes none",
                                     orm_buf_str(&names));
        orm_buf_free(&names);
        return rc;
    }
    return ORM_OK;
}

static int parse_sqlite(orm_url *u, const char *text, const char *rest, orm_error *err)
{
    if (rest[0] == '\0') {
        u->is_memory = 1;
        u->database = strdup("");
    } else if (rest[0] != '/') {
        return bad_url(err, text,
                       "a SQLite URL takes no host; expected sqlite:///relative/path.db, "
                       "sqlite:////absolute/path.db or sqlite:// (in memory)");
    } else {
        const char *path = rest + 1;
        size_t n = strcspn(path, "?");
        u->is_memory = n == 0 || (n == 8 && strncmp(path, ":memory:", 8) == 0);
        u->is_absolute = path[0] == '/';
        u->database = strndup(path, n);
        if (u->database && path[n] == '?') return parse_query(u, text, path + n + 1, err);
    }
    return u->database ? ORM_OK : orm_error_oom(err);
}

/* "5432" -> 5432; 0 for anything but 1-5 digits within 1..65535. */
static int parse_port(const char *s, size_t n)
{
    if (n == 0 || n > 5) return 0;
    int port = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) return 0;
        port = port * 10 + (s[i] - '0');
    }
    return port <= 65535 ? port : 0;
}

static int decode_part(const char *s, size_t n, char **out, const char *text, const char *what,
                       orm_error *err)
{
    int rc = pct_decode(s, n, out);
    if (rc < 0) return orm_error_oom(err);
    if (rc > 0) return bad_url(err, text, what);
    return ORM_OK;
}

/* scheme://[user[:password]@][host][:port][/database][?options]. As in
 * SQLAlchemy, the user name stops at ':', '/' or '@', and a password runs
 * to the first '@' (so it may hold ':' and '/'); options go to params. */
static int parse_server(orm_url *u, const char *text, const char *rest, orm_error *err)
{
    const char *p = rest;
    size_t un = strcspn(p, ":/@");
    const char *at = NULL, *pw = NULL;
    if (p[un] == '@') {
        at = p + un;
    } else if (p[un] == ':' && (at = strchr(p + un + 1, '@')) != NULL) {
        pw = p + un + 1;
    }
    if (at) { /* a failure is ORM_EFAIL (bad text) or ORM_ENOMEM, passed on */
        int rc = decode_part(p, un, &u->user, text, "'%00' in the user name", err);
        if (rc == ORM_OK && pw)
            rc = decode_part(pw, (size_t)(at - pw), &u->password, text, "'%00' in the password",
                             err);
        if (rc < 0) return rc;
        p = at + 1;
    }
    const char *host_end;
    if (*p == '[') {
        const char *close = strchr(p, ']');
        if (!close) return bad_url(err, text, "unterminated '[' in the host");
        if (close > p + 1 && !(u->host = strndup(p + 1, (size_t)(close - p - 1))))
            return orm_error_oom(err);
        host_end = close + 1;
        if (*host_end && !strchr(":/?", *host_end))
            return bad_url(err, text, "unexpected text after ']' in the host");
    } else {
        host_end = p + strcspn(p, ":/?");
        if (host_end > p && !(u->host = strndup(p, (size_t)(host_end - p))))
            return orm_error_oom(err);
    }
    p = host_end;
    if (*p == ':') {
        size_t n = strcspn(p + 1, "/?");
        u->port = parse_port(p + 1, n);
        if (!u->port) return bad_url(err, text, "the port must be a number from 1 to 65535");
        p += 1 + n;
    }
    size_t dn = 0;
    if (*p == '/') {
        p++;
        dn = strcspn(p, "?");
    }
    int rc = decode_part(p, dn, &u->database, text, "'%00' in the database name", err);
    if (rc == ORM_OK && p[dn] == '?') rc = parse_query(u, text, p + dn + 1, err);
    return rc;
}

/* ArgumentError naming the scheme, the URL (masked) and every backend's name. */
static int unknown_scheme(const char *text, size_t sn, orm_error *err)
{
    orm_buf names = ORM_BUF_INIT;
    const orm_backend *be;
    for (size_t i = 0; (be = orm_backend_at(i)) != NULL; i++) {
        if (i) orm_buf_puts(&names, orm_backend_at(i + 1) ? ", " : " or ");
        orm_buf_puts(&names, be->name);
    }
    char *shown = orm_url_mask_text(text);
    int rc;
    if (!shown || names.oom)
        rc = orm_error_oom(err);
    else
        rc = orm_error_set(err, ORM_ERR_ARGUMENT, 0,
                           "unsupported database URL scheme '%.*s' in '%s' (use %s)", (int)sn, text,
                           shown, orm_buf_str(&names));
    free(shown);
    orm_buf_free(&names);
    return rc;
}

int orm_url_parse(orm_url *out, const char *text, orm_error *err)
{
    memset(out, 0, sizeof *out);
    if (!text || !text[0]) return bad_url(err, "", "the URL is empty");
    const char *sep = strstr(text, "://");
    size_t sn = sep ? (size_t)(sep - text) : 0;
    int ok = sn > 0 && isalpha((unsigned char)text[0]);
    for (size_t i = 0; ok && i < sn; i++)
        ok = isalnum((unsigned char)text[i]) || strchr("+-.", text[i]) != NULL;
    if (!ok) return bad_url(err, text, "expected scheme://...");

    const char *plus = memchr(text, '+', sn); /* "postgresql+psycopg2": the Python driver */
    const orm_backend *be = orm_backend_for_scheme_n(text, plus ? (size_t)(plus - text) : sn);
    if (!be) return unknown_scheme(text, sn, err);
    if (!(out->scheme = strdup(be->name))) return orm_error_oom(err);
    int rc = be->url_is_file ? parse_sqlite(out, text, sep + 3, err)
                             : parse_server(out, text, sep + 3, err);
    if (rc != ORM_OK) orm_url_free(out);
    return rc;
}
