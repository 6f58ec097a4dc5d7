/*
 * sse: the feed (one Redis reader per process) and its clients (one per stream).
 *
 * A client lives in its request's pool; the pool's dispose callback unlinks it from
 * the feed, so the feed only ever holds clients whose requests are alive. Bytes for a
 * client are queued in `pending` while a write is in flight and sent on `proceed`.
 *
 * A stream outlives no session: every A24_STREAM_RECHECK_MS one script
 * (session_alive.lua, on the app's store: the feed's own connection is held by XREAD
 * BLOCK) names the sessions behind open streams that are over (signed out, ended by a
 * new password or by disabling the account, expired), and their streams are ended. An
 * account has at most http.max_streams_per_account streams on one front end (429
 * beyond), so one token cannot hold hundreds of connections.
 */
#include "sse.h"

#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "http.h"
#include "args.h"
#include "grow.h"
#include "keys.h"
#include "log.h"
#include "refs.h"
#include "stream.h"
#include "ticket.h"

#define HEARTBEAT_MS 20000
#define MAX_PENDING (1024 * 1024) /* a client this far behind loses events (logged) */

typedef struct client client_t;

struct a24_feed {
    a24_refs_t refs; /* first (refs.h): the two timers and the reader */
    a24_app_t *app;
    a24_store_t *store;   /* XREAD BLOCK holds it */
    a24_stream_t streams; /* a24:events and a24:alerts, followed without a group */
    uv_timer_t heartbeat, recheck;
    client_t *clients;
    struct alive_check *checking; /* the session re-check in flight, or NULL */
    bool stopping;
};

struct client {
    h2o_generator_t super;
    h2o_req_t *req;
    a24_feed_t *feed;
    client_t *next, *prev;
    char username[80];
    char session[A24_SESSION_ID_LEN + 1]; /* the session id (keyed hash), never the token */
    unsigned role, categories, languages;
    char *pending, *inflight;
    size_t pending_len, inflight_len;
    bool overflowed;
    bool closing; /* its session is over: the final chunk goes after the write in flight */
};

/* One session re-check on its way; the feed forgets it (feed = NULL) if it stops first. */
typedef struct alive_check {
    a24_feed_t *feed;
} alive_check_t;

/* ---------------------------------------------------------------- clients */

/* Sends what is pending if no write is in flight. */
static void flush(client_t *c)
{
    if (c->req == NULL || c->inflight != NULL || c->pending_len == 0)
        return;
    c->inflight = c->pending, c->inflight_len = c->pending_len;
    c->pending = NULL, c->pending_len = 0;
    h2o_iovec_t buf = h2o_iovec_init(c->inflight, c->inflight_len);
    h2o_send(c->req, &buf, 1, H2O_SEND_STATE_IN_PROGRESS);
}

/* Ends a client's stream: at once, or after the write in flight (on_proceed). */
static void end_stream(client_t *c)
{
    if (c->req == NULL || c->closing)
        return;
    c->closing = true;
    free(c->pending);
    c->pending = NULL, c->pending_len = 0;
    if (c->inflight == NULL) {
        h2o_req_t *req = c->req;
        c->req = NULL;
        h2o_send(req, NULL, 0, H2O_SEND_STATE_FINAL);
    }
}

/* Queues `len` bytes for a client. */
static void enqueue(client_t *c, const char *data, size_t len)
{
    if (c->closing)
        return;
    if (c->pending_len + len > MAX_PENDING) {
        if (!c->overflowed)
            a24_log_warn("sse_client_behind", "{s:s}", "user", c->username);
        c->overflowed = true;
        return;
    }
    char *p = realloc(c->pending, c->pending_len + len);
    if (p == NULL)
        return;
    memcpy(p + c->pending_len, data, len);
    c->pending = p, c->pending_len += len;
    flush(c);
}

/* h2o: the last write is out; send the next. */
static void on_proceed(h2o_generator_t *g, h2o_req_t *req)
{
    client_t *c = (client_t *)g;
    free(c->inflight);
    c->inflight = NULL, c->inflight_len = 0;
    if (c->closing && c->req != NULL) {
        c->req = NULL;
        h2o_send(req, NULL, 0, H2O_SEND_STATE_FINAL);
        return;
    }
    flush(c);
}

/* h2o: the client went away mid-stream; the pool's dispose follows. */
static void on_stop(h2o_generator_t *g, h2o_req_t *req)
{
    (void)req;
    client_t *c = (client_t *)g;
    c->req = NULL;
}

/* The request's pool is going: unlink the client and free its buffers. */
static void on_client_dispose(void *p)
{
    client_t *c = p;
    if (c->feed != NULL) {
        if (c->prev != NULL)
            c->prev->next = c->next;
        else
            c->feed->clients = c->next;
        if (c->next != NULL)
            c->next->prev = c->prev;
    }
    free(c->pending);
    free(c->inflight);
}

/* True if bit `bits` has the entry of `name` in `list`. */
static bool covers(unsigned bits, const char *const *list, const char *name)
{
    for (unsigned i = 0; name != NULL && list[i] != NULL; i++)
        if (strcmp(list[i], name) == 0)
            return (bits & (1u << i)) != 0;
    return false;
}

