/*
 * ticker: the plumbing of a periodic part of a worker role (the eraser, memwatch,
 * shifts): one timer on the worker's loop, at most one pass in flight at a time, and
 * the memory released only once the timer has closed.
 *
 * A part embeds an a24_ticker_t as its FIRST member, so that the ticker and the part
 * are one allocation: a24_ticker_start allocates `size` zeroed bytes, the part's own
 * fields after the ticker.
 *
 * Must never: start a pass while the last one is still going, after stop, or while the
 * worker has no store; free the part before its timer has closed.
 */
#ifndef A24_TICKER_H
#define A24_TICKER_H

#include <stddef.h>
#include <stdint.h>

#include "refs.h"
#include "worker.h"

typedef struct a24_ticker a24_ticker_t;

/** One pass: 0 when a reply is now awaited (the ticker is then `busy` until the part
 * clears it, when the pass has finished), anything else when nothing was sent. */
typedef int (*a24_ticker_pass_cb)(a24_ticker_t *t);

struct a24_ticker {
    a24_refs_t refs; /* first (refs.h): the timer */
    a24_worker_t *w;
    uv_timer_t timer;
    bool busy;     /* a pass awaits its reply */
    bool stopping; /* a24_ticker_stop was called: replies only finish */
    a24_ticker_pass_cb pass;
};

/**
 * Allocates a part of `size` bytes (an a24_ticker_t first), and calls `pass` after
 * `first` ms and then every `every` ms. NULL with one line in `err`.
 */
void *a24_ticker_start(a24_worker_t *w, size_t size, a24_ticker_pass_cb pass, uint64_t first,
                       uint64_t every, char *err, size_t errlen);

/**
 * Stops the ticks of `part` (an a24_ticker_t): every ticker's a24_worker_part_t stop. It
 * is freed once its timer has closed.
 */
void a24_ticker_stop(void *part);

#endif
