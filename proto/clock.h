/*
 * clock: the one place answer24 reads time and writes it for people.
 *
 * Wall time is milliseconds since the Unix epoch (a24_ms_t). Deadlines are decided by
 * Redis' TIME inside the Lua scripts, so that every process agrees; this clock is for
 * logs, local timers and formatting.
 */
#ifndef A24_CLOCK_H
#define A24_CLOCK_H

#include <stddef.h>
#include "config.h"

/** Length of an RFC 3339 UTC timestamp with milliseconds, plus the NUL. */
#define A24_RFC3339_LEN sizeof("2026-01-01T00:00:00.000Z")

/** Wall-clock milliseconds since the epoch. */
a24_ms_t a24_clock_now(void);

/** Monotonic milliseconds, for measuring intervals. */
a24_ms_t a24_clock_mono(void);

/** Formats `ms` as "YYYY-MM-DDTHH:MM:SS.mmmZ" into `out` (A24_RFC3339_LEN bytes). */
void a24_clock_format(a24_ms_t ms, char out[A24_RFC3339_LEN]);

/** The UTC day number of `ms` (days since the epoch), for keys that rotate daily. */
int64_t a24_clock_day(a24_ms_t ms);

#endif
