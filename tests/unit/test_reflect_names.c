/* test_reflect_names.c — the naming rules of reflection: CamelCase class
 * names, snake_case, plurals, many-to-one names, identifiers; and the
 * models built from a schema (clashes, _ref, _by_ names, many-to-many,
 * missing tables, tables without a key). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "reflect_model.h"
#include "reflect_names.h"

#define EQ(call, want)                                                                             \
    do {                                                                                           \
        char *got_ = (call);                                                                       \
        assert_non_null(got_);                                                                     \
        assert_string_equal(got_, want);                                                           \
        free(got_);                                                                                \
    } while (0)

static void test_names__class(void **state)
{
    (void)state;
    EQ(orm_name_class("book_to_store_map"), "BookToStoreMap");
    EQ(orm_name_class("Track"), "Track");
    EQ(orm_name_class("order_items"), "OrderItems");
    EQ(orm_name_class("MediaType"), "MediaType");
    EQ(orm_name_class("order"), "Order");
    EQ(orm_name_class("my table"), "MyTable");
    EQ(orm_name_class("2020_sales"), "_2020Sales");
    EQ(orm_name_class("x-y.z"), "XYZ");
    EQ(orm_name_class("___"), "_");
}

static void test_names__snake_and_plural(void **state)
{
    (void)state;
    EQ(orm_name_snake("ArtistId"), "artist_id");
    EQ(orm_name_snake("SupportRepId"), "support_rep_id");
    EQ(orm_name_snake("PlaylistTrack"), "playlist_track");
    EQ(orm_name_snake("HTTPServer"), "http_server");
    EQ(orm_name_snake("invoice_line"), "invoice_line");
    EQ(orm_name_snake("my table"), "my_table");
    EQ(orm_name_snake("2020_sales"), "_2020_sales");
    EQ(orm_name_plural("album"), "albums");
    EQ(orm_name_plural("category"), "categories");
    EQ(orm_name_plural("day"), "days");
    EQ(orm_name_plural("address"), "addresses");
    EQ(orm_name_plural("box"), "boxes");
    EQ(orm_name_plural("quiz"), "quizes");
    EQ(orm_name_plural("match"), "matches");
    EQ(orm_name_plural("wish"), "wishes");
}

static void test_names__m2o_and_identifiers(void **state)
{
    (void)state;
    EQ(orm_name_m2o("author_id"), "author");
    EQ(orm_name_m2o("ArtistId"), "artist");
    EQ(orm_name_m2o("SupportRepId"), "support_rep");
    EQ(orm_name_m2o("ReportsTo"), "reports_to");
    EQ(orm_name_m2o("AuthorID"), "author");
    EQ(orm_name_m2o("VALID"), "valid");
    EQ(orm_name_m2o("id"), "id");
    EQ(orm_name_m2o("parent"), "parent");
    assert_true(orm_name_is_keyword("end"));
    assert_false(orm_name_is_keyword("order"));
    assert_true(orm_name_is_identifier("order"));
    assert_false(orm_name_is_identifier("end"));
    assert_false(orm_name_is_identifier("my col"));
    assert_false(orm_name_is_identifier("2x"));
    assert_false(orm_name_is_identifier(""));
}

/* ---- models from a schema ---- */

static orm_dbtable *table(orm_dbschema *s, const char *name, const char *const *cols, int npk)
{
    orm_dbtable *t = orm_dbtable_new(name);
    assert_non_null(t);
    for (int i = 0; cols[i]; i++) {
        orm_dbcolumn c = {.name = (char *)cols[i],
                          .type = {.kind = ORM_T_INTEGER},
                          .type_known = 1,
                          .nullable = i >= npk};
        assert_int_equal(orm_dbtable_add_column(t, &c), 0);
        if (i < npk) assert_int_equal(orm_strv_push(&t->pk, cols[i]), 0);
    }
    assert_int_equal(orm_dbschema_add(s, t), 0);
    return t;
}

