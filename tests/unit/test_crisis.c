/*
 * test_crisis: the crisis-line directory and its loader.
 *
 * Checks the shipped proto/data/crisis_lines.json (every entry complete, the numbers of
 * the domain notes present, names in each list's language, 1393 nowhere) and that the
 * loader refuses a directory with the retired number or an unverified entry, written
 * from the shipped file with one change into a throwaway directory.
 *
 * Must never: depend on the order tests run in, or leave files behind in /tmp.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "a24unit.h"
#include "crisis.h"

static int setup(void **state)
{
    char err[256] = "";
    return a24_unit_loaded(state, a24_crisis_create(a24_unit_data_dir(), err, sizeof err), "crisis",
                           err);
}

/* Frees what setup loaded. */
static int teardown(void **state)
{
    a24_crisis_destroy(*state);
    return 0;
}

/* The string field `key` of an entry, or NULL. */
static const char *field(const json_t *entry, const char *key)
{
    return json_string_value(json_object_get(entry, key));
}

/* True when some entry of `lines` has "tel" equal to `tel`. */
static bool has_tel(const json_t *lines, const char *tel)
{
    size_t i;
    json_t *e;
    json_array_foreach(lines, i, e) if (field(e, "tel") != NULL &&
                                        strcmp(field(e, "tel"), tel) == 0) return true;
    return false;
}

/* True when some entry of `lines` mentions `what` in its "number" or "url". */
static bool mentions(const json_t *lines, const char *what)
{
    size_t i;
    json_t *e;
    json_array_foreach(lines, i, e)
    {
        if (strstr(field(e, "number"), what) != NULL || strstr(field(e, "name"), what) != NULL)
            return true;
        if (field(e, "url") != NULL && strstr(field(e, "url"), what) != NULL)
            return true;
    }
    return false;
}

/* --- the shipped directory --------------------------------------------------------- */

/* Every entry of every served language has the fields the panel and the operator need. */
static void crisis_every_entry_complete(void **state)
{
    static const char *const langs[] = {"ko", "zh", "en"};
    static const char *const required[] = {"name", "number", "hours", "source", "verified"};
    for (size_t l = 0; l < 3; l++) {
        const json_t *lines = a24_crisis_lines(*state, langs[l]);
        assert_true(json_is_array(lines));
        assert_true(json_array_size(lines) > 0);
        size_t i;
        json_t *e;
        json_array_foreach(lines, i, e)
        {
            for (size_t f = 0; f < 5; f++) {
                const char *v = field(e, required[f]);
                if (v == NULL || v[0] == '\0')
                    print_error("%s[%zu] lacks %s\n", langs[l], i, required[f]);
                assert_non_null(v);
                assert_true(v[0] != '\0');
            }
            assert_int_equal(strncmp(field(e, "source"), "https://", 8), 0);
            assert_int_equal(strncmp(field(e, "verified"), "2026-", 5), 0);
            const char *tel = field(e, "tel");
            if (tel != NULL)
                assert_int_equal(strspn(tel, "0123456789"), strlen(tel));
        }
    }
}

/* The numbers of the domain notes are there, as tel: digits, in each language. */
static void crisis_required_numbers_present(void **state)
{
    const json_t *ko = a24_crisis_lines(*state, "ko");
    assert_true(has_tel(ko, "109"));
    assert_true(has_tel(ko, "15770199"));
    assert_true(has_tel(ko, "119"));
    assert_true(has_tel(ko, "112"));
    assert_true(mentions(ko, "마들랜")); /* 109 text counselling, not a tel: entry */

    const json_t *zh = a24_crisis_lines(*state, "zh");
    assert_true(has_tel(zh, "12356"));
    assert_true(has_tel(zh, "01082951332"));
    assert_true(has_tel(zh, "120"));
    assert_true(has_tel(zh, "110"));

    const json_t *en = a24_crisis_lines(*state, "en");
    assert_true(has_tel(en, "109"));
    assert_true(has_tel(en, "12356"));
    assert_true(mentions(en, "findahelpline.com"));
    assert_true(mentions(en, "befrienders.org"));
    assert_true(mentions(en, "emergency"));
}

