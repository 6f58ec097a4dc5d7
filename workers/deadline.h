/*
 * deadline: the engine that keeps the 24-hour promise.
 *
 * It sleeps on one libuv timer armed for the earliest entry of the schedule (read
 * with Redis' clock), wakes early when a front end publishes an earlier entry on
 * a24:wake, and polls as a backstop in case a wake-up was missed. Every due entry is
 * taken and acted on by deadline_fire.lua, which is atomic: engines can run in any
 * number and be killed at any moment without a step lost or doubled.
 *
 * Must never: decide what is due from the host clock, or act on a ticket outside the
 * script.
 */
#ifndef A24_DEADLINE_H
#define A24_DEADLINE_H

#include "worker.h"

/** The engine on the worker's loop and store. */
extern const a24_worker_part_t a24_deadline_part;

/**
 * The ladder as deadline_fire.lua reads it ("500:experts:0;800:oncall:1800000;..."),
 * with a breach step at 100% added when the configuration has none. Written to `out`.
 */
void a24_deadline_ladder_spec(const a24_config_t *cfg, char *out, size_t len);

#endif
