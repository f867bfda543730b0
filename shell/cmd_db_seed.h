/* cmd_db_seed.h — `ormsh db seed` (cmd_db_seed.c); cmd_db.c hands it the
 * command line when the db command is "seed". */
#ifndef ORMSH_CMD_DB_SEED_H
#define ORMSH_CMD_DB_SEED_H

#include <lua.h>

#include "shell.h"

/* -1 when the arguments are well formed, else SH_EXIT_USAGE after saying why. */
int cmd_db_seed_usage(const ormsh_opts *o);
/* [-0, +0, -] Runs the seed (the app is loaded). Returns the exit status. */
int cmd_db_seed_run(lua_State *L, const ormsh_opts *o);

#endif
