/*
 * sentinel: one question, "which Redis is the primary?", put to the sentinels in turn.
 *
 * The asynchronous query runs on the store's loop with hiredis contexts of its own:
 * connect to a sentinel, AUTH when it takes a password, SENTINEL
 * get-master-addr-by-name, and on any failure (refused, silent for
 * A24_SENTINEL_TIMEOUT_MS, an error, an unknown name) the next sentinel. A context is
 * forgotten (q->ac = NULL) before it is freed, so the callbacks hiredis still runs for
 * it see that it is no longer current and do nothing.
 *
 * Must never: free a context from inside its own callback other than by
 * redisAsyncFree (which hiredis defers), or call back twice for one question.
 */
#include "sentinel.h"

#include <hiredis/hiredis.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "refs.h"

struct a24_sentinel {
    a24_refs_t refs; /* first (refs.h): the timer; wiped with the target's secrets */
    uv_loop_t *loop;
    uv_timer_t timer;
    redisAsyncContext *ac; /* the sentinel being asked, or NULL */
    int next;              /* the sentinel to ask after this one */
    bool asking;
    a24_redis_target_t t;
    a24_sentinel_cb cb;
    void *arg;
};

static void ask_next(a24_sentinel_t *q);

/* Forgets and frees the current context (deferred by hiredis inside its callbacks). */
static void drop(a24_sentinel_t *q)
{
    redisAsyncContext *ac = q->ac;
    q->ac = NULL;
    uv_timer_stop(&q->timer);
    if (ac != NULL)
        redisAsyncFree(ac);
}

/* The current sentinel failed: log why and ask the next one. */
static void give_up(a24_sentinel_t *q, const char *why)
{
    const a24_redis_target_t *t = &q->t;
    int i = q->next - 1;
    a24_log_warn("sentinel_failed", "{s:s, s:i, s:s}", "sentinel", t->sentinels[i].host, "port",
                 t->sentinels[i].port, "error", why);
    drop(q);
    ask_next(q);
}

/* hiredis: the connection to a sentinel is up, or failed (then hiredis frees it). */
static void on_connect(const redisAsyncContext *ac, int status)
{
    a24_sentinel_t *q = ac->data;
    if (ac != q->ac || status == REDIS_OK)
        return;
    q->ac = NULL; /* hiredis frees it after this callback */
    give_up(q, ac->errstr);
}

/* hiredis: the sentinel closed the connection before it answered. */
static void on_disconnect(const redisAsyncContext *ac, int status)
{
    a24_sentinel_t *q = ac->data;
    (void)status;
    if (ac != q->ac)
        return;
    q->ac = NULL;
    give_up(q, "closed");
}

/* The sentinel's reply to AUTH. */
static void on_auth(redisAsyncContext *ac, void *r, void *privdata)
{
    a24_sentinel_t *q = ac->data;
    redisReply *reply = r;
    (void)privdata;
    if (ac != q->ac || reply == NULL || reply->type != REDIS_REPLY_ERROR)
        return;
    give_up(q, "AUTH refused: check redis.sentinel_password");
}

/* The sentinel's reply to get-master-addr-by-name: [host, port], nil or an error. */
static void on_master(redisAsyncContext *ac, void *r, void *privdata)
{
    a24_sentinel_t *q = ac->data;
    redisReply *reply = r;
    (void)privdata;
    if (ac != q->ac || reply == NULL)
        return;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
        reply->element[0]->type != REDIS_REPLY_STRING ||
        reply->element[1]->type != REDIS_REPLY_STRING ||
        reply->element[0]->len >= sizeof q->t.host) {
        give_up(q,
                reply->type == REDIS_REPLY_ERROR ? reply->str : "does not know redis.master_name");
        return;
    }
    char host[sizeof q->t.host];
    memcpy(host, reply->element[0]->str, reply->element[0]->len);
    host[reply->element[0]->len] = '\0';
    int port = atoi(reply->element[1]->str);
    drop(q);
    q->asking = false;
    q->cb(q->arg, host, port);
}

/* No answer in time. */
static void on_timeout(uv_timer_t *timer)
{
    give_up(timer->data, "timed out");
}

