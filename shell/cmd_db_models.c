/* cmd_db_models.c — `ormsh db models [-o FILE]` (the live database's tables
 * as a models.lua, from db.reflect_source()) and `ormsh db diagram -o FILE`
 * (the models as a Graphviz graph, from db.diagram(); .dot is written as is,
 * .svg/.png/.pdf go through `dot -T<fmt>`). Both work with or without an app. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "cmd_db_models.h"

/* -o FILE from the arguments after the subcommand; NULL when absent. Returns
 * -1 when fine, else SH_EXIT_USAGE after saying why. */
static int parse_out(const ormsh_opts *o, const char **out)
{
    *out = NULL;
    for (int i = 1; i < o->nargs; i++) {
        const char *a = o->args[i];
        if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (i + 1 >= o->nargs) {
                fprintf(stderr, "ormsh: option '%s' needs a file name\n", a);
                return SH_EXIT_USAGE;
            }
            *out = o->args[++i];
        } else {
            fprintf(stderr, "ormsh: 'db %s' takes only -o FILE (got '%s')\n", o->args[0], a);
            return SH_EXIT_USAGE;
        }
    }
    if (*out == NULL && strcmp(o->args[0], "diagram") == 0) {
        fputs("ormsh: 'db diagram' needs -o FILE (.dot, .svg, .png or .pdf)\n", stderr);
        return SH_EXIT_USAGE;
    }
    if (*out && strcmp(o->args[0], "diagram") == 0) {
        const char *dot = strrchr(*out, '.');
        if (!dot || (strcmp(dot, ".dot") && strcmp(dot, ".svg") && strcmp(dot, ".png") &&
                     strcmp(dot, ".pdf"))) {
            fprintf(stderr,
                    "ormsh: 'db diagram -o %s': the file must end in .dot, .svg, .png or .pdf\n",
                    *out);
            return SH_EXIT_USAGE;
        }
    }
    return -1;
}

int cmd_db_models_usage(const ormsh_opts *o)
{
    const char *out;
    return parse_out(o, &out);
}

int cmd_db_models_is(const ormsh_opts *o)
{
    return o->nargs > 0 &&
           (strcmp(o->args[0], "models") == 0 || strcmp(o->args[0], "diagram") == 0);
}

static int write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    int ok = f != NULL && fwrite(text, 1, len, f) == len;
    if (f && fclose(f) != 0) ok = 0;
    if (!ok) {
        fprintf(stderr, "ormsh: cannot write %s: %s\n", path, strerror(errno));
        return SH_EXIT_FAIL;
    }
    return SH_EXIT_OK;
}

/* 1 when `dot` is an executable on PATH. */
static int have_dot(void)
{
    const char *path = getenv("PATH");
    if (!path) return 0;
    char buf[4096];
    for (const char *p = path; *p;) {
        const char *end = strchr(p, ':');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n > 0 && n < sizeof buf - 8) {
            memcpy(buf, p, n);
            memcpy(buf + n, "/dot", 5);
            if (access(buf, X_OK) == 0) return 1;
        }
        if (!end) break;
        p = end + 1;
    }
    return 0;
}

/* Runs dot -T<fmt> -o path with text on its standard input. */
static int run_dot(const char *fmt, const char *path, const char *text, size_t len)
{
    if (!have_dot()) {
        fprintf(stderr,
                "ormsh: 'db diagram -o %s' needs Graphviz's dot: install the package graphviz "
                "(apt-get install graphviz), or write a .dot file\n",
                path);
        return SH_EXIT_FAIL;
    }
    int fds[2];
    if (pipe(fds) != 0) return SH_EXIT_FAIL;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        fprintf(stderr, "ormsh: cannot run dot: %s\n", strerror(errno));
        return SH_EXIT_FAIL;
    }
    if (pid == 0) {
        char tflag[16];
        snprintf(tflag, sizeof tflag, "-T%s", fmt);
        dup2(fds[0], STDIN_FILENO);
        close(fds[0]);
        close(fds[1]);
        execlp("dot", "dot", tflag, "-o", path, (char *)NULL);
        _exit(127);
    }
    close(fds[0]);
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fds[1], text + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        off += (size_t)w;
    }
    close(fds[1]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "ormsh: dot -T%s failed writing %s\n", fmt, path);
        return SH_EXIT_FAIL;
    }
    return SH_EXIT_OK;
}

/* lua_CFunction (opts) -> exit status */
static int models_main(lua_State *L)
{
    const ormsh_opts *o = lua_touserdata(L, 1);
    const char *out;
    if (parse_out(o, &out) >= 0) return luaL_error(L, "bad arguments");
    app_push_db(L);
    int db = lua_gettop(L);
    int diagram = strcmp(o->args[0], "diagram") == 0;
    if (diagram) {
        app_push_dir(L);
        int no_app = lua_isnil(L, -1);
        lua_pop(L, 1);
        if (no_app) { /* the reflected models */
            lua_getfield(L, db, "reflect");
            lua_call(L, 0, 2);
            lua_pop(L, 2);
        }
        lua_getfield(L, db, "diagram");
        lua_call(L, 0, 1);
    } else {
        lua_getfield(L, db, "reflect_source");
        lua_call(L, 0, 2);
        for (lua_Integer i = 1; lua_rawgeti(L, -1, i) == LUA_TSTRING; i++) {
            fprintf(stderr, "ormsh: note: %s\n", lua_tostring(L, -1));
            lua_pop(L, 1);
        }
        lua_pop(L, 2);
    }
    size_t len;
    const char *text = lua_tolstring(L, -1, &len);
    int rc;
    if (!out) {
        fwrite(text, 1, len, stdout);
        rc = SH_EXIT_OK;
    } else if (!diagram || strcmp(strrchr(out, '.'), ".dot") == 0) {
        rc = write_file(out, text, len);
    } else {
        rc = run_dot(strrchr(out, '.') + 1, out, text, len);
    }
    if (rc == SH_EXIT_OK && out) fprintf(stderr, "Wrote %s\n", out);
    lua_pushinteger(L, rc);
    return 1;
}

int cmd_db_models_run(lua_State *L, const ormsh_opts *o)
{
    int top = lua_gettop(L);
    lua_pushcfunction(L, models_main);
    lua_pushlightuserdata(L, (void *)o);
    int rc;
    if (sh_pcall(L, 1, 1) != LUA_OK) {
        sh_report(L, SH_ERR_PLAIN);
        rc = SH_EXIT_FAIL;
    } else {
        rc = (int)lua_tointeger(L, -1);
    }
    fflush(stdout);
    lua_settop(L, top);
    return rc;
}
