/*
 * scripts: `answer24ctl scripts load`, every embedded Lua script loaded into Redis.
 *
 * The programs load scripts on demand (EVALSHA, then EVAL on NOSCRIPT); this command
 * loads them all at once, after an upgrade or a failover, and is how the test suite
 * checks that every script compiles (a script that does not is named, with Redis'
 * error, and the exit status is 1).
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "script.h"

int a24_ctl_scripts(const a24_config_t *cfg, int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[1], "load") != 0) {
        fprintf(stderr, "answer24ctl: usage: scripts load\n");
        return A24_CTL_USAGE;
    }
    redisContext *c = a24_ctl_connect(cfg);
    if (c == NULL)
        return A24_CTL_USAGE;
    int status = A24_CTL_OK;
    for (const a24_script_source_t *s = a24_script_sources; s->name != NULL; s++) {
        redisReply *r = redisCommand(c, "SCRIPT LOAD %b", s->body, s->len);
        if (r == NULL) {
            fprintf(stderr, "answer24ctl: lost the connection to Redis\n");
            status = A24_CTL_USAGE;
            break;
        }
        if (r->type == REDIS_REPLY_STRING) {
            printf("%-18s %s\n", s->name, r->str);
        } else {
            fprintf(stderr, "answer24ctl: script %s does not load: %s\n", s->name,
                    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
            status = A24_CTL_REFUSED;
        }
        freeReplyObject(r);
    }
    redisFree(c);
    return status;
}
