/*
 * stream: the one reader of Redis streams every process uses (the router on a24:intake,
 * the notifier on a24:alerts, the live-event feed on a24:events and a24:alerts).
 *
 * Two modes:
 *   - with a consumer group: the group is created if missing (BUSYGROUP is fine), the
 *     consumer's own pending entries are read first (from ID 0, after a restart or a
 *     reconnect) and then new ones (>); every claim_every ms, entries idle for claim_idle
 *     ms in a consumer that died are taken over (XAUTOCLAIM); a NOGROUP answer (the
 *     stream or group was deleted) creates the group again and reading resumes; with
 *     `trim`, the stream is then trimmed below what the group still needs
 *     (stream_trim.lua). Entries stay pending until the owner acknowledges them
 *     (a24_stream_ack).
 *   - without a group (XREAD): reading starts at the streams' tails (stream_tails.lua)
 *     and follows them; a reconnect goes on from the last entry seen.
 * Whatever fails (Redis away, an error) is retried after retry_ms.
 *
 * The reader is a handle in the libuv sense: the owner embeds the struct, and calls
 * a24_stream_init, then a24_stream_start (again whenever the store's connection is
 * ready, from its a24_store_on_ready hook) and a24_stream_stop, and finally
 * a24_stream_close, whose callback runs exactly once, later, after the reader's timers
 * closed and every command it sent called back: only then may the memory go. The store
 * is the owner's, who destroys it after a24_stream_close (pending replies then run with
 * NULL, as in hiredis).
 *
 * Must never: read new entries before the consumer's own pending ones were back in hand,
 * trim an entry still pending in the group, or touch its owner after the close callback.
 */
#ifndef A24_STREAM_H
#define A24_STREAM_H

#include <hiredis/async.h>
#include <stdbool.h>
#include <uv.h>

#include "store.h"

#define A24_STREAM_MAX 4 /* streams one reader follows (one with a group) */
#define A24_STREAM_ID_LEN 48

typedef struct a24_stream a24_stream_t;

/**
 * Entries arrived from stream `index` of the options (`entries` is the reply's array of
 * [id, fields] entries, never empty). `taken_over` for entries claimed from a dead
 * consumer. Return true to read on at once, false to hold reading until the owner calls
 * a24_stream_resume; takeovers wait while reading is held (the return value of
 * taken-over entries is not used).
 */
typedef bool (*a24_stream_cb)(a24_stream_t *s, int index, const redisReply *entries,
                              bool taken_over, void *privdata);

/** The reader has closed; its memory may be freed now. */
typedef void (*a24_stream_close_cb)(a24_stream_t *s, void *privdata);

typedef struct {
    const char *name; /* for log lines: "<name>_took_over" */
    const char *streams[A24_STREAM_MAX];
    int nstreams;      /* exactly 1 with a group */
    const char *group; /* NULL: no group, follow the tails with XREAD */
    const char *consumer;
    int count;         /* entries per read */
    int block_ms;      /* how long one read blocks */
    int retry_ms;      /* the wait after a failure */
    int claim_idle_ms; /* 0: no takeover */
    int claim_every_ms;
    bool trim; /* trim below what the group still needs, after each takeover */
} a24_stream_opts_t;

struct a24_stream {
    /* Private: use the functions below. */
    a24_store_t *store;
    a24_stream_opts_t o;
    char group[32], consumer[64];
    char from[A24_STREAM_MAX][A24_STREAM_ID_LEN]; /* where the next read starts */
    a24_stream_cb on_entries;
    a24_stream_close_cb on_close;
    void *privdata;
    uv_timer_t retry, claim;
    int open_timers, in_flight;
    bool active, closing, reading, held, group_ready, backlog_done, tails_known;
};

/**
 * Options for reading `stream` in consumer group `group` as `consumer`, `count` entries
 * at a time: named after the group, blocking 2 s per read, retrying after 1 s, with no
 * takeover and no trimming until the caller sets them.
 */
a24_stream_opts_t a24_stream_group_opts(const char *stream, const char *group, const char *consumer,
                                        int count);

/**
 * Prepares `s` on `loop` to read with `store` as `o` says (copied; the stream names must
 * outlive the reader, e.g. keys.h constants). `cb` gets the entries with `privdata`.
 * 0, or -1 if the options are invalid.
 */
int a24_stream_init(a24_stream_t *s, uv_loop_t *loop, a24_store_t *store,
                    const a24_stream_opts_t *o, a24_stream_cb cb, void *privdata);

/** Starts (or, after a reconnect, restarts) reading: own pending entries first. */
void a24_stream_start(a24_stream_t *s);

/** Stops reading; a reply in flight is dropped. a24_stream_start goes on again. */
void a24_stream_stop(a24_stream_t *s);

/** Reads on after the entries callback returned false (a no-op while reading). */
void a24_stream_resume(a24_stream_t *s);

/** Acknowledges entry `id` in the group. 0, or -1 if it could not be sent. */
int a24_stream_ack(a24_stream_t *s, const char *id);

/** Stops and closes the reader; `cb` runs once, later, when its memory may go. */
void a24_stream_close(a24_stream_t *s, a24_stream_close_cb cb);

/** The consumer name for this process: "<host>-<pid>". */
void a24_stream_consumer_name(char *out, size_t len);

#endif
