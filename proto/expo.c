/*
 * expo: the buffer doubles as it fills; each append measures first, so a line is
 * written whole or not at all.
 */
#include "expo.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void a24_expo_put(a24_expo_t *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (t->len + (size_t)n + 1 > t->cap) {
        size_t cap = (t->cap + (size_t)n + 1) * 2;
        char *b = realloc(t->buf, cap);
        if (b == NULL)
            return;
        t->buf = b;
        t->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

void a24_expo_head(a24_expo_t *t, const char *name, const char *type, const char *help)
{
    a24_expo_put(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void a24_expo_int(a24_expo_t *t, const char *name, const char *type, const char *help,
                  long long value)
{
    a24_expo_put(t, "# HELP %s %s\n# TYPE %s %s\n%s %lld\n", name, help, name, type, name, value);
}

void a24_expo_dispose(a24_expo_t *t)
{
    free(t->buf);
    t->buf = NULL;
    t->len = t->cap = 0;
}
