/*
 * Unit tests of proto/config.c: the value parsers, the defaults against the contract,
 * the YAML file, the environment overrides and the error messages.
 *
 * Every test gets its own mkdtemp directory (removed afterwards) and starts and ends
 * with no ANSWER24_* variable in the environment, so tests never see each other's
 * files or overrides. A failed load must leave the configuration zeroed; the sanitizer
 * build checks that it also leaves nothing allocated.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "a24unit.h"
#include "config.h"

extern char **environ;

#define MS(s) ((a24_ms_t)(s)*1000)
#define MIN(m) MS((m)*60)
#define HOUR(h) MIN((h)*60)
#define DAY(d) HOUR((d)*24)

struct fixture {
    char dir[64];
    char path[128];
};

/* Removes every ANSWER24_* variable, so no test inherits another's overrides. */
static void clear_env(void)
{
    char *names[256];
    size_t n = 0;

    for (char **e = environ; *e != NULL && n < 256; e++) {
        const char *eq = strchr(*e, '=');
        if (strncmp(*e, "ANSWER24_", 9) == 0 && eq != NULL)
            names[n++] = strndup(*e, (size_t)(eq - *e));
    }
    for (size_t i = 0; i < n; i++) {
        unsetenv(names[i]);
        free(names[i]);
    }
}

/* Creates the test's temporary directory and names the config file inside it. */
static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));

    if (fx == NULL)
        return -1;
    snprintf(fx->dir, sizeof(fx->dir), "/tmp/a24-config-XXXXXX");
    if (mkdtemp(fx->dir) == NULL) {
        free(fx);
        return -1;
    }
    snprintf(fx->path, sizeof(fx->path), "%s/config.yaml", fx->dir);
    clear_env();
    *state = fx;
    return 0;
}

/* Removes the config file and the directory, and the test's environment variables. */
static int teardown(void **state)
{
    struct fixture *fx = *state;

    unlink(fx->path);
    rmdir(fx->dir);
    free(fx);
    clear_env();
    return 0;
}

/* Writes text as the test's config file. */
static void write_config(const struct fixture *fx, const char *text)
{
    FILE *f = fopen(fx->path, "w");

    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* True when every byte of the configuration is zero: what a failed load must leave. */
static int is_zeroed(const a24_config_t *cfg)
{
    static const a24_config_t zero;
    return memcmp(cfg, &zero, sizeof(zero)) == 0;
}

/*
 * Loads text as the config file and checks the load fails with one line of error
 * containing `needle`; returns the message (static) for further checks.
 */
static const char *expect_failure(const struct fixture *fx, const char *text, const char *needle)
{
    static char err[512];
    a24_config_t cfg;

    if (text != NULL)
        write_config(fx, text);
    memset(err, 0, sizeof(err));
    assert_int_equal(a24_config_load(&cfg, text != NULL ? fx->path : NULL, err, sizeof(err)), -1);
    assert_true(is_zeroed(&cfg));
    assert_null(strchr(err, '\n'));
    assert_true(err[0] != '\0');
    if (strstr(err, needle) == NULL)
        fail_msg("error \"%s\" does not contain \"%s\"", err, needle);
    return err;
}

/*
 * A test named `name` that loads each {yaml, needle} case given, in order, and checks it
 * fails with `needle` in its error line (expect_failure).
 */
#define FAILURES_TEST(name, ...)                                                                   \
    static void name(void **state)                                                                 \
    {                                                                                              \
        static const struct {                                                                      \
            const char *yaml;                                                                      \
            const char *needle;                                                                    \
        } cases[] = {__VA_ARGS__};                                                                 \
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)                                \
            expect_failure(*state, cases[i].yaml, cases[i].needle);                                \
    }

/* Loads text as the config file and checks it succeeds. */
static void expect_success(const struct fixture *fx, const char *text, a24_config_t *cfg)
{
    char err[512] = "";

    write_config(fx, text);
    if (a24_config_load(cfg, fx->path, err, sizeof(err)) != 0)
        fail_msg("load failed: %s", err);
}

/*
 * The keys both the defaults test and the full-file test pin, one a row: the check,
 * the field, its default (the contract's) and its value in the full file (none at its
 * default).
 */
#define PINNED_KEYS(X)                                                                             \
    X(assert_string_equal, http.listen, "127.0.0.1:8024", "[::1]:9000")                            \
    X(assert_string_equal, http.static_dir, A24_DEFAULT_WEB_DIR, "/srv/answer24/web")              \
    X(assert_int_equal, http.max_body, 16384, 1024 * 1024)                                         \
    X(assert_int_equal, http.request_timeout, MS(5), 1500)                                         \
    X(assert_int_equal, http.idle_timeout, MS(10), MS(20))                                         \
    X(assert_int_equal, http.trust_proxy, 0, 1)                                                    \
    X(assert_string_equal, redis.url, "redis://127.0.0.1:6379/0", "redis://10.0.0.5:6380/2")       \
    X(assert_int_equal, redis.reconnect_min, 100, 200)                                             \
    X(assert_int_equal, redis.reconnect_max, MS(5), MS(10))                                        \
    X(assert_int_equal, deadlines.answer, HOUR(24), DAY(2))                                        \
    X(assert_int_equal, deadlines.green_channel, HOUR(12), HOUR(6))                                \
    X(assert_int_equal, deadlines.crisis, HOUR(1), MIN(30))                                        \
    X(assert_int_equal, deadlines.offer_timeout, MIN(15), MIN(5))                                  \
    X(assert_int_equal, deadlines.claim_lease, HOUR(4), HOUR(2))                                   \
    X(assert_string_equal, alerts.webhook_secret, "", "s3cret")                                    \
    X(assert_int_equal, alerts.ack_timeout, HOUR(1), HOUR(2))                                      \
    X(assert_string_equal, secrets.key_file, "/var/lib/answer24/secret.key",                       \
      "/etc/answer24/secret.key")                                                                  \
    X(assert_int_equal, limits.submissions_per_hour, 20, 5)                                        \
    X(assert_int_equal, limits.code_checks_per_hour, 120, 0)                                       \
    X(assert_string_equal, screening.data_dir, A24_DEFAULT_DATA_DIR, "/srv/answer24/data")         \
    X(assert_int_equal, privacy.retention, DAY(90), DAY(30))                                       \
    X(assert_string_equal, log.level, "info", "debug")

