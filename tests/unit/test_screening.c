/*
 * test_screening: the warning-sign patterns and a24_screening_screen.
 *
 * Classifies the labelled examples (training and held-out parts), prints recall and
 * false alarms per language and asserts the targets on the held-out part; then pins the
 * normalisation (spacing, width, case, Traditional Chinese, leetspeak, elongation, words
 * run together), the categories, the hyperbole that must not flag, PHQ-9 item 9, the
 * "unscreened" answer, and the loader's refusals on files written to a throwaway
 * directory (the matcher has its own test, test_matcher). Also prints the CPU time to
 * screen a 4000-character question (measured, not asserted: the machine is shared).
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
#include <time.h>
#include <unistd.h>

#include "a24unit.h"
#include "screening.h"
#include "screening_eval.h"

/* What issue 8 asks of the labelled examples and of the screener on the held-out part. */
#define MIN_PER_CLASS_AND_LANGUAGE 150
#define MIN_HELDOUT_PER_CLASS 50
#define TARGET_RECALL 0.95
#define TARGET_FALSE_ALARMS 0.05

static int setup(void **state)
{
    char err[256] = "";
    return a24_unit_loaded(state, a24_screening_create(a24_unit_data_dir(), err, sizeof err),
                           "screening", err);
}

static int teardown(void **state)
{
    a24_screening_destroy(*state);
    return 0;
}

/* The category a NUL-terminated text screens as (NULL: nothing found). */
static const char *category(void **state, const char *text)
{
    return a24_screening_category(*state, text, strlen(text), NULL);
}

/* Fails naming the text when it is not flagged. */
static void flags(void **state, const char *text)
{
    if (category(state, text) == NULL)
        fail_msg("not flagged: %s", text);
}

/* Fails naming the text and the deciding pattern when it is flagged. */
static void passes(void **state, const char *text)
{
    const char *why = a24_screening_match(*state, text, strlen(text));
    if (category(state, text) != NULL)
        fail_msg("flagged: %s [%s]", text, why != NULL ? why : "?");
}

/* A test named `name` that runs `check` (flags or passes) on every text given, in order. */
#define TEXTS_TEST(name, check, ...)                                                               \
    static void name(void **state)                                                                 \
    {                                                                                              \
        static const char *const texts[] = {__VA_ARGS__};                                          \
        for (size_t k = 0; k < sizeof texts / sizeof *texts; k++)                                  \
            check(state, texts[k]);                                                                \
    }

/* Fails unless the text screens as category `want`. */
static void is_category(void **state, const char *text, const char *want)
{
    const char *got = category(state, text);
    if (got == NULL || strcmp(got, want) != 0)
        fail_msg("%s: want %s, got %s", text, want, got != NULL ? got : "nothing");
}

/* --- the labelled examples ------------------------------------------------------------ */

static struct eval run_examples(void **state, const char *file)
{
    struct eval ev = {0};
    assert_int_equal(eval_file(*state, a24_unit_data_path(file), &ev, NULL), 0);
    assert_int_equal(ev.bad_lines, 0);
    return ev;
}

/* At least 150 crisis and 150 ordinary examples per language, 50 each held out. */
static void screening_examples_enough(void **state)
{
    struct eval train = run_examples(state, "screening_examples.tsv");
    struct eval held = run_examples(state, "screening_examples_heldout.tsv");
    for (int k = 0; k < EVAL_LANGS; k++) {
        assert_true(held.lang[k].crisis >= MIN_HELDOUT_PER_CLASS);
        assert_true(held.lang[k].ordinary >= MIN_HELDOUT_PER_CLASS);
        assert_true(train.lang[k].crisis + held.lang[k].crisis >= MIN_PER_CLASS_AND_LANGUAGE);
        assert_true(train.lang[k].ordinary + held.lang[k].ordinary >= MIN_PER_CLASS_AND_LANGUAGE);
    }
}