/* Names are in the list's language: Hangul for ko, CJK for zh, plain ASCII for en. */
static void crisis_names_in_language(void **state)
{
    size_t i;
    json_t *e;
    json_array_foreach(a24_crisis_lines(*state, "ko"), i, e)
    {
        const unsigned char *n = (const unsigned char *)field(e, "name");
        bool hangul = false;
        for (; n[0] != '\0'; n++) /* U+AC00..U+D7A3 encode as EA B0 80 .. ED 9E A3 */
            if (n[0] >= 0xEA && n[0] <= 0xED && (n[1] & 0xC0) == 0x80)
                hangul = true;
        assert_true(hangul);
    }
    json_array_foreach(a24_crisis_lines(*state, "zh"), i, e)
    {
        const unsigned char *n = (const unsigned char *)field(e, "name");
        bool han = false;
        for (; n[0] != '\0'; n++) /* U+4E00..U+9FFF encode as E4 B8 80 .. E9 BF BF */
            if (n[0] >= 0xE4 && n[0] <= 0xE9 && (n[1] & 0xC0) == 0x80)
                han = true;
        assert_true(han);
    }
    json_array_foreach(a24_crisis_lines(*state, "en"), i, e)
    {
        for (const unsigned char *n = (const unsigned char *)field(e, "name"); *n; n++)
            assert_true(*n < 0x80);
    }
}

/* The retired Korean number is in no list and nowhere in the file. */
static void crisis_1393_never_present(void **state)
{
    static const char *const langs[] = {"ko", "zh", "en"};
    for (size_t l = 0; l < 3; l++) {
        char *dump = json_dumps(a24_crisis_lines(*state, langs[l]), 0);
        assert_non_null(dump);
        assert_null(strstr(dump, "1393"));
        free(dump);
    }
    FILE *f = fopen(a24_unit_data_path("crisis_lines.json"), "r");
    assert_non_null(f);
    char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    assert_true(feof(f));
    fclose(f);
    buf[n] = '\0';
    assert_null(strstr(buf, "1393"));
}

/* Unknown, missing and regional language tags find a list; never an empty one. */
static void crisis_fallback(void **state)
{
    const json_t *en = a24_crisis_lines(*state, "en");
    assert_ptr_equal(a24_crisis_lines(*state, "fr"), en);
    assert_ptr_equal(a24_crisis_lines(*state, ""), en);
    assert_ptr_equal(a24_crisis_lines(*state, NULL), en);
    assert_ptr_equal(a24_crisis_lines(*state, "verified"), en); /* a metadata key */
    assert_ptr_equal(a24_crisis_lines(*state, "ko-KR"), a24_crisis_lines(*state, "ko"));
    assert_ptr_equal(a24_crisis_lines(*state, "ZH_tw"), a24_crisis_lines(*state, "zh"));
    assert_ptr_not_equal(a24_crisis_lines(*state, "ko"), en);
    assert_true(json_array_size(en) > 0);
    assert_null(a24_crisis_lines(NULL, "ko"));
}

/* The text serialised at load is the chosen list, made once and handed out again. */
static void crisis_serialised_once(void **state)
{
    static const char *const tags[] = {"ko", "zh", "en", "ko-KR", "fr", NULL};
    for (size_t i = 0; i < sizeof tags / sizeof *tags; i++) {
        size_t len = 0, again = 0;
        const char *text = a24_crisis_lines_json(*state, tags[i], &len);
        assert_non_null(text);
        assert_int_equal(strlen(text), len);
        assert_ptr_equal(a24_crisis_lines_json(*state, tags[i], &again), text);
        json_t *parsed = json_loads(text, 0, NULL);
        assert_non_null(parsed);
        assert_true(json_equal(parsed, a24_crisis_lines(*state, tags[i])));
        json_decref(parsed);
    }
    size_t len = 0;
    assert_ptr_equal(a24_crisis_lines_json(*state, "fr", &len),
                     a24_crisis_lines_json(*state, "en", &len));
    assert_null(a24_crisis_lines_json(NULL, "ko", &len));
}

/* --- refusals, on a changed copy of the shipped file ------------------------------ */

/* Loads the shipped file as a new JSON document to change. */
static json_t *shipped(void)
{
    json_t *root = json_load_file(a24_unit_data_path("crisis_lines.json"), 0, NULL);
    assert_non_null(root);
    return root;
}

/* Writes `root` (consumed) to a throwaway directory, tries to load it, cleans up. */
static a24_crisis_t *load_changed(json_t *root, char *err, size_t errlen)
{
    char dir[64], path[128];
    snprintf(dir, sizeof dir, "/tmp/a24-crisis-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/crisis_lines.json", dir);
    assert_int_equal(json_dump_file(root, path, JSON_INDENT(2) | JSON_ENCODE_ANY), 0);
    json_decref(root);
    a24_crisis_t *c = a24_crisis_create(dir, err, errlen);
    unlink(path);
    rmdir(dir);
    return c;
}

