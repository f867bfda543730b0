/* table_print.c — how results print in the REPL and where values go: the
 * output mode (.mode list|box|csv|json), the output file (.output), and
 * turning a value into a grid of column names and rows when it is tabular
 * (a Result, a Row, a list of rows or of model objects, one model object).
 * box draws a table cut to the terminal's width; csv follows RFC 4180; json
 * is an array of objects. q:show() prints one query's rows as a box in any
 * mode. Everything the grid holds is read through the Lua API. A string
 * that is not UTF-8 (a blob: Northwind's Categories.Picture) shows in a box
 * as \x and its hex digits, as psql shows bytea, and is base64 in json (as
 * `db dump` writes blobs), so the output stays valid UTF-8 and JSON. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "buf.h"
#include "l_fixture_io.h"
#include "orm_lua.h"
#include "shell.h"

#define DEFAULT_WIDTH 80
#define MIN_CELL 3 /* a cut column keeps at least this many characters */

static int g_mode = SH_MODE_LIST;
static FILE *g_out;      /* NULL: stdout */
static char *g_out_path; /* the .output file's name (owned), or NULL */

static const char *const mode_names[] = {"list", "box", "csv", "json", NULL};

FILE *sh_out(void)
{
    return g_out ? g_out : stdout;
}

int sh_mode(void)
{
    return g_mode;
}

int sh_mode_set(const char *name)
{
    for (int i = 0; mode_names[i]; i++)
        if (strcmp(name, mode_names[i]) == 0) {
            g_mode = i;
            return 0;
        }
    return -1;
}

const char *sh_mode_name(void)
{
    return mode_names[g_mode];
}

int sh_output_set(const char *path)
{
    FILE *f = NULL;
    if (path && strcmp(path, "stdout") != 0) {
        f = fopen(path, "w");
        if (!f) return -1;
    }
    if (g_out) fclose(g_out);
    free(g_out_path);
    g_out = f;
    g_out_path = f ? strdup(path) : NULL;
    return 0;
}

const char *sh_output_name(void)
{
    return g_out_path ? g_out_path : "stdout";
}

/* ---- values to grids ---- */

/* 1 when the value at idx has metatable field __name equal to name. */
static int has_name(lua_State *L, int idx, const char *name)
{
    int t = luaL_getmetafield(L, idx, "__name");
    int is = t == LUA_TSTRING && strcmp(lua_tostring(L, -1), name) == 0;
    if (t != LUA_TNIL) lua_pop(L, 1);
    return is;
}

/* [-0, +1, e] The class of the model object at idx, or nothing (returns 0). */
static int push_class(lua_State *L, int idx)
{
    if (lua_type(L, idx) != LUA_TUSERDATA || luaL_getmetafield(L, idx, "__class") == LUA_TNIL)
        return 0;
    if (lua_istable(L, -1)) return 1;
    lua_pop(L, 1);
    return 0;
}

