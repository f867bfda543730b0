/* l_db.h — declarations shared by the binding files that make up the db
 * handle, models, sessions, queries and results (the lead's half of the
 * bindings; l_orm.h holds the parts shared with errors/expressions/values). */
#ifndef L_DB_H
#define L_DB_H

#include "l_orm.h"
#include "session.h"

/* The db handle (userdata L_MT_DB). Its user value 1 is a table holding the
 * per-handle Lua state: session, models, per-handle closures, the weak
 * object cache, url, echo. */
typedef struct l_db {
    orm_conn *conn;
    orm_session *session;
    orm_metadata *md;
    lua_State *L;        /* the thread of the binding call in progress (hooks) */
    int uv_ref;          /* registry ref of the user value table (for hooks) */
    int cache_ref;       /* registry ref of the weak object cache (hot path) */
    int nmodels;         /* models defined (the length of the model_order list) */
    int nconfigured;     /* models whose relationships are configured */
    int nrelsets;        /* models whose relationship sets are built (l_rel_sets) */
    lua_Integer next_id; /* object ids: obj->udata holds the key of its instance in the cache */
    int nplus1;          /* L_NPLUS1_WARN, _RAISE or _OFF (l_stats.c) */
    int rel_slots;       /* 1 once an instance got core relationship slots (l_rel_forget) */
    struct l_seed_stats *seed;   /* while db.seed runs: its counts (l_seed.c); else NULL */
    struct orm_shardset *shards; /* owned; NULL: not sharded (l_shard.c) */
    int shard_cur;               /* the shard conn and session belong to (0 when idle) */
    int shard_busy;              /* inside a call on one shard: no fan-out */
    struct orm_replica_prom *replica_prom; /* owned: the replicas' metrics, or NULL */

    /* ids of collected instances, used again first (l_instance.c; owned) */
    lua_Integer *free_ids;
    size_t nfree, capfree;

    /* the class l_class_of found last (l_model.c): its table's address and
     * the l_class_gen it was found in */
    const void *last_cls_ptr;
    struct l_class *last_cls;
    unsigned last_cls_gen;
    /* registry refs of the query metatables without and with __gc
     * (l_query_alloc; LUA_NOREF until first used) */
    int query_mt_ref[2];
} l_db;

/* ---- l_stats.c ---- */
enum { L_NPLUS1_WARN, L_NPLUS1_RAISE, L_NPLUS1_OFF };
/* [-0, +0, m] db.stats and db.stats_reset in the user value table at uv. */
void l_stats_init_db(lua_State *L, int uv, int dbidx);
/* [-0, +0, e] slow_ms and slow_log of orm.connect's options table at opts
 * (0: none); a relative slow_log resolves against base_dir. */
void l_stats_configure(lua_State *L, l_db *db, int opts, const char *base_dir);
/* [-0, +0, e] The nplus1 option at opts (0: none): an L_NPLUS1_* mode. */
int l_stats_nplus1_mode(lua_State *L, int opts);
/* [-0, +0, m] nplus1 = "raise": remembers that the objects in the list at
 * list_idx were loaded together (weakly). */
void l_stats_mark_batch(lua_State *L, l_db *db, int list_idx);
/* [-0, +0, e] nplus1 = "raise": an ArgumentError when the instance at
 * inst_idx was loaded together with other rows (relationship at decl_idx). */
void l_stats_nplus1_check(lua_State *L, l_db *db, int decl_idx, int inst_idx);
/* "file:line" of the innermost Lua frame running a line (the user's code:
 * ormsh's own code is C); "" when none. */
void l_user_where(lua_State *L, char *buf, size_t n);

/* Keys of the db user value table. */
#define L_DB_SESSION "session"
#define L_DB_MODELS "models"
#define L_DB_CACHE                                                                                 \
    "objects" /* object id (obj->udata) -> instance, through chunks                                \
              of weak values (l_instance.c) */
#define L_DB_ORDER "model_order"
#define L_DB_RELSTATE "relstate" /* weak keys: the instances with loaded relationships -> true */

