/*
 * test_screening: the risk phrase lists and a24_screening_check.
 *
 * Classifies every line of proto/data/screening_examples.tsv as labelled, then pins the
 * matching rules one by one (spacing, case, apostrophes, word boundaries, traditional and
 * simplified Chinese, lists applied across languages, PHQ-9 item 9) and the loader's
 * refusals, on lists written to a throwaway directory.
 *
 * Must never: depend on the order tests run in, or leave files behind in /tmp.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "screening.h"

#define MIN_EXAMPLES_PER_LANGUAGE 20

/* The shipped data directory: $A24_SOURCE_DIR/proto/data (ctest), else the build default. */
static const char *data_dir(void)
{
    static char dir[4096];
    const char *src = getenv("A24_SOURCE_DIR");
    if (src == NULL || src[0] == '\0')
        return A24_DEFAULT_DATA_DIR;
    snprintf(dir, sizeof dir, "%s/proto/data", src);
    return dir;
}

/* Loads the shipped lists once per test (cmocka setup). */
static int setup(void **state)
{
    char err[256] = "";
    a24_screening_t *s = a24_screening_create(data_dir(), err, sizeof err);
    if (s == NULL)
        fprintf(stderr, "screening: %s\n", err);
    *state = s;
    return s == NULL ? -1 : 0;
}

/* Frees what setup loaded. */
static int teardown(void **state)
{
    a24_screening_destroy(*state);
    return 0;
}

/* Screens a NUL-terminated text with no self-check. */
static a24_risk_reason_t check(void **state, const char *text)
{
    return a24_screening_check(*state, text, strlen(text), NULL);
}

/* --- a throwaway data directory ------------------------------------------------ */

/* nftw callback: removes one file or (emptied) directory. */
static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

/* Creates <tmp>/risk and returns the new directory's path in `dir`. */
static void make_temp_data_dir(char *dir, size_t len)
{
    snprintf(dir, len, "/tmp/a24-screening-XXXXXX");
    assert_non_null(mkdtemp(dir));
    char risk[4096];
    snprintf(risk, sizeof risk, "%s/risk", dir);
    assert_int_equal(mkdir(risk, 0700), 0);
}

/* Writes `body` to <dir>/risk/<name>. */
static void write_list(const char *dir, const char *name, const char *body)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/risk/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(body, f);
    assert_int_equal(fclose(f), 0);
}

