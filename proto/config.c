/*
 * config: the defaults, the YAML file and the environment, folded into one a24_config_t.
 *
 * Owns the key table (the one list of scalar keys: their types, defaults, environment
 * variables and meanings), the value parsers (durations, sizes, counts, booleans,
 * percentages) and the shape of the YAML file, including the two lists the table cannot
 * hold: the escalation ladder and the alert webhooks. Each program calls
 * a24_config_load once at start and afterwards only reads the result.
 *
 * Must never: keep a pointer into libyaml's document after the load, accept a key or
 * section it does not know, let a bad value fall back to its default, leave anything
 * allocated behind a failed load, or write more than one line of error text.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <yaml.h>

#include "rota.h"

#ifndef A24_DEFAULT_WEB_DIR
#define A24_DEFAULT_WEB_DIR "/usr/share/answer24/web"
#endif
#ifndef A24_DEFAULT_DATA_DIR
#define A24_DEFAULT_DATA_DIR "/usr/share/answer24/data"
#endif

/* A configuration file is a page of text; anything this large is a mistake. */
#define MAX_FILE_BYTES (1024 * 1024)

/* How much of an offending value an error message repeats. */
#define MAX_QUOTED 60

/* ------------------------------------------------------------------------------
 * Value parsers
 * ------------------------------------------------------------------------------ */

/*
 * Reads the decimal digits at *p into *out and moves *p past them. Fails when there is
 * no digit at all or the number exceeds max; signs and spaces are never digits, so
 * "-1", "+1" and " 1" all fail here.
 */
static int read_decimal(const char **p, uint64_t max, uint64_t *out)
{
    const char *s = *p;
    uint64_t n = 0;

    if (*s < '0' || *s > '9')
        return -1;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (n > (max - d) / 10)
            return -1;
        n = n * 10 + d;
    }
    *p = s;
    *out = n;
    return 0;
}

/* A unit a number may carry, and what one of it is worth. */
typedef struct {
    const char *unit;
    uint64_t scale;
} unit_t;

/*
 * Reads digits followed by exactly one of the `n` `units` and nothing after it; the
 * scaled value must not exceed `max`. 0 with it in *out, or -1.
 */
static int read_scaled(const char *text, const unit_t *units, size_t n, uint64_t max, uint64_t *out)
{
    const char *p = text;
    uint64_t v;

    if (text == NULL || read_decimal(&p, max, &v) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(p, units[i].unit) != 0)
            continue;
        if (v > max / units[i].scale)
            return -1;
        *out = v * units[i].scale;
        return 0;
    }
    return -1;
}

/*
 * Parses a duration: digits, then exactly one unit and nothing after it. The unit list
 * is the contract's; "1h30m" is rejected rather than guessed at.
 */
int a24_duration_parse(const char *text, a24_ms_t *out)
{
    static const unit_t units[] = {
        {"ms", 1}, {"s", 1000}, {"m", 60 * 1000}, {"h", 3600 * 1000}, {"d", 86400 * 1000},
    };
    uint64_t ms;
    if (read_scaled(text, units, sizeof units / sizeof *units, INT64_MAX, &ms) != 0)
        return -1;
    *out = (a24_ms_t)ms;
    return 0;
}

/*
 * Parses a size in bytes: plain digits, or digits followed by KiB, MiB or GiB. Decimal
 * units (KB, MB) are refused on purpose: they would mean 1000 to some and 1024 to others.
 */
static int parse_size(const char *text, size_t *out)
{
    static const unit_t units[] = {
        {"", 1},
        {"KiB", 1024},
        {"MiB", 1024 * 1024},
        {"GiB", 1024 * 1024 * 1024},
    };
    uint64_t bytes;
    if (read_scaled(text, units, sizeof units / sizeof *units, SIZE_MAX, &bytes) != 0)
        return -1;
    *out = (size_t)bytes;
    return 0;
}

/* Parses a non-negative decimal int with nothing before or after the digits. */
static int parse_int(const char *text, int *out)
{
    const char *p = text;
    uint64_t n;

    if (read_decimal(&p, INT_MAX, &n) != 0 || *p != '\0')
        return -1;
    *out = (int)n;
    return 0;
}

/* Parses the YAML 1.1 spellings of a boolean that people actually write. */
static int parse_bool(const char *text, int *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};

    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcasecmp(text, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(text, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

/*
 * Parses a percentage of the answer window into permille: "50%" -> 500, "12.5%" -> 125.
 * At most one decimal place, and at most 1000% (a step ten windows late is still a step,
 * anything beyond is a typo).
 */
static int parse_percent(const char *text, int *permille)
{
    const char *p = text;
    uint64_t whole;
    unsigned tenth = 0;

    if (read_decimal(&p, 1000, &whole) != 0)
        return -1;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        tenth = (unsigned)(*p++ - '0');
    }
    if (strcmp(p, "%") != 0 || whole * 10 + tenth > 10000)
        return -1;
    *permille = (int)(whole * 10 + tenth);
    return 0;
}

/*
 * Checks http.listen: "host:port" or "[v6-address]:port", a non-empty host, a port from
 * 1 to 65535 and no spaces. Returns NULL when fine, else what was expected.
 */
static const char *check_listen(const char *text)
{
    static const char expected[] = "host:port with a port from 1 to 65535";
    const char *port;
    uint64_t n;

    if (strpbrk(text, " \t") != NULL)
        return expected;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (close == NULL || close == text + 1 || close[1] != ':')
            return expected;
        port = close + 2;
    } else {
        const char *colon = strrchr(text, ':');
        if (colon == NULL || colon == text || memchr(text, ':', (size_t)(colon - text)) != NULL)
            return expected;
        port = colon + 1;
    }
    if (read_decimal(&port, 65535, &n) != 0 || *port != '\0' || n == 0)
        return expected;
    return NULL;
}

/* An optional listen address: "" (off) or host:port. */
static const char *check_listen_or_empty(const char *text)
{
    return text[0] == '\0' ? NULL : check_listen(text);
}

/*
 * Steps *p over the commas and spaces before the next entry of a list
 * (http.trusted_proxies, redis.sentinels): the entry's length, or 0 at the list's end.
 */
static size_t next_entry(const char **p)
{
    *p += strspn(*p, ", \t");
    return strcspn(*p, ", \t");
}

/*
 * Checks one entry of http.trusted_proxies: an IPv4 or IPv6 address, optionally with a
 * prefix length ("10.0.0.0/8", "fd00::/8"). `len` bytes of `text`.
 */
static bool proxy_ok(const char *text, size_t len)
{
    char buf[64];
    unsigned char addr[16];
    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, text, len);
    buf[len] = '\0';
    char *slash = strchr(buf, '/');
    int max = strchr(buf, ':') != NULL ? 128 : 32;
    if (slash != NULL) {
        const char *p = slash + 1;
        uint64_t bits;
        if (read_decimal(&p, (uint64_t)max, &bits) != 0 || *p != '\0')
            return false;
        *slash = '\0';
    }
    return inet_pton(max == 128 ? AF_INET6 : AF_INET, buf, addr) == 1;
}

/* Checks http.trusted_proxies: "" or addresses and CIDRs separated by commas or spaces. */
static const char *check_proxies(const char *text)
{
    static const char expected[] = "addresses or CIDRs like 127.0.0.1, 10.0.0.0/8, ::1";
    const char *p = text;
    int count = 0;
    for (size_t n; (n = next_entry(&p)) > 0; p += n)
        if (!proxy_ok(p, n) || ++count > 32)
            return count > 32 ? "at most 32 addresses or CIDRs" : expected;
    return NULL;
}

/*
 * Checks redis.sentinels: "" or 1..8 host:port entries separated by commas or spaces
 * (the YAML list is joined into the same spelling).
 */