/* One mapped class: table->udata points here. Lives in a userdata stored in
 * the class table under "__cdata" (so it lives as long as the class). */
typedef struct l_class {
    orm_table *table;
    l_db *db;
    int cls_ref;   /* registry ref: the class table */
    int imt_ref;   /* registry ref: the instance metatable */
    int qbase_ref; /* registry ref: the base of its queries (l_query_filter.c), or LUA_NOREF */
    int has_hooks; /* defaults or onupdate present */
    int has_rels;  /* the class declares relationships */
    const struct l_relset *relset; /* its relationships for core (l_rel_sets), or NULL;
                                      kept alive by the class table's __relset */
} l_class;

/* An instance userdata (every model's instances). */
#define L_INST_MAGIC 0x4F524D49u
typedef struct l_inst {
    unsigned magic;
    orm_object *obj; /* one reference */
} l_inst;

/* ---- l_orm.c ---- */
/* [-0, +0, v] The db handle at idx (raises when it is not one). */
l_db *l_db_check(lua_State *L, int idx);
/* [-0, +1, -] Pushes the db's user value table. */
void l_db_push_uv(lua_State *L, l_db *db);
/* [-0, +0, v] Raises the session's last error. */
L_NORETURN int l_db_raise_session(lua_State *L, l_db *db);
/* [-0, +0, v] Rolls the session back (its loaded relationships forgotten)
 * and raises the error the session had before: the one that made the
 * caller give up (a failed commit), which the rollback alone would clear
 * (it then read "out of memory"). */
L_NORETURN int l_db_raise_session_rolled_back(lua_State *L, l_db *db);
/* [-0, +1, m] A new table with weak keys ("k") or values ("v"). */
void l_weak_table(lua_State *L, const char *mode);
/* [-0, +1, m] The weak table (mode as above) the registry keeps under the
 * light userdata key (made the first time). */
void l_registry_weak_table(lua_State *L, const void *key, const char *mode);

/* ---- l_shard.c ---- */
/* [-0, +0, e] Opens opts.shards (the options table at index opts; 0: none)
 * beside the handle's own connection (shard 0, already open on the first
 * shard's URL) and keeps opts.shard_by in the user value table. */
void l_shard_attach(lua_State *L, l_db *db, int dbidx, int opts, const void *open_opts);
/* [-0, +1, e] The URL of the first shard by name in opts.shards, or nothing
 * pushed and 0 when opts has no shards (1 when pushed). */
int l_shard_first_url(lua_State *L, int opts);
/* 1 when calls on db fan out to its shards (sharded, not inside a shard call). */
static inline int l_shard_fanout(const l_db *db)
{
    return db->shards != NULL && db->shard_busy == 0;
}
/* Points db's conn and session at shard i. */
void l_shard_use(l_db *db, int i);
/* Closes every shard but the handle's own and forgets the set. */
void l_shard_close(l_db *db);
/* [-n, +r, e] Calls f (with upvalue 1 of the running C function when up)
 * with the n arguments on top on shard i; an error names the shard. */
int l_shard_call(lua_State *L, l_db *db, int i, lua_CFunction f, int up, int n);
/* [-n, +0, e] Calls f with the n arguments on top on every shard in turn
 * (each its own transaction); returns 0. */
int l_shard_each(lua_State *L, l_db *db, lua_CFunction f, int up, int n);
/* [-0, +0, e] The shard of the instance at idx: its session's, or (a new
 * object) the one shard_by names for it. */
int l_shard_of_instance(lua_State *L, l_db *db, int idx);
/* [-0, +r, e] l_rel_read (val_idx 0: r = 1) or l_rel_write (r = 0) on the
 * shard of the instance at inst_idx (else of the value at val_idx). */
int l_shard_rel(lua_State *L, l_db *db, int inst_idx, int decl_idx, int val_idx);
/* [-0, +1, e] A bulk q:update / q:delete (f, with the call's arguments) on
 * shard only - 1 (only 0: every shard); pushes the rows matched in all. */
