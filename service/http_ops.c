/*
 * http_ops: what operators and their tools ask: /healthz, /readyz, /metrics.
 *
 * /metrics mixes two kinds of figure: this process' own counters, and the desk's
 * counters kept in Redis (a24:stats), which every process updates inside its scripts
 * and so agree however many front ends and workers run.
 *
 * Must never: fail /healthz because Redis is down (the process is up), or report a
 * Redis figure as zero when Redis could not be read (it is left out instead).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "expo.h"
#include "http.h"
#include "keys.h"
#include "ticket.h"

/* Answer-time histogram buckets, in seconds (the answer script counts into these). */
static const long answer_buckets[] = {A24_ANSWER_BUCKETS};
#define NBUCKETS (sizeof answer_buckets / sizeof answer_buckets[0])

/* GET /healthz: the process is up. */
static void on_healthz(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m)
{
    (void)app, (void)m;
    a24_http_json(req, 200, json_pack("{s:s}", "status", "ok"));
}

/* PING's reply for /readyz. */
static void on_ready_reply(a24_store_t *store, redisReply *r, void *privdata)
{
    a24_op_t *op = privdata;
    h2o_req_t *req = a24_op_take(op);
    if (req != NULL) {
        bool via_sentinel;
        const char *primary = a24_store_primary(store, &via_sentinel);
        if (a24_reply_failed(r))
            a24_http_unavailable(req);
        else {
            /* Ready, but said loudly: a desk with no webhook tells on-call only on the
             * dashboard. The primary in use is named (a failover shows here). */
            json_t *warnings = json_array();
            if (op->app->cfg->alerts.webhooks_len == 0)
                json_array_append_new(warnings, json_string("no_webhooks"));
            a24_http_json(req, 200,
                          json_pack("{s:s, s:o, s:{s:s, s:s}}", "status", "ready", "warnings",
                                    warnings, "redis", "primary", primary, "via",
                                    via_sentinel ? "sentinel" : "url"));
        }
    }
    a24_op_finish(op);
}

/* GET /readyz: Redis answers. */
static void on_readyz(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m)
{
    (void)m;
    a24_op_t *op = a24_op_start(app, req, sizeof *op);
    if (op != NULL && a24_store_command(app->store, on_ready_reply, op, "PING") != 0)
        a24_op_fail_unavailable(op);
}

/* /metrics' operation: the experts on duty are read first, then the desk's figures. */
typedef struct {
    a24_op_t op;
    long long on_duty; /* -1: unknown */
} metrics_op_t;

/* One desk-wide figure: a field of a24:stats. */
typedef struct {
    const char *name, *type, *help, *field;
} stat_row_t;

static const stat_row_t desk_figures[] = {
    {"answer24_tickets_submitted_total", "counter", "Questions accepted (desk-wide).", "submitted"},
    {"answer24_tickets_answered_total", "counter", "Answers sent (desk-wide).", "answered"},
    {"answer24_crises_total", "counter", "Questions flagged as crisis.", "crises"},
    {"answer24_escalations_total", "counter", "Escalation steps fired.", "escalations"},
    {"answer24_breaches_total", "counter", "Questions that passed their deadline.", "breaches"},
    {"answer24_tickets_withdrawn_total", "counter", "Questions withdrawn.", "withdrawn"},
    {"answer24_windows_ended_total", "counter",
     "Answer windows that ended: answered, or passed unanswered.", "window_ended"},
    {"answer24_windows_kept_total", "counter", "Answer windows that ended with an answer in time.",
     "within_window"},
    {"answer24_open_tickets", "gauge", "Questions waiting for an answer.", "open"},
};

