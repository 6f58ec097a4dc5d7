/*
 * router: offers every waiting ticket to the on-duty expert who should have it.
 *
 * A consumer group ("router") on the intake stream: entries are read at least once
 * and each is acknowledged only after route.lua has run for it, so a router killed
 * mid-batch loses nothing (another takes its pending entries over with XAUTOCLAIM),
 * and the script's compare-and-set on the ticket's state makes the effect happen
 * once. Within a batch crises go first, then the green channel, then the rest in
 * arrival order. The stream is trimmed, but never above the oldest entry still
 * pending or not yet delivered; consumers are never deleted while they hold entries.
 *
 * Must never: decide an offer outside route.lua, or acknowledge an entry it did not
 * route.
 */
#ifndef A24_ROUTER_H
#define A24_ROUTER_H

#include "worker.h"

/**
 * The router on the worker's loop, with its own Redis connection; stopping it leaves the
 * entries in flight pending for the next router.
 */
extern const a24_worker_part_t a24_router_part;

#endif
