/*
 * scripts: `answer24ctl scripts load`, the embedded scripts loaded into Redis.
 *
 * The scripts are one Redis function library (proto/script.h), which the programs load
 * themselves when they connect and find another version. This command loads it at once
 * (FUNCTION LOAD REPLACE), then checks that Redis lists every script's function and
 * prints "<script> <function>" for each; it is how the test suite checks that every
 * script compiles. If the library does not load, Redis' error (which names the line)
 * goes to stderr and the exit status is 1.
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "script.h"

/* True if the FUNCTION LIST reply `r` has a function named `fn` in the library. */
static bool listed(const redisReply *r, const char *fn)
{
    for (size_t i = 0; r != NULL && r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
        const redisReply *lib = r->element[i];
        for (size_t j = 0; lib->type == REDIS_REPLY_ARRAY && j + 1 < lib->elements; j += 2) {
            const redisReply *k = lib->element[j], *fns = lib->element[j + 1];
            if (k->type != REDIS_REPLY_STRING || strcmp(k->str, "functions") != 0 ||
                fns->type != REDIS_REPLY_ARRAY)
                continue;
            for (size_t f = 0; f < fns->elements; f++) {
                const redisReply *e = fns->element[f];
                if (e->type == REDIS_REPLY_ARRAY && e->elements >= 2 &&
                    e->element[1]->type == REDIS_REPLY_STRING &&
                    strcmp(e->element[1]->str, fn) == 0)
                    return true;
            }
        }
    }
    return false;
}

int a24_ctl_scripts(const a24_config_t *cfg, int argc, char **argv)
{
    redisContext *c =
        a24_ctl_connect_for(cfg, argc == 2 && strcmp(argv[1], "load") == 0, "scripts load");
    if (c == NULL)
        return A24_CTL_USAGE;
    if (a24_ctl_library(c, true) != 0) {
        redisFree(c);
        return A24_CTL_REFUSED;
    }
    redisReply *r = redisCommand(c, "FUNCTION LIST LIBRARYNAME answer24");
    int status = A24_CTL_OK;
    for (const a24_script_source_t *s = a24_script_sources; s->name != NULL; s++) {
        if (listed(r, s->function)) {
            printf("%-18s %s\n", s->name, s->function);
        } else {
            fprintf(stderr, "answer24ctl: Redis does not list %s for script %s\n", s->function,
                    s->name);
            status = A24_CTL_REFUSED;
        }
    }
    if (!listed(r, "a24_version"))
        status = A24_CTL_REFUSED;
    printf("library answer24 version %s\n", a24_library_version);
    freeReplyObject(r);
    redisFree(c);
    return status;
}
