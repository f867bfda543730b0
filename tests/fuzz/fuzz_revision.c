/* fuzz_revision.c — libFuzzer target: the revision graph that `ormsh db`
 * builds from the migration files it loads (core/revision.c). Each input
 * line is "id down1 down2 ..." (one revision file); the graph is built,
 * walked, and freed: unknown parents, repeats and cycles must fail cleanly. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revision.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    orm_revgraph *g = orm_revgraph_new();
    orm_error err;
    orm_error_init(&err);
    int line = 0;
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); g && l;
         l = strtok_r(NULL, "\n", &save)) {
        char *s2 = NULL, *id = strtok_r(l, " ", &s2);
        if (!id) continue;
        orm_strv downs = ORM_STRV_INIT;
        for (char *d = strtok_r(NULL, " ", &s2); d; d = strtok_r(NULL, " ", &s2))
            orm_strv_push(&downs, d);
        char path[32];
        snprintf(path, sizeof path, "versions/%d.lua", ++line);
        orm_revgraph_add(g, id, &downs, path, &err);
        orm_error_clear(&err);
        orm_strv_free(&downs);
    }
    if (g && orm_revgraph_build(g, &err) == ORM_OK) {
        int n = orm_revgraph_count(g);
        for (int i = 0; i < n; i++) {
            const char *id = orm_revgraph_id(g, i);
            if (orm_revgraph_find(g, id) != i) abort();
            (void)orm_revgraph_path(g, i);
            (void)orm_revgraph_downs(g, i);
            (void)orm_revgraph_nchildren(g, i);
        }
    }
    orm_error_clear(&err);
    orm_revgraph_free(g);
    free(text);
    return 0;
}
