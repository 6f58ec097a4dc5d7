/*
 * metrics: the worker's own /metrics, for Prometheus.
 *
 * A worker has no API, so operators could not see how far behind it is. When
 * worker.metrics_listen is set, a small h2o server answers GET /metrics with the
 * figures that tell a stuck or slow desk: the lag and pending entries of every
 * consumer group on the intake and alert streams, the size of the deadline schedule
 * and how overdue its earliest step is, and this process' webhook deliveries.
 *
 * The Redis figures are read on a timer (worker.metrics_refresh) into a snapshot, and
 * a request is answered from that snapshot at once: a request never waits on Redis,
 * so nothing ever touches a request after its client left. The snapshot's age is a
 * figure too, so a scrape of a worker that lost Redis says so.
 *
 * Must never: block the loop, or expose a ticket id or any text.
 */
#include "metrics.h"

#include <h2o.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "expo.h"
#include "grow.h"
#include "h2o_uv.h"
#include "keys.h"
#include "log.h"
#include "refs.h"

#define MAX_GROUPS 8
#define GROUP_NAME_MAX 32
#define LAG_COUNT_MAX "1000" /* a lag counted by hand stops here: "1000 or more" */

typedef struct {
    char stream[16]; /* "intake" or "alerts" */
    char name[GROUP_NAME_MAX];
    long long pending, lag; /* lag -1: not known yet */
    char last[48];          /* the group's last delivered id, to count what follows */
} group_figures_t;

/* What the last refresh read from Redis. */
typedef struct {
    group_figures_t groups[MAX_GROUPS];
    size_t ngroups;
    long long schedule_size;
    long long earliest_due_ms; /* -1: the schedule is empty */
    long long redis_now_ms;
    a24_ms_t read_at; /* monotonic ms of the last complete read; 0: never */
} snapshot_t;

typedef struct a24_metrics a24_metrics_t;

struct a24_metrics {
    a24_refs_t refs; /* first (refs.h): open handles, replies still to come, the owner's */
    a24_worker_t *w;
    h2o_globalconf_t h2o;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept;
    uv_tcp_t listener;
    uv_timer_t refresh;
    snapshot_t snap, next;
    int outstanding; /* replies of the current refresh still to come */
    bool listening, closing;
};

/* Nothing refers to the object any more. */
static void metrics_free(void *self)
{
    a24_metrics_t *m = self;
    h2o_context_dispose(&m->ctx);
    h2o_config_dispose(&m->h2o);
    free(m);
}

/* ------------------------------------------------------------------ reading Redis */

/* What a reply of a refresh is: its kind, and for "lag" the group it counts for. */
typedef struct {
    a24_metrics_t *m;
    const char *what;
    size_t group;
} tag_t;

static void ask(a24_metrics_t *m, const char *what, size_t group, const char *fmt, const char *a,
                const char *b);

/* Adds the groups of one XINFO GROUPS reply to the snapshot being read; where Redis
 * cannot tell a group's lag (after trimming), asks for the entries past its last one. */
static void read_groups(a24_metrics_t *m, const char *stream, const redisReply *r)
{
    if (r == NULL || r->type != REDIS_REPLY_ARRAY)
        return;
    for (size_t i = 0; i < r->elements && m->next.ngroups < MAX_GROUPS; i++) {
        const redisReply *g = r->element[i];
        size_t len;
        const char *name = a24_reply_field(g, "name", &len);
        if (name == NULL || len >= GROUP_NAME_MAX)
            continue;
        group_figures_t *f = &m->next.groups[m->next.ngroups++];
        snprintf(f->stream, sizeof f->stream, "%s", stream);
        memcpy(f->name, name, len);
        f->name[len] = '\0';
        f->pending = a24_reply_field_int(g, "pending", 0);
        f->lag = a24_reply_field_int(g, "lag", -1);
        const char *last = a24_reply_field(g, "last-delivered-id", &len);
        if (f->lag < 0 && last != NULL && len < sizeof f->last) {
            memcpy(f->last, last, len);
            f->last[len] = '\0';
            ask(m, "lag", m->next.ngroups - 1, "XRANGE %s (%s + COUNT " LAG_COUNT_MAX,
                strcmp(stream, "intake") == 0 ? A24_KEY_INTAKE : A24_KEY_ALERTS, f->last);
        }
    }
}

