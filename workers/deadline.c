/*
 * deadline: timer, wake-ups and the fire script's results.
 *
 * The engine keeps an estimate of Redis' clock (the offset between Redis' TIME, as
 * the script returns it, and the local monotonic clock) only to choose how long to
 * sleep; what is due is decided by the script alone, so a wrong estimate can make the
 * engine wake early (and find nothing) but never fire early.
 */
#include "deadline.h"

#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "grow.h"
#include "keys.h"
#include "log.h"
#include "refs.h"
#include "rota.h"

/* Entries one script call takes (more are taken at once after): small enough that a
 * backlog never holds Redis from submits and claims for long. */
#define BATCH 100
#define PURGE_EVERY_MS (3600 * 1000) /* retention is counted in days: hourly is plenty */

typedef struct a24_deadline a24_deadline_t;

struct a24_deadline {
    a24_refs_t refs; /* first (refs.h): the two timers */
    a24_worker_t *w;
    a24_store_t *sub; /* subscribed to a24:wake; takes no other command */
    uv_timer_t timer;
    uv_timer_t purge; /* forgets tickets past privacy.retention */
    bool busy;        /* a fire script is in flight */
    bool again;       /* a wake-up came while busy */
    bool stopping;
    a24_ms_t offset; /* Redis time minus local monotonic time */
    a24_ms_t sent;   /* local monotonic time the fire script was sent */
    a24_ms_t armed;  /* the Redis time the timer is armed for; -1 when idle */
    char ladder[512];
    int quiet_start, quiet_end; /* minutes of the day in rota.timezone; equal: none */
    char batch[16], crisis_repeat[24], ack_timeout[24], escalate_after[16], quiet_until[24];
};

static void fire(a24_deadline_t *d);

/* The timer ran out: look at the schedule. */
static void on_timer(uv_timer_t *t)
{
    fire(t->data);
}

void a24_deadline_ladder_spec(const a24_config_t *cfg, char *out, size_t len)
{
    static const char *const names[] = {"experts", "oncall", "supervisor"};
    size_t o = 0;
    bool breach = false;
    out[0] = '\0';
    for (size_t i = 0; i < cfg->escalation_len; i++) {
        const a24_escalation_step_t *s = &cfg->escalation[i];
        char notify[64] = "";
        for (int b = 0; b < 3; b++)
            if (s->notify & (1u << b))
                strcat(strcat(notify, notify[0] != '\0' ? "+" : ""), names[b]);
        o += (size_t)snprintf(out + o, o < len ? len - o : 0, "%s%d:%s:%lld", o > 0 ? ";" : "",
                              s->at_permille, notify[0] != '\0' ? notify : "oncall",
                              (long long)s->repeat);
        breach |= s->at_permille >= 1000;
    }
    /* A deadline never passes silently, whatever the ladder says. */
    if (!breach)
        snprintf(out + o, o < len ? len - o : 0, "%s1000:oncall+supervisor:%lld", o > 0 ? ";" : "",
                 (long long)cfg->alerts.crisis_repeat);
}

/* Arms the timer for Redis time `at` (or the backstop poll, whichever is sooner). */
static void arm(a24_deadline_t *d, a24_ms_t at)
{
    if (d->stopping)
        return;
    a24_ms_t now = a24_clock_mono() + d->offset;
    a24_ms_t delay = d->w->cfg->alerts.poll;
    if (at >= 0 && at - now < delay)
        delay = at - now > 0 ? at - now : 0;
    d->armed = at >= 0 && at - now < d->w->cfg->alerts.poll ? at : -1;
    uv_timer_start(&d->timer, on_timer, (uint64_t)delay, 0);
}

/* deadline_fire.lua replied. */
static void on_fired(a24_store_t *store, redisReply *r, void *privdata)
{
    (void)store;
    a24_deadline_t *d = privdata;
    d->busy = false;
    a24_log_debug("deadline_reply", "{s:i, s:b}", "type", r != NULL ? r->type : -1, "stopping",
                  d->stopping);
    if (d->stopping)
        return;
    if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements < 3) {
        if (r != NULL && r->type == REDIS_REPLY_ERROR)
            a24_log_error("deadline_script_failed", "{s:s}", "error", r->str);
        arm(d, -1);
        return;
    }
    long long fired = r->element[0]->integer, next = r->element[1]->integer;
    long long now = r->element[2]->integer;
    /* The script read TIME after it was sent: measured from the send, the estimate errs
     * towards waking early (the script then finds nothing due), never late. */
    d->offset = now - d->sent;
    if (fired > 0)
        a24_log_info("deadline_fired", "{s:I}", "events", (json_int_t)fired);
    if (d->again || (next >= 0 && next <= now)) {
        d->again = false;
        arm(d, 0); /* more is due already (a full batch, or a wake-up while busy) */
    } else {
        arm(d, next);
    }
}