/* Fails when a language misses the targets; prints the table either way. */
static void assert_targets(const char *title, const struct eval *ev)
{
    eval_print(stdout, title, ev);
    fflush(stdout);
    for (int k = 0; k < EVAL_LANGS; k++) {
        const struct eval_counts *c = &ev->lang[k];
        if (eval_recall(c) < TARGET_RECALL || eval_false_alarms(c) > TARGET_FALSE_ALARMS)
            fail_msg("%s %s: recall %.3f (target >= %.2f), false alarms %.3f (target <= %.2f)",
                     title, eval_languages[k], eval_recall(c), TARGET_RECALL, eval_false_alarms(c),
                     TARGET_FALSE_ALARMS);
    }
}

/* The part the patterns are written from holds the same targets. */
static void screening_training_figures(void **state)
{
    struct eval ev = run_examples(state, "screening_examples.tsv");
    assert_targets("screening, training part", &ev);
}

/* The held-out part, never used to write patterns: the figures that count. */
static void screening_heldout_figures(void **state)
{
    struct eval ev = run_examples(state, "screening_examples_heldout.tsv");
    assert_targets("screening, held-out part", &ev);
}

/* --- normalisation ----------------------------------------------------------------------- */

TEXTS_TEST(screening_korean_spacing_and_endings, flags, "죽고 싶어", "죽고싶어", "죽 고 싶 어 요",
           "죽고  싶네", "죽고\t\n싶다", "죽고\xC2\xA0싶어", /* no-break space */
           "죽고\xE3\x80\x80싶어",                           /* ideographic space */
           "죽\xE2\x80\x8B고싶어",                           /* zero-width space */
           "죽고\xE2\x80\x83싶음",                           /* EM SPACE */
           "살고싶지않아", "살 고 싶 지 않 아", "살고 싶지가 않아요", "죽고싶당", "자살각",
           "자살마렵다", "극단적 선택", "극단적인선택",
           /* 죽고 싶어 written with decomposed jamo (NFD, as macOS file names paste it) */
           "\xE1\x84\x8C\xE1\x85\xAE\xE1\x86\xA8\xE1\x84\x80\xE1\x85\xA9 "
           "\xE1\x84\x89\xE1\x85\xB5\xE1\x87\x81\xE1\x84\x8B\xE1\x85\xA5")

TEXTS_TEST(screening_chinese_traditional_and_slang, flags, "我想自殺", "我想自杀", "活著沒意思",
           "遺書已經寫好了", "想輕生", "想尋短見", "我想死", "我想 死", "好想紫砂", "不想活了",
           "一了百了", "割腕了", "吃了三十片安眠藥")

TEXTS_TEST(screening_english_forms, flags, "I WANT TO DIE", "IWANTTODIE", "iwannadie",
           "i want to diiiie", "k1ll mys3lf", "kms", "kys", "thinking about ctb", "K M S",
           "im gonna kms", "unalive myself", "SUICIDE", "Suicide.",
           "\xEF\xBD\x93\xEF\xBD\x95\xEF\xBD\x89\xEF\xBD\x83\xEF\xBD\x89\xEF\xBD\x84\xEF\xBD\x85",
           "I don\xE2\x80\x99t want to live", "i dont want to live", "self\xE2\x80\x93harm",
           "sui\xC2\xAD"
           "cide",
           "kill\xC2\xA0myself", "i want   to\n\n die", "took 45 pills")

/* Reads risk/traditional.tsv into `simp_to_trad`: the first Traditional form of each Simplified. */
static size_t load_reverse_table(char (*pairs)[2][5], size_t max)
{
    char *line = NULL;
    size_t cap = 0, n = 0;
    FILE *f = fopen(a24_unit_data_path("risk/traditional.tsv"), "r");
    assert_non_null(f);
    while (getline(&line, &cap, f) != -1) {
        if (line[0] == '#')
            continue;
        for (char *save = NULL, *tok = strtok_r(line, " \t\r\n", &save); tok != NULL && n < max;
             tok = strtok_r(NULL, " \t\r\n", &save)) {
            if (strlen(tok) != 6) /* two 3-byte characters */
                continue;
            memcpy(pairs[n][0], tok, 3), pairs[n][0][3] = '\0';
            memcpy(pairs[n][1], tok + 3, 3), pairs[n][1][3] = '\0';
            n++;
        }
    }
    free(line);
    fclose(f);
    return n;
}