static void fk(orm_dbtable *t, const char *col, const char *reftable)
{
    orm_dbfkey f = {0};
    assert_int_equal(orm_strv_push(&f.cols, col), 0);
    assert_int_equal(orm_strv_push(&f.refcols, "id"), 0);
    f.reftable = (char *)reftable;
    assert_int_equal(orm_dbtable_add_fkey(t, &f), 0);
    orm_strv_free(&f.cols);
    orm_strv_free(&f.refcols);
}

static const orm_rrel *rel(const orm_rmodels *m, const char *cls, const char *name)
{
    int k = orm_rmodels_find(m, cls);
    assert_true(k >= 0);
    for (int i = 0; i < m->classes[k].nrels; i++)
        if (strcmp(m->classes[k].rels[i].name, name) == 0) return &m->classes[k].rels[i];
    fail_msg("%s has no relationship %s", cls, name);
    return NULL;
}

static int taken_db(void *ud, const char *name)
{
    (void)ud;
    return strcmp(name, "Db") == 0;
}

static void test_models__naming_rules(void **state)
{
    (void)state;
    orm_dbschema *s = orm_dbschema_new();
    table(s, "person", (const char *const[]){"id", "name", NULL}, 1);
    fk(table(s, "message", (const char *const[]){"id", "sender_id", "recipient_id", NULL}, 1),
       "sender_id", "person");
    fk(s->tables[1], "recipient_id", "person");
    fk(table(s, "employee", (const char *const[]){"id", "reports_to", NULL}, 1), "reports_to",
       "employee");
    table(s, "playlist", (const char *const[]){"id", NULL}, 1);
    table(s, "track", (const char *const[]){"id", NULL}, 1);
    orm_dbtable *pt =
        table(s, "playlist_track", (const char *const[]){"playlist_id", "track_id", NULL}, 2);
    fk(pt, "track_id", "track");
    fk(pt, "playlist_id", "playlist");
    table(s, "order_items", (const char *const[]){"id", NULL}, 1);
    table(s, "OrderItems", (const char *const[]){"id", NULL}, 1);
    table(s, "db", (const char *const[]){"id", NULL}, 1);
    table(s, "log", (const char *const[]){"at", NULL}, 0);
    fk(table(s, "orphan", (const char *const[]){"id", "ghost_id", NULL}, 1), "ghost_id", "ghost");
    table(s, "ormsh_version", (const char *const[]){"version_num", NULL}, 1);

    orm_rmodels *m = NULL;
    assert_int_equal(orm_rmodels_build(s, taken_db, NULL, NULL, &m), 0);
    assert_int_equal(m->n, 11);                            /* ormsh_version is ormsh's own */
    assert_string_equal(m->classes[0].name, "OrderItems"); /* name order: capitals first */
    assert_true(orm_rmodels_find(m, "OrderItems_") >= 0);  /* order_items: the clash gets '_' */
    assert_true(orm_rmodels_find(m, "Db_") >= 0);          /* a taken global */
    assert_true(m->classes[orm_rmodels_find(m, "Log")].readonly);

    assert_string_equal(rel(m, "Message", "sender")->back, "messages_by_sender");
    assert_true(rel(m, "Message", "sender")->need_fk);
    assert_string_equal(rel(m, "Person", "messages_by_recipient")->fkcol, "recipient_id");
    const orm_rrel *up = rel(m, "Employee", "reports_to_ref");
    assert_int_equal(up->kind, ORM_RREL_M2O);
    assert_true(up->self_ref);
    assert_string_equal(up->back, "employees_by_reports_to_ref");
    const orm_rrel *tracks = rel(m, "Playlist", "tracks");
    assert_int_equal(tracks->kind, ORM_RREL_M2M);
    assert_string_equal(tracks->secondary, "playlist_track");
    assert_string_equal(tracks->back, "playlists");
    assert_int_equal(rel(m, "Track", "playlist_tracks")->kind, ORM_RREL_O2M);
    assert_int_equal(rel(m, "PlaylistTrack", "playlist")->kind, ORM_RREL_M2O);
    assert_int_equal(m->classes[orm_rmodels_find(m, "Orphan")].nrels, 0);
    int notes_missing = 0;
    for (int i = 0; i < m->notes.n; i++)
        if (strstr(m->notes.v[i], "missing table 'ghost'")) notes_missing++;
    assert_int_equal(notes_missing, 1);

    /* parents before children */
    int pos_pl = -1, pos_pt = -1;
    for (int i = 0; i < m->n; i++) {
        if (strcmp(m->classes[m->order[i]].name, "Playlist") == 0) pos_pl = i;
        if (strcmp(m->classes[m->order[i]].name, "PlaylistTrack") == 0) pos_pt = i;
    }
    assert_true(pos_pl >= 0 && pos_pl < pos_pt);

    orm_buf out = ORM_BUF_INIT;
    orm_rmodels_write_lua(m, NULL, &out);
    assert_false(out.oom);
    assert_non_null(strstr(orm_buf_str(&out),
                           "  reports_to_ref = db.relationship(\"Employee\", { uselist = "
                           "false, back_populates = \"employees_by_reports_to_ref\" }),\n"));
    assert_non_null(strstr(orm_buf_str(&out),
                           "Log = db.Model(\"Log\", {\n  __tablename = \"log\",\n"
                           "  __readonly = true,\n"));
    orm_buf_free(&out);
    orm_rmodels_free(m);
}