static const char *check_sentinels(const char *text)
{
    static const char expected[] = "host:port entries like 127.0.0.1:26379, 10.0.0.2:26379";
    const char *p = text;
    int count = 0;
    for (size_t n; (n = next_entry(&p)) > 0; p += n) {
        char one[300];
        if (n >= sizeof one || ++count > 8)
            return count > 8 ? "at most 8 sentinels" : expected;
        memcpy(one, p, n);
        one[n] = '\0';
        if (check_listen(one) != NULL)
            return expected;
    }
    return NULL;
}

/* Checks redis.master_name: a name without spaces. */
static const char *check_master_name(const char *text)
{
    return strpbrk(text, " \t\r\n") == NULL ? NULL : "a name without spaces";
}

/* Checks http.public_url: "" or an http(s) origin without spaces, query or fragment. */
static const char *check_public_url(const char *text)
{
    static const char expected[] = "an origin like https://desk.example.org";
    if (text[0] == '\0')
        return NULL;
    const char *host = strncmp(text, "https://", 8) == 0  ? text + 8
                       : strncmp(text, "http://", 7) == 0 ? text + 7
                                                          : NULL;
    if (host == NULL || host[0] == '\0' || host[0] == '/' || strpbrk(text, " \t?#") != NULL)
        return expected;
    return NULL;
}

/* Checks log.level against the four levels the logger knows. */
static const char *check_quiet_hours(const char *text)
{
    int start, end;
    return a24_quiet_parse(text, &start, &end) == 0 ? NULL : "quiet hours like 22:00-07:00";
}

static const char *check_level(const char *text)
{
    static const char *const levels[] = {"debug", "info", "warn", "error"};

    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
        if (strcmp(text, levels[i]) == 0)
            return NULL;
    return "one of debug, info, warn, error";
}

/* ------------------------------------------------------------------------------
 * The key table
 * ------------------------------------------------------------------------------ */

enum kind { KIND_STRING, KIND_DURATION, KIND_INT, KIND_SIZE, KIND_BOOL, KIND_PERCENT };

enum {
    NONEMPTY = 1u << 0, /* a string that must not be "" */
    POSITIVE = 1u << 1, /* a number that must not be 0 */
};

struct setting {
    const char *section;
    const char *key;
    enum kind kind;
    size_t offset; /* of the field in a24_config_t */
    unsigned flags;
    const char *(*check)(const char *text); /* strings only: NULL or what was expected */
    const char *def;                        /* parsed like any other value */
    const char *help;                       /* one line */
};

/* The section and key names are the field names, so the two can never drift apart. */
#define KEY(sec, name, kind_, flags_, check_, def_, help_)                                         \
    {                                                                                              \
        .section = #sec, .key = #name, .kind = kind_, .offset = offsetof(a24_config_t, sec.name),  \
        .flags = flags_, .check = check_, .def = def_, .help = help_,                              \
    }

static const struct setting settings[] = {
    KEY(http, listen, KIND_STRING, NONEMPTY, check_listen, "127.0.0.1:8024",
        "address the web front end listens on (host:port)"),
    KEY(http, static_dir, KIND_STRING, NONEMPTY, NULL, A24_DEFAULT_WEB_DIR,
        "directory of the pages and their assets"),
    KEY(http, max_body, KIND_SIZE, POSITIVE, NULL, "16384",
        "largest request body accepted (bytes, or KiB/MiB)"),
    KEY(http, request_timeout, KIND_DURATION, POSITIVE, NULL, "5s",
        "Redis must answer a request within this"),
    KEY(http, idle_timeout, KIND_DURATION, POSITIVE, NULL, "10s",
        "keep-alive and request head read timeout"),
    KEY(http, trust_proxy, KIND_BOOL, 0, NULL, "false",
        "deprecated: true trusts X-Forwarded-For from loopback only (use trusted_proxies)"),
    KEY(http, trusted_proxies, KIND_STRING, 0, check_proxies, "",
        "proxies (addresses, CIDRs; a list or comma-separated) whose X-Forwarded-For is used"),
    KEY(http, public_url, KIND_STRING, 0, check_public_url, "",
        "public origin for return links and QR codes (https://...); empty: from the request"),
    KEY(redis, url, KIND_STRING, NONEMPTY, NULL, "redis://127.0.0.1:6379/0",
        "the Redis primary (redis://host:port/db)"),
    KEY(redis, reconnect_min, KIND_DURATION, POSITIVE, NULL, "100ms",
        "first wait before reconnecting to Redis"),
    KEY(redis, reconnect_max, KIND_DURATION, POSITIVE, NULL, "5s",
        "longest wait between reconnection attempts"),
    KEY(deadlines, answer, KIND_DURATION, POSITIVE, NULL, "24h",
        "answer window of an ordinary question"),
    KEY(deadlines, green_channel, KIND_DURATION, POSITIVE, NULL, "12h",
        "answer window for front-line workers (self-declared)"),
    KEY(deadlines, crisis, KIND_DURATION, POSITIVE, NULL, "1h",
        "answer window of a question screened as crisis"),
    KEY(deadlines, offer_timeout, KIND_DURATION, POSITIVE, NULL, "15m",
        "an offer not claimed in time goes to the next expert"),
    KEY(deadlines, claim_lease, KIND_DURATION, POSITIVE, NULL, "4h",
        "a claim not answered in time returns to the pool"),
    KEY(alerts, webhook_secret, KIND_STRING, 0, NULL, "",
        "HMAC key signing webhook bodies (required with webhooks)"),
    KEY(alerts, ack_timeout, KIND_DURATION, POSITIVE, NULL, "1h",
        "an acknowledged but unresolved alert fires again after this"),
    KEY(alerts, quiet_hours, KIND_STRING, 0, check_quiet_hours, "",
        "HH:MM-HH:MM (rota.timezone) holding experts-only reminders; never crises or breaches"),
    KEY(alerts, crisis_repeat, KIND_DURATION, POSITIVE, NULL, "5m",
        "an unacknowledged crisis alert repeats this often"),
    KEY(alerts, escalate_after, KIND_INT, POSITIVE, NULL, "3",
        "unacknowledged repeats before an alert goes up a level"),
    KEY(alerts, dashboard_url, KIND_STRING, NONEMPTY, NULL, "http://127.0.0.1:8024/oncall",
        "the on-call page, linked from every alert"),
    KEY(alerts, poll, KIND_DURATION, POSITIVE, NULL, "500ms",
        "the deadline engine's backstop poll (it also wakes on new entries)"),
    KEY(alerts, webhook_timeout, KIND_DURATION, POSITIVE, NULL, "5s",
        "time allowed for one webhook delivery attempt"),
    KEY(alerts, retry_max, KIND_DURATION, POSITIVE, NULL, "5m",
        "longest wait between webhook delivery attempts"),
    KEY(alerts, coverage_warning, KIND_DURATION, 0, NULL, "2h",
        "coverage_gap alert this long before no expert covers a language and category; 0: off"),
    KEY(alerts, webhook_unsigned, KIND_BOOL, 0, NULL, "false",
        "allow webhooks without alerts.webhook_secret (unsigned deliveries)"),
    KEY(rota, timezone, KIND_STRING, NONEMPTY, NULL, "UTC",
        "time zone of the rota's shift times (e.g. Asia/Seoul)"),
    KEY(rota, tick, KIND_DURATION, POSITIVE, NULL, "30s",
        "how often the worker starts and ends shifts from the rota"),
    KEY(routing, crisis_cap, KIND_INT, POSITIVE, NULL, "3",
        "most open crisis tickets offered to or held by one expert"),
    KEY(routing, nudge, KIND_INT, POSITIVE, NULL, "20",
        "waiting tickets per pool offered again when an expert comes on duty"),
    KEY(secrets, key_file, KIND_STRING, NONEMPTY, NULL, "/var/lib/answer24/secret.key",
        "32-byte master key, created 0600 on first start"),
    KEY(limits, submissions_per_hour, KIND_INT, 0, NULL, "20",
        "questions one client may submit per hour"),
    KEY(limits, code_checks_per_hour, KIND_INT, 0, NULL, "120",
        "failed access code checks one client may make per hour"),
    KEY(limits, crisis_submissions_per_hour, KIND_INT, 0, NULL, "5",
        "crisis questions one client may still submit per hour past the limit above"),
    KEY(limits, intake_per_minute, KIND_INT, 0, NULL, "600",
        "questions the whole desk takes per minute (0: no limit); crises always pass"),
    KEY(screening, data_dir, KIND_STRING, NONEMPTY, NULL, A24_DEFAULT_DATA_DIR,
        "word lists, crisis lines and examples"),
    KEY(privacy, retention, KIND_DURATION, POSITIVE, NULL, "90d",
        "closed tickets are purged after this"),
    KEY(log, level, KIND_STRING, NONEMPTY, check_level, "info", "debug, info, warn or error"),
    KEY(worker, metrics_listen, KIND_STRING, 0, check_listen_or_empty, "",
        "host:port where answer24-worker serves /metrics; empty: none"),
    KEY(worker, metrics_refresh, KIND_DURATION, POSITIVE, NULL, "2s",
        "how often the worker reads its /metrics figures from Redis"),
    KEY(redis, password_file, KIND_STRING, 0, NULL, "",
        "file holding the Redis password (instead of one in redis.url); empty: none"),
    KEY(redis, username, KIND_STRING, 0, NULL, "",
        "Redis ACL user signing in with redis.password_file; empty: the default user"),
    KEY(redis, memory_alert, KIND_PERCENT, POSITIVE, NULL, "80%",
        "alert (kind redis_memory) when Redis uses this share of its maxmemory"),
    KEY(redis, memory_check, KIND_DURATION, POSITIVE, NULL, "30s",
        "how often the worker compares Redis' memory with its maxmemory"),
    KEY(privacy, erase_after, KIND_DURATION, POSITIVE, NULL, "10m",
        "an AOF rewrite removes withdrawn and purged texts from Redis' files within this"),
    KEY(http, max_streams_per_account, KIND_INT, POSITIVE, NULL, "8",
        "open event streams per staff account and front end (429 beyond)"),
    KEY(redis, sentinels, KIND_STRING, 0, check_sentinels, "",
        "Redis Sentinels (host:port; a list or comma-separated) asked for the primary; "
        "empty: redis.url's host"),
    KEY(redis, master_name, KIND_STRING, NONEMPTY, check_master_name, "answer24",
        "the name the sentinels monitor the primary under"),
    KEY(redis, sentinel_password, KIND_STRING, 0, NULL, "",
        "password of the sentinels (their requirepass); empty: none"),
    KEY(redis, wait_replicas, KIND_INT, 0, NULL, "0",
        "replicas that must have a question (WAIT) before intake answers 201; 0: no wait"),
    KEY(redis, wait_timeout, KIND_DURATION, POSITIVE, NULL, "1s",
        "longest wait for those replicas; then 503"),
    KEY(http, h2c, KIND_BOOL, 0, NULL, "false",
        "HTTP/2 over cleartext; a TLS proxy in front speaks HTTP/2 to browsers"),
    KEY(http, max_connections, KIND_INT, 0, NULL, "0",
        "open connections at most; 0: the open-file limit minus a reserve"),
    KEY(http, max_connections_per_client, KIND_INT, 0, NULL, "64",
        "open connections per client address (IPv6: per /64; loopback exempt); 0: no cap"),
};

