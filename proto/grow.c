/*
 * grow: realloc with doubling.
 */
#include "grow.h"

#include <stdio.h>
#include <stdlib.h>

int a24_grow(void *arr, size_t *cap, size_t n, size_t size, size_t first)
{
    void **items = arr;
    if (n < *cap)
        return 0;
    size_t grown_cap = *cap ? *cap * 2 : first;
    void *grown = realloc(*items, grown_cap * size);
    if (grown == NULL)
        return -1;
    *items = grown;
    *cap = grown_cap;
    return 0;
}

void *a24_alloc_or_err(size_t size, char *err, size_t errlen)
{
    void *p = calloc(1, size);
    if (p == NULL)
        snprintf(err, errlen, "out of memory");
    return p;
}
