/* raw_mysql.c — the raw libmariadb baseline for `make bench` on MariaDB: the
 * work of raw_pg.c, phase for phase, through the prepared-statement API
 * (mysql_stmt_*: binary protocol, bound parameters, bound result buffers).
 *
 *   bench_raw_mysql URL PHASE [N]
 *
 * URL is mysql://USER[:PASSWORD]@HOST[:PORT]/DATABASE (run.sh passes the
 * same URL it gives ormsh's --database; without a password in it libmariadb
 * takes MYSQL_PWD). PHASE is one of
 *   w1  create the author table (the DDL ormsh's create_all emits on MariaDB:
 *       id INTEGER AUTO_INCREMENT, InnoDB, utf8mb4_bin) and make the N names
 *       and emails (untimed; gen), then insert N authors with one prepared
 *       INSERT ... VALUES (?, ?) in one transaction: one execution (one round
 *       trip) a row, its generated key read with mysql_stmt_insert_id -- the
 *       per-row choice raw_pg.c makes with INSERT ... RETURNING id
 *   bulk  the rows of w1 in one transaction through MariaDB's array binding
 *       (STMT_ATTR_ARRAY_SIZE: BULK_CHUNK rows a single execution, column-wise
 *       arrays of the names and emails): the floor for inserting them, as
 *       raw_pg.c's COPY is on PostgreSQL; check is the sum of the keys the
 *       rows got (one SELECT sum(id) after the timed span; InnoDB may leave
 *       holes in AUTO_INCREMENT between executions, so not always w1's)
 *   w2  load every row of author into heap structs (id, name and email
 *       malloc'ed), reading the rows as they arrive (no client-side copy of
 *       the whole result), then read one field (name) of each
 *   w3  N lookups by primary key in 1..N (the xorshift64 sequence of
 *       raw_sqlite.c) with one prepared SELECT in one transaction, each
 *       result copied into a heap struct
 *   w45setup  create W4/W5's author and book tables (create_all's DDL, with
 *       the index on book.author_id) and fill them as raw_sqlite.c does (N
 *       authors, 10 * N books, book j by author (j - 1) % N + 1) with two
 *       INSERT ... SELECT FROM seq_1_to_<n> (MariaDB's Sequence engine;
 *       untimed set-up), then ANALYZE TABLE
 *   w4  ONE joined query (author LEFT JOIN book ORDER BY author.id, book.id)
 *       into heap structs, then touch each author's books
 *   w5  N lookups by email (the shuffled order of raw_sqlite.c) with one
 *       prepared SELECT ... WHERE email = ? LIMIT 1 in one transaction
 *
 * Each prepared statement's parameters are bound once to variables the loop
 * rewrites (mysql_stmt_bind_param copies the MYSQL_BIND array, not the
 * values); results are fetched into fixed buffers sized for the columns
 * (VARCHAR(50) of utf8mb4 fits in 256 bytes; a truncation is an error).
 * Connecting and the set-up are not timed; the statements of the workload are
 * prepared inside the timed span (as ormsh prepares its own). Output as
 * raw_sqlite.c's: wall, cpu, rows, check, gen, rss_kib, authors. */
#include <mysql.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The DDL ormsh's create_all emits on MariaDB for run.sh's models. */
#define TABLE_OPTS " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
static const char *DDL = "CREATE TABLE IF NOT EXISTS author (\n"
                         "\tid INTEGER NOT NULL AUTO_INCREMENT, \n"
                         "\tname VARCHAR(30), \n"
                         "\temail VARCHAR(30) NOT NULL, \n"
                         "\tPRIMARY KEY (id), \n"
                         "\tUNIQUE (email)\n"
                         ")" TABLE_OPTS;