#define PINNED_DEFAULT(check, field, dflt, full) check(cfg->field, dflt);
#define PINNED_FULL(check, field, dflt, full) check(cfg->field, full);

/* Checks every key of PINNED_KEYS is at its default. */
static void assert_pinned_defaults(const a24_config_t *cfg)
{
    PINNED_KEYS(PINNED_DEFAULT)
}

/* Checks every key of PINNED_KEYS has its value in the full file. */
static void assert_pinned_full(const a24_config_t *cfg)
{
    PINNED_KEYS(PINNED_FULL)
}

/* Checks the escalation ladder is the `n` steps of `want`, step by step. */
static void assert_ladder(const a24_config_t *cfg, const a24_escalation_step_t *want, size_t n)
{
    assert_int_equal(cfg->escalation_len, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(cfg->escalation[i].at_permille, want[i].at_permille);
        assert_int_equal(cfg->escalation[i].notify, want[i].notify);
        assert_int_equal(cfg->escalation[i].repeat, want[i].repeat);
    }
}

/* ------------------------------------------------------------------------------ */

static void config_duration_units(void **state)
{
    a24_ms_t ms = -1;

    (void)state;
    assert_int_equal(a24_duration_parse("1500ms", &ms), 0);
    assert_int_equal(ms, 1500);
    assert_int_equal(a24_duration_parse("90s", &ms), 0);
    assert_int_equal(ms, MS(90));
    assert_int_equal(a24_duration_parse("15m", &ms), 0);
    assert_int_equal(ms, MIN(15));
    assert_int_equal(a24_duration_parse("4h", &ms), 0);
    assert_int_equal(ms, HOUR(4));
    assert_int_equal(a24_duration_parse("2d", &ms), 0);
    assert_int_equal(ms, DAY(2));
    assert_int_equal(a24_duration_parse("0s", &ms), 0);
    assert_int_equal(ms, 0);
    assert_int_equal(a24_duration_parse("9223372036854775807ms", &ms), 0);
    assert_true(ms == INT64_MAX);
}

static void config_duration_rejects_bad(void **state)
{
    static const char *const bad[] = {
        "",
        "s",
        "10",
        "-5s",
        "+5s",
        " 5s",
        "5s ",
        "5 s",
        "1.5h",
        "1h30m",
        "5S",
        "5x",
        "5sec",
        "ms",
        "0x10s",
        "5ss",
        "5mss",
        "9223372036854775808ms",
        "99999999999999999999s",
        "106751991167301d",
    };
    a24_ms_t ms = 42;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (a24_duration_parse(bad[i], &ms) != -1)
            fail_msg("\"%s\" was accepted", bad[i]);
        assert_int_equal(ms, 42);
    }
    assert_int_equal(a24_duration_parse(NULL, &ms), -1);
}

static void config_defaults_match_contract(void **state)
{
    static const a24_escalation_step_t ladder[] = {{500, A24_NOTIFY_EXPERTS, 0},
                                                   {800, A24_NOTIFY_ONCALL, MIN(30)},
                                                   {1000, A24_NOTIFY_SUPERVISOR, MIN(15)}};
    a24_config_t cfg;
    char err[256] = "";

    (void)state;
    assert_int_equal(a24_config_load(&cfg, NULL, err, sizeof(err)), 0);
    assert_string_equal(err, "");
    assert_pinned_defaults(&cfg);
    assert_ladder(&cfg, ladder, 3);
    assert_int_equal(cfg.http.max_streams_per_account, 8);
    assert_null(cfg.alerts.webhooks);
    assert_int_equal(cfg.alerts.webhooks_len, 0);
    assert_int_equal(cfg.limits.crisis_submissions_per_hour, 5);
    assert_int_equal(cfg.limits.intake_per_minute, 600);
    assert_string_equal(cfg.http.trusted_proxies, "");
    assert_string_equal(cfg.http.public_url, "");
    a24_config_dispose(&cfg);
    assert_true(is_zeroed(&cfg));
}

static void config_empty_documents_keep_defaults(void **state)
{
    static const char *const empty[] = {
        "", "---\n", "---\n...\n", "--- ~\n", "# only a comment\n", "null\n", "http:\nlog: ~\n",
    };
    a24_config_t cfg;

    for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
        expect_success(*state, empty[i], &cfg);
        assert_string_equal(cfg.http.listen, "127.0.0.1:8024");
        assert_int_equal(cfg.deadlines.answer, HOUR(24));
        assert_int_equal(cfg.escalation_len, 3);
        a24_config_dispose(&cfg);
    }
}

