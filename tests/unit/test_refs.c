/*
 * Unit tests of proto/refs: an object frees itself when the last of its handles has
 * closed and its owner's reference is dropped; and a24_alloc_or_err (proto/grow).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "a24unit.h"
#include "grow.h"
#include "refs.h"

typedef struct {
    a24_refs_t refs; /* first */
    uv_timer_t a, b;
    int *freed; /* set by on_last */
} object_t;

static void object_free(void *self)
{
    object_t *o = self;
    *o->freed += 1;
    free(o);
}

static void refs_last_close_frees_once(void **state)
{
    (void)state;
    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    int freed = 0;
    char err[64] = "";
    object_t *o = a24_alloc_or_err(sizeof *o, err, sizeof err);
    assert_non_null(o);
    o->freed = &freed;
    o->refs.on_last = object_free;
    o->refs.n = 3; /* two timers and the owner */
    uv_timer_init(&loop, &o->a);
    uv_timer_init(&loop, &o->b);
    o->a.data = o->b.data = o;
    uv_close((uv_handle_t *)&o->a, a24_refs_handle_closed);
    uv_close((uv_handle_t *)&o->b, a24_refs_handle_closed);
    assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
    assert_int_equal(freed, 0); /* the owner still holds it */
    a24_refs_drop(o);
    assert_int_equal(freed, 1);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void refs_stream_close_callback_drops_one(void **state)
{
    (void)state;
    int freed = 0;
    object_t *o = calloc(1, sizeof *o);
    assert_non_null(o);
    o->freed = &freed;
    o->refs.on_last = object_free;
    o->refs.n = 2;
    a24_refs_stream_closed(NULL, o);
    assert_int_equal(freed, 0);
    a24_refs_stream_closed(NULL, o);
    assert_int_equal(freed, 1);
}

A24_UNIT_MAIN(cmocka_unit_test(refs_last_close_frees_once),
              cmocka_unit_test(refs_stream_close_callback_drops_one))
