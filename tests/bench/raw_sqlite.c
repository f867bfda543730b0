/* raw_sqlite.c — the raw sqlite3 C API baseline for `make bench`.
 *
 *   bench_raw_sqlite DB PHASE [N]
 *
 * PHASE is one of
 *   w1  create the author table and make the N names and emails (untimed;
 *       the string making is reported as gen), then insert N authors
 *       (name, email) with one prepared statement in one transaction
 *   w2  load every row of author into heap structs (id, name and email
 *       malloc'ed), then read one field (name) of each
 *   w3  N lookups by primary key in 1..N (ids from a fixed-seed xorshift64, the same
 *       sequence as ormsh_bench.lua and sqlalchemy_bench.py) inside one
 *       transaction, each result copied into a heap struct
 *   w45setup  create the author and book tables of W4/W5 (the DDL ormsh's
 *       create_all emits for run.sh's relationship models, with the index on
 *       book.author_id) and fill them in one transaction: N authors
 *       (author<i>, author<i>@example.com) and BOOKS_PER_AUTHOR * N books,
 *       book j named book<j> and written by author (j - 1) % N + 1, so an
 *       author's books are spread over the table as if added over time
 *   w4  load every author with its books through ONE joined query (author LEFT
 *       JOIN book, ordered by author.id, book.id) into heap structs (each
 *       author with a malloc'ed array of its books), then touch each author's
 *       books: their count and the name of each
 *   w5  N lookups by the unique (so indexed) email column: one prepared
 *       SELECT ... WHERE email = ? LIMIT 1, reset and rebound each time, inside
 *       one transaction, each result copied into a heap struct; the emails are
 *       those of authors 1..N in a fixed-seed shuffled order (every author once;
 *       the same permutation as ormsh_bench.lua and sqlalchemy_bench.py)
 *
 * The connection is set up as ormsh's SQLite driver sets it up (busy timeout,
 * foreign_keys = ON, default journal and synchronous modes); opening it is not
 * timed. Output, one "key value" pair a line:
 *   wall   seconds, CLOCK_MONOTONIC, around the workload
 *   cpu    seconds, CLOCK_PROCESS_CPUTIME_ID, around the workload
 *   rows   rows written / loaded / found (a check)
 *   check  a checksum of what was read, so nothing is optimised away
 *   gen    seconds making w1's strings (not part of wall)
 *   rss_kib  peak resident set (VmHWM), read while the loaded rows are alive
 *   authors  w4: authors loaded (rows counts the books touched)
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The same DDL ormsh's create_all emits for the benchmark model. */
static const char *DDL = "CREATE TABLE IF NOT EXISTS author (\n"
                         "\tid INTEGER NOT NULL, \n"
                         "\tname VARCHAR(30), \n"
                         "\temail VARCHAR(30) NOT NULL, \n"
                         "\tPRIMARY KEY (id), \n"
                         "\tUNIQUE (email)\n"
                         ")";

struct author {
    int64_t id;
    char *name;
    char *email;
};

/* W4/W5: the relationship schema (the DDL create_all emits for run.sh's
 * Author/Book models) and the authors with their books */
static const char *DDL_REL[] = {
    "CREATE TABLE IF NOT EXISTS author (\n"
    "\tid INTEGER NOT NULL, \n"
    "\tname VARCHAR(30), \n"
    "\temail VARCHAR(30) NOT NULL, \n"
    "\tPRIMARY KEY (id), \n"
    "\tUNIQUE (email)\n"
    ")",
    "CREATE TABLE IF NOT EXISTS book (\n"
    "\tid INTEGER NOT NULL, \n"
    "\tname VARCHAR(50) NOT NULL, \n"
    "\tauthor_id INTEGER, \n"
    "\tPRIMARY KEY (id), \n"
    "\tFOREIGN KEY(author_id) REFERENCES author (id)\n"
    ")",
    "CREATE INDEX IF NOT EXISTS ix_book_author_id ON book (author_id)",
};
#define BOOKS_PER_AUTHOR 10

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

static sqlite3 *db;

static void die(const char *what)
{
    fprintf(stderr, "bench_raw_sqlite: %s: %s\n", what, db ? sqlite3_errmsg(db) : "no connection");
    exit(1);
}

static void exec(const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "bench_raw_sqlite: %s: %s\n", sql, err ? err : "?");
        exit(1);
    }
}

static double now(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static char *dup_text(sqlite3_stmt *st, int col)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    if (!s) return NULL;
    size_t n = (size_t)sqlite3_column_bytes(st, col);
    char *p = malloc(n + 1);
    if (!p) {
        fputs("bench_raw_sqlite: out of memory\n", stderr);
        exit(1);
    }
    memcpy(p, s, n + 1);
    return p;
}