/* Writes `simp` with every character that has a Traditional form in the table replaced. */
static void to_traditional(const char *simp, char *out, size_t outlen, char (*pairs)[2][5],
                           size_t n)
{
    size_t o = 0;
    for (const char *p = simp; *p != '\0' && o + 4 < outlen;) {
        size_t w = ((unsigned char)*p >= 0xE0) ? 3 : 1;
        const char *rep = NULL;
        for (size_t k = 0; k < n && rep == NULL && w == 3; k++)
            if (memcmp(pairs[k][1], p, 3) == 0 && memcmp(pairs[k][0], p, 3) != 0)
                rep = pairs[k][0];
        memcpy(out + o, rep != NULL ? rep : p, w);
        o += w, p += w;
    }
    out[o] = '\0';
}

/* Every Chinese pattern that flags by itself still flags written in Traditional characters. */
static void screening_chinese_patterns_in_traditional(void **state)
{
    static char pairs[2000][2][5];
    size_t n = load_reverse_table(pairs, 2000), checked = 0;
    char *line = NULL, trad[1024];
    size_t cap = 0;
    FILE *f = fopen(a24_unit_data_path("risk/zh.txt"), "r");
    assert_non_null(f);
    while (getline(&line, &cap, f) != -1) {
        char *colon = strchr(line, ':');
        if (line[0] == '#' || line[0] == '$' || colon == NULL || strncmp(line, "not:", 4) == 0 ||
            strchr(colon, '$') != NULL)
            continue;
        for (char *save = NULL, *v = strtok_r(colon + 1, "|\r\n", &save); v != NULL;
             v = strtok_r(NULL, "|\r\n", &save)) {
            while (*v == ' ')
                v++;
            to_traditional(v, trad, sizeof trad, pairs, n);
            if (trad[0] != '\0' && category(state, trad) == NULL)
                fail_msg("not flagged in Traditional: %s (%s)", trad, v);
            checked++;
        }
    }
    free(line);
    fclose(f);
    assert_true(checked > 100);
}

/* Word boundaries: a Latin pattern inside another word, or across two, does not flag. */
TEXTS_TEST(screening_english_word_boundaries, passes, "I want to diet",
           "I'd like to upskill myself", "I'm proud of myself", "my nose bleeds",
           "I'm so done with this week", "overdue homework", "the die is cast",
           "I want to dye my hair", "I ran 10 kms today")

/* Hyperbole and idioms built on the same words are not flagged. */
TEXTS_TEST(screening_hyperbole_not_flagged, passes, "배고파 죽겠어", "배고파죽겠어", "웃겨 죽겠네",
           "죽을 만큼 맛있다", "더워 죽겠다", "보고싶어 죽겠어", "시험 망해서 죽을 맛이야",
           "자살골 넣었어", "유서 깊은 절", "笑死我了", "累死了", "想死你了", "跳楼价", "气死我了",
           "饿死了", "this exam is killing me", "I could kill for a coffee",
           "dying to see the movie", "I'm dead lol", "killed myself laughing",
           "Suicide Squad was fun", "I don't want to die, I'm scared of the surgery")

/* Every question is screened against every language; mixed texts too. */
static void screening_cross_language(void **state)
{
    flags(state, "lately 죽고싶어");
    flags(state, "最近 I want to die");
    flags(state, "요즘 想死");
    flags(state, "자살suicide");
}

/* --- categories ----------------------------------------------------------------------------- */

