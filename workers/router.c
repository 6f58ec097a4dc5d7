/*
 * router: read, sort, route, acknowledge; take over the dead; trim.
 *
 * Must never: free the router while a reply may still reach it (the store is
 * destroyed first, which runs every pending callback with NULL, synchronously).
 */
#include "router.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keys.h"
#include "log.h"
#include "ticket.h"

#define GROUP "router"
#define READ_COUNT 100
#define CLAIM_IDLE_MS 30000
#define MAINTAIN_EVERY_MS 10000

struct a24_router {
    a24_worker_t *w;
    a24_store_t *store; /* its own connection: XREADGROUP blocks */
    uv_timer_t retry, maintain;
    char consumer[64];
    bool reading, stopping, group_ready, backlog;
    char backlog_from[48];
    int batch_left; /* route replies still awaited for the current batch */
    char offer_timeout[24], crisis_cap[16], repeat[24];
    int open_handles;
};

/* One entry of a batch, for sorting. */
typedef struct {
    const char *id;
    const char *ticket;
    int rank; /* 0 crisis, 1 green channel, 2 the rest */
    size_t order;
} item_t;

/* One route.lua call in flight. */
typedef struct {
    a24_router_t *r;
    char id[48];
    char ticket[32];
    bool taken_over; /* from XAUTOCLAIM: not part of the read batch */
} route_call_t;

static void read_more(a24_router_t *r);

/* Orders a batch: crises first, then the green channel, then by arrival. */
static int by_urgency(const void *a, const void *b)
{
    const item_t *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank - y->rank;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* The value of `name` in a stream entry's field array, or NULL. */
static const char *field(const redisReply *kv, const char *name)
{
    size_t len;
    return a24_reply_field(kv, name, &len);
}

/* XACK's reply needs nothing. */
static void on_acked(a24_store_t *store, redisReply *reply, void *privdata)
{
    (void)store, (void)reply, (void)privdata;
}

/* The batch is done: read the next one. */
static void batch_done(a24_router_t *r)
{
    r->reading = false;
    if (!r->stopping)
        read_more(r);
}

/* route.lua replied for one entry: acknowledge it, unless Redis failed us. */
static void on_routed(a24_store_t *store, redisReply *reply, void *privdata)
{
    (void)store;
    route_call_t *c = privdata;
    a24_router_t *r = c->r;
    size_t len;
    const char *verdict = a24_reply_str(reply, 0, &len);
    if (verdict != NULL) {
        if (strcmp(verdict, "offered") == 0)
            a24_log_info("ticket_offered", "{s:s, s:s}", "ticket", c->ticket, "expert",
                         a24_reply_str(reply, 1, &len));
        else if (strcmp(verdict, "waiting") == 0)
            a24_log_info("ticket_waiting", "{s:s, s:s}", "ticket", c->ticket, "reason",
                         "no expert on duty can take it");
        if (!r->stopping)
            a24_store_command(r->store, on_acked, NULL, "XACK %s %s %s", A24_KEY_INTAKE, GROUP,
                              c->id);
    } else if (reply != NULL && reply->type == REDIS_REPLY_ERROR) {
        a24_log_error("route_failed", "{s:s, s:s}", "ticket", c->ticket, "error", reply->str);
    }
    bool counted = !c->taken_over;
    free(c);
    if (counted && --r->batch_left == 0)
        batch_done(r);
}

/* Routes a batch (a stream's entry array), most urgent first; `taken_over` for the
 * entries of a dead router, which do not hold up reading. */
static void route_batch(a24_router_t *r, const redisReply *entries, bool taken_over)
{
    size_t n = entries->elements;
    item_t *items = calloc(n > 0 ? n : 1, sizeof *items);
    if (items == NULL)
        return;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const redisReply *e = entries->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements < 2)
            continue;
        const char *ticket = field(e->element[1], "ticket");
        if (ticket == NULL) {
            /* Deleted or malformed: nothing to route, but it must not stay pending. */
            a24_store_command(r->store, on_acked, NULL, "XACK %s %s %s", A24_KEY_INTAKE, GROUP,
                              e->element[0]->str);
            continue;
        }
        const char *crisis = field(e->element[1], "crisis");
        const char *green = field(e->element[1], "green");
        items[k] = (item_t){e->element[0]->str, ticket,
                            crisis != NULL && strcmp(crisis, "1") == 0 ? 0
                            : green != NULL && strcmp(green, "1") == 0 ? 1
                                                                       : 2,
                            i};
        k++;
    }
    qsort(items, k, sizeof *items, by_urgency);
    const char *from = a24_ticket_from_list(A24_EV_OFFER);
    if (!taken_over)
        r->batch_left++; /* held while the calls are sent */
    for (size_t i = 0; i < k; i++) {
        route_call_t *c = calloc(1, sizeof *c);
        if (c == NULL)
            break;
        c->r = r;
        c->taken_over = taken_over;
        snprintf(c->id, sizeof c->id, "%s", items[i].id);
        snprintf(c->ticket, sizeof c->ticket, "%s", items[i].ticket);
        a24_args_t a;
        a24_args_init(&a);
        a24_args_str(&a, c->ticket);
        a24_args_str(&a, from);
        a24_args_str(&a, r->offer_timeout);
        a24_args_str(&a, r->crisis_cap);
        a24_args_str(&a, r->repeat);
        if (a24_store_fcall(r->store, "route", &a, on_routed, c) != 0) {
            free(c);
            break;
        }
        if (!taken_over)
            r->batch_left++;
    }
    free(items);
    if (!taken_over && --r->batch_left == 0)
        batch_done(r);
}