/* A default a backend spells its own way but all can say is written the
 * standard way (models from one database create tables on another:
 * PostgreSQL refused "boolean DEFAULT 1", SQLite has no now()); other
 * defaults stay as the database gave them. */
static void test_models__portable_defaults(void **state)
{
    (void)state;
    orm_dbschema *s = orm_dbschema_new();
    orm_dbtable *t = table(s, "shop", (const char *const[]){"id", NULL}, 1);
    const struct {
        const char *name, *dflt;
        orm_type_kind kind;
    } cols[] = {
        {"opened", "now()", ORM_T_DATETIME},
        {"seen", "current_timestamp()", ORM_T_DATETIME},
        {"active", "1", ORM_T_BOOLEAN},
        {"closed", "'0'", ORM_T_BOOLEAN},
        {"stock", "1", ORM_T_INTEGER},
        {"motto", "'now()'", ORM_T_TEXT},
        {"day", "datetime('now')", ORM_T_DATETIME},
    };
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        orm_dbcolumn c = {.name = (char *)cols[i].name,
                          .type = {.kind = cols[i].kind},
                          .type_known = 1,
                          .nullable = 1,
                          .server_default = (char *)cols[i].dflt};
        assert_int_equal(orm_dbtable_add_column(t, &c), 0);
    }
    orm_rmodels *m = NULL;
    assert_int_equal(orm_rmodels_build(s, taken_db, NULL, NULL, &m), 0);
    orm_buf out = ORM_BUF_INIT;
    orm_rmodels_write_lua(m, NULL, &out);
    const char *lua = orm_buf_str(&out);
    assert_non_null(strstr(
        lua, "  opened = db.Column(db.DateTime, { server_default = \"CURRENT_TIMESTAMP\" }),"));
    assert_non_null(strstr(
        lua, "  seen = db.Column(db.DateTime, { server_default = \"CURRENT_TIMESTAMP\" }),"));
    assert_non_null(
        strstr(lua, "  active = db.Column(db.Boolean, { server_default = \"TRUE\" }),"));
    assert_non_null(
        strstr(lua, "  closed = db.Column(db.Boolean, { server_default = \"FALSE\" }),"));
    assert_non_null(strstr(lua, "  stock = db.Column(db.Integer, { server_default = \"1\" }),"));
    assert_non_null(strstr(lua, "  motto = db.Column(db.Text, { server_default = \"'now()'\" }),"));
    assert_non_null(
        strstr(lua, "  day = db.Column(db.DateTime, { server_default = \"datetime('now')\" }),"));
    orm_buf_free(&out);
    orm_rmodels_free(m); /* and s */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names__class),
        cmocka_unit_test(test_names__snake_and_plural),
        cmocka_unit_test(test_names__m2o_and_identifiers),
        cmocka_unit_test(test_models__naming_rules),
        cmocka_unit_test(test_models__portable_defaults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