#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

/* The escalation ladder of the contract: the default whenever the file has none. */
static const a24_escalation_step_t default_ladder[] = {
    {500, A24_NOTIFY_EXPERTS, 0},
    {800, A24_NOTIFY_ONCALL, 30 * 60 * 1000},
    {1000, A24_NOTIFY_SUPERVISOR, 15 * 60 * 1000},
};

/* The names of the A24_NOTIFY_* bits, in the order messages list them. */
static const struct {
    const char *name;
    unsigned bit;
} recipients[] = {
    {"experts", A24_NOTIFY_EXPERTS},
    {"oncall", A24_NOTIFY_ONCALL},
    {"supervisor", A24_NOTIFY_SUPERVISOR},
};

/* Finds a key of the table; returns its index or -1. */
static int find_setting(const char *section, const char *key)
{
    for (size_t i = 0; i < NSETTINGS; i++)
        if (strcmp(settings[i].section, section) == 0 && strcmp(settings[i].key, key) == 0)
            return (int)i;
    return -1;
}

/*
 * Finds a section: the index of its first key in the table, which also serves as the
 * section's identity, or -1 when no key lives in a section of that name.
 */
static int find_section(const char *section)
{
    for (size_t i = 0; i < NSETTINGS; i++)
        if (strcmp(settings[i].section, section) == 0)
            return (int)i;
    return -1;
}

