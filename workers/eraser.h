/*
 * eraser: makes erasure reach the disk (part of the deadline role).
 *
 * Withdrawing a question or purging old tickets deletes their sealed texts from Redis'
 * memory, but the AOF files keep every write ever made until Redis rewrites them.
 * withdraw.lua and purge.lua mark the need (a24:erase:pending, the ms of the earliest
 * erasure not yet rewritten); the eraser sees the mark and starts BGREWRITEAOF, so the
 * texts leave Redis' files within privacy.erase_after:
 *
 *   - at most one rewrite at a time (none while INFO persistence shows one running or
 *     scheduled, and Redis itself refuses a second);
 *   - at most one per privacy.erase_after (a24:erase:last): erasures in between wait
 *     for the next one, which still starts within erase_after of the earliest of them;
 *   - the mark is taken (GETDEL) just before the rewrite forks, so an erasure made
 *     after the fork marks again and gets a rewrite of its own; a rewrite Redis refuses
 *     or that fails puts the mark back.
 *
 * Any number of workers may run one: GETDEL hands the mark to exactly one of them.
 *
 * Must never: start a rewrite while one runs, or lose a mark it could not act on.
 */
#ifndef A24_ERASER_H
#define A24_ERASER_H

#include "ticker.h"

/** Watching for marks on the worker's loop and store. */
extern const a24_worker_part_t a24_eraser_part;

/**
 * Reads the field `name` ("aof_rewrite_in_progress") of an INFO reply's text as a
 * number; `dflt` if absent. Shared with memwatch.c.
 */
long long a24_info_field(const char *info, size_t len, const char *name, long long dflt);

#endif
