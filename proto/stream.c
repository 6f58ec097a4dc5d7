/*
 * stream: one reader of Redis streams, with or without a consumer group (stream.h).
 *
 * Sections: bookkeeping (the commands in flight and the close); the group (create,
 * recover); reading; takeover and trimming; the public functions.
 *
 * Every command the reader sends carries the reader itself as privdata and is counted in
 * `in_flight`; each callback first settles its count and, once the reader is closing,
 * only helps it finish closing. The close callback needs both the timers closed (never
 * within the call that closes them, so never inside a24_stream_close) and no reply due.
 */
#include "stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static void read_more(a24_stream_t *s);

/* ---------------------------------------------------------------- bookkeeping */

/* Runs the close callback once nothing of the reader is left in flight. */
static void maybe_closed(a24_stream_t *s)
{
    if (s->closing && s->open_timers == 0 && s->in_flight == 0 && s->on_close != NULL) {
        a24_stream_close_cb cb = s->on_close;
        s->on_close = NULL;
        cb(s, s->privdata);
    }
}

/* A reply for the reader arrived: true if it is to be dropped (stopped or closing). */
static bool settle(a24_stream_t *s)
{
    s->in_flight--;
    if (s->closing) {
        maybe_closed(s);
        return true;
    }
    return !s->active;
}

/* Counts a command sent (rc 0); returns rc. */
static int sent(a24_stream_t *s, int rc)
{
    if (rc == 0)
        s->in_flight++;
    return rc;
}

/* One of the reader's timers closed. */
static void on_timer_closed(uv_handle_t *h)
{
    a24_stream_t *s = h->data;
    s->open_timers--;
    maybe_closed(s);
}

/* The retry timer ran out. */
static void on_retry(uv_timer_t *t)
{
    read_more(t->data);
}

/* Reads again after retry_ms (Redis away, or an error). */
static void retry_later(a24_stream_t *s)
{
    s->reading = false;
    if (s->active && !s->closing)
        uv_timer_start(&s->retry, on_retry, (uint64_t)s->o.retry_ms, 0);
}

/* A reply the reader needs nothing from (XACK, XTRIM). */
static void on_done(a24_store_t *store, redisReply *reply, void *privdata)
{
    (void)store, (void)reply;
    settle(privdata);
}

/* ---------------------------------------------------------------- the group */

/* XGROUP CREATE replied (BUSYGROUP: it exists already). */
static void on_group(a24_store_t *store, redisReply *reply, void *privdata)
{
    (void)store;
    a24_stream_t *s = privdata;
    if (settle(s))
        return;
    if (reply == NULL ||
        (reply->type == REDIS_REPLY_ERROR && strstr(reply->str, "BUSYGROUP") == NULL)) {
        retry_later(s);
        return;
    }
    s->group_ready = true;
    s->reading = false;
    read_more(s);
}

/* An error reply: NOGROUP means the group (or the stream) is gone: create it again. */
static void note_error(a24_stream_t *s, const redisReply *reply)
{
    if (reply != NULL && reply->type == REDIS_REPLY_ERROR && strstr(reply->str, "NOGROUP") != NULL)
        s->group_ready = false;
}

/* ---------------------------------------------------------------- reading */

/* Hands one stream's entries to the owner; false if it holds reading. */
static bool deliver(a24_stream_t *s, const redisReply *stream, bool taken_over)
{
    if (stream->type != REDIS_REPLY_ARRAY || stream->elements < 2)
        return true;
    const redisReply *name = stream->element[0], *entries = stream->element[1];
    int index = 0;
    for (int i = 0; i < s->o.nstreams; i++)
        if (name->type == REDIS_REPLY_STRING && strcmp(name->str, s->o.streams[i]) == 0)
            index = i;
    if (entries->type != REDIS_REPLY_ARRAY)
        return true;
    size_t got = entries->elements;
    if (got > 0 && (s->o.group == NULL || !s->backlog_done)) {
        const redisReply *last = entries->element[got - 1];
        if (last->type == REDIS_REPLY_ARRAY && last->elements > 0 &&
            last->element[0]->type == REDIS_REPLY_STRING)
            snprintf(s->from[index], sizeof s->from[index], "%s", last->element[0]->str);
    }
    if (s->o.group != NULL && !s->backlog_done && got < (size_t)s->o.count)
        s->backlog_done = true; /* our own pending entries are all back in hand */
    return got == 0 || s->on_entries(s, index, entries, taken_over, s->privdata);
}