/* Writes ANSWER24_<SECTION>_<KEY> for a key of the table into buf. */
static void env_name(const struct setting *s, char *buf, size_t len)
{
    snprintf(buf, len, "ANSWER24_%s_%s", s->section, s->key);
    for (char *p = buf; *p != '\0'; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
}

/*
 * Writes text as a double-quoted, escaped, possibly shortened string, so that any value
 * can be repeated in an error message without breaking it across lines.
 */
static void quote(char *out, size_t len, const char *text)
{
    size_t o = 0, shown = 0;

    out[o++] = '"';
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++, shown++) {
        char esc[8];
        if (shown == MAX_QUOTED)
            snprintf(esc, sizeof(esc), "...");
        else if (*p == '"' || *p == '\\')
            snprintf(esc, sizeof(esc), "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            snprintf(esc, sizeof(esc), "\\x%02x", *p);
        else
            snprintf(esc, sizeof(esc), "%c", *p);
        size_t n = strlen(esc);
        if (o + n + 2 > len || shown > MAX_QUOTED)
            break;
        memcpy(out + o, esc, n);
        o += n;
    }
    out[o++] = '"';
    out[o] = '\0';
}

/* A parsed number of any numeric kind. */
typedef union {
    a24_ms_t ms; /* KIND_DURATION */
    int i;       /* KIND_INT, KIND_BOOL, KIND_PERCENT (per mille) */
    size_t n;    /* KIND_SIZE */
} number_t;

/*
 * Parses text as a number of `kind` into *v, *zero telling whether it is 0 (never for
 * a boolean: POSITIVE does not apply to it). NULL, or the form that was expected.
 */
static const char *parse_number(enum kind kind, const char *text, number_t *v, bool *zero)
{
    memset(v, 0, sizeof *v);
    *zero = false;
    switch (kind) {
    case KIND_DURATION:
        if (a24_duration_parse(text, &v->ms) != 0)
            return "a duration like 90s";
        *zero = v->ms == 0;
        return NULL;
    case KIND_INT:
        if (parse_int(text, &v->i) != 0)
            return "a whole number like 20";
        *zero = v->i == 0;
        return NULL;
    case KIND_SIZE:
        if (parse_size(text, &v->n) != 0)
            return "a size like 16384 or 16KiB";
        *zero = v->n == 0;
        return NULL;
    case KIND_BOOL:
        return parse_bool(text, &v->i) != 0 ? "true or false" : NULL;
    case KIND_PERCENT:
        if (parse_percent(text, &v->i) != 0)
            return "a percentage like 80%";
        *zero = v->i == 0;
        return NULL;
    case KIND_STRING:
        break;
    }
    return "a number";
}

/* Stores the number v of `kind` into the field it belongs in. */
static void store_number(char *field, enum kind kind, const number_t *v)
{
    if (kind == KIND_DURATION)
        *(a24_ms_t *)field = v->ms;
    else if (kind == KIND_SIZE)
        *(size_t *)field = v->n;
    else
        *(int *)field = v->i;
}

/*
 * Parses text as the value of key s and stores it in cfg, replacing (and freeing) what
 * was there. Returns 0, or -1 with the reason in why ("expected a duration like 90s, got
 * \"soon\""); on failure the field keeps its old value.
 */
static int set_value(a24_config_t *cfg, const struct setting *s, const char *text, char *why,
                     size_t whylen)
{
    char *field = (char *)cfg + s->offset;
    const char *expected = NULL;
    char got[MAX_QUOTED * 4 + 8];

    quote(got, sizeof(got), text);
    if (s->kind == KIND_STRING) {
        if ((s->flags & NONEMPTY) && text[0] == '\0') {
            snprintf(why, whylen, "must not be empty");
            return -1;
        }
        if (s->check == NULL || (expected = s->check(text)) == NULL) {
            char *copy = strdup(text);
            if (copy == NULL) {
                snprintf(why, whylen, "out of memory");
                return -1;
            }
            free(*(char **)field);
            *(char **)field = copy;
            return 0;
        }
    } else {
        number_t v;
        bool zero = false;
        if ((expected = parse_number(s->kind, text, &v, &zero)) == NULL &&
            !((s->flags & POSITIVE) && zero)) {
            store_number(field, s->kind, &v);
            return 0;
        }
    }
    if (expected != NULL)
        snprintf(why, whylen, "expected %s, got %s", expected, got);
    else
        snprintf(why, whylen, "must be more than zero, got %s", got);
    return -1;
}

/* ------------------------------------------------------------------------------
 * Loading
 * ------------------------------------------------------------------------------ */

/* Where each key's value came from, for messages about it. */
enum { FROM_DEFAULT = 0, FROM_ENV = -1 }; /* > 0: a line of the file */

/* Everything one a24_config_load call works with. */
struct load {
    a24_config_t *cfg;
    const char *path;
    yaml_document_t *doc;
    char *err;
    size_t errlen;
    int line[NSETTINGS];         /* FROM_*, or the file line that set the key */
    int section_line[NSETTINGS]; /* by find_section index: where the section began */
    int escalation_line;
    int webhooks_line;
};

/*
 * Writes one line of error into the caller's buffer: "path:line: message" when line is
 * a line of the file, the message alone otherwise. Control characters that slipped in
 * (from a file name, say) become spaces. Always returns -1, for `return fail(...)`.
 */
static int fail(struct load *ld, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct load *ld, int line, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    if (ld->err == NULL || ld->errlen == 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (line > 0)
        snprintf(ld->err, ld->errlen, "%s:%d: %s", ld->path, line, msg);
    else
        snprintf(ld->err, ld->errlen, "%s", msg);
    for (unsigned char *p = (unsigned char *)ld->err; *p != '\0'; p++)
        if (*p < 0x20 || *p == 0x7f)
            *p = ' ';
    return -1;
}

/* The 1-based line a node starts on. */
static int line_of(const yaml_node_t *node)
{
    return (int)node->start_mark.line + 1;
}

/* True for YAML's null: an empty plain scalar, ~ or null. A quoted "" is not null. */
static bool is_null(const yaml_node_t *node)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};

    if (node->type != YAML_SCALAR_NODE || node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
        if (strcmp((const char *)node->data.scalar.value, nulls[i]) == 0)
            return true;
    return false;
}

/* Names the shape of a node for "expected X, got Y" messages. */
static const char *shape(const yaml_node_t *node)
{
    if (is_null(node))
        return "nothing";
    switch (node->type) {
    case YAML_MAPPING_NODE:
        return "a mapping";
    case YAML_SEQUENCE_NODE:
        return "a list";
    default:
        return "a single value";
    }
}

/*
 * Returns the text of a scalar node (NULL's "" for a null), or NULL with an error
 * written when the node is not a scalar or hides a NUL byte. `what` names it in the
 * message.
 */
static const char *scalar_text(struct load *ld, const yaml_node_t *node, const char *what)
{
    if (node->type != YAML_SCALAR_NODE) {
        fail(ld, line_of(node), "%s: expected a single value, got %s", what, shape(node));
        return NULL;
    }
    if (is_null(node))
        return "";
    if (strlen((const char *)node->data.scalar.value) != node->data.scalar.length) {
        fail(ld, line_of(node), "%s: contains a NUL byte", what);
        return NULL;
    }
    return (const char *)node->data.scalar.value;
}

/* Returns the name a mapping key node holds, or NULL with an error if it is no name. */
static const char *key_text(struct load *ld, const yaml_node_t *node, const char *within)
{
    if (node->type != YAML_SCALAR_NODE) {
        fail(ld, line_of(node), "%s: expected a key name, got %s", within, shape(node));
        return NULL;
    }
    return (const char *)node->data.scalar.value;
}

/* The node behind an index of the document. */
static yaml_node_t *node_at(struct load *ld, int index)
{
    return yaml_document_get_node(ld->doc, index);
}

/*
 * Adds the recipient a scalar node names (experts, oncall or supervisor) to *bits.
 * `what` names the value in messages.
 */
static int add_recipient(struct load *ld, yaml_node_t *node, const char *what, unsigned *bits)
{
    const char *name = scalar_text(ld, node, what);
    char got[MAX_QUOTED * 4 + 8];

    if (name == NULL)
        return -1;
    for (size_t r = 0; r < sizeof(recipients) / sizeof(recipients[0]); r++) {
        if (strcmp(name, recipients[r].name) == 0) {
            *bits |= recipients[r].bit;
            return 0;
        }
    }
    quote(got, sizeof(got), name);
    return fail(ld, line_of(node), "%s: expected experts, oncall or supervisor, got %s", what, got);
}

/* Reads a set of recipients: one name or a non-empty list of names. */
static int load_notify(struct load *ld, yaml_node_t *node, const char *what, unsigned *out)
{
    unsigned bits = 0;

    if (node->type != YAML_SEQUENCE_NODE) {
        if (add_recipient(ld, node, what, &bits) != 0)
            return -1;
    } else {
        yaml_node_item_t *item = node->data.sequence.items.start;
        if (item == node->data.sequence.items.top)
            return fail(ld, line_of(node),
                        "%s: expected at least one of experts, oncall, supervisor, got an empty "
                        "list",
                        what);
        for (; item < node->data.sequence.items.top; item++)
            if (add_recipient(ld, node_at(ld, *item), what, &bits) != 0)
                return -1;
    }
    *out = bits;
    return 0;
}

/*
 * The shape of a top-level list of mappings (the escalation ladder, the webhooks): its
 * name in messages, the keys an entry knows and what each one says when it is missing
 * (NULL: optional), and what reads a value, checks a whole entry and frees the list.
 */
struct list_shape {
    const char *name;
    const char *list_of;      /* "a list of steps (- at: 50%)", for a wrong shape */
    const char *mapping_with; /* "at and notify", for an entry that is not a mapping */
    int null_is_empty;
    const char *const *keys; /* NULL-terminated, at most MAX_ENTRY_KEYS */
    const char *const *missing;
    size_t size;
    int (*read)(struct load *ld, void *entry, size_t key, yaml_node_t *v, const char *path);
    int (*check)(struct load *ld, const void *list, size_t i, const yaml_node_t *node);
    void (*free_list)(void *list, size_t count);
};

#define MAX_ENTRY_KEYS 4

/* Finds key among the shape's keys, or writes the unknown-key error naming them all. */
static int entry_key(struct load *ld, const struct list_shape *s, const yaml_node_t *k,
                     const char *what, const char *key)
{
    char known[128];
    size_t o = 0;

    known[0] = '\0';
    for (size_t n = 0; s->keys[n] != NULL; n++) {
        if (strcmp(key, s->keys[n]) == 0)
            return (int)n;
        o += (size_t)snprintf(known + o, sizeof(known) - o, "%s%s", n > 0 ? ", " : "", s->keys[n]);
    }
    return fail(ld, line_of(k), "%s.%.64s: unknown key (known: %s)", what, key, known);
}

/* Reads entry i of a list of the given shape: a mapping of known keys, none twice. */
static int load_entry(struct load *ld, const struct list_shape *s, yaml_node_t *node, size_t i,
                      void *entry)
{
    char what[64];
    int lines[MAX_ENTRY_KEYS] = {0};

    snprintf(what, sizeof(what), "%s[%zu]", s->name, i);
    if (node->type != YAML_MAPPING_NODE)
        return fail(ld, line_of(node), "%s: expected a mapping with %s, got %s", what,
                    s->mapping_with, shape(node));
    for (yaml_node_pair_t *pair = node->data.mapping.pairs.start;
         pair < node->data.mapping.pairs.top; pair++) {
        yaml_node_t *k = node_at(ld, pair->key), *v = node_at(ld, pair->value);
        const char *key = key_text(ld, k, what);
        char path[96];
        int n;

        if (key == NULL || (n = entry_key(ld, s, k, what, key)) < 0)
            return -1;
        snprintf(path, sizeof(path), "%s.%s", what, key);
        if (lines[n] != 0)
            return fail(ld, line_of(k), "%s: given twice (first on line %d)", path, lines[n]);
        lines[n] = line_of(k);
        if (s->read(ld, entry, (size_t)n, v, path) != 0)
            return -1;
    }
    for (size_t n = 0; s->keys[n] != NULL; n++)
        if (lines[n] == 0 && s->missing[n] != NULL)
            return fail(ld, line_of(node), "%s: missing %s", what, s->missing[n]);
    return 0;
}

/*
 * Reads a top-level list of the given shape (once only) into a new array that replaces
 * *list and *count; the old one is freed.
 */
static int load_list(struct load *ld, const struct list_shape *s, int *seen, const yaml_node_t *key,
                     yaml_node_t *node, void **list, size_t *count)
{
    char *entries = NULL;
    size_t n = 0;

    if (*seen != 0)
        return fail(ld, line_of(key), "%s: given twice (first on line %d)", s->name, *seen);
    *seen = line_of(key);
    if (!(s->null_is_empty && is_null(node))) {
        if (node->type != YAML_SEQUENCE_NODE)
            return fail(ld, line_of(node), "%s: expected %s, got %s", s->name, s->list_of,
                        shape(node));
        n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
    }
    if (n > 0 && (entries = calloc(n, s->size)) == NULL)
        return fail(ld, 0, "%s: out of memory", ld->path);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *item = node_at(ld, node->data.sequence.items.start[i]);
        if (load_entry(ld, s, item, i, entries + i * s->size) != 0 ||
            (s->check != NULL && s->check(ld, entries, i, item) != 0)) {
            s->free_list(entries, n);
            return -1;
        }
    }
    s->free_list(*list, *count);
    *list = entries;
    *count = n;
    return 0;
}