static void config_full_file_overrides_everything(void **state)
{
    static const a24_escalation_step_t ladder[] = {{250, A24_NOTIFY_EXPERTS | A24_NOTIFY_ONCALL, 0},
                                                   {1000, A24_NOTIFY_SUPERVISOR, MIN(10)}};
    a24_config_t cfg;

    expect_success(*state,
                   "# every key, none at its default\n"
                   "http:\n"
                   "  listen: \"[::1]:9000\"\n"
                   "  static_dir: /srv/answer24/web\n"
                   "  max_body: 1MiB\n"
                   "  request_timeout: 1500ms\n"
                   "  idle_timeout: 20s\n"
                   "  trust_proxy: yes\n"
                   "redis:\n"
                   "  url: redis://10.0.0.5:6380/2\n"
                   "  reconnect_min: 200ms\n"
                   "  reconnect_max: 10s\n"
                   "deadlines:\n"
                   "  answer: 2d\n"
                   "  green_channel: 6h\n"
                   "  crisis: 30m\n"
                   "  offer_timeout: 5m\n"
                   "  claim_lease: 2h\n"
                   "escalation:\n"
                   "  - at: 25%\n"
                   "    notify: [experts, oncall]\n"
                   "  - at: 100%\n"
                   "    notify: supervisor\n"
                   "    repeat: 10m\n"
                   "alerts:\n"
                   "  webhooks:\n"
                   "    - url: https://hooks.example.org/a\n"
                   "      notify: [oncall, supervisor]\n"
                   "  webhook_secret: 's3cret'\n"
                   "  ack_timeout: 2h\n"
                   "secrets:\n"
                   "  key_file: /etc/answer24/secret.key\n"
                   "limits:\n"
                   "  submissions_per_hour: 5\n"
                   "  code_checks_per_hour: 0\n"
                   "screening:\n"
                   "  data_dir: /srv/answer24/data\n"
                   "privacy:\n"
                   "  retention: 30d\n"
                   "log:\n"
                   "  level: debug\n",
                   &cfg);
    assert_pinned_full(&cfg);
    assert_ladder(&cfg, ladder, 2);
    assert_int_equal(cfg.alerts.webhooks_len, 1);
    assert_string_equal(cfg.alerts.webhooks[0].url, "https://hooks.example.org/a");
    assert_int_equal(cfg.alerts.webhooks[0].notify, A24_NOTIFY_ONCALL | A24_NOTIFY_SUPERVISOR);
    a24_config_dispose(&cfg);
}

static void config_size_and_bool_spellings(void **state)
{
    static const struct {
        const char *text;
        size_t bytes;
    } sizes[] = {
        {"1", 1}, {"16384", 16384}, {"16KiB", 16384}, {"1MiB", 1048576}, {"2GiB", 2147483648u}};
    static const struct {
        const char *text;
        int value;
    } bools[] = {{"true", 1}, {"false", 0}, {"yes", 1}, {"no", 0},   {"on", 1},
                 {"off", 0},  {"1", 1},     {"0", 0},   {"True", 1}, {"OFF", 0}};
    a24_config_t cfg;
    char text[128];

    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        snprintf(text, sizeof(text), "http:\n  max_body: %s\n", sizes[i].text);
        expect_success(*state, text, &cfg);
        assert_int_equal(cfg.http.max_body, sizes[i].bytes);
        a24_config_dispose(&cfg);
    }
    for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
        snprintf(text, sizeof(text), "http:\n  trust_proxy: %s\n", bools[i].text);
        expect_success(*state, text, &cfg);
        assert_int_equal(cfg.http.trust_proxy, bools[i].value);
        a24_config_dispose(&cfg);
    }
}

static void config_env_overrides_file(void **state)
{
    struct fixture *fx = *state;
    a24_config_t cfg;

    setenv("ANSWER24_HTTP_STATIC_DIR", "/env/web", 1);
    setenv("ANSWER24_DEADLINES_CRISIS", "45m", 1);
    setenv("ANSWER24_HTTP_TRUST_PROXY", "on", 1);
    setenv("ANSWER24_LIMITS_SUBMISSIONS_PER_HOUR", "7", 1);
    setenv("ANSWER24_HTTP_MAX_BODY", "64KiB", 1);
    setenv("ANSWER24_ALERTS_WEBHOOK_SECRET", "", 1);
    expect_success(fx,
                   "http:\n"
                   "  static_dir: /file/web\n"
                   "  listen: 0.0.0.0:80\n"
                   "deadlines:\n"
                   "  crisis: 2h\n"
                   "alerts:\n"
                   "  webhook_secret: from-file\n",
                   &cfg);
    assert_string_equal(cfg.http.static_dir, "/env/web");
    assert_string_equal(cfg.http.listen, "0.0.0.0:80");
    assert_int_equal(cfg.deadlines.crisis, MIN(45));
    assert_int_equal(cfg.http.trust_proxy, 1);
    assert_int_equal(cfg.limits.submissions_per_hour, 7);
    assert_int_equal(cfg.http.max_body, 64 * 1024);
    assert_string_equal(cfg.alerts.webhook_secret, "");
    a24_config_dispose(&cfg);

    /* Without a file, the environment lays over the defaults. */
    char err[256] = "";
    assert_int_equal(a24_config_load(&cfg, NULL, err, sizeof(err)), 0);
    assert_string_equal(cfg.http.static_dir, "/env/web");
    assert_string_equal(cfg.http.listen, "127.0.0.1:8024");
    a24_config_dispose(&cfg);
}

static void config_env_bad_value_names_variable(void **state)
{
    const char *err;

    setenv("ANSWER24_DEADLINES_ANSWER", "soon", 1);
    err = expect_failure(*state, NULL,
                         "ANSWER24_DEADLINES_ANSWER: deadlines.answer: expected a duration like "
                         "90s, got \"soon\"");
    assert_int_equal(strncmp(err, "ANSWER24_DEADLINES_ANSWER", 25), 0);
    unsetenv("ANSWER24_DEADLINES_ANSWER");

    setenv("ANSWER24_HTTP_TRUST_PROXY", "maybe", 1);
    expect_failure(*state, "http:\n  trust_proxy: true\n", "ANSWER24_HTTP_TRUST_PROXY");
    unsetenv("ANSWER24_HTTP_TRUST_PROXY");

    setenv("ANSWER24_HTTP_LISTEN", "8024", 1);
    expect_failure(*state, NULL, "ANSWER24_HTTP_LISTEN: http.listen: expected host:port");
    unsetenv("ANSWER24_HTTP_LISTEN");

    setenv("ANSWER24_LIMITS_CODE_CHECKS_PER_HOUR", "-1", 1);
    expect_failure(*state, NULL, "ANSWER24_LIMITS_CODE_CHECKS_PER_HOUR");
}

