/*
 * http: routing, responses and the client's identity. The life of an operation that
 * waits on Redis is in op.c, its script calls in op_script.c.
 *
 * Must never: send twice on one request, or touch a request after its pool's dispose
 * ran.
 */
#include "http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "conn.h"
#include "log.h"

#define CSP                                                                                        \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "connect-src 'self'; font-src 'self'; object-src 'none'; frame-ancestors 'none'; "             \
    "base-uri 'none'; form-action 'self'"

typedef struct {
    h2o_handler_t super;
    a24_app_t *app;
} api_handler_t;

/* ---------------------------------------------------------------- responses */

/* The reason phrase of the statuses answer24 uses. */
static const char *reason_of(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Payload Too Large";
    case 415:
        return "Unsupported Media Type";
    case 429:
        return "Too Many Requests";
    case 503:
        return "Service Unavailable";
    default:
        return status < 400 ? "OK" : "Error";
    }
}

/* Adds a header whose name h2o has no token for. */
static void add_header(h2o_req_t *req, const char *name, const char *value)
{
    h2o_add_header_by_str(&req->pool, &req->res.headers, name, strlen(name), 1, NULL, value,
                          strlen(value));
}

void a24_http_security_headers(h2o_req_t *req)
{
    add_header(req, "content-security-policy", CSP);
    add_header(req, "x-content-type-options", "nosniff");
    add_header(req, "referrer-policy", "no-referrer");
    add_header(req, "x-frame-options", "DENY");
    add_header(req, "cross-origin-opener-policy", "same-origin");
    add_header(req, "cross-origin-resource-policy", "same-origin");
    add_header(req, "permissions-policy",
               "camera=(), microphone=(), geolocation=(), interest-cohort=()");
}

static void add_retry_after(h2o_req_t *req, long long ms);

/* Sets status and the API's common headers. */
static void start_api_response(h2o_req_t *req, int status)
{
    req->res.status = status;
    req->res.reason = reason_of(status);
    a24_http_security_headers(req);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-store"));
}

void a24_http_json(h2o_req_t *req, int status, json_t *body)
{
    char *text = body != NULL ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(body);
    if (text == NULL) {
        status = 500;
        text = strdup("{\"error\":{\"code\":\"internal\",\"message\":\"Something went wrong.\"}}");
        if (text == NULL)
            abort();
    }
    a24_http_json_text(req, status, text, strlen(text));
    free(text);
}

void a24_http_json_text(h2o_req_t *req, int status, const char *text, size_t len)
{
    a24_http_body(req, status, "application/json; charset=utf-8", text, len);
}

/* The status and headers of a body of `len` bytes of `type` (a static string). */
static void start_body(h2o_req_t *req, int status, const char *type, size_t len)
{
    start_api_response(req, status);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, type, strlen(type));
    req->res.content_length = len;
}

void a24_http_body(h2o_req_t *req, int status, const char *type, const char *body, size_t len)
{
    start_body(req, status, type, len);
    h2o_send_inline(req, body, len);
}

/* A body in the request's memory that is wiped when h2o disposes of the request. */
typedef struct {
    size_t len;
    char bytes[];
} wiped_room_t;

/* The request's pool is being cleared: the response was written, or the client left. */
static void wipe_room(void *p)
{
    wiped_room_t *room = p;
    sodium_memzero(room->bytes, room->len);
}

char *a24_http_wiped_room(h2o_req_t *req, size_t len)
{
    wiped_room_t *room = h2o_mem_alloc_shared(&req->pool, sizeof *room + len, wipe_room);
    room->len = len;
    return room->bytes;
}

void a24_http_json_room(h2o_req_t *req, int status, const char *room, size_t len)
{
    /* h2o_send_inline would copy the body into the pool, where nothing wipes it; the
     * room is referenced instead, and stays until the request is disposed of. */
    static h2o_generator_t generator = {NULL, NULL};
    start_body(req, status, "application/json; charset=utf-8", len);
    h2o_iovec_t body = h2o_iovec_init(room, len);
    h2o_start_response(req, &generator);
    if (h2o_memis(req->input.method.base, req->input.method.len, H2O_STRLIT("HEAD")))
        h2o_send(req, NULL, 0, H2O_SEND_STATE_FINAL);
    else
        h2o_send(req, &body, 1, H2O_SEND_STATE_FINAL);
}