/* Removes a directory made by make_temp_data_dir, with everything in it. */
static void remove_temp_data_dir(const char *dir)
{
    nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* --- the examples file ----------------------------------------------------------- */

/* Undoes the file's escapes in place: \n, \t and \\. */
static void unescape(char *s)
{
    char *o = s;
    for (; *s != '\0'; s++) {
        if (*s == '\\' && (s[1] == 'n' || s[1] == 't' || s[1] == '\\')) {
            s++;
            *o++ = *s == 'n' ? '\n' : *s == 't' ? '\t' : '\\';
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
}

/* Every example in screening_examples.tsv is classified as its label says. */
static void screening_examples_classified_as_labelled(void **state)
{
    static const char *const langs[] = {"ko", "zh", "en"};
    int crisis[3] = {0}, none[3] = {0};
    char path[4096];
    assert_true(snprintf(path, sizeof path, "%s/screening_examples.tsv", data_dir()) <
                (int)sizeof path);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0, wrong = 0, total = 0;
    while (getline(&line, &cap, f) != -1) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *lang = strtok(line, "\t");
        char *expected = strtok(NULL, "\t");
        char *text = strtok(NULL, "\t");
        if (lang == NULL || expected == NULL || text == NULL) {
            print_error("screening_examples.tsv:%d: fewer than three columns\n", lineno);
            wrong++;
            continue;
        }
        int l = -1;
        for (int k = 0; k < 3; k++)
            if (strcmp(lang, langs[k]) == 0)
                l = k;
        bool want_crisis = strcmp(expected, "crisis") == 0;
        if (l < 0 || (!want_crisis && strcmp(expected, "none") != 0)) {
            print_error("screening_examples.tsv:%d: bad language or label\n", lineno);
            wrong++;
            continue;
        }
        unescape(text);
        total++;
        (want_crisis ? crisis : none)[l]++;
        a24_risk_reason_t r = a24_screening_check(*state, text, strlen(text), NULL);
        if ((r == A24_RISK_PHRASE) != want_crisis || (r != A24_RISK_PHRASE && r != A24_RISK_NONE)) {
            const char *hit = a24_screening_match(*state, text, strlen(text));
            print_error("screening_examples.tsv:%d: expected %s, got %s%s%s%s: %s\n", lineno,
                        expected, a24_risk_reason_name(r), hit ? " (phrase \"" : "", hit ? hit : "",
                        hit ? "\")" : "", text);
            wrong++;
        }
    }
    free(line);
    fclose(f);
    assert_int_equal(wrong, 0);
    assert_true(total > 0);
    for (int k = 0; k < 3; k++) {
        if (crisis[k] + none[k] < MIN_EXAMPLES_PER_LANGUAGE || crisis[k] == 0 || none[k] == 0)
            print_error("%s: %d crisis and %d none examples\n", langs[k], crisis[k], none[k]);
        assert_true(crisis[k] + none[k] >= MIN_EXAMPLES_PER_LANGUAGE);
        assert_true(crisis[k] > 0 && none[k] > 0);
    }
}

/* --- matching rules ---------------------------------------------------------------- */

/* Korean phrases match however the text is spaced, including Unicode spaces. */
static void screening_korean_spacing_variants(void **state)
{
    assert_int_equal(check(state, "죽고 싶어"), A24_RISK_PHRASE);
    assert_int_equal(check(state, "죽고싶어"), A24_RISK_PHRASE);
    assert_int_equal(check(state, "죽고  싶어요"), A24_RISK_PHRASE);
    assert_int_equal(check(state, "죽고\t\n싶다"), A24_RISK_PHRASE);
    assert_int_equal(check(state, "죽고\xC2\xA0싶어"), A24_RISK_PHRASE);     /* no-break */
    assert_int_equal(check(state, "죽고\xE3\x80\x80싶어"), A24_RISK_PHRASE); /* U+3000 */
    assert_int_equal(check(state, "죽\xE2\x80\x8B고싶어"), A24_RISK_PHRASE); /* zero-width */
    assert_int_equal(check(state, "살고싶지않아"), A24_RISK_PHRASE);
    assert_int_equal(check(state, "살 고 싶 지 않 아"), A24_RISK_PHRASE);
    assert_string_equal(a24_screening_match(*state, "죽고싶어", strlen("죽고싶어")), "죽고 싶");
}

/* Decomposed Hangul (NFD, as macOS pastes it) is composed before matching. */
static void screening_korean_decomposed_hangul(void **state)
{
    /* 자살 as jamo: ᄌ ᅡ ᄉ ᅡ ᆯ */
    const char *nfd = "\xE1\x84\x8C\xE1\x85\xA1\xE1\x84\x89\xE1\x85\xA1\xE1\x86\xAF";
    assert_int_equal(check(state, nfd), A24_RISK_PHRASE);
}

/* Korean everyday hyperbole built on 죽겠- is not a phrase. */
static void screening_korean_idioms_not_flagged(void **state)
{
    assert_int_equal(check(state, "배고파 죽겠어"), A24_RISK_NONE);
    assert_int_equal(check(state, "배고파죽겠어"), A24_RISK_NONE);
    assert_int_equal(check(state, "웃겨 죽겠네"), A24_RISK_NONE);
}

/* Chinese phrases match in simplified and traditional, spaced or not. */
static void screening_chinese_simplified_and_traditional(void **state)
{
    static const char *const crisis[] = {
        "自杀", "自殺",        "轻生", "輕生",   "结束生命",     "結束生命", "跳楼",
        "跳樓", "我 不 想 活", "想死", "割腕了", "活著沒有意義", "遗书",     "遺書",
    };
    for (size_t k = 0; k < sizeof crisis / sizeof *crisis; k++) {
        if (check(state, crisis[k]) != A24_RISK_PHRASE)
            print_error("not flagged: %s\n", crisis[k]);
        assert_int_equal(check(state, crisis[k]), A24_RISK_PHRASE);
    }
    assert_int_equal(check(state, "笑死我了"), A24_RISK_NONE);
    assert_int_equal(check(state, "累死了"), A24_RISK_NONE);
}

/* Latin phrases ignore case, and full-width Latin reads as ASCII. */
static void screening_english_case_insensitive(void **state)
{
    assert_int_equal(check(state, "SUICIDE"), A24_RISK_PHRASE);
    assert_int_equal(check(state, "Suicide."), A24_RISK_PHRASE);
    assert_int_equal(check(state, "I Want To Kill Myself"), A24_RISK_PHRASE);
    assert_int_equal(check(state, "\xEF\xBD\x93\xEF\xBD\x95\xEF\xBD\x89\xEF\xBD\x83\xEF\xBD\x89"
                                  "\xEF\xBD\x84\xEF\xBD\x85"),
                     A24_RISK_PHRASE); /* ｓｕｉｃｉｄｅ */
}

/* Latin phrases match whole words only; a lone "die" is never a phrase. */
static void screening_english_word_boundaries(void **state)
{
    assert_int_equal(check(state, "die"), A24_RISK_NONE);
    assert_int_equal(check(state, "I could die"), A24_RISK_NONE);
    assert_int_equal(check(state, "I want to diet"), A24_RISK_NONE);
    assert_int_equal(check(state, "upskill myself"), A24_RISK_NONE);
    assert_int_equal(check(state, "(suicide)"), A24_RISK_PHRASE);
    assert_int_equal(check(state, "suicide's"), A24_RISK_PHRASE);
    assert_int_equal(check(state, "I want to die"), A24_RISK_PHRASE);
    assert_int_equal(check(state, "want to die"), A24_RISK_PHRASE);
}

/* Whitespace runs collapse and hyphens read as spaces. */
static void screening_english_whitespace_and_hyphens(void **state)
{
    assert_int_equal(check(state, "i want   to\n\n die"), A24_RISK_PHRASE);
    assert_int_equal(check(state, "kill\xC2\xA0myself"), A24_RISK_PHRASE);
    assert_int_equal(check(state, "self harm"), A24_RISK_PHRASE);
    assert_int_equal(check(state, "self-harm"), A24_RISK_PHRASE);
    assert_int_equal(check(state, "self\xE2\x80\x93harm"), A24_RISK_PHRASE); /* en dash */
    assert_int_equal(check(state, "sui\xC2\xAD"
                                  "cide"),
                     A24_RISK_PHRASE); /* soft hyphen */
}

/* Curly and modifier apostrophes read as straight ones. */
static void screening_curly_apostrophes(void **state)
{
    assert_int_equal(check(state, "I don\xE2\x80\x99t want to live"), A24_RISK_PHRASE);
    assert_int_equal(check(state, "I don\xE2\x80\x98t want to live"), A24_RISK_PHRASE);
    assert_int_equal(check(state, "I don\xCA\xBCt want to live"), A24_RISK_PHRASE);
    assert_int_equal(check(state, "I don't want to live"), A24_RISK_PHRASE);
}

/* Every list applies whatever the text's language. */
static void screening_cross_language(void **state)
{
    assert_int_equal(check(state, "lately 죽고싶어"), A24_RISK_PHRASE);
    assert_int_equal(check(state, "最近 I want to die"), A24_RISK_PHRASE);
    assert_int_equal(check(state, "요즘 想死"), A24_RISK_PHRASE);
    assert_int_equal(check(state, "자살suicide"), A24_RISK_PHRASE);
}

/* PHQ-9 item 9 (index 8) above 0 flags on its own; a phrase is reported first. */
static void screening_phq9_item9(void **state)
{
    int zero[9] = {0};
    int high_but_item9_zero[9] = {3, 3, 3, 3, 3, 3, 3, 3, 0};
    int item9[9] = {0, 0, 0, 0, 0, 0, 0, 0, 1};
    int item9_max[9] = {0, 0, 0, 0, 0, 0, 0, 0, 3};
    const char *calm = "I would like advice about sleep";
    assert_int_equal(a24_screening_check(*state, calm, strlen(calm), NULL), A24_RISK_NONE);
    assert_int_equal(a24_screening_check(*state, calm, strlen(calm), zero), A24_RISK_NONE);
    assert_int_equal(a24_screening_check(*state, calm, strlen(calm), high_but_item9_zero),
                     A24_RISK_NONE);
    assert_int_equal(a24_screening_check(*state, calm, strlen(calm), item9), A24_RISK_PHQ9_ITEM9);
    assert_int_equal(a24_screening_check(*state, calm, strlen(calm), item9_max),
                     A24_RISK_PHQ9_ITEM9);
    assert_int_equal(a24_screening_check(*state, "", 0, item9), A24_RISK_PHQ9_ITEM9);
    assert_int_equal(a24_screening_check(*state, "suicide", 7, item9), A24_RISK_PHRASE);
}

/* Unscreenable input raises risk rather than reading as "no risk". */
static void screening_unscreenable_raises(void **state)
{
    int item9[9] = {0, 0, 0, 0, 0, 0, 0, 0, 2};
    (void)state;
    assert_int_equal(a24_screening_check(NULL, "hello", 5, NULL), A24_RISK_PHRASE);
    assert_int_equal(a24_screening_check(NULL, "hello", 5, item9), A24_RISK_PHQ9_ITEM9);
}

/* Invalid UTF-8 is screened around, never skipped; the length, not a NUL, ends the text. */
static void screening_invalid_utf8_and_length(void **state)
{
    const char broken[] = "\xFF\xFE kill myself \xC3";
    assert_int_equal(a24_screening_check(*state, broken, sizeof broken - 1, NULL), A24_RISK_PHRASE);
    const char embedded[] = "hello\0suicide";
    assert_int_equal(a24_screening_check(*state, embedded, sizeof embedded - 1, NULL),
                     A24_RISK_PHRASE);
    assert_int_equal(a24_screening_check(*state, "suicide", 3, NULL), A24_RISK_NONE);
}

/* A 4000-character text is screened, with the phrase at its very end. */
static void screening_long_text(void **state)
{
    size_t n = 4000 * 3;
    char *text = malloc(n + 64);
    assert_non_null(text);
    for (size_t i = 0; i < n; i += 3)
        memcpy(text + i, "가", 3); /* 4000 Hangul syllables */
    strcpy(text + n, " 죽고 싶어");
    assert_int_equal(check(state, text), A24_RISK_PHRASE);
    text[n] = '\0';
    assert_int_equal(check(state, text), A24_RISK_NONE);
    free(text);
}

/* The stable reason names the ticket and alerts carry. */
static void screening_reason_names(void **state)
{
    (void)state;
    assert_string_equal(a24_risk_reason_name(A24_RISK_NONE), "none");
    assert_string_equal(a24_risk_reason_name(A24_RISK_PHRASE), "phrase");
    assert_string_equal(a24_risk_reason_name(A24_RISK_PHQ9_ITEM9), "phq9_item9");
}

/* --- the loader ---------------------------------------------------------------------- */

/* Lists in a throwaway directory load, ignoring comments, blank lines and CRLF. */
static void screening_loads_written_lists(void **state)
{
    char dir[64], err[256] = "";
    (void)state;
    make_temp_data_dir(dir, sizeof dir);
    write_list(dir, "ko.txt", "# comment\n\n  자살  \r\n");
    write_list(dir, "zh.txt", "\xEF\xBB\xBF自杀\n");
    write_list(dir, "en.txt", "# verified: 2026-11-23\nKill Myself\n");
    a24_screening_t *s = a24_screening_create(dir, err, sizeof err);
    assert_non_null(s);
    assert_int_equal(a24_screening_check(s, "kill myself", 11, NULL), A24_RISK_PHRASE);
    assert_int_equal(a24_screening_check(s, "자 살", strlen("자 살"), NULL), A24_RISK_PHRASE);
    assert_int_equal(a24_screening_check(s, "comment", 7, NULL), A24_RISK_NONE);
    a24_screening_destroy(s);
    remove_temp_data_dir(dir);
}

/* A served language without a list, or with an empty one, is refused. */
static void screening_missing_list_refused(void **state)
{
    char dir[64], err[256] = "";
    (void)state;
    make_temp_data_dir(dir, sizeof dir);
    write_list(dir, "ko.txt", "자살\n");
    write_list(dir, "en.txt", "suicide\n");
    assert_null(a24_screening_create(dir, err, sizeof err));
    assert_non_null(strstr(err, "zh.txt"));
    write_list(dir, "zh.txt", "# only comments\n");
    err[0] = '\0';
    assert_null(a24_screening_create(dir, err, sizeof err));
    assert_non_null(strstr(err, "zh.txt"));
    remove_temp_data_dir(dir);

    err[0] = '\0';
    assert_null(a24_screening_create("/nonexistent/a24", err, sizeof err));
    assert_true(err[0] != '\0');
}

/* A list with invalid UTF-8 is refused, naming the file and line. */
static void screening_invalid_list_refused(void **state)
{
    char dir[64], err[256] = "";
    (void)state;
    make_temp_data_dir(dir, sizeof dir);
    write_list(dir, "ko.txt", "자살\n");
    write_list(dir, "zh.txt", "自杀\n");
    write_list(dir, "en.txt", "suicide\n\xFF\xFE\n");
    assert_null(a24_screening_create(dir, err, sizeof err));
    assert_non_null(strstr(err, "en.txt:2"));
    remove_temp_data_dir(dir);
}

/* Runs every screening_* test; each gets its own freshly loaded lists. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(screening_examples_classified_as_labelled, setup, teardown),
        cmocka_unit_test_setup_teardown(screening_korean_spacing_variants, setup, teardown),
        cmocka_unit_test_setup_teardown(screening_korean_decomposed_hangul, setup, teardown),
        cmocka_unit_test_setup_teardown(screening_korean_idioms_not_flagged, setup, teardown),
        cmocka_unit_test_setup_teardown(screening_chinese_simplified_and_traditional, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(screening_english_case_insensitive, setup, teardown),
        cmocka_unit_test_setup_teardown(screening_english_word_boundaries, setup, teardown),
        cmocka_unit_test_setup_teardown(screening_english_whitespace_and_hyphens, setup, teardown),
        cmocka_unit_test_setup_teardown(screening_curly_apostrophes, setup, teardown),
        cmocka_unit_test_setup_teardown(screening_cross_language, setup, teardown),
        cmocka_unit_test_setup_teardown(screening_phq9_item9, setup, teardown),
        cmocka_unit_test_setup_teardown(screening_invalid_utf8_and_length, setup, teardown),
        cmocka_unit_test_setup_teardown(screening_long_text, setup, teardown),
        cmocka_unit_test(screening_unscreenable_raises),
        cmocka_unit_test(screening_reason_names),
        cmocka_unit_test(screening_loads_written_lists),
        cmocka_unit_test(screening_missing_list_refused),
        cmocka_unit_test(screening_invalid_list_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
