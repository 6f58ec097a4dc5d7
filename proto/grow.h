/*
 * grow: makes room in an array that doubles as it fills, for the tables proto builds
 * at load time (the screening lists, the matcher's states).
 *
 * Must never: lose the array when memory runs out (it is left as it was).
 */
#ifndef A24_GROW_H
#define A24_GROW_H

#include <stddef.h>

/**
 * Makes room for one more item after the first `n` of `*(void **)arr` (items of `size`
 * bytes, `*cap` of them allocated): the capacity doubles, starting at `first`. 0, or -1
 * when out of memory.
 */
int a24_grow(void *arr, size_t *cap, size_t n, size_t size, size_t first);

/**
 * Allocates `size` zeroed bytes for an object a create function returns: NULL with
 * "out of memory" in `err` when there is none.
 */
void *a24_alloc_or_err(size_t size, char *err, size_t errlen);

#endif
