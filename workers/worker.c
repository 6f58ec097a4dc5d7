/*
 * worker: starts and stops the roles. Must never: run a role that was not asked for.
 */
#include "worker.h"

#include <string.h>

#include "deadline.h"
#include "eraser.h"
#include "memwatch.h"
#include "log.h"
#include "metrics.h"
#include "notifier.h"
#include "shifts.h"
#include "router.h"

unsigned a24_worker_roles_parse(const char *name)
{
    if (strcmp(name, "all") == 0)
        return A24_ROLE_ALL;
    if (strcmp(name, "router") == 0)
        return A24_ROLE_ROUTER;
    if (strcmp(name, "deadline") == 0)
        return A24_ROLE_DEADLINE;
    if (strcmp(name, "notifier") == 0)
        return A24_ROLE_NOTIFIER;
    return 0;
}

/* The periodic parts of the deadline role, in start order. */
typedef struct {
    a24_ticker_t **slot;
    a24_ticker_t *(*start)(a24_worker_t *w, char *err, size_t errlen);
} ticker_part_t;

/* Fills `parts` (3) with the deadline role's tickers of `w`. */
static size_t ticker_parts(a24_worker_t *w, ticker_part_t parts[3])
{
    parts[0] = (ticker_part_t){&w->rota, a24_shifts_start};
    parts[1] = (ticker_part_t){&w->eraser, a24_eraser_start};
    parts[2] = (ticker_part_t){&w->memwatch, a24_memwatch_start};
    return 3;
}

/* The deadline role: the engine, then its tickers. -1 with one line in `err`. */
static int start_deadline(a24_worker_t *w, char *err, size_t errlen)
{
    if ((w->deadline = a24_deadline_create(w, err, errlen)) == NULL)
        return -1;
    ticker_part_t parts[3];
    for (size_t i = 0, n = ticker_parts(w, parts); i < n; i++)
        if ((*parts[i].slot = parts[i].start(w, err, errlen)) == NULL)
            return -1;
    return 0;
}

int a24_worker_init(a24_worker_t *w, uv_loop_t *loop, const a24_config_t *cfg, unsigned roles,
                    char *err, size_t errlen)
{
    memset(w, 0, sizeof *w);
    w->loop = loop;
    w->cfg = cfg;
    w->roles = roles;
    w->store = a24_store_create(loop, cfg->redis.url, cfg->redis.reconnect_min,
                                cfg->redis.reconnect_max, err, errlen);
    if (w->store == NULL)
        return -1;
    /* Each part starts only if the one before it did; a failure stops what started. */
    bool failed =
        ((roles & A24_ROLE_DEADLINE) && start_deadline(w, err, errlen) != 0) ||
        ((roles & A24_ROLE_NOTIFIER) &&
         (w->notifier = a24_notifier_create(w, err, errlen)) == NULL) ||
        ((roles & A24_ROLE_ROUTER) && (w->router = a24_router_create(w, err, errlen)) == NULL) ||
        (cfg->worker.metrics_listen[0] != '\0' &&
         (w->metrics = a24_metrics_create(w, err, errlen)) == NULL);
    if (failed)
        a24_worker_stop(w);
    return failed ? -1 : 0;
}

void a24_worker_stop(a24_worker_t *w)
{
    if (w->stopping)
        return;
    w->stopping = true;
    a24_metrics_destroy(w->metrics);
    w->metrics = NULL;
    a24_router_destroy(w->router);
    w->router = NULL;
    ticker_part_t parts[3];
    for (size_t i = 0, n = ticker_parts(w, parts); i < n; i++) {
        a24_ticker_stop(*parts[i].slot);
        *parts[i].slot = NULL;
    }
    a24_deadline_destroy(w->deadline);
    w->deadline = NULL;
    a24_notifier_destroy(w->notifier);
    w->notifier = NULL;
    a24_store_destroy(w->store);
    w->store = NULL;
}

void a24_worker_dispose(a24_worker_t *w)
{
    (void)w;
}
