/*
 * http: what every API handler of the front end uses.
 *
 * - Routing: each area (http_questions.c, http_ops.c, ...) exports a table of routes
 *   "METHOD /pattern" (a star stands for one segment); the dispatcher matches path and method,
 * answers 404 or 405 (with Allow) in the contract's error shape, and checks JSON bodies (415, 413)
 *   before a handler runs.
 * - Responses: JSON with a content length (keep-alive), the security headers, and
 *   `Cache-Control: no-store` on every API answer.
 * - Operations: a request waiting on Redis is an a24_op_t on the heap with a
 *   back-reference from the request's pool. When the client leaves (HTTP/2 reset) the
 *   pool's dispose clears op->req, so a late reply is dropped instead of touching
 *   freed memory; a timer answers 503 if Redis does not reply in time.
 *
 * Must stay true: a request gets exactly one response; nothing touches a request after
 * it is answered or gone; every error body is {"error": {"code", "message", "field"?}}.
 */
#ifndef A24_HTTP_H
#define A24_HTTP_H

#include <h2o.h>
#include <jansson.h>
#include <stdbool.h>

#include "app.h"
#include "log.h"
#include "codec.h"

/** Captured path segments (the '*' of a pattern), in order. */
#define A24_ROUTE_MAX_PARAMS 4
typedef struct {
    h2o_iovec_t param[A24_ROUTE_MAX_PARAMS];
    size_t nparams;
} a24_route_match_t;

typedef void (*a24_route_fn)(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m);

enum { A24_ROUTE_JSON_BODY = 1 };

typedef struct {
    const char *method;  /* "GET", "POST", ... */
    const char *pattern; /* "/api/v1/questions/ * /followups" without spaces */
    a24_route_fn fn;
    unsigned flags; /* A24_ROUTE_* */
} a24_route_t;

/** Route tables of the areas, each ended by an entry with a NULL method. */
extern const a24_route_t a24_question_routes[];
extern const a24_route_t a24_ops_routes[];
extern const a24_route_t a24_session_routes[];
extern const a24_route_t a24_alert_routes[];
extern const a24_route_t a24_event_routes[];
extern const a24_route_t a24_ticket_routes[];
extern const a24_route_t a24_duty_routes[];
extern const a24_route_t a24_coverage_routes[];
extern const a24_route_t a24_template_routes[];

/** Registers the API dispatcher on `path` ("/api") of `host`. */
void a24_http_register_api(h2o_hostconf_t *host, const char *path, a24_app_t *app);

/**
 * What every request goes through before a handler: marks its connection as used,
 * refuses (400, connection closed) an HTTP/1 request whose body framing is ambiguous,
 * and adds HSTS when the public origin is https. Returns false if it answered.
 */
bool a24_http_admit_or_respond(a24_app_t *app, h2o_req_t *req);

/**
 * True if the HTTP/1 request head `head` (the request line, header lines and the empty
 * line; bytes after it are ignored) has more than one Content-Length, more than one
 * Transfer-Encoding, or both: a proxy and h2o could then disagree on where the body
 * ends, and a second request could hide in it.
 */
bool a24_http_framing_ambiguous(const char *head, size_t len);

/** True if http.public_url is an https:// origin (Secure cookies, HSTS). */
bool a24_http_https(const a24_app_t *app);

/** Adds the headers every response carries (CSP, nosniff, no-referrer, ...). */
void a24_http_security_headers(h2o_req_t *req);

/** Answers with `body` (stolen) as JSON. */
void a24_http_json(h2o_req_t *req, int status, json_t *body);

/** Answers with `len` bytes of JSON text (copied), for bodies spliced from cached parts. */
void a24_http_json_text(h2o_req_t *req, int status, const char *text, size_t len);

/** Answers `len` bytes of `body` (copied) as `type` (a static string). */
void a24_http_body(h2o_req_t *req, int status, const char *type, const char *body, size_t len);

