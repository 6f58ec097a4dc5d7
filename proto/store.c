/*
 * store: connection, reconnection and scripted calls on one hiredis async context.
 *
 * Must never: free the context from inside one of its own callbacks (hiredis frees
 * it after the connect/disconnect callbacks return), or report ready before the
 * connection is up.
 */
#include "store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "script.h"

#define MAX_READY_HOOKS 4
#define CONNECT_TIMEOUT_MS 3000 /* a connection attempt that hangs is given up */

struct a24_store {
    uv_loop_t *loop;
    redisAsyncContext *ac;
    bool ready;
    bool closing;
    uv_timer_t retry;
    a24_ms_t backoff, backoff_min, backoff_max;
    char host[256];
    int port;
    char unix_path[256];
    char password[256];
    int db;
    struct {
        void (*cb)(void *);
        void *arg;
    } hooks[MAX_READY_HOOKS];
    int nhooks;
};

/* One command in flight: who to tell, and for a script call what to resend when Redis
 * lost the library. */
typedef struct {
    a24_store_t *store;
    a24_store_cb cb;
    void *privdata;
    bool persistent; /* a subscription: called per message, freed on the NULL reply */
    bool resent;     /* the script call went out again after a library load */
    char *cmd;       /* a script call: the FCALL in the wire format, or NULL */
    size_t cmdlen;
} call_t;

static void connect_now(a24_store_t *s);

/* ---------------------------------------------------------------- libuv adapter */

/*
 * hiredis' own libuv adapter (0.14.1, adapters/libuv.h) drops poll events that carry
 * an error status, so a refused connection is never reported and the store would
 * wait forever. This one hands an error to both handlers, where hiredis reads the
 * socket error and reports it through the connect or disconnect callback.
 */
typedef struct {
    redisAsyncContext *ac;
    uv_poll_t handle;
    int events;
} uv_events_t;

/* libuv: the socket is ready, or failed. */
static void on_poll(uv_poll_t *handle, int status, int events)
{
    uv_events_t *p = handle->data;
    int ev = status != 0 ? p->events : events;
    if (p->ac != NULL && (ev & UV_READABLE))
        redisAsyncHandleRead(p->ac);
    if (p->ac != NULL && (ev & UV_WRITABLE))
        redisAsyncHandleWrite(p->ac);
}

/* Starts or stops polling for the events hiredis asks for. */
static void repoll(uv_events_t *p)
{
    if (p->events != 0)
        uv_poll_start(&p->handle, p->events, on_poll);
    else
        uv_poll_stop(&p->handle);
}

static void ev_add_read(void *privdata)
{
    uv_events_t *p = privdata;
    p->events |= UV_READABLE;
    repoll(p);
}

static void ev_del_read(void *privdata)
{
    uv_events_t *p = privdata;
    p->events &= ~UV_READABLE;
    repoll(p);
}

static void ev_add_write(void *privdata)
{
    uv_events_t *p = privdata;
    p->events |= UV_WRITABLE;
    repoll(p);
}

static void ev_del_write(void *privdata)
{
    uv_events_t *p = privdata;
    p->events &= ~UV_WRITABLE;
    repoll(p);
}

/* The poll handle has closed: free the adapter. */
static void on_poll_closed(uv_handle_t *handle)
{
    free(handle->data);
}

/* hiredis frees the context: the adapter goes once libuv has closed the handle. */
static void ev_cleanup(void *privdata)
{
    uv_events_t *p = privdata;
    p->ac = NULL;
    uv_close((uv_handle_t *)&p->handle, on_poll_closed);
}

/* Attaches a context to the loop. -1 if it cannot be. */
static int attach(redisAsyncContext *ac, uv_loop_t *loop)
{
    uv_events_t *p = calloc(1, sizeof *p);
    if (p == NULL)
        return -1;
    if (uv_poll_init(loop, &p->handle, ac->c.fd) != 0) {
        free(p);
        return -1;
    }
    p->ac = ac;
    p->handle.data = p;
    ac->ev.data = p;
    ac->ev.addRead = ev_add_read;
    ac->ev.delRead = ev_del_read;
    ac->ev.addWrite = ev_add_write;
    ac->ev.delWrite = ev_del_write;
    ac->ev.cleanup = ev_cleanup;
    return 0;
}

