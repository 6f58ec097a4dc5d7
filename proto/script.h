/*
 * script: the Lua scripts every transition runs, embedded at build time as one Redis 7
 * function library.
 *
 * The sources are proto/scripts/<name>.lua; proto/embed_scripts.cmake makes them one
 * library ("answer24": the key table and _lib.lua once, then every script as the
 * function a24_<name>) and a C string of it. The store loads the library with
 * FUNCTION LOAD REPLACE when it connects and Redis holds another version, and calls
 * a script with FCALL (FCALL_RO for the read-only ones); when Redis answers that the
 * function is not there (FUNCTION FLUSH, a failover to a Redis without it) it loads
 * the library and sends the same call again, so callers never see the difference.
 *
 * Must stay true: the version is the SHA1 of the generated library, so the program
 * and Redis can never disagree about what a function does.
 */
#ifndef A24_SCRIPT_H
#define A24_SCRIPT_H

#include <stddef.h>

typedef struct {
    const char *name;     /* file name without .lua */
    const char *function; /* a24_<name> */
    int readonly;         /* registered no-writes: called with FCALL_RO */
} a24_script_source_t;

/** The generated table, ended by an entry with a NULL name. */
extern const a24_script_source_t a24_script_sources[];

/** The library's source, for FUNCTION LOAD REPLACE. */
extern const char *const a24_library_source;
extern const size_t a24_library_len;

/** The library's version (40 hex digits), which the function a24_version returns. */
extern const char a24_library_version[];

/** The script `name`, or NULL if there is none. */
const a24_script_source_t *a24_script_find(const char *name);

#endif
