/* Unit tests of proto/stats: the report's figures from per-day counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "a24unit.h"
#include "stats.h"

/* ---------------------------------------------------------------- replies by hand */

static redisReply *str(const char *s)
{
    redisReply *r = calloc(1, sizeof *r);
    r->type = REDIS_REPLY_STRING;
    r->str = strdup(s);
    r->len = strlen(s);
    return r;
}

static redisReply *arr(size_t n)
{
    redisReply *r = calloc(1, sizeof *r);
    r->type = REDIS_REPLY_ARRAY;
    r->elements = n;
    r->element = calloc(n ? n : 1, sizeof *r->element);
    return r;
}

static redisReply *integer(long long v)
{
    redisReply *r = calloc(1, sizeof *r);
    r->type = REDIS_REPLY_INTEGER;
    r->integer = v;
    return r;
}

/* One day of stats_days.lua's reply: {day, {field, value, ...}, {seconds, ...}}. */
static redisReply *day(long long n, const char *const *fields, const char *const *times)
{
    size_t nf = 0, nt = 0;
    while (fields[nf] != NULL)
        nf++;
    while (times != NULL && times[nt] != NULL)
        nt++;
    redisReply *d = arr(3), *f = arr(nf), *t = arr(nt);
    for (size_t i = 0; i < nf; i++)
        f->element[i] = str(fields[i]);
    for (size_t i = 0; i < nt; i++)
        t->element[i] = str(times[i]);
    d->element[0] = integer(n), d->element[1] = f, d->element[2] = t;
    return d;
}

static double real_of(const json_t *o, const char *name)
{
    const json_t *v = json_object_get(o, name);
    assert_true(json_is_real(v));
    return json_real_value(v);
}

static long long int_of(const json_t *o, const char *name)
{
    const json_t *v = json_object_get(o, name);
    assert_true(json_is_integer(v));
    return (long long)json_integer_value(v);
}

/* ---------------------------------------------------------------- tests */

/*
 * Day 1: 10 asked, 4 answered, all 4 in time; 10 windows ended, 4 of them within.
 * Day 2: no question asked, 2 windows ended, none answered.
 * The answered-only share says 100; the promise figure says 4/10 and 0/2, 4/12 overall.
 */
static void stats_within_window_counts_the_unanswered(void **state)
{
    (void)state;
    static const char *const d1[] = {"submitted",
                                     "10",
                                     "answered",
                                     "4",
                                     "in_window",
                                     "4",
                                     "window_ended",
                                     "10",
                                     "within_window",
                                     "4",
                                     "breaches",
                                     "6",
                                     "window_ended:stress",
                                     "3",
                                     "within_window:stress",
                                     "1",
                                     "submitted:stress",
                                     "3",
                                     NULL};
    static const char *const t1[] = {"60", "120", "30", "90", NULL};
    static const char *const d2[] = {"window_ended", "2", "breaches", "2", NULL};
    redisReply *r = arr(2);
    r->element[0] = day(20000, d1, t1);
    r->element[1] = day(20001, d2, NULL);
    json_t *report = a24_stats_report(r, 20000, 20001);
    json_t *days = json_object_get(report, "days"), *totals = json_object_get(report, "totals");
    json_t *first = json_array_get(days, 0), *second = json_array_get(days, 1);

    assert_float_equal(real_of(first, "answered_in_window_pct"), 100.0, 1e-9);
    assert_float_equal(real_of(first, "within_window_pct"), 40.0, 1e-9);
    assert_int_equal(int_of(first, "window_ended"), 10);
    assert_int_equal(int_of(first, "within_window"), 4);
    json_t *stress = json_object_get(json_object_get(first, "categories"), "stress");
    assert_float_equal(real_of(stress, "within_window_pct"), 100.0 / 3.0, 1e-9);

    assert_true(json_is_null(json_object_get(second, "answered_in_window_pct")));
    assert_float_equal(real_of(second, "within_window_pct"), 0.0, 1e-9);

    assert_int_equal(int_of(totals, "window_ended"), 12);
    assert_int_equal(int_of(totals, "within_window"), 4);
    assert_float_equal(real_of(totals, "within_window_pct"), 400.0 / 12.0, 1e-9);
    assert_float_equal(real_of(totals, "answered_in_window_pct"), 100.0, 1e-9);
    assert_int_equal(int_of(totals, "answer_seconds_p50"), 60);
    json_decref(report);
    freeReplyObject(r);
}

/* Nothing ended: no percentage, never a division by zero. */
static void stats_nothing_ended_is_null(void **state)
{
    (void)state;
    static const char *const d1[] = {"submitted", "3", NULL};
    redisReply *r = arr(1);
    r->element[0] = day(20000, d1, NULL);
    json_t *report = a24_stats_report(r, 20000, 20000);
    json_t *totals = json_object_get(report, "totals");
    assert_true(json_is_null(json_object_get(totals, "within_window_pct")));
    assert_int_equal(int_of(totals, "window_ended"), 0);
    json_decref(report);
    freeReplyObject(r);
}

/* The CSV carries the new columns, after the old ones. */
static void stats_csv_has_within_window(void **state)
{
    (void)state;
    static const char *const d1[] = {"window_ended", "4", "within_window", "3", NULL};
    redisReply *r = arr(1);
    r->element[0] = day(20000, d1, NULL);
    json_t *report = a24_stats_report(r, 20000, 20000);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    a24_stats_csv(report, out);
    fclose(out);
    assert_non_null(strstr(buf, ",crises,window_ended,within_window,within_window_pct\n"));
    assert_non_null(strstr(buf, "\ntotal,all,0,0,0,,,,0,0,4,3,75.0\n"));
    free(buf);
    json_decref(report);
    freeReplyObject(r);
}

A24_UNIT_MAIN(cmocka_unit_test(stats_within_window_counts_the_unanswered),
              cmocka_unit_test(stats_nothing_ended_is_null),
              cmocka_unit_test(stats_csv_has_within_window))
