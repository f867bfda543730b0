/* cmd_db_models.h — `ormsh db models [-o FILE]` and `ormsh db diagram -o
 * FILE` (exploring a database: see docs/exploring.md). */
#ifndef ORMSH_CMD_DB_MODELS_H
#define ORMSH_CMD_DB_MODELS_H

#include <lua.h>

#include "shell.h"

/* 1 when the db command is `models` or `diagram`. */
int cmd_db_models_is(const ormsh_opts *o);
/* -1 when the arguments are well formed, else SH_EXIT_USAGE after saying why. */
int cmd_db_models_usage(const ormsh_opts *o);
/* [-0, +0, -] Runs it (the app, or none, is open). Returns the exit status. */
int cmd_db_models_run(lua_State *L, const ormsh_opts *o);

#endif