static void screening_categories(void **state)
{
    is_category(state, "I took a whole bottle of sleeping pills", "act_done");
    is_category(state, "수면제 한 통 다 먹었어요", "act_done");
    is_category(state, "吃了一整瓶药", "act_done");
    is_category(state, "I have the pills saved up for tonight", "means");
    is_category(state, "번개탄 사놨어요", "means");
    is_category(state, "安眠药已经存了很多", "means");
    is_category(state, "how many pills would it take to die", "method");
    is_category(state, "옥상에 올라와 있어요", "method");
    is_category(state, "站在天台上", "method");
    is_category(state, "I'm going to kill myself", "intent");
    is_category(state, "goodbye everyone", "farewell");
    is_category(state, "유서를 써놨어요", "farewell");
    is_category(state, "I cut myself", "self_harm");
    is_category(state, "我有自残的习惯", "self_harm");
    is_category(state, "I want to die", "wish_to_die");
    is_category(state, "나만 없으면 다 행복할 거야", "burden");
    is_category(state, "我就是个累赘", "burden");
    is_category(state, "there is no reason to live", "hopelessness");
    is_category(state, "언제 죽을지 날짜 정했어요", "plan");
    /* the most severe sign found is the reason */
    is_category(state, "I want to die. I took 30 pills an hour ago", "act_done");
}

/* The window of a rule: words far apart in a long text do not pair up. */
static void screening_rule_window(void **state)
{
    char text[2048] = "The rope of the tent is old. ";
    while (strlen(text) < 1500)
        strcat(text, "We hiked and talked about school and the weather. ");
    strcat(text, "Back home tonight.");
    passes(state, text);
    flags(state, "The rope is for tonight");
}

/* --- PHQ-9, failures, reasons --------------------------------------------------------------------
 */

static void screening_phq9_item9(void **state)
{
    const int zero[9] = {0}, item9[9] = {0, 0, 0, 0, 0, 0, 0, 0, 1};
    const int high_but_item9_zero[9] = {3, 3, 3, 3, 3, 3, 3, 3, 0};
    const char *calm = "I sleep badly before exams.";
    size_t n = strlen(calm);
    assert_int_equal(a24_screening_check(*state, calm, n, NULL), A24_RISK_NONE);
    assert_int_equal(a24_screening_check(*state, calm, n, zero), A24_RISK_NONE);
    assert_int_equal(a24_screening_check(*state, calm, n, high_but_item9_zero), A24_RISK_NONE);
    a24_screening_result_t r = a24_screening_screen(*state, calm, n, item9);
    assert_int_equal(r.reason, A24_RISK_PHQ9_ITEM9);
    assert_string_equal(r.category, "phq9_item9");
    assert_int_equal(a24_screening_check(*state, "", 0, item9), A24_RISK_PHQ9_ITEM9);
    r = a24_screening_screen(*state, "suicide", 7, item9);
    assert_int_equal(r.reason, A24_RISK_PHRASE); /* the text's sign comes first */
    assert_string_equal(r.category, "intent");
    assert_null(a24_screening_category(*state, calm, n, NULL));
}