static void config_unknown_key(void **state)
{
    const char *err;

    err = expect_failure(*state, "http:\n  listen: 127.0.0.1:1\n  lisen: 127.0.0.1:2\n",
                         ":3: http.lisen: unknown key");
    assert_int_equal(
        strncmp(err, ((struct fixture *)*state)->path, strlen(((struct fixture *)*state)->path)),
        0);
    expect_failure(*state, "htp:\n  listen: 127.0.0.1:1\n", ":1: htp: unknown section");
    expect_failure(*state, "alerts:\n  webhook:\n    - url: http://x\n",
                   ":2: alerts.webhook: unknown key");
    expect_failure(*state, "escalation:\n  - at: 50%\n    notify: experts\n    when: now\n",
                   ":4: escalation[0].when: unknown key");
    expect_failure(*state,
                   "alerts:\n  webhooks:\n    - url: http://x\n      notify: oncall\n"
                   "      secret: x\n",
                   ":5: alerts.webhooks[0].secret: unknown key");
}

FAILURES_TEST(
    config_bad_types,
    {"deadlines:\n  answer: soon\n",
     ":2: deadlines.answer: expected a duration like 90s, got \"soon\""},
    {"deadlines:\n  crisis: 0s\n", ":2: deadlines.crisis: must be more than zero, got \"0s\""},
    {"deadlines:\n  answer: -1h\n", ":2: deadlines.answer: expected a duration"},
    {"deadlines:\n  answer:\n", ":2: deadlines.answer: expected a duration like 90s, got \"\""},
    {"limits:\n  submissions_per_hour: -3\n",
     ":2: limits.submissions_per_hour: expected a whole number like 20, got \"-3\""},
    {"limits:\n  submissions_per_hour: 1e3\n", "limits.submissions_per_hour: expected"},
    {"limits:\n  submissions_per_hour: 99999999999\n", "limits.submissions_per_hour: expected"},
    {"http:\n  max_body: 16KB\n", ":2: http.max_body: expected a size like 16384 or 16KiB"},
    {"http:\n  max_body: 0\n", "http.max_body: must be more than zero"},
    {"http:\n  trust_proxy: maybe\n",
     ":2: http.trust_proxy: expected true or false, got \"maybe\""},
    {"http:\n  listen: [127.0.0.1, 8024]\n",
     ":2: http.listen: expected a single value, got a list"},
    {"http:\n  listen:\n    host: x\n", ":3: http.listen: expected a single value, got a mapping"},
    {"http: 127.0.0.1:8024\n", ":1: http: expected a mapping of keys, got a single value"},
    {"- http\n", ":1: expected a mapping of sections"},
    {"just a string\n", ":1: expected a mapping of sections"},
    {"http:\n  static_dir: \"\"\n", ":2: http.static_dir: must not be empty"},
    {"http:\n  static_dir: \"a\\0b\"\n", ":2: http.static_dir: contains a NUL byte"},
    {"http:\n  ? [a, b]\n  : c\n", "http: expected a key name, got a list"},
    {"redis:\n  reconnect_min: 10s\n  reconnect_max: 1s\n",
     ":2: redis.reconnect_min: must not exceed redis.reconnect_max"})

static void config_listen_and_level_checked(void **state)
{
    static const char *const good[] = {"127.0.0.1:8024", "0.0.0.0:1", "localhost:65535",
                                       "[::1]:8024", "[::]:80"};
    static const char *const bad[] = {
        "8024",      ":8024", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "::1:8024",
        "[::1]8024", "[]:80", "host:80x",   "host :80",    "127.0.0.1:-1"};
    a24_config_t cfg;
    char text[128];

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        snprintf(text, sizeof(text), "http:\n  listen: \"%s\"\n", good[i]);
        expect_success(*state, text, &cfg);
        assert_string_equal(cfg.http.listen, good[i]);
        a24_config_dispose(&cfg);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(text, sizeof(text), "http:\n  listen: \"%s\"\n", bad[i]);
        expect_failure(*state, text,
                       ":2: http.listen: expected host:port with a port from 1 to 65535");
    }
    expect_success(*state, "log:\n  level: error\n", &cfg);
    assert_string_equal(cfg.log.level, "error");
    a24_config_dispose(&cfg);
    expect_failure(*state, "log:\n  level: verbose\n",
                   ":2: log.level: expected one of debug, info, warn, error, got \"verbose\"");
}

static void config_trusted_proxies_and_public_url(void **state)
{
    a24_config_t cfg;

    expect_success(*state, "http:\n  trusted_proxies: [10.0.0.0/8, \"::1\", 192.0.2.7]\n", &cfg);
    assert_string_equal(cfg.http.trusted_proxies, "10.0.0.0/8, ::1, 192.0.2.7");
    assert_string_equal(cfg.http.public_url, "");
    a24_config_dispose(&cfg);
    expect_success(*state,
                   "http:\n  trusted_proxies: \"127.0.0.1, fd00::/8\"\n"
                   "  public_url: https://desk.example.org\n",
                   &cfg);
    assert_string_equal(cfg.http.trusted_proxies, "127.0.0.1, fd00::/8");
    assert_string_equal(cfg.http.public_url, "https://desk.example.org");
    a24_config_dispose(&cfg);
    expect_failure(*state, "http:\n  trusted_proxies: [10.0.0.0/33]\n",
                   ":2: http.trusted_proxies: expected addresses or CIDRs");
    expect_failure(*state, "http:\n  trusted_proxies: \"proxy.local\"\n",
                   "http.trusted_proxies: expected addresses or CIDRs");
    expect_failure(*state, "http:\n  public_url: desk.example.org\n",
                   "http.public_url: expected an origin like https://desk.example.org");
    expect_success(*state, "limits:\n  crisis_submissions_per_hour: 2\n  intake_per_minute: 0\n",
                   &cfg);
    assert_int_equal(cfg.limits.crisis_submissions_per_hour, 2);
    assert_int_equal(cfg.limits.intake_per_minute, 0);
    a24_config_dispose(&cfg);
}

