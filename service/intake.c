/*
 * intake: the questions taken in during one loop pass, written by one submit call.
 *
 * Under load several questions arrive in one pass of the loop (one read per
 * connection). Each is queued here as its handler finishes screening and sealing
 * it; a check handle, which libuv runs after the pass's reads, sends the queue as
 * one FCALL a24_submit, and the reply, one element per question, goes back to each
 * question's own callback. Redis then pays one call, one time stamp, one wake-up and
 * one set of counter updates for the lot, and the questions still get their 201 each
 * only after Redis answered for their own ticket. A full queue goes at once. With
 * redis.wait_replicas, the questions the call created join one WAIT for the batch
 * (a24_intake_wait) instead of one each.
 *
 * Must never: hand a question another question's reply; drop a queued question
 * without calling its callback; keep a handle open once the queue is sent (the
 * server closes its loop at shutdown).
 */
#include "intake.h"

#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "log.h"

#define BATCH_MAX 32 /* questions per call: about 20 KB of arguments */
#define INTAKE_BUDGET_WINDOW_MS 60000
#define IDEMPOTENCY_TTL_MS (24 * 3600 * 1000LL)
#define RATE_WINDOW_MS (3600 * 1000LL)

typedef struct {
    const a24_intake_ticket_t *t;
    a24_store_cb cb;
    void *privdata;
    a24_store_cb waited; /* joined the batch's WAIT (a24_intake_wait), or NULL */
    void *wait_privdata;
} item_t;

typedef struct a24_intake_batch {
    uv_check_t check; /* the end of the loop pass; closed when the batch is done */
    a24_app_t *app;
    int n, replying; /* questions; the one whose reply is being handed out */
    int waiting;     /* questions that joined the WAIT */
    item_t items[BATCH_MAX];
} batch_t;

/* The keys and arguments of one question (submit.lua's header). */
static void add_ticket(a24_args_t *a, const a24_intake_ticket_t *t)
{
    a24_args_keyf(a, A24_KEY_TICKET, t->ticket);
    a24_args_keyf(a, A24_KEY_AUDIT, t->ticket);
    a24_args_keyf(a, A24_KEY_IDEM, t->idem ? t->idem_tag : "none");
    a24_args_keyf(a, A24_KEY_RATE, "submit", t->tag);
    a24_args_keyf(a, A24_KEY_RATE, "crisis", t->tag);
    a24_args_str(a, t->ticket);
    a24_args_str(a, t->category);
    a24_args_str(a, t->language);
    a24_args_bool(a, t->crisis);
    a24_args_str(a, t->risk != NULL ? t->risk : "none");
    a24_args_bool(a, t->green);
    a24_args_int(a, t->window);
    a24_args_int(a, t->first_step);
    a24_args_bin(a, t->code_hash, A24_HASH_LEN);
    a24_args_bin(a, t->q, t->q_len);
    a24_args_bin(a, t->sc, t->sc_len);
    a24_args_bool(a, t->idem);
    a24_args_bin(a, t->digest, A24_HASH_LEN);
    a24_args_bin(a, t->code, sizeof t->code);
}

/* The batch's handle has closed: it can go. */
static void on_batch_closed(uv_handle_t *h)
{
    free(h->data);
}

/* WAIT replied: each question that joined it gets the reply. */
static void on_waited(a24_store_t *store, redisReply *r, void *privdata)
{
    batch_t *b = privdata;
    for (int i = 0; i < b->n; i++)
        if (b->items[i].waited != NULL)
            b->items[i].waited(store, r, b->items[i].wait_privdata);
    uv_close((uv_handle_t *)&b->check, on_batch_closed);
}

/* The reply of the whole call: each question gets its own element; then the WAIT
 * that the questions it created joined, if any. */
static void on_replies(a24_store_t *store, redisReply *r, void *privdata)
{
    batch_t *b = privdata;
    a24_app_t *app = b->app;
    bool each = r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == (size_t)b->n;
    app->intake_replying = b;
    for (b->replying = 0; b->replying < b->n; b->replying++) {
        item_t *it = &b->items[b->replying];
        it->cb(store, each ? r->element[b->replying] : r, it->privdata);
    }
    app->intake_replying = NULL;
    if (b->waiting > 0 && a24_store_wait(app->store, app->cfg->redis.wait_replicas,
                                         app->cfg->redis.wait_timeout, on_waited, b) == 0)
        return;
    on_waited(store, NULL, b); /* nothing to wait for, or WAIT could not be sent */
}

int a24_intake_wait(a24_app_t *app, a24_store_cb cb, void *privdata)
{
    batch_t *b = app->intake_replying;
    if (b == NULL)
        return -1;
    b->items[b->replying].waited = cb;
    b->items[b->replying].wait_privdata = privdata;
    b->waiting++;
    return 0;
}

/* Sends the gathered questions as one call. */
static void flush(batch_t *b)
{
    if (b->app->intake_pending == b)
        b->app->intake_pending = NULL;
    uv_check_stop(&b->check);
    const a24_config_t *cfg = b->app->cfg;
    a24_args_t a;
    a24_args_init(&a);
    a24_args_key(&a, A24_KEY_INTAKE);
    a24_args_key(&a, A24_KEY_SCHEDULE);
    a24_args_key(&a, A24_KEY_STATS);
    a24_args_keyf(&a, A24_KEY_RATE, "intake", "desk");
    a24_args_int(&a, IDEMPOTENCY_TTL_MS);
    a24_args_int(&a, cfg->limits.submissions_per_hour);
    a24_args_int(&a, RATE_WINDOW_MS);
    a24_args_int(&a, cfg->limits.crisis_submissions_per_hour);
    a24_args_int(&a, cfg->limits.intake_per_minute);
    a24_args_int(&a, INTAKE_BUDGET_WINDOW_MS);
    a24_args_int(&a, b->n);
    for (int i = 0; i < b->n; i++)
        add_ticket(&a, b->items[i].t);
    if (a24_store_fcall(b->app->store, "submit", &a, on_replies, b) != 0)
        on_replies(b->app->store, NULL, b);
}

/* The loop pass has handled its reads: send what it gathered. */
static void on_check(uv_check_t *h)
{
    flush(h->data);
}

void a24_intake_submit(a24_app_t *app, const a24_intake_ticket_t *t, a24_store_cb cb,
                       void *privdata)
{
    if (app->intake_pending == NULL) {
        batch_t *b = calloc(1, sizeof *b);
        if (b == NULL) {
            cb(app->store, NULL, privdata);
            return;
        }
        b->app = app;
        uv_check_init(app->loop, &b->check);
        b->check.data = b;
        uv_check_start(&b->check, on_check);
        app->intake_pending = b;
    }
    batch_t *b = app->intake_pending;
    b->items[b->n++] = (item_t){.t = t, .cb = cb, .privdata = privdata};
    if (b->n == BATCH_MAX)
        flush(b);
}