/* The retry timer ran out. */
static void on_retry(uv_timer_t *t)
{
    read_more(t->data);
}

/* Waits a moment before reading again (Redis away, or an error). */
static void retry_later(a24_router_t *r)
{
    r->reading = false;
    if (!r->stopping)
        uv_timer_start(&r->retry, on_retry, 1000, 0);
}

/* XREADGROUP (or XAUTOCLAIM) replied. */
static void on_read(a24_store_t *store, redisReply *reply, void *privdata)
{
    (void)store;
    a24_router_t *r = privdata;
    if (r->stopping)
        return;
    if (a24_reply_failed(reply)) {
        if (reply != NULL && strstr(reply->str, "NOGROUP") != NULL)
            r->group_ready = false;
        retry_later(r);
        return;
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0) {
        r->backlog = true; /* BLOCK timed out: nothing pending of ours, nothing new */
        batch_done(r);
        return;
    }
    const redisReply *entries = reply->element[0]->element[1];
    size_t got = entries->elements;
    if (!r->backlog) {
        if (got > 0)
            snprintf(r->backlog_from, sizeof r->backlog_from, "%s",
                     entries->element[got - 1]->element[0]->str);
        if (got < READ_COUNT)
            r->backlog = true; /* our own pending entries are back in hand */
    }
    route_batch(r, entries, false);
}

/* XGROUP CREATE replied (BUSYGROUP: it exists already). */
static void on_group(a24_store_t *store, redisReply *reply, void *privdata)
{
    (void)store;
    a24_router_t *r = privdata;
    if (r->stopping)
        return;
    if (reply == NULL ||
        (reply->type == REDIS_REPLY_ERROR && strstr(reply->str, "BUSYGROUP") == NULL)) {
        retry_later(r);
        return;
    }
    r->group_ready = true;
    r->reading = false;
    read_more(r);
}

/* Reads the next batch: our own pending entries first (after a restart), then new. */
static void read_more(a24_router_t *r)
{
    if (r->stopping || r->reading)
        return;
    r->reading = true;
    int rc;
    if (!r->group_ready)
        rc = a24_store_command(r->store, on_group, r, "XGROUP CREATE %s %s 0 MKSTREAM",
                               A24_KEY_INTAKE, GROUP);
    else
        rc = a24_store_command(
            r->store, on_read, r, "XREADGROUP GROUP %s %s COUNT %d BLOCK 2000 STREAMS %s %s", GROUP,
            r->consumer, READ_COUNT, A24_KEY_INTAKE, r->backlog ? ">" : r->backlog_from);
    if (rc != 0)
        retry_later(r);
}

/* XAUTOCLAIM replied: a dead router's entries are routed here. */
static void on_claimed(a24_store_t *store, redisReply *reply, void *privdata)
{
    (void)store;
    a24_router_t *r = privdata;
    if (r->stopping || a24_reply_failed(reply) || reply->type != REDIS_REPLY_ARRAY ||
        reply->elements < 2 || reply->element[1]->elements == 0)
        return;
    a24_log_info("router_took_over", "{s:i}", "entries", (int)reply->element[1]->elements);
    route_batch(r, reply->element[1], true);
}

