/*
 * stats: the desk's figures over a range of days, as on-call staff and reports need
 * them: questions submitted and answered, the share answered within the window, time
 * to answer (p50, p90), breaches and crises, per day and per category.
 *
 * The raw counts live in Redis per UTC day (a24:day:<n>, written by the transition
 * scripts); stats_days.lua reads a range in one call, and this module turns its reply
 * into the report, so the web API and answer24ctl give the same figures.
 */
#ifndef A24_STATS_H
#define A24_STATS_H

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

/** Parses "YYYY-MM-DD" into a UTC day number. 0, or -1 if malformed. */
int a24_stats_parse_day(const char *text, int64_t *day);

/** Writes day number `day` as "YYYY-MM-DD" (11 bytes with the NUL). */
void a24_stats_format_day(int64_t day, char out[11]);

/**
 * The report for days `from`..`to` from stats_days.lua's reply: {"from", "to",
 * "totals": {...}, "days": [{"date", ..., "categories": {...}}]}. A new reference.
 *
 * Two promise figures, each a percentage or null when nothing counts:
 *   answered_in_window_pct  answered in time / answered, answered questions only, by
 *                           the day the question was asked (kept for compatibility)
 *   within_window_pct       within_window / window_ended: questions answered in time
 *                           over every question whose window ended, answered or not,
 *                           by the day the window ended (its due day)
 */
json_t *a24_stats_report(const redisReply *reply, int64_t from, int64_t to);

/** Writes a report as CSV: one line per day and category, then the totals. */
void a24_stats_csv(const json_t *report, FILE *out);

#endif
