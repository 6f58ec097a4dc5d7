/*
 * fuzz_request: one whole HTTP/1 request through the front end, from raw bytes to the
 * answer. The bytes are parsed by the same parser h2o uses (picohttpparser, exported by
 * libh2o), checked by the framing guard, turned into an h2o request on an in-memory
 * connection and handed to h2o's own dispatch with the real handlers (API router and
 * pages) registered as answer24-web registers them, with the raw bytes in the
 * connection's input buffer for the framing guard. Redis is deliberately out of reach
 * (a socket path that does not exist), so every handler that needs it answers 503 at
 * once; everything before that (routing, headers, bodies, validation) runs for real.
 *
 * Checks, beside the sanitizers: every request gets exactly one complete answer with
 * a status, and the framing guard never reads past the head.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <h2o.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "http.h"
#include "log.h"
#include "sse.h"
#include "static.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_HEADERS 100

/* picohttpparser, inside libh2o 2.2.5 (its header is not installed): the parser h2o's
 * HTTP/1 side uses, declared as that library exports it. */
struct phr_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};
int phr_parse_request(const char *buf, size_t len, const char **method, size_t *method_len,
                      const char **path, size_t *path_len, int *minor_version,
                      struct phr_header *headers, size_t *num_headers, size_t last_len);

/* An in-memory connection: the final output stream collects the answer. */
typedef struct {
    h2o_conn_t super;
    h2o_ostream_t out;
    h2o_req_t req;
    size_t body_bytes;
    bool done;
} mem_conn_t;

static a24_config_t cfg;
static a24_app_t app;
static uv_loop_t loop;

static socklen_t fake_address(h2o_conn_t *conn, struct sockaddr *sa)
{
    (void)conn;
    struct sockaddr_in *in = (struct sockaddr_in *)sa;
    memset(in, 0, sizeof *in);
    in->sin_family = AF_INET;
    in->sin_addr.s_addr = htonl(0xc0000201); /* 192.0.2.1 */
    in->sin_port = htons(40000);
    return sizeof *in;
}

/* h2o: the answer, in pieces. */
static void on_send(h2o_ostream_t *self, h2o_req_t *req, h2o_iovec_t *bufs, size_t n,
                    h2o_send_state_t state)
{
    mem_conn_t *c = H2O_STRUCT_FROM_MEMBER(mem_conn_t, out, self);
    for (size_t i = 0; i < n; i++)
        c->body_bytes += bufs[i].len;
    if (h2o_send_state_is_in_progress(state))
        h2o_proceed_response(req);
    else
        c->done = true;
}