/* ---------------------------------------------------------------- URL parsing */

int a24_store_parse_url(const char *url, char *host, size_t hostlen, int *port, char *unix_path,
                        size_t unixlen, char *password, size_t pwlen, int *db, char *err,
                        size_t errlen)
{
    host[0] = unix_path[0] = password[0] = '\0';
    *port = 6379;
    *db = 0;
    if (strncmp(url, "unix://", 7) == 0) {
        if (snprintf(unix_path, unixlen, "%s", url + 7) >= (int)unixlen || unix_path[0] != '/')
            goto bad;
        return 0;
    }
    if (strncmp(url, "redis://", 8) != 0)
        goto bad;
    const char *p = url + 8;
    const char *at = strchr(p, '@');
    if (at != NULL) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        const char *pw = colon != NULL ? colon + 1 : p;
        if ((size_t)(at - pw) >= pwlen)
            goto bad;
        memcpy(password, pw, (size_t)(at - pw));
        password[at - pw] = '\0';
        p = at + 1;
    }
    size_t n = strcspn(p, ":/");
    if (n == 0 || n >= hostlen)
        goto bad;
    memcpy(host, p, n);
    host[n] = '\0';
    p += n;
    if (*p == ':') {
        char *end;
        long v = strtol(p + 1, &end, 10);
        if (end == p + 1 || v < 1 || v > 65535)
            goto bad;
        *port = (int)v;
        p = end;
    }
    if (*p == '/' && p[1] != '\0') {
        char *end;
        long v = strtol(p + 1, &end, 10);
        if (end == p + 1 || *end != '\0' || v < 0 || v > 1000)
            goto bad;
        *db = (int)v;
    } else if (*p != '\0' && strcmp(p, "/") != 0) {
        goto bad;
    }
    return 0;
bad:
    host[0] = unix_path[0] = '\0';
    memset(password, 0, pwlen);
    snprintf(err, errlen, "redis.url: expected redis://host:port/db or unix:///path, got \"%s\"",
             url);
    return -1;
}

/* Reads the store's URL into its connection fields. */
static int parse_url(a24_store_t *s, const char *url, char *err, size_t errlen)
{
    return a24_store_parse_url(url, s->host, sizeof s->host, &s->port, s->unix_path,
                               sizeof s->unix_path, s->password, sizeof s->password, &s->db, err,
                               errlen);
}

/* The reconnect timer ran out. */
static void on_retry(uv_timer_t *t)
{
    connect_now(t->data);
}

/* Arms the reconnect timer with the current backoff, then doubles it. */
static void schedule_retry(a24_store_t *s)
{
    if (s->closing)
        return;
    uv_timer_start(&s->retry, on_retry, (uint64_t)s->backoff, 0);
    s->backoff = s->backoff * 2 > s->backoff_max ? s->backoff_max : s->backoff * 2;
}

/* ---------------------------------------------------------------- function library */

/* The connection is up and the library in place: callers may send, workers resume. */
static void mark_ready(a24_store_t *s)
{
    if (s->ready || s->ac == NULL)
        return;
    s->ready = true;
    s->backoff = s->backoff_min;
    a24_log_info("redis_connected", NULL);
    for (int i = 0; i < s->nhooks; i++)
        s->hooks[i].cb(s->hooks[i].arg);
}

/* The reply to FUNCTION LOAD REPLACE: only a failure is worth a word. */
static void on_library_loaded(redisAsyncContext *ac, void *r, void *privdata)
{
    (void)ac;
    redisReply *reply = r;
    if (reply != NULL && reply->type == REDIS_REPLY_ERROR)
        a24_log_error("redis_library_failed", "{s:s}", "error", reply->str);
    if (reply != NULL && privdata != NULL)
        mark_ready(privdata);
}

/* Sends this program's function library, replacing whatever version Redis holds.
 * Commands sent after it on the connection run after it. `s` to be marked ready on
 * the reply, or NULL. */
static int load_library(redisAsyncContext *ac, a24_store_t *s)
{
    return redisAsyncCommand(ac, on_library_loaded, s, "FUNCTION LOAD REPLACE %b",
                             a24_library_source, a24_library_len);
}

