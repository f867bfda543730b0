/* backend.h — one record per backend, in one list (backend.c): its name,
 * the URL schemes it serves, its dialect, its driver, its migration and
 * reflection hooks, and what a read replica of it is asked. Everything that
 * differs between backends is reached from here or through the dialect and
 * driver tables it names; no other code compares backend names. The records
 * are static and const: nothing here is ever freed. */
#ifndef ORM_BACKEND_H
#define ORM_BACKEND_H

#include <stddef.h>

struct orm_dialect;
struct orm_driver;
struct orm_mig_backend;
struct orm_reflect_ops;

/* The replication hooks: statements the router runs to keep reads on a
 * replica no older than the last commit on the primary. */
typedef struct orm_replication {
    /* must provide: one text value, the primary's position after a commit */
    const char *position_sql;
    /* must provide: takes the position (parameter 1) and answers one integer,
     * whether the replica has replayed it. wait_param 0: answers 1 when it
     * has, at once. wait_param 1: takes the seconds it may wait as parameter
     * 2 and answers 0 when the replica has replayed the position in time. */
    const char *replayed_sql;
    int wait_param;
    /* may be NULL (then no lag is shown): one number, the replica's lag in
     * seconds (0 when it has replayed everything it received) */
    const char *lag_sql;
} orm_replication;

typedef struct orm_backend {
    const char *name; /* must provide: "postgresql" (also orm_url.scheme) */
    /* must provide: the URL schemes it serves, NULL-terminated, its name
     * first, then aliases ("postgres") */
    const char *const *schemes;
    /* 1: the URL names a file (sqlite:///dir/x.db, sqlite:// in memory);
     * 0: a server (scheme://user:password@host:port/database) */
    int url_is_file;
    const struct orm_dialect *dialect; /* must provide */
    const struct orm_driver *driver;   /* must provide */
    /* may be NULL: the backend has no migrations (MigrationError) */
    const struct orm_mig_backend *migrate;
    /* may be NULL: its schema cannot be read (db reflect, autogenerate) */
    const struct orm_reflect_ops *reflect;
    /* may be NULL: no replicas to wait for (reads go to any replica) */
    const orm_replication *replication;
} orm_backend;

/* The backend serving URL scheme name (or alias), compared without case;
 * NULL when none does. The _n form reads the first n bytes of scheme. */
const orm_backend *orm_backend_for_scheme(const char *scheme);
const orm_backend *orm_backend_for_scheme_n(const char *scheme, size_t n);
/* The backend whose driver is drv; NULL for a driver in no record. */
const orm_backend *orm_backend_of_driver(const struct orm_driver *drv);
/* The i-th backend of the list (0-based), NULL past its end. */
const orm_backend *orm_backend_at(size_t i);

#endif