/* XREAD or XREADGROUP replied. */
static void on_read(a24_store_t *store, redisReply *reply, void *privdata)
{
    (void)store;
    a24_stream_t *s = privdata;
    if (settle(s))
        return;
    if (a24_reply_failed(reply)) {
        note_error(s, reply);
        retry_later(s);
        return;
    }
    s->reading = false;
    bool go_on = true;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0)
        s->backlog_done = true; /* BLOCK timed out: nothing pending of ours, nothing new */
    for (size_t i = 0; reply->type == REDIS_REPLY_ARRAY && i < reply->elements; i++)
        go_on = deliver(s, reply->element[i], false) && go_on;
    if (go_on)
        read_more(s);
    else if (!s->reading)
        s->held = true; /* unless the owner already read on from its callback */
}

/* stream_tails.lua replied: follow the streams from their last entries. */
static void on_tails(a24_store_t *store, redisReply *reply, void *privdata)
{
    (void)store;
    a24_stream_t *s = privdata;
    if (settle(s))
        return;
    for (int i = 0; i < s->o.nstreams; i++) {
        size_t len;
        const char *id = a24_reply_str(reply, (size_t)i, &len);
        if (id == NULL || len >= A24_STREAM_ID_LEN) {
            retry_later(s);
            return;
        }
        snprintf(s->from[i], sizeof s->from[i], "%.*s", (int)len, id);
    }
    s->tails_known = true;
    s->reading = false;
    read_more(s);
}

/* Sends the next read: XREADGROUP from our backlog or for new entries, or XREAD. */
static int send_read(a24_stream_t *s)
{
    char count[16], block[16];
    snprintf(count, sizeof count, "%d", s->o.count);
    snprintf(block, sizeof block, "%d", s->o.block_ms);
    const char *argv[8 + 2 * A24_STREAM_MAX];
    int n = 0;
    if (s->o.group != NULL) {
        argv[n++] = "XREADGROUP", argv[n++] = "GROUP";
        argv[n++] = s->group, argv[n++] = s->consumer;
    } else {
        argv[n++] = "XREAD";
    }
    argv[n++] = "COUNT", argv[n++] = count, argv[n++] = "BLOCK", argv[n++] = block;
    argv[n++] = "STREAMS";
    for (int i = 0; i < s->o.nstreams; i++)
        argv[n++] = s->o.streams[i];
    for (int i = 0; i < s->o.nstreams; i++)
        argv[n++] = s->o.group != NULL && s->backlog_done ? ">" : s->from[i];
    return sent(s, a24_store_argv(s->store, on_read, s, n, argv, NULL));
}

/* Sends stream_tails.lua for the streams followed without a group. */
static int send_tails(a24_stream_t *s)
{
    a24_args_t a;
    a24_args_init(&a);
    for (int i = 0; i < s->o.nstreams; i++)
        a24_args_key(&a, s->o.streams[i]);
    return sent(s, a24_store_fcall(s->store, "stream_tails", &a, on_tails, s));
}

/* Reads the next batch (creating the group or finding the tails first, once). */
static void read_more(a24_stream_t *s)
{
    if (!s->active || s->closing || s->reading)
        return;
    s->reading = true;
    s->held = false;
    int rc;
    if (s->o.group != NULL && !s->group_ready)
        rc = sent(s, a24_store_command(s->store, on_group, s, "XGROUP CREATE %s %s 0 MKSTREAM",
                                       s->o.streams[0], s->group));
    else if (s->o.group == NULL && !s->tails_known)
        rc = send_tails(s);
    else
        rc = send_read(s);
    if (rc != 0)
        retry_later(s);
}

/* ---------------------------------------------------------------- takeover and trimming */

/* XAUTOCLAIM replied: a dead consumer's entries are ours now. */
static void on_claimed(a24_store_t *store, redisReply *reply, void *privdata)
{
    (void)store;
    a24_stream_t *s = privdata;
    if (settle(s) || a24_reply_failed(reply) || reply->type != REDIS_REPLY_ARRAY ||
        reply->elements < 2 || reply->element[1]->type != REDIS_REPLY_ARRAY)
        return;
    const redisReply *entries = reply->element[1];
    if (entries->elements == 0)
        return;
    char event[64];
    snprintf(event, sizeof event, "%s_took_over", s->o.name);
    a24_log_info(event, "{s:i}", "entries", (int)entries->elements);
    s->on_entries(s, 0, entries, true, s->privdata);
}