/* The reply to FCALL_RO a24_version at connect: load the library unless it is ours. */
static void on_version(redisAsyncContext *ac, void *r, void *privdata)
{
    a24_store_t *s = privdata;
    redisReply *reply = r;
    if (reply == NULL || s->closing)
        return; /* the connection went: on_disconnect retries */
    if (reply->type == REDIS_REPLY_STRING && strcmp(reply->str, a24_library_version) == 0) {
        mark_ready(s);
        return;
    }
    a24_log_info("redis_library_load", "{s:s, s:s}", "found",
                 reply->type == REDIS_REPLY_STRING ? reply->str : "none", "version",
                 a24_library_version);
    if (load_library(ac, s) != REDIS_OK)
        mark_ready(s);
}

/* ---------------------------------------------------------------- connection */

/* hiredis: the connection attempt ended. On failure hiredis frees the context after us. */
static void on_connect(const redisAsyncContext *ac, int status)
{
    a24_store_t *s = ac->data;
    uv_timer_stop(&s->retry); /* the connect timeout */
    if (status != REDIS_OK) {
        a24_log_warn("redis_connect_failed", "{s:s}", "error", ac->errstr);
        s->ac = NULL;
        schedule_retry(s);
        return;
    }
    /* Ready once Redis holds this program's function library (on_version). */
    if (redisAsyncCommand(s->ac, on_version, s, "FCALL_RO a24_version 0") != REDIS_OK)
        mark_ready(s);
}

/* hiredis: the connection is gone; pending callbacks have already run with NULL. */
static void on_disconnect(const redisAsyncContext *ac, int status)
{
    a24_store_t *s = ac->data;
    s->ac = NULL;
    s->ready = false;
    if (s->closing)
        return;
    a24_log_warn("redis_disconnected", "{s:s}", "error",
                 status == REDIS_OK ? "closed" : ac->errstr);
    schedule_retry(s);
}

/* A reply to AUTH or SELECT: only a failure is worth a word. */
static void on_setup_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    (void)ac;
    redisReply *reply = r;
    if (reply != NULL && reply->type == REDIS_REPLY_ERROR)
        a24_log_error("redis_setup_failed", "{s:s, s:s}", "step", (const char *)privdata, "error",
                      reply->str);
}

/* A connection attempt took too long (a host that drops packets): give it up. */
static void on_connect_timeout(uv_timer_t *t)
{
    a24_store_t *s = t->data;
    if (s->ac == NULL || s->ready)
        return;
    a24_log_warn("redis_connect_failed", "{s:s}", "error", "timed out");
    redisAsyncContext *ac = s->ac;
    s->ac = NULL;
    redisAsyncFree(ac); /* not connected: no callback runs */
    schedule_retry(s);
}

/* Starts one connection attempt (also the retry timer's callback). */
static void connect_now(a24_store_t *s)
{
    redisAsyncContext *ac = s->unix_path[0] != '\0' ? redisAsyncConnectUnix(s->unix_path)
                                                    : redisAsyncConnect(s->host, s->port);
    if (ac == NULL || ac->err) {
        a24_log_warn("redis_connect_failed", "{s:s}", "error",
                     ac != NULL ? ac->errstr : "no memory");
        if (ac != NULL)
            redisAsyncFree(ac);
        schedule_retry(s);
        return;
    }
    ac->data = s;
    if (attach(ac, s->loop) != 0) {
        redisAsyncFree(ac);
        schedule_retry(s);
        return;
    }
    redisAsyncSetConnectCallback(ac, on_connect);
    uv_timer_start(&s->retry, on_connect_timeout, CONNECT_TIMEOUT_MS, 0);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    /* Queued now, sent first once connected: every later command runs after these. */
    if (s->password[0] != '\0')
        redisAsyncCommand(ac, on_setup_reply, "auth", "AUTH %s", s->password);
    if (s->db != 0)
        redisAsyncCommand(ac, on_setup_reply, "select", "SELECT %d", s->db);
    s->ac = ac;
}