/* One reply of a refresh; the snapshot is published when the last one is in. */
static void on_figure(a24_store_t *store, redisReply *reply, void *privdata)
{
    (void)store;
    tag_t tag = *(tag_t *)privdata;
    a24_metrics_t *m = tag.m;
    const char *what = tag.what;
    free(privdata);
    m->outstanding--;
    if (m->closing) {
        a24_refs_drop(m);
        return;
    }
    if (strcmp(what, "intake") == 0 || strcmp(what, "alerts") == 0) {
        read_groups(m, what, reply);
    } else if (strcmp(what, "lag") == 0 && reply != NULL && reply->type == REDIS_REPLY_ARRAY &&
               tag.group < m->next.ngroups) {
        m->next.groups[tag.group].lag = (long long)reply->elements;
    } else if (strcmp(what, "schedule") == 0 && reply != NULL &&
               reply->type == REDIS_REPLY_INTEGER) {
        m->next.schedule_size = reply->integer;
    } else if (strcmp(what, "earliest") == 0 && reply != NULL && reply->type == REDIS_REPLY_ARRAY &&
               reply->elements == 2) {
        size_t len;
        const char *score = a24_reply_str(reply, 1, &len);
        m->next.earliest_due_ms = score != NULL ? atoll(score) : -1;
    } else if (strcmp(what, "time") == 0 && reply != NULL && reply->type == REDIS_REPLY_ARRAY &&
               reply->elements == 2) {
        m->next.redis_now_ms =
            a24_reply_int(reply, 0, 0) * 1000 + a24_reply_int(reply, 1, 0) / 1000;
    }
    if (m->outstanding == 0 && m->next.redis_now_ms > 0) {
        m->next.read_at = a24_clock_mono();
        m->snap = m->next;
    }
    a24_refs_drop(m);
}

/* Sends one command of a refresh (up to two %s arguments); its reply goes to on_figure. */
static void ask(a24_metrics_t *m, const char *what, size_t group, const char *fmt, const char *a,
                const char *b)
{
    tag_t *tag = malloc(sizeof *tag);
    if (tag == NULL)
        return;
    *tag = (tag_t){m, what, group};
    m->outstanding++;
    m->refs.n++;
    if (a24_store_command(m->w->store, on_figure, tag, fmt, a, b) != 0) {
        m->outstanding--;
        m->refs.n--;
        free(tag);
    }
}

/* The refresh timer: read every figure again (unless the last read is still out). */
static void on_refresh(uv_timer_t *t)
{
    a24_metrics_t *m = t->data;
    if (m->outstanding > 0 || m->w->store == NULL || !a24_store_ready(m->w->store))
        return;
    memset(&m->next, 0, sizeof m->next);
    m->next.earliest_due_ms = -1;
    ask(m, "intake", 0, "XINFO GROUPS %s%s", A24_KEY_INTAKE, "");
    ask(m, "alerts", 0, "XINFO GROUPS %s%s", A24_KEY_ALERTS, "");
    ask(m, "schedule", 0, "ZCARD %s%s", A24_KEY_SCHEDULE, "");
    ask(m, "earliest", 0, "ZRANGE %s 0 0 WITHSCORES%s", A24_KEY_SCHEDULE, "");
    ask(m, "time", 0, "TIME%s%s", "", "");
}

/* ------------------------------------------------------------------ serving */

/* The stream and group figures of the snapshot. */
static void put_groups(a24_expo_t *t, const snapshot_t *s)
{
    a24_expo_head(t, "answer24_stream_pending", "gauge",
                  "Entries delivered to a group but not acknowledged.");
    for (size_t i = 0; i < s->ngroups; i++)
        a24_expo_put(t, "answer24_stream_pending{stream=\"%s\",group=\"%s\"} %lld\n",
                     s->groups[i].stream, s->groups[i].name, s->groups[i].pending);
    a24_expo_head(t, "answer24_stream_lag", "gauge", "Entries not yet delivered to a group.");
    for (size_t i = 0; i < s->ngroups; i++)
        if (s->groups[i].lag >= 0)
            a24_expo_put(t, "answer24_stream_lag{stream=\"%s\",group=\"%s\"} %lld\n",
                         s->groups[i].stream, s->groups[i].name, s->groups[i].lag);
}

/* The whole text of /metrics. */
static void render(a24_metrics_t *m, a24_expo_t *t)
{
    const snapshot_t *s = &m->snap;
    const a24_worker_t *w = m->w;
    bool fresh = s->read_at > 0;
    a24_expo_int(t, "answer24_worker_redis_up", "gauge",
                 "1 while the worker's Redis connection is ready.",
                 w->store != NULL && a24_store_ready(w->store) ? 1 : 0);
    if (w->store != NULL && a24_store_ready(w->store)) {
        bool via_sentinel;
        const char *primary = a24_store_primary(w->store, &via_sentinel);
        a24_expo_put(t,
                     "# HELP answer24_worker_redis_primary_info The Redis primary in use.\n"
                     "# TYPE answer24_worker_redis_primary_info gauge\n"
                     "answer24_worker_redis_primary_info{addr=\"%s\",via=\"%s\"} 1\n",
                     primary != NULL ? primary : "", via_sentinel ? "sentinel" : "url");
    }
    a24_expo_put(t,
                 "# HELP answer24_worker_figures_age_seconds Age of the Redis figures below.\n"
                 "# TYPE answer24_worker_figures_age_seconds gauge\n"
                 "answer24_worker_figures_age_seconds %.3f\n",
                 fresh ? (double)(a24_clock_mono() - s->read_at) / 1000.0 : -1.0);
    if (fresh) {
        put_groups(t, s);
        a24_expo_int(t, "answer24_schedule_size", "gauge",
                     "Tickets and alerts with a next step due.", s->schedule_size);
        if (s->earliest_due_ms >= 0)
            a24_expo_put(t,
                         "# HELP answer24_schedule_earliest_overdue_seconds How late the earliest "
                         "step is (negative: still ahead).\n"
                         "# TYPE answer24_schedule_earliest_overdue_seconds gauge\n"
                         "answer24_schedule_earliest_overdue_seconds %.3f\n",
                         (double)(s->redis_now_ms - s->earliest_due_ms) / 1000.0);
    }
    a24_expo_int(t, "answer24_webhook_deliveries_total", "counter",
                 "Webhook deliveries answered 2xx.", (long long)w->counters.webhooks_delivered);
    a24_expo_int(t, "answer24_webhook_failures_total", "counter",
                 "Webhook attempts that failed (retried).", (long long)w->counters.webhooks_failed);
}

