/*
 * shifts: the tick. Reading the rotas (rota_cover.lua: one round trip a tick, for the
 * shifts and the coverage ahead alike) and converting the clock happen here; the edge
 * and the duty change happen in rota_tick.lua, atomically. On the same tick, the gaps
 * the rota leaves ahead (proto/coverage.h) that start within alerts.coverage_warning
 * go to coverage_alert.lua in one call, which raises a coverage_gap alert once per gap
 * however many workers tick, and resolves the open ones whose gap the rota no longer
 * has (someone got a shift over it, an expert was enabled again). A gap already under
 * way when first seen, or one nobody ever covers, has no start to warn before and
 * raises nothing here; `answer24ctl rota gaps` and the dashboard list it.
 */
#include "shifts.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coverage.h"
#include "log.h"
#include "rota.h"

typedef struct {
    a24_ticker_t t; /* first: the timer, busy (the rotas' read) and stopping */
    char nudge[16];
} shifts_t;

#define COVER_ROW 6 /* strings per account in rota_cover.lua's reply */

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

/* Who is on shift now? `r` is rota_cover.lua's reply: every account with a rota. */
static void tick_shifts(shifts_t *rw, a24_store_t *store, const redisReply *r)
{
    time_t now = time(NULL);
    struct tm local;
    localtime_r(&now, &local);
    int minute = a24_rota_minute(local.tm_wday, local.tm_hour, local.tm_min);
    for (size_t i = 0; i + COVER_ROW <= r->elements; i += COVER_ROW) {
        const char *user = r->element[i]->str;
        a24_rota_t rota;
        char err[160];
        if (r->element[i]->type != REDIS_REPLY_STRING ||
            r->element[i + 1]->type != REDIS_REPLY_STRING)
            continue;
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

/* Logs each alert id of `ids` (an array of coverage_alert.lua's reply) as `event`. */
static void log_ids(const redisReply *ids, const char *event)
{
    for (size_t i = 0; ids != NULL && ids->type == REDIS_REPLY_ARRAY && i < ids->elements; i++) {
        const redisReply *e = ids->element[i];
        if (e->type == REDIS_REPLY_INTEGER)
            a24_log_info(event, "{s:I}", "alert", (json_int_t)e->integer);
        else if (e->type == REDIS_REPLY_STRING)
            a24_log_info(event, "{s:s}", "alert", e->str);
    }
}

/* coverage_alert.lua replied: the alerts raised and resolved on this tick. */
static void on_cover_checked(a24_store_t *store, redisReply *r, void *privdata)
{
    (void)store, (void)privdata;
    if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 2) {
        log_ids(r->element[0], "coverage_gap_raised");
        log_ids(r->element[1], "coverage_gap_resolved");
    } else if (r != NULL && r->type == REDIS_REPLY_ERROR)
        a24_log_error("coverage_alert_failed", "{s:s}", "error", r->str);
}

/* The Redis time (ms) rota_cover.lua read the rotas at: the reply's last element. */
static long long read_at(const redisReply *r)
{
    const redisReply *last = r->elements % COVER_ROW == 1 ? r->element[r->elements - 1] : NULL;
    return last != NULL && last->type == REDIS_REPLY_INTEGER ? last->integer : 0;
}

/*
 * The coverage ahead, in one coverage_alert.lua call a tick: every gap of rota_cover.lua's
 * reply `r` that starts by alerts.coverage_warning ahead, under way or not. The script
 * raises those starting after a tick ago (so none falls between two ticks; one running
 * at the start of that look-back began before it, and is left alone) and resolves the
 * open alerts whose gap is gone. The gaps are looked for a week past the warning, so a
 * gap's end is its real one (the rota repeats every week).
 */
static void check_gaps(shifts_t *rw, const redisReply *r)
{
    const a24_config_t *cfg = rw->t.w->cfg;
    int64_t now = (int64_t)time(NULL);
    int64_t from = now - cfg->rota.tick / 1000 - 60, warn = cfg->alerts.coverage_warning / 1000;
    from -= from % 60;
    int64_t to = now + warn + 7 * 86400 + 60;
    to -= to % 60;
    a24_gap_t *gaps = malloc(A24_COVERAGE_MAX_GAPS * sizeof *gaps);
    if (gaps == NULL)
        return;
    size_t n = a24_coverage_compute(r, from, to, gaps, A24_COVERAGE_MAX_GAPS);
    if (n == A24_COVERAGE_FAILED) { /* no gaps known is not no gaps: resolve nothing */
        free(gaps);
        return;
    }
    a24_args_t a;
    a24_args_init(&a);
    a24_args_str(&a, "oncall+supervisor");
    a24_args_int(&a, read_at(r));
    a24_args_int(&a, (long long)from);
    a24_args_bool(&a, n <= A24_COVERAGE_MAX_GAPS); /* else some are missing: raise only */
    for (size_t i = 0; i < n && i < A24_COVERAGE_MAX_GAPS; i++) {
        if (gaps[i].start > now + warn)
            break; /* (sorted by start) */
        char subject[48];
        a24_coverage_subject(gaps[i].pair, subject);
        a24_args_str(&a, subject);
        a24_args_int(&a, (long long)gaps[i].start);
        a24_args_int(&a, (long long)gaps[i].end);
    }
    free(gaps);
    a24_store_fcall(rw->t.w->store, "coverage_alert", &a, on_cover_checked, NULL);
}

/* rota_cover.lua replied: the shifts, then the coverage look-ahead. */
static void on_rotas(a24_store_t *store, redisReply *r, void *privdata)
{
    shifts_t *rw = privdata;
    rw->t.busy = false;
    if (rw->t.stopping || r == NULL || r->type != REDIS_REPLY_ARRAY)
        return;
    tick_shifts(rw, store, r);
    if (rw->t.w->cfg->alerts.coverage_warning > 0)
        check_gaps(rw, r);
}

/* Every rota.tick (unless the rotas of the last are still being read): one read. */
static int pass(a24_ticker_t *t)
{
    a24_args_t a;
    a24_args_init(&a);
    a24_args_str(&a, "stamp"); /* the read's Redis time, for check_gaps */
    return a24_store_fcall(t->w->store, "rota_cover", &a, on_rotas, t);
}

static void *shifts_start(a24_worker_t *w, char *err, size_t errlen)
{
    shifts_t *rw =
        a24_ticker_start(w, sizeof *rw, pass, 1000, (uint64_t)w->cfg->rota.tick, err, errlen);
    if (rw == NULL)
        return NULL;
    snprintf(rw->nudge, sizeof rw->nudge, "%d", w->cfg->routing.nudge);
    return &rw->t;
}

const a24_worker_part_t a24_shifts_part = {shifts_start, a24_ticker_stop};