static struct author *row_to_author(sqlite3_stmt *st)
{
    struct author *a = malloc(sizeof *a);
    if (!a) {
        fputs("bench_raw_sqlite: out of memory\n", stderr);
        exit(1);
    }
    a->id = sqlite3_column_int64(st, 0);
    a->name = dup_text(st, 1);
    a->email = dup_text(st, 2);
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

/* xorshift64 (13, 7, 17); ids are (x >> 11) % n + 1. Same in Lua and Python. */
static uint64_t rng_state = 88172645463325252ULL;
static int64_t next_id(int64_t n)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    rng_state = x;
    return (int64_t)((x >> 11) % (uint64_t)n) + 1;
}

/* The emails W5 looks up: authors 1..n in a Fisher-Yates shuffle driven by the
 * same xorshift64 (fresh seed): for i = n..2, j = (x >> 11) % i + 1, swap
 * p[i], p[j] (1-based). Same in Lua and Python. */
static int64_t *shuffled_ids(long n)
{
    int64_t *p = malloc((size_t)n * sizeof *p);
    if (!p) return NULL;
    rng_state = 88172645463325252ULL;
    for (long i = 0; i < n; i++)
        p[i] = i + 1;
    for (long i = n; i >= 2; i--) {
        uint64_t x = rng_state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        rng_state = x;
        long j = (long)((x >> 11) % (uint64_t)i) + 1;
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

static void w1(long n)
{
    sqlite3_stmt *st;
    exec(DDL);
    /* the data exists before the workload starts, as in the Lua and Python
     * versions: making the strings is timed apart (gen) */
    double g0 = now(CLOCK_MONOTONIC);
    char *names = malloc((size_t)n * 16), *emails = malloc((size_t)n * 32);
    int *nlen = malloc((size_t)n * sizeof *nlen), *elen = malloc((size_t)n * sizeof *elen);
    if (!names || !emails || !nlen || !elen) die("out of memory");
    for (long i = 0; i < n; i++) {
        nlen[i] = snprintf(names + i * 16, 16, "author%ld", i + 1);
        elen[i] = snprintf(emails + i * 32, 32, "author%ld@example.com", i + 1);
    }
    double gen = now(CLOCK_MONOTONIC) - g0;

    double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    exec("BEGIN");
    if (sqlite3_prepare_v2(db, "INSERT INTO author (name, email) VALUES (?, ?)", -1, &st, NULL) !=
        SQLITE_OK)
        die("prepare insert");
    long long check = 0;
    for (long i = 0; i < n; i++) {
        sqlite3_bind_text(st, 1, names + i * 16, nlen[i], SQLITE_STATIC);
        sqlite3_bind_text(st, 2, emails + i * 32, elen[i], SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) die("insert");
        check += sqlite3_last_insert_rowid(db);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    exec("COMMIT");
    report(w0, c0, n, check);
    printf("gen %.6f\n", gen);
    free(names);
    free(emails);
    free(nlen);
    free(elen);
}

static void w2(void)
{
    sqlite3_stmt *st;
    size_t cap = 1024, len = 0;
    double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    struct author **all = malloc(cap * sizeof *all);
    if (!all) die("out of memory");
    if (sqlite3_prepare_v2(db, "SELECT author.id, author.name, author.email FROM author", -1, &st,
                           NULL) != SQLITE_OK)
        die("prepare select");
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (len == cap) {
            cap *= 2;
            struct author **p = realloc(all, cap * sizeof *all);
            if (!p) die("out of memory");
            all = p;
        }
        all[len++] = row_to_author(st);
    }
    if (rc != SQLITE_DONE) die("select");
    sqlite3_finalize(st);
    /* read one field of each loaded row */
    long long check = 0;
    for (size_t i = 0; i < len; i++)
        check += all[i]->name ? (long long)strlen(all[i]->name) : 0;
    report(w0, c0, (long)len, check);
    printf("rss_kib %ld\n", peak_rss_kib());
    for (size_t i = 0; i < len; i++)
        free_author(all[i]);
    free(all);
}

static void w3(long n)
{
    sqlite3_stmt *st;
    int64_t *ids = malloc((size_t)n * sizeof *ids);
    if (!ids) die("out of memory");
    for (long i = 0; i < n; i++)
        ids[i] = next_id(n);

    double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    exec("BEGIN");
    if (sqlite3_prepare_v2(
            db, "SELECT author.id, author.name, author.email FROM author WHERE author.id = ?", -1,
            &st, NULL) != SQLITE_OK)
        die("prepare get");
    long found = 0;
    long long check = 0;
    for (long i = 0; i < n; i++) {
        sqlite3_bind_int64(st, 1, ids[i]);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            struct author *a = row_to_author(st);
            found++;
            check += a->id;
            free_author(a);
        } else if (rc != SQLITE_DONE) {
            die("get");
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    exec("COMMIT");
    report(w0, c0, found, check);
    free(ids);
}

static void w45setup(long n)
{
    sqlite3_stmt *st;
    char name[48], email[48];
    double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    for (size_t i = 0; i < sizeof DDL_REL / sizeof *DDL_REL; i++)
        exec(DDL_REL[i]);
    exec("BEGIN");
    if (sqlite3_prepare_v2(db, "INSERT INTO author (id, name, email) VALUES (?, ?, ?)", -1, &st,
                           NULL) != SQLITE_OK)
        die("prepare insert author");
    for (long i = 1; i <= n; i++) {
        int nl = snprintf(name, sizeof name, "author%ld", i);
        int el = snprintf(email, sizeof email, "author%ld@example.com", i);
        sqlite3_bind_int64(st, 1, i);
        sqlite3_bind_text(st, 2, name, nl, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, email, el, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) die("insert author");
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(db, "INSERT INTO book (id, name, author_id) VALUES (?, ?, ?)", -1, &st,
                           NULL) != SQLITE_OK)
        die("prepare insert book");
    long nb = n * BOOKS_PER_AUTHOR;
    for (long j = 1; j <= nb; j++) {
        int nl = snprintf(name, sizeof name, "book%ld", j);
        sqlite3_bind_int64(st, 1, j);
        sqlite3_bind_text(st, 2, name, nl, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, (j - 1) % n + 1);
        if (sqlite3_step(st) != SQLITE_DONE) die("insert book");
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    exec("COMMIT");
    report(w0, c0, nb, n);
}

static void w4(void)
{
    sqlite3_stmt *st;
    size_t cap = 1024, len = 0;
    double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    struct author_books *all = malloc(cap * sizeof *all);
    if (!all) die("out of memory");
    if (sqlite3_prepare_v2(
            db,
            "SELECT author.id, author.name, author.email, book.id, book.name, book.author_id "
            "FROM author LEFT OUTER JOIN book ON author.id = book.author_id "
            "ORDER BY author.id, book.id",
            -1, &st, NULL) != SQLITE_OK)
        die("prepare join");
    int rc;
    struct author_books *cur = NULL;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t aid = sqlite3_column_int64(st, 0);
        if (!cur || cur->id != aid) { /* a new author: the rows come grouped by author.id */
            if (len == cap) {
                cap *= 2;
                struct author_books *p = realloc(all, cap * sizeof *all);
                if (!p) die("out of memory");
                all = p;
            }
            cur = &all[len++];
            cur->id = aid;
            cur->name = dup_text(st, 1);
            cur->email = dup_text(st, 2);
            cur->books = NULL;
            cur->nbooks = cur->cap = 0;
        }
        if (sqlite3_column_type(st, 3) == SQLITE_NULL) /* LEFT JOIN: an author without books */
            continue;
        if (cur->nbooks == cur->cap) {
            cur->cap = cur->cap ? cur->cap * 2 : 4;
            struct book *p = realloc(cur->books, cur->cap * sizeof *p);
            if (!p) die("out of memory");
            cur->books = p;
        }
        struct book *b = &cur->books[cur->nbooks++];
        b->id = sqlite3_column_int64(st, 3);
        b->name = dup_text(st, 4);
        b->author_id = sqlite3_column_int64(st, 5);
    }
    if (rc != SQLITE_DONE) die("join");
    sqlite3_finalize(st);
    /* touch each author's books: how many, and the name of each */
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

static void w5(long n)
{
    sqlite3_stmt *st;
    int64_t *ids = shuffled_ids(n);
    char *emails = malloc((size_t)n * 48);
    int *elen = malloc((size_t)n * sizeof *elen);
    if (!ids || !emails || !elen) die("out of memory");
    for (long i = 0; i < n; i++)
        elen[i] = snprintf(emails + i * 48, 48, "author%lld@example.com", (long long)ids[i]);

    double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    exec("BEGIN");
    if (sqlite3_prepare_v2(db,
                           "SELECT author.id, author.name, author.email FROM author "
                           "WHERE author.email = ? LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        die("prepare filter");
    long found = 0;
    long long check = 0;
    for (long i = 0; i < n; i++) {
        sqlite3_bind_text(st, 1, emails + i * 48, elen[i], SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            struct author *a = row_to_author(st);
            found++;
            check += a->id + (a->name ? (long long)strlen(a->name) : 0);
            free_author(a);
        } else if (rc != SQLITE_DONE) {
            die("filter");
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    exec("COMMIT");
    report(w0, c0, found, check);
    free(ids);
    free(emails);
    free(elen);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fputs("usage: bench_raw_sqlite DB w1|w2|w3|w45setup|w4|w5 [N]\n", stderr);
        return 2;
    }
    long n = argc > 3 ? strtol(argv[3], NULL, 10) : 100000;
    if (n <= 0) {
        fputs("bench_raw_sqlite: N must be positive\n", stderr);
        return 2;
    }
    if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK)
        die("open");
    sqlite3_busy_timeout(db, 5000);
    exec("PRAGMA foreign_keys = ON");
    if (strcmp(argv[2], "w1") == 0)
        w1(n);
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
        fprintf(stderr, "bench_raw_sqlite: unknown phase '%s'\n", argv[2]);
        return 2;
    }
    sqlite3_close(db);
    return 0;
}