static void config_escalation_parsing(void **state)
{
    a24_config_t cfg;

    expect_success(*state,
                   "escalation:\n"
                   "  - at: 0%\n"
                   "    notify: [experts]\n"
                   "  - at: 12.5%\n"
                   "    notify: [oncall, supervisor, oncall]\n"
                   "    repeat: 90s\n"
                   "  - {at: 100%, notify: supervisor, repeat: 1500ms}\n"
                   "  - at: 1000%\n"
                   "    notify:\n"
                   "      - experts\n"
                   "      - oncall\n"
                   "      - supervisor\n"
                   "    repeat: 0s\n",
                   &cfg);
    assert_int_equal(cfg.escalation_len, 4);
    assert_int_equal(cfg.escalation[0].at_permille, 0);
    assert_int_equal(cfg.escalation[0].notify, A24_NOTIFY_EXPERTS);
    assert_int_equal(cfg.escalation[0].repeat, 0);
    assert_int_equal(cfg.escalation[1].at_permille, 125);
    assert_int_equal(cfg.escalation[1].notify, A24_NOTIFY_ONCALL | A24_NOTIFY_SUPERVISOR);
    assert_int_equal(cfg.escalation[1].repeat, MS(90));
    assert_int_equal(cfg.escalation[2].at_permille, 1000);
    assert_int_equal(cfg.escalation[2].notify, A24_NOTIFY_SUPERVISOR);
    assert_int_equal(cfg.escalation[2].repeat, 1500);
    assert_int_equal(cfg.escalation[3].at_permille, 10000);
    assert_int_equal(cfg.escalation[3].notify,
                     A24_NOTIFY_EXPERTS | A24_NOTIFY_ONCALL | A24_NOTIFY_SUPERVISOR);
    a24_config_dispose(&cfg);

    /* An explicit empty list is an empty ladder. */
    expect_success(*state, "escalation: []\n", &cfg);
    assert_int_equal(cfg.escalation_len, 0);
    a24_config_dispose(&cfg);
}

FAILURES_TEST(
    config_escalation_errors,
    {"escalation:\n  - at: 50\n    notify: experts\n",
     ":2: escalation[0].at: expected a percentage from 0% to 1000% like 80%, got \"50\""},
    {"escalation:\n  - at: 12.55%\n    notify: experts\n", ":2: escalation[0].at: expected"},
    {"escalation:\n  - at: 1000.1%\n    notify: experts\n", ":2: escalation[0].at: expected"},
    {"escalation:\n  - at: 1001%\n    notify: experts\n", ":2: escalation[0].at: expected"},
    {"escalation:\n  - at: -5%\n    notify: experts\n", ":2: escalation[0].at: expected"},
    {"escalation:\n  - at: .5%\n    notify: experts\n", ":2: escalation[0].at: expected"},
    {"escalation:\n  - at: 5.%\n    notify: experts\n", ":2: escalation[0].at: expected"},
    {"escalation:\n  - at: 50%\n    notify: everyone\n",
     ":3: escalation[0].notify: expected experts, oncall or supervisor, got \"everyone\""},
    {"escalation:\n  - at: 50%\n    notify: [oncall, boss]\n",
     ":3: escalation[0].notify: expected experts, oncall or supervisor, got \"boss\""},
    {"escalation:\n  - at: 50%\n    notify: []\n",
     ":3: escalation[0].notify: expected at least one of experts, oncall, supervisor"},
    {"escalation:\n  - at: 50%\n    notify: experts\n    repeat: often\n",
     ":4: escalation[0].repeat: expected a duration like 30m, got \"often\""},
    {"escalation:\n  - notify: experts\n", ":2: escalation[0]: missing at"},
    {"escalation:\n  - at: 50%\n", ":2: escalation[0]: missing notify"},
    {"escalation:\n  - at: 50%\n    at: 60%\n    notify: experts\n",
     ":3: escalation[0].at: given twice (first on line 2)"},
    {"escalation:\n  - 50%\n", ":2: escalation[0]: expected a mapping with at and notify"},
    {"escalation:\n  at: 50%\n", ":2: escalation: expected a list of steps"},
    {"escalation:\n", ":1: escalation: expected a list of steps"},
    {"escalation:\n  - {at: 80%, notify: oncall}\n  - {at: 50%, notify: experts}\n",
     ":3: escalation[1].at: steps must be in order of at"},
    {"escalation: []\nescalation: []\n", ":2: escalation: given twice (first on line 1)"})

