/*
 * worker: the roles of answer24-worker sharing one loop and one Redis connection.
 */
#ifndef A24_WORKER_H
#define A24_WORKER_H

#include <stdbool.h>
#include <uv.h>

#include "config.h"
#include "store.h"

enum {
    A24_ROLE_ROUTER = 1u << 0,
    A24_ROLE_DEADLINE = 1u << 1,
    A24_ROLE_NOTIFIER = 1u << 2,
    A24_ROLE_ALL = 7u,
};

/** What this process did, for its /metrics (counted where it happens). */
typedef struct {
    unsigned long long webhooks_delivered; /* attempts answered 2xx */
    unsigned long long webhooks_failed;    /* attempts that failed and will be retried */
} a24_worker_counters_t;

typedef struct a24_worker a24_worker_t;

/**
 * One part of the worker, as its header publishes it (deadline.h, shifts.h, eraser.h,
 * memwatch.h, notifier.h, router.h, metrics.h): `start` runs it on the worker's loop,
 * NULL with one line in `err`; `stop` ends a started part, which frees itself once its
 * handles have closed.
 */
typedef struct {
    void *(*start)(a24_worker_t *w, char *err, size_t errlen);
    void (*stop)(void *part);
} a24_worker_part_t;

#define A24_WORKER_PARTS 7 /* the rows of worker.c's table */

struct a24_worker {
    uv_loop_t *loop;
    const a24_config_t *cfg;
    a24_store_t *store;
    unsigned roles;
    bool stopping;
    a24_worker_counters_t counters;
    void *parts[A24_WORKER_PARTS]; /* those started, by row of worker.c's table */
};

/** The role bits of "router", "deadline", "notifier" or "all"; 0 if unknown. */
unsigned a24_worker_roles_parse(const char *name);

/** Connects and starts the roles. -1 with one line in `err`. */
int a24_worker_init(a24_worker_t *w, uv_loop_t *loop, const a24_config_t *cfg, unsigned roles,
                    char *err, size_t errlen);

/** Stops every role and closes the connection; the loop then runs dry. */
void a24_worker_stop(a24_worker_t *w);

/** Releases what is left after the loop has stopped. */
void a24_worker_dispose(a24_worker_t *w);

#endif