static const char *DDL_REL[] = {
    "CREATE TABLE IF NOT EXISTS author (\n"
    "\tid INTEGER NOT NULL AUTO_INCREMENT, \n"
    "\tname VARCHAR(30), \n"
    "\temail VARCHAR(30) NOT NULL, \n"
    "\tPRIMARY KEY (id), \n"
    "\tUNIQUE (email)\n"
    ")" TABLE_OPTS,
    "CREATE TABLE IF NOT EXISTS book (\n"
    "\tid INTEGER NOT NULL AUTO_INCREMENT, \n"
    "\tname VARCHAR(50) NOT NULL, \n"
    "\tauthor_id INTEGER, \n"
    "\tPRIMARY KEY (id), \n"
    "\tFOREIGN KEY(author_id) REFERENCES author (id)\n"
    ")" TABLE_OPTS,
    "CREATE INDEX IF NOT EXISTS ix_book_author_id ON book (author_id)",
};
#define BOOKS_PER_AUTHOR 10
#define BULK_CHUNK 5000 /* rows of one array-bound execution (bulk) */
#define TEXT_MAX 256    /* result buffer of a VARCHAR(<= 50) utf8mb4 column */

struct author {
    int64_t id;
    char *name;
    char *email;
};

struct book {
    int64_t id;
    char *name;
    int64_t author_id;
};

struct author_books {
    int64_t id;
    char *name;
    char *email;
    struct book *books; /* malloc'ed array of nbooks */
    size_t nbooks, cap;
};

/* One bound result column: an integer or a text buffer, its length and
 * NULL / truncation flags. */
struct outcol {
    long long i;
    char s[TEXT_MAX];
    unsigned long len;
    my_bool null, err;
};

static MYSQL *my;

static void die(const char *what)
{
    fprintf(stderr, "bench_raw_mysql: %s: %s\n", what, my ? mysql_error(my) : "no connection");
    exit(1);
}

static void die_stmt(MYSQL_STMT *st, const char *what)
{
    fprintf(stderr, "bench_raw_mysql: %s: %s\n", what, mysql_stmt_error(st));
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p) {
        fputs("bench_raw_mysql: out of memory\n", stderr);
        exit(1);
    }
    return p;
}

static void exec(const char *sql)
{
    if (mysql_real_query(my, sql, (unsigned long)strlen(sql)) != 0) die(sql);
    MYSQL_RES *res = mysql_store_result(my); /* ANALYZE TABLE answers with rows */
    if (res)
        mysql_free_result(res);
    else if (mysql_field_count(my) != 0)
        die(sql);
}

/* The one integer the query answers with. */
static long long query_int(const char *sql)
{
    if (mysql_real_query(my, sql, (unsigned long)strlen(sql)) != 0) die(sql);
    MYSQL_RES *res = mysql_store_result(my);
    if (!res) die(sql);
    MYSQL_ROW row = mysql_fetch_row(res);
    long long v = row && row[0] ? strtoll(row[0], NULL, 10) : 0;
    mysql_free_result(res);
    return v;
}

static MYSQL_STMT *prepare(const char *sql)
{
    MYSQL_STMT *st = mysql_stmt_init(my);
    if (!st) die("mysql_stmt_init");
    if (mysql_stmt_prepare(st, sql, (unsigned long)strlen(sql)) != 0) die_stmt(st, sql);
    return st;
}

static void bind_out_int(MYSQL_BIND *b, struct outcol *c)
{
    memset(b, 0, sizeof *b);
    b->buffer_type = MYSQL_TYPE_LONGLONG;
    b->buffer = &c->i;
    b->is_null = &c->null;
    b->error = &c->err;
}

static void bind_out_text(MYSQL_BIND *b, struct outcol *c)
{
    memset(b, 0, sizeof *b);
    b->buffer_type = MYSQL_TYPE_STRING;
    b->buffer = c->s;
    b->buffer_length = sizeof c->s;
    b->length = &c->len;
    b->is_null = &c->null;
    b->error = &c->err;
}

/* Binds the result columns: kinds is "i" (integer) or "s" (text) a column. */
static void bind_result(MYSQL_STMT *st, MYSQL_BIND *b, struct outcol *cols, const char *kinds)
{
    size_t n = strlen(kinds);
    if (mysql_stmt_field_count(st) != n) die_stmt(st, "result columns");
    for (size_t i = 0; i < n; i++) {
        if (kinds[i] == 'i')
            bind_out_int(&b[i], &cols[i]);
        else
            bind_out_text(&b[i], &cols[i]);
    }
    if (mysql_stmt_bind_result(st, b) != 0) die_stmt(st, "bind result");
}