a24_store_t *a24_store_create(uv_loop_t *loop, const char *url, a24_ms_t reconnect_min,
                              a24_ms_t reconnect_max, char *err, size_t errlen)
{
    a24_store_t *s = calloc(1, sizeof *s);
    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (parse_url(s, url, err, errlen) != 0) {
        free(s);
        return NULL;
    }
    s->loop = loop;
    s->backoff_min = s->backoff = reconnect_min > 0 ? reconnect_min : 100;
    s->backoff_max = reconnect_max > s->backoff_min ? reconnect_max : s->backoff_min;
    uv_timer_init(loop, &s->retry);
    s->retry.data = s;
    connect_now(s);
    return s;
}

/* The retry timer has closed: nothing of the store is in use any more. */
static void on_retry_closed(uv_handle_t *h)
{
    free(h->data);
}

void a24_store_destroy(a24_store_t *s)
{
    if (s == NULL)
        return;
    s->closing = true;
    s->ready = false;
    if (s->ac != NULL) {
        redisAsyncContext *ac = s->ac;
        s->ac = NULL;
        redisAsyncFree(ac);
    }
    s->retry.data = s;
    uv_close((uv_handle_t *)&s->retry, on_retry_closed);
}

bool a24_store_ready(const a24_store_t *s)
{
    return s->ready && s->ac != NULL;
}

void a24_store_on_ready(a24_store_t *s, void (*cb)(void *arg), void *arg)
{
    if (s->nhooks < MAX_READY_HOOKS) {
        s->hooks[s->nhooks].cb = cb;
        s->hooks[s->nhooks].arg = arg;
        s->nhooks++;
    }
}

/* ---------------------------------------------------------------- commands */

/* Frees a call and its copied arguments. */
static void call_free(call_t *c)
{
    free(c->cmd);
    free(c);
}

/* hiredis: a reply (or NULL) for one of our calls. */
static void on_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    call_t *c = privdata;
    redisReply *reply = r;
    if (c->cmd != NULL && !c->resent && reply != NULL && reply->type == REDIS_REPLY_ERROR &&
        strncmp(reply->str, "ERR Function not found", 22) == 0 && !c->store->closing) {
        /* Redis lost the library (FUNCTION FLUSH, a failover): load it, call again once. */
        c->resent = true;
        if (load_library(ac, NULL) == REDIS_OK &&
            redisAsyncFormattedCommand(ac, on_reply, c, c->cmd, c->cmdlen) == REDIS_OK)
            return;
        reply = NULL;
    }
    c->cb(c->store, reply, c->privdata);
    if (!c->persistent || reply == NULL)
        call_free(c);
}

int a24_store_subscribe(a24_store_t *s, const char *channel, a24_store_cb cb, void *privdata)
{
    if (!a24_store_ready(s))
        return -1;
    call_t *c = calloc(1, sizeof *c);
    if (c == NULL)
        return -1;
    *c = (call_t){.store = s, .cb = cb, .privdata = privdata, .persistent = true};
    if (redisAsyncCommand(s->ac, on_reply, c, "SUBSCRIBE %s", channel) != REDIS_OK) {
        free(c);
        return -1;
    }
    return 0;
}

int a24_store_command(a24_store_t *s, a24_store_cb cb, void *privdata, const char *fmt, ...)
{
    if (!a24_store_ready(s))
        return -1;
    call_t *c = calloc(1, sizeof *c);
    if (c == NULL)
        return -1;
    *c = (call_t){.store = s, .cb = cb, .privdata = privdata};
    va_list ap;
    va_start(ap, fmt);
    int rc = redisvAsyncCommand(s->ac, on_reply, c, fmt, ap);
    va_end(ap);
    if (rc != REDIS_OK) {
        free(c);
        return -1;
    }
    return 0;
}

int a24_store_argv(a24_store_t *s, a24_store_cb cb, void *privdata, int argc, const char **argv,
                   const size_t *lens)
{
    if (!a24_store_ready(s))
        return -1;
    call_t *c = calloc(1, sizeof *c);
    if (c == NULL)
        return -1;
    *c = (call_t){.store = s, .cb = cb, .privdata = privdata};
    if (redisAsyncCommandArgv(s->ac, on_reply, c, argc, argv, lens) != REDIS_OK) {
        free(c);
        return -1;
    }
    return 0;
}