static void config_webhooks(void **state)
{
    a24_config_t cfg;

    expect_success(*state,
                   "alerts:\n"
                   "  webhooks:\n"
                   "    - url: http://127.0.0.1:9000/hook\n"
                   "      notify: [oncall, supervisor]\n"
                   "    - url: https://chat.example.org/hooks/abc?x=1\n"
                   "      notify: supervisor\n"
                   "  webhook_secret: s3cret\n",
                   &cfg);
    assert_int_equal(cfg.alerts.webhooks_len, 2);
    assert_string_equal(cfg.alerts.webhooks[0].url, "http://127.0.0.1:9000/hook");
    assert_int_equal(cfg.alerts.webhooks[0].notify, A24_NOTIFY_ONCALL | A24_NOTIFY_SUPERVISOR);
    assert_string_equal(cfg.alerts.webhooks[1].url, "https://chat.example.org/hooks/abc?x=1");
    assert_int_equal(cfg.alerts.webhooks[1].notify, A24_NOTIFY_SUPERVISOR);
    assert_int_equal(cfg.escalation_len, 3);
    a24_config_dispose(&cfg);

    /* Unsigned deliveries only when asked for. */
    expect_failure(*state, "alerts:\n  webhooks:\n    - url: http://x\n      notify: oncall\n",
                   ":2: alerts.webhooks: alerts.webhook_secret is required");
    expect_success(*state,
                   "alerts:\n  webhook_unsigned: true\n  webhooks:\n    - url: http://x\n"
                   "      notify: oncall\n",
                   &cfg);
    assert_int_equal(cfg.alerts.webhook_unsigned, 1);
    a24_config_dispose(&cfg);

    expect_success(*state, "alerts:\n  webhooks: []\n", &cfg);
    assert_int_equal(cfg.alerts.webhooks_len, 0);
    a24_config_dispose(&cfg);
    expect_success(*state, "alerts:\n  webhooks:\n", &cfg);
    assert_int_equal(cfg.alerts.webhooks_len, 0);
    a24_config_dispose(&cfg);
}

FAILURES_TEST(
    config_webhook_errors,
    {"alerts:\n  webhooks:\n    - url: ftp://x/hook\n      notify: oncall\n",
     ":3: alerts.webhooks[0].url: expected a URL starting with http:// or https://, got "
     "\"ftp://x/hook\""},
    {"alerts:\n  webhooks:\n    - url: http://\n      notify: oncall\n",
     ":3: alerts.webhooks[0].url: expected a URL"},
    {"alerts:\n  webhooks:\n    - url: \"http://a b\"\n      notify: oncall\n",
     ":3: alerts.webhooks[0].url: a URL has no spaces"},
    {"alerts:\n  webhooks:\n    - url: http://x\n      notify: [oncall, pager]\n",
     ":4: alerts.webhooks[0].notify: expected experts, oncall or supervisor, got \"pager\""},
    {"alerts:\n  webhooks:\n    - notify: oncall\n", ":3: alerts.webhooks[0]: missing url"},
    {"alerts:\n  webhooks:\n    - url: http://x\n      notify: oncall\n    - url: http://y\n",
     ":5: alerts.webhooks[1]: missing notify"},
    {"alerts:\n  webhooks:\n    url: http://x\n", ":3: alerts.webhooks: expected a list"},
    {"alerts:\n  webhooks:\n    - http://x\n",
     ":3: alerts.webhooks[0]: expected a mapping with url and notify"},
    {"alerts:\n  webhooks: []\n  webhooks: []\n",
     ":3: alerts.webhooks: given twice (first on line 2)"})

static void config_duplicate_key(void **state)
{
    expect_failure(*state, "http:\n  listen: 127.0.0.1:1\n  listen: 127.0.0.1:2\n",
                   ":3: http.listen: given twice (first on line 2)");
    expect_failure(*state, "http:\n  listen: 127.0.0.1:1\nlog:\n  level: info\nhttp:\n",
                   ":5: http: given twice (first on line 1)");
}

static void config_invalid_yaml_line_number(void **state)
{
    const char *err;

    err = expect_failure(*state,
                         "http:\n"
                         "  listen: 127.0.0.1:8024\n"
                         "deadlines:\n"
                         "  answer: 24h\n"
                         "  crisis: 1h: 2h\n",
                         ":5: invalid YAML: ");
    assert_int_equal(
        strncmp(err, ((struct fixture *)*state)->path, strlen(((struct fixture *)*state)->path)),
        0);
    expect_failure(*state, "http:\n  listen: [127.0.0.1\n", "invalid YAML");
    expect_failure(*state, "a: 1\n\n\n\xff\xfe\n", ":4: invalid YAML: ");
    expect_failure(*state, "http:\n  listen: *nowhere\n", ":2: invalid YAML: ");
    expect_failure(*state, "log:\n  level: info\n---\nlog:\n  level: warn\n",
                   ":3: only one YAML document is allowed");
}

static void config_errors_are_one_line(void **state)
{
    const char *err;

    /* A value with line breaks in it is repeated escaped, never broken. */
    err = expect_failure(*state, "deadlines:\n  answer: \"one\\ntwo\\r\\nthree\"\n",
                         ":2: deadlines.answer: expected a duration like 90s, got "
                         "\"one\\x0atwo\\x0d\\x0athree\"");
    assert_null(strchr(err, '\r'));
    /* A block scalar ends in a line break of its own. */
    expect_failure(*state, "log:\n  level: |\n    info\n", "log.level: expected one of");
    /* Long values are cut short. */
    err = expect_failure(
        *state,
        "deadlines:\n  answer: "
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
        "...\"");
    assert_true(strlen(err) < 200);
    /* A small buffer is filled, not overrun. */
    char small[16];
    a24_config_t cfg;
    write_config(*state, "log:\n  level: loud\n");
    assert_int_equal(a24_config_load(&cfg, ((struct fixture *)*state)->path, small, sizeof(small)),
                     -1);
    assert_int_equal(strlen(small), sizeof(small) - 1);
    assert_int_equal(a24_config_load(&cfg, ((struct fixture *)*state)->path, NULL, 0), -1);
    assert_true(is_zeroed(&cfg));
}

static void config_missing_file(void **state)
{
    struct fixture *fx = *state;
    char err[512] = "", missing[160];
    a24_config_t cfg;

    snprintf(missing, sizeof(missing), "%s/absent.yaml", fx->dir);
    assert_int_equal(a24_config_load(&cfg, missing, err, sizeof(err)), -1);
    assert_true(is_zeroed(&cfg));
    assert_non_null(strstr(err, missing));
    assert_non_null(strstr(err, "cannot open"));
    assert_null(strchr(err, '\n'));

    /* A directory opens but cannot be read as a file. */
    assert_int_equal(a24_config_load(&cfg, fx->dir, err, sizeof(err)), -1);
    assert_true(is_zeroed(&cfg));
    assert_non_null(strstr(err, fx->dir));
}

