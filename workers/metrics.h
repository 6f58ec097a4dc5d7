/*
 * metrics: the worker's /metrics (stream lag and pending entries, the deadline
 * schedule, webhook deliveries), served on worker.metrics_listen when it is set.
 */
#ifndef A24_METRICS_H
#define A24_METRICS_H

#include <stddef.h>

#include "worker.h"

typedef struct a24_metrics a24_metrics_t;

/** Listens on worker.metrics_listen and starts reading the figures. NULL with one line in `err`. */
a24_metrics_t *a24_metrics_create(a24_worker_t *w, char *err, size_t errlen);

/** Stops listening and reading; the memory goes once every handle and reply is done. */
void a24_metrics_destroy(a24_metrics_t *m);

#endif
