/*
 * rota: `answer24ctl rota ...`, an expert's weekly shifts.
 *
 *   rota set U "mon-fri 09:00-17:00; sat 10:00-14:00"   (times in rota.timezone)
 *   rota show [U]
 *   rota clear U
 *   rota gaps [--days 7] [--format text|json]   (coverage ahead, see proto/coverage.h)
 *
 * The worker starts and ends the shifts (workers/shifts.c). Must never: store a rota
 * it could not read back; every change is appended to the admin audit list.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coverage.h"
#include "ctl.h"
#include "keys.h"
#include "rota.h"

/* Appends an admin audit line. */
static void audit(redisContext *c, const char *event, const char *user)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long long ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    redisReply *r =
        redisCommand(c, "RPUSH %s %lld:cli:%s:%s", A24_KEY_AUDIT_ADMIN, ms, event, user);
    freeReplyObject(r);
}

/* True if account `user` exists. */
static bool user_exists(redisContext *c, const char *user)
{
    char k[A24_KEY_MAX];
    a24_key(k, A24_KEY_USER, user);
    redisReply *r = redisCommand(c, "EXISTS %s", k);
    bool yes = r != NULL && r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    freeReplyObject(r);
    return yes;
}

/* Prints a coverage report as one line per gap, in the rota's zone. */
static void print_gaps(const json_t *report)
{
    const json_t *gaps = json_object_get(report, "gaps");
    printf("%zu gaps from %s to %s (times in %s)\n", json_array_size(gaps),
           json_string_value(json_object_get(report, "from")),
           json_string_value(json_object_get(report, "to")),
           json_string_value(json_object_get(report, "timezone")));
    size_t i;
    json_t *g;
    json_array_foreach(gaps, i, g)
    {
        printf("%-16s %s - %s  (%.1f h)\n", json_string_value(json_object_get(g, "subject")),
               json_string_value(json_object_get(g, "start_local")),
               json_string_value(json_object_get(g, "end_local")),
               json_real_value(json_object_get(g, "hours")));
    }
}

/* `rota gaps [--days N] [--format text|json]`: the coverage gaps of the coming days. */
static int gaps(const a24_config_t *cfg, int argc, char **argv)
{
    long days = 7;
    bool json = false;
    for (int i = 2; i < argc; i++) {
        char *end = NULL;
        if (strcmp(argv[i], "--days") == 0 && i + 1 < argc &&
            (days = strtol(argv[i + 1], &end, 10), *end == '\0') && days >= 1 && days <= 28) {
            i++;
        } else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc &&
                   (strcmp(argv[i + 1], "json") == 0 || strcmp(argv[i + 1], "text") == 0)) {
            json = strcmp(argv[++i], "json") == 0;
        } else {
            fprintf(stderr, "answer24ctl: usage: rota gaps [--days 1..28] [--format text|json]\n");
            return A24_CTL_USAGE;
        }
    }
    a24_args_t args;
    a24_args_init(&args);
    redisReply *r = a24_ctl_call(cfg, "rota_cover", &args);
    if (r == NULL)
        return A24_CTL_USAGE;
    int64_t now = (int64_t)time(NULL);
    json_t *report = a24_coverage_report(r, cfg->rota.timezone, now, now + days * 86400);
    freeReplyObject(r);
    if (json)
        json_dumpf(report, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER), putchar('\n');
    else
        print_gaps(report);
    json_decref(report);
    return A24_CTL_OK;
}

int a24_ctl_rota(const a24_config_t *cfg, int argc, char **argv)
{
    const char *verb = argc > 1 ? argv[1] : "";
    if (strcmp(verb, "gaps") == 0)
        return gaps(cfg, argc, argv);
    bool set = strcmp(verb, "set") == 0, show = strcmp(verb, "show") == 0,
         clear = strcmp(verb, "clear") == 0;
    if ((set && argc != 4) || (clear && argc != 3) || (show && argc > 3) ||
        (!set && !show && !clear)) {
        fprintf(stderr, "answer24ctl: usage: rota set U \"mon-fri 09:00-17:00\" | rota show [U] | "
                        "rota clear U | rota gaps [--days 7] [--format text|json]\n");
        return A24_CTL_USAGE;
    }
    a24_rota_t rota;
    char err[200], text[2048];
    if (set) {
        if (a24_rota_parse(argv[3], &rota, err, sizeof err) != 0) {
            fprintf(stderr, "answer24ctl: %s\n", err);
            return A24_CTL_USAGE;
        }
        a24_rota_format(&rota, text, sizeof text);
    }
    redisContext *c = a24_ctl_connect(cfg);
    if (c == NULL)
        return A24_CTL_USAGE;
    int status = A24_CTL_OK;
    if ((set || clear) && !user_exists(c, argv[2])) {
        fprintf(stderr, "answer24ctl: no account \"%s\"\n", argv[2]);
        status = A24_CTL_REFUSED;
    } else if (set) {
        freeReplyObject(redisCommand(c, "HSET %s %s %s", A24_KEY_ROTA, argv[2], text));
        audit(c, "rota_set", argv[2]);
        printf("%s: %s (%s)\n", argv[2], text[0] ? text : "no shifts", cfg->rota.timezone);
    } else if (clear) {
        freeReplyObject(redisCommand(c, "HDEL %s %s", A24_KEY_ROTA, argv[2]));
        freeReplyObject(redisCommand(c, "HDEL %s %s", A24_KEY_ROTA_ONSHIFT, argv[2]));
        audit(c, "rota_clear", argv[2]);
        printf("%s: no rota\n", argv[2]);
    } else {
        redisReply *r = argc == 3 ? redisCommand(c, "HMGET %s %s", A24_KEY_ROTA, argv[2])
                                  : redisCommand(c, "HGETALL %s", A24_KEY_ROTA);
        if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
            fprintf(stderr, "answer24ctl: cannot read the rotas\n");
            status = A24_CTL_USAGE;
        } else if (argc == 3) {
            printf("%s: %s (%s)\n", argv[2],
                   r->element[0]->type == REDIS_REPLY_STRING ? r->element[0]->str : "no rota",
                   cfg->rota.timezone);
        } else {
            for (size_t i = 0; i + 1 < r->elements; i += 2)
                printf("%-20s %s\n", r->element[i]->str, r->element[i + 1]->str);
            printf("(times in %s)\n", cfg->rota.timezone);
        }
        freeReplyObject(r);
    }
    redisFree(c);
    return status;
}
