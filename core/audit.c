/* audit.c — the ormsh_audit table and its entries (see audit.h): JSON text
 * for keys and changes, the INSERT (core's unit-of-work statement, values
 * bound) and the log query. Called by flush.c and bulk.c. */
#include "audit.h"

#include <assert.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ddl.h"
#include "dialect.h"
#include "history_table.h"
#include "session_int.h"

static orm_table *define_table(orm_metadata *md, orm_error *err)
{
    orm_table *t = orm_metadata_find(md, ORM_AUDIT_TABLE);
    if (t) return t;
    if (orm_metadata_add_table(md, ORM_AUDIT_TABLE, &t, err) < 0) return NULL;
    const orm_column cols[] = {
        {.name = "id", .type = {.kind = ORM_T_INTEGER}, .primary_key = 1, .autoincrement = 1},
        {.name = "at", .type = {.kind = ORM_T_DATETIME}},
        {.name = "actor", .type = {.kind = ORM_T_STRING, .length = 100}, .nullable = 1},
        {.name = "table_name", .type = {.kind = ORM_T_STRING, .length = 100}},
        {.name = "row_key", .type = {.kind = ORM_T_TEXT}, .nullable = 1},
        {.name = "operation", .type = {.kind = ORM_T_STRING, .length = 10}},
        {.name = "changes", .type = {.kind = ORM_T_TEXT}, .nullable = 1},
    };
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        if (orm_table_add_column(t, &cols[i], err) < 0) {
            orm_metadata_remove_table(md, t);
            return NULL;
        }
    return t;
}

int orm_audit_enable(orm_session *s, orm_metadata *md, orm_error *err)
{
    orm_table *t = define_table(md, err);
    if (!t) return err->cls == ORM_ERR_NONE ? orm_error_oom(err) : ORM_EFAIL;
    orm_buf sql = ORM_BUF_INIT;
    int rc = orm_ddl_create_table(orm_conn_dialect(s->conn), t, 1, &sql);
    if (rc >= 0 && !sql.oom) {
        orm_session_end_idle(s);
        rc = orm_conn_exec(s->conn, orm_buf_str(&sql));
        if (rc < 0) orm_error_move(err, &s->conn->err);
    } else {
        rc = orm_error_oom(err);
    }
    orm_buf_free(&sql);
    if (rc >= 0) s->audit = t;
    return rc < 0 ? rc : ORM_OK;
}

int orm_audit_enabled(const orm_session *s)
{
    return s->audit != NULL;
}

int orm_audit_set_actor(orm_session *s, const char *actor)
{
    char *copy = NULL;
    if (actor && !(copy = strdup(actor))) return ORM_ENOMEM;
    free(s->audit_actor);
    s->audit_actor = copy;
    return ORM_OK;
}

const char *orm_audit_actor(const orm_session *s)
{
    if (s->audit_actor) return s->audit_actor;
    const struct passwd *pw = getpwuid(geteuid());
    if (pw && pw->pw_name) return pw->pw_name;
    const char *user = getenv("USER");
    return user ? user : "unknown";
}

static void json_string(orm_buf *b, const char *s, size_t n)
{
    orm_buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            orm_buf_putc(b, '\\');
            orm_buf_putc(b, (char)c);
        } else if (c < 0x20) {
            orm_buf_printf(b, "\\u%04x", c);
        } else {
            orm_buf_putc(b, (char)c);
        }
    }
    orm_buf_putc(b, '"');
}

static void json_value(orm_buf *b, const orm_value *v)
{
    switch (v->type) {
    case ORM_V_NULL:
        orm_buf_puts(b, "null");
        break;
    case ORM_V_INT:
        orm_buf_printf(b, "%lld", (long long)v->u.i);
        break;
    case ORM_V_REAL:
        orm_buf_printf(b, "%.17g", v->u.r);
        break;
    case ORM_V_BOOL:
        orm_buf_puts(b, v->u.i ? "true" : "false");
        break;
    case ORM_V_TEXT:
        json_string(b, v->u.s, v->len);
        break;
    case ORM_V_BLOB:
        orm_buf_printf(b, "\"<blob %zu bytes>\"", v->len);
        break;
    }
}

/* INSERT INTO ormsh_audit (at, actor, table_name, row_key, operation, changes) */
static int insert_entry(orm_session *s, const orm_table *t, const char *row_key, const char *op,
                        const char *changes)
{
    const orm_table *a = s->audit;
    orm_buf sql = ORM_BUF_INIT;
    if (orm_compile_insert(orm_conn_dialect(s->conn), a, 0x7E, &sql) < 0 || sql.oom) {
        orm_buf_free(&sql);
        return orm_error_oom(&s->err);
    }
    char now[32];
    orm_history_now(now, sizeof now);
    const char *text[6] = {now, orm_audit_actor(s), t->name, row_key, op, changes};
    orm_value vals[6];
    const orm_value *params[6];
    for (int i = 0; i < 6; i++) {
        vals[i] = text[i] ? (orm_value){.type = ORM_V_TEXT,
                                        .borrowed = 1,
                                        .len = strlen(text[i]),
                                        .u.s = (char *)text[i]}
                          : ORM_VALUE_NULL;
        params[i] = &vals[i];
    }
    s->conn->fail_ends_tx = 1;
    int rc = orm_session_run(s, orm_buf_str(&sql), params, 6, NULL);
    s->conn->fail_ends_tx = 0;
    orm_buf_free(&sql);
    return rc;
}

