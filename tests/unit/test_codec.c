/* Unit tests of proto/codec: question and text bodies, each failure with its code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a24unit.h"
#include "codec.h"

/* Parses `body` as a question and returns the error code, or "ok". */
static const char *question_code(const char *body, const char **field)
{
    static a24_question_t q;
    a24_error_t err = {0};
    *field = NULL;
    if (a24_codec_question(body, strlen(body), &q, &err) == 0) {
        a24_question_dispose(&q);
        return "ok";
    }
    assert_int_not_equal(err.status, 0);
    assert_non_null(err.message);
    *field = err.field;
    return err.code;
}

static void codec_question_valid(void **state)
{
    (void)state;
    a24_question_t q;
    a24_error_t err;
    const char *body = "{\"text\": \"잠을 못 자요 \\ud83d\\ude22\", \"category\": \"sleep\", "
                       "\"language\": \"ko\", \"green_channel\": true, "
                       "\"selfcheck\": {\"phq9\": [0,1,2,3,0,1,2,3,1], \"gad7\": [3,3,3,3,3,3,3]}}";
    assert_int_equal(a24_codec_question(body, strlen(body), &q, &err), 0);
    assert_string_equal(q.category, "sleep");
    assert_string_equal(q.language, "ko");
    assert_true(q.green_channel);
    assert_true(q.has_phq9 && q.has_gad7);
    assert_int_equal(q.phq9[8], 1);
    assert_int_equal(q.gad7[6], 3);
    assert_non_null(strstr(q.text, "잠을"));
    a24_question_dispose(&q);
    /* The language defaults to English; nulls mean "not given". */
    body = "{\"text\": \"hi\", \"category\": \"other\", \"language\": null, \"selfcheck\": null}";
    assert_int_equal(a24_codec_question(body, strlen(body), &q, &err), 0);
    assert_string_equal(q.language, "en");
    assert_false(q.has_phq9);
    a24_question_dispose(&q);
}

static void codec_question_errors(void **state)
{
    (void)state;
    static const struct {
        const char *body, *code, *field;
    } cases[] = {
        {"", "empty_body", NULL},
        {"  \n", "empty_body", NULL},
        {"{", "invalid_json", NULL},
        {"[1]", "not_an_object", NULL},
        {"\"text\"", "not_an_object", NULL},
        {"{\"category\": \"sleep\"}", "missing_field", "text"},
        {"{\"text\": \"\", \"category\": \"sleep\"}", "text_empty", "text"},
        {"{\"text\": \" \\u3000\\u200b \", \"category\": \"sleep\"}", "text_empty", "text"},
        {"{\"text\": 5, \"category\": \"sleep\"}", "wrong_type", "text"},
        {"{\"text\": \"a\", \"category\": \"work\"}", "unknown_category", "category"},
        {"{\"text\": \"a\", \"category\": \"sleep\", \"language\": \"fr\"}", "unknown_language",
         "language"},
        {"{\"text\": \"a\", \"category\": \"sleep\", \"green_channel\": \"yes\"}", "wrong_type",
         "green_channel"},
        {"{\"text\": \"a\\u0001\", \"category\": \"sleep\"}", "control_characters", "text"},
        {"{\"text\": \"a\\u0085\", \"category\": \"sleep\"}", "control_characters", "text"},
        {"{\"text\": \"a\\u0000\", \"category\": \"sleep\"}", "control_characters", NULL},
        {"{\"text\": \"\\ud800\", \"category\": \"sleep\"}", "invalid_utf8", NULL},
        {"{\"text\": \"\xff\", \"category\": \"sleep\"}", "invalid_utf8", NULL},
        {"{\"text\": \"a\", \"category\": \"sleep\", \"text\": \"b\"}", "invalid_json", NULL},
        {"{\"text\": \"a\", \"category\": \"sleep\", \"name\": \"Kim\"}", "unknown_field", NULL},
        {"{\"text\": \"a\", \"category\": \"sleep\", \"selfcheck\": {\"phq9\": [0,0,0,0,0,0,0,0]}}",
         "invalid_selfcheck", "selfcheck.phq9"},
        {"{\"text\": \"a\", \"category\": \"sleep\", \"selfcheck\": {\"gad7\": [0,0,0,0,0,0,4]}}",
         "invalid_selfcheck", "selfcheck.gad7"},
        {"{\"text\": \"a\", \"category\": \"sleep\", \"selfcheck\": {\"phq2\": [0,0]}}",
         "unknown_field", "selfcheck"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *field;
        const char *code = question_code(cases[i].body, &field);
        if (strcmp(code, cases[i].code) != 0)
            fail_msg("case %zu: got %s, want %s", i, code, cases[i].code);
        if (cases[i].field != NULL && (field == NULL || strcmp(field, cases[i].field) != 0))
            fail_msg("case %zu: field %s, want %s", i, field ? field : "(none)", cases[i].field);
    }
}

static void codec_text_length_counts_characters(void **state)
{
    (void)state;
    a24_error_t err;
    /* 4000 Hangul syllables (12000 bytes) are 4000 characters: accepted; 4001 are not. */
    size_t n = 4001 * 3;
    char *s = malloc(n + 1);
    for (size_t i = 0; i < n; i += 3)
        memcpy(s + i, "가", 3);
    s[n] = '\0';
    assert_int_equal(a24_codec_check_text(s, n - 3, A24_TEXT_MAX_CHARS, "text", &err), 0);
    assert_int_equal(a24_codec_check_text(s, n, A24_TEXT_MAX_CHARS, "text", &err), -1);
    assert_string_equal(err.code, "text_too_long");
    free(s);
    /* Tab, CR and LF are text, not control characters. */
    assert_int_equal(a24_codec_check_text("a\tb\r\nc", 6, 10, "text", &err), 0);
}

static void codec_nesting_is_bounded(void **state)
{
    (void)state;
    size_t depth = 10000;
    char *s = malloc(2 * depth + 1);
    memset(s, '[', depth);
    memset(s + depth, ']', depth);
    s[2 * depth] = '\0';
    const char *field;
    assert_string_equal(question_code(s, &field), "too_deep");
    free(s);
    /* Brackets inside a string are text. */
    assert_string_equal(
        question_code("{\"text\": \"[[[[[[[[[[[[[[[[[[[[\", \"category\": \"sleep\"}", &field),
        "ok");
}

static void codec_text_body_and_error_shape(void **state)
{
    (void)state;
    a24_text_body_t t;
    a24_error_t err;
    const char *ok = "{\"text\": \"more\"}";
    assert_int_equal(a24_codec_text_body(ok, strlen(ok), &t, &err), 0);
    assert_int_equal(t.text_len, 4);
    a24_text_body_dispose(&t);
    const char *extra = "{\"text\": \"more\", \"to\": 1}";
    assert_int_equal(a24_codec_text_body(extra, strlen(extra), &t, &err), -1);
    assert_string_equal(err.code, "unknown_field");
    json_t *e = a24_codec_error_json(&err);
    json_t *inner = json_object_get(e, "error");
    assert_string_equal(json_string_value(json_object_get(inner, "code")), "unknown_field");
    assert_non_null(json_object_get(inner, "message"));
    assert_null(json_object_get(inner, "field"));
    assert_int_equal(json_object_size(e), 1);
    json_decref(e);
}

A24_UNIT_MAIN(cmocka_unit_test(codec_question_valid), cmocka_unit_test(codec_question_errors),
              cmocka_unit_test(codec_text_length_counts_characters),
              cmocka_unit_test(codec_nesting_is_bounded),
              cmocka_unit_test(codec_text_body_and_error_shape))
