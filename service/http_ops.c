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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
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

/* A growing text buffer for the exposition format. */
typedef struct {
    char *buf;
    size_t len, cap;
} text_t;

/* Appends formatted text; on allocation failure the buffer stays as it was. */
static void put(text_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text_t *t, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = t->cap * 2 + (size_t)n;
        char *b = realloc(t->buf, cap);
        if (b == NULL)
            return;
        t->buf = b, t->cap = cap;
    }
}

/* A counter or gauge with its HELP and TYPE lines. */
static void metric(text_t *t, const char *name, const char *type, const char *help, long long value)
{
    put(t, "# HELP %s %s\n# TYPE %s %s\n%s %lld\n", name, help, name, type, name, value);
}

/* The value of `name` in an HGETALL reply, or 0. */
static long long stat_of(const redisReply *r, const char *name)
{
    return a24_reply_field_int(r, name, 0);
}

/* HGETALL a24:stats replied: write everything out. */
/* /metrics' operation: the experts on duty are read first, then the desk's figures. */
typedef struct {
    a24_op_t op;
    long long on_duty; /* -1: unknown */
} metrics_op_t;

static void on_stats_reply(a24_store_t *store, redisReply *r, void *privdata)
{
    (void)store;
    a24_op_t *op = privdata;
    a24_app_t *app = op->app;
    h2o_req_t *req = a24_op_take(op);
    if (req == NULL) {
        a24_op_finish(op);
        return;
    }
    text_t t = {malloc(4096), 0, 4096};
    if (t.buf == NULL) {
        a24_http_unavailable(req);
        a24_op_finish(op);
        return;
    }
    bool up = r != NULL && r->type == REDIS_REPLY_ARRAY;
    metric(&t, "answer24_redis_up", "gauge", "1 if this front end can reach Redis.", up);
    metric(&t, "answer24_http_requests_total", "counter", "API requests this process received.",
           (long long)app->counters.requests);
    metric(&t, "answer24_web_submitted_total", "counter", "Questions this process accepted.",
           (long long)app->counters.submitted);
    metric(&t, "answer24_web_submit_replays_total", "counter",
           "Submissions answered from an earlier Idempotency-Key.",
           (long long)app->counters.submit_replays);
    metric(&t, "answer24_code_check_failures_total", "counter",
           "Reads with a wrong ticket or access code.", (long long)app->counters.code_failures);
    metric(&t, "answer24_redis_unavailable_total", "counter",
           "Requests answered 503 because Redis was unreachable or slow.",
           (long long)app->counters.redis_unavailable);
    metric(&t, "answer24_inflight_operations", "gauge", "Requests waiting on Redis now.",
           (long long)app->inflight);
    metric(&t, "answer24_intake_refused_total", "counter",
           "Questions this process refused with 429 (a per-client or the global limit).",
           (long long)app->counters.intake_refused);
    if (((metrics_op_t *)op)->on_duty >= 0)
        metric(&t, "answer24_experts_on_duty", "gauge", "Experts and supervisors on duty now.",
               ((metrics_op_t *)op)->on_duty);
    const char *primary = a24_store_primary(app->store, NULL);
    if (primary[0] != '\0')
        put(&t,
            "# HELP answer24_redis_primary_info The Redis primary this front end uses.\n"
            "# TYPE answer24_redis_primary_info gauge\nanswer24_redis_primary_info{addr=\"%s\"} "
            "1\n",
            primary);
    if (up) {
        metric(&t, "answer24_tickets_submitted_total", "counter", "Questions accepted (desk-wide).",
               stat_of(r, "submitted"));
        metric(&t, "answer24_tickets_answered_total", "counter", "Answers sent (desk-wide).",
               stat_of(r, "answered"));
        metric(&t, "answer24_crises_total", "counter", "Questions flagged as crisis.",
               stat_of(r, "crises"));
        metric(&t, "answer24_escalations_total", "counter", "Escalation steps fired.",
               stat_of(r, "escalations"));
        metric(&t, "answer24_breaches_total", "counter", "Questions that passed their deadline.",
               stat_of(r, "breaches"));
        metric(&t, "answer24_tickets_withdrawn_total", "counter", "Questions withdrawn.",
               stat_of(r, "withdrawn"));
        metric(&t, "answer24_windows_ended_total", "counter",
               "Answer windows that ended: answered, or passed unanswered.",
               stat_of(r, "window_ended"));
        metric(&t, "answer24_windows_kept_total", "counter",
               "Answer windows that ended with an answer in time.", stat_of(r, "within_window"));
        metric(&t, "answer24_open_tickets", "gauge", "Questions waiting for an answer.",
               stat_of(r, "open"));
        put(&t, "# HELP answer24_answer_seconds Time from question to answer.\n"
                "# TYPE answer24_answer_seconds histogram\n");
        long long cumulative = 0;
        for (size_t i = 0; i < NBUCKETS; i++) {
            char name[32];
            snprintf(name, sizeof name, "answer_le_%ld", answer_buckets[i]);
            cumulative += stat_of(r, name);
            put(&t, "answer24_answer_seconds_bucket{le=\"%ld\"} %lld\n", answer_buckets[i],
                cumulative);
        }
        put(&t, "answer24_answer_seconds_bucket{le=\"+Inf\"} %lld\n", stat_of(r, "answer_count"));
        put(&t, "answer24_answer_seconds_sum %lld\n", stat_of(r, "answer_sum"));
        put(&t, "answer24_answer_seconds_count %lld\n", stat_of(r, "answer_count"));
    }
    req->res.status = 200;
    req->res.reason = "OK";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("text/plain; version=0.0.4; charset=utf-8"));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-store"));
    req->res.content_length = t.len;
    h2o_send_inline(req, t.buf, t.len);
    free(t.buf);
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
