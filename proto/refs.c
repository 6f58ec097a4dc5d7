/*
 * refs: objects that free themselves once nothing refers to them (refs.h).
 */
#include "refs.h"

#include <sodium.h>
#include <stdlib.h>

void a24_refs_drop(void *self)
{
    a24_refs_t *refs = self;
    if (--refs->n > 0)
        return;
    if (refs->on_last != NULL) {
        refs->on_last(self);
        return;
    }
    if (refs->wipe > 0)
        sodium_memzero(self, refs->wipe);
    free(self);
}

void a24_refs_handle_closed(uv_handle_t *h)
{
    a24_refs_drop(h->data);
}

void a24_refs_stream_closed(a24_stream_t *s, void *self)
{
    (void)s;
    a24_refs_drop(self);
}
