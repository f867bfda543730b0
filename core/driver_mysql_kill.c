/* driver_mysql_kill.c — interrupting a running MySQL/MariaDB statement.
 * That needs a second connection (KILL QUERY), which a signal handler cannot
 * open: the handler writes one byte to a pipe, and a helper thread started
 * at connect reads it and does the rest (driver_mysql_int.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver_mysql_int.h"

/* The helper thread: each byte 'k' sends KILL QUERY on a connection of its
 * own; 'q' (or a closed pipe) ends it. */
static void *killer_main(void *arg)
{
    my_killer *k = arg;
    for (;;) {
        char ch;
        ssize_t n = read(k->pipe[0], &ch, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0 || ch == 'q') break;
        MYSQL *m = mysql_init(NULL);
        if (!m) continue;
        unsigned timeout = 5;
        mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
        if (mysql_real_connect(m, k->host, k->user, k->password, k->db, k->port, NULL, 0)) {
            char sql[64];
            snprintf(sql, sizeof sql, "KILL QUERY %lu", k->thread_id);
            mysql_real_query(m, sql, strlen(sql)); /* best effort */
        }
        mysql_close(m);
    }
    mysql_thread_end();
    return NULL;
}

void orm_my_killer_stop(my_killer *k)
{
    if (k->running) {
        char q = 'q';
        while (write(k->pipe[1], &q, 1) < 0 && errno == EINTR)
            continue;
        pthread_join(k->thread, NULL);
        k->running = 0;
    }
    if (k->pipe[0] >= 0) close(k->pipe[0]);
    if (k->pipe[1] >= 0) close(k->pipe[1]);
    k->pipe[0] = k->pipe[1] = -1;
    free(k->host);
    free(k->user);
    if (k->password) memset(k->password, 0, strlen(k->password));
    free(k->password);
    free(k->db);
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

void orm_my_killer_start(my_conn *c, const orm_url *url)
{
    my_killer *k = &c->kill;
    k->thread_id = mysql_thread_id(c->my);
    k->port = (unsigned)url->port;
    k->host = dup_or_null(url->host);
    k->user = dup_or_null(url->user);
    k->password = dup_or_null(url->password);
    k->db = dup_or_null(url->database);
    if ((url->host && !k->host) || (url->user && !k->user) || (url->password && !k->password) ||
        (url->database && !k->db) || pipe(k->pipe) != 0) {
        k->pipe[0] = k->pipe[1] = -1;
        return;
    }
    fcntl(k->pipe[0], F_SETFD, FD_CLOEXEC); /* not inherited by io.popen children */
    fcntl(k->pipe[1], F_SETFD, FD_CLOEXEC);
    k->running = pthread_create(&k->thread, NULL, killer_main, k) == 0;
}

void orm_my_interrupt(orm_conn *base)
{
    my_conn *c = CONN(base);
    if (!c->kill.running) return;
    char ch = 'k';
    ssize_t n = write(c->kill.pipe[1], &ch, 1);
    (void)n;
}
