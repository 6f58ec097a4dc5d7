/*
 * script: the Lua scripts every transition runs, embedded at build time.
 *
 * The sources are proto/scripts/<name>.lua, turned into C strings by
 * proto/embed_scripts.cmake. Each is run with EVALSHA; when Redis answers NOSCRIPT
 * (a restart, a failover, SCRIPT FLUSH) the same call is sent again as EVAL, which
 * also loads it, so callers never see the difference.
 *
 * Must stay true: a script's SHA1 is computed from the embedded source, so the
 * program and Redis can never disagree about which script a SHA names.
 */
#ifndef A24_SCRIPT_H
#define A24_SCRIPT_H

#include <stddef.h>

typedef struct {
    const char *name; /* file name without .lua */
    const char *body;
    size_t len;
} a24_script_source_t;

/** The generated table, ended by an entry with a NULL name. */
extern const a24_script_source_t a24_script_sources[];

#endif
