/*
 * test_text: the UTF-8 reader, the definition of a space, blank texts (also as the
 * question validator sees them) and the error line helper.
 *
 * Must never: depend on the order tests run in.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "a24unit.h"
#include "codec.h"
#include "text.h"

/* Decodes every character of `s`, returning how many there were. */
static size_t count(const char *s, size_t len, uint32_t *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        uint32_t c = a24_text_next(s, len, &i);
        if (n < max)
            out[n] = c;
        n++;
    }
    return n;
}

static void text_decodes_every_length(void **state)
{
    uint32_t c[8];
    (void)state;
    const char s[] = "a\xC3\xA9\xE1\x84\x80\xF0\x9F\x98\x80"; /* a é ᄀ 😀 */
    assert_int_equal(count(s, sizeof s - 1, c, 8), 4);
    assert_int_equal(c[0], 'a');
    assert_int_equal(c[1], 0xE9);
    assert_int_equal(c[2], 0x1100);
    assert_int_equal(c[3], 0x1F600);
}

/* Each broken byte reads as one U+FFFD and the reader moves on. */
static void text_invalid_sequences(void **state)
{
    uint32_t c[8];
    (void)state;
    static const char *const bad[] = {
        "\xFF", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xC3",
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        size_t len = strlen(bad[k]);
        size_t n = count(bad[k], len, c, 8);
        assert_int_equal(n, len); /* one replacement per byte */
        assert_int_equal(c[0], A24_TEXT_INVALID);
        assert_false(a24_text_valid(bad[k], len));
    }
    assert_true(a24_text_valid("\xEF\xBF\xBD ok", 6)); /* an encoded U+FFFD is valid */
    assert_true(a24_text_valid("", 0));
    /* the length, not a NUL, ends the text: a truncated sequence at the end */
    assert_int_equal(count("\xE1\x84\x80", 2, c, 8), 2);
}

static void text_put_round_trips(void **state)
{
    static const uint32_t cps[] = {0x41, 0xE9, 0x3000, 0xAC00, 0x1F600, 0x10FFFF};
    (void)state;
    for (size_t k = 0; k < sizeof cps / sizeof *cps; k++) {
        char buf[4];
        size_t w = a24_text_put(buf, cps[k]), i = 0;
        assert_int_equal(a24_text_next(buf, w, &i), cps[k]);
        assert_int_equal(i, w);
    }
}

/* Unicode White_Space, and the characters that take no room. */
static void text_spaces_and_invisibles(void **state)
{
    static const uint32_t spaces[] = {' ',    '\t',   '\n',   '\r',   0x0B,   0x0C,
                                      0x85,   0xA0,   0x1680, 0x2000, 0x2003, 0x200A,
                                      0x2028, 0x2029, 0x202F, 0x205F, 0x3000};
    static const uint32_t invisible[] = {0xAD, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x180E};
    static const uint32_t neither[] = {'a', '_', 0x200E, 0x3001, 0xAC00, 0xFFFD};
    (void)state;
    for (size_t k = 0; k < sizeof spaces / sizeof *spaces; k++)
        assert_true(a24_text_is_space(spaces[k]));
    for (size_t k = 0; k < sizeof invisible / sizeof *invisible; k++) {
        assert_true(a24_text_is_invisible(invisible[k]));
        assert_false(a24_text_is_space(invisible[k]));
    }
    for (size_t k = 0; k < sizeof neither / sizeof *neither; k++)
        assert_false(a24_text_is_space(neither[k]) || a24_text_is_invisible(neither[k]));
}

static void text_blank(void **state)
{
    (void)state;
    assert_true(a24_text_is_blank("", 0));
    assert_true(a24_text_is_blank(" \t\n", 3));
    assert_true(a24_text_is_blank("\xE2\x80\x83\xE2\x80\x83\xE2\x80\x83", 9)); /* 3 EM SPACEs */
    assert_true(a24_text_is_blank("\xE3\x80\x80\xE2\x80\x8B\xEF\xBB\xBF\xC2\xA0", 11));
    assert_false(a24_text_is_blank(" a ", 3));
    assert_false(a24_text_is_blank("\xE2\x80\x83가", 6));
}

/* The question validator uses the same definition: three EM SPACEs are an empty text. */
static void text_codec_rejects_unicode_blank(void **state)
{
    static const char *const blank[] = {
        "\xE2\x80\x83\xE2\x80\x83\xE2\x80\x83",             /* EM SPACE x3 */
        "\xE2\x80\x80\xE2\x80\x8A\xE2\x80\xAF\xE2\x81\x9F", /* en quad, hair, narrow nbsp, mmsp */
        "\xE1\x9A\x80\xE2\x80\xA8",                         /* ogham space mark, line separator */
        "\xC2\xAD\xE2\x81\xA0",                             /* soft hyphen, word joiner */
    };
    (void)state;
    for (size_t k = 0; k < sizeof blank / sizeof *blank; k++) {
        a24_error_t err = {0};
        assert_int_equal(a24_codec_check_text(blank[k], strlen(blank[k]), 4000, "text", &err), -1);
        assert_string_equal(err.code, "text_empty");
        assert_int_equal(err.status, 400);
        assert_string_equal(err.field, "text");
    }
    a24_error_t err = {0};
    assert_int_equal(a24_codec_check_text("\xE2\x80\x83ok", 5, 4000, "text", &err), 0);
}

static void text_errf(void **state)
{
    char err[16];
    (void)state;
    a24_text_errf(err, sizeof err, "risk/%s:%d", "en.txt", 12);
    assert_string_equal(err, "risk/en.txt:12");
    a24_text_errf(err, sizeof err, "%s", "a line much longer than the buffer");
    assert_int_equal(strlen(err), sizeof err - 1); /* truncated, terminated */
    a24_text_errf(NULL, 0, "ignored %d", 1);       /* no buffer: nothing happens */
}

A24_UNIT_MAIN(cmocka_unit_test(text_decodes_every_length), cmocka_unit_test(text_invalid_sequences),
              cmocka_unit_test(text_put_round_trips), cmocka_unit_test(text_spaces_and_invisibles),
              cmocka_unit_test(text_blank), cmocka_unit_test(text_codec_rejects_unicode_blank),
              cmocka_unit_test(text_errf))
