/*
 * baseline: the intake benchmark's ceiling. A libh2o (libuv) server that answers
 * POST /api/v1/questions with 201 and a fixed JSON body as long as answer24-web's real
 * answer, with the same response headers, the same keep-alive (content length set) and
 * the same heap trimming threshold, but without parsing, sealing, QR encoding or Redis.
 * What answer24-web loses against it is the cost of the real work. (The real answer's
 * length varies by a few kilobytes with the QR code's dark modules; intake.sh passes the
 * mean it measured.)
 *
 *   baseline HOST:PORT BODY_BYTES
 *
 * Any other path or method gets h2o's 404. SIGTERM or SIGINT stops it (exit 0).
 *
 * Must never: listen anywhere but where it is told (the script passes 127.0.0.1);
 * answer without a content length (h2o would close the connection after each 201).
 */
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <h2o.h>

#include "../../proto/h2o_uv.h" /* intake.sh builds this file alone, without -I */

#define CSP                                                                                        \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "connect-src 'self'; font-src 'self'; object-src 'none'; frame-ancestors 'none'; "             \
    "base-uri 'none'; form-action 'self'"

/* The start of the fixed answer; a base64-looking "qr" string pads it to length. */
#define BODY_HEAD                                                                                  \
    "{\"ticket\":\"BENCHBASELINE0000000000\",\"access_code\":\"BENCH-0000-0000-0000\","            \
    "\"status\":\"queued\",\"created_at\":\"2026-01-01T00:00:00Z\","                               \
    "\"due_at\":\"2026-01-02T00:00:00Z\",\"crisis\":false,\"resources\":[],"                       \
    "\"return_path\":\"/t/BENCHBASELINE0000000000#BENCH-0000-0000-0000\","                         \
    "\"qr\":\"data:image/svg+xml;base64,"
#define BODY_TAIL "\"}"

typedef struct {
    h2o_globalconf_t config;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept;
    uv_tcp_t listener;
    uv_signal_t sigterm, sigint;
    char *body; /* immutable once built */
    size_t body_len;
} baseline_t;

/* The extra response headers answer24's API sends, by name (h2o has no token for most). */
static const char *const extra_headers[][2] = {
    {"content-security-policy", CSP},
    {"x-content-type-options", "nosniff"},
    {"referrer-policy", "no-referrer"},
    {"x-frame-options", "DENY"},
    {"cross-origin-opener-policy", "same-origin"},
    {"cross-origin-resource-policy", "same-origin"},
    {"permissions-policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"},
    {"cache-control", "no-store"},
    {"content-type", "application/json; charset=utf-8"},
};

/* Builds the fixed answer of exactly `len` bytes; NULL if `len` is too short for it. */
static char *build_body(size_t len)
{
    size_t head = strlen(BODY_HEAD), tail = strlen(BODY_TAIL);
    if (len < head + tail)
        return NULL;
    char *body = malloc(len);
    if (body == NULL)
        return NULL;
    memcpy(body, BODY_HEAD, head);
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = head; i < len - tail; i++)
        body[i] = b64[(i * 7) % 64];
    memcpy(body + len - tail, BODY_TAIL, tail);
    return body;
}

/* h2o: a request on the one path. The body is already read; it is not looked at. */
static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    baseline_t *b = req->conn->ctx->loop->data;
    if (!h2o_memis(req->method.base, req->method.len, H2O_STRLIT("POST")) ||
        !h2o_memis(req->path_normalized.base, req->path_normalized.len,
                   H2O_STRLIT("/api/v1/questions")))
        return -1;
    req->res.status = 201;
    req->res.reason = "Created";
    for (size_t i = 0; i < sizeof extra_headers / sizeof extra_headers[0]; i++)
        h2o_add_header_by_str(&req->pool, &req->res.headers, extra_headers[i][0],
                              strlen(extra_headers[i][0]), 1, NULL, extra_headers[i][1],
                              strlen(extra_headers[i][1]));
    req->res.content_length = b->body_len;
    /* Copied into the pool, as answer24-web's own answers are. */
    h2o_send_inline(req, b->body, b->body_len);
    return 0;
}

/* libuv: a client connects; h2o owns the stream from here and frees it on close. */
static void on_accept(uv_stream_t *listener, int status)
{
    baseline_t *b = listener->loop->data;
    if (status != 0)
        return;
    a24_h2o_uv_accept(listener, &b->accept);
}

/* SIGTERM or SIGINT: stop accepting and leave the loop; the process exits right after. */
static void on_signal(uv_signal_t *sig, int signum)
{
    (void)signum;
    baseline_t *b = sig->loop->data;
    uv_close((uv_handle_t *)&b->listener, NULL);
    uv_close((uv_handle_t *)&b->sigterm, NULL);
    uv_close((uv_handle_t *)&b->sigint, NULL);
    h2o_context_request_shutdown(&b->ctx);
    uv_stop(sig->loop);
}

/* Splits "host:port" and listens there. Returns 0 or a libuv error code. */
static int listen_on(baseline_t *b, uv_loop_t *loop, const char *where)
{
    char host[64];
    const char *colon = strrchr(where, ':');
    if (colon == NULL || (size_t)(colon - where) >= sizeof host)
        return UV_EINVAL;
    memcpy(host, where, (size_t)(colon - where));
    host[colon - where] = '\0';
    struct sockaddr_in addr;
    int rc = uv_ip4_addr(host, atoi(colon + 1), &addr);
    if (rc != 0)
        return rc;
    uv_tcp_init(loop, &b->listener);
    if ((rc = uv_tcp_bind(&b->listener, (const struct sockaddr *)&addr, 0)) == 0)
        rc = uv_listen((uv_stream_t *)&b->listener, 1024, on_accept);
    return rc;
}

int main(int argc, char **argv)
{
    /* As answer24-web does: glibc would otherwise trim and regrow the heap constantly. */
    mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
    signal(SIGPIPE, SIG_IGN);
    if (argc != 3) {
        fprintf(stderr, "usage: baseline HOST:PORT BODY_BYTES\n");
        return 2;
    }
    static baseline_t b; /* large (h2o config); one per process */
    b.body_len = strtoul(argv[2], NULL, 10);
    if ((b.body = build_body(b.body_len)) == NULL) {
        fprintf(stderr, "baseline: a body of %s bytes is too short or too large\n", argv[2]);
        return 2;
    }

    uv_loop_t loop;
    uv_loop_init(&loop);
    loop.data = &b;
    h2o_config_init(&b.config);
    b.config.server_name = h2o_iovec_init(H2O_STRLIT("answer24"));
    h2o_hostconf_t *host =
        h2o_config_register_host(&b.config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/api/v1/questions", 0);
    h2o_handler_t *handler = h2o_create_handler(path, sizeof *handler);
    handler->on_req = on_req;
    h2o_context_init(&b.ctx, &loop, &b.config);
    b.accept.ctx = &b.ctx;
    b.accept.hosts = b.config.hosts;

    int rc = listen_on(&b, &loop, argv[1]);
    if (rc != 0) {
        fprintf(stderr, "baseline: cannot listen on %s: %s\n", argv[1], uv_strerror(rc));
        return 1;
    }
    uv_signal_init(&loop, &b.sigterm);
    uv_signal_init(&loop, &b.sigint);
    uv_signal_start(&b.sigterm, on_signal, SIGTERM);
    uv_signal_start(&b.sigint, on_signal, SIGINT);
    uv_run(&loop, UV_RUN_DEFAULT);
    /* Open keep-alive connections are not waited for: the process is about to end. */
    free(b.body);
    return 0;
}
