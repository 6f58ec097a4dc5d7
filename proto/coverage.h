/*
 * coverage: the hours ahead in which no expert covers a (language, category) pair,
 * from the rota and the accounts, for `answer24ctl rota gaps`, GET /api/v1/coverage/gaps
 * and the worker's coverage_gap alert, so all three see the same gaps.
 *
 * An expert (or supervisor) covers the pairs of their languages and categories while
 * their rota has them on shift; disabled accounts and other roles cover nothing, and
 * going on duty by hand outside the rota is not foreseen. The pairs are numbered
 * language * A24_COVERAGE_CATS + category (ticket.h's tables); a gap's subject is
 * "<language>:<category>" ("ko:depression").
 *
 * Must never: report a pair as covered by an account that cannot take its tickets.
 */
#ifndef A24_COVERAGE_H
#define A24_COVERAGE_H

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <stdint.h>

#include "rota.h"

#define A24_COVERAGE_CATS 8        /* room per language for ticket.h's categories */
#define A24_COVERAGE_MAX_GAPS 4096 /* enough for a month of hourly gaps in every pair */

/* a24_coverage_compute found no memory: the gaps are unknown. */
#define A24_COVERAGE_FAILED ((size_t)-1)

/**
 * The gaps of [from, to) (seconds since the epoch) out of rota_cover.lua's reply, in
 * the process' time zone (rota.timezone, set once by a24_cli_start). Writes at most `max` to `out`
 * and returns how many there are, as a24_rota_gaps does; A24_COVERAGE_FAILED (nothing
 * written) when out of memory, never 0, which would say every pair is covered.
 */
size_t a24_coverage_compute(const redisReply *reply, int64_t from, int64_t to, a24_gap_t *out,
                            size_t max);

/** The subject of pair `pair` ("ko:depression") into `out` (48 bytes). */
void a24_coverage_subject(int pair, char out[48]);

/**
 * The report of [from, to): {"from", "to", "timezone", "gaps": [{"subject", "language",
 * "category", "start", "end", "hours", "start_local", "end_local"}]}, times in RFC 3339
 * UTC and, for people, "Mon 2026-12-07 09:00" in the zone. A new reference.
 */
json_t *a24_coverage_report(const redisReply *reply, const char *zone, int64_t from, int64_t to);

#endif