/* Starts asking sentinel q->next, or reports that none answered. */
static void ask_next(a24_sentinel_t *q)
{
    const a24_redis_target_t *t = &q->t;
    while (q->next < t->nsentinels) {
        int i = q->next++;
        redisAsyncContext *ac = redisAsyncConnect(t->sentinels[i].host, t->sentinels[i].port);
        if (ac == NULL || ac->err || a24_store_attach(ac, q->loop) != 0) {
            if (ac != NULL)
                redisAsyncFree(ac);
            continue;
        }
        ac->data = q;
        q->ac = ac;
        redisAsyncSetConnectCallback(ac, on_connect);
        redisAsyncSetDisconnectCallback(ac, on_disconnect);
        if (t->sentinel_password[0] != '\0')
            redisAsyncCommand(ac, on_auth, NULL, "AUTH %s", t->sentinel_password);
        redisAsyncCommand(ac, on_master, NULL, "SENTINEL get-master-addr-by-name %s",
                          t->master_name);
        uv_timer_start(&q->timer, on_timeout, A24_SENTINEL_TIMEOUT_MS, 0);
        return;
    }
    q->asking = false;
    q->cb(q->arg, NULL, 0);
}

a24_sentinel_t *a24_sentinel_create(uv_loop_t *loop, const a24_redis_target_t *t,
                                    a24_sentinel_cb cb, void *arg)
{
    a24_sentinel_t *q = calloc(1, sizeof *q);
    if (q == NULL)
        return NULL;
    q->refs.n = 1; /* the timer */
    q->refs.wipe = sizeof *q;
    q->loop = loop;
    q->t = *t;
    q->cb = cb;
    q->arg = arg;
    uv_timer_init(loop, &q->timer);
    q->timer.data = q;
    return q;
}

void a24_sentinel_ask(a24_sentinel_t *q)
{
    if (q->asking)
        return;
    q->asking = true;
    q->next = 0;
    ask_next(q);
}

void a24_sentinel_destroy(a24_sentinel_t *q)
{
    if (q == NULL)
        return;
    q->asking = false;
    drop(q);
    uv_close((uv_handle_t *)&q->timer, a24_refs_handle_closed);
}

/* ---------------------------------------------------------------- blocking */

/* Asks one sentinel on a blocking connection. 0 with t->host/port set, or -1 with `why`. */
static int ask_one_sync(a24_redis_target_t *t, int i, char *why, size_t whylen)
{
    struct timeval tv = {A24_SENTINEL_TIMEOUT_MS / 1000, (A24_SENTINEL_TIMEOUT_MS % 1000) * 1000};
    redisContext *c = redisConnectWithTimeout(t->sentinels[i].host, t->sentinels[i].port, tv);
    redisReply *r = NULL;
    int rc = -1;
    if (c == NULL || c->err) {
        snprintf(why, whylen, "%s", c != NULL ? c->errstr : "out of memory");
        goto out;
    }
    redisSetTimeout(c, tv);
    if (t->sentinel_password[0] != '\0') {
        r = redisCommand(c, "AUTH %s", t->sentinel_password);
        if (r == NULL || r->type == REDIS_REPLY_ERROR) {
            snprintf(why, whylen, "%s",
                     r == NULL ? c->errstr : "AUTH refused: check redis.sentinel_password");
            goto out;
        }
        freeReplyObject(r);
    }
    r = redisCommand(c, "SENTINEL get-master-addr-by-name %s", t->master_name);
    if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_STRING || r->element[0]->len >= sizeof t->host) {
        snprintf(why, whylen, "%s",
                 r == NULL                      ? c->errstr
                 : r->type == REDIS_REPLY_ERROR ? r->str
                                                : "does not know redis.master_name");
        goto out;
    }
    memcpy(t->host, r->element[0]->str, r->element[0]->len);
    t->host[r->element[0]->len] = '\0';
    t->port = atoi(r->element[1]->str);
    rc = 0;
out:
    if (r != NULL)
        freeReplyObject(r);
    if (c != NULL)
        redisFree(c);
    return rc;
}

int a24_sentinel_resolve_sync(a24_redis_target_t *t, char *err, size_t errlen)
{
    char why[256] = "no sentinel configured";
    for (int i = 0; i < t->nsentinels; i++) {
        if (ask_one_sync(t, i, why, sizeof why) == 0)
            return 0;
    }
    snprintf(err, errlen, "no sentinel named the primary \"%s\" (last: %s:%d: %s)", t->master_name,
             t->nsentinels > 0 ? t->sentinels[t->nsentinels - 1].host : "",
             t->nsentinels > 0 ? t->sentinels[t->nsentinels - 1].port : 0, why);
    return -1;
}