void a24_http_retry_after(h2o_req_t *req, long long retry_after_ms)
{
    add_retry_after(req, retry_after_ms);
}

void a24_http_empty(h2o_req_t *req, int status)
{
    start_api_response(req, status);
    req->res.content_length = 0;
    h2o_send_inline(req, "", 0);
}

void a24_http_send_error(h2o_req_t *req, const a24_error_t *err)
{
    a24_http_json(req, err->status, a24_codec_error_json(err));
}

void a24_http_error(h2o_req_t *req, int status, const char *code, const char *message,
                    const char *field)
{
    a24_error_t err;
    a24_error_set(&err, status, code, message, field);
    a24_http_send_error(req, &err);
}

/* Adds Retry-After in whole seconds, at least one. */
static void add_retry_after(h2o_req_t *req, long long ms)
{
    char buf[32];
    long long secs = ms <= 0 ? 1 : (ms + 999) / 1000;
    int n = snprintf(buf, sizeof buf, "%lld", secs);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL,
                   h2o_strdup(&req->pool, buf, (size_t)n).base, (size_t)n);
}

void a24_http_rate_limited(h2o_req_t *req, long long retry_after_ms)
{
    add_retry_after(req, retry_after_ms);
    a24_http_error(req, 429, "rate_limited",
                   "Too many requests from this connection; please try again later.", NULL);
}

void a24_http_unavailable(h2o_req_t *req)
{
    add_retry_after(req, 5000);
    a24_http_error(req, 503, "unavailable",
                   "answer24 cannot store anything right now; nothing was saved. Please try "
                   "again in a moment.",
                   NULL);
}

/* ---------------------------------------------------------------- request helpers */

h2o_iovec_t a24_http_header(h2o_req_t *req, const char *name)
{
    ssize_t i = h2o_find_header_by_str(&req->headers, name, strlen(name), -1);
    if (i < 0)
        return h2o_iovec_init(NULL, 0);
    return req->headers.entries[i].value;
}

h2o_iovec_t a24_http_bearer(h2o_req_t *req)
{
    ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_AUTHORIZATION, -1);
    if (i < 0)
        return h2o_iovec_init(NULL, 0);
    h2o_iovec_t v = req->headers.entries[i].value;
    if (v.len < 7 || !h2o_lcstris(v.base, 7, H2O_STRLIT("bearer ")))
        return h2o_iovec_init(NULL, 0);
    v.base += 7, v.len -= 7;
    while (v.len > 0 && v.base[0] == ' ')
        v.base++, v.len--;
    while (v.len > 0 && v.base[v.len - 1] == ' ')
        v.len--;
    return v;
}

/* The value of one hex digit, or -1. */
static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

int a24_http_query(h2o_req_t *req, const char *name, char *out, size_t outlen)
{
    if (req->query_at == SIZE_MAX)
        return -1;
    const char *p = req->path.base + req->query_at + 1, *end = req->path.base + req->path.len;
    size_t nlen = strlen(name);
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp != NULL ? amp : end;
        if ((size_t)(stop - p) > nlen && memcmp(p, name, nlen) == 0 && p[nlen] == '=') {
            size_t o = 0;
            for (const char *c = p + nlen + 1; c < stop; c++) {
                int ch = (unsigned char)*c;
                if (ch == '+') {
                    ch = ' ';
                } else if (ch == '%' && stop - c > 2 && hexval(c[1]) >= 0 && hexval(c[2]) >= 0) {
                    ch = hexval(c[1]) * 16 + hexval(c[2]);
                    c += 2;
                }
                if (o + 1 >= outlen)
                    return -1;
                out[o++] = (char)ch;
            }
            out[o] = '\0';
            return (int)o;
        }
        p = stop + 1;
    }
    return -1;
}