/**
 * Room for a response body of `len` bytes in the request's memory that is wiped (not
 * only freed) when h2o disposes of the request: after the response was written, or
 * when the client left. For bodies that hold an access code or a citizen's text.
 */
char *a24_http_wiped_room(h2o_req_t *req, size_t len);

/** Answers the `len` bytes of JSON text in `room` (from a24_http_wiped_room; not copied). */
void a24_http_json_room(h2o_req_t *req, int status, const char *room, size_t len);

/** Adds Retry-After (whole seconds, at least one) to the coming response. */
void a24_http_retry_after(h2o_req_t *req, long long retry_after_ms);

/** Answers with an empty body (204 and the like). */
void a24_http_empty(h2o_req_t *req, int status);

/** Answers with the contract's error shape. */
void a24_http_error(h2o_req_t *req, int status, const char *code, const char *message,
                    const char *field);

/** Answers `err`. */
void a24_http_send_error(h2o_req_t *req, const a24_error_t *err);

/** Answers 429 with Retry-After (rounded up to whole seconds). */
void a24_http_rate_limited(h2o_req_t *req, long long retry_after_ms);

/** Answers 503 "unavailable" with Retry-After. */
void a24_http_unavailable(h2o_req_t *req);

/** The value of header `name` (lower case), or an empty iovec. */
h2o_iovec_t a24_http_header(h2o_req_t *req, const char *name);

/** The Bearer credential of the Authorization header, or an empty iovec. */
h2o_iovec_t a24_http_bearer(h2o_req_t *req);

/**
 * Copies the percent-decoded value of query parameter `name` into `out` (NUL-ended).
 * Returns its length, or -1 if absent or longer than `outlen` - 1.
 */
int a24_http_query(h2o_req_t *req, const char *name, char *out, size_t outlen);

/**
 * Opens a text sealed with associated data `ad` (a ticket id) into a new JSON string,
 * or JSON null (logged) if it does not open.
 */
json_t *a24_http_open_text(a24_app_t *app, const char *ad, const char *sealed, size_t len);

/** A new JSON string of `ms` as an RFC 3339 UTC time. */
json_t *a24_http_time(a24_ms_t ms);

/**
 * Reads http.trusted_proxies (and the deprecated http.trust_proxy) into `app`, and warns
 * once when the front end listens on loopback with no proxy trusted. Call at start.
 */
void a24_http_client_init(a24_app_t *app);

/** True if `addr` is one of http.trusted_proxies (`app` as a const void *, for conn.h). */
bool a24_http_proxy_trusted(const void *app, const struct sockaddr_storage *addr);

/**
 * The daily client tag of the request's client (see secret.h): the peer, or behind
 * trusted proxies the right-most X-Forwarded-For address that is not one of them.
 */
void a24_http_client_tag(a24_app_t *app, h2o_req_t *req, char out[A24_TAG_LEN + 1]);

/* ---------------------------------------------------------------- operations */

typedef struct a24_op a24_op_t;

/**
 * A script reply an operation can use, handed to its handler (op_script.c): for
 * a24_op_script, `verdict` is the reply's first element (a string); for a24_op_rows,
 * NULL. The handler answers (or not, if the request is gone) and finishes the operation.
 */
typedef void (*a24_op_reply_fn)(a24_op_t *op, const char *verdict, const redisReply *r);

/**
 * The 200 body an operation makes of its script's rows (a24_op_rows_json_or_respond),
 * or NULL if the rows cannot be read (the request is then answered 503).
 */
typedef json_t *(*a24_op_json_fn)(a24_op_t *op, const redisReply *r);