static void screening_unscreenable_raises(void **state)
{
    const int item9[9] = {0, 0, 0, 0, 0, 0, 0, 0, 2};
    (void)state;
    a24_screening_result_t r = a24_screening_screen(NULL, "hello", 5, NULL);
    assert_int_equal(r.reason, A24_RISK_PHRASE);
    assert_string_equal(r.category, "unscreened");
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

static void screening_reason_names(void **state)
{
    (void)state;
    assert_string_equal(a24_risk_reason_name(A24_RISK_NONE), "none");
    assert_string_equal(a24_risk_reason_name(A24_RISK_PHRASE), "phrase");
    assert_string_equal(a24_risk_reason_name(A24_RISK_PHQ9_ITEM9), "phq9_item9");
}

/* --- speed --------------------------------------------------------------------------------- */

/* CPU time of this process: what screening costs, not how busy the shared machine is. */
static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Fills `text` with `chars` characters of mixed ordinary prose (ko, zh, en). */
static size_t fill_prose(char *text, size_t chars)
{
    static const char *const parts[] = {"요즘 시험 때문에 잠을 잘 못 자요 ", "最近压力很大睡不好 ",
                                        "I have been feeling anxious before exams "};
    size_t o = 0, n = 0;
    for (size_t k = 0; n < chars; k++) {
        const char *p = parts[k % 3];
        for (size_t i = 0; p[i] != '\0' && n < chars; n++) {
            size_t w = ((unsigned char)p[i] >= 0xE0) ? 3 : 1;
            memcpy(text + o, p + i, w);
            o += w, i += w;
        }
    }
    text[o] = '\0';
    return o;
}

/* A 4000-character question is screened with its sign at the very end; prints ns per question. */
static void screening_long_text_and_speed(void **state)
{
    char *text = malloc(4000 * 3 + 64);
    assert_non_null(text);
    size_t len = fill_prose(text, 4000);
    assert_null(category(state, text));
    enum { ROUNDS = 200 };
    double start = now_ns();
    for (int k = 0; k < ROUNDS; k++)
        assert_int_equal(a24_screening_check(*state, text, len, NULL), A24_RISK_NONE);
    double per = (now_ns() - start) / ROUNDS;
    printf("screening: %.0f ns of CPU per 4000-character question (%zu bytes of ko/zh/en prose,"
           " %zu patterns and rules, this build's flags)\n",
           per, len, a24_screening_size(*state));
    strcpy(text + len, " 죽고 싶어");
    flags(state, text);
    /* the worst kind of text: one word of a rule's group, or an exclusion, 4000 times */
    static const char *const repeated[] = {"rope ", "自杀预防"};
    for (size_t r = 0; r < 2; r++) {
        size_t unit = strlen(repeated[r]),
               limit = (unsigned char)repeated[r][0] >= 0x80 ? 12000 : 4000;
        text[0] = '\0';
        for (size_t n = 0; n + unit <= limit; n += unit)
            memcpy(text + n, repeated[r], unit + 1); /* 4000 characters */
        start = now_ns();
        for (int k = 0; k < ROUNDS / 10; k++)
            assert_null(category(state, text));
        printf("screening: %.0f ns of CPU for \"%s\" repeated (%zu bytes)\n",
               (now_ns() - start) / (ROUNDS / 10), repeated[r], strlen(text));
    }
    free(text);
}

/* --- the loader --------------------------------------------------------------------------------
 */

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

/* Creates <tmp>/risk with a small traditional.tsv, and returns the directory in `dir`. */
static void make_temp_data_dir(char *dir, size_t len);

static void write_file(const char *dir, const char *name, const char *body)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/risk/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(body, f);
    assert_int_equal(fclose(f), 0);
}

static void make_temp_data_dir(char *dir, size_t len)
{
    snprintf(dir, len, "/tmp/a24-screening-XXXXXX");
    assert_non_null(mkdtemp(dir));
    char risk[4096];
    snprintf(risk, sizeof risk, "%s/risk", dir);
    assert_int_equal(mkdir(risk, 0700), 0);
    write_file(dir, "traditional.tsv", "# pairs\n殺杀 輕轻\n");
}

