/*
 * stats: `answer24ctl stats [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--format csv|json]`,
 * the same figures as GET /api/v1/stats (proto/stats.c builds both), for reports.
 * The range defaults to the last 30 UTC days.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "stats.h"

int a24_ctl_stats(const a24_config_t *cfg, int argc, char **argv)
{
    int64_t today = (int64_t)time(NULL) / 86400, from = today - 29, to = today;
    const char *format = "json";
    for (int i = 1; i < argc; i++) {
        bool has_value = i + 1 < argc;
        if (strcmp(argv[i], "--from") == 0 && has_value) {
            if (a24_stats_parse_day(argv[++i], &from) != 0)
                goto bad_date;
        } else if (strcmp(argv[i], "--to") == 0 && has_value) {
            if (a24_stats_parse_day(argv[++i], &to) != 0)
                goto bad_date;
        } else if (strcmp(argv[i], "--format") == 0 && has_value &&
                   (strcmp(argv[i + 1], "csv") == 0 || strcmp(argv[i + 1], "json") == 0)) {
            format = argv[++i];
        } else {
            fprintf(stderr, "answer24ctl: usage: stats [--from YYYY-MM-DD] [--to YYYY-MM-DD] "
                            "[--format csv|json]\n");
            return A24_CTL_USAGE;
        }
    }
    if (to < from || to - from > 365) {
        fprintf(stderr, "answer24ctl: --from must not be after --to, and at most 366 days\n");
        return A24_CTL_USAGE;
    }
    a24_args_t a;
    a24_args_init(&a);
    a24_args_int(&a, (long long)from);
    a24_args_int(&a, (long long)to);
    redisReply *r = a24_ctl_call(cfg, "stats_days", &a);
    int status = A24_CTL_USAGE;
    if (r != NULL) {
        json_t *report = a24_stats_report(r, from, to);
        if (strcmp(format, "csv") == 0)
            a24_stats_csv(report, stdout);
        else
            json_dumpf(report, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER), putchar('\n');
        json_decref(report);
        freeReplyObject(r);
        status = A24_CTL_OK;
    }
    return status;
bad_date:
    fprintf(stderr, "answer24ctl: dates are written YYYY-MM-DD\n");
    return A24_CTL_USAGE;
}
