/*
 * rota: an expert's weekly shifts, whether a moment falls in one, and the gaps the
 * shifts of every expert leave ahead (a24_rota_gaps).
 *
 * Written as the operator types it: "mon-fri 09:00-17:00; sat 10:00-14:00; sun
 * 22:00-06:00" — days (mon..sun, single, comma lists or ranges), then a start and an
 * end in the rota's time zone (rota.timezone). A shift that ends at or before it
 * starts runs past midnight into the next day. Times are minutes of the week, so a
 * check is a few comparisons.
 *
 * Must never: accept a rota it cannot read back exactly (a24_rota_format gives the
 * canonical text that is stored).
 */
#ifndef A24_ROTA_H
#define A24_ROTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define A24_ROTA_MAX_SHIFTS 64

typedef struct {
    int start; /* minute of the week, Monday 00:00 = 0 */
    int end;   /* exclusive; may exceed a week's minutes for a shift past Sunday midnight */
} a24_shift_t;

typedef struct {
    a24_shift_t shifts[A24_ROTA_MAX_SHIFTS];
    size_t n;
} a24_rota_t;

/**
 * Parses a rota. Returns 0, or -1 with one line in `err` naming the part it could not
 * read.
 */
int a24_rota_parse(const char *text, a24_rota_t *rota, char *err, size_t errlen);

/**
 * True if minute `minute_of_week` (Monday 00:00 = 0, local to the rota's zone) falls in
 * one of the rota's shifts.
 */
bool a24_rota_on_shift(const a24_rota_t *rota, int minute_of_week);

/** The minute of the week of a local time (tm_wday 0 = Sunday, as in struct tm). */
int a24_rota_minute(int tm_wday, int tm_hour, int tm_min);

/** The canonical text of a rota ("mon 09:00-17:00; tue 09:00-17:00"). */
void a24_rota_format(const a24_rota_t *rota, char *out, size_t len);

/**
 * Parses quiet hours "HH:MM-HH:MM" (the end may be past midnight: "22:00-07:00") into
 * minutes of the day. "" means none (*start = *end = 0). 0, or -1 if malformed.
 */
int a24_quiet_parse(const char *text, int *start, int *end);

/**
 * Minutes from `minute_of_day` to the end of the quiet hours `start`..`end`, or 0 when
 * that minute is not in them.
 */
int a24_quiet_left(int start, int end, int minute_of_day);

/* ---------------------------------------------------------------- coverage ahead */

/** One expert as coverage sees them: their rota and the pairs they take, as bits. */
typedef struct {
    const a24_rota_t *rota;
    uint64_t pairs; /* bit i: the expert covers pair i (the caller numbers the pairs) */
} a24_cover_t;

/** A stretch in which nobody covers pair `pair`: [start, end), seconds since the epoch. */
typedef struct {
    int pair;
    int64_t start, end;
} a24_gap_t;

/**
 * The gaps of [from, to) (seconds since the epoch; `from` is taken down to its minute):
 * the stretches in which no expert's rota covers one of the pairs in `wanted`, checked
 * minute by minute in local time, so a day on which the clocks change counts its real
 * hours. A gap that runs on at `from` starts at `from`, one that runs on at `to` ends
 * there. Writes at most `max` gaps to `out`, ordered by start, then pair; returns how
 * many there are (more than `max` when `out` was too small).
 *
 * Local time is the process' time zone (a24_cli_start sets rota.timezone once).
 */
size_t a24_rota_gaps(const a24_cover_t *experts, size_t n, uint64_t wanted, int64_t from,
                     int64_t to, a24_gap_t *out, size_t max);

/**
 * Makes `zone` (rota.timezone, e.g. "Asia/Seoul") the process' local time zone. Called
 * once at start by a24_cli_start, before any thread or timer; the logs stay in UTC.
 */
void a24_rota_zone(const char *zone);

#endif
