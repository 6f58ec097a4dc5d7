/*
 * h2o_uv: taking a TCP client into a small libh2o server on libuv, the way h2o's own
 * libuv example does. Header only, for the programs that already use h2o (the worker's
 * /metrics, the benchmark's baseline server): nothing here is linked into a24proto.
 *
 * Must stay true: every connection has a uv_tcp_t of its own, which h2o owns once
 * accepted and frees when the connection closes; a client that cannot be accepted is
 * closed at once.
 */
#ifndef A24_H2O_UV_H
#define A24_H2O_UV_H

#include <h2o.h>
#include <stdlib.h>

/* Accepts the client waiting on `listener` into `accept` (call from libuv's connection
 * callback, once its status and the caller's own checks are fine). */
static inline void a24_h2o_uv_accept(uv_stream_t *listener, h2o_accept_ctx_t *accept)
{
    uv_tcp_t *conn = h2o_mem_alloc(sizeof *conn);
    uv_tcp_init(listener->loop, conn);
    if (uv_accept(listener, (uv_stream_t *)conn) != 0) {
        uv_close((uv_handle_t *)conn, (uv_close_cb)free);
        return;
    }
    h2o_accept(accept, h2o_uv_socket_create((uv_stream_t *)conn, (uv_close_cb)free));
}

#endif
