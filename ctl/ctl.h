/*
 * ctl: what answer24ctl's commands share: exit statuses, one synchronous Redis
 * connection made from the configuration's redis.url, and the embedded scripts.
 *
 * Must never: print a password, a password hash or a token; leave an error without
 * one line on stderr that says what to do.
 */
#ifndef A24_CTL_H
#define A24_CTL_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>

#include "args.h"
#include "config.h"

/** Exit statuses: done; refused (a name taken, no such user); usage or configuration. */
enum { A24_CTL_OK = 0, A24_CTL_REFUSED = 1, A24_CTL_USAGE = 2 };

/**
 * Connects to the configured Redis (AUTH and SELECT as its URL says). NULL after one
 * line on stderr if it cannot.
 */
redisContext *a24_ctl_connect(const a24_config_t *cfg);

/**
 * The start of a command that talks to Redis: when `usage_ok` (its arguments were right)
 * connects as a24_ctl_connect does; else prints "answer24ctl: usage: <usage>". NULL after
 * one line on stderr either way (the command then exits A24_CTL_USAGE).
 */
redisContext *a24_ctl_connect_for(const a24_config_t *cfg, bool usage_ok, const char *usage);

/**
 * Loads the scripts' function library into Redis: always if `force`, else only when
 * Redis holds another version or none. 0, or -1 after one line on stderr.
 */
int a24_ctl_library(redisContext *c, bool force);

/**
 * Runs the embedded script `name` with the keys and arguments of `args` (disposed of
 * whatever happens), loading the library first if Redis holds another version. Returns
 * the reply (free it with freeReplyObject), or NULL after one line on stderr when the
 * connection failed or Redis answered an error.
 */
redisReply *a24_ctl_fcall(redisContext *c, const char *name, a24_args_t *args);

/**
 * Connects, runs the script `name` with `args` (disposed of) as a24_ctl_fcall does, and
 * closes the connection: one command's one call. The reply, or NULL after one line on
 * stderr.
 */
redisReply *a24_ctl_call(const a24_config_t *cfg, const char *name, a24_args_t *args);

/** `answer24ctl user ...`: argv[0] is "user". Returns an exit status. */
int a24_ctl_user(const a24_config_t *cfg, int argc, char **argv);

/** `answer24ctl rota ...`: argv[0] is "rota". Returns an exit status. */
int a24_ctl_rota(const a24_config_t *cfg, int argc, char **argv);

/** `answer24ctl stats ...`: argv[0] is "stats". Returns an exit status. */
int a24_ctl_stats(const a24_config_t *cfg, int argc, char **argv);

/** `answer24ctl scripts load`: argv[0] is "scripts". Returns an exit status. */
int a24_ctl_scripts(const a24_config_t *cfg, int argc, char **argv);

/** `answer24ctl purge`: argv[0] is "purge". Returns an exit status. */
int a24_ctl_purge(const a24_config_t *cfg, int argc, char **argv);

/** `answer24ctl keys rotate|list`: argv[0] is "keys". Returns an exit status. */
int a24_ctl_keys(const a24_config_t *cfg, int argc, char **argv);

/**
 * Adds a text key (when `add`) and drops the keys past privacy.retention that no ticket
 * in Redis still needs (keys.c), printing what changed. Returns an exit status.
 */
int a24_ctl_keys_update(const a24_config_t *cfg, redisContext *c, bool add);

#endif
