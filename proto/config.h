/*
 * config: the one configuration every answer24 program reads.
 *
 * A YAML file (libyaml) laid over the production defaults, then every scalar key
 * overridden by an environment variable ANSWER24_<SECTION>_<KEY> (upper case,
 * "http.listen" -> ANSWER24_HTTP_LISTEN). The key table in config.c is the single
 * list of keys: parsing, overrides, defaults and `--help` all read it.
 *
 * Must stay true: a loaded configuration is immutable and shared read-only; a bad
 * value is reported as one line naming the key and what was expected; unknown keys
 * are errors (a typo must never silently fall back to a default).
 */
#ifndef A24_CONFIG_H
#define A24_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/** Milliseconds; every duration in answer24 is one of these. */
typedef int64_t a24_ms_t;

/** Who an escalation step or a webhook is for (a bit set). */
enum {
    A24_NOTIFY_EXPERTS = 1u << 0,
    A24_NOTIFY_ONCALL = 1u << 1,
    A24_NOTIFY_SUPERVISOR = 1u << 2,
};

/** One rung of the escalation ladder, measured in a ticket's answer window. */
typedef struct {
    int at_permille; /* "50%" -> 500, "12.5%" -> 125; may exceed 1000 */
    unsigned notify; /* A24_NOTIFY_* bits */
    a24_ms_t repeat; /* repeat until acknowledged; 0 = once */
} a24_escalation_step_t;

typedef struct {
    char *url;
    unsigned notify; /* A24_NOTIFY_* bits */
} a24_webhook_t;

typedef struct {
    struct {
        char *listen;                /* host:port */
        char *static_dir;            /* the pages */
        size_t max_body;             /* bytes, default 16384 */
        a24_ms_t request_timeout;    /* an answer from Redis must come within this */
        a24_ms_t idle_timeout;       /* keep-alive / request head read timeout */
        int trust_proxy;             /* deprecated: 1 means trusted_proxies "127.0.0.0/8, ::1" */
        char *trusted_proxies;       /* "addr, cidr, ..." whose X-Forwarded-For is believed */
        char *public_url;            /* "https://desk.example.org", or "": from the request */
        int max_streams_per_account; /* open event streams per account and process */
        /* 1: HTTP/2 over cleartext (prior knowledge and Upgrade: h2c) */
        int h2c;
        /* open connections at most; 0: the open-file limit minus a reserve */
        int max_connections;
        /* open connections per client address (IPv6: per /64); 0: no cap */
        int max_connections_per_client;
    } http;
    struct {
        char *url; /* redis://[[user]:password@]host:port/db (password_file folded in) */
        a24_ms_t reconnect_min;
        a24_ms_t reconnect_max;
        char *password_file;   /* the Redis password, first line; "" = none (or in the URL) */
        char *username;        /* the ACL user of password_file; "" = default user */
        int memory_alert;      /* permille of maxmemory that raises a redis_memory alert */
        a24_ms_t memory_check; /* how often the worker looks at INFO memory */
        /* "host:port, ..." asked for the primary ("" = redis.url's host), the name they
         * know it by, and their password ("" = none) */
        char *sentinels;
        char *master_name;
        char *sentinel_password;
        /* intake WAITs for this many replicas (0 = off), at most wait_timeout */
        int wait_replicas;
        a24_ms_t wait_timeout;
    } redis;
    struct {
        a24_ms_t answer, green_channel, crisis, offer_timeout, claim_lease;
    } deadlines;
    a24_escalation_step_t *escalation; /* in order of at_permille: the loader refuses others */
    size_t escalation_len;
    struct {
        a24_webhook_t *webhooks;
        size_t webhooks_len;
        char *webhook_secret;     /* HMAC key for the signature header; empty = unsigned */
        a24_ms_t ack_timeout;     /* acknowledged but unresolved: fire again after this */
        char *quiet_hours;        /* "22:00-07:00" in rota.timezone, or "": none */
        a24_ms_t crisis_repeat;   /* an unacknowledged crisis alert repeats this often */
        int escalate_after;       /* unacknowledged repeats before going up a level */
        char *dashboard_url;      /* the on-call page, linked from every alert */
        a24_ms_t poll;            /* the deadline engine's backstop poll */
        a24_ms_t webhook_timeout; /* one delivery attempt */
        a24_ms_t retry_max;       /* the longest wait between delivery attempts */
        /* a coverage_gap alert this long before a gap in the rota starts; 0: none */
        a24_ms_t coverage_warning;
        int webhook_unsigned; /* 1: webhooks may go without a secret (asked for) */
    } alerts;
    struct {
        char *timezone; /* the zone rota times are written in (e.g. Asia/Seoul) */
        a24_ms_t tick;  /* how often the worker compares the rota with the clock */
    } rota;
    struct {
        int crisis_cap; /* most open crisis tickets offered to or held by one expert */
        int nudge;      /* waiting tickets looked at again when an expert comes on duty */
    } routing;
    struct {
        char *key_file; /* 32-byte master key, created 0600 on first start */
    } secrets;
    struct {
        int submissions_per_hour;        /* per client */
        int code_checks_per_hour;        /* per client */
        int crisis_submissions_per_hour; /* per client, crisis texts past the limit above */
        int intake_per_minute;           /* questions the whole desk takes a minute; 0 = off */
    } limits;
    struct {
        char *data_dir; /* word lists, crisis lines, examples */
    } screening;
    struct {
        a24_ms_t retention;   /* closed tickets are purged after this */
        a24_ms_t erase_after; /* an AOF rewrite follows a withdrawal or purge within this */
    } privacy;
    struct {
        char *level; /* debug | info | warn | error */
    } log;
    struct {
        char *metrics_listen;     /* host:port of the worker's /metrics, or "": none */
        a24_ms_t metrics_refresh; /* how often the figures are read from Redis */
    } worker;
} a24_config_t;

/**
 * Fills `cfg` with the defaults, lays the YAML file at `path` over them (NULL: no
 * file) and then the environment. Returns 0, or -1 with one line in `err`
 * (e.g. "config.yaml:12: deadlines.answer: expected a duration like 90s, got \"soon\"";
 * a bad environment value names its variable instead of a file line).
 * On failure `cfg` holds nothing that needs disposing.
 */
int a24_config_load(a24_config_t *cfg, const char *path, char *err, size_t errlen);

/** Releases what a24_config_load allocated. */
void a24_config_dispose(a24_config_t *cfg);

/**
 * Parses a duration: a non-negative integer followed by ms, s, m, h or d
 * ("1500ms", "90s", "15m", "4h", "2d"). Returns 0, or -1 if malformed or overflowing.
 */
int a24_duration_parse(const char *text, a24_ms_t *out);

struct sockaddr_storage;

/**
 * Parses a listen address, "host:port" or "[v6-address]:port" with a numeric host (as
 * http.listen and worker.metrics_listen are written), into `addr`. Returns 0, or -1
 * with what is wrong in `why`.
 */
int a24_listen_parse(const char *listen, struct sockaddr_storage *addr, const char **why);

/** Writes the key reference (key, environment variable, default, meaning) to `out`. */
void a24_config_print_reference(FILE *out);

#endif