/* [-0, +1, e] The column names of a Row (its __keys, in position order). */
static void push_row_names(lua_State *L, int row)
{
    lua_Integer n = (lua_Integer)luaL_len(L, row);
    lua_createtable(L, (int)n, 0);
    if (luaL_getmetafield(L, row, "__keys") == LUA_TNIL) return;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        if (lua_isinteger(L, -1) && lua_type(L, -2) == LUA_TSTRING) {
            lua_pushvalue(L, -2);
            lua_rawseti(L, -5, lua_tointeger(L, -2));
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    for (lua_Integer i = 1; i <= n; i++) /* unnamed columns: their position */
        if (lua_rawgeti(L, -1, i) == LUA_TNIL) {
            lua_pop(L, 1);
            lua_pushfstring(L, "%I", (LUA_INTEGER)i);
            lua_rawseti(L, -2, i);
        } else {
            lua_pop(L, 1);
        }
}

/* [-0, +1, e] The column names of the model class at idx. */
static void push_class_columns(lua_State *L, int cls)
{
    lua_newtable(L);
    lua_pushliteral(L, "__table");
    lua_rawget(L, cls);
    if (lua_istable(L, -1) && lua_getfield(L, -1, "columns") == LUA_TTABLE) {
        for (lua_Integer i = 1; lua_rawgeti(L, -1, i) == LUA_TTABLE; i++) {
            lua_getfield(L, -1, "name");
            lua_rawseti(L, -5, i);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 2);
}

/* [-0, +1, e] One row's cells: row values by position, object attributes by name. */
static void push_cells(lua_State *L, int item, int cols, int is_row)
{
    lua_Integer n = (lua_Integer)lua_rawlen(L, cols);
    lua_createtable(L, (int)n, 0);
    for (lua_Integer i = 1; i <= n; i++) {
        if (is_row) {
            lua_rawgeti(L, item, i);
        } else if (lua_type(L, item) == LUA_TUSERDATA || lua_istable(L, item)) {
            lua_rawgeti(L, cols, i);
            lua_gettable(L, item);
        } else {
            lua_pushvalue(L, item);
        }
        lua_rawseti(L, -2, i);
    }
}

/* [-0, +2, e] The grid of the list at idx: column names, then rows. Its
 * first element decides: Rows, model objects, or plain values ("value"). */
static void push_list_grid(lua_State *L, int list)
{
    lua_Integer n = (lua_Integer)luaL_len(L, list);
    lua_rawgeti(L, list, 1);
    int first = lua_gettop(L), is_row = has_name(L, first, "Row");
    if (is_row) {
        push_row_names(L, first);
    } else if (luaL_getmetafield(L, first, "__columns") != LUA_TNIL) {
        /* records naming their own fields (history states): that list */
        if (!lua_istable(L, -1)) {
            lua_pop(L, 1);
            lua_newtable(L);
        }
    } else if (push_class(L, first)) {
        push_class_columns(L, lua_gettop(L));
        lua_remove(L, -2);
    } else {
        lua_createtable(L, 1, 0);
        lua_pushliteral(L, "value");
        lua_rawseti(L, -2, 1);
    }
    lua_remove(L, first);
    int cols = lua_gettop(L);
    lua_createtable(L, (int)n, 0);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, list, i);
        push_cells(L, lua_gettop(L), cols, is_row);
        lua_rawseti(L, -3, i);
        lua_pop(L, 1);
    }
}

int sh_push_grid(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    if (has_name(L, idx, "orm.Result")) {
        lua_getfield(L, idx, "keys");
        lua_pushvalue(L, idx);
        lua_call(L, 1, 1);
        lua_getfield(L, idx, "all");
        lua_pushvalue(L, idx);
        lua_call(L, 1, 1);
        int cols = lua_gettop(L) - 1, list = cols + 1;
        lua_Integer n = (lua_Integer)lua_rawlen(L, list);
        lua_createtable(L, (int)n, 0);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, list, i);
            push_cells(L, lua_gettop(L), cols, has_name(L, -1, "Row"));
            lua_rawseti(L, -3, i);
            lua_pop(L, 1);
        }
        lua_remove(L, list);
        return 1;
    }
    if (has_name(L, idx, "Row")) {
        push_row_names(L, idx);
        lua_createtable(L, 1, 0);
        push_cells(L, idx, lua_gettop(L) - 1, 1);
        lua_rawseti(L, -2, 1);
        return 1;
    }
    if (has_name(L, idx, "List") && lua_rawlen(L, idx) > 0) {
        push_list_grid(L, idx);
        return 1;
    }
    if (push_class(L, idx)) {
        push_class_columns(L, lua_gettop(L));
        lua_remove(L, -2);
        lua_createtable(L, 1, 0);
        push_cells(L, idx, lua_gettop(L) - 1, 0);
        lua_rawseti(L, -2, 1);
        return 1;
    }
    return 0;
}

int sh_push_records_grid(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    if (lua_type(L, idx) != LUA_TTABLE || lua_getmetatable(L, idx)) {
        if (lua_type(L, idx) == LUA_TTABLE) lua_pop(L, 1);
        return 0;
    }
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    if (n == 0) return 0;
    lua_newtable(L); /* the set of field names */
    int set = lua_gettop(L);
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_rawgeti(L, idx, i) != LUA_TTABLE) {
            lua_settop(L, set - 1);
            return 0;
        }
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            lua_pop(L, 1);
            if (lua_type(L, -1) == LUA_TSTRING) {
                lua_pushvalue(L, -1);
                lua_pushboolean(L, 1);
                lua_rawset(L, set);
            }
        }
        lua_pop(L, 1);
    }
    lua_newtable(L); /* the names, sorted */
    lua_Integer k = 0;
    lua_pushnil(L);
    while (lua_next(L, set)) {
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_rawseti(L, -3, ++k);
    }
    lua_remove(L, set);
    orm_lua_push_sort(L);
    lua_pushvalue(L, set);
    lua_call(L, 1, 0);
    lua_createtable(L, (int)n, 0);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        push_cells(L, lua_gettop(L), set, 0);
        lua_rawseti(L, -3, i);
        lua_pop(L, 1);
    }
    return 1;
}