/* h2o: GET /metrics, answered from the snapshot at once. */
static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    a24_metrics_t *m = *(a24_metrics_t **)(self + 1);
    if (!h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")) ||
        !h2o_memis(req->path_normalized.base, req->path_normalized.len, H2O_STRLIT("/metrics")))
        return -1;
    a24_expo_t t = {0};
    render(m, &t);
    char *body = h2o_mem_alloc_pool(&req->pool, t.len + 1);
    size_t len = t.len;
    memcpy(body, t.buf != NULL ? t.buf : "", len);
    a24_expo_dispose(&t);
    req->res.status = 200;
    req->res.reason = "OK";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT(A24_EXPO_CONTENT_TYPE));
    req->res.content_length = len;
    h2o_send_inline(req, body, len);
    return 0;
}

/* libuv: a scraper connects. */
static void on_accept(uv_stream_t *listener, int status)
{
    a24_metrics_t *m = listener->data;
    if (status != 0 || m->closing)
        return;
    a24_h2o_uv_accept(listener, &m->accept);
}

/* Binds worker.metrics_listen ("host:port" or "[v6]:port"). 0, or a libuv error code. */
static int bind_listen(a24_metrics_t *m, const char *listen)
{
    struct sockaddr_storage addr;
    const char *why;
    int rc;
    if (a24_listen_parse(listen, &addr, &why) != 0)
        return UV_EINVAL;
    uv_tcp_init(m->w->loop, &m->listener);
    m->listener.data = m;
    m->listening = true;
    m->refs.n++;
    if ((rc = uv_tcp_bind(&m->listener, (struct sockaddr *)&addr, 0)) != 0)
        return rc;
    return uv_listen((uv_stream_t *)&m->listener, 64, on_accept);
}

static void metrics_stop(void *part);

static void *metrics_start(a24_worker_t *w, char *err, size_t errlen)
{
    const char *listen = w->cfg->worker.metrics_listen;
    a24_metrics_t *m = a24_alloc_or_err(sizeof *m, err, errlen);
    if (m == NULL)
        return NULL;
    m->w = w;
    m->refs.n = 1; /* the owner's, dropped by metrics_stop */
    m->refs.on_last = metrics_free;
    uv_timer_init(w->loop, &m->refresh);
    m->refresh.data = m;
    m->refs.n++;
    h2o_config_init(&m->h2o);
    h2o_hostconf_t *host =
        h2o_config_register_host(&m->h2o, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    h2o_handler_t *handler = h2o_create_handler(path, sizeof *handler + sizeof m);
    handler->on_req = on_req;
    *(a24_metrics_t **)(handler + 1) = m;
    h2o_context_init(&m->ctx, w->loop, &m->h2o);
    m->accept.ctx = &m->ctx;
    m->accept.hosts = m->h2o.hosts;
    int rc = bind_listen(m, listen);
    if (rc != 0) {
        snprintf(err, errlen, "worker.metrics_listen: cannot listen on %s: %s", listen,
                 uv_strerror(rc));
        metrics_stop(m);
        return NULL;
    }
    uv_timer_start(&m->refresh, on_refresh, 0, (uint64_t)w->cfg->worker.metrics_refresh);
    a24_log_info("metrics_listening", "{s:s}", "listen", listen);
    return m;
}

static void metrics_stop(void *part)
{
    a24_metrics_t *m = part;
    /* Replies still out find `closing` set and only drop their reference (the store
     * calls every callback once, with NULL when the connection goes). */
    m->closing = true;
    if (m->listening)
        uv_close((uv_handle_t *)&m->listener, a24_refs_handle_closed);
    uv_close((uv_handle_t *)&m->refresh, a24_refs_handle_closed);
    a24_refs_drop(m);
}

const a24_worker_part_t a24_metrics_part = {metrics_start, metrics_stop};