json_t *a24_http_open_text(a24_app_t *app, const char *ad, const char *sealed, size_t len)
{
    if (sealed == NULL || len < A24_SEAL_OVERHEAD)
        return json_null();
    unsigned char *plain = malloc(len);
    if (plain == NULL)
        return json_null();
    long n = a24_secret_open(&app->secrets, ad, sealed, len, plain);
    json_t *s = n >= 0 ? json_stringn((const char *)plain, (size_t)n) : NULL;
    sodium_memzero(plain, len);
    free(plain);
    if (n < 0)
        a24_log_error("unseal_failed", "{s:s}", "ticket", ad);
    return s != NULL ? s : json_null();
}

json_t *a24_http_time(a24_ms_t ms)
{
    char buf[A24_RFC3339_LEN];
    a24_clock_format(ms, buf);
    return json_string(buf);
}

/* ---------------------------------------------------------------- client identity */

/*
 * Who the client is: the peer, unless the peer is one of http.trusted_proxies; then
 * X-Forwarded-For is walked from the right (the entry the nearest proxy wrote) past
 * every trusted proxy, and the first address that is not one is the client. Entries
 * left of it were written by the client itself and are never believed.
 */

/* Parses one address ("1.2.3.4", "::1", "[::1]:80", "1.2.3.4:80") into `ss`. */
static bool parse_addr(const char *text, size_t len, struct sockaddr_storage *ss)
{
    char buf[64];
    while (len > 0 && (*text == ' ' || *text == '\t'))
        text++, len--;
    while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
        len--;
    if (len > 0 && text[0] == '[') {
        const char *close = memchr(text, ']', len);
        if (close == NULL)
            return false;
        text++, len = (size_t)(close - text);
    } else if (memchr(text, '.', len) != NULL) {
        const char *colon = memchr(text, ':', len);
        if (colon != NULL)
            len = (size_t)(colon - text); /* an IPv4 address with a port */
    }
    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, text, len);
    buf[len] = '\0';
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, buf, &in4->sin_addr) == 1)
        in4->sin_family = AF_INET;
    else if (inet_pton(AF_INET6, buf, &in6->sin6_addr) == 1)
        in6->sin6_family = AF_INET6;
    else
        return false;
    return true;
}

