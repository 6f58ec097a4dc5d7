/*
 * memwatch: Redis' memory against its cap (part of the deadline role).
 *
 * Every redis.memory_check it reads INFO memory. Redis runs with maxmemory and
 * noeviction (deploy/redis.conf): when full it refuses writes, and the desk answers
 * 503, so on-call must hear of it before. Above redis.memory_alert of maxmemory,
 * redis_memory.lua raises one alert of kind redis_memory (no ticket) per crossing;
 * falling back below ends the crossing. A Redis without maxmemory is logged once as a
 * warning.
 *
 * Must never: raise a second alert for the same crossing, or write to Redis while
 * memory stays below the threshold.
 */
#ifndef A24_MEMWATCH_H
#define A24_MEMWATCH_H

#include "ticker.h"

/** Starts the checks on the worker's loop and store; a24_ticker_stop stops them. */
a24_ticker_t *a24_memwatch_start(a24_worker_t *w, char *err, size_t errlen);

#endif