/* XINFO GROUPS replied: trim the stream below what every consumer still needs. */
static void on_groups(a24_store_t *store, redisReply *reply, void *privdata)
{
    (void)store;
    a24_router_t *r = privdata;
    if (r->stopping || a24_reply_failed(reply) || reply->type != REDIS_REPLY_ARRAY)
        return;
    for (size_t i = 0; i < reply->elements; i++) {
        const redisReply *g = reply->element[i];
        const char *name = field(g, "name");
        const char *last = field(g, "last-delivered-id");
        if (name == NULL || strcmp(name, GROUP) != 0 || last == NULL)
            continue;
        /* Below both the oldest pending entry and the last delivered one: the script
         * computes the minimum, so a pending entry is never trimmed. */
        a24_store_command(r->store, on_acked, NULL, "EVAL %s 1 %s %s %s",
                          "local p = redis.call('XPENDING', KEYS[1], ARGV[1]) "
                          "local min = ARGV[2] "
                          "if p[2] then "
                          "  local a = {string.match(p[2], '(%d+)-(%d+)')} "
                          "  local b = {string.match(min, '(%d+)-(%d+)')} "
                          "  if tonumber(a[1]) < tonumber(b[1]) or (a[1] == b[1] and "
                          "     tonumber(a[2]) < tonumber(b[2])) then min = p[2] end "
                          "end "
                          "return redis.call('XTRIM', KEYS[1], 'MINID', '~', min)",
                          A24_KEY_INTAKE, GROUP, last);
    }
}

/* Every MAINTAIN_EVERY_MS: take over a dead router's entries, and trim. */
static void on_maintain(uv_timer_t *t)
{
    a24_router_t *r = t->data;
    if (!r->group_ready || r->stopping)
        return;
    a24_store_command(r->store, on_claimed, r, "XAUTOCLAIM %s %s %s %d 0-0 COUNT %d",
                      A24_KEY_INTAKE, GROUP, r->consumer, CLAIM_IDLE_MS, READ_COUNT);
    a24_store_command(r->store, on_groups, r, "XINFO GROUPS %s", A24_KEY_INTAKE);
}

/* The connection is (again) up: start over with our own pending entries. */
static void on_ready(void *arg)
{
    a24_router_t *r = arg;
    r->backlog = false;
    snprintf(r->backlog_from, sizeof r->backlog_from, "0");
    uv_timer_stop(&r->retry);
    r->reading = false;
    r->batch_left = 0;
    read_more(r);
}

a24_router_t *a24_router_create(a24_worker_t *w, char *err, size_t errlen)
{
    a24_router_t *r = calloc(1, sizeof *r);
    if (r == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    const a24_config_t *cfg = w->cfg;
    r->w = w;
    char host[32] = "worker";
    gethostname(host, sizeof host - 1);
    snprintf(r->consumer, sizeof r->consumer, "%s-%d", host, (int)getpid());
    snprintf(r->offer_timeout, sizeof r->offer_timeout, "%lld",
             (long long)cfg->deadlines.offer_timeout);
    snprintf(r->crisis_cap, sizeof r->crisis_cap, "%d", cfg->routing.crisis_cap);
    snprintf(r->repeat, sizeof r->repeat, "%lld", (long long)cfg->alerts.crisis_repeat);
    r->store = a24_store_create(w->loop, cfg->redis.url, cfg->redis.reconnect_min,
                                cfg->redis.reconnect_max, err, errlen);
    if (r->store == NULL) {
        free(r);
        return NULL;
    }
    uv_timer_init(w->loop, &r->retry);
    uv_timer_init(w->loop, &r->maintain);
    r->retry.data = r->maintain.data = r;
    r->open_handles = 2;
    uv_timer_start(&r->maintain, on_maintain, MAINTAIN_EVERY_MS, MAINTAIN_EVERY_MS);
    a24_store_on_ready(r->store, on_ready, r);
    a24_log_info("router_started", "{s:s}", "consumer", r->consumer);
    return r;
}

/* One of the router's timers closed; the last one frees it. */
static void on_closed(uv_handle_t *h)
{
    a24_router_t *r = h->data;
    if (--r->open_handles == 0)
        free(r);
}

void a24_router_destroy(a24_router_t *r)
{
    if (r == NULL)
        return;
    r->stopping = true;
    a24_store_destroy(r->store); /* pending replies run now, with NULL */
    uv_close((uv_handle_t *)&r->retry, on_closed);
    uv_close((uv_handle_t *)&r->maintain, on_closed);
}