/* ---- cells to text ---- */

/* 1 when the len bytes at str are UTF-8, as Lua's utf8.len (strict: no
 * overlong forms, surrogates or code points past U+10FFFF) finds them; the
 * library's function is taken from package.loaded, where a script cannot
 * replace it by accident. [-0, +0, e] */
static int utf8_valid(lua_State *L, const char *str, size_t len)
{
    int top = lua_gettop(L), ok = 1; /* without the library: as it is */
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    if (lua_getfield(L, -1, LUA_UTF8LIBNAME) == LUA_TTABLE &&
        lua_getfield(L, -1, "len") == LUA_TFUNCTION) {
        lua_pushlstring(L, str, len);
        lua_call(L, 1, 1);
        ok = !lua_isnil(L, -1);
    }
    lua_settop(L, top);
    return ok;
}

/* [-0, +1, m] Bytes that are not text as \x and hex digits (psql's bytea);
 * past BLOB_HEX_MAX bytes the rest is cut ("..."). */
#define BLOB_HEX_MAX 4096
static void push_blob_hex(lua_State *L, const char *s, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addstring(&b, "\\x");
    for (size_t i = 0; i < len && i < BLOB_HEX_MAX; i++) {
        luaL_addchar(&b, digits[(unsigned char)s[i] >> 4]);
        luaL_addchar(&b, digits[(unsigned char)s[i] & 15]);
    }
    if (len > BLOB_HEX_MAX) luaL_addstring(&b, "...");
    luaL_pushresult(&b);
}

/* [-0, +1, e] A cell as text: strings as they are (a blob in hex), nil as
 * NULL, else the repr. */
static const char *cell_text(lua_State *L, int idx, size_t *len)
{
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        lua_pushliteral(L, "NULL");
        break;
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        if (utf8_valid(L, s, n))
            lua_pushvalue(L, idx);
        else
            push_blob_hex(L, s, n);
        break;
    }
    default:
        sh_push_repr(L, idx);
    }
    return lua_tolstring(L, -1, len);
}

/* Characters of UTF-8 text (continuation bytes do not count). */
static size_t text_width(const char *s, size_t len)
{
    size_t w = 0;
    for (size_t i = 0; i < len; i++)
        w += ((unsigned char)s[i] & 0xC0) != 0x80;
    return w;
}

/* ---- box ---- */

int sh_term_width(void)
{
    const char *env = getenv("COLUMNS");
    if (env && atoi(env) > 0) return atoi(env);
    struct winsize ws;
    int fd = fileno(sh_out());
    if (isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    return DEFAULT_WIDTH;
}

/* Writes s cut to w characters (cut text ends with "…"), padded to w;
 * control characters show as spaces, so a row stays on one line. */
static void put_cell(FILE *f, const char *s, size_t len, size_t w)
{
    size_t chars = text_width(s, len), shown = 0, limit = chars > w ? w - 1 : chars;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c & 0xC0) != 0x80) {
            if (shown == limit) break;
            shown++;
        }
        fputc(c < 32 || c == 127 ? ' ' : c, f);
    }
    if (chars > w) {
        fputs("\u2026", f);
        shown++;
    }
    for (; shown < w; shown++)
        fputc(' ', f);
}

static void put_rule(FILE *f, const size_t *w, int n, const char *l, const char *m, const char *r)
{
    fputs(l, f);
    for (int i = 0; i < n; i++) {
        for (size_t k = 0; k < w[i] + 2; k++)
            fputs("\u2500", f);
        fputs(i + 1 < n ? m : r, f);
    }
    fputc('\n', f);
}

/* Column widths: the widest cell, then the widest columns shrink until the
 * table fits the terminal. */