/* An IPv4-mapped IPv6 address ("::ffff:1.2.3.4") as the IPv4 address it is. */
static void unmap(struct sockaddr_storage *ss)
{
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (ss->ss_family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
        return;
    struct sockaddr_in in4 = {.sin_family = AF_INET};
    memcpy(&in4.sin_addr, in6->sin6_addr.s6_addr + 12, 4);
    memset(ss, 0, sizeof *ss);
    memcpy(ss, &in4, sizeof in4);
}

/* True if `ss` is inside one of the trusted proxy networks. */
static bool is_trusted(const a24_app_t *app, const struct sockaddr_storage *ss)
{
    const unsigned char *a =
        ss->ss_family == AF_INET
            ? (const unsigned char *)&((const struct sockaddr_in *)ss)->sin_addr
            : ((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr;
    for (size_t i = 0; i < app->nproxies; i++) {
        const a24_proxy_net_t *n = &app->proxies[i];
        if (n->family != ss->ss_family)
            continue;
        int full = n->bits / 8, rest = n->bits % 8;
        if (memcmp(a, n->addr, (size_t)full) != 0)
            continue;
        unsigned char mask = (unsigned char)(0xff00 >> rest);
        if (rest == 0 || ((a[full] ^ n->addr[full]) & mask) == 0)
            return true;
    }
    return false;
}

bool a24_http_proxy_trusted(const void *app, const struct sockaddr_storage *addr)
{
    struct sockaddr_storage ss = *addr;
    unmap(&ss);
    return is_trusted(app, &ss);
}

/* Adds one "addr[/bits]" of http.trusted_proxies to the table (checked by config.c). */
static void add_proxy(a24_app_t *app, const char *text, size_t len)
{
    char buf[64];
    if (len >= sizeof buf || app->nproxies == A24_MAX_PROXIES)
        return;
    memcpy(buf, text, len);
    buf[len] = '\0';
    char *slash = strchr(buf, '/');
    if (slash != NULL)
        *slash = '\0';
    struct sockaddr_storage ss;
    if (!parse_addr(buf, strlen(buf), &ss))
        return;
    a24_proxy_net_t *n = &app->proxies[app->nproxies++];
    n->family = ss.ss_family;
    int max = n->family == AF_INET ? 32 : 128;
    memcpy(n->addr,
           n->family == AF_INET ? (const void *)&((struct sockaddr_in *)&ss)->sin_addr
                                : (const void *)((struct sockaddr_in6 *)&ss)->sin6_addr.s6_addr,
           (size_t)max / 8);
    n->bits = slash != NULL ? atoi(slash + 1) : max;
    if (n->bits > max)
        n->bits = max;
}

/* True if http.listen names a loopback address. */
static bool listens_on_loopback(const char *listen)
{
    return strncmp(listen, "127.", 4) == 0 || strncmp(listen, "localhost:", 10) == 0 ||
           strncmp(listen, "[::1]:", 6) == 0;
}

void a24_http_client_init(a24_app_t *app)
{
    const a24_config_t *cfg = app->cfg;
    const char *p = cfg->http.trusted_proxies != NULL ? cfg->http.trusted_proxies : "";
    app->nproxies = 0;
    while (*p != '\0') {
        p += strspn(p, ", \t");
        size_t n = strcspn(p, ", \t");
        if (n > 0)
            add_proxy(app, p, n);
        p += n;
    }
    if (app->nproxies == 0 && cfg->http.trust_proxy) {
        /* The deprecated switch: a proxy on this host, nothing further away. */
        add_proxy(app, "127.0.0.0/8", 11);
        add_proxy(app, "::1", 3);
    }
    if (app->nproxies == 0 && listens_on_loopback(cfg->http.listen))
        a24_log_warn("no_trusted_proxy", "{s:s}", "message",
                     "http.listen is a loopback address but http.trusted_proxies is empty: "
                     "behind a proxy every citizen shares one client and one rate limit");
}

/* Appends the X-Forwarded-For entries of every such header, in order, to `e`. */
static size_t forwarded_entries(h2o_req_t *req, h2o_iovec_t *e, size_t max)
{
    size_t n = 0;
    for (ssize_t i = -1; (i = h2o_find_header(&req->headers, H2O_TOKEN_X_FORWARDED_FOR, i)) >= 0;) {
        h2o_iovec_t v = req->headers.entries[i].value;
        const char *p = v.base, *end = v.base + v.len;
        while (p <= end) {
            const char *comma = memchr(p, ',', (size_t)(end - p));
            const char *stop = comma != NULL ? comma : end;
            if (n == max) /* keep the right-most ones: drop the oldest */
                memmove(e, e + 1, --n * sizeof *e);
            e[n++] = h2o_iovec_init(p, (size_t)(stop - p));
            p = stop + 1;
        }
    }
    return n;
}

/* The client's address: see the comment above. */
static void client_address(a24_app_t *app, h2o_req_t *req, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)ss);
    unmap(ss);
    if (app->nproxies == 0 || !is_trusted(app, ss))
        return;
    h2o_iovec_t e[32];
    size_t n = forwarded_entries(req, e, sizeof e / sizeof e[0]);
    while (n-- > 0) {
        struct sockaddr_storage hop;
        if (!parse_addr(e[n].base, e[n].len, &hop))
            return; /* garbage from here on: the last proxy we trust is the client */
        unmap(&hop);
        *ss = hop;
        if (!is_trusted(app, &hop))
            return;
    }
}

void a24_http_client_tag(a24_app_t *app, h2o_req_t *req, char out[A24_TAG_LEN + 1])
{
    struct sockaddr_storage ss;
    client_address(app, req, &ss);
    a24_secret_client_tag(&app->secrets, (struct sockaddr *)&ss, a24_clock_day(a24_clock_now()),
                          out);
}

/* ---------------------------------------------------------------- request framing */

/* True if the header line [p, end) is named `name` (lower case), as picohttpparser reads it. */
static bool header_named(const char *p, const char *end, const char *name)
{
    size_t n = strlen(name);
    return (size_t)(end - p) > n && p[n] == ':' && h2o_lcstris(p, n, name, n);
}

bool a24_http_framing_ambiguous(const char *head, size_t len)
{
    const char *p = head, *end = head + len;
    int lengths = 0, codings = 0;
    bool first = true;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl != NULL ? nl : end;
        const char *stop = eol > p && eol[-1] == '\r' ? eol - 1 : eol;
        if (stop == p && !first)
            break; /* the empty line ends the head */
        /* The request line and folded continuation lines name no header. */
        if (!first && *p != ' ' && *p != '\t') {
            lengths += header_named(p, stop, "content-length");
            codings += header_named(p, stop, "transfer-encoding");
        }
        first = false;
        p = eol + 1;
    }
    return lengths > 1 || codings > 1 || (lengths > 0 && codings > 0);
}

