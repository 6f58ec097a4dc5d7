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

/** The checks on the worker's loop and store. */
extern const a24_worker_part_t a24_memwatch_part;

#endif
