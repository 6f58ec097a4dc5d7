/*
 * conn: the front end's open connections, counted and capped.
 *
 * h2o 2.2.5 accepts whatever the listener hands it; with the common limit of 1024 open
 * files a few hundred idle sockets starve everyone else. This module owns the accept
 * path instead: it raises the soft open-file limit to the hard one, keeps every
 * connection in a list ordered by last use, caps connections globally
 * (http.max_connections) and per client address (http.max_connections_per_client;
 * IPv6 counted per /64, loopback peers exempt: they are the local proxy), and when
 * the global count nears the cap it closes the connection idle the longest (no request
 * in progress, nothing being written) to make room. Over-cap connections are closed at
 * once, unanswered.
 *
 * Must never: close a connection that is reading a request, waiting on a handler or
 * streaming events; let the open files run out before the cap does; block the loop.
 */
#ifndef A24_CONN_H
#define A24_CONN_H

#include <h2o.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

typedef struct a24_conns a24_conns_t;

/**
 * Raises the soft RLIMIT_NOFILE to the hard limit (logging both) and returns the soft
 * limit now in force.
 */
size_t a24_conns_raise_nofile(void);

/**
 * A registry for `loop`, handing accepted connections to `accept`, with its caps from
 * `cfg` and the open-file limit `nofile`. Returns NULL (with one line in err) on failure.
 */
a24_conns_t *a24_conns_create(uv_loop_t *loop, const a24_config_t *cfg, size_t nofile,
                              h2o_accept_ctx_t *accept, char *err, size_t errlen);

/**
 * Exempts from the per-client cap the peers for which `fn(arg, addr)` is true (the
 * trusted proxies, which carry everyone's connections); loopback always is.
 */
void a24_conns_exempt(a24_conns_t *cs,
                      bool (*fn)(const void *arg, const struct sockaddr_storage *addr),
                      const void *arg);

/** The libuv connection callback of a listener whose `data` is the registry. */
void a24_conns_on_accept(uv_stream_t *listener, int status);

/** Connections open now (including those being closed). */
size_t a24_conns_count(const a24_conns_t *cs);

/** The global cap in force. */
size_t a24_conns_max(const a24_conns_t *cs);

/** Connections refused, and idle ones closed to make room, since the start. */
void a24_conns_totals(const a24_conns_t *cs, uint64_t *refused, uint64_t *idle_closed);

/** Marks the connection of `req` as just used (it moves to the back of the idle order). */
void a24_conns_touch(a24_conns_t *cs, h2o_req_t *req);

/** Frees the registry; only once no connection is open. */
void a24_conns_destroy(a24_conns_t *cs);

#endif
