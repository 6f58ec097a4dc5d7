/*
 * ticker: one timer per part; the pass is skipped while one is in flight.
 */
#include "ticker.h"

#include "grow.h"

/* Every tick: one pass, unless the last one is still going. */
static void on_tick(uv_timer_t *timer)
{
    a24_ticker_t *t = timer->data;
    if (t->busy || t->stopping || t->w->store == NULL)
        return;
    if (t->pass(t) == 0)
        t->busy = true;
}

void *a24_ticker_start(a24_worker_t *w, size_t size, a24_ticker_pass_cb pass, uint64_t first,
                       uint64_t every, char *err, size_t errlen)
{
    a24_ticker_t *t = a24_alloc_or_err(size, err, errlen);
    if (t == NULL)
        return NULL;
    t->refs.n = 1; /* the timer */
    t->w = w;
    t->pass = pass;
    uv_timer_init(w->loop, &t->timer);
    t->timer.data = t;
    uv_timer_start(&t->timer, on_tick, first, every);
    return t;
}

void a24_ticker_stop(void *part)
{
    a24_ticker_t *t = part;
    t->stopping = true;
    uv_close((uv_handle_t *)&t->timer, a24_refs_handle_closed);
}