static void config_print_reference(void **state)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    (void)state;
    assert_non_null(out);
    a24_config_print_reference(out);
    assert_int_equal(fclose(out), 0);
    static const char *const expected[] = {
        "http.listen",
        "ANSWER24_HTTP_LISTEN",
        "ANSWER24_HTTP_STATIC_DIR",
        "ANSWER24_HTTP_MAX_BODY",
        "ANSWER24_HTTP_REQUEST_TIMEOUT",
        "ANSWER24_HTTP_IDLE_TIMEOUT",
        "ANSWER24_HTTP_TRUST_PROXY",
        "ANSWER24_REDIS_URL",
        "ANSWER24_REDIS_RECONNECT_MIN",
        "ANSWER24_REDIS_RECONNECT_MAX",
        "ANSWER24_DEADLINES_ANSWER",
        "ANSWER24_DEADLINES_GREEN_CHANNEL",
        "ANSWER24_DEADLINES_CRISIS",
        "ANSWER24_DEADLINES_OFFER_TIMEOUT",
        "ANSWER24_DEADLINES_CLAIM_LEASE",
        "ANSWER24_ALERTS_WEBHOOK_SECRET",
        "ANSWER24_ALERTS_ACK_TIMEOUT",
        "ANSWER24_SECRETS_KEY_FILE",
        "ANSWER24_LIMITS_SUBMISSIONS_PER_HOUR",
        "ANSWER24_LIMITS_CODE_CHECKS_PER_HOUR",
        "ANSWER24_SCREENING_DATA_DIR",
        "ANSWER24_PRIVACY_RETENTION",
        "ANSWER24_LOG_LEVEL",
        "default: 127.0.0.1:8024",
        "default: 24h",
        "default: 50% experts; 80% oncall repeat 30m; 100% supervisor repeat 15m",
        "alerts.webhooks",
    };
    for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
        if (strstr(text, expected[i]) == NULL)
            fail_msg("reference lacks \"%s\"", expected[i]);
    free(text);
}

/* The protocol keys of issue 9: defaults, and what http.public_url accepts. */
static void config_protocol_keys(void **state)
{
    static const char *const bad[] = {"desk.example.org", "ftp://desk", "https://", "https:///x",
                                      "https://desk example"};
    a24_config_t cfg;
    char text[128];

    expect_success(*state, "", &cfg);
    assert_int_equal(cfg.http.h2c, 0);
    assert_int_equal(cfg.http.max_connections, 0);
    assert_int_equal(cfg.http.max_connections_per_client, 64);
    assert_string_equal(cfg.http.public_url, "");
    a24_config_dispose(&cfg);
    expect_success(*state,
                   "http:\n  h2c: true\n  max_connections: 500\n  max_connections_per_client: 0\n"
                   "  public_url: https://desk.example.org\n",
                   &cfg);
    assert_int_equal(cfg.http.h2c, 1);
    assert_int_equal(cfg.http.max_connections, 500);
    assert_int_equal(cfg.http.max_connections_per_client, 0);
    assert_string_equal(cfg.http.public_url, "https://desk.example.org");
    a24_config_dispose(&cfg);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(text, sizeof(text), "http:\n  public_url: \"%s\"\n", bad[i]);
        expect_failure(*state, text, ":2: http.public_url: expected an origin like https://");
    }
    expect_failure(*state, "http:\n  max_connections: -1\n", ":2: http.max_connections:");
}

/* Every ANSWER24_* variable the reference names is one the loader honours. */
static void config_every_key_has_env_override(void **state)
{
    char *text = NULL, *line, *save = NULL;
    size_t len = 0, checked = 0;
    FILE *out = open_memstream(&text, &len);
    a24_config_t cfg;
    char err[512];

    (void)state;
    assert_non_null(out);
    a24_config_print_reference(out);
    assert_int_equal(fclose(out), 0);
    for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        char *var = strstr(line, "ANSWER24_"), *end;
        if (var == NULL)
            continue;
        if ((end = strchr(var, ' ')) != NULL)
            *end = '\0';
        /* "" is a bad value for every key but webhook_secret, quiet_hours and public_url. */
        setenv(var, "", 1);
        int rc = a24_config_load(&cfg, NULL, err, sizeof(err));
        unsetenv(var);
        if (strcmp(var, "ANSWER24_ALERTS_WEBHOOK_SECRET") == 0 ||
            strcmp(var, "ANSWER24_ALERTS_QUIET_HOURS") == 0 ||
            strcmp(var, "ANSWER24_WORKER_METRICS_LISTEN") == 0 ||
            strcmp(var, "ANSWER24_HTTP_TRUSTED_PROXIES") == 0 ||
            strcmp(var, "ANSWER24_HTTP_PUBLIC_URL") == 0 ||
            strcmp(var, "ANSWER24_REDIS_PASSWORD_FILE") == 0 ||
            strcmp(var, "ANSWER24_REDIS_USERNAME") == 0 ||
            strcmp(var, "ANSWER24_REDIS_SENTINELS") == 0 ||
            strcmp(var, "ANSWER24_REDIS_SENTINEL_PASSWORD") == 0) {
            assert_int_equal(rc, 0);
            a24_config_dispose(&cfg);
        } else {
            assert_int_equal(rc, -1);
            if (strncmp(err, var, strlen(var)) != 0)
                fail_msg("%s: error \"%s\" does not name it", var, err);
        }
        checked++;
    }
    assert_int_equal(checked, 55); /* every scalar key of the table */
    free(text);
}