/* Reads one value of an escalation step: at, notify or repeat. */
static int read_step(struct load *ld, void *entry, size_t key, yaml_node_t *v, const char *path)
{
    a24_escalation_step_t *step = entry;
    char got[MAX_QUOTED * 4 + 8];
    const char *text;

    if (key == 1)
        return load_notify(ld, v, path, &step->notify);
    if ((text = scalar_text(ld, v, path)) == NULL)
        return -1;
    quote(got, sizeof(got), text);
    if (key == 0 && parse_percent(text, &step->at_permille) != 0)
        return fail(ld, line_of(v),
                    "%s: expected a percentage from 0%% to 1000%% like 80%%, got %s", path, got);
    if (key == 2 && a24_duration_parse(text, &step->repeat) != 0)
        return fail(ld, line_of(v), "%s: expected a duration like 30m, got %s", path, got);
    return 0;
}

/* Steps must come in order of `at`, so the ladder reads top to bottom the way it fires. */
static int check_step(struct load *ld, const void *list, size_t i, const yaml_node_t *node)
{
    const a24_escalation_step_t *steps = list;

    if (i > 0 && steps[i].at_permille < steps[i - 1].at_permille)
        return fail(ld, line_of(node), "escalation[%zu].at: steps must be in order of at", i);
    return 0;
}

static void free_steps(void *list, size_t count)
{
    (void)count;
    free(list);
}

/*
 * The top-level escalation list, which replaces the default ladder: each step a mapping
 * with at and notify, and optionally repeat.
 */
static const char *const step_keys[] = {"at", "notify", "repeat", NULL};
static const char *const step_missing[] = {"at (like at: 80%)",
                                           "notify (experts, oncall or supervisor)", NULL};
static const struct list_shape escalation_shape = {
    .name = "escalation",
    .list_of = "a list of steps (- at: 50%)",
    .mapping_with = "at and notify",
    .keys = step_keys,
    .missing = step_missing,
    .size = sizeof(a24_escalation_step_t),
    .read = read_step,
    .check = check_step,
    .free_list = free_steps,
};

/* Frees a list of webhooks and the URLs it owns. */
static void free_webhooks(void *list, size_t count)
{
    a24_webhook_t *hooks = list;

    for (size_t i = 0; i < count; i++)
        free(hooks[i].url);
    free(hooks);
}

/* Reads one value of a webhook: an http:// or https:// url, or the recipients. */
static int read_webhook(struct load *ld, void *entry, size_t key, yaml_node_t *v, const char *path)
{
    a24_webhook_t *hook = entry;
    char got[MAX_QUOTED * 4 + 8];
    const char *text;

    if (key == 1)
        return load_notify(ld, v, path, &hook->notify);
    if ((text = scalar_text(ld, v, path)) == NULL)
        return -1;
    quote(got, sizeof(got), text);
    if ((strncmp(text, "http://", 7) != 0 || text[7] == '\0') &&
        (strncmp(text, "https://", 8) != 0 || text[8] == '\0'))
        return fail(ld, line_of(v), "%s: expected a URL starting with http:// or https://, got %s",
                    path, got);
    if (strpbrk(text, " \t") != NULL)
        return fail(ld, line_of(v), "%s: a URL has no spaces, got %s", path, got);
    free(hook->url);
    if ((hook->url = strdup(text)) == NULL)
        return fail(ld, 0, "%s: out of memory", ld->path);
    return 0;
}

/* alerts.webhooks, a list (or null for none) of mappings with url and notify. */
static const char *const webhook_keys[] = {"url", "notify", NULL};
static const char *const webhook_missing[] = {"url", "notify (oncall, supervisor, experts)"};
static const struct list_shape webhooks_shape = {
    .name = "alerts.webhooks",
    .list_of = "a list of {url, notify}",
    .mapping_with = "url and notify",
    .null_is_empty = 1,
    .keys = webhook_keys,
    .missing = webhook_missing,
    .size = sizeof(a24_webhook_t),
    .read = read_webhook,
    .free_list = free_webhooks,
};

static int load_escalation(struct load *ld, const yaml_node_t *key, yaml_node_t *node)
{
    void *list = ld->cfg->escalation;
    int rc = load_list(ld, &escalation_shape, &ld->escalation_line, key, node, &list,
                       &ld->cfg->escalation_len);
    ld->cfg->escalation = list;
    return rc;
}

