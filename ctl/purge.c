/*
 * purge: `answer24ctl purge`, forget tickets answered or withdrawn, and incidents
 * resolved, longer than privacy.retention ago (the worker does the same every hour; this is for an
 * operator who wants it now, or a changed retention applied at once), and drop the text keys past
 * retention (keys.c).
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"

int a24_ctl_purge(const a24_config_t *cfg, int argc, char **argv)
{
    (void)argv;
    redisContext *c = a24_ctl_connect_for(cfg, argc == 1, "purge");
    if (c == NULL)
        return A24_CTL_USAGE;
    long long total = 0, incidents = 0, left = 1;
    int status = A24_CTL_OK;
    while (left > 0) {
        a24_args_t a;
        a24_args_init(&a);
        a24_args_int(&a, (long long)cfg->privacy.retention);
        a24_args_int(&a, 1000);
        redisReply *r = a24_ctl_fcall(c, "purge", &a);
        if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements < 3) {
            freeReplyObject(r);
            status = A24_CTL_USAGE;
            break;
        }
        total += r->element[0]->integer;
        left = r->element[1]->integer;
        incidents += r->element[2]->integer;
        freeReplyObject(r);
    }
    if (status == A24_CTL_OK)
        printf("purged %lld tickets and %lld resolved incidents\n", total, incidents);
    if (status == A24_CTL_OK)
        status = a24_ctl_keys_update(cfg, c, false); /* text keys past retention go too */
    redisFree(c);
    return status;
}
