/*
 * sentinel: asking Redis Sentinels which Redis is the primary.
 *
 * With redis.sentinels configured, the configuration loader folds them into redis.url
 * as redis+sentinel://[user:password@]host:port,host:port/db?master=NAME
 * [&sentinel_password=PW]; a24_store_parse_url reads such a URL.
 * Every program then asks the sentinels, one after the other with a short timeout
 * each, `SENTINEL get-master-addr-by-name NAME`, at start and after every lost
 * connection (the store), or once (answer24ctl, a24_sentinel_resolve_sync).
 *
 * Must never: report an address no sentinel gave, block the loop (the asynchronous
 * query), or log a password.
 */
#ifndef A24_SENTINEL_H
#define A24_SENTINEL_H

#include <uv.h>

#include "store.h"

/** One sentinel's answer may take this long before the next one is asked. */
#define A24_SENTINEL_TIMEOUT_MS 1000

typedef struct a24_sentinel a24_sentinel_t;

/** The query's outcome: the primary's address, or host NULL when no sentinel named one. */
typedef void (*a24_sentinel_cb)(void *arg, const char *host, int port);

/** A query object for the sentinels of `t` (copied); NULL if out of memory. */
a24_sentinel_t *a24_sentinel_create(uv_loop_t *loop, const a24_redis_target_t *t,
                                    a24_sentinel_cb cb, void *arg);

/**
 * Asks the sentinels in turn until one names the primary; `cb` runs once with the
 * outcome. Asking while a query runs does nothing.
 */
void a24_sentinel_ask(a24_sentinel_t *q);

/** Stops any query (no callback) and frees the object once its timer has closed. */
void a24_sentinel_destroy(a24_sentinel_t *q);

/**
 * Blocking: asks the sentinels of `t` in turn and writes the primary into t->host and
 * t->port. 0, or -1 with one line in `err`.
 */
int a24_sentinel_resolve_sync(a24_redis_target_t *t, char *err, size_t errlen);

#endif
