/*
 * expo: the Prometheus text exposition format (version 0.0.4) written into a growing
 * buffer: the front end's /metrics (service/http_ops.c) and the worker's
 * (workers/metrics.c) share it.
 *
 * Must never: write a figure without its HELP and TYPE lines, or leave the text half
 * written (a line that cannot be appended for want of memory is left out whole).
 */
#ifndef A24_EXPO_H
#define A24_EXPO_H

#include <stddef.h>

#define A24_EXPO_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/** The text so far; zero-initialise it, and a24_expo_dispose it. */
typedef struct {
    char *buf; /* NUL-terminated once anything is written; NULL before */
    size_t len, cap;
} a24_expo_t;

/** Appends printf-style text; on allocation failure the text stays as it was. */
void a24_expo_put(a24_expo_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** The "# HELP" and "# TYPE" lines of `name` (`type`: "counter", "gauge", "histogram"). */
void a24_expo_head(a24_expo_t *t, const char *name, const char *type, const char *help);

/** A figure without labels, with its HELP and TYPE lines. */
void a24_expo_int(a24_expo_t *t, const char *name, const char *type, const char *help,
                  long long value);

/** Releases the text. */
void a24_expo_dispose(a24_expo_t *t);

#endif