static void fit_widths(size_t *w, int n, size_t total)
{
    size_t frame = 1 + 3 * (size_t)n, sum = 0;
    for (int i = 0; i < n; i++)
        sum += w[i];
    while (frame + sum > total) {
        int widest = 0;
        for (int i = 1; i < n; i++)
            if (w[i] > w[widest]) widest = i;
        if (w[widest] <= MIN_CELL) break;
        w[widest]--;
        sum--;
    }
}

/* [-0, +0, e] The text cells of the grid (cols, rows at the top two slots)
 * are pushed as one table of strings per row, header first: cells[r][c]. */
static void push_texts(lua_State *L, int cols, int rows, int ncols)
{
    lua_Integer nrows = (lua_Integer)lua_rawlen(L, rows);
    lua_createtable(L, (int)nrows + 1, 0);
    for (lua_Integer r = 0; r <= nrows; r++) {
        int src = cols;
        if (r > 0) {
            lua_rawgeti(L, rows, r);
            src = lua_gettop(L);
        }
        lua_createtable(L, ncols, 0);
        for (int c = 1; c <= ncols; c++) {
            lua_rawgeti(L, src, c);
            cell_text(L, -1, NULL);
            lua_rawseti(L, -3, c);
            lua_pop(L, 1);
        }
        lua_rawseti(L, -2 - (r > 0), r + 1);
        if (r > 0) lua_pop(L, 1);
    }
}

