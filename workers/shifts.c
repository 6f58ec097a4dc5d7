/*
 * shifts: the tick. Reading the rotas and converting the clock happen here; the edge
 * and the duty change happen in rota_tick.lua, atomically.
 */
#include "shifts.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keys.h"
#include "rota.h"
#include "log.h"

struct a24_shifts {
    a24_worker_t *w;
    uv_timer_t timer;
    bool busy, stopping;
    char nudge[16];
};

/* rota_tick.lua replied for one user. */
static void on_ticked(a24_store_t *store, redisReply *r, void *privdata)
{
    (void)store, (void)privdata;
    size_t len;
    const char *verdict = a24_reply_str(r, 0, &len);
    if (verdict != NULL && (strcmp(verdict, "started") == 0 || strcmp(verdict, "ended") == 0))
        a24_log_info("shift_changed", "{s:s, s:I}", "change", verdict, "tickets",
                     (json_int_t)a24_reply_int(r, 1, 0));
    else if (r != NULL && r->type == REDIS_REPLY_ERROR)
        a24_log_error("rota_tick_failed", "{s:s}", "error", r->str);
}

/* HGETALL a24:rota replied: who is on shift now? */
static void on_rotas(a24_store_t *store, redisReply *r, void *privdata)
{
    a24_shifts_t *rw = privdata;
    rw->busy = false;
    if (rw->stopping || r == NULL || r->type != REDIS_REPLY_ARRAY)
        return;
    time_t now = time(NULL);
    struct tm local;
    localtime_r(&now, &local);
    int minute = a24_rota_minute(local.tm_wday, local.tm_hour, local.tm_min);
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
        const char *user = r->element[i]->str;
        a24_rota_t rota;
        char err[160];
        if (a24_rota_parse(r->element[i + 1]->str, &rota, err, sizeof err) != 0) {
            a24_log_warn("rota_unreadable", "{s:s, s:s}", "username", user, "error", err);
            continue;
        }
        a24_args_t a;
        a24_args_init(&a);
        a24_args_str(&a, user);
        a24_args_bool(&a, a24_rota_on_shift(&rota, minute));
        a24_args_str(&a, rw->nudge);
        a24_store_fcall(store, "rota_tick", &a, on_ticked, NULL);
    }
}

/* Every rota.tick. */
static void on_tick(uv_timer_t *t)
{
    a24_shifts_t *rw = t->data;
    if (rw->busy || rw->stopping || rw->w->store == NULL)
        return;
    if (a24_store_command(rw->w->store, on_rotas, rw, "HGETALL %s", A24_KEY_ROTA) == 0)
        rw->busy = true;
}

a24_shifts_t *a24_shifts_create(a24_worker_t *w, char *err, size_t errlen)
{
    a24_shifts_t *rw = calloc(1, sizeof *rw);
    if (rw == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    rw->w = w;
    /* Shift times are local to the rota's zone; the logs stay in UTC (gmtime). */
    setenv("TZ", w->cfg->rota.timezone, 1);
    tzset();
    snprintf(rw->nudge, sizeof rw->nudge, "%d", w->cfg->routing.nudge);
    uv_timer_init(w->loop, &rw->timer);
    rw->timer.data = rw;
    uv_timer_start(&rw->timer, on_tick, 1000, (uint64_t)w->cfg->rota.tick);
    return rw;
}

/* The timer has closed. */
static void on_closed(uv_handle_t *h)
{
    free(h->data);
}

void a24_shifts_destroy(a24_shifts_t *rw)
{
    if (rw == NULL)
        return;
    rw->stopping = true;
    uv_close((uv_handle_t *)&rw->timer, on_closed);
}