/* The next row into the bound buffers: 1, or 0 at the end. */
static int fetch(MYSQL_STMT *st)
{
    int rc = mysql_stmt_fetch(st);
    if (rc == MYSQL_NO_DATA) return 0;
    if (rc == MYSQL_DATA_TRUNCATED) die_stmt(st, "a column does not fit its buffer");
    if (rc != 0) die_stmt(st, "fetch");
    return 1;
}

static double now(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static char *dup_col(const struct outcol *c)
{
    if (c->null) return NULL;
    char *p = xmalloc(c->len + 1);
    memcpy(p, c->s, c->len);
    p[c->len] = '\0';
    return p;
}

/* cols: id, name, email */
static struct author *cols_to_author(const struct outcol *cols)
{
    struct author *a = xmalloc(sizeof *a);
    a->id = cols[0].i;
    a->name = dup_col(&cols[1]);
    a->email = dup_col(&cols[2]);
    return a;
}

static void free_author(struct author *a)
{
    free(a->name);
    free(a->email);
    free(a);
}

static long peak_rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    if (!f) return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0) {
            kib = strtol(line + 6, NULL, 10);
            break;
        }
    fclose(f);
    return kib;
}

/* xorshift64 (13, 7, 17), as raw_sqlite.c, ormsh_bench.lua, sqlalchemy_bench.py */
static uint64_t rng_state = 88172645463325252ULL;
static uint64_t next_x(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    rng_state = x;
    return x;
}

static int64_t *shuffled_ids(long n)
{
    int64_t *p = xmalloc((size_t)n * sizeof *p);
    rng_state = 88172645463325252ULL;
    for (long i = 0; i < n; i++)
        p[i] = i + 1;
    for (long i = n; i >= 2; i--) {
        long j = (long)((next_x() >> 11) % (uint64_t)i) + 1;
        int64_t t = p[i - 1];
        p[i - 1] = p[j - 1];
        p[j - 1] = t;
    }
    return p;
}

static void report(double w0, double c0, long rows, long long check)
{
    double w1 = now(CLOCK_MONOTONIC), c1 = now(CLOCK_PROCESS_CPUTIME_ID);
    printf("wall %.6f\ncpu %.6f\nrows %ld\ncheck %lld\n", w1 - w0, c1 - c0, rows, check);
}

/* w1's and bulk's input: N names (16 bytes each) and emails (32 bytes each) */
static void make_rows(long n, char **names, char **emails)
{
    *names = xmalloc((size_t)n * 16);
    *emails = xmalloc((size_t)n * 32);
    for (long i = 0; i < n; i++) {
        if (snprintf(*names + i * 16, 16, "author%ld", i + 1) >= 16 ||
            snprintf(*emails + i * 32, 32, "author%ld@example.com", i + 1) >= 32) {
            fputs("bench_raw_mysql: N too large\n", stderr);
            exit(1);
        }
    }
}

static void w1(long n)
{
    exec(DDL);
    double g0 = now(CLOCK_MONOTONIC);
    char *names, *emails;
    make_rows(n, &names, &emails);
    double gen = now(CLOCK_MONOTONIC) - g0;

    double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    exec("BEGIN");
    MYSQL_STMT *st = prepare("INSERT INTO author (name, email) VALUES (?, ?)");
    /* the parameters point at two buffers the loop fills (bound once) */
    char name[16], email[32];
    unsigned long name_len = 0, email_len = 0;
    MYSQL_BIND p[2];
    memset(p, 0, sizeof p);
    p[0].buffer_type = MYSQL_TYPE_STRING;
    p[0].buffer = name;
    p[0].buffer_length = sizeof name;
    p[0].length = &name_len;
    p[1].buffer_type = MYSQL_TYPE_STRING;
    p[1].buffer = email;
    p[1].buffer_length = sizeof email;
    p[1].length = &email_len;
    if (mysql_stmt_bind_param(st, p) != 0) die_stmt(st, "bind insert");
    long long check = 0;
    for (long i = 0; i < n; i++) {
        name_len = (unsigned long)strlen(names + i * 16);
        email_len = (unsigned long)strlen(emails + i * 32);
        memcpy(name, names + i * 16, name_len);
        memcpy(email, emails + i * 32, email_len);
        if (mysql_stmt_execute(st) != 0) die_stmt(st, "insert");
        check += (long long)mysql_stmt_insert_id(st);
    }
    mysql_stmt_close(st);
    exec("COMMIT");
    report(w0, c0, n, check);
    printf("gen %.6f\n", gen);
    free(names);
    free(emails);
}

