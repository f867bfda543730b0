/* raw_pg.c — the raw libpq baseline for `make bench` on PostgreSQL: the work of
 * raw_sqlite.c, phase for phase, through libpq.
 *
 *   bench_raw_pg CONNINFO PHASE [N]
 *
 * CONNINFO is what PQconnectdb takes (run.sh passes the same postgresql:// URL
 * it gives ormsh's --database). PHASE is one of
 *   w1  create the author table (the DDL ormsh's create_all emits on
 *       PostgreSQL: id SERIAL) and make the N names and emails (untimed; gen),
 *       then insert N authors with one prepared
 *       INSERT ... VALUES ($1, $2) RETURNING id in one transaction (one round
 *       trip a row; the generated key comes back with it)
 *   w2  load every row of author into heap structs (id, name and email
 *       malloc'ed), then read one field (name) of each
 *   w3  N lookups by primary key in 1..N (the xorshift64 sequence of
 *       raw_sqlite.c) with one prepared SELECT in one transaction, each result
 *       copied into a heap struct
 *   w45setup  create W4/W5's author and book tables (create_all's DDL, with
 *       the index on book.author_id) and fill them as raw_sqlite.c does (N
 *       authors, 10 * N books, book j by author (j - 1) % N + 1) with two
 *       INSERT ... SELECT FROM generate_series (untimed set-up), move the
 *       sequences past the ids and ANALYZE
 *   w4  ONE joined query (author LEFT JOIN book ORDER BY author.id, book.id)
 *       into heap structs, then touch each author's books
 *   w5  N lookups by email (the shuffled order of raw_sqlite.c) with one
 *       prepared SELECT ... WHERE email = $1 LIMIT 1 in one transaction
 *
 * Parameters and results go as text (as ormsh's driver sends them). Connecting
 * and preparing the set-up are not timed; the statements of the workload are
 * prepared inside the timed span (as ormsh prepares its own). Output as
 * raw_sqlite.c's: wall, cpu, rows, check, gen, rss_kib, authors. */
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The DDL ormsh's create_all emits on PostgreSQL for run.sh's models. */
static const char *DDL = "CREATE TABLE IF NOT EXISTS author (\n"
                         "\tid SERIAL NOT NULL, \n"
                         "\tname VARCHAR(30), \n"
                         "\temail VARCHAR(30) NOT NULL, \n"
                         "\tPRIMARY KEY (id), \n"
                         "\tUNIQUE (email)\n"
                         ")";

static const char *DDL_REL[] = {
    "CREATE TABLE IF NOT EXISTS author (\n"
    "\tid SERIAL NOT NULL, \n"
    "\tname VARCHAR(30), \n"
    "\temail VARCHAR(30) NOT NULL, \n"
    "\tPRIMARY KEY (id), \n"
    "\tUNIQUE (email)\n"
    ")",
    "CREATE TABLE IF NOT EXISTS book (\n"
    "\tid SERIAL NOT NULL, \n"
    "\tname VARCHAR(50) NOT NULL, \n"
    "\tauthor_id INTEGER, \n"
    "\tPRIMARY KEY (id), \n"
    "\tFOREIGN KEY(author_id) REFERENCES author (id)\n"
    ")",
    "CREATE INDEX IF NOT EXISTS ix_book_author_id ON book (author_id)",
};
#define BOOKS_PER_AUTHOR 10

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
    struct book *books;
    size_t nbooks, cap;
};

static PGconn *pg;

static void die(const char *what)
{
    fprintf(stderr, "bench_raw_pg: %s: %s", what, pg ? PQerrorMessage(pg) : "no connection\n");
    exit(1);
}

/* NOTICEs (CREATE ... IF NOT EXISTS skipping) are not errors */
static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p) {
        fputs("bench_raw_pg: out of memory\n", stderr);
        exit(1);
    }
    return p;
}

/* Checks a result's status; frees it unless keep. */
static PGresult *check_res(PGresult *res, ExecStatusType want, const char *what, int keep)
{
    if (PQresultStatus(res) != want) {
        fprintf(stderr, "bench_raw_pg: %s: %s", what, PQresultErrorMessage(res));
        exit(1);
    }
    if (!keep) {
        PQclear(res);
        return NULL;
    }
    return res;
}

static void exec(const char *sql)
{
    check_res(PQexec(pg, sql), PGRES_COMMAND_OK, sql, 0);
}

static void prepare(const char *name, const char *sql, int nparams)
{
    check_res(PQprepare(pg, name, sql, nparams, NULL), PGRES_COMMAND_OK, sql, 0);
}

static double now(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static char *dup_text(const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col)) return NULL;
    size_t n = (size_t)PQgetlength(res, row, col);
    char *p = xmalloc(n + 1);
    memcpy(p, PQgetvalue(res, row, col), n + 1);
    return p;
}

