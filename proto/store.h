/*
 * store: the one asynchronous Redis connection of a process, kept alive.
 *
 * hiredis' async API on the libuv loop. The store connects, authenticates (AUTH,
 * with the ACL user when the URL names one), selects the database, and only then
 * reports ready; a refused password is logged as one line and retried. When the
 * connection drops it reconnects on its own (and authenticates again) with a backoff
 * between reconnect_min and reconnect_max, so no program needs restarting when Redis
 * returns. While it is down, every submit fails at once (the caller answers 503)
 * rather than queueing work that nobody will confirm.
 *
 * Scripts: proto/scripts is one Redis function library (script.h). On every connect the
 * store asks Redis for the library's version and loads its own (FUNCTION LOAD REPLACE)
 * if Redis holds another or none; only then is it ready. a24_store_fcall runs a named
 * script with FCALL (FCALL_RO for read-only ones) and, when Redis answers that the
 * function is not there, loads the library and sends the same call once more; the
 * callback sees only the final reply.
 *
 * Callbacks follow hiredis: each runs exactly once, with a NULL reply when the
 * connection died or the store was destroyed. A call that returns -1 will never call
 * back, and ownership of `privdata` stays with the caller.
 */
#ifndef A24_STORE_H
#define A24_STORE_H

#include <hiredis/async.h>
#include <stdbool.h>
#include <uv.h>

#include "args.h"
#include "config.h"

typedef struct a24_store a24_store_t;

/** A reply callback: `reply` is a redisReply *, or NULL if the command was lost. */
typedef void (*a24_store_cb)(a24_store_t *store, redisReply *reply, void *privdata);

/**
 * Creates a store for `url` (see a24_store_parse_url; the configuration loader has
 * already folded redis.password_file and redis.username into it) and starts connecting. NULL with
 * one line in `err` if the URL is malformed.
 */
a24_store_t *a24_store_create(uv_loop_t *loop, const char *url, a24_ms_t reconnect_min,
                              a24_ms_t reconnect_max, char *err, size_t errlen);

/** a24_store_create with the configuration's redis.url and reconnection waits. */
a24_store_t *a24_store_open(uv_loop_t *loop, const a24_config_t *cfg, char *err, size_t errlen);

#define A24_MAX_SENTINELS 8

/** Where a redis.url points and how to sign in there. */
typedef struct {
    char host[256];      /* empty for a Unix socket */
    int port;            /* 6379 by default */
    char unix_path[256]; /* empty for TCP */
    char username[128];  /* empty: the default user (AUTH with the password alone) */
    char password[256];  /* empty: no AUTH */
    int db;              /* 0 by default */
    /* redis+sentinel:// URLs (see sentinel.h): host and port above are then the primary
     * the sentinels named last, empty until they were asked. */
    int nsentinels;
    struct {
        char host[256];
        int port;
    } sentinels[A24_MAX_SENTINELS];
    char master_name[128];
    char sentinel_password[256]; /* empty: the sentinels take no AUTH */
} a24_redis_target_t;

/**
 * Reads a redis.url (redis://[[user]:password@]host[:port][/db] or
 * unix://[[user]:password@]/path; %XX escapes in the user and password) into `t`.
 * Returns 0, or -1 with one line in `err` that never repeats the password. For
 * programs that talk to Redis synchronously (answer24ctl).
 */
int a24_store_parse_url(const char *url, a24_redis_target_t *t, char *err, size_t errlen);

/** `url` with its credentials replaced by "***", for messages and logs. */
void a24_store_redact_url(const char *url, char *out, size_t outlen);

/**
 * Disconnects (pending callbacks run with NULL), stops reconnecting and frees the
 * store once its handles have closed on the loop.
 */
void a24_store_destroy(a24_store_t *s);

/** True while connected (the database selected and the function library in place). */
bool a24_store_ready(const a24_store_t *s);

/** Calls `cb(arg)` every time the connection becomes ready (for a worker to resume). */
void a24_store_on_ready(a24_store_t *s, void (*cb)(void *arg), void *arg);

/** Sends a command (hiredis format string). 0, or -1 if not connected. */
int a24_store_command(a24_store_t *s, a24_store_cb cb, void *privdata, const char *fmt, ...);

/** Sends a command from an argument vector (binary safe). 0, or -1 if not connected. */
int a24_store_argv(a24_store_t *s, a24_store_cb cb, void *privdata, int argc, const char **argv,
                   const size_t *lens);

/**
 * Runs the script `name` (proto/scripts/<name>.lua) with the keys and arguments of
 * `args`, which it disposes of whatever happens (they are copied). 0, or -1 if not
 * connected, `name` is unknown or building `args` ran out of memory.
 */
int a24_store_fcall(a24_store_t *s, const char *name, a24_args_t *args, a24_store_cb cb,
                    void *privdata);

/**
 * Subscribes to `channel` (the store must be used for nothing else afterwards: a
 * subscribed connection takes no other commands). `cb` runs for every message with
 * the pub/sub reply, and once more with NULL when the connection goes; subscribe
 * again from an a24_store_on_ready hook. 0, or -1 if not connected.
 */
int a24_store_subscribe(a24_store_t *s, const char *channel, a24_store_cb cb, void *privdata);

/**
 * The address of the Redis in use ("127.0.0.1:6480", "unix:/run/redis.sock"), or ""
 * while not connected; `via_sentinel` (may be NULL) tells whether sentinels named it.
 */
const char *a24_store_primary(const a24_store_t *s, bool *via_sentinel);

/**
 * WAIT `replicas` `timeout`: `cb` gets the number of replicas that acknowledged every
 * write this connection made so far (an integer reply). 0, or -1 if not connected.
 */
int a24_store_wait(a24_store_t *s, int replicas, a24_ms_t timeout, a24_store_cb cb, void *privdata);

/** Attaches a hiredis context to `loop` (the store's adapter, for sentinel.c). 0 or -1. */
int a24_store_attach(redisAsyncContext *ac, uv_loop_t *loop);

/** Small helpers for reading replies; all return 0 on success. */
int a24_reply_integer(const redisReply *r, long long *out);
/** The string of element `i` of an array reply, or NULL (and *len 0). */
const char *a24_reply_str(const redisReply *r, size_t i, size_t *len);
/** The integer of element `i` of an array reply (strings of digits accepted); `dflt` if absent. */
long long a24_reply_int(const redisReply *r, size_t i, long long dflt);
/**
 * The value of field `name` in a flat {field, value, ...} array reply (HGETALL, a
 * stream entry's fields), or NULL (and *len 0) if absent.
 */
const char *a24_reply_field(const redisReply *flat, const char *name, size_t *len);

/** A field of a flat array reply as an integer; `dflt` if absent or not a number. */
long long a24_reply_field_int(const redisReply *flat, const char *name, long long dflt);

/** True if `r` is an error reply or NULL. */
bool a24_reply_failed(const redisReply *r);

#endif