static void bulk(long n)
{
    exec(DDL);
    char *names, *emails;
    make_rows(n, &names, &emails);
    long chunk = n < BULK_CHUNK ? n : BULK_CHUNK;
    char **np = xmalloc((size_t)chunk * sizeof *np), **ep = xmalloc((size_t)chunk * sizeof *ep);
    unsigned long *nl = xmalloc((size_t)chunk * sizeof *nl),
                  *el = xmalloc((size_t)chunk * sizeof *el);

    double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    exec("BEGIN");
    MYSQL_STMT *st = prepare("INSERT INTO author (name, email) VALUES (?, ?)");
    /* column-wise array binding: an array of pointers and one of lengths a
     * column; the array size is set before each execution */
    MYSQL_BIND p[2];
    memset(p, 0, sizeof p);
    p[0].buffer_type = MYSQL_TYPE_STRING;
    p[0].buffer = np;
    p[0].length = nl;
    p[1].buffer_type = MYSQL_TYPE_STRING;
    p[1].buffer = ep;
    p[1].length = el;
    for (long at = 0; at < n; at += chunk) {
        unsigned int rows = (unsigned int)(n - at < chunk ? n - at : chunk);
        for (unsigned int r = 0; r < rows; r++) {
            np[r] = names + (at + (long)r) * 16;
            ep[r] = emails + (at + (long)r) * 32;
            nl[r] = (unsigned long)strlen(np[r]);
            el[r] = (unsigned long)strlen(ep[r]);
        }
        if (mysql_stmt_attr_set(st, STMT_ATTR_ARRAY_SIZE, &rows) != 0 ||
            mysql_stmt_bind_param(st, p) != 0)
            die_stmt(st, "bind bulk");
        if (mysql_stmt_execute(st) != 0) die_stmt(st, "bulk insert");
        if (mysql_stmt_affected_rows(st) != rows) die_stmt(st, "bulk insert: rows written");
    }
    mysql_stmt_close(st);
    exec("COMMIT");
    double w = now(CLOCK_MONOTONIC), c = now(CLOCK_PROCESS_CPUTIME_ID);
    long long check = query_int("SELECT sum(id) FROM author");
    printf("wall %.6f\ncpu %.6f\nrows %ld\ncheck %lld\n", w - w0, c - c0, n, check);
    free(np);
    free(ep);
    free(nl);
    free(el);
    free(names);
    free(emails);
}

static void w2(void)
{
    double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    MYSQL_STMT *st = prepare("SELECT author.id, author.name, author.email FROM author");
    if (mysql_stmt_execute(st) != 0) die_stmt(st, "select");
    struct outcol cols[3];
    MYSQL_BIND b[3];
    bind_result(st, b, cols, "iss");
    size_t cap = 1024, len = 0;
    struct author **all = xmalloc(cap * sizeof *all);
    while (fetch(st)) {
        if (len == cap) {
            cap *= 2;
            struct author **p = realloc(all, cap * sizeof *all);
            if (!p) die("out of memory");
            all = p;
        }
        all[len++] = cols_to_author(cols);
    }
    mysql_stmt_close(st);
    long long check = 0;
    for (size_t i = 0; i < len; i++)
        check += all[i]->name ? (long long)strlen(all[i]->name) : 0;
    report(w0, c0, (long)len, check);
    printf("rss_kib %ld\n", peak_rss_kib());
    for (size_t i = 0; i < len; i++)
        free_author(all[i]);
    free(all);
}

/* w3 and w5: one prepared single-row SELECT of author executed n times, its
 * one parameter bound once to param (kind: an integer or a text buffer the
 * caller's next() fills); check adds the id (and, with add_name, the name's
 * length) of each author found. */