int orm_audit_row(orm_session *s, const orm_object *o, const char *op, uint64_t mask)
{
    assert(s->audit);
    const orm_table *t = o->table;
    int del = strcmp(op, "delete") == 0, ins = strcmp(op, "insert") == 0;
    orm_buf key = ORM_BUF_INIT, ch = ORM_BUF_INIT;
    orm_buf_putc(&key, '{');
    for (int i = 0; i < t->npk; i++) {
        if (i) orm_buf_puts(&key, ", ");
        json_string(&key, t->cols[t->pk[i]].name, strlen(t->cols[t->pk[i]].name));
        orm_buf_puts(&key, ": ");
        json_value(&key, o->dbkey && !ins ? &o->dbkey[i] : &o->values[t->pk[i]]);
    }
    orm_buf_putc(&key, '}');
    orm_buf_putc(&ch, '{');
    int n = 0;
    for (int i = 0; i < t->ncols; i++) {
        if (!(mask >> i & 1)) continue;
        const orm_column *c = &t->cols[i];
        const orm_value *now = &o->values[i];
        const orm_value *old = o->committed && !o->inserted_in_txn ? &o->committed[i] : NULL;
        if (n++) orm_buf_puts(&ch, ", ");
        json_string(&ch, c->name, strlen(c->name));
        orm_buf_puts(&ch, ": ");
        if (c->no_audit) {
            orm_buf_puts(&ch, "\"changed\"");
            continue;
        }
        orm_buf_putc(&ch, '[');
        if (ins)
            orm_buf_puts(&ch, "null");
        else
            json_value(&ch, del ? (old ? old : now) : (old ? old : &(orm_value){0}));
        orm_buf_puts(&ch, ", ");
        if (del)
            orm_buf_puts(&ch, "null");
        else
            json_value(&ch, now);
        orm_buf_putc(&ch, ']');
    }
    orm_buf_putc(&ch, '}');
    int rc = key.oom || ch.oom ? orm_error_oom(&s->err)
                               : insert_entry(s, t, orm_buf_str(&key), op, orm_buf_str(&ch));
    orm_buf_free(&key);
    orm_buf_free(&ch);
    return rc;
}

int orm_audit_bulk(orm_session *s, const orm_table *t, const char *op, const orm_compiled *stmt,
                   int64_t rows)
{
    assert(s->audit);
    const char *sql = orm_buf_str(&stmt->sql);
    const char *where = strstr(sql, " WHERE ");
    orm_buf ch = ORM_BUF_INIT;
    orm_buf_puts(&ch, "{\"criteria\": ");
    if (where)
        json_string(&ch, where + 7, strlen(where + 7));
    else
        orm_buf_puts(&ch, "null");
    orm_buf_puts(&ch, ", \"params\": [");
    for (size_t i = 0; i < stmt->nparams; i++) {
        if (i) orm_buf_puts(&ch, ", ");
        json_value(&ch, stmt->params[i]);
    }
    orm_buf_printf(&ch, "], \"rows\": %lld}", (long long)rows);
    int rc = ch.oom ? orm_error_oom(&s->err) : insert_entry(s, t, NULL, op, orm_buf_str(&ch));
    orm_buf_free(&ch);
    return rc;
}

int orm_audit_log_open(orm_session *s, const char *table, const char *actor, const char *since,
                       orm_cursor **out)
{
    const orm_table *a = s->audit;
    if (!a) a = orm_metadata_find(s->md, ORM_AUDIT_TABLE);
    if (!a)
        return orm_error_set(&s->err, ORM_ERR_ARGUMENT, 0,
                             "auditing is off: db.audit.enable() or audit = true in app.lua");
    const orm_dialect *d = orm_conn_dialect(s->conn);
    orm_buf sql = ORM_BUF_INIT;
    orm_buf_puts(&sql, "SELECT ");
    for (int i = 0; i < a->ncols; i++) {
        if (i) orm_buf_puts(&sql, ", ");
        orm_dialect_quote(d, &sql, a->cols[i].name);
    }
    orm_buf_puts(&sql, " FROM ");
    orm_dialect_quote(d, &sql, a->name);
    const char *want[3] = {table, actor, since};
    const char *col[3] = {"table_name", "actor", "at"};
    orm_value vals[3];
    const orm_value *params[3];
    size_t n = 0;
    for (int i = 0; i < 3; i++) {
        if (!want[i]) continue;
        orm_buf_puts(&sql, n ? " AND " : " WHERE ");
        orm_dialect_quote(d, &sql, col[i]);
        orm_buf_puts(&sql, i == 2 ? " >= " : " = ");
        vals[n] = (orm_value){
            .type = ORM_V_TEXT, .borrowed = 1, .len = strlen(want[i]), .u.s = (char *)want[i]};
        params[n] = &vals[n];
        orm_dialect_placeholder(d, &sql, (int)++n);
    }
    orm_buf_puts(&sql, " ORDER BY ");
    orm_dialect_quote(d, &sql, "id");
    orm_buf_puts(&sql, " DESC");
    if (sql.oom) {
        orm_buf_free(&sql);
        return orm_error_oom(&s->err);
    }
    int rc = orm_cursor_open(s, orm_buf_str(&sql), params, n, out);
    orm_buf_free(&sql);
    return rc;
}
