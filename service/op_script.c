/*
 * op_script: an operation's script call and the first look at its reply (declared in
 * http.h beside a24_op_t). The call records the script and its handler in the
 * operation; the one store callback here checks the reply's shape, so a handler
 * starts with a reply it can read, and a reply that is an error names its script in
 * the log without each handler saying it.
 *
 * Must never: answer a request that was already answered (everything goes through
 * a24_op_fail_unavailable, which takes the request first).
 */
#include "http.h"
#include "staff_body.h"

/* A reply the operation cannot use: the script's error is logged, then 503. */
static void fail_reply(a24_op_t *op, const redisReply *r)
{
    a24_log_script_error(op->script != NULL ? op->script : "?", r);
    a24_op_fail_unavailable(op);
}

bool a24_op_array_or_respond(a24_op_t *op, const redisReply *r, size_t min)
{
    bool ok = r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements >= min;
    if (!ok)
        fail_reply(op, r);
    return ok;
}

/* The store's callback of every script call made here. */
static void on_script_reply(a24_store_t *store, redisReply *r, void *privdata)
{
    (void)store;
    a24_op_t *op = privdata;
    size_t len;
    const char *verdict = op->want_verdict ? a24_reply_str(r, 0, &len) : NULL;
    if (op->want_verdict && verdict == NULL)
        fail_reply(op, r);
    else if (op->want_verdict || a24_op_array_or_respond(op, r, op->min_rows))
        op->on_reply(op, verdict, r);
}

/* Records the call in the operation and sends it. 0, or -1 if not sent. */
static int send_script(a24_op_t *op, const char *name, a24_args_t *args, bool want_verdict,
                       size_t min, a24_op_reply_fn on_reply)
{
    op->script = name;
    op->on_reply = on_reply;
    op->want_verdict = want_verdict;
    op->min_rows = min;
    return a24_store_fcall(op->app->store, name, args, on_script_reply, op);
}

int a24_op_script(a24_op_t *op, const char *name, a24_args_t *args, a24_op_reply_fn on_reply)
{
    return send_script(op, name, args, true, 1, on_reply);
}

void a24_op_script_or_respond(a24_op_t *op, const char *name, a24_args_t *args,
                              a24_op_reply_fn on_reply)
{
    if (send_script(op, name, args, true, 1, on_reply) != 0)
        a24_op_fail_unavailable(op);
}

/* A bare operation for a script call, or NULL (503 answered, `args` disposed of). */
static a24_op_t *start_bare(a24_app_t *app, h2o_req_t *req, a24_args_t *args)
{
    a24_op_t *op = a24_op_start(app, req, sizeof *op);
    if (op == NULL)
        a24_args_dispose(args);
    return op;
}

void a24_op_run_or_respond(a24_app_t *app, h2o_req_t *req, const char *name, a24_args_t *args,
                           a24_op_reply_fn on_reply)
{
    a24_op_t *op = start_bare(app, req, args);
    if (op != NULL)
        a24_op_script_or_respond(op, name, args, on_reply);
}

/* The rows of a read arrived: 200 with what the operation makes of them. */
static void answer_rows_json(a24_op_t *op, const char *verdict, const redisReply *r)
{
    (void)verdict;
    if (op->req == NULL) { /* the client left: nothing to make */
        a24_op_finish(op);
        return;
    }
    json_t *body = op->build(op, r);
    if (body == NULL) {
        a24_op_fail_unavailable(op);
        return;
    }
    a24_http_json(a24_op_take(op), 200, body);
    a24_op_finish(op);
}

void a24_op_rows_json_or_respond(a24_op_t *op, const char *name, a24_args_t *args, size_t min,
                                 a24_op_json_fn build)
{
    op->build = build;
    a24_op_rows_or_respond(op, name, args, min, answer_rows_json);
}

void a24_op_read_json_or_respond(a24_app_t *app, h2o_req_t *req, const char *name, a24_args_t *args,
                                 size_t min, a24_op_json_fn build)
{
    a24_op_t *op = start_bare(app, req, args);
    if (op != NULL)
        a24_op_rows_json_or_respond(op, name, args, min, build);
}

void a24_op_rows_or_respond(a24_op_t *op, const char *name, a24_args_t *args, size_t min,
                            a24_op_reply_fn on_reply)
{
    if (send_script(op, name, args, false, min, on_reply) != 0)
        a24_op_fail_unavailable(op);
}