static void remove_temp_data_dir(const char *dir)
{
    nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Loads from `dir`, expecting failure with `want` in the error line. */
static void refused(const char *dir, const char *want)
{
    char err[256] = "";
    a24_screening_t *s = a24_screening_create(dir, err, sizeof err);
    a24_screening_destroy(s);
    if (s != NULL || strstr(err, want) == NULL)
        fail_msg("want a refusal naming \"%s\", got \"%s\"", want, s != NULL ? "loaded" : err);
}

/* Writes `body` as risk/`name` in `dir`, then loads from `dir` as refused() does. */
static void refused_with(const char *dir, const char *name, const char *body, const char *want)
{
    write_file(dir, name, body);
    refused(dir, want);
}

/* Files in a throwaway directory load: patterns, groups, rules, exclusions, CRLF, BOM. */
static void screening_loads_written_files(void **state)
{
    char dir[64], err[256] = "";
    (void)state;
    make_temp_data_dir(dir, sizeof dir);
    write_file(dir, "ko.txt", "# comment\n\n  intent: 자살  \r\nnot: 자살골\n");
    write_file(dir, "zh.txt", "\xEF\xBB\xBFintent: 自杀 | 轻生\n");
    write_file(dir, "en.txt",
               "intent: Kill Myself\n$m: pills | rope\n$t: tonight\nmeans: $m + $t ~ 10\n");
    a24_screening_t *s = a24_screening_create(dir, err, sizeof err);
    if (s == NULL)
        fail_msg("%s", err);
    assert_string_equal(a24_screening_category(s, "kill myself", 11, NULL), "intent");
    assert_non_null(a24_screening_category(s, "자 살", strlen("자 살"), NULL));
    assert_null(a24_screening_category(s, "자살골", strlen("자살골"), NULL));
    assert_non_null(a24_screening_category(s, "自殺", strlen("自殺"), NULL));
    assert_non_null(a24_screening_category(s, "輕生", strlen("輕生"), NULL));
    assert_string_equal(a24_screening_category(s, "rope tonight", 12, NULL), "means");
    assert_string_equal(a24_screening_match(s, "rope tonight", 12), "$m + $t ~ 10");
    assert_null(
        a24_screening_category(s, "rope for the tent, see you next week tonight", 44, NULL));
    assert_null(a24_screening_category(s, "comment", 7, NULL));
    a24_screening_destroy(s);
    remove_temp_data_dir(dir);
}

/* What an administrator may get wrong is refused at start, naming the file and line. */
static void screening_bad_files_refused(void **state)
{
    char dir[64];
    (void)state;
    make_temp_data_dir(dir, sizeof dir);
    write_file(dir, "ko.txt", "intent: 자살\n");
    write_file(dir, "en.txt", "intent: suicide\n");
    refused(dir, "zh.txt");                                     /* missing */
    refused_with(dir, "zh.txt", "# only comments\n", "zh.txt"); /* without patterns */
    write_file(dir, "zh.txt", "intent: 自杀\n");
    refused_with(dir, "en.txt", "intent: suicide\n\xFF\xFE\n", "en.txt:2");
    refused_with(dir, "en.txt", "intent: suicide\nsadness: blue\n", "en.txt:2: unknown category");
    refused_with(dir, "en.txt", "intent: suicide\njust words\n", "en.txt:2");
    refused_with(dir, "en.txt", "intent: suicide\nmeans: $nowhere + $never\n", "has no words");
    refused_with(dir, "en.txt", "intent: suicide\nmeans: $a and $b\n", "en.txt:2");
    refused_with(dir, "en.txt", "intent: suicide\nintent: ...\n", "empty once normalised");
    write_file(dir, "en.txt", "intent: suicide\n");
    refused_with(dir, "traditional.tsv", "殺\n", "traditional.tsv:1");
    char path[4096];
    snprintf(path, sizeof path, "%s/risk/traditional.tsv", dir);
    assert_int_equal(remove(path), 0);
    refused(dir, "traditional.tsv");
    remove_temp_data_dir(dir);
    refused("/nonexistent/a24", "risk/");
}

static const struct CMUnitTest tests[] = {
    A24_UNIT_TEST(screening_examples_enough),
    A24_UNIT_TEST(screening_training_figures),
    A24_UNIT_TEST(screening_heldout_figures),
    A24_UNIT_TEST(screening_korean_spacing_and_endings),
    A24_UNIT_TEST(screening_chinese_traditional_and_slang),
    A24_UNIT_TEST(screening_chinese_patterns_in_traditional),
    A24_UNIT_TEST(screening_english_forms),
    A24_UNIT_TEST(screening_english_word_boundaries),
    A24_UNIT_TEST(screening_hyperbole_not_flagged),
    A24_UNIT_TEST(screening_cross_language),
    A24_UNIT_TEST(screening_categories),
    A24_UNIT_TEST(screening_rule_window),
    A24_UNIT_TEST(screening_phq9_item9),
    A24_UNIT_TEST(screening_invalid_utf8_and_length),
    A24_UNIT_TEST(screening_long_text_and_speed),
    cmocka_unit_test(screening_unscreenable_raises),
    cmocka_unit_test(screening_reason_names),
    cmocka_unit_test(screening_loads_written_files),
    cmocka_unit_test(screening_bad_files_refused),
};

A24_UNIT_RUN(tests)