/* redis.password_file and redis.username are folded into redis.url, escaped. */
/* redis.sentinels (a list or "a, b") and the master name are folded into redis.url. */
static void config_redis_sentinels(void **state)
{
    a24_config_t cfg;

    expect_success(*state,
                   "redis:\n  url: redis://u:p%40w@10.0.0.5:6380/2\n"
                   "  sentinels: [\"127.0.0.1:26479\", \"127.0.0.1:26480\"]\n"
                   "  sentinel_password: \"s p\"\n  wait_replicas: 1\n",
                   &cfg);
    assert_string_equal(cfg.redis.sentinels, "127.0.0.1:26479, 127.0.0.1:26480");
    assert_string_equal(cfg.redis.master_name, "answer24");
    assert_int_equal(cfg.redis.wait_replicas, 1);
    assert_int_equal(cfg.redis.wait_timeout, 1000);
    assert_string_equal(cfg.redis.url, "redis+sentinel://u:p%40w@127.0.0.1:26479,127.0.0.1:26480/"
                                       "2?master=answer24&sentinel_password=s%20p");
    a24_config_dispose(&cfg);
    setenv("ANSWER24_REDIS_SENTINELS", "10.0.0.1:26379 10.0.0.2:26379", 1);
    expect_success(*state, "redis:\n  master_name: desk\n", &cfg);
    unsetenv("ANSWER24_REDIS_SENTINELS");
    assert_string_equal(cfg.redis.url,
                        "redis+sentinel://10.0.0.1:26379,10.0.0.2:26379/0?master=desk");
    a24_config_dispose(&cfg);
    expect_failure(*state, "redis:\n  sentinels: [\"127.0.0.1\"]\n",
                   ":2: redis.sentinels: expected host:port entries");
    expect_failure(*state, "redis:\n  master_name: \"a b\"\n", "redis.master_name");
    expect_failure(*state, "redis:\n  wait_replicas: 1\n  wait_timeout: 5s\n",
                   "redis.wait_timeout: must be shorter than http.request_timeout");
}

static void config_redis_password_file(void **state)
{
    struct fixture *fx = *state;
    char err[512] = "", pwfile[160];
    a24_config_t cfg;

    snprintf(pwfile, sizeof(pwfile), "%s/redis.pw", fx->dir);
    FILE *f = fopen(pwfile, "w");
    assert_non_null(f);
    fputs("s3cr@t:/x \nsecond line\n", f);
    fclose(f);
    setenv("ANSWER24_REDIS_URL", "redis://10.0.0.5:6380/2", 1);
    setenv("ANSWER24_REDIS_PASSWORD_FILE", pwfile, 1);
    setenv("ANSWER24_REDIS_USERNAME", "answer24", 1);
    setenv("ANSWER24_REDIS_MEMORY_ALERT", "75%", 1);
    assert_int_equal(a24_config_load(&cfg, NULL, err, sizeof(err)), 0);
    assert_string_equal(cfg.redis.url, "redis://answer24:s3cr%40t%3A%2Fx@10.0.0.5:6380/2");
    assert_int_equal(cfg.redis.memory_alert, 750);
    assert_int_equal(cfg.privacy.erase_after, MIN(10));
    a24_config_dispose(&cfg);

    /* Credentials in both places: refused, naming the key, never the password. */
    setenv("ANSWER24_REDIS_URL", "redis://:other@10.0.0.5:6380/2", 1);
    assert_int_equal(a24_config_load(&cfg, NULL, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "redis.password_file"));
    assert_null(strstr(err, "other"));
    assert_null(strstr(err, "s3cr"));

    setenv("ANSWER24_REDIS_URL", "redis://10.0.0.5:6380/2", 1);
    f = fopen(pwfile, "w");
    fclose(f);
    assert_int_equal(a24_config_load(&cfg, NULL, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no password"));
    unlink(pwfile);
    assert_int_equal(a24_config_load(&cfg, NULL, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "cannot open"));

    unsetenv("ANSWER24_REDIS_PASSWORD_FILE");
    assert_int_equal(a24_config_load(&cfg, NULL, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "redis.username"));
    unsetenv("ANSWER24_REDIS_USERNAME");
    setenv("ANSWER24_REDIS_MEMORY_ALERT", "80", 1);
    assert_int_equal(a24_config_load(&cfg, NULL, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "percentage"));
}

static const struct CMUnitTest tests[] = {
    A24_UNIT_TEST(config_duration_units),
    A24_UNIT_TEST(config_duration_rejects_bad),
    A24_UNIT_TEST(config_defaults_match_contract),
    A24_UNIT_TEST(config_empty_documents_keep_defaults),
    A24_UNIT_TEST(config_full_file_overrides_everything),
    A24_UNIT_TEST(config_size_and_bool_spellings),
    A24_UNIT_TEST(config_env_overrides_file),
    A24_UNIT_TEST(config_env_bad_value_names_variable),
    A24_UNIT_TEST(config_unknown_key),
    A24_UNIT_TEST(config_bad_types),
    A24_UNIT_TEST(config_listen_and_level_checked),
    A24_UNIT_TEST(config_escalation_parsing),
    A24_UNIT_TEST(config_escalation_errors),
    A24_UNIT_TEST(config_webhooks),
    A24_UNIT_TEST(config_webhook_errors),
    A24_UNIT_TEST(config_duplicate_key),
    A24_UNIT_TEST(config_invalid_yaml_line_number),
    A24_UNIT_TEST(config_errors_are_one_line),
    A24_UNIT_TEST(config_missing_file),
    A24_UNIT_TEST(config_print_reference),
    A24_UNIT_TEST(config_every_key_has_env_override),
    A24_UNIT_TEST(config_trusted_proxies_and_public_url),
    A24_UNIT_TEST(config_redis_password_file),
    A24_UNIT_TEST(config_redis_sentinels),
    A24_UNIT_TEST(config_protocol_keys),
};

A24_UNIT_RUN(tests)
