/* Unit tests of proto/rota: parsing, canonical text, shifts across midnight, and the
 * coverage gaps ahead in the rota's time zone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>
#include <time.h>

#include "a24unit.h"
#include "rota.h"

#define MIN(d, h, m) ((d)*1440 + (h)*60 + (m)) /* d: 0 = Monday */

/* Parses a rota that must be good into `r`; the test fails, naming the error, if not. */
static void parse_ok(const char *text, a24_rota_t *r)
{
    char err[160];
    if (a24_rota_parse(text, r, err, sizeof err) != 0)
        fail_msg("%s: %s", text, err);
}

static void rota_weekdays_range(void **state)
{
    (void)state;
    a24_rota_t r;
    parse_ok("mon-fri 09:00-17:00", &r);
    assert_int_equal(r.n, 5);
    assert_true(a24_rota_on_shift(&r, MIN(0, 9, 0)));
    assert_true(a24_rota_on_shift(&r, MIN(4, 16, 59)));
    assert_false(a24_rota_on_shift(&r, MIN(4, 17, 0)));
    assert_false(a24_rota_on_shift(&r, MIN(5, 10, 0)));
    assert_false(a24_rota_on_shift(&r, MIN(0, 8, 59)));
}

static void rota_overnight_and_week_wrap(void **state)
{
    (void)state;
    a24_rota_t r;
    parse_ok("sun 22:00-06:00; wed 23:30-00:30", &r);
    assert_true(a24_rota_on_shift(&r, MIN(6, 23, 0)));
    assert_true(a24_rota_on_shift(&r, MIN(0, 5, 59))); /* Monday morning, after Sunday */
    assert_false(a24_rota_on_shift(&r, MIN(0, 6, 0)));
    assert_true(a24_rota_on_shift(&r, MIN(3, 0, 15)));
    assert_false(a24_rota_on_shift(&r, MIN(2, 0, 15)));
}

static void rota_lists_and_canonical_text(void **state)
{
    (void)state;
    a24_rota_t r, again;
    char text[512], text2[512];
    parse_ok("Sat,SUN 10:00-14:00 ;  tue 08:15-12:45", &r);
    a24_rota_format(&r, text, sizeof text);
    assert_string_equal(text, "sat 10:00-14:00; sun 10:00-14:00; tue 08:15-12:45");
    parse_ok(text, &again);
    a24_rota_format(&again, text2, sizeof text2);
    assert_string_equal(text, text2);
    parse_ok("", &r);
    assert_int_equal(r.n, 0);
}

static void rota_rejects_nonsense(void **state)
{
    (void)state;
    a24_rota_t r;
    char err[160];
    const char *bad[] = {
        "monday 09:00-17:00",    "mon 9-17",        "mon 25:00-26:00", "09:00-17:00",
        "mon 09:00-17:00 extra", "xyz 09:00-10:00", "mon 09:60-10:00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(a24_rota_parse(bad[i], &r, err, sizeof err), -1);
        assert_non_null(strstr(err, "rota:"));
        assert_null(strchr(err, '\n'));
    }
}

static void rota_minute_from_struct_tm_days(void **state)
{
    (void)state;
    assert_int_equal(a24_rota_minute(1, 0, 0), 0);                /* Monday */
    assert_int_equal(a24_rota_minute(0, 23, 59), MIN(6, 23, 59)); /* Sunday */
}

static void rota_quiet_hours(void **state)
{
    (void)state;
    int s, e;
    assert_int_equal(a24_quiet_parse("22:00-07:00", &s, &e), 0);
    assert_int_equal(a24_quiet_left(s, e, 23 * 60), 8 * 60);
    assert_int_equal(a24_quiet_left(s, e, 6 * 60 + 59), 1);
    assert_int_equal(a24_quiet_left(s, e, 7 * 60), 0);
    assert_int_equal(a24_quiet_left(s, e, 12 * 60), 0);
    assert_int_equal(a24_quiet_parse("", &s, &e), 0);
    assert_int_equal(a24_quiet_left(s, e, 0), 0);
    assert_int_equal(a24_quiet_parse("22:00", &s, &e), -1);
    assert_int_equal(a24_quiet_parse("10:00-10:00", &s, &e), -1);
}