/* The first entry of `lang`, borrowed from `root`. */
static json_t *first(json_t *root, const char *lang)
{
    json_t *e = json_array_get(json_object_get(root, lang), 0);
    assert_non_null(e);
    return e;
}

/* An unchanged copy loads: the refusals below are down to their one change. */
static void crisis_unchanged_copy_loads(void **state)
{
    char err[256] = "";
    (void)state;
    a24_crisis_t *c = load_changed(shipped(), err, sizeof err);
    assert_non_null(c);
    a24_crisis_destroy(c);
}

/* A file with 1393 anywhere, however it is written, is refused whole. */
static void crisis_refuses_1393(void **state)
{
    static const struct {
        const char *lang, *key, *value;
    } cases[] = {
        {"ko", "number", "1393"}, {"ko", "tel", "1393"},        {"ko", "number", "13-93"},
        {"zh", "sms", "1393"},    {"en", "what", "Call 1393."}, {"en", "number", "+82 1393"},
    };
    (void)state;
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char err[256] = "";
        json_t *root = shipped();
        json_object_set_new(first(root, cases[k].lang), cases[k].key, json_string(cases[k].value));
        a24_crisis_t *c = load_changed(root, err, sizeof err);
        if (c != NULL)
            print_error("loaded with %s.%s = %s\n", cases[k].lang, cases[k].key, cases[k].value);
        assert_null(c);
        assert_non_null(strstr(err, "1393"));
    }
}

/* An entry without a verified date, or with a malformed one, is refused. */
static void crisis_refuses_missing_verified(void **state)
{
    char err[256] = "";
    (void)state;
    json_t *root = shipped();
    json_object_del(first(root, "zh"), "verified");
    assert_null(load_changed(root, err, sizeof err));
    assert_non_null(strstr(err, "verified"));

    root = shipped();
    json_object_set_new(first(root, "ko"), "verified", json_string("recently"));
    assert_null(load_changed(root, err, sizeof err));

    root = shipped();
    json_object_del(root, "verified");
    assert_null(load_changed(root, err, sizeof err));
}

/* Entries lacking another required field, and malformed tel digits, are refused. */
static void crisis_refuses_incomplete_entries(void **state)
{
    static const char *const required[] = {"name", "number", "hours", "source"};
    (void)state;
    for (size_t k = 0; k < 4; k++) {
        char err[256] = "";
        json_t *root = shipped();
        json_object_del(first(root, "en"), required[k]);
        assert_null(load_changed(root, err, sizeof err));
        assert_non_null(strstr(err, required[k]));
    }
    char err[256] = "";
    json_t *root = shipped();
    json_object_set_new(first(root, "ko"), "tel", json_string("1-0-9"));
    assert_null(load_changed(root, err, sizeof err));
}

/* A served language missing or empty is refused: a panel must never be empty. */
static void crisis_refuses_missing_language(void **state)
{
    char err[256] = "";
    (void)state;
    json_t *root = shipped();
    json_object_del(root, "en");
    assert_null(load_changed(root, err, sizeof err));

    root = shipped();
    json_array_clear(json_object_get(root, "ko"));
    assert_null(load_changed(root, err, sizeof err));
}

/* A missing directory or a file that is not JSON is refused with a message. */
static void crisis_refuses_unreadable(void **state)
{
    char err[256] = "";
    (void)state;
    assert_null(a24_crisis_create("/nonexistent/a24", err, sizeof err));
    assert_true(err[0] != '\0');
    err[0] = '\0';
    assert_null(load_changed(json_string("not an object"), err, sizeof err));
    assert_true(err[0] != '\0');
}

/* Runs every crisis_* test; each gets its own freshly loaded directory. */
static const struct CMUnitTest tests[] = {
    A24_UNIT_TEST(crisis_every_entry_complete),
    A24_UNIT_TEST(crisis_required_numbers_present),
    A24_UNIT_TEST(crisis_names_in_language),
    A24_UNIT_TEST(crisis_1393_never_present),
    A24_UNIT_TEST(crisis_fallback),
    A24_UNIT_TEST(crisis_serialised_once),
    cmocka_unit_test(crisis_unchanged_copy_loads),
    cmocka_unit_test(crisis_refuses_1393),
    cmocka_unit_test(crisis_refuses_missing_verified),
    cmocka_unit_test(crisis_refuses_incomplete_entries),
    cmocka_unit_test(crisis_refuses_missing_language),
    cmocka_unit_test(crisis_refuses_unreadable),
};

A24_UNIT_RUN(tests)
