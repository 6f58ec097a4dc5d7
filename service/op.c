/*
 * op: the life of an operation that waits on Redis (declared in http.h): a heap struct
 * tied to its request by a slot in the request's pool, whose dispose clears op->req
 * when the client leaves, and a timer that answers 503 if Redis is too slow. Script
 * calls for an operation are in op_script.c.
 *
 * Must never: touch a request after its pool's dispose ran; answer a request twice
 * (a24_op_take detaches before anyone responds); free an operation while a Redis
 * callback may still reach it, or before its timer has closed.
 */
#include <stdio.h>
#include <stdlib.h>

#include "http.h"
#include "log.h"

/* The request's pool is being cleared: the client left or the response is done. */
static void on_req_dispose(void *p)
{
    a24_op_t **slot = p;
    if (*slot != NULL) {
        (*slot)->req = NULL;
        (*slot)->slot = NULL;
    }
}

/* Redis did not answer within http.request_timeout. */
static void on_op_timeout(uv_timer_t *t)
{
    a24_op_t *op = t->data;
    h2o_req_t *req = a24_op_take(op);
    if (req != NULL) {
        a24_log_warn("redis_timeout", NULL);
        op->app->counters.redis_unavailable++;
        a24_http_unavailable(req);
    }
}

void *a24_op_start(a24_app_t *app, h2o_req_t *req, size_t size)
{
    a24_op_t *op = calloc(1, size);
    if (op == NULL) {
        a24_http_unavailable(req);
        return NULL;
    }
    op->app = app;
    op->req = req;
    snprintf(op->request_id, sizeof op->request_id, "%s", a24_log_request_id());
    op->slot = h2o_mem_alloc_shared(&req->pool, sizeof *op->slot, on_req_dispose);
    *op->slot = op;
    uv_timer_init(app->loop, &op->timer);
    op->timer.data = op;
    uv_timer_start(&op->timer, on_op_timeout, (uint64_t)app->cfg->http.request_timeout, 0);
    app->inflight++;
    return op;
}

void *a24_op_start_with(a24_app_t *app, h2o_req_t *req, size_t size, void (*dispose)(a24_op_t *op))
{
    a24_op_t *op = a24_op_start(app, req, size);
    if (op != NULL)
        op->dispose = dispose;
    return op;
}

h2o_req_t *a24_op_take(a24_op_t *op)
{
    h2o_req_t *req = op->req;
    if (req == NULL)
        return NULL;
    a24_log_request(op->request_id); /* what follows is this request's */
    /* Detach first: sending may dispose the request synchronously. */
    *op->slot = NULL;
    op->slot = NULL;
    op->req = NULL;
    uv_timer_stop(&op->timer);
    return req;
}

void a24_op_hold(a24_op_t *op)
{
    uv_timer_stop(&op->timer);
}

void a24_op_rearm(a24_op_t *op)
{
    if (op->req != NULL)
        uv_timer_start(&op->timer, on_op_timeout, (uint64_t)op->app->cfg->http.request_timeout, 0);
}

/* The timer has closed: the operation can go. */
static void on_op_closed(uv_handle_t *h)
{
    a24_op_t *op = h->data;
    free(op);
}

void a24_op_finish(a24_op_t *op)
{
    if (op->req != NULL) {
        /* A handler that forgets to answer must not leave the client hanging. */
        h2o_req_t *req = a24_op_take(op);
        a24_http_error(req, 500, "internal", "Something went wrong; nothing was changed.", NULL);
    }
    if (op->dispose != NULL)
        op->dispose(op);
    op->app->inflight--;
    uv_close((uv_handle_t *)&op->timer, on_op_closed);
    a24_log_request(NULL);
}

void a24_op_fail_unavailable(a24_op_t *op)
{
    h2o_req_t *req = a24_op_take(op);
    if (req != NULL) {
        op->app->counters.redis_unavailable++;
        a24_http_unavailable(req);
    }
    a24_op_finish(op);
}
