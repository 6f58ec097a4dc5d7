/*
 * memwatch: INFO memory, then redis_memory.lua when over (or newly under) the share.
 */
#include "memwatch.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eraser.h"
#include "log.h"

typedef struct {
    a24_ticker_t t; /* first: the timer, busy and stopping */
    bool warned_uncapped;
    int last; /* 1 over, 0 under, -1 not known yet (the flag in Redis may be stale) */
} memwatch_t;

/* redis_memory.lua replied. */
static void on_script(a24_store_t *store, redisReply *r, void *privdata)
{
    (void)store;
    memwatch_t *m = privdata;
    m->t.busy = false;
    size_t len;
    const char *verdict = a24_reply_str(r, 0, &len);
    if (verdict != NULL && strcmp(verdict, "raised") == 0) {
        const char *id = a24_reply_str(r, 1, &len);
        a24_log_warn("redis_memory_alert", "{s:s}", "alert", id != NULL ? id : "");
    } else if (r != NULL && r->type == REDIS_REPLY_ERROR) {
        a24_log_error("redis_memory_script_failed", "{s:s}", "error", r->str);
        m->last = -1;
    }
}

/* INFO memory replied: compare used_memory with maxmemory. */
static void on_info(a24_store_t *store, redisReply *r, void *privdata)
{
    memwatch_t *m = privdata;
    m->t.busy = false;
    if (m->t.stopping || r == NULL || r->type != REDIS_REPLY_STRING)
        return;
    long long used = a24_info_field(r->str, r->len, "used_memory", -1);
    long long max = a24_info_field(r->str, r->len, "maxmemory", 0);
    if (used < 0 || max <= 0) {
        if (!m->warned_uncapped)
            a24_log_warn("redis_uncapped", "{s:s}", "hint",
                         "Redis has no maxmemory: set one with noeviction (deploy/redis.conf)");
        m->warned_uncapped = true;
        return;
    }
    int over = (double)used * 1000.0 >= (double)max * m->t.w->cfg->redis.memory_alert;
    if (over)
        a24_log_warn("redis_memory_high", "{s:I, s:I}", "used", (json_int_t)used, "maxmemory",
                     (json_int_t)max);
    if (!over && m->last == 0)
        return;
    a24_args_t a;
    a24_args_init(&a);
    a24_args_str(&a, over ? "over" : "under");
    a24_args_int(&a, used);
    a24_args_int(&a, max);
    if (a24_store_fcall(store, "redis_memory", &a, on_script, m) == 0) {
        m->t.busy = true;
        m->last = over;
    }
}

/* Every redis.memory_check (unless the last pass is still going): INFO memory. */
static int pass(a24_ticker_t *t)
{
    return a24_store_command(t->w->store, on_info, t, "INFO memory");
}

static void *memwatch_start(a24_worker_t *w, char *err, size_t errlen)
{
    uint64_t every = (uint64_t)w->cfg->redis.memory_check;
    memwatch_t *m =
        a24_ticker_start(w, sizeof *m, pass, every < 1000 ? every : 1000, every, err, errlen);
    if (m == NULL)
        return NULL;
    m->last = -1;
    return &m->t;
}

const a24_worker_part_t a24_memwatch_part = {memwatch_start, a24_ticker_stop};