int l_shard_bulk(lua_State *L, l_db *db, int only, lua_CFunction f);
/* [-0, +1, e] session:get on a sharded db: shard (name at optidx's "shard",
 * else every shard: MultipleResultsFound when several hold the key). */
int l_shard_get(lua_State *L, l_db *db, int clsidx, int pkidx, int optidx);
/* [-0, +1, e] A query's rows on every shard (or its q:shard), merged in
 * ORDER BY order, offset/limit applied after the merge, count/sum/min/max
 * combined. */
void l_shard_query_run(lua_State *L, int qidx, const void *sel);
/* [-0, +0, e] count() of the query q (an l_query) over every shard (or its q:shard). */
lua_Integer l_shard_query_count(lua_State *L, void *q, const void *sel);

/* ---- l_sandbox.c ---- */
int l_sandbox_checkpoint(lua_State *L); /* db.checkpoint(name); upvalue 1: db */
int l_sandbox_restore(lua_State *L);    /* db.restore(name); upvalue 1: db */

/* ---- l_model.c ---- */
int l_model_define(lua_State *L); /* db.Model(name, fields); upvalue 1: db */
int l_table_define(lua_State *L); /* db.Table(name, cols...); upvalue 1: db */
/* [-0, +0, -] The class record of a class table at idx, or NULL. */
l_class *l_class_test(lua_State *L, int idx);
/* [-0, +0, -] The same, remembering the last class found in db: a model
 * passed again is known by its table's address (it cannot move or be freed
 * while its class is registered; l_class_dropped ends every such memory). */
l_class *l_class_of(lua_State *L, l_db *db, int idx);
/* A class stopped being registered (its refs released). */
void l_class_dropped(void);
/* [-0, +1, m] Pushes the class table of t. */
void l_class_push(lua_State *L, const orm_table *t);
/* [-0, +1, m] "id, name, email": the attribute names of t. */
void l_class_push_names(lua_State *L, const orm_table *t);

/* ---- l_instance.c ---- */
/* [-0, +0, e] Assigns the value at val_idx to attribute key of the
 * instance at inst_idx, validated (what obj.key = v does). */
void l_instance_assign(lua_State *L, int inst_idx, int key_idx, int val_idx);
/* [-0, +1, m] Pushes the instance for obj (the one already alive, or a new
 * one). Takes over one reference to obj. */
void l_instance_push_object(lua_State *L, l_db *db, orm_object *obj);
/* [-0, +(0|1), m] Pushes obj's instance when it has one alive (1), else
 * pushes nothing (0). obj stays the caller's. */
int l_instance_push_existing(lua_State *L, l_db *db, const orm_object *obj);
/* [-0, +0, -] The object of an instance at idx, or NULL. */
orm_object *l_instance_test(lua_State *L, int idx);
orm_object *l_instance_check(lua_State *L, int idx);
/* [-0, +1, m] The instance metatable for the class at cls. */
void l_instance_metatable(lua_State *L, int cls, const char *name);
/* Session hooks filling defaults / onupdate. */
int l_instance_before_insert(void *ctx, orm_object *o, orm_error *err);
int l_instance_before_update(void *ctx, orm_object *o, orm_error *err);
/* [-0, +1, m] tostring of an instance (its __repr or <Author id=1>). */
void l_instance_repr(lua_State *L, int idx);

/* ---- l_table_args.c ---- */
/* [-0, +0, m] Sets db.Index and db.UniqueConstraint in the module at modidx. */
void l_table_args_open(lua_State *L, int modidx);
/* [-0, +0, m] Adds the __table_args of the field table at fields to t.
 * 0, or ORM_EFAIL with err set (ArgumentError naming model). */
int l_table_args_apply(lua_State *L, int fields, orm_table *t, const char *model, orm_error *err);

/* ---- l_reflect.c ---- */
/* [-0, +0, m] Sets db.reflect, db.reflect_source and db.diagram in the
 * handle's user value table uv (dbidx: the handle). */