/* The figures this process counted itself; `up`: Redis answered. */
static void put_process(a24_expo_t *t, const metrics_op_t *mop, bool up)
{
    const a24_app_t *app = mop->op.app;
    const struct {
        const char *name, *type, *help;
        long long value;
    } rows[] = {
        {"answer24_redis_up", "gauge", "1 if this front end can reach Redis.", up},
        {"answer24_http_requests_total", "counter", "API requests this process received.",
         (long long)app->counters.requests},
        {"answer24_web_submitted_total", "counter", "Questions this process accepted.",
         (long long)app->counters.submitted},
        {"answer24_web_submit_replays_total", "counter",
         "Submissions answered from an earlier Idempotency-Key.",
         (long long)app->counters.submit_replays},
        {"answer24_code_check_failures_total", "counter",
         "Reads with a wrong ticket or access code.", (long long)app->counters.code_failures},
        {"answer24_redis_unavailable_total", "counter",
         "Requests answered 503 because Redis was unreachable or slow.",
         (long long)app->counters.redis_unavailable},
        {"answer24_inflight_operations", "gauge", "Requests waiting on Redis now.",
         (long long)app->inflight},
        {"answer24_intake_refused_total", "counter",
         "Questions this process refused with 429 (a per-client or the global limit).",
         (long long)app->counters.intake_refused},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
        a24_expo_int(t, rows[i].name, rows[i].type, rows[i].help, rows[i].value);
    if (mop->on_duty >= 0)
        a24_expo_int(t, "answer24_experts_on_duty", "gauge", "Experts and supervisors on duty now.",
                     mop->on_duty);
    const char *primary = a24_store_primary(app->store, NULL);
    if (primary[0] != '\0') {
        a24_expo_head(t, "answer24_redis_primary_info", "gauge",
                      "The Redis primary this front end uses.");
        a24_expo_put(t, "answer24_redis_primary_info{addr=\"%s\"} 1\n", primary);
    }
}

/* The desk-wide figures of HGETALL a24:stats' reply `r`. */
static void put_desk(a24_expo_t *t, const redisReply *r)
{
    for (size_t i = 0; i < sizeof desk_figures / sizeof *desk_figures; i++)
        a24_expo_int(t, desk_figures[i].name, desk_figures[i].type, desk_figures[i].help,
                     a24_reply_field_int(r, desk_figures[i].field, 0));
    a24_expo_head(t, "answer24_answer_seconds", "histogram", "Time from question to answer.");
    long long cumulative = 0;
    for (size_t i = 0; i < NBUCKETS; i++) {
        char name[32];
        snprintf(name, sizeof name, "answer_le_%ld", answer_buckets[i]);
        cumulative += a24_reply_field_int(r, name, 0);
        a24_expo_put(t, "answer24_answer_seconds_bucket{le=\"%ld\"} %lld\n", answer_buckets[i],
                     cumulative);
    }
    long long count = a24_reply_field_int(r, "answer_count", 0);
    a24_expo_put(t, "answer24_answer_seconds_bucket{le=\"+Inf\"} %lld\n", count);
    a24_expo_put(t, "answer24_answer_seconds_sum %lld\n", a24_reply_field_int(r, "answer_sum", 0));
    a24_expo_put(t, "answer24_answer_seconds_count %lld\n", count);
}

/* HGETALL a24:stats replied (NULL: not asked): write everything out. */
static void on_stats_reply(a24_store_t *store, redisReply *r, void *privdata)
{
    (void)store;
    a24_op_t *op = privdata;
    h2o_req_t *req = a24_op_take(op);
    if (req == NULL) {
        a24_op_finish(op);
        return;
    }
    a24_expo_t t = {0};
    bool up = r != NULL && r->type == REDIS_REPLY_ARRAY;
    put_process(&t, (metrics_op_t *)op, up);
    if (up)
        put_desk(&t, r);
    if (t.buf == NULL) {
        a24_http_unavailable(req);
        a24_op_finish(op);
        return;
    }
    req->res.status = 200;
    req->res.reason = "OK";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT(A24_EXPO_CONTENT_TYPE));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-store"));
    req->res.content_length = t.len;
    h2o_send_inline(req, t.buf, t.len);
    a24_expo_dispose(&t);
    a24_op_finish(op);
}

/* SCARD a24:onduty replied: keep it, then read the desk's figures. */
static void on_on_duty_reply(a24_store_t *store, redisReply *r, void *privdata)
{
    metrics_op_t *op = privdata;
    if (r != NULL && r->type == REDIS_REPLY_INTEGER)
        op->on_duty = r->integer;
    if (a24_store_command(store, on_stats_reply, op, "HGETALL %s", A24_KEY_STATS) != 0)
        on_stats_reply(store, NULL, op);
}

/* GET /metrics */
static void on_metrics(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m)
{
    (void)m;
    metrics_op_t *op = a24_op_start(app, req, sizeof *op);
    if (op == NULL)
        return;
    op->on_duty = -1;
    if (a24_store_command(app->store, on_on_duty_reply, op, "SCARD %s", A24_KEY_ONDUTY) != 0)
        on_stats_reply(app->store, NULL, op); /* process figures still count */
}

const a24_route_t a24_ops_routes[] = {
    {"GET", "/healthz", on_healthz, 0},
    {"GET", "/readyz", on_readyz, 0},
    {"GET", "/metrics", on_metrics, 0},
    {NULL, NULL, NULL, 0},
};