/* Seconds since the epoch of a UTC date and time. */
static int64_t utc(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {
        .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
    return (int64_t)timegm(&tm);
}

/* An expert of a gaps test as written: the rota's text and the pairs the expert covers. */
typedef struct {
    const char *rota;
    unsigned pairs;
} expert_t;

/* The experts of a gaps test, parsed: each one's rota and its cover. */
typedef struct {
    a24_rota_t rota[2];
    a24_cover_t cover[2];
} experts_t;

/* Sets the rota time zone and parses the `n` experts given (whose rotas must be good). */
static void experts_in(const char *zone, const expert_t *given, size_t n, experts_t *e)
{
    assert_true(n <= sizeof e->rota / sizeof e->rota[0]);
    a24_rota_zone(zone);
    for (size_t i = 0; i < n; i++) {
        parse_ok(given[i].rota, &e->rota[i]);
        e->cover[i] = (a24_cover_t){&e->rota[i], given[i].pairs};
    }
}

/*
 * Seoul (UTC+9): the only expert of pair 0 works mon-fri 09:00-17:00 local; pair 1 is
 * covered day and night by another. The week from Monday 00:00 local has six gaps, all
 * of pair 0, at the local hours, not the UTC ones.
 */
static void rota_gaps_in_the_rota_zone(void **state)
{
    (void)state;
    static const expert_t given[] = {{"mon-fri 09:00-17:00", 1u}, {"mon-sun 00:00-24:00", 2u}};
    experts_t e;
    experts_in("Asia/Seoul", given, 2, &e);
    int64_t from = utc(2026, 12, 6, 15, 0); /* Monday 7 December 00:00 in Seoul */
    a24_gap_t gaps[16];
    size_t n = a24_rota_gaps(e.cover, 2, 3u, from, from + 7 * 86400, gaps, 16);
    assert_int_equal(n, 6);
    assert_int_equal(gaps[0].pair, 0);
    assert_int_equal(gaps[0].start, from);
    assert_int_equal(gaps[0].end, from + 9 * 3600);
    assert_int_equal(gaps[1].start, from + 17 * 3600);
    assert_int_equal(gaps[1].end, from + 33 * 3600);
    assert_int_equal(gaps[5].start, from + 4 * 86400 + 17 * 3600); /* Friday 17:00 ... */
    assert_int_equal(gaps[5].end, from + 7 * 86400);               /* ... to the end */
    for (size_t i = 0; i < n; i++)
        assert_int_equal(gaps[i].pair, 0);
    a24_rota_zone("UTC");
}

/* Berlin springs forward on 29 March 2026: the gap sun 00:00-04:00 lasts 3 real hours. */
static void rota_gaps_count_real_hours_when_clocks_change(void **state)
{
    (void)state;
    static const expert_t given[] = {{"mon-sat 00:00-24:00; sun 04:00-24:00", 4u}};
    experts_t e;
    experts_in("Europe/Berlin", given, 1, &e);
    a24_gap_t gaps[4];
    size_t n =
        a24_rota_gaps(e.cover, 1, 4u, utc(2026, 3, 28, 12, 0), utc(2026, 3, 30, 0, 0), gaps, 4);
    assert_int_equal(n, 1);
    assert_int_equal(gaps[0].pair, 2);
    assert_int_equal(gaps[0].start, utc(2026, 3, 28, 23, 0)); /* 00:00 CET */
    assert_int_equal(gaps[0].end, utc(2026, 3, 29, 2, 0));    /* 04:00 CEST */
    n = a24_rota_gaps(e.cover, 1, 4u, utc(2026, 3, 21, 12, 0), utc(2026, 3, 23, 0, 0), gaps, 4);
    assert_int_equal(n, 1);
    assert_int_equal(gaps[0].end - gaps[0].start, 4 * 3600); /* an ordinary Sunday */
    a24_rota_zone("UTC");
}

/*
 * A pair nobody takes is one gap over the whole range; a gap already under way starts at
 * `from` (taken down to its minute) and one under way at the end ends there; two experts together
 * close a gap neither closes alone; a short `out` still tells how many gaps there are.
 */
static void rota_gaps_edges(void **state)
{
    (void)state;
    static const expert_t given[] = {{"mon-sun 06:00-14:00", 1u}, {"mon-sun 14:00-06:00", 1u}};
    experts_t e;
    experts_in("UTC", given, 2, &e);
    a24_gap_t gaps[2];
    int64_t from = utc(2026, 12, 7, 3, 0) + 30; /* Monday 03:00:30 */
    assert_int_equal(a24_rota_gaps(e.cover, 2, 1u, from, from + 7 * 86400, gaps, 2), 0);
    assert_int_equal(a24_rota_gaps(e.cover, 1, 1u, from, from + 86400, gaps, 2), 2);
    assert_int_equal(gaps[0].start, from - 30);
    assert_int_equal(gaps[0].end, utc(2026, 12, 7, 6, 0));
    assert_int_equal(gaps[1].start, utc(2026, 12, 7, 14, 0));
    assert_int_equal(a24_rota_gaps(e.cover, 2, 3u, from, from + 3 * 86400, gaps, 1), 1);
    assert_int_equal(gaps[0].pair, 1);
    assert_int_equal(gaps[0].end, from + 3 * 86400);
    assert_int_equal(a24_rota_gaps(e.cover, 1, 1u, from, from + 3 * 86400, gaps, 1), 4);
}

A24_UNIT_MAIN(cmocka_unit_test(rota_weekdays_range), cmocka_unit_test(rota_overnight_and_week_wrap),
              cmocka_unit_test(rota_lists_and_canonical_text),
              cmocka_unit_test(rota_rejects_nonsense),
              cmocka_unit_test(rota_minute_from_struct_tm_days), cmocka_unit_test(rota_quiet_hours),
              cmocka_unit_test(rota_gaps_in_the_rota_zone),
              cmocka_unit_test(rota_gaps_count_real_hours_when_clocks_change),
              cmocka_unit_test(rota_gaps_edges))