const a24_script_source_t *a24_script_find(const char *name)
{
    for (const a24_script_source_t *src = a24_script_sources; src->name != NULL; src++)
        if (strcmp(src->name, name) == 0)
            return src;
    return NULL;
}

int a24_store_fcall(a24_store_t *s, const char *name, a24_args_t *args, a24_store_cb cb,
                    void *privdata)
{
    const a24_script_source_t *src = a24_script_find(name);
    size_t len = 0;
    char *cmd = NULL;
    if (src == NULL)
        a24_log_error("script_unknown", "{s:s}", "script", name);
    else if (a24_store_ready(s))
        cmd = a24_args_command(args, src->readonly ? "FCALL_RO" : "FCALL", src->function, &len);
    a24_args_dispose(args);
    if (cmd == NULL)
        return -1;
    call_t *c = calloc(1, sizeof *c);
    if (c == NULL) {
        free(cmd);
        return -1;
    }
    *c = (call_t){.store = s, .cb = cb, .privdata = privdata, .cmd = cmd, .cmdlen = len};
    if (redisAsyncFormattedCommand(s->ac, on_reply, c, cmd, len) != REDIS_OK) {
        call_free(c);
        return -1;
    }
    return 0;
}

int a24_store_script(a24_store_t *s, const char *name, a24_store_cb cb, void *privdata, int nkeys,
                     int argc, const char **argv, const size_t *lens)
{
    a24_args_t a;
    a24_args_init(&a);
    for (int i = 0; i < argc; i++) {
        if (i < nkeys)
            a24_args_keyn(&a, argv[i], lens[i]);
        else
            a24_args_bin(&a, argv[i], lens[i]);
    }
    return a24_store_fcall(s, name, &a, cb, privdata);
}

/* ---------------------------------------------------------------- replies */

int a24_reply_integer(const redisReply *r, long long *out)
{
    if (r == NULL || r->type != REDIS_REPLY_INTEGER)
        return -1;
    *out = r->integer;
    return 0;
}

const char *a24_reply_str(const redisReply *r, size_t i, size_t *len)
{
    *len = 0;
    if (r == NULL || r->type != REDIS_REPLY_ARRAY || i >= r->elements)
        return NULL;
    const redisReply *e = r->element[i];
    if (e->type != REDIS_REPLY_STRING && e->type != REDIS_REPLY_STATUS)
        return NULL;
    *len = e->len;
    return e->str;
}

long long a24_reply_int(const redisReply *r, size_t i, long long dflt)
{
    if (r == NULL || r->type != REDIS_REPLY_ARRAY || i >= r->elements)
        return dflt;
    const redisReply *e = r->element[i];
    if (e->type == REDIS_REPLY_INTEGER)
        return e->integer;
    if (e->type == REDIS_REPLY_STRING && e->len > 0) {
        char *end;
        long long v = strtoll(e->str, &end, 10);
        return end == e->str + e->len ? v : dflt;
    }
    return dflt;
}

const char *a24_reply_field(const redisReply *flat, const char *name, size_t *len)
{
    size_t n = strlen(name);
    *len = 0;
    if (flat == NULL || flat->type != REDIS_REPLY_ARRAY)
        return NULL;
    for (size_t i = 0; i + 1 < flat->elements; i += 2) {
        const redisReply *k = flat->element[i], *v = flat->element[i + 1];
        if (k->type == REDIS_REPLY_STRING && k->len == n && memcmp(k->str, name, n) == 0 &&
            v->type == REDIS_REPLY_STRING) {
            *len = v->len;
            return v->str;
        }
    }
    return NULL;
}

long long a24_reply_field_int(const redisReply *flat, const char *name, long long dflt)
{
    size_t len;
    const char *v = a24_reply_field(flat, name, &len);
    char buf[32];
    if (v == NULL || len == 0 || len >= sizeof buf)
        return dflt;
    memcpy(buf, v, len);
    buf[len] = '\0';
    char *end;
    long long x = strtoll(buf, &end, 10);
    return *end == '\0' ? x : dflt;
}

bool a24_reply_failed(const redisReply *r)
{
    return r == NULL || r->type == REDIS_REPLY_ERROR;
}