/* Does this event concern this client? */
static bool wants(const client_t *c, bool alert, json_t *ev)
{
    const char *type = json_string_value(json_object_get(ev, "type"));
    if (c->role & A24_ROLE_SUPERVISOR)
        return true;
    if (c->role & A24_ROLE_ONCALL)
        return alert;
    if (!(c->role & A24_ROLE_EXPERT) || (type != NULL && strcmp(type, "duty") == 0))
        return false;
    const char *category = json_string_value(json_object_get(ev, "category"));
    const char *language = json_string_value(json_object_get(ev, "language"));
    bool mine = covers(c->categories, a24_categories, category) &&
                covers(c->languages, a24_languages, language);
    if (alert) {
        const char *notify = json_string_value(json_object_get(ev, "notify"));
        return mine && notify != NULL && strstr(notify, "experts") != NULL;
    }
    static const char *const personal[] = {"to", "owner", "previous"};
    for (size_t i = 0; i < 3; i++) {
        const char *who = json_string_value(json_object_get(ev, personal[i]));
        if (who != NULL && strcmp(who, c->username) == 0)
            return true;
    }
    return mine;
}

/* Sends one stream entry to every client it concerns. */
static void fan_out(a24_feed_t *f, bool alert, const redisReply *entry)
{
    if (f->clients == NULL) /* nobody listens: no need to build the message */
        return;
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements < 2 ||
        entry->element[1]->type != REDIS_REPLY_ARRAY)
        return;
    const redisReply *kv = entry->element[1];
    json_t *ev = json_object();
    for (size_t i = 0; i + 1 < kv->elements; i += 2)
        json_object_set_new(ev, kv->element[i]->str, json_string(kv->element[i + 1]->str));
    char *data = json_dumps(ev, JSON_COMPACT);
    size_t cap = (data != NULL ? strlen(data) : 0) + 96;
    char *msg = malloc(cap);
    if (data != NULL && msg != NULL) {
        int n = snprintf(msg, cap, "event: %s\nid: %s\ndata: %s\n\n", alert ? "alert" : "ticket",
                         entry->element[0]->str, data);
        for (client_t *c = f->clients; c != NULL; c = c->next)
            if (c->req != NULL && wants(c, alert, ev))
                enqueue(c, msg, (size_t)n);
    }
    free(msg);
    free(data);
    json_decref(ev);
}

/* Every HEARTBEAT_MS: a comment line to every stream. */
static void on_heartbeat(uv_timer_t *t)
{
    a24_feed_t *f = t->data;
    for (client_t *c = f->clients; c != NULL; c = c->next)
        if (c->pending_len == 0 && c->inflight == NULL)
            enqueue(c, ": keep-alive\n\n", sizeof ": keep-alive\n\n" - 1);
}

/* ---------------------------------------------------------------- sessions behind streams */

/* session_alive.lua replied: the sessions that are over; end their streams. */
static void on_alive(a24_store_t *store, redisReply *r, void *privdata)
{
    (void)store;
    alive_check_t *check = privdata;
    a24_feed_t *f = check->feed;
    free(check);
    if (f == NULL)
        return; /* the feed stopped meanwhile */
    f->checking = NULL;
    if (a24_reply_failed(r) || r->type != REDIS_REPLY_ARRAY)
        return; /* Redis away: the next tick asks again */
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *e = r->element[i];
        if (e->type != REDIS_REPLY_STRING)
            continue;
        for (client_t *c = f->clients; c != NULL; c = c->next) {
            if (c->req != NULL && strlen(c->session) == e->len &&
                memcmp(c->session, e->str, e->len) == 0) {
                a24_log_info("sse_stream_ended", "{s:s, s:s}", "user", c->username, "reason",
                             "session_over");
                end_stream(c);
            }
        }
    }
}

/* Every A24_STREAM_RECHECK_MS: ask which sessions behind open streams are over. */
static void on_recheck(uv_timer_t *t)
{
    a24_feed_t *f = t->data;
    size_t n = 0;
    for (client_t *c = f->clients; c != NULL; c = c->next)
        n += c->req != NULL && !c->closing;
    if (n == 0 || f->checking != NULL || f->app->store == NULL)
        return;
    alive_check_t *check = malloc(sizeof *check);
    if (check == NULL)
        return;
    a24_args_t a;
    a24_args_init(&a);
    for (client_t *c = f->clients; c != NULL; c = c->next)
        if (c->req != NULL && !c->closing)
            a24_args_str(&a, c->session);
    check->feed = f;
    f->checking = check;
    if (a24_store_fcall(f->app->store, "session_alive", &a, on_alive, check) != 0) {
        f->checking = NULL; /* a failed submit leaves the check with us */
        free(check);
    }
}

/* Streams the account holds open on this front end. */
static int streams_of(const a24_feed_t *f, const char *username)
{
    int n = 0;
    for (const client_t *c = f->clients; c != NULL; c = c->next)
        n += c->req != NULL && !c->closing && strcmp(c->username, username) == 0;
    return n;
}

