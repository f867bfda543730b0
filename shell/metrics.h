/* metrics.h — Prometheus metrics of the app's database: the exposition is
 * rendered on the main thread (the only one touching the connection) and
 * published as a snapshot under a mutex; a writer thread puts it in the
 * metrics file (a temp file renamed over) every metrics_interval seconds,
 * and an HTTP thread (metrics_http.c) serves it at GET /metrics. */
#ifndef SH_METRICS_H
#define SH_METRICS_H

#include <lua.h>

struct orm_conn;

/* [-0, +0, -] Reads metrics, metrics_interval and metrics_listen from the
 * app.lua table at config (0: none) and starts what they ask for. Returns 0
 * or prints one line naming the key and returns SH_EXIT_FAIL. */
int sh_metrics_start(lua_State *L, int config, const char *app_dir, struct orm_conn *conn);
/* Publishes a fresh snapshot (before each prompt). No-op when off. */
void sh_metrics_publish(void);
/* After reload(): the metrics follow the new connection (its counters
 * start from zero, which Prometheus reads as a counter reset). */
void sh_metrics_rebind(struct orm_conn *conn);
/* Final snapshot and file write, threads stopped, memory freed. */
void sh_metrics_stop(void);

/* ---- metrics_http.c ---- */
/* Copies the current snapshot (malloc'd, NULL when none or out of memory). */
char *sh_metrics_snapshot(void);
/* Starts serving on "host:port"; 0, or -1 with a message in err. */
int sh_metrics_http_start(const char *listen, char *err, size_t n);
void sh_metrics_http_stop(void);

#endif