bool a24_http_https(const a24_app_t *app)
{
    const char *url = app->cfg->http.public_url;
    return url != NULL && strncmp(url, "https://", 8) == 0;
}

bool a24_http_admit_or_respond(a24_app_t *app, h2o_req_t *req)
{
    a24_conns_touch(app->conns, req);
    if (a24_http_https(app))
        add_header(req, "strict-transport-security", "max-age=31536000");
    if (req->version >= 0x200 || req->conn->callbacks->get_socket == NULL)
        return true;
    /* HTTP/1 keeps the request's head at the start of the socket's input buffer until
     * the response is done; h2o keeps only one Content-Length and drops the rest. */
    h2o_socket_t *sock = req->conn->callbacks->get_socket(req->conn);
    if (sock == NULL || sock->input == NULL ||
        !a24_http_framing_ambiguous(sock->input->bytes, sock->input->size))
        return true;
    req->http1_is_persistent = 0; /* never read what follows: it may be a hidden request */
    a24_http_error(req, 400, "ambiguous_framing",
                   "Send one Content-Length or Transfer-Encoding: chunked, not both or twice.",
                   NULL);
    return false;
}

/* ---------------------------------------------------------------- routing */

/* Matches `path` against `pattern`, capturing '*' segments. */
static bool match_pattern(const char *pattern, h2o_iovec_t path, a24_route_match_t *m)
{
    const char *p = pattern;
    size_t i = 0;
    m->nparams = 0;
    while (*p != '\0') {
        if (*p == '*') {
            size_t start = i;
            while (i < path.len && path.base[i] != '/')
                i++;
            if (i == start || m->nparams == A24_ROUTE_MAX_PARAMS)
                return false;
            m->param[m->nparams++] = h2o_iovec_init(path.base + start, i - start);
            p++;
        } else {
            if (i >= path.len || path.base[i] != *p)
                return false;
            i++, p++;
        }
    }
    return i == path.len;
}

/* True if the request's Content-Type is application/json (parameters allowed). */
static bool is_json(h2o_req_t *req)
{
    ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_CONTENT_TYPE, -1);
    if (i < 0)
        return false;
    h2o_iovec_t v = req->headers.entries[i].value;
    size_t n = 0;
    while (n < v.len && v.base[n] != ';' && v.base[n] != ' ')
        n++;
    return h2o_lcstris(v.base, n, H2O_STRLIT("application/json"));
}

static const a24_route_t *const route_tables[] = {a24_question_routes, a24_ops_routes,
                                                  a24_session_routes,  a24_alert_routes,
                                                  a24_event_routes,    a24_ticket_routes,
                                                  a24_duty_routes,     a24_coverage_routes,
                                                  a24_template_routes, NULL};