/* Every claim_every_ms: take over entries idle in a dead consumer, then trim. */
static void on_claim_tick(uv_timer_t *t)
{
    a24_stream_t *s = t->data;
    if (!s->group_ready || !s->active || s->closing || s->held)
        return;
    /* A blocked XREADGROUP holds the connection; the claim simply runs after it. */
    sent(s,
         a24_store_command(s->store, on_claimed, s, "XAUTOCLAIM %s %s %s %d 0-0 COUNT %d",
                           s->o.streams[0], s->group, s->consumer, s->o.claim_idle_ms, s->o.count));
    if (s->o.trim) { /* below what the group still needs (stream_trim.lua) */
        a24_args_t a;
        a24_args_init(&a);
        a24_args_key(&a, s->o.streams[0]);
        a24_args_str(&a, s->group);
        sent(s, a24_store_fcall(s->store, "stream_trim", &a, on_done, s));
    }
}

/* ---------------------------------------------------------------- the public functions */

a24_stream_opts_t a24_stream_group_opts(const char *stream, const char *group, const char *consumer,
                                        int count)
{
    return (a24_stream_opts_t){.name = group,
                               .streams = {stream},
                               .nstreams = 1,
                               .group = group,
                               .consumer = consumer,
                               .count = count,
                               .block_ms = 2000,
                               .retry_ms = 1000};
}

int a24_stream_init(a24_stream_t *s, uv_loop_t *loop, a24_store_t *store,
                    const a24_stream_opts_t *o, a24_stream_cb cb, void *privdata)
{
    memset(s, 0, sizeof *s);
    /* The timers first: a reader refused here can still be closed like any other. */
    uv_timer_init(loop, &s->retry);
    uv_timer_init(loop, &s->claim);
    s->retry.data = s->claim.data = s;
    s->open_timers = 2;
    if (o->nstreams < 1 || o->nstreams > A24_STREAM_MAX || (o->group != NULL && o->nstreams != 1) ||
        o->count < 1 || cb == NULL)
        return -1;
    s->store = store;
    s->o = *o;
    s->on_entries = cb;
    s->privdata = privdata;
    if (o->group != NULL) {
        snprintf(s->group, sizeof s->group, "%s", o->group);
        snprintf(s->consumer, sizeof s->consumer, "%s", o->consumer != NULL ? o->consumer : "");
    }
    return 0;
}

void a24_stream_start(a24_stream_t *s)
{
    if (s->closing)
        return;
    s->active = true;
    s->reading = false; /* a reconnect has called back whatever was in flight */
    s->held = false;
    s->backlog_done = false;
    if (s->o.group != NULL)
        snprintf(s->from[0], sizeof s->from[0], "0"); /* without a group: from the last seen */
    uv_timer_stop(&s->retry);
    if (s->o.group != NULL && s->o.claim_idle_ms > 0 && !uv_is_active((uv_handle_t *)&s->claim))
        uv_timer_start(&s->claim, on_claim_tick, (uint64_t)s->o.claim_every_ms,
                       (uint64_t)s->o.claim_every_ms);
    read_more(s);
}

void a24_stream_stop(a24_stream_t *s)
{
    s->active = false;
    uv_timer_stop(&s->retry);
    uv_timer_stop(&s->claim);
}

void a24_stream_resume(a24_stream_t *s)
{
    read_more(s);
}

int a24_stream_ack(a24_stream_t *s, const char *id)
{
    if (s->closing || s->o.group == NULL)
        return -1;
    return sent(
        s, a24_store_command(s->store, on_done, s, "XACK %s %s %s", s->o.streams[0], s->group, id));
}

void a24_stream_close(a24_stream_t *s, a24_stream_close_cb cb)
{
    a24_stream_stop(s);
    s->closing = true;
    s->on_close = cb;
    uv_close((uv_handle_t *)&s->retry, on_timer_closed);
    uv_close((uv_handle_t *)&s->claim, on_timer_closed);
}

void a24_stream_consumer_name(char *out, size_t len)
{
    char host[32] = "worker";
    gethostname(host, sizeof host - 1);
    snprintf(out, len, "%s-%d", host, (int)getpid());
}