static void lookups(long n, const char *sql, MYSQL_BIND *param, void (*next)(long i), int add_name)
{
    double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    exec("BEGIN");
    MYSQL_STMT *st = prepare(sql);
    if (mysql_stmt_bind_param(st, param) != 0) die_stmt(st, "bind lookup");
    struct outcol cols[3];
    MYSQL_BIND b[3];
    bind_result(st, b, cols, "iss");
    long found = 0;
    long long check = 0;
    for (long i = 0; i < n; i++) {
        next(i);
        if (mysql_stmt_execute(st) != 0) die_stmt(st, "lookup");
        while (fetch(st)) { /* at most one row: read to the end of the result */
            struct author *a = cols_to_author(cols);
            found++;
            check += a->id + (add_name && a->name ? (long long)strlen(a->name) : 0);
            free_author(a);
        }
    }
    mysql_stmt_close(st);
    exec("COMMIT");
    report(w0, c0, found, check);
}

static int64_t *w3_ids;
static long long w3_param;
static void w3_next(long i)
{
    w3_param = w3_ids[i];
}

static void w3(long n)
{
    w3_ids = xmalloc((size_t)n * sizeof *w3_ids);
    for (long i = 0; i < n; i++)
        w3_ids[i] = (int64_t)((next_x() >> 11) % (uint64_t)n) + 1;
    MYSQL_BIND p;
    memset(&p, 0, sizeof p);
    p.buffer_type = MYSQL_TYPE_LONGLONG;
    p.buffer = &w3_param;
    lookups(n, "SELECT author.id, author.name, author.email FROM author WHERE author.id = ?", &p,
            w3_next, 0);
    free(w3_ids);
}

static char *w5_emails; /* n emails, 48 bytes each */
static char w5_param[48];
static unsigned long w5_len;
static void w5_next(long i)
{
    w5_len = (unsigned long)strlen(w5_emails + i * 48);
    memcpy(w5_param, w5_emails + i * 48, w5_len);
}

static void w5(long n)
{
    int64_t *ids = shuffled_ids(n);
    w5_emails = xmalloc((size_t)n * 48);
    for (long i = 0; i < n; i++)
        if (snprintf(w5_emails + i * 48, 48, "author%lld@example.com", (long long)ids[i]) >= 48)
            die("N too large");
    MYSQL_BIND p;
    memset(&p, 0, sizeof p);
    p.buffer_type = MYSQL_TYPE_STRING;
    p.buffer = w5_param;
    p.buffer_length = sizeof w5_param;
    p.length = &w5_len;
    lookups(
        n, "SELECT author.id, author.name, author.email FROM author WHERE author.email = ? LIMIT 1",
        &p, w5_next, 1);
    free(ids);
    free(w5_emails);
}

static void w45setup(long n)
{
    char sql[512];
    double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    for (size_t i = 0; i < sizeof DDL_REL / sizeof *DDL_REL; i++)
        exec(DDL_REL[i]);
    exec("BEGIN");
    snprintf(sql, sizeof sql,
             "INSERT INTO author (id, name, email) SELECT seq, CONCAT('author', seq), "
             "CONCAT('author', seq, '@example.com') FROM seq_1_to_%ld",
             n);
    exec(sql);
    snprintf(sql, sizeof sql,
             "INSERT INTO book (id, name, author_id) SELECT seq, CONCAT('book', seq), "
             "(seq - 1) %% %ld + 1 FROM seq_1_to_%ld",
             n, n * BOOKS_PER_AUTHOR);
    exec(sql);
    exec("COMMIT");
    exec("ANALYZE TABLE author, book");
    report(w0, c0, n * BOOKS_PER_AUTHOR, n);
}