static void print_box(lua_State *L, int cols, int rows, FILE *f)
{
    int ncols = (int)lua_rawlen(L, cols);
    if (ncols == 0) return;
    push_texts(L, cols, rows, ncols);
    int texts = lua_gettop(L);
    lua_Integer nlines = (lua_Integer)lua_rawlen(L, texts);
    size_t *w = lua_newuserdatauv(L, sizeof *w * (size_t)ncols, 0);
    for (int c = 0; c < ncols; c++)
        w[c] = 1;
    for (lua_Integer r = 1; r <= nlines; r++) {
        lua_rawgeti(L, texts, r);
        for (int c = 0; c < ncols; c++) {
            size_t len;
            lua_rawgeti(L, -1, c + 1);
            const char *s = lua_tolstring(L, -1, &len);
            size_t tw = text_width(s, len);
            if (tw > w[c]) w[c] = tw;
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    fit_widths(w, ncols, (size_t)sh_term_width());
    put_rule(f, w, ncols, "\u250c", "\u252c", "\u2510");
    for (lua_Integer r = 1; r <= nlines; r++) {
        lua_rawgeti(L, texts, r);
        fputs("\u2502", f);
        for (int c = 0; c < ncols; c++) {
            size_t len;
            lua_rawgeti(L, -1, c + 1);
            const char *s = lua_tolstring(L, -1, &len);
            fputc(' ', f);
            put_cell(f, s, len, w[c]);
            fputs(" \u2502", f);
            lua_pop(L, 1);
        }
        fputc('\n', f);
        lua_pop(L, 1);
        if (r == 1) put_rule(f, w, ncols, "\u251c", "\u253c", "\u2524");
    }
    put_rule(f, w, ncols, "\u2514", "\u2534", "\u2518");
    lua_pop(L, 2);
}

/* ---- csv (RFC 4180) ---- */

static void put_csv_field(FILE *f, const char *s, size_t len)
{
    if (strcspn(s, ",\"\r\n") == len && len == strlen(s)) {
        fwrite(s, 1, len, f);
        return;
    }
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"') fputc('"', f);
        fputc(s[i], f);
    }
    fputc('"', f);
}

static void print_csv_line(lua_State *L, int line, int ncols, FILE *f)
{
    for (int c = 1; c <= ncols; c++) {
        if (c > 1) fputc(',', f);
        if (lua_rawgeti(L, line, c) != LUA_TNIL) { /* NULL: an empty field */
            size_t len;
            const char *s = cell_text(L, -1, &len);
            put_csv_field(f, s, len);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    fputs("\r\n", f);
}

static void print_csv(lua_State *L, int cols, int rows, FILE *f)
{
    int ncols = (int)lua_rawlen(L, cols);
    print_csv_line(L, cols, ncols, f);
    lua_Integer n = (lua_Integer)lua_rawlen(L, rows);
    for (lua_Integer r = 1; r <= n; r++) {
        lua_rawgeti(L, rows, r);
        print_csv_line(L, lua_gettop(L), ncols, f);
        lua_pop(L, 1);
    }
}

/* ---- json ---- */

static void put_json_string(FILE *f, const char *s, size_t len)
{
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c == '\r')
            fputs("\\r", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c < 32 || c == 127)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* [-0, +0, e] The value at idx as a JSON value. */
static void put_json_value(lua_State *L, int idx, FILE *f)
{
    size_t len;
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        fputs("null", f);
        return;
    case LUA_TBOOLEAN:
        fputs(lua_toboolean(L, idx) ? "true" : "false", f);
        return;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
            fprintf(f, LUA_INTEGER_FMT, (LUAI_UACINT)lua_tointeger(L, idx));
        } else {
            double d = lua_tonumber(L, idx);
            if (isfinite(d))
                fprintf(f, "%.17g", d);
            else
                fputs("null", f);
        }
        return;
    case LUA_TSTRING: {
        const char *s = lua_tolstring(L, idx, &len);
        if (utf8_valid(L, s, len)) {
            put_json_string(f, s, len);
        } else { /* a blob: base64, as db dump writes it */
            orm_buf b = ORM_BUF_INIT;
            l_base64_encode(&b, (const unsigned char *)s, len);
            if (b.oom) luaL_error(L, "not enough memory");
            put_json_string(f, orm_buf_str(&b), b.len);
            orm_buf_free(&b);
        }
        return;
    }
    default: {
        const char *s = cell_text(L, idx, &len);
        put_json_string(f, s, len);
        lua_pop(L, 1);
    }
    }
}

static void print_json(lua_State *L, int cols, int rows, FILE *f)
{
    int ncols = (int)lua_rawlen(L, cols);
    lua_Integer n = (lua_Integer)lua_rawlen(L, rows);
    fputc('[', f);
    for (lua_Integer r = 1; r <= n; r++) {
        lua_rawgeti(L, rows, r);
        fputs(r > 1 ? ",\n {" : "{", f);
        for (int c = 1; c <= ncols; c++) {
            size_t len;
            lua_rawgeti(L, cols, c);
            const char *name = cell_text(L, -1, &len);
            if (c > 1) fputc(',', f);
            put_json_string(f, name, len);
            fputc(':', f);
            lua_pop(L, 2);
            lua_rawgeti(L, -1, c);
            put_json_value(L, lua_gettop(L), f);
            lua_pop(L, 1);
        }
        fputc('}', f);
        lua_pop(L, 1);
    }
    fputs("]\n", f);
}

void sh_print_grid(lua_State *L, int cols, int mode, FILE *f)
{
    cols = lua_absindex(L, cols);
    int rows = cols + 1;
    if (mode == SH_MODE_CSV)
        print_csv(L, cols, rows, f);
    else if (mode == SH_MODE_JSON)
        print_json(L, cols, rows, f);
    else
        print_box(L, cols, rows, f);
    fflush(f);
}

int sh_print_table(lua_State *L, int idx)
{
    if (g_mode == SH_MODE_LIST) return 0;
    int top = lua_gettop(L);
    if (!sh_push_grid(L, idx)) return 0;
    sh_print_grid(L, top + 1, g_mode, sh_out());
    lua_settop(L, top);
    return 1;
}

/* q:show(): the query's rows as a box, whatever the mode. */
static int l_show(lua_State *L)
{
    luaL_checkany(L, 1);
    lua_settop(L, 1);
    if (!sh_push_grid(L, 1)) { /* a query: run it */
        lua_getfield(L, 1, "all");
        lua_pushvalue(L, 1);
        lua_call(L, 1, 1);
        lua_replace(L, 1);
        if (!sh_push_grid(L, 1)) { /* no rows */
            fputs("(no rows)\n", sh_out());
            return 0;
        }
    }
    sh_print_grid(L, 2, SH_MODE_BOX, sh_out());
    return 0;
}

void sh_open_show(lua_State *L)
{
    luaL_getmetatable(L, "orm.Query");
    if (lua_istable(L, -1) && lua_getfield(L, -1, "__index") == LUA_TTABLE) {
        lua_pushcfunction(L, l_show);
        lua_setfield(L, -2, "show");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}
