/*
 * metrics: the worker's /metrics (stream lag and pending entries, the deadline
 * schedule, webhook deliveries), served on worker.metrics_listen when it is set.
 */
#ifndef A24_METRICS_H
#define A24_METRICS_H

#include "worker.h"

/**
 * Listens on worker.metrics_listen and reads the figures; stopping it stops listening
 * and reading, and the memory goes once every handle and reply is done.
 */
extern const a24_worker_part_t a24_metrics_part;

#endif
