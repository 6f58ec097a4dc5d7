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

/*
 * The parts in start order, each with the roles that run it (0: run whenever
 * worker.metrics_listen is set). They stop in the opposite order.
 */
static const struct {
    unsigned roles;
    const a24_worker_part_t *part;
} parts[A24_WORKER_PARTS] = {
    {A24_ROLE_DEADLINE, &a24_deadline_part},
    {A24_ROLE_DEADLINE, &a24_shifts_part},
    {A24_ROLE_DEADLINE, &a24_eraser_part},
    {A24_ROLE_DEADLINE, &a24_memwatch_part},
    {A24_ROLE_NOTIFIER, &a24_notifier_part},
    {A24_ROLE_ROUTER, &a24_router_part},
    {0, &a24_metrics_part},
};

/* Whether part `i` of the table runs in `w`. */
static bool runs(const a24_worker_t *w, size_t i)
{
    return parts[i].roles != 0 ? (w->roles & parts[i].roles) != 0
                               : w->cfg->worker.metrics_listen[0] != '\0';
}

int a24_worker_init(a24_worker_t *w, uv_loop_t *loop, const a24_config_t *cfg, unsigned roles,
                    char *err, size_t errlen)
{
    memset(w, 0, sizeof *w);
    w->loop = loop;
    w->cfg = cfg;
    w->roles = roles;
    w->store = a24_store_open(loop, cfg, err, errlen);
    if (w->store == NULL)
        return -1;
    /* Each part starts only if the one before it did; a failure stops what started. */
    for (size_t i = 0; i < A24_WORKER_PARTS; i++) {
        if (runs(w, i) && (w->parts[i] = parts[i].part->start(w, err, errlen)) == NULL) {
            a24_worker_stop(w);
            return -1;
        }
    }
    return 0;
}

void a24_worker_stop(a24_worker_t *w)
{
    if (w->stopping)
        return;
    w->stopping = true;
    for (size_t i = A24_WORKER_PARTS; i-- > 0;) {
        if (w->parts[i] != NULL)
            parts[i].part->stop(w->parts[i]);
        w->parts[i] = NULL;
    }
    a24_store_destroy(w->store);
    w->store = NULL;
}

void a24_worker_dispose(a24_worker_t *w)
{
    (void)w;
}
