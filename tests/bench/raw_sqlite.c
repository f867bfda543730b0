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
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The same DDL ormsh's create_all emits for the benchmark model. */
static const char *DDL =
    "CREATE TABLE IF NOT EXISTS author (\n"
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
    if (!s)
        return NULL;
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
    if (!f)
        return -1;
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
    if (!names || !emails || !nlen || !elen)
        die("out of memory");
    for (long i = 0; i < n; i++) {
        nlen[i] = snprintf(names + i * 16, 16, "author%ld", i + 1);
        elen[i] = snprintf(emails + i * 32, 32, "author%ld@example.com", i + 1);
    }
    double gen = now(CLOCK_MONOTONIC) - g0;

    double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    exec("BEGIN");
    if (sqlite3_prepare_v2(db, "INSERT INTO author (name, email) VALUES (?, ?)", -1, &st, NULL) != SQLITE_OK)
        die("prepare insert");
    long long check = 0;
    for (long i = 0; i < n; i++) {
        sqlite3_bind_text(st, 1, names + i * 16, nlen[i], SQLITE_STATIC);
        sqlite3_bind_text(st, 2, emails + i * 32, elen[i], SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            die("insert");
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
    if (!all)
        die("out of memory");
    if (sqlite3_prepare_v2(db, "SELECT author.id, author.name, author.email FROM author", -1, &st, NULL) != SQLITE_OK)
        die("prepare select");
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (len == cap) {
            cap *= 2;
            struct author **p = realloc(all, cap * sizeof *all);
            if (!p)
                die("out of memory");
            all = p;
        }
        all[len++] = row_to_author(st);
    }
    if (rc != SQLITE_DONE)
        die("select");
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
    if (!ids)
        die("out of memory");
    for (long i = 0; i < n; i++)
        ids[i] = next_id(n);

    double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    exec("BEGIN");
    if (sqlite3_prepare_v2(db, "SELECT author.id, author.name, author.email FROM author WHERE author.id = ?", -1,
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

int main(int argc, char **argv)
{
    if (argc < 3) {
        fputs("usage: bench_raw_sqlite DB w1|w2|w3 [N]\n", stderr);
        return 2;
    }
    long n = argc > 3 ? strtol(argv[3], NULL, 10) : 100000;
    if (n <= 0) {
        fputs("bench_raw_sqlite: N must be positive\n", stderr);
        return 2;
    }
    if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
        die("open");
    sqlite3_busy_timeout(db, 5000);
    exec("PRAGMA foreign_keys = ON");
    if (strcmp(argv[2], "w1") == 0)
        w1(n);
    else if (strcmp(argv[2], "w2") == 0)
        w2();
    else if (strcmp(argv[2], "w3") == 0)
        w3(n);
    else {
        fprintf(stderr, "bench_raw_sqlite: unknown phase '%s'\n", argv[2]);
        return 2;
    }
    sqlite3_close(db);
    return 0;
}