/* Takes what is due (the timer's callback). */
static void fire(a24_deadline_t *d)
{
    if (d->stopping)
        return;
    if (d->busy) {
        d->again = true;
        return;
    }
    /* The quiet hours are local time; what is due stays the script's (Redis') call. */
    time_t now = time(NULL);
    struct tm local;
    localtime_r(&now, &local);
    int left = a24_quiet_left(d->quiet_start, d->quiet_end, local.tm_hour * 60 + local.tm_min);
    snprintf(d->quiet_until, sizeof d->quiet_until, "%lld",
             left > 0 ? (long long)now * 1000 + ((long long)left * 60 - local.tm_sec) * 1000 : 0LL);
    a24_args_t a;
    a24_args_init(&a);
    a24_args_keys(&a, A24_KEY_SCHEDULE, A24_KEY_ALERTS, A24_KEY_ALERTS_SEQ, A24_KEY_ALERTS_OPEN,
                  A24_KEY_STATS, A24_KEY_INTAKE, NULL);
    a24_args_strs(&a, d->batch, d->ladder, d->crisis_repeat, d->ack_timeout, d->escalate_after,
                  A24_PREFIX_TICKET, A24_PREFIX_ALERT, A24_SUFFIX_AUDIT, d->quiet_until, NULL);
    d->sent = a24_clock_mono();
    if (a24_store_fcall(d->w->store, "deadline_fire", &a, on_fired, d) == 0)
        d->busy = true;
    else
        arm(d, -1); /* Redis is away: try again at the next poll */
}

/* purge.lua replied: say what went, and go on if more is due. */
static void on_purged(a24_store_t *store, redisReply *r, void *privdata);

/* Every PURGE_EVERY_MS (and soon after start): forget what retention says to. */
static void on_purge_tick(uv_timer_t *t)
{
    a24_deadline_t *d = t->data;
    if (d->stopping)
        return;
    a24_args_t a;
    a24_args_init(&a);
    a24_args_int(&a, (long long)d->w->cfg->privacy.retention);
    a24_args_int(&a, 1000);
    a24_store_fcall(d->w->store, "purge", &a, on_purged, d);
}

static void on_purged(a24_store_t *store, redisReply *r, void *privdata)
{
    (void)store;
    a24_deadline_t *d = privdata;
    if (d->stopping || r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements < 3)
        return;
    if (r->element[0]->integer > 0 || r->element[2]->integer > 0)
        a24_log_info("purged", "{s:I,s:I}", "tickets", (json_int_t)r->element[0]->integer,
                     "incidents", (json_int_t)r->element[2]->integer);
    if (r->element[1]->integer > 0)
        on_purge_tick(&d->purge);
}

/* A front end added a schedule entry at the published time. */
static void on_wake(a24_store_t *store, redisReply *r, void *privdata)
{
    (void)store;
    a24_deadline_t *d = privdata;
    if (r == NULL || d->stopping || r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
        r->element[2]->type != REDIS_REPLY_STRING)
        return; /* the NULL of a lost connection, or the subscription's confirmation */
    a24_ms_t at = strtoll(r->element[2]->str, NULL, 10);
    if (d->armed >= 0 && at >= d->armed)
        return;
    /* Never put off a timer that runs out sooner (the backstop poll included): with a
     * wake-up more often than alerts.poll, restarting it would starve the engine. */
    a24_ms_t now = a24_clock_mono() + d->offset;
    if (uv_is_active((uv_handle_t *)&d->timer) &&
        at - now >= (a24_ms_t)uv_timer_get_due_in(&d->timer))
        return;
    arm(d, at);
}

/* The subscriber connection is (again) up: subscribe, and catch up on what we missed. */
static void on_sub_ready(void *arg)
{
    a24_deadline_t *d = arg;
    if (a24_store_subscribe(d->sub, A24_CHANNEL_WAKE, on_wake, d) != 0)
        a24_log_warn("deadline_subscribe_failed", NULL);
    fire(d);
}

/* The command connection is (again) up: look at the schedule now. */
static void on_store_ready(void *arg)
{
    fire(arg);
}

static void *deadline_start(a24_worker_t *w, char *err, size_t errlen)
{
    a24_deadline_t *d = a24_alloc_or_err(sizeof *d, err, errlen);
    if (d == NULL)
        return NULL;
    const a24_config_t *cfg = w->cfg;
    d->w = w;
    d->armed = -1;
    a24_deadline_ladder_spec(cfg, d->ladder, sizeof d->ladder);
    a24_quiet_parse(cfg->alerts.quiet_hours, &d->quiet_start, &d->quiet_end); /* checked */
    snprintf(d->batch, sizeof d->batch, "%d", BATCH);
    snprintf(d->crisis_repeat, sizeof d->crisis_repeat, "%lld",
             (long long)cfg->alerts.crisis_repeat);
    snprintf(d->ack_timeout, sizeof d->ack_timeout, "%lld", (long long)cfg->alerts.ack_timeout);
    snprintf(d->escalate_after, sizeof d->escalate_after, "%d", cfg->alerts.escalate_after);
    d->sub = a24_store_open(w->loop, cfg, err, errlen);
    if (d->sub == NULL) {
        free(d);
        return NULL;
    }
    uv_timer_init(w->loop, &d->timer);
    uv_timer_init(w->loop, &d->purge);
    d->timer.data = d->purge.data = d;
    d->refs.n = 2; /* the two timers */
    uv_timer_start(&d->purge, on_purge_tick, 10000, PURGE_EVERY_MS);
    a24_store_on_ready(d->sub, on_sub_ready, d);
    a24_store_on_ready(w->store, on_store_ready, d);
    a24_log_info("deadline_started", "{s:s}", "ladder", d->ladder);
    return d;
}

static void deadline_stop(void *part)
{
    a24_deadline_t *d = part;
    d->stopping = true;
    a24_store_destroy(d->sub);
    uv_close((uv_handle_t *)&d->timer, a24_refs_handle_closed);
    uv_close((uv_handle_t *)&d->purge, a24_refs_handle_closed);
}

const a24_worker_part_t a24_deadline_part = {deadline_start, deadline_stop};
