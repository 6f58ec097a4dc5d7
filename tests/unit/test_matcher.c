/*
 * test_matcher: the Aho-Corasick matcher screening is built on.
 *
 * Pins the classic overlapping case, the refusals (scan before build, add after it, an
 * empty pattern), and compares every hit with a plain search over random patterns and
 * texts, with multi-byte characters so that the dense rows near the root and the
 * failure links below them are both exercised.
 *
 * Must never: depend on the order tests run in (each test seeds its own generator).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a24unit.h"
#include "matcher.h"

struct seen {
    char found[8][16];
    int n;
};

static int record(void *ctx, uint32_t id, size_t end)
{
    static const char *const names[] = {"he", "she", "his", "hers"};
    struct seen *s = ctx;
    if (s->n < 8)
        snprintf(s->found[s->n++], sizeof s->found[0], "%s@%zu", names[id], end);
    return 0;
}

/* Overlapping patterns are all reported, in the order of their ends. */
static void matcher_reports_overlaps(void **state)
{
    static const char *const pats[] = {"he", "she", "his", "hers"};
    (void)state;
    a24_matcher_t *m = a24_matcher_create();
    assert_non_null(m);
    for (uint32_t k = 0; k < 4; k++)
        assert_int_equal(a24_matcher_add(m, pats[k], strlen(pats[k]), k), 0);
    assert_int_equal(a24_matcher_add(m, "x", 0, 9), -1);             /* empty pattern */
    assert_int_equal(a24_matcher_scan(m, "x", 1, record, NULL), -1); /* not built */
    assert_int_equal(a24_matcher_build(m), 0);
    assert_int_equal(a24_matcher_add(m, "x", 1, 9), -1); /* built: no more adds */
    struct seen s = {0};
    assert_int_equal(a24_matcher_scan(m, "ushers", 6, record, &s), 0);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.found[0], "she@4");
    assert_string_equal(s.found[1], "he@4");
    assert_string_equal(s.found[2], "hers@6");
    a24_matcher_destroy(m);
}

/* A callback's non-zero answer stops the scan and is returned. */
static int stop_at_first(void *ctx, uint32_t id, size_t end)
{
    (void)ctx, (void)id, (void)end;
    return 7;
}

static void matcher_callback_stops_scan(void **state)
{
    (void)state;
    a24_matcher_t *m = a24_matcher_create();
    assert_non_null(m);
    assert_int_equal(a24_matcher_add(m, "ab", 2, 0), 0);
    assert_int_equal(a24_matcher_build(m), 0);
    assert_int_equal(a24_matcher_scan(m, "xxabab", 6, stop_at_first, NULL), 7);
    assert_int_equal(a24_matcher_scan(m, "xxxx", 4, stop_at_first, NULL), 0);
    a24_matcher_destroy(m);
}

#define N_PATTERNS 600
#define TEXT_LEN 4000

/* Bytes of a small alphabet with multi-byte characters: plenty of partial matches. */
static const char *const pieces[] = {"a", "b", "c", "\xEA\xB0\x80", "\xEA\xB0\x81", "\xE6\xAD\xBB"};

static size_t random_string(char *out, size_t max_pieces)
{
    size_t n = 1 + (size_t)rand() % max_pieces, o = 0;
    for (size_t k = 0; k < n; k++) {
        const char *p = pieces[rand() % 6];
        memcpy(out + o, p, strlen(p));
        o += strlen(p);
    }
    return o;
}

struct tally {
    unsigned long found, sum;
};

static int count_hit(void *ctx, uint32_t id, size_t end)
{
    struct tally *t = ctx;
    t->found++;
    t->sum += (unsigned long)id * 7919u + end;
    return 0;
}

/* Every occurrence a plain search finds, and only those, over random patterns and text. */
static void matcher_agrees_with_plain_search(void **state)
{
    static char pats[N_PATTERNS][32], text[TEXT_LEN * 3];
    static size_t lens[N_PATTERNS];
    (void)state;
    srand(42);
    a24_matcher_t *m = a24_matcher_create();
    assert_non_null(m);
    for (uint32_t k = 0; k < N_PATTERNS; k++) {
        lens[k] = random_string(pats[k], 6);
        assert_int_equal(a24_matcher_add(m, pats[k], lens[k], k), 0);
    }
    assert_int_equal(a24_matcher_build(m), 0);
    size_t len = 0;
    while (len < TEXT_LEN)
        len += random_string(text + len, 1);
    struct tally want = {0}, got = {0};
    for (uint32_t k = 0; k < N_PATTERNS; k++)
        for (size_t end = lens[k]; end <= len; end++)
            if (memcmp(text + end - lens[k], pats[k], lens[k]) == 0)
                count_hit(&want, k, end);
    assert_int_equal(a24_matcher_scan(m, text, len, count_hit, &got), 0);
    assert_true(want.found > 1000); /* the comparison is worth something */
    assert_int_equal(got.found, want.found);
    assert_int_equal(got.sum, want.sum);
    a24_matcher_destroy(m);
}

A24_UNIT_MAIN(cmocka_unit_test(matcher_reports_overlaps),
              cmocka_unit_test(matcher_callback_stops_scan),
              cmocka_unit_test(matcher_agrees_with_plain_search))
