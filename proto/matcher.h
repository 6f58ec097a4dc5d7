/*
 * matcher: an Aho-Corasick automaton over byte strings, built once, scanned in one pass.
 *
 * Screening adds every pattern of every language to one matcher at load time; a scan
 * then costs one pass over the text whatever the number of patterns, and reports every
 * occurrence of every pattern (overlapping ones too) in the order their ends are read.
 *
 * Must never: keep or copy the text it scans.
 */
#ifndef A24_MATCHER_H
#define A24_MATCHER_H

#include <stddef.h>
#include <stdint.h>

typedef struct a24_matcher a24_matcher_t;

/** Called for each occurrence: pattern `id` ending just before text[end]; 0 to go on. */
typedef int (*a24_matcher_hit_fn)(void *ctx, uint32_t id, size_t end);

/** A new, empty matcher, or NULL when out of memory. */
a24_matcher_t *a24_matcher_create(void);

/** Frees a matcher (NULL is fine). */
void a24_matcher_destroy(a24_matcher_t *m);

/**
 * Adds the pattern `len` (> 0) bytes at `p` under `id`; before a24_matcher_build only.
 * Several ids may share one pattern. Returns 0, or -1 when out of memory.
 */
int a24_matcher_add(a24_matcher_t *m, const char *p, size_t len, uint32_t id);

/** Computes the failure links; after it, only scans. Returns 0, or -1 (out of memory). */
int a24_matcher_build(a24_matcher_t *m);

/**
 * Scans `len` bytes of `text`, calling `hit` for every occurrence. Returns 0, or the
 * first non-zero value `hit` returned (the scan stops there).
 */
int a24_matcher_scan(const a24_matcher_t *m, const char *text, size_t len, a24_matcher_hit_fn hit,
                     void *ctx);

/** The number of states, for the tests and the load message. */
size_t a24_matcher_states(const a24_matcher_t *m);

#endif
