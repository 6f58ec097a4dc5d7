/*
 * app: what the front end's handlers share within one process (one loop, one
 * thread): the immutable configuration, keys, screening data, the Redis store and
 * the process-local counters behind /metrics.
 */
#ifndef A24_APP_H
#define A24_APP_H

#include <h2o.h>
#include <stdint.h>

#include "config.h"
#include "crisis.h"
#include "screening.h"
#include "secret.h"
#include "store.h"

typedef struct {
    uint64_t requests;
    uint64_t submitted, submit_replays, crises;
    uint64_t code_failures;
    uint64_t redis_unavailable;
    uint64_t intake_refused; /* questions refused by a per-client or the global limit */
} a24_web_counters_t;

/** One trusted proxy network of http.trusted_proxies (see http.c). */
#define A24_MAX_PROXIES 32
typedef struct {
    int family; /* AF_INET or AF_INET6 */
    unsigned char addr[16];
    int bits;
} a24_proxy_net_t;

typedef struct a24_app {
    const a24_config_t *cfg;
    a24_secrets_t secrets;
    a24_screening_t *screening;
    a24_crisis_t *crisis;
    a24_store_t *store;
    uv_loop_t *loop;
    h2o_globalconf_t h2o;
    h2o_context_t ctx;
    a24_web_counters_t counters;
    a24_ms_t started;
    size_t inflight;                          /* operations waiting on Redis */
    struct a24_feed *feed;                    /* live events for the SSE streams */
    a24_proxy_net_t proxies[A24_MAX_PROXIES]; /* http.trusted_proxies, parsed at start */
    size_t nproxies;
    /* the open connections and their caps (conn.h) */
    struct a24_conns *conns;
    unsigned verifying; /* Argon2id sign-in checks queued or running (http_session.c) */
    /* intake.c: the batch being gathered in this loop pass, and the one whose replies
     * are being handed out (its questions may join its WAIT), or NULL */
    struct a24_intake_batch *intake_pending, *intake_replying;
} a24_app_t;

#endif