struct a24_op {
    a24_app_t *app;
    h2o_req_t *req;                /* NULL once answered, timed out, or the client left */
    a24_op_t **slot;               /* in the request's pool */
    uv_timer_t timer;              /* answers 503 if Redis is too slow */
    void (*dispose)(a24_op_t *op); /* frees what the concrete operation holds */
    char request_id[A24_LOG_REQUEST_ID_MAX + 1]; /* logged with what the operation does */
    const char *script;       /* the script in flight, named in the log when it fails */
    a24_op_reply_fn on_reply; /* its handler */
    a24_op_json_fn build;     /* a24_op_rows_json_or_respond: the body made of the rows */
    size_t min_rows;          /* a24_op_rows: the fewest elements its reply may have */
    bool want_verdict;        /* a24_op_script: the reply starts with a verdict */
};

/**
 * Starts an operation of `size` bytes (a struct whose first member is a24_op_t),
 * zero-filled, tied to `req`. Returns NULL (after answering 503) if out of memory.
 */
void *a24_op_start(a24_app_t *app, h2o_req_t *req, size_t size);

/** a24_op_start for an operation that holds something to free: `dispose` is set at once. */
void *a24_op_start_with(a24_app_t *app, h2o_req_t *req, size_t size, void (*dispose)(a24_op_t *op));

/**
 * Takes the request back to answer it: returns it and detaches the operation, or
 * returns NULL if it was already answered or the client left. Call once, right
 * before responding.
 */
h2o_req_t *a24_op_take(a24_op_t *op);

/**
 * Stops the Redis timer while the operation waits on something else (the password
 * check on the threadpool), so a busy CPU is not reported as Redis being away;
 * a24_op_rearm starts it again before the next Redis call.
 */
void a24_op_hold(a24_op_t *op);
void a24_op_rearm(a24_op_t *op);

/** Ends an operation: no callback will use it again. Frees it after its timer closes. */
void a24_op_finish(a24_op_t *op);

/** If the request is still waiting, answers 503 "unavailable"; then finishes the op. */
void a24_op_fail_unavailable(a24_op_t *op);

/**
 * Runs the script `name` with `args` (disposed of, as a24_store_fcall does) for the
 * operation. A reply whose first element is a string (the verdict) goes to
 * `on_reply`; any other (Redis failed or went away, or the script raised an error,
 * which is logged) answers 503 and finishes the operation. 0, or -1 if the call could
 * not be sent (nothing answered then).
 */
int a24_op_script(a24_op_t *op, const char *name, a24_args_t *args, a24_op_reply_fn on_reply);

/** a24_op_script, answering 503 itself when the call cannot be sent: the caller just returns. */
void a24_op_script_or_respond(a24_op_t *op, const char *name, a24_args_t *args,
                              a24_op_reply_fn on_reply);

/**
 * As a24_op_script_or_respond, for a script whose reply is read as rows: an array of
 * at least `min` elements goes to `on_reply` (with a NULL verdict).
 */
void a24_op_rows_or_respond(a24_op_t *op, const char *name, a24_args_t *args, size_t min,
                            a24_op_reply_fn on_reply);

/**
 * As a24_op_rows_or_respond for a read whose answer is 200 with the JSON `build` makes of
 * the rows: the reply's handler (taking the request, answering, finishing) is shared.
 */
void a24_op_rows_json_or_respond(a24_op_t *op, const char *name, a24_args_t *args, size_t min,
                                 a24_op_json_fn build);

/**
 * For an operation with no state of its own: starts a bare a24_op_t on `req` and runs
 * a24_op_script_or_respond (or a24_op_rows_json_or_respond); if it cannot start (503
 * answered), `args` are disposed of. The caller just returns.
 */
void a24_op_run_or_respond(a24_app_t *app, h2o_req_t *req, const char *name, a24_args_t *args,
                           a24_op_reply_fn on_reply);
void a24_op_read_json_or_respond(a24_app_t *app, h2o_req_t *req, const char *name, a24_args_t *args,
                                 size_t min, a24_op_json_fn build);

/** True if `r` is an array of at least `min` elements; if not, as a24_op_fail_unavailable. */
bool a24_op_array_or_respond(a24_op_t *op, const redisReply *r, size_t min);

#endif
