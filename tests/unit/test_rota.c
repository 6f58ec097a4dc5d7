/* Unit tests of proto/rota: parsing, canonical text, and shifts across midnight. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "rota.h"

#define MIN(d, h, m) ((d)*1440 + (h)*60 + (m)) /* d: 0 = Monday */

static void rota_weekdays_range(void **state)
{
    (void)state;
    a24_rota_t r;
    char err[160];
    assert_int_equal(a24_rota_parse("mon-fri 09:00-17:00", &r, err, sizeof err), 0);
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
    char err[160];
    assert_int_equal(a24_rota_parse("sun 22:00-06:00; wed 23:30-00:30", &r, err, sizeof err), 0);
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
    char err[160], text[512], text2[512];
    assert_int_equal(a24_rota_parse("Sat,SUN 10:00-14:00 ;  tue 08:15-12:45", &r, err, sizeof err),
                     0);
    a24_rota_format(&r, text, sizeof text);
    assert_string_equal(text, "sat 10:00-14:00; sun 10:00-14:00; tue 08:15-12:45");
    assert_int_equal(a24_rota_parse(text, &again, err, sizeof err), 0);
    a24_rota_format(&again, text2, sizeof text2);
    assert_string_equal(text, text2);
    assert_int_equal(a24_rota_parse("", &r, err, sizeof err), 0);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rota_weekdays_range),
        cmocka_unit_test(rota_overnight_and_week_wrap),
        cmocka_unit_test(rota_lists_and_canonical_text),
        cmocka_unit_test(rota_rejects_nonsense),
        cmocka_unit_test(rota_minute_from_struct_tm_days),
        cmocka_unit_test(rota_quiet_hours),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
