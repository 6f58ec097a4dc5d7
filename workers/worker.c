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
    if ((roles & A24_ROLE_DEADLINE) && (w->deadline = a24_deadline_create(w, err, errlen)) == NULL)
        goto error;
    if ((roles & A24_ROLE_DEADLINE) && (w->rota = a24_shifts_create(w, err, errlen)) == NULL)
        goto error;
    if ((roles & A24_ROLE_DEADLINE) && (w->eraser = a24_eraser_create(w, err, errlen)) == NULL)
        goto error;
    if ((roles & A24_ROLE_DEADLINE) && (w->memwatch = a24_memwatch_create(w, err, errlen)) == NULL)
        goto error;
    if ((roles & A24_ROLE_NOTIFIER) && (w->notifier = a24_notifier_create(w, err, errlen)) == NULL)
        goto error;
    if ((roles & A24_ROLE_ROUTER) && (w->router = a24_router_create(w, err, errlen)) == NULL)
        goto error;
    if (cfg->worker.metrics_listen[0] != '\0' &&
        (w->metrics = a24_metrics_create(w, err, errlen)) == NULL)
        goto error;
    return 0;
error:
    a24_worker_stop(w);
    return -1;
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
    a24_shifts_destroy(w->rota);
    w->rota = NULL;
    a24_eraser_destroy(w->eraser);
    w->eraser = NULL;
    a24_memwatch_destroy(w->memwatch);
    w->memwatch = NULL;
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
