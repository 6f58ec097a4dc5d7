/*
 * eraser: one step at a time, every tick: INFO persistence (is a rewrite running? did
 * the last one we started succeed?), the mark and the last rewrite's time, GETDEL of
 * the mark, BGREWRITEAOF.
 */
#include "eraser.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "keys.h"
#include "log.h"

typedef struct {
    a24_ticker_t t;   /* first: the timer, busy and stopping */
    a24_ms_t window;  /* privacy.erase_after */
    a24_ms_t started; /* ms of the rewrite this eraser started and awaits; 0: none */
    long long taken;  /* the mark that rewrite answers */
    long long owed;   /* a mark taken but not answered, still to put back; 0: none */
} eraser_t;

long long a24_info_field(const char *info, size_t len, const char *name, long long dflt)
{
    size_t n = strlen(name);
    for (const char *p = info, *end = info + len; p < end;) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        size_t linelen = eol != NULL ? (size_t)(eol - p) : (size_t)(end - p);
        if (linelen > n && memcmp(p, name, n) == 0 && p[n] == ':') {
            char buf[32];
            size_t vlen = linelen - n - 1;
            if (vlen >= sizeof buf)
                return dflt;
            memcpy(buf, p + n + 1, vlen);
            buf[vlen] = '\0';
            char *stop;
            long long v = strtoll(buf, &stop, 10);
            return stop != buf ? v : dflt;
        }
        p += linelen + 1;
    }
    return dflt;
}

/* A reply that needs no more than a word in the log when it failed. */
static void on_restored(a24_store_t *store, redisReply *r, void *privdata)
{
    (void)store;
    if (a24_reply_failed(r))
        a24_log_error("erase_mark_lost", "{s:s}", "step", (const char *)privdata);
}

/* The mark went back (or did not: then it is still owed, and the next pass retries). */
static void on_mark_back(a24_store_t *store, redisReply *r, void *privdata)
{
    (void)store;
    eraser_t *e = privdata;
    if (a24_reply_failed(r)) {
        a24_log_warn("erase_mark_not_back", "{s:I}", "mark", (json_int_t)e->owed);
        return;
    }
    e->owed = 0;
}

/*
 * Puts a taken mark back (it is older than any mark set since, so it is the earliest).
 * Until Redis confirms, the mark is owed and every pass tries again: an erasure is never
 * forgotten because a rewrite was refused or the connection dropped.
 */
static void restore_mark(eraser_t *e, long long mark)
{
    e->owed = mark;
    if (e->t.w->store == NULL || a24_store_command(e->t.w->store, on_mark_back, e, "SET %s %lld",
                                                   A24_KEY_ERASE_PENDING, mark) != 0)
        a24_log_warn("erase_mark_not_back", "{s:I}", "mark", (json_int_t)mark);
}

/* BGREWRITEAOF replied. */
static void on_rewrite(a24_store_t *store, redisReply *r, void *privdata)
{
    eraser_t *e = privdata;
    e->t.busy = false;
    if (r == NULL || r->type == REDIS_REPLY_ERROR) {
        a24_log_warn("aof_rewrite_refused", "{s:s}", "error", r != NULL ? r->str : "disconnected");
        restore_mark(e, e->taken);
        return;
    }
    a24_ms_t now = a24_clock_now();
    e->started = now;
    a24_log_info("aof_rewrite_started", "{s:I}", "waited_ms", (json_int_t)(now - e->taken));
    a24_store_command(store, on_restored, "last", "SET %s %lld", A24_KEY_ERASE_LAST,
                      (long long)now);
}

/* GETDEL of the mark replied: ours to act on, or another worker's. */
static void on_taken(a24_store_t *store, redisReply *r, void *privdata)
{
    eraser_t *e = privdata;
    if (r == NULL || r->type != REDIS_REPLY_STRING) {
        e->t.busy = false;
        return;
    }
    e->taken = strtoll(r->str, NULL, 10);
    if (e->t.stopping) { /* taken, but no rewrite will answer it now */
        e->t.busy = false;
        restore_mark(e, e->taken);
        return;
    }
    if (a24_store_command(store, on_rewrite, e, "BGREWRITEAOF") != 0) {
        e->t.busy = false;
        restore_mark(e, e->taken);
    }
}

/* MGET of the mark and of the last rewrite's time replied: is one due? */
static void on_marks(a24_store_t *store, redisReply *r, void *privdata)
{
    eraser_t *e = privdata;
    size_t len;
    if (e->t.stopping || a24_reply_str(r, 0, &len) == NULL) {
        e->t.busy = false;
        return;
    }
    long long last = a24_reply_int(r, 1, 0);
    if (a24_clock_now() < last + e->window ||
        a24_store_command(store, on_taken, e, "GETDEL %s", A24_KEY_ERASE_PENDING) != 0)
        e->t.busy = false;
}

/* INFO persistence replied. */
static void on_info(a24_store_t *store, redisReply *r, void *privdata)
{
    eraser_t *e = privdata;
    if (e->t.stopping || r == NULL || r->type != REDIS_REPLY_STRING) {
        e->t.busy = false;
        return;
    }
    bool running = a24_info_field(r->str, r->len, "aof_rewrite_in_progress", 0) != 0 ||
                   a24_info_field(r->str, r->len, "aof_rewrite_scheduled", 0) != 0;
    if (e->started != 0 && !running) {
        bool ok = strstr(r->str, "aof_last_bgrewrite_status:ok") != NULL;
        if (ok)
            a24_log_info("aof_rewrite_done", "{s:I}", "took_ms",
                         (json_int_t)(a24_clock_now() - e->started));
        else
            a24_log_error("aof_rewrite_failed", "{s:s}", "hint", "see Redis' log; retrying");
        if (!ok)
            restore_mark(e, e->taken);
        e->started = 0;
    }
    if (running || a24_store_command(store, on_marks, e, "MGET %s %s", A24_KEY_ERASE_PENDING,
                                     A24_KEY_ERASE_LAST) != 0)
        e->t.busy = false;
}

/* Every tick (unless the last pass is still going): INFO persistence. */
static int pass(a24_ticker_t *t)
{
    eraser_t *e = (eraser_t *)t;
    if (e->owed != 0)
        restore_mark(e, e->owed);
    return a24_store_command(t->w->store, on_info, t, "INFO persistence");
}

static void *eraser_start(a24_worker_t *w, char *err, size_t errlen)
{
    /* A tenth of the window, between 100 ms and 1 s: a mark is seen well within it. */
    a24_ms_t window = w->cfg->privacy.erase_after;
    a24_ms_t tick = window / 10;
    tick = tick < 100 ? 100 : tick > 1000 ? 1000 : tick;
    eraser_t *e = a24_ticker_start(w, sizeof *e, pass, (uint64_t)tick, (uint64_t)tick, err, errlen);
    if (e == NULL)
        return NULL;
    e->window = window;
    return &e->t;
}

const a24_worker_part_t a24_eraser_part = {eraser_start, a24_ticker_stop};