static int64_t int_at(const PGresult *res, int row, int col)
{
    return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

static struct author *row_to_author(const PGresult *res, int row)
{
    struct author *a = xmalloc(sizeof *a);
    a->id = int_at(res, row, 0);
    a->name = dup_text(res, row, 1);
    a->email = dup_text(res, row, 2);
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

static void w1(long n)
{
    exec(DDL);
    double g0 = now(CLOCK_MONOTONIC);
    char *names = xmalloc((size_t)n * 16), *emails = xmalloc((size_t)n * 32);
    for (long i = 0; i < n; i++) {
        if (snprintf(names + i * 16, 16, "author%ld", i + 1) >= 16 ||
            snprintf(emails + i * 32, 32, "author%ld@example.com", i + 1) >= 32)
            die("N too large");
    }
    double gen = now(CLOCK_MONOTONIC) - g0;

    double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    exec("BEGIN");
    prepare("ins", "INSERT INTO author (name, email) VALUES ($1, $2) RETURNING id", 2);
    long long check = 0;
    for (long i = 0; i < n; i++) {
        const char *vals[2] = {names + i * 16, emails + i * 32};
        PGresult *res = check_res(PQexecPrepared(pg, "ins", 2, vals, NULL, NULL, 0),
                                  PGRES_TUPLES_OK, "insert", 1);
        check += int_at(res, 0, 0);
        PQclear(res);
    }
    exec("COMMIT");
    report(w0, c0, n, check);
    printf("gen %.6f\n", gen);
    free(names);
    free(emails);
}

/* copy: the rows of w1 through COPY author (name, email) FROM STDIN (text
 * format), one transaction: the floor for inserting them; check is the
 * sum of the keys the rows got. */
static void wcopy(long n)
{
    exec(DDL);
    double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    exec("BEGIN");
    PGresult *res = PQexec(pg, "COPY author (name, email) FROM STDIN");
    if (PQresultStatus(res) != PGRES_COPY_IN) die("COPY");
    PQclear(res);
    char line[64];
    for (long i = 0; i < n; i++) {
        int len = snprintf(line, sizeof line, "author%ld\tauthor%ld@example.com\n", i + 1, i + 1);
        if (len >= (int)sizeof line || PQputCopyData(pg, line, len) != 1) die("COPY data");
    }
    if (PQputCopyEnd(pg, NULL) != 1) die("COPY end");
    res = PQgetResult(pg);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) die("COPY result");
    PQclear(res);
    while ((res = PQgetResult(pg)))
        PQclear(res);
    exec("COMMIT");
    res = check_res(PQexec(pg, "SELECT sum(id) FROM author"), PGRES_TUPLES_OK, "sum", 1);
    long long check = int_at(res, 0, 0);
    PQclear(res);
    report(w0, c0, n, check);
}

static void w2(void)
{
    double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    prepare("all", "SELECT author.id, author.name, author.email FROM author", 0);
    PGresult *res =
        check_res(PQexecPrepared(pg, "all", 0, NULL, NULL, NULL, 0), PGRES_TUPLES_OK, "select", 1);
    int len = PQntuples(res);
    struct author **all = xmalloc((size_t)(len ? len : 1) * sizeof *all);
    for (int i = 0; i < len; i++)
        all[i] = row_to_author(res, i);
    PQclear(res);
    long long check = 0;
    for (int i = 0; i < len; i++)
        check += all[i]->name ? (long long)strlen(all[i]->name) : 0;
    report(w0, c0, len, check);
    printf("rss_kib %ld\n", peak_rss_kib());
    for (int i = 0; i < len; i++)
        free_author(all[i]);
    free(all);
}

static void w3(long n)
{
    int64_t *ids = xmalloc((size_t)n * sizeof *ids);
    for (long i = 0; i < n; i++)
        ids[i] = (int64_t)((next_x() >> 11) % (uint64_t)n) + 1;

    double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    exec("BEGIN");
    prepare("get", "SELECT author.id, author.name, author.email FROM author WHERE author.id = $1",
            1);
    long found = 0;
    long long check = 0;
    char idbuf[24];
    for (long i = 0; i < n; i++) {
        snprintf(idbuf, sizeof idbuf, "%lld", (long long)ids[i]);
        const char *vals[1] = {idbuf};
        PGresult *res =
            check_res(PQexecPrepared(pg, "get", 1, vals, NULL, NULL, 0), PGRES_TUPLES_OK, "get", 1);
        if (PQntuples(res) == 1) {
            struct author *a = row_to_author(res, 0);
            found++;
            check += a->id;
            free_author(a);
        }
        PQclear(res);
    }
    exec("COMMIT");
    report(w0, c0, found, check);
    free(ids);
}

static void w45setup(long n)
{
    char sql[512];
    double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    for (size_t i = 0; i < sizeof DDL_REL / sizeof *DDL_REL; i++)
        exec(DDL_REL[i]);
    exec("BEGIN");
    snprintf(sql, sizeof sql,
             "INSERT INTO author (id, name, email) SELECT i, 'author' || i, 'author' || i || "
             "'@example.com' FROM generate_series(1, %ld) AS i",
             n);
    exec(sql);
    snprintf(sql, sizeof sql,
             "INSERT INTO book (id, name, author_id) SELECT j, 'book' || j, (j - 1) %% %ld + 1 "
             "FROM generate_series(1, %ld) AS j",
             n, n * BOOKS_PER_AUTHOR);
    exec(sql);
    check_res(PQexec(pg, "SELECT setval('author_id_seq', (SELECT max(id) FROM author)), "
                         "setval('book_id_seq', (SELECT max(id) FROM book))"),
              PGRES_TUPLES_OK, "setval", 0);
    exec("COMMIT");
    exec("VACUUM ANALYZE author");
    exec("VACUUM ANALYZE book");
    report(w0, c0, n * BOOKS_PER_AUTHOR, n);
}

static void w4(void)
{
    double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    prepare("join",
            "SELECT author.id, author.name, author.email, book.id, book.name, book.author_id "
            "FROM author LEFT OUTER JOIN book ON author.id = book.author_id "
            "ORDER BY author.id, book.id",
            0);
    PGresult *res =
        check_res(PQexecPrepared(pg, "join", 0, NULL, NULL, NULL, 0), PGRES_TUPLES_OK, "join", 1);
    int nrows = PQntuples(res);
    size_t cap = 1024, len = 0;
    struct author_books *all = xmalloc(cap * sizeof *all), *cur = NULL;
    for (int r = 0; r < nrows; r++) {
        int64_t aid = int_at(res, r, 0);
        if (!cur || cur->id != aid) {
            if (len == cap) {
                cap *= 2;
                struct author_books *p = realloc(all, cap * sizeof *all);
                if (!p) die("out of memory");
                all = p;
            }
            cur = &all[len++];
            cur->id = aid;
            cur->name = dup_text(res, r, 1);
            cur->email = dup_text(res, r, 2);
            cur->books = NULL;
            cur->nbooks = cur->cap = 0;
        }
        if (PQgetisnull(res, r, 3)) continue;
        if (cur->nbooks == cur->cap) {
            cur->cap = cur->cap ? cur->cap * 2 : 4;
            struct book *p = realloc(cur->books, cur->cap * sizeof *p);
            if (!p) die("out of memory");
            cur->books = p;
        }
        struct book *b = &cur->books[cur->nbooks++];
        b->id = int_at(res, r, 3);
        b->name = dup_text(res, r, 4);
        b->author_id = int_at(res, r, 5);
    }
    PQclear(res);
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
    int64_t *ids = shuffled_ids(n);
    char *emails = xmalloc((size_t)n * 48);
    for (long i = 0; i < n; i++)
        if (snprintf(emails + i * 48, 48, "author%lld@example.com", (long long)ids[i]) >= 48)
            die("N too large");

    double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    exec("BEGIN");
    prepare(
        "filter",
        "SELECT author.id, author.name, author.email FROM author WHERE author.email = $1 LIMIT 1",
        1);
    long found = 0;
    long long check = 0;
    for (long i = 0; i < n; i++) {
        const char *vals[1] = {emails + i * 48};
        PGresult *res = check_res(PQexecPrepared(pg, "filter", 1, vals, NULL, NULL, 0),
                                  PGRES_TUPLES_OK, "filter", 1);
        if (PQntuples(res) == 1) {
            struct author *a = row_to_author(res, 0);
            found++;
            check += a->id + (a->name ? (long long)strlen(a->name) : 0);
            free_author(a);
        }
        PQclear(res);
    }
    exec("COMMIT");
    report(w0, c0, found, check);
    free(ids);
    free(emails);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fputs("usage: bench_raw_pg CONNINFO w1|copy|w2|w3|w45setup|w4|w5 [N]\n", stderr);
        return 2;
    }
    long n = argc > 3 ? strtol(argv[3], NULL, 10) : 100000;
    if (n <= 0) {
        fputs("bench_raw_pg: N must be positive\n", stderr);
        return 2;
    }
    pg = PQconnectdb(argv[1]);
    if (!pg || PQstatus(pg) != CONNECTION_OK) die("connect");
    PQsetNoticeProcessor(pg, quiet, NULL);
    if (strcmp(argv[2], "w1") == 0)
        w1(n);
    else if (strcmp(argv[2], "copy") == 0)
        wcopy(n);
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
        fprintf(stderr, "bench_raw_pg: unknown phase '%s'\n", argv[2]);
        return 2;
    }
    PQfinish(pg);
    return 0;
}
