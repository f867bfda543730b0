/* l_rel_cascade.c — cascades along relationships, as core decides them
 * (relation_ops.c): save-update (adding an object adds what it is linked
 * to) and delete (children deleted or their foreign keys set NULL,
 * association rows dropped), each class's relationships from l_rel_sets. */
#include "l_relation.h"

void l_rel_cascade_add(lua_State *L, l_db *db, int inst_idx)
{
    l_rel_configure(L, db);
    orm_object *o = l_instance_check(L, inst_idx);
    if (!((l_class *)o->table->udata)->has_rels) return;
    l_rel_sets(L, db);
    orm_rel_env e = l_rel_env(db);
    if (orm_rel_cascade_add(&e, o) < 0) l_db_raise_session(L, db);
}

void l_rel_before_delete(lua_State *L, l_db *db, int inst_idx)
{
    l_rel_configure(L, db);
    orm_object *o = l_instance_check(L, inst_idx);
    if (!((l_class *)o->table->udata)->has_rels) return;
    l_relctx c;
    orm_rel_env e = l_rel_lua_env(L, db, &c);
    l_rel_check(L, &c, orm_rel_before_delete(&e, o));
}