/* ---------------------------------------------------------------- the route */

/* GET /api/v1/events, once signed in: becomes a stream, within the account's cap. */
static void on_events_authed(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                             const a24_staff_t *staff)
{
    (void)m;
    a24_feed_t *f = app->feed;
    if (streams_of(f, staff->username) >= app->cfg->http.max_streams_per_account) {
        a24_log_info("sse_stream_refused", "{s:s, s:s}", "user", staff->username, "reason",
                     "too_many_streams");
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL,
                       H2O_STRLIT("30"));
        a24_http_error(req, 429, "too_many_streams",
                       "This account has too many live update streams open; close a console "
                       "tab or wait a moment.",
                       NULL);
        return;
    }
    client_t *c = h2o_mem_alloc_shared(&req->pool, sizeof *c, on_client_dispose);
    memset(c, 0, sizeof *c);
    c->super.proceed = on_proceed;
    c->super.stop = on_stop;
    c->req = req;
    c->feed = f;
    snprintf(c->username, sizeof c->username, "%s", staff->username);
    memcpy(c->session, staff->session, sizeof c->session);
    c->role = staff->role, c->categories = staff->categories, c->languages = staff->languages;
    c->next = f->clients;
    if (f->clients != NULL)
        f->clients->prev = c;
    f->clients = c;

    req->res.status = 200;
    req->res.reason = "OK";
    a24_http_security_headers(req);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("text/event-stream; charset=utf-8"));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-store"));
    h2o_start_response(req, &c->super);
    /* The first bytes flush the headers at once over HTTP/1.1 too. */
    static const char hello[] = ": connected\nretry: 3000\n\n";
    enqueue(c, hello, sizeof hello - 1);
}

/* The route. */
static void on_events(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m)
{
    if (app->feed == NULL) {
        a24_http_unavailable(req);
        return;
    }
    a24_auth_require_cookie(app, req, m, A24_AUTH_STAFF, on_events_authed);
}

const a24_route_t a24_event_routes[] = {
    {"GET", "/api/v1/events", on_events, 0},
    {NULL, NULL, NULL, 0},
};

/* ---------------------------------------------------------------- the feed */

/* The streams gave entries: fan them out (index 1 is the alert stream); read on. */
static bool on_entries(a24_stream_t *st, int index, const redisReply *entries, bool taken_over,
                       void *privdata)
{
    (void)st, (void)taken_over;
    for (size_t i = 0; i < entries->elements; i++)
        fan_out(privdata, index == 1, entries->element[i]);
    return true;
}

/* The connection is (again) up: go on from the last ids seen. */
static void on_ready(void *arg)
{
    a24_feed_t *f = arg;
    a24_stream_start(&f->streams);
}

a24_feed_t *a24_feed_create(a24_app_t *app, char *err, size_t errlen)
{
    a24_feed_t *f = a24_alloc_or_err(sizeof *f, err, errlen);
    if (f == NULL)
        return NULL;
    f->app = app;
    f->store = a24_store_open(app->loop, app->cfg, err, errlen);
    if (f->store == NULL) {
        free(f);
        return NULL;
    }
    const a24_stream_opts_t o = {.name = "sse",
                                 .streams = {A24_KEY_EVENTS, A24_KEY_ALERTS},
                                 .nstreams = 2,
                                 .count = 200,
                                 .block_ms = 15000,
                                 .retry_ms = 1000};
    a24_stream_init(&f->streams, app->loop, f->store, &o, on_entries, f);
    uv_timer_init(app->loop, &f->heartbeat);
    uv_timer_init(app->loop, &f->recheck);
    f->heartbeat.data = f->recheck.data = f;
    f->refs.n = 3; /* the two timers and the reader */
    uv_timer_start(&f->heartbeat, on_heartbeat, HEARTBEAT_MS, HEARTBEAT_MS);
    uv_timer_start(&f->recheck, on_recheck, A24_STREAM_RECHECK_MS, A24_STREAM_RECHECK_MS);
    a24_store_on_ready(f->store, on_ready, f);
    return f;
}

/*
 * Ends every stream of the feed and detaches the session re-check in flight: their
 * pools' dispose callbacks and its reply, if any, will find no feed.
 */
static void end_streams(a24_feed_t *f)
{
    if (f->checking != NULL)
        f->checking->feed = NULL;
    for (client_t *c = f->clients; c != NULL; c = c->next) {
        c->feed = NULL;
        if (c->req != NULL && c->inflight == NULL) {
            h2o_req_t *req = c->req;
            c->req = NULL;
            h2o_send(req, NULL, 0, H2O_SEND_STATE_FINAL);
        }
    }
    f->clients = NULL;
}

void a24_feed_destroy(a24_feed_t *f)
{
    if (f == NULL)
        return;
    f->stopping = true;
    end_streams(f);
    a24_stream_close(&f->streams, a24_refs_stream_closed);
    a24_store_destroy(f->store);
    uv_close((uv_handle_t *)&f->heartbeat, a24_refs_handle_closed);
    uv_close((uv_handle_t *)&f->recheck, a24_refs_handle_closed);
}
