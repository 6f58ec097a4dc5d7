/*
 * router: read, sort, route, acknowledge; the intake reader (stream.h) takes over the
 * entries of a dead router and trims the stream.
 *
 * Must never: free the router while a reply may still reach it (the store is
 * destroyed first, which runs every pending callback with NULL, synchronously).
 */
#include "router.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "keys.h"
#include "log.h"
#include "refs.h"
#include "stream.h"
#include "ticket.h"

#define READ_COUNT 100
#define CLAIM_IDLE_MS 30000
#define MAINTAIN_EVERY_MS 10000

typedef struct a24_router a24_router_t;

struct a24_router {
    a24_refs_t refs; /* first (refs.h): the intake reader */
    a24_worker_t *w;
    a24_store_t *store; /* its own connection: XREADGROUP blocks */
    a24_stream_t intake;
    char consumer[64];
    bool stopping;
    int batch_left; /* route replies still awaited for the current batch */
    char offer_timeout[24], crisis_cap[16], repeat[24];
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

/* The batch is done: read the next one. */
static void batch_done(a24_router_t *r)
{
    if (!r->stopping)
        a24_stream_resume(&r->intake);
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
            a24_stream_ack(&r->intake, c->id);
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
    if (items == NULL) {
        if (!taken_over)
            batch_done(r); /* read on: the entries stay pending and come back */
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const redisReply *e = entries->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements < 2)
            continue;
        const char *ticket = field(e->element[1], "ticket");
        if (ticket == NULL) {
            /* Deleted or malformed: nothing to route, but it must not stay pending. */
            a24_stream_ack(&r->intake, e->element[0]->str);
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

/* The intake stream gave entries: route them; the router's own batch holds reading
 * until every route.lua call replied. */
static bool on_entries(a24_stream_t *st, int index, const redisReply *entries, bool taken_over,
                       void *privdata)
{
    (void)st, (void)index;
    route_batch(privdata, entries, taken_over);
    return false;
}

/* The connection is (again) up: start over with our own pending entries. */
static void on_ready(void *arg)
{
    a24_router_t *r = arg;
    r->batch_left = 0;
    a24_stream_start(&r->intake);
}

static void *router_start(a24_worker_t *w, char *err, size_t errlen)
{
    a24_router_t *r = a24_alloc_or_err(sizeof *r, err, errlen);
    if (r == NULL)
        return NULL;
    const a24_config_t *cfg = w->cfg;
    r->w = w;
    a24_stream_consumer_name(r->consumer, sizeof r->consumer);
    snprintf(r->offer_timeout, sizeof r->offer_timeout, "%lld",
             (long long)cfg->deadlines.offer_timeout);
    snprintf(r->crisis_cap, sizeof r->crisis_cap, "%d", cfg->routing.crisis_cap);
    snprintf(r->repeat, sizeof r->repeat, "%lld", (long long)cfg->alerts.crisis_repeat);
    r->store = a24_store_open(w->loop, cfg, err, errlen);
    if (r->store == NULL) {
        free(r);
        return NULL;
    }
    a24_stream_opts_t o = a24_stream_group_opts(A24_KEY_INTAKE, "router", r->consumer, READ_COUNT);
    o.claim_idle_ms = CLAIM_IDLE_MS, o.claim_every_ms = MAINTAIN_EVERY_MS;
    o.trim = true; /* below what the group still needs */
    a24_stream_init(&r->intake, w->loop, r->store, &o, on_entries, r);
    r->refs.n = 1; /* the reader */
    a24_store_on_ready(r->store, on_ready, r);
    a24_log_info("router_started", "{s:s}", "consumer", r->consumer);
    return r;
}

static void router_stop(void *part)
{
    a24_router_t *r = part;
    r->stopping = true;
    a24_stream_close(&r->intake, a24_refs_stream_closed);
    a24_store_destroy(r->store); /* pending replies run now, with NULL */
}

const a24_worker_part_t a24_router_part = {router_start, router_stop};