void l_reflect_register(lua_State *L, int uv, int dbidx);
/* [-0, +0, m] When every model of db came from db.reflect() and none has
 * been used yet, forgets them all (classes, their globals, their tables) so
 * a script may define its own models for those tables; returns 1. Else 0. */
int l_reflect_discard(lua_State *L, l_db *db);
/* ---- l_audit.c ---- */
/* [-0, +1, m] A new db.audit table for the handle at dbidx. */
void l_audit_push(lua_State *L, int dbidx);

/* ---- l_history.c ---- */
/* [-0, +0, m] Gives the __versioned class at cls its history() and
 * history_at() methods. */
void l_history_setup(lua_State *L, int cls);

/* ---- l_relation.c ---- */
void l_relation_open(lua_State *L, int modidx);
/* 1 when the value at idx is a db.relationship declaration (a table). */
int l_relation_test(lua_State *L, int idx);
/* [-0, +0, e] For a relationship attribute at idx (the value of Author.books):
 * the table it leads to and a new reference to the ON clause joining the
 * parent to it (for q:join(Author.books)); for a many-to-many relationship
 * *via is the association table and *on joins parent -> association,
 * *on2 association -> target (else *via and *on2 are NULL).
 * Raises ArgumentError when idx is not a relationship attribute. */
void l_relation_join(lua_State *L, int idx, const orm_table **target, const orm_table **via,
                     orm_expr **on, orm_expr **on2);
/* [-0, +0, e] Eager loading after a query ran: list_idx is the list of
 * loaded parent objects, opts_idx a list of loader options made by
 * db.joinedload / db.selectinload (or nil). Loads the named relations.
 * joined_idx: 0, or a table declaration -> list of its children of the
 * relationships the query's statement loaded already (l_rel_joined.c):
 * those are not loaded again, and the paths they start go on from there. */
void l_relation_eager_load(lua_State *L, l_db *db, int list_idx, int opts_idx, int joined_idx);

/* ---- l_session.c ---- */
void l_session_push_new(lua_State *L, l_db *db, int dbidx); /* [-0, +1, m] */
l_db *l_session_check(lua_State *L, int idx);
void l_session_open(lua_State *L);
/* [-0, +1, e] session:get(Model at clsidx, pk at pkidx) */
int l_session_get(lua_State *L, l_db *db, int clsidx, int pkidx);
/* session:plan() (l_plan.c) */
int l_session_plan(lua_State *L);

/* ---- l_text_exec.c ---- */
/* [-0, +1, e] session:execute(db.text(...) e, params at pidx): a Result;
 * a list of parameter tables at pidx runs the statement once per table. */
int l_execute_text(lua_State *L, l_db *db, const orm_expr *e, int pidx);

/* ---- l_query.c ---- */
/* [-0, +1, m] A new query on the entities at stack positions first..last. */
void l_query_new(lua_State *L, l_db *db, int first, int last);
int l_query_is(lua_State *L, int idx);
void l_query_open(lua_State *L);
/* [-0, +1, e] Runs the query at idx like session:execute (a Result). */
int l_query_execute(lua_State *L, int idx);

/* ---- l_repr.c ---- */
/* [-0, +1, e] The text of the value at idx as the shell shows a value inside
 * a list or table: strings quoted, models and lists by __tostring, plain
 * tables readably ({1, name = "x"}). */
void l_repr(lua_State *L, int idx);

/* ---- l_result.c ---- */
/* [-0, +1, m] A new empty list (metatable L_MT_LIST). */
void l_list_new(lua_State *L, int narr);
/* [-0, +1, m] A row shape (metatable) for column names (a list at idx). */
void l_row_shape(lua_State *L, int names_idx);
/* [-n, +1, m] Pops n values and pushes a row of shape at shape_idx. */
void l_row_make(lua_State *L, int shape_idx, int n);
/* [-1, +1, m] Pops a list of rows, pushes a Result with rowcount and keys
 * (the list of names at keys_idx). */
void l_result_new(lua_State *L, int keys_idx, lua_Integer rowcount);
void l_result_open(lua_State *L);

#endif