static void w4(void)
{
    double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    MYSQL_STMT *st = prepare("SELECT author.id, author.name, author.email, book.id, book.name, "
                             "book.author_id FROM author LEFT OUTER JOIN book ON author.id = "
                             "book.author_id ORDER BY author.id, book.id");
    if (mysql_stmt_execute(st) != 0) die_stmt(st, "join");
    struct outcol cols[6];
    MYSQL_BIND b[6];
    bind_result(st, b, cols, "issisi");
    size_t cap = 1024, len = 0;
    struct author_books *all = xmalloc(cap * sizeof *all), *cur = NULL;
    while (fetch(st)) {
        int64_t aid = cols[0].i;
        if (!cur || cur->id != aid) {
            if (len == cap) {
                cap *= 2;
                struct author_books *p = realloc(all, cap * sizeof *all);
                if (!p) die("out of memory");
                all = p;
            }
            cur = &all[len++];
            cur->id = aid;
            cur->name = dup_col(&cols[1]);
            cur->email = dup_col(&cols[2]);
            cur->books = NULL;
            cur->nbooks = cur->cap = 0;
        }
        if (cols[3].null) continue;
        if (cur->nbooks == cur->cap) {
            cur->cap = cur->cap ? cur->cap * 2 : 4;
            struct book *p = realloc(cur->books, cur->cap * sizeof *p);
            if (!p) die("out of memory");
            cur->books = p;
        }
        struct book *bk = &cur->books[cur->nbooks++];
        bk->id = cols[3].i;
        bk->name = dup_col(&cols[4]);
        bk->author_id = cols[5].i;
    }
    mysql_stmt_close(st);
    long books = 0;
    long long check = 0;
    for (size_t i = 0; i < len; i++) {
        struct author_books *a = &all[i];
        check += a->id * (long long)a->nbooks;
        for (size_t k = 0; k < a->nbooks; k++) {
            books++;
            check += a->books[k].id + (a->books[k].name ? (long long)strlen(a->books[k].name) : 0);
        }
    }
    report(w0, c0, books, check);
    printf("authors %zu\n", len);
    for (size_t i = 0; i < len; i++) {
        for (size_t k = 0; k < all[i].nbooks; k++)
            free(all[i].books[k].name);
        free(all[i].books);
        free(all[i].name);
        free(all[i].email);
    }
    free(all);
}

/* mysql://USER[:PASSWORD]@HOST[:PORT]/DATABASE into its parts (pieces of
 * buf, a copy of the URL); 0 when it is not of that form. */
static int parse_url(const char *url, char *buf, size_t size, char **user, char **pass, char **host,
                     unsigned *port, char **db)
{
    const char *pfx = "mysql://";
    if (strncmp(url, pfx, strlen(pfx)) != 0 || strlen(url) >= size) return 0;
    strcpy(buf, url + strlen(pfx));
    char *at = strrchr(buf, '@'), *slash;
    if (!at) return 0;
    *at = '\0';
    *user = buf;
    *pass = strchr(buf, ':');
    if (*pass) *(*pass)++ = '\0';
    *host = at + 1;
    if (!(slash = strchr(*host, '/'))) return 0;
    *slash = '\0';
    *db = slash + 1;
    char *colon = strchr(*host, ':');
    *port = 0;
    if (colon) {
        *colon = '\0';
        *port = (unsigned)strtoul(colon + 1, NULL, 10);
    }
    return **user && **host && **db;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fputs("usage: bench_raw_mysql mysql://USER[:PASSWORD]@HOST[:PORT]/DB "
              "w1|bulk|w2|w3|w45setup|w4|w5 [N]\n",
              stderr);
        return 2;
    }
    long n = argc > 3 ? strtol(argv[3], NULL, 10) : 100000;
    if (n <= 0) {
        fputs("bench_raw_mysql: N must be positive\n", stderr);
        return 2;
    }
    char buf[512], *user, *pass, *host, *db;
    unsigned port;
    if (!parse_url(argv[1], buf, sizeof buf, &user, &pass, &host, &port, &db)) {
        fprintf(stderr, "bench_raw_mysql: '%s' is not mysql://USER[:PASSWORD]@HOST[:PORT]/DB\n",
                argv[1]);
        return 2;
    }
    if (!(my = mysql_init(NULL))) die("mysql_init");
    mysql_options(my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (!mysql_real_connect(my, host, user, pass, db, port, NULL, 0)) die("connect");
    if (strcmp(argv[2], "w1") == 0)
        w1(n);
    else if (strcmp(argv[2], "bulk") == 0)
        bulk(n);
    else if (strcmp(argv[2], "w2") == 0)
        w2();
    else if (strcmp(argv[2], "w3") == 0)
        w3(n);
    else if (strcmp(argv[2], "w45setup") == 0)
        w45setup(n);
    else if (strcmp(argv[2], "w4") == 0)
        w4();
    else if (strcmp(argv[2], "w5") == 0)
        w5(n);
    else {
        fprintf(stderr, "bench_raw_mysql: unknown phase '%s'\n", argv[2]);
        return 2;
    }
    mysql_close(my);
    return 0;
}