/* h2o: every request under /api. */
static void route(a24_app_t *app, h2o_req_t *req);

/* True for an X-Request-Id worth keeping: 1..64 of [A-Za-z0-9._-]. */
static bool request_id_ok(const char *s, size_t len)
{
    if (len == 0 || len > A24_LOG_REQUEST_ID_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
            return false;
    return true;
}

/*
 * Gives `req` its id: the proxy's X-Request-Id when it is a plain token, else 16 random
 * hex digits. The response carries it, and so does every log line until the handler
 * returns (and again when an operation of the request resumes: a24_op_take).
 */
static void set_request_id(h2o_req_t *req)
{
    char id[A24_LOG_REQUEST_ID_MAX + 1];
    ssize_t at = h2o_find_header_by_str(&req->headers, H2O_STRLIT("x-request-id"), -1);
    if (at >= 0 &&
        request_id_ok(req->headers.entries[at].value.base, req->headers.entries[at].value.len)) {
        memcpy(id, req->headers.entries[at].value.base, req->headers.entries[at].value.len);
        id[req->headers.entries[at].value.len] = '\0';
    } else {
        unsigned char raw[8];
        randombytes_buf(raw, sizeof raw);
        sodium_bin2hex(id, sizeof id, raw, sizeof raw);
    }
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-request-id"), 0, NULL,
                          h2o_strdup(&req->pool, id, SIZE_MAX).base, strlen(id));
    a24_log_request(id);
}

static int on_api_req(h2o_handler_t *self, h2o_req_t *req)
{
    a24_app_t *app = ((api_handler_t *)self)->app;
    app->counters.requests++;
    if (!a24_http_admit_or_respond(app, req))
        return 0;
    set_request_id(req);
    route(app, req);
    a24_log_request(NULL);
    return 0;
}

/* Runs the handler of `req`'s route, or answers 404/405/413/415 itself. */
static void route(a24_app_t *app, h2o_req_t *req)
{
    h2o_iovec_t path = req->path_normalized;
    char allow[64] = "";
    bool path_known = false;
    for (const a24_route_t *const *t = route_tables; *t != NULL; t++) {
        for (const a24_route_t *r = *t; r->method != NULL; r++) {
            a24_route_match_t m;
            if (!match_pattern(r->pattern, path, &m))
                continue;
            path_known = true;
            bool head_ok = strcmp(r->method, "GET") == 0 &&
                           h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"));
            if (!h2o_memis(req->method.base, req->method.len, r->method, strlen(r->method)) &&
                !head_ok) {
                if (strlen(allow) + strlen(r->method) + 3 < sizeof allow)
                    strcat(strcat(allow, allow[0] != '\0' ? ", " : ""), r->method);
                continue;
            }
            if (r->flags & A24_ROUTE_JSON_BODY) {
                if (req->entity.len > app->cfg->http.max_body) {
                    a24_http_error(req, 413, "body_too_large",
                                   "The request body is larger than this service accepts.", NULL);
                    return;
                }
                if (req->entity.len > 0 && !is_json(req)) {
                    a24_http_error(req, 415, "unsupported_media_type",
                                   "Send the body as application/json.", NULL);
                    return;
                }
            }
            r->fn(app, req, &m);
            return;
        }
    }
    if (path_known) {
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL,
                       h2o_strdup(&req->pool, allow, SIZE_MAX).base, strlen(allow));
        a24_http_error(req, 405, "method_not_allowed", "This address does not take that method.",
                       NULL);
    } else {
        a24_http_error(req, 404, "not_found", "There is nothing at this address.", NULL);
    }
    return;
}

void a24_http_register_api(h2o_hostconf_t *host, const char *path, a24_app_t *app)
{
    h2o_pathconf_t *pc = h2o_config_register_path(host, path, 0);
    api_handler_t *h = (api_handler_t *)h2o_create_handler(pc, sizeof *h);
    h->super.on_req = on_api_req;
    h->app = app;
}
