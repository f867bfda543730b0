/* cmd_db_seed.h — `ormsh db seed` (cmd_db_seed.c), `db dump` and `db load`
 * (cmd_db_fixtures.c); cmd_db.c hands them the command line. */
#ifndef ORMSH_CMD_DB_SEED_H
#define ORMSH_CMD_DB_SEED_H

#include <lua.h>

#include "shell.h"

/* -1 when the arguments are well formed, else SH_EXIT_USAGE after saying why. */
int cmd_db_seed_usage(const ormsh_opts *o);
/* [-0, +0, -] Runs the seed (the app is loaded). Returns the exit status. */
int cmd_db_seed_run(lua_State *L, const ormsh_opts *o);

/* `ormsh db dump` and `ormsh db load` (cmd_db_fixtures.c), likewise. */
int cmd_db_fixtures_usage(const ormsh_opts *o);
int cmd_db_fixtures_run(lua_State *L, const ormsh_opts *o);
/* [-0, +0, -] Runs main(o) protected, with Ctrl-C armed, for seed, dump and
 * load: main returns the exit status as an integer; an error is reported
 * (a "'db ...'" message prefixed "ormsh: ") and gives SH_EXIT_FAIL. */
int cmd_db_data_run(lua_State *L, lua_CFunction main, const ormsh_opts *o);
/* 1 when the db command is one of seed, dump, load (these files'). */
int cmd_db_is_data_command(const ormsh_opts *o);

#endif