static int load_webhooks(struct load *ld, const yaml_node_t *key, yaml_node_t *node)
{
    void *list = ld->cfg->alerts.webhooks;
    int rc = load_list(ld, &webhooks_shape, &ld->webhooks_line, key, node, &list,
                       &ld->cfg->alerts.webhooks_len);
    ld->cfg->alerts.webhooks = list;
    return rc;
}

/* Lists the known sections into buf, for the message about an unknown one. */
static void list_sections(char *buf, size_t len)
{
    size_t o = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < NSETTINGS; i++) {
        if (find_section(settings[i].section) != (int)i)
            continue;
        int n = snprintf(buf + o, len - o, "%s, ", settings[i].section);
        if (n < 0 || (size_t)n >= len - o)
            return;
        o += (size_t)n;
    }
    snprintf(buf + o, len - o, "escalation");
}

/*
 * Joins a list of scalars into one new "a, b, c" string (the spelling the environment
 * uses for the same key), or NULL with an error written.
 */
static char *join_list(struct load *ld, yaml_node_t *node, const char *what)
{
    size_t cap = 1, o = 0;
    for (yaml_node_item_t *it = node->data.sequence.items.start; it < node->data.sequence.items.top;
         it++) {
        const char *t = scalar_text(ld, node_at(ld, *it), what);
        if (t == NULL)
            return NULL;
        cap += strlen(t) + 2;
    }
    char *out = malloc(cap);
    if (out == NULL) {
        fail(ld, 0, "%s: out of memory", ld->path);
        return NULL;
    }
    out[0] = '\0';
    for (yaml_node_item_t *it = node->data.sequence.items.start; it < node->data.sequence.items.top;
         it++) {
        const char *t = scalar_text(ld, node_at(ld, *it), what);
        o += (size_t)snprintf(out + o, cap - o, "%s%s", o > 0 ? ", " : "", t);
    }
    return out;
}

/* Reads one section, a mapping of the table's keys (null: nothing set). */
static int load_section(struct load *ld, const char *name, const yaml_node_t *key,
                        yaml_node_t *node)
{
    int section = find_section(name);
    char known[256];

    if (section < 0) {
        list_sections(known, sizeof(known));
        return fail(ld, line_of(key), "%.64s: unknown section (known: %s)", name, known);
    }
    if (ld->section_line[section] != 0)
        return fail(ld, line_of(key), "%s: given twice (first on line %d)", name,
                    ld->section_line[section]);
    ld->section_line[section] = line_of(key);
    if (is_null(node))
        return 0;
    if (node->type != YAML_MAPPING_NODE)
        return fail(ld, line_of(node), "%s: expected a mapping of keys, got %s", name, shape(node));
    for (yaml_node_pair_t *pair = node->data.mapping.pairs.start;
         pair < node->data.mapping.pairs.top; pair++) {
        yaml_node_t *k = node_at(ld, pair->key), *v = node_at(ld, pair->value);
        const char *keyname = key_text(ld, k, name), *text;
        char path[96], why[320];
        int i;

        if (keyname == NULL)
            return -1;
        if (strcmp(name, "alerts") == 0 && strcmp(keyname, "webhooks") == 0) {
            if (load_webhooks(ld, k, v) != 0)
                return -1;
            continue;
        }
        if ((i = find_setting(name, keyname)) < 0)
            return fail(ld, line_of(k), "%s.%.64s: unknown key", name, keyname);
        snprintf(path, sizeof(path), "%s.%s", name, keyname);
        if (ld->line[i] > 0)
            return fail(ld, line_of(k), "%s: given twice (first on line %d)", path, ld->line[i]);
        char *joined = NULL;
        if (v->type == YAML_SEQUENCE_NODE &&
            (settings[i].check == check_proxies || settings[i].check == check_sentinels)) {
            if ((joined = join_list(ld, v, path)) == NULL)
                return -1;
            text = joined;
        } else if ((text = scalar_text(ld, v, path)) == NULL) {
            return -1;
        }
        int rc = set_value(ld->cfg, &settings[i], text, why, sizeof(why));
        free(joined);
        if (rc != 0)
            return fail(ld, line_of(v), "%s: %s", path, why);
        ld->line[i] = line_of(k);
    }
    return 0;
}

