/*
 * http_coverage: the coverage the rota gives in the coming days, for on-call and
 * supervisors.
 *
 *   GET /api/v1/coverage/gaps?days=7 -> 200 {"from", "to", "timezone", "gaps": [{"subject",
 *       "language", "category", "start", "end", "hours", "start_local", "end_local"}],
 *       "truncated"}
 *
 * One script (rota_cover.lua) reads every account with a rota; proto/coverage.c works
 * out the gaps, the same way `answer24ctl rota gaps` and the worker's coverage_gap
 * alert do. `days` is 1..28 (default 7).
 *
 * Must never: show anything but pairs and times (no ticket, no name).
 */
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "clock.h"
#include "coverage.h"
#include "log.h"

typedef struct {
    a24_op_t op;
    int64_t from, to;
} coverage_op_t;

/* rota_cover.lua replied: the gaps of the days asked for. */
static json_t *cover_json(a24_op_t *op, const redisReply *r)
{
    coverage_op_t *c = (coverage_op_t *)op;
    return a24_coverage_report(r, op->app->cfg->rota.timezone, c->from, c->to);
}

/* GET /api/v1/coverage/gaps, once signed in. */
static void on_gaps(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                    const a24_staff_t *staff)
{
    (void)m, (void)staff;
    long days = 7;
    char buf[8], *end = NULL;
    if (a24_http_query(req, "days", buf, sizeof buf) >= 0 &&
        ((days = strtol(buf, &end, 10)), end == buf || *end != '\0' || days < 1 || days > 28)) {
        a24_http_error(req, 400, "bad_days", "days is a whole number from 1 to 28.", "days");
        return;
    }
    coverage_op_t *c = a24_op_start(app, req, sizeof *c);
    if (c == NULL)
        return;
    c->from = a24_clock_now() / 1000;
    c->to = c->from + days * 86400;
    a24_args_t args;
    a24_args_init(&args);
    a24_op_rows_json_or_respond(&c->op, "rota_cover", &args, 0, cover_json);
}

A24_STAFF_ROUTE(route_gaps, A24_AUTH_ALERTS | A24_ROLE_ADMIN, on_gaps)

const a24_route_t a24_coverage_routes[] = {
    {"GET", "/api/v1/coverage/gaps", route_gaps, 0},
    {NULL, NULL, NULL, 0},
};