/* Builds the front end once, as main.c does, with Redis out of reach. */
static void setup(void)
{
    static char dir[] = "/tmp/a24-fuzz-XXXXXX";
    char err[512], key[sizeof dir + 16];
    a24_log_init("fuzz_request", "error");
    if (mkdtemp(dir) == NULL || a24_config_load(&cfg, NULL, err, sizeof err) != 0)
        abort();
    snprintf(key, sizeof key, "%s/secret.key", dir);
    free(cfg.secrets.key_file);
    free(cfg.redis.url);
    cfg.secrets.key_file = strdup(key);
    cfg.redis.url = strdup("unix:///nonexistent/a24-fuzz.sock");
    cfg.redis.reconnect_min = cfg.redis.reconnect_max = 3600 * 1000;
    uv_loop_init(&loop);
    app.cfg = &cfg;
    app.loop = &loop;
    if (a24_secrets_load(&app.secrets, cfg.secrets.key_file, err, sizeof err) != 0 ||
        (app.screening = a24_screening_create(cfg.screening.data_dir, err, sizeof err)) == NULL ||
        (app.crisis = a24_crisis_create(cfg.screening.data_dir, err, sizeof err)) == NULL ||
        (app.store = a24_store_open(&loop, &cfg, err, sizeof err)) == NULL ||
        (app.feed = a24_feed_create(&app, err, sizeof err)) == NULL) {
        fprintf(stderr, "fuzz_request: %s\n", err);
        abort();
    }
    h2o_config_init(&app.h2o);
    app.h2o.max_request_entity_size = 65536;
    h2o_hostconf_t *host =
        h2o_config_register_host(&app.h2o, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    a24_http_register_api(host, "/api", &app);
    a24_http_register_api(host, "/healthz", &app);
    a24_http_register_api(host, "/readyz", &app);
    a24_http_register_api(host, "/metrics", &app);
    if (a24_static_register(host, &app, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_request: %s\n", err);
        abort();
    }
    h2o_context_init(&app.ctx, &loop, &app.h2o);
    uv_run(&loop, UV_RUN_NOWAIT); /* the connection attempt fails */
}

/* Adds the parsed headers the way h2o's HTTP/1 side does: special ones become fields. */
static void add_headers(mem_conn_t *c, struct phr_header *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (h[i].name == NULL)
            continue; /* a folded continuation line */
        char *name = h2o_mem_alloc_pool(&c->req.pool, h[i].name_len + 1);
        memcpy(name, h[i].name, h[i].name_len);
        h2o_strtolower(name, h[i].name_len);
        h2o_iovec_t value = h2o_strdup(&c->req.pool, h[i].value, h[i].value_len);
        const h2o_token_t *token = h2o_lookup_token(name, h[i].name_len);
        if (token == H2O_TOKEN_HOST)
            c->req.input.authority = value;
        else if (token != NULL && token->is_init_header_special)
            continue;
        else if (token != NULL)
            h2o_add_header(&c->req.pool, &c->req.headers, token, NULL, value.base, value.len);
        else
            h2o_add_header_by_str(&c->req.pool, &c->req.headers, name, h[i].name_len, 0, NULL,
                                  value.base, value.len);
    }
}

/* The connection's socket: only its input buffer (the raw request, as h2o keeps it
 * while the request is handled) is ever looked at; app.conns is NULL, so nothing asks
 * for its descriptor. */
static h2o_socket_t raw_sock;

static h2o_socket_t *fake_socket(h2o_conn_t *conn)
{
    (void)conn;
    return &raw_sock;
}

static const h2o_conn_callbacks_t callbacks = {
    .get_sockname = fake_address, .get_peername = fake_address, .get_socket = fake_socket};

/* Puts the raw bytes where h2o's HTTP/1 side keeps them. */
static void fill_socket(const char *buf, size_t size)
{
    if (raw_sock.input == NULL)
        h2o_buffer_init(&raw_sock.input, &h2o_socket_buffer_prototype);
    h2o_buffer_consume(&raw_sock.input, raw_sock.input->size);
    h2o_iovec_t room = h2o_buffer_reserve(&raw_sock.input, size + 1);
    memcpy(room.base, buf, size);
    raw_sock.input->size = size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (app.cfg == NULL)
        setup();
    const char *method, *path, *buf = (const char *)data;
    size_t method_len, path_len, nheaders = MAX_HEADERS;
    int minor;
    struct phr_header headers[MAX_HEADERS];
    int head = phr_parse_request(buf, size, &method, &method_len, &path, &path_len, &minor, headers,
                                 &nheaders, 0);
    (void)a24_http_framing_ambiguous(buf, size);
    if (head <= 0)
        return 0;

    fill_socket(buf, size);
    mem_conn_t *c = calloc(1, sizeof *c);
    c->super.ctx = &app.ctx;
    c->super.hosts = app.h2o.hosts;
    c->super.callbacks = &callbacks;
    h2o_init_request(&c->req, &c->super, NULL);
    c->req._ostr_top = &c->out;
    c->out.do_send = on_send;
    c->req.input.scheme = &H2O_URL_SCHEME_HTTP;
    c->req.version = 0x100 | (minor != 0);
    c->req.input.method = h2o_strdup(&c->req.pool, method, method_len);
    c->req.input.path = h2o_strdup(&c->req.pool, path, path_len);
    add_headers(c, headers, nheaders);
    if ((size_t)head < size)
        c->req.entity = h2o_strdup(&c->req.pool, buf + head, size - (size_t)head);
    h2o_process_request(&c->req);
    /* A loop pass that does not wait first: questions gathered outside the loop (as
     * here) go to Redis in its check phase (service/intake.c). */
    uv_run(&loop, UV_RUN_NOWAIT);
    while (!c->done)
        uv_run(&loop, UV_RUN_ONCE);
    assert(c->req.res.status >= 100 && c->req.res.status < 600);
    if (getenv("A24_FUZZ_VERBOSE") != NULL) /* to see what a corpus reaches */
        fprintf(stderr, "%d %.*s %.*s (%zu bytes)\n", c->req.res.status, (int)method_len, method,
                (int)path_len, path, c->body_bytes);
    h2o_dispose_request(&c->req);
    free(c);
    uv_run(&loop, UV_RUN_NOWAIT); /* the close callbacks of the operation's timer */
    return 0;
}