/* Reads a whole document: null (an empty file) or a mapping of sections. */
static int load_document(struct load *ld, yaml_node_t *root)
{
    if (root == NULL || is_null(root))
        return 0;
    if (root->type != YAML_MAPPING_NODE)
        return fail(ld, line_of(root),
                    "expected a mapping of sections (http:, redis:, ...), got %s", shape(root));
    for (yaml_node_pair_t *pair = root->data.mapping.pairs.start;
         pair < root->data.mapping.pairs.top; pair++) {
        yaml_node_t *k = node_at(ld, pair->key), *v = node_at(ld, pair->value);
        const char *name = key_text(ld, k, "top level");
        int rc;

        if (name == NULL)
            return -1;
        if (strcmp(name, "escalation") == 0)
            rc = load_escalation(ld, k, v);
        else
            rc = load_section(ld, name, k, v);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* Reports a libyaml failure with the line it happened on. */
static int yaml_fail(struct load *ld, const yaml_parser_t *parser, const char *text, size_t len)
{
    const char *problem = parser->problem ? parser->problem : "cannot parse";
    int line = (int)parser->problem_mark.line + 1;

    if (parser->error == YAML_MEMORY_ERROR)
        return fail(ld, 0, "%s: out of memory", ld->path);
    if (parser->error == YAML_READER_ERROR) {
        /* The reader (bad UTF-8, say) knows only a byte offset; count the lines to it. */
        line = 1;
        for (size_t i = 0; i < parser->problem_offset && i < len; i++)
            line += text[i] == '\n';
    }
    if (parser->context != NULL)
        return fail(ld, line, "invalid YAML: %s (%s)", problem, parser->context);
    return fail(ld, line, "invalid YAML: %s", problem);
}

/*
 * Reads the whole file at ld->path into a new NUL-terminated buffer (the caller frees
 * it). A missing, unreadable or oversized file is an error.
 */
static int read_file(struct load *ld, char **out, size_t *outlen)
{
    FILE *f = fopen(ld->path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = -1;

    if (f == NULL)
        return fail(ld, 0, "%s: cannot open: %s", ld->path, strerror(errno));
    for (;;) {
        if (len + 1 >= cap) {
            char *bigger;
            cap = cap ? cap * 2 : 4096;
            if ((bigger = realloc(buf, cap)) == NULL) {
                fail(ld, 0, "%s: out of memory", ld->path);
                goto cleanup;
            }
            buf = bigger;
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (len > MAX_FILE_BYTES) {
            fail(ld, 0, "%s: larger than %d bytes; is it the right file?", ld->path,
                 MAX_FILE_BYTES);
            goto cleanup;
        }
        if (n == 0)
            break;
    }
    if (ferror(f)) {
        fail(ld, 0, "%s: cannot read: %s", ld->path, strerror(errno));
        goto cleanup;
    }
    buf[len] = '\0';
    *out = buf;
    *outlen = len;
    buf = NULL;
    rc = 0;

cleanup:
    free(buf);
    fclose(f);
    return rc;
}

/*
 * Parses the file at ld->path and lays it over ld->cfg. Exactly one YAML document is
 * allowed; an empty file or an explicitly empty document changes nothing.
 */
static int load_file(struct load *ld)
{
    yaml_parser_t parser;
    yaml_document_t doc, extra;
    bool have_parser = false, have_doc = false;
    char *text = NULL;
    size_t len = 0;
    int rc = -1;

    if (read_file(ld, &text, &len) != 0)
        return -1;
    if (!yaml_parser_initialize(&parser)) {
        fail(ld, 0, "%s: out of memory", ld->path);
        goto cleanup;
    }
    have_parser = true;
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        yaml_fail(ld, &parser, text, len);
        goto cleanup;
    }
    have_doc = true;
    ld->doc = &doc;
    if (load_document(ld, yaml_document_get_root_node(&doc)) != 0)
        goto cleanup;
    if (!yaml_parser_load(&parser, &extra)) {
        yaml_fail(ld, &parser, text, len);
        goto cleanup;
    }
    if (yaml_document_get_root_node(&extra) != NULL) {
        fail(ld, (int)extra.start_mark.line + 1, "only one YAML document is allowed");
        yaml_document_delete(&extra);
        goto cleanup;
    }
    yaml_document_delete(&extra);
    rc = 0;

cleanup:
    ld->doc = NULL;
    if (have_doc)
        yaml_document_delete(&doc);
    if (have_parser)
        yaml_parser_delete(&parser);
    free(text);
    return rc;
}

/* Writes where key i got its value ("config.yaml:7: ", "ANSWER24_X_Y: " or "") to buf. */
static void origin(const struct load *ld, size_t i, char *buf, size_t len)
{
    if (ld->line[i] > 0) {
        snprintf(buf, len, "%s:%d: ", ld->path, ld->line[i]);
    } else if (ld->line[i] == FROM_ENV) {
        env_name(&settings[i], buf, len);
        strncat(buf, ": ", len - strlen(buf) - 1);
    } else {
        buf[0] = '\0';
    }
}

/* Lays the ANSWER24_* variables over the configuration: every scalar key has one. */
static int load_env(struct load *ld)
{
    for (size_t i = 0; i < NSETTINGS; i++) {
        char name[96], why[320];
        const char *value;

        env_name(&settings[i], name, sizeof(name));
        if ((value = getenv(name)) == NULL)
            continue;
        if (set_value(ld->cfg, &settings[i], value, why, sizeof(why)) != 0)
            return fail(ld, 0, "%s: %s.%s: %s", name, settings[i].section, settings[i].key, why);
        ld->line[i] = FROM_ENV;
    }
    return 0;
}

/* Checks what no single key can check alone, once every source has been read. */
static int check_together(struct load *ld)
{
    const a24_config_t *cfg = ld->cfg;
    char where[128];

    if (cfg->redis.reconnect_min > cfg->redis.reconnect_max) {
        origin(ld, (size_t)find_setting("redis", "reconnect_min"), where, sizeof(where));
        return fail(ld, 0, "%sredis.reconnect_min: must not exceed redis.reconnect_max", where);
    }
    if (cfg->alerts.webhooks_len > 0 && cfg->alerts.webhook_secret[0] == '\0' &&
        !cfg->alerts.webhook_unsigned)
        return fail(ld, ld->webhooks_line,
                    "alerts.webhooks: alerts.webhook_secret is required to sign them "
                    "(or set alerts.webhook_unsigned: true)");
    if (cfg->redis.wait_replicas > 0 && cfg->redis.wait_timeout >= cfg->http.request_timeout) {
        origin(ld, (size_t)find_setting("redis", "wait_timeout"), where, sizeof(where));
        return fail(ld, 0, "%sredis.wait_timeout: must be shorter than http.request_timeout",
                    where);
    }
    return 0;
}

/* Appends `text` to `out` (at *o) with every byte outside [A-Za-z0-9-._~] as %XX. */
static int percent_encode(const char *text, char *out, size_t len, size_t *o)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                     (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL;
        if (*o + 4 > len)
            return -1;
        if (plain) {
            out[(*o)++] = (char)*p;
        } else {
            out[(*o)++] = '%';
            out[(*o)++] = hex[*p >> 4];
            out[(*o)++] = hex[*p & 15];
        }
    }
    out[*o] = '\0';
    return 0;
}

/* Reads the first line of redis.password_file into `pw` (trailing spaces dropped). */
static int read_password_file(struct load *ld, char *where, char *pw, size_t len)
{
    const char *path = ld->cfg->redis.password_file;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return fail(ld, 0, "%sredis.password_file: cannot open %.200s: %s", where, path,
                    strerror(errno));
    bool got = fgets(pw, (int)len, f) != NULL;
    fclose(f);
    size_t n = got ? strcspn(pw, "\r\n") : 0;
    while (n > 0 && (pw[n - 1] == ' ' || pw[n - 1] == '\t'))
        n--;
    if (got)
        pw[n] = '\0';
    if (n == 0)
        return fail(ld, 0, "%sredis.password_file: %.200s holds no password on its first line",
                    where, path);
    return 0;
}

/*
 * Replaces redis.url with the URL built in url when rc is 0, and wipes url (it may hold a
 * password); otherwise writes where followed by why.
 */
static int set_redis_url(struct load *ld, int rc, char *url, size_t len, const char *where,
                         const char *why)
{
    char *copy = rc == 0 ? strdup(url) : NULL;

    explicit_bzero(url, len);
    if (copy == NULL)
        return fail(ld, 0, "%s%s", where, why);
    free(ld->cfg->redis.url);
    ld->cfg->redis.url = copy;
    return 0;
}

/*
 * Folds redis.password_file and redis.username into redis.url
 * (redis://user:password@host...), so every program signs in the same way from the
 * one URL. A URL that already carries credentials and a password file are refused
 * together: which one wins would be a guess.
 */
static int fold_redis_credentials(struct load *ld)
{
    a24_config_t *cfg = ld->cfg;
    char where[128], pw[512], url[2048];
    if (cfg->redis.password_file[0] == '\0' && cfg->redis.username[0] == '\0')
        return 0;
    origin(ld, (size_t)find_setting("redis", "password_file"), where, sizeof(where));
    if (cfg->redis.password_file[0] == '\0')
        return fail(ld, 0,
                    "redis.username: needs redis.password_file (or a password in redis.url)");
    const char *rest = strstr(cfg->redis.url, "://");
    if (rest == NULL || strchr(rest, '@') != NULL)
        return fail(ld, 0, "%sredis.password_file: redis.url already carries credentials", where);
    if (read_password_file(ld, where, pw, sizeof(pw)) != 0)
        return -1;
    size_t o = (size_t)(rest + 3 - cfg->redis.url);
    memcpy(url, cfg->redis.url, o);
    int rc = percent_encode(cfg->redis.username, url, sizeof(url), &o);
    if (rc == 0 && o + 2 < sizeof(url))
        url[o++] = ':';
    rc = rc != 0 ? rc : percent_encode(pw, url, sizeof(url), &o);
    if (rc == 0 && o + strlen(rest + 3) + 2 < sizeof(url))
        snprintf(url + o, sizeof(url) - o, "@%s", rest + 3);
    else
        rc = -1;
    explicit_bzero(pw, sizeof(pw));
    return set_redis_url(ld, rc, url, sizeof(url), where, "redis.password_file: password too long");
}

/*
 * Folds redis.sentinels, redis.master_name and redis.sentinel_password into redis.url as
 * redis+sentinel://[user:password@]host:port,host:port/db?master=NAME[&sentinel_password=PW]
 * (the store reads it back), keeping the URL's credentials and database: with sentinels
 * the URL's own host and port are not used.
 */
static int fold_redis_sentinels(struct load *ld)
{
    a24_config_t *cfg = ld->cfg;
    char url[4096], where[128];
    if (cfg->redis.sentinels[0] == '\0')
        return 0;
    origin(ld, (size_t)find_setting("redis", "sentinels"), where, sizeof(where));
    const char *rest = strstr(cfg->redis.url, "://");
    if (rest == NULL)
        return fail(ld, 0, "%sredis.sentinels: redis.url is not a URL", where);
    rest += 3;
    const char *at = strrchr(rest, '@');
    const char *db =
        strncmp(cfg->redis.url, "redis://", 8) == 0 ? strchr(at ? at : rest, '/') : NULL;
    size_t o = (size_t)snprintf(url, sizeof(url), "redis+sentinel://%.*s",
                                at ? (int)(at - rest + 1) : 0, rest);
    const char *p = cfg->redis.sentinels;
    for (size_t n; o < sizeof(url) && (n = next_entry(&p)) > 0; p += n)
        o += (size_t)snprintf(url + o, sizeof(url) - o, "%s%.*s",
                              url[o - 1] == '@' || url[o - 1] == '/' ? "" : ",", (int)n, p);
    int rc = o + 32 < sizeof(url) ? 0 : -1;
    if (rc == 0)
        o += (size_t)snprintf(url + o, sizeof(url) - o, "%s?master=", db ? db : "/0");
    rc = rc != 0 ? rc : percent_encode(cfg->redis.master_name, url, sizeof(url), &o);
    if (rc == 0 && cfg->redis.sentinel_password[0] != '\0' && o + 20 >= sizeof(url))
        rc = -1; /* never a sentinel password silently left out */
    if (rc == 0 && cfg->redis.sentinel_password[0] != '\0') {
        o += (size_t)snprintf(url + o, sizeof(url) - o, "&sentinel_password=");
        rc = percent_encode(cfg->redis.sentinel_password, url, sizeof(url), &o);
    }
    return set_redis_url(ld, rc, url, sizeof(url), where, "redis.sentinels: too long");
}

/* Fills cfg with the table's defaults and the contract's escalation ladder. */
static int load_defaults(struct load *ld)
{
    size_t n = sizeof(default_ladder) / sizeof(default_ladder[0]);

    for (size_t i = 0; i < NSETTINGS; i++) {
        char why[320];
        if (set_value(ld->cfg, &settings[i], settings[i].def, why, sizeof(why)) != 0)
            return fail(ld, 0, "default of %s.%s: %s", settings[i].section, settings[i].key, why);
    }
    if ((ld->cfg->escalation = malloc(sizeof(default_ladder))) == NULL)
        return fail(ld, 0, "configuration: out of memory");
    memcpy(ld->cfg->escalation, default_ladder, sizeof(default_ladder));
    ld->cfg->escalation_len = n;
    return 0;
}

/*
 * Loads the configuration: defaults, then the file, then the environment, then the
 * checks that span keys. On failure everything is released and cfg is zeroed, so the
 * caller has nothing to dispose.
 */
int a24_config_load(a24_config_t *cfg, const char *path, char *err, size_t errlen)
{
    struct load ld = {.cfg = cfg, .path = path, .err = err, .errlen = errlen};

    memset(cfg, 0, sizeof(*cfg));
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (load_defaults(&ld) != 0 || (path != NULL && load_file(&ld) != 0) || load_env(&ld) != 0 ||
        check_together(&ld) != 0 || fold_redis_credentials(&ld) != 0 ||
        fold_redis_sentinels(&ld) != 0) {
        a24_config_dispose(cfg);
        return -1;
    }
    return 0;
}

/* Frees every string and list of cfg and zeroes it; safe on a zeroed cfg. */
void a24_config_dispose(a24_config_t *cfg)
{
    for (size_t i = 0; i < NSETTINGS; i++)
        if (settings[i].kind == KIND_STRING)
            free(*(char **)((char *)cfg + settings[i].offset));
    free(cfg->escalation);
    free_webhooks(cfg->alerts.webhooks, cfg->alerts.webhooks_len);
    memset(cfg, 0, sizeof(*cfg));
}

/* ------------------------------------------------------------------------------
 * Reference
 * ------------------------------------------------------------------------------ */

/* Writes a duration in its largest whole unit ("30m", "1500ms"). */
static void format_duration(a24_ms_t ms, char *buf, size_t len)
{
    static const struct {
        const char *unit;
        a24_ms_t ms;
    } units[] = {
        {"d", 86400 * 1000},
        {"h", 3600 * 1000},
        {"m", 60 * 1000},
        {"s", 1000},
    };

    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (ms != 0 && ms % units[i].ms == 0) {
            snprintf(buf, len, "%lld%s", (long long)(ms / units[i].ms), units[i].unit);
            return;
        }
    }
    snprintf(buf, len, "%lldms", (long long)ms);
}

/* Writes the default escalation ladder on one line. */
static void print_ladder(FILE *out)
{
    for (size_t i = 0; i < sizeof(default_ladder) / sizeof(default_ladder[0]); i++) {
        const a24_escalation_step_t *s = &default_ladder[i];
        fprintf(out, "%s%d", i ? "; " : "", s->at_permille / 10);
        if (s->at_permille % 10)
            fprintf(out, ".%d", s->at_permille % 10);
        fprintf(out, "%%");
        for (size_t r = 0; r < sizeof(recipients) / sizeof(recipients[0]); r++)
            if (s->notify & recipients[r].bit)
                fprintf(out, " %s", recipients[r].name);
        if (s->repeat != 0) {
            char d[32];
            format_duration(s->repeat, d, sizeof(d));
            fprintf(out, " repeat %s", d);
        }
    }
}

/*
 * Writes the reference of every key, straight from the table, then the two lists that
 * only the file can set.
 */
void a24_config_print_reference(FILE *out)
{
    fprintf(out,
            "Configuration keys: YAML file, then environment (durations like 90s, 15m, 4h):\n");
    for (size_t i = 0; i < NSETTINGS; i++) {
        const struct setting *s = &settings[i];
        char key[64], env[96];

        snprintf(key, sizeof(key), "%s.%s", s->section, s->key);
        env_name(s, env, sizeof(env));
        fprintf(out, "  %-28s %s\n", key, env);
        fprintf(out, "      %s; default: %s\n", s->help, s->def[0] ? s->def : "(empty)");
    }
    fprintf(out, "  %-28s %s\n", "escalation", "(file only)");
    fprintf(out, "      steps like - {at: 80%%, notify: oncall, repeat: 30m}; default: ");
    print_ladder(out);
    fprintf(out, "\n");
    fprintf(out, "  %-28s %s\n", "alerts.webhooks", "(file only)");
    fprintf(out, "      - {url: https://..., notify: [oncall, supervisor]}; default: none\n");
}

/* ---------------------------------------------------------------- listen addresses */

/* One parser of a listen address for the front end and the worker's metrics. */
int a24_listen_parse(const char *listen, struct sockaddr_storage *addr, const char **why)
{
    char host[INET6_ADDRSTRLEN + 1];
    const char *end, *port;
    bool v6 = listen[0] == '[';
    if (v6) {
        end = strchr(listen, ']');
        port = end != NULL && end[1] == ':' ? end + 2 : NULL;
        listen++;
    } else {
        end = strrchr(listen, ':');
        port = end != NULL ? end + 1 : NULL;
    }
    char *stop = NULL;
    long n = port != NULL && *port >= '0' && *port <= '9' ? strtol(port, &stop, 10) : 0;
    if (port == NULL || stop == NULL || *stop != '\0' || n < 1 || n > 65535) {
        *why = "expected host:port or [IPv6-address]:port";
        return -1;
    }
    size_t len = (size_t)(end - listen);
    if (len == 0 || len >= sizeof host) {
        *why = "the host must be a numeric IPv4 or IPv6 address";
        return -1;
    }
    memcpy(host, listen, len);
    host[len] = '\0';
    memset(addr, 0, sizeof *addr);
    struct sockaddr_in *in4 = (struct sockaddr_in *)addr;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)addr;
    int rc = 0;
    if (v6 || strchr(host, ':') != NULL) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)n);
        rc = inet_pton(AF_INET6, host, &in6->sin6_addr);
    } else {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)n);
        rc = inet_pton(AF_INET, host, &in4->sin_addr);
    }
    if (rc != 1) {
        *why = "the host must be a numeric IPv4 or IPv6 address";
        return -1;
    }
    return 0;
}
