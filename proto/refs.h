/*
 * refs: the count of what still refers to an object that frees itself: its open libuv
 * handles, its stream readers, replies still to come and its owner's reference. The
 * feed (service/sse.c), the worker's parts, the store and the sentinel query end this
 * way: their destroy or stop function closes everything, and the last close frees them
 * (first zeroing them when they held secrets).
 *
 * The count must be the object's FIRST member: the close callbacks below are given the
 * object (a handle's data, a reader's privdata) and read the count at its address.
 *
 * Must never: free the object while a handle, reader or reply still refers to it.
 */
#ifndef A24_REFS_H
#define A24_REFS_H

#include <uv.h>

#include "stream.h"

typedef struct {
    int n;                       /* what still refers to the object */
    void (*on_last)(void *self); /* frees the object; NULL: free(), after `wipe` */
    size_t wipe; /* bytes of the object zeroed before free() (it held secrets); 0: none */
} a24_refs_t;

/** Drops one reference of `self` (whose first member is its a24_refs_t); the last frees it. */
void a24_refs_drop(void *self);

/** A uv_close callback for a handle whose data is the object: drops its reference. */
void a24_refs_handle_closed(uv_handle_t *h);

/** An a24_stream_close callback for a reader whose privdata is the object: the same. */
void a24_refs_stream_closed(a24_stream_t *s, void *self);

#endif
