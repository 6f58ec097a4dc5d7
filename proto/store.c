/*
 * store: connection, reconnection and scripted calls on one hiredis async context.
 *
 * Must never: free the context from inside one of its own callbacks (hiredis frees
 * it after the connect/disconnect callbacks return), or report ready before the
 * connection is up.
 */
#include "store.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "log.h"
#include "refs.h"
#include "script.h"
#include "sentinel.h"

#define MAX_READY_HOOKS 4
#define CONNECT_TIMEOUT_MS 3000 /* a connection attempt that hangs is given up */

struct a24_store {
    a24_refs_t refs; /* first (refs.h): the retry timer; wiped with the target's secrets */
    uv_loop_t *loop;
    redisAsyncContext *ac;
    bool ready;
    bool closing;
    bool reloading; /* a FUNCTION LOAD after "Function not found" is on its way */
    uv_timer_t retry;
    a24_ms_t backoff, backoff_min, backoff_max;
    a24_redis_target_t target;
    int setup_pending;        /* AUTH, SELECT (and ROLE) replies still awaited on this connection */
    a24_sentinel_t *sentinel; /* asks for the primary; NULL: redis.url names it */
    char primary[300];        /* the address connected to, "" while not ready */
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
static void connect_primary(a24_store_t *s);

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

/* Adds (`on`) or removes `flag` among the events the adapter polls for. */
static void set_event(void *privdata, int flag, bool on)
{
    uv_events_t *p = privdata;
    p->events = on ? p->events | flag : p->events & ~flag;
    repoll(p);
}

/* hiredis' four event hooks. */
static void ev_add_read(void *privdata)
{
    set_event(privdata, UV_READABLE, true);
}

static void ev_del_read(void *privdata)
{
    set_event(privdata, UV_READABLE, false);
}

static void ev_add_write(void *privdata)
{
    set_event(privdata, UV_WRITABLE, true);
}

static void ev_del_write(void *privdata)
{
    set_event(privdata, UV_WRITABLE, false);
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
int a24_store_attach(redisAsyncContext *ac, uv_loop_t *loop)
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

/* The value of hex digit `c`, or -1. */
static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Copies `n` bytes of URL text into `out`, decoding %XX escapes. -1 if it does not fit. */
static int url_decode(const char *in, size_t n, char *out, size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        if (c == '%' && i + 2 < n && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
            c = (char)(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
            i += 2;
        }
        if (o + 1 >= outlen || c == '\0')
            return -1;
        out[o++] = c;
    }
    out[o] = '\0';
    return 0;
}

/*
 * Reads the credentials of "[user][:password]@" at *p into `user` and `password`, and
 * moves *p past them. Nothing to read (no '@') leaves both empty.
 */
static int parse_userinfo(const char **p, char *user, size_t userlen, char *password, size_t pwlen)
{
    const char *start = *p;
    const char *at = strrchr(start, '@');
    if (at == NULL)
        return 0;
    const char *colon = memchr(start, ':', (size_t)(at - start));
    const char *user_end = colon != NULL ? colon : at;
    if (url_decode(start, (size_t)(user_end - start), user, userlen) != 0)
        return -1;
    if (colon != NULL && url_decode(colon + 1, (size_t)(at - colon - 1), password, pwlen) != 0)
        return -1;
    *p = at + 1;
    return 0;
}

/* Reads ":port" and "/db" after the host. */
static int parse_port_db(const char *p, int *port, int *db)
{
    if (*p == ':') {
        char *end;
        long v = strtol(p + 1, &end, 10);
        if (end == p + 1 || v < 1 || v > 65535)
            return -1;
        *port = (int)v;
        p = end;
    }
    if (*p == '/' && p[1] != '\0') {
        char *end;
        long v = strtol(p + 1, &end, 10);
        if (end == p + 1 || *end != '\0' || v < 0 || v > 1000)
            return -1;
        *db = (int)v;
    } else if (*p != '\0' && strcmp(p, "/") != 0) {
        return -1;
    }
    return 0;
}

/* Reads one "host:port" (or "[v6]:port") of `n` bytes into `host` and `port`. */
static int parse_hostport(const char *p, size_t n, char *host, size_t hostlen, int *port)
{
    const char *colon = NULL, *end = p + n;
    for (const char *q = p; q < end; q++)
        colon = *q == ':' ? q : colon;
    if (colon == NULL || colon == p || (size_t)(colon - p) >= hostlen)
        return -1;
    const char *h = p;
    size_t hn = (size_t)(colon - p);
    if (h[0] == '[' && hn > 2 && colon[-1] == ']')
        h++, hn -= 2;
    memcpy(host, h, hn);
    host[hn] = '\0';
    long v = 0;
    for (const char *q = colon + 1; q < end; q++) {
        if (*q < '0' || *q > '9' || (v = v * 10 + (*q - '0')) > 65535)
            return -1;
    }
    if (v < 1)
        return -1;
    *port = (int)v;
    return 0;
}

/*
 * Reads what follows the credentials of a redis+sentinel:// URL:
 * host:port[,host:port...][/db]?master=NAME[&sentinel_password=PW].
 */
static int parse_sentinel_rest(const char *p, a24_redis_target_t *t)
{
    size_t n = strcspn(p, "/?");
    const char *end = p + n;
    if (n == 0 || end[-1] == ',')
        return -1;
    while (p < end && t->nsentinels < A24_MAX_SENTINELS) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        size_t m = comma != NULL ? (size_t)(comma - p) : (size_t)(end - p);
        if (parse_hostport(p, m, t->sentinels[t->nsentinels].host, sizeof t->sentinels[0].host,
                           &t->sentinels[t->nsentinels].port) != 0)
            return -1;
        t->nsentinels++;
        p += m + (comma != NULL);
    }
    if (p != end || t->nsentinels == 0)
        return -1;
    if (*p == '/') {
        char *e;
        long v = strtol(p + 1, &e, 10);
        if (e == p + 1 || v < 0 || v > 1000)
            return -1;
        t->db = (int)v;
        p = e;
    }
    if (strncmp(p, "?master=", 8) != 0)
        return -1;
    p += 8;
    n = strcspn(p, "&");
    if (n == 0 || url_decode(p, n, t->master_name, sizeof t->master_name) != 0)
        return -1;
    p += n;
    if (strncmp(p, "&sentinel_password=", 19) == 0) {
        p += 19;
        n = strlen(p);
        if (url_decode(p, n, t->sentinel_password, sizeof t->sentinel_password) != 0)
            return -1;
        p += n;
    }
    return *p == '\0' ? 0 : -1;
}

void a24_store_redact_url(const char *url, char *out, size_t outlen)
{
    const char *pw = strstr(url, "&sentinel_password=");
    if (pw != NULL) { /* a folded sentinel URL: its last parameter is a password */
        char head[1024];
        snprintf(head, sizeof head, "%.*s", (int)(pw - url), url);
        char shown[1024];
        a24_store_redact_url(head, shown, sizeof shown);
        snprintf(out, outlen, "%s&sentinel_password=***", shown);
        return;
    }

    const char *scheme_end = strstr(url, "://");
    const char *at = strrchr(url, '@');
    if (scheme_end == NULL || at == NULL || at < scheme_end) {
        snprintf(out, outlen, "%s", url);
        return;
    }
    snprintf(out, outlen, "%.*s***@%s", (int)(scheme_end + 3 - url), url, at + 1);
}

int a24_store_parse_url(const char *url, a24_redis_target_t *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    t->port = 6379;
    const char *p;
    if (strncmp(url, "unix://", 7) == 0)
        p = url + 7;
    else if (strncmp(url, "redis://", 8) == 0)
        p = url + 8;
    else if (strncmp(url, "redis+sentinel://", 17) == 0)
        p = url + 17;
    else
        goto bad;
    if (parse_userinfo(&p, t->username, sizeof t->username, t->password, sizeof t->password) != 0)
        goto bad;
    if (url[5] == '+') {
        t->host[0] = '\0';
        if (parse_sentinel_rest(p, t) != 0)
            goto bad;
        return 0;
    }
    if (url[0] == 'u') {
        if (snprintf(t->unix_path, sizeof t->unix_path, "%s", p) >= (int)sizeof t->unix_path ||
            t->unix_path[0] != '/')
            goto bad;
        return 0;
    }
    size_t n = strcspn(p, ":/");
    if (n == 0 || n >= sizeof t->host)
        goto bad;
    memcpy(t->host, p, n);
    t->host[n] = '\0';
    if (parse_port_db(p + n, &t->port, &t->db) != 0)
        goto bad;
    return 0;
bad:;
    char shown[512];
    a24_store_redact_url(url, shown, sizeof shown);
    sodium_memzero(t, sizeof *t);
    snprintf(err, errlen,
             "redis.url: expected redis://[[user]:password@]host:port/db or unix:///path, got "
             "\"%s\"",
             shown);
    return -1;
}

/* Reads the store's URL into its connection fields. */
static int parse_url(a24_store_t *s, const char *url, char *err, size_t errlen)
{
    return a24_store_parse_url(url, &s->target, err, errlen);
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

/* The connection is up, authenticated and the library in place: callers may send,
 * workers resume. */
static void mark_ready(a24_store_t *s)
{
    if (s->ready || s->ac == NULL)
        return;
    s->ready = true;
    s->backoff = s->backoff_min;
    /* The address only when sentinels chose it (redis.url's is in the configuration). */
    if (s->sentinel != NULL)
        a24_log_info("redis_connected", "{s:s, s:s}", "primary", s->primary, "via", "sentinel");
    else
        a24_log_info("redis_connected", "{s:s}", "via", "url");
    for (int i = 0; i < s->nhooks; i++)
        s->hooks[i].cb(s->hooks[i].arg);
}

/* The reply to FUNCTION LOAD REPLACE: only a failure is worth a word. */
static void on_library_loaded(redisAsyncContext *ac, void *r, void *privdata)
{
    (void)ac;
    redisReply *reply = r;
    a24_store_t *s = privdata;
    s->reloading = false;
    if (reply == NULL || s->closing)
        return;
    if (reply->type == REDIS_REPLY_ERROR) {
        /* Without the library nothing can work (Redis before 7, FUNCTION refused by the
         * ACL): say so and try again later, never report ready. */
        a24_log_error("redis_library_failed", "{s:s}", "error", reply->str);
        if (!s->ready)
            redisAsyncDisconnect(ac);
        return;
    }
    mark_ready(s); /* a no-op when it only replaced a lost library */
}

/* Sends this program's function library, replacing whatever version Redis holds.
 * Commands sent after it on the connection run after it; the reply marks `s` ready. */
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
        redisAsyncDisconnect(ac); /* never ready without the library: try again later */
}

/* The connection is up and authenticated: name the primary, then make sure Redis holds
 * this program's function library before anything is sent (on_version marks ready). */
static void become_ready(a24_store_t *s)
{
    const a24_redis_target_t *t = &s->target;
    if (t->unix_path[0] != '\0')
        snprintf(s->primary, sizeof s->primary, "unix:%s", t->unix_path);
    else
        snprintf(s->primary, sizeof s->primary, strchr(t->host, ':') ? "[%s]:%d" : "%s:%d", t->host,
                 t->port);
    if (redisAsyncCommand(s->ac, on_version, s, "FCALL_RO a24_version 0") != REDIS_OK)
        redisAsyncDisconnect(s->ac); /* the connection is going: on_disconnect retries */
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
    if (s->setup_pending == 0)
        become_ready(s);
}

/* hiredis: the connection is gone; pending callbacks have already run with NULL. */
static void on_disconnect(const redisAsyncContext *ac, int status)
{
    a24_store_t *s = ac->data;
    s->ac = NULL;
    s->ready = false;
    s->primary[0] = '\0';
    if (s->closing)
        return;
    a24_log_warn("redis_disconnected", "{s:s}", "error",
                 status == REDIS_OK ? "closed" : ac->errstr);
    schedule_retry(s);
}

/*
 * A reply to AUTH or SELECT. The store is ready once both have succeeded; a refusal
 * (a wrong password, a disabled user, a database out of range) is logged as one line
 * and the connection dropped, to be tried again with the backoff: nothing else is ever
 * sent on a connection that has not authenticated.
 */
static void on_setup_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    a24_store_t *s = ac->data;
    redisReply *reply = r;
    if (reply == NULL || s->ac != ac || s->setup_pending < 0) /* < 0: already refused */
        return;
    if (reply->type == REDIS_REPLY_ERROR) {
        const char *step = privdata;
        a24_log_error(strcmp(step, "auth") == 0 ? "redis_auth_failed" : "redis_setup_failed",
                      "{s:s, s:s, s:s}", "step", step, "error", reply->str, "hint",
                      strcmp(step, "auth") == 0
                          ? "check the password in redis.url or redis.password_file"
                          : "check the database number in redis.url");
        s->setup_pending = -1;
        redisAsyncDisconnect(ac);
        return;
    }
    if (s->setup_pending > 0 && --s->setup_pending == 0)
        become_ready(s);
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

/*
 * ROLE's reply on a connection to the address the sentinels named: it must still be the
 * primary (a demoted one answers "slave"); otherwise drop it and ask the sentinels again.
 */
static void on_role_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    a24_store_t *s = ac->data;
    redisReply *reply = r;
    size_t len;
    const char *role = a24_reply_str(reply, 0, &len);
    if (reply == NULL || s->ac != ac || s->setup_pending < 0)
        return;
    if (role != NULL && len == 6 && memcmp(role, "master", 6) == 0) {
        on_setup_reply(ac, r, privdata);
        return;
    }
    a24_log_warn("redis_not_primary", "{s:s, s:i, s:s}", "host", s->target.host, "port",
                 s->target.port, "role",
                 role != NULL                       ? role
                 : reply->type == REDIS_REPLY_ERROR ? reply->str
                                                    : "?");
    s->setup_pending = -1;
    redisAsyncDisconnect(ac);
}

/* The sentinels answered: connect to the primary they named, or wait and ask again. */
static void on_sentinel_answer(void *arg, const char *host, int port)
{
    a24_store_t *s = arg;
    if (s->closing)
        return;
    if (host == NULL) {
        a24_log_warn("redis_no_primary", "{s:s}", "master_name", s->target.master_name);
        schedule_retry(s);
        return;
    }
    snprintf(s->target.host, sizeof s->target.host, "%s", host);
    s->target.port = port;
    connect_primary(s);
}

/* Starts one connection attempt (also the retry timer's callback). */
static void connect_now(a24_store_t *s)
{
    if (s->sentinel != NULL)
        a24_sentinel_ask(s->sentinel); /* then on_sentinel_answer */
    else
        connect_primary(s);
}

/* Connects to the primary in s->target, signs in and selects the database. */
static void connect_primary(a24_store_t *s)
{
    const a24_redis_target_t *t = &s->target;
    redisAsyncContext *ac = t->unix_path[0] != '\0' ? redisAsyncConnectUnix(t->unix_path)
                                                    : redisAsyncConnect(t->host, t->port);
    if (ac == NULL || ac->err) {
        a24_log_warn("redis_connect_failed", "{s:s}", "error",
                     ac != NULL ? ac->errstr : "no memory");
        if (ac != NULL)
            redisAsyncFree(ac);
        schedule_retry(s);
        return;
    }
    ac->data = s;
    if (a24_store_attach(ac, s->loop) != 0) {
        redisAsyncFree(ac);
        schedule_retry(s);
        return;
    }
    redisAsyncSetConnectCallback(ac, on_connect);
    uv_timer_start(&s->retry, on_connect_timeout, CONNECT_TIMEOUT_MS, 0);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    /*
     * Queued now, sent first once connected: every later command runs after these, and
     * none can be sent before they succeed (the store is not ready until then).
     */
    s->setup_pending = 0;
    if (t->password[0] != '\0' && t->username[0] != '\0')
        redisAsyncCommand(ac, on_setup_reply, "auth", "AUTH %s %s", t->username, t->password);
    else if (t->password[0] != '\0')
        redisAsyncCommand(ac, on_setup_reply, "auth", "AUTH %s", t->password);
    s->setup_pending += t->password[0] != '\0';
    if (t->db != 0)
        redisAsyncCommand(ac, on_setup_reply, "select", "SELECT %d", t->db);
    s->setup_pending += t->db != 0;
    if (s->sentinel != NULL && redisAsyncCommand(ac, on_role_reply, "role", "ROLE") == REDIS_OK)
        s->setup_pending++;
    s->ac = ac;
}

a24_store_t *a24_store_create(uv_loop_t *loop, const char *url, a24_ms_t reconnect_min,
                              a24_ms_t reconnect_max, char *err, size_t errlen)
{
    a24_store_t *s = a24_alloc_or_err(sizeof *s, err, errlen);
    if (s == NULL)
        return NULL;
    if (parse_url(s, url, err, errlen) != 0) {
        free(s);
        return NULL;
    }
    s->refs.n = 1; /* the retry timer */
    s->refs.wipe = sizeof *s;
    s->loop = loop;
    s->backoff_min = s->backoff = reconnect_min > 0 ? reconnect_min : 100;
    s->backoff_max = reconnect_max > s->backoff_min ? reconnect_max : s->backoff_min;
    uv_timer_init(loop, &s->retry);
    s->retry.data = s;
    if (s->target.nsentinels > 0 &&
        (s->sentinel = a24_sentinel_create(loop, &s->target, on_sentinel_answer, s)) == NULL) {
        snprintf(err, errlen, "out of memory");
        uv_close((uv_handle_t *)&s->retry, a24_refs_handle_closed);
        return NULL;
    }
    connect_now(s);
    return s;
}

a24_store_t *a24_store_open(uv_loop_t *loop, const a24_config_t *cfg, char *err, size_t errlen)
{
    return a24_store_create(loop, cfg->redis.url, cfg->redis.reconnect_min,
                            cfg->redis.reconnect_max, err, errlen);
}

void a24_store_destroy(a24_store_t *s)
{
    if (s == NULL)
        return;
    s->closing = true;
    s->ready = false;
    a24_sentinel_destroy(s->sentinel);
    s->sentinel = NULL;
    if (s->ac != NULL) {
        redisAsyncContext *ac = s->ac;
        s->ac = NULL;
        redisAsyncFree(ac);
    }
    s->retry.data = s;
    uv_close((uv_handle_t *)&s->retry, a24_refs_handle_closed);
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

const char *a24_store_primary(const a24_store_t *s, bool *via_sentinel)
{
    if (via_sentinel != NULL)
        *via_sentinel = s->sentinel != NULL;
    return a24_store_ready(s) ? s->primary : "";
}

/*
 * A READONLY error: the primary became a replica under us (a failover). Drop the
 * connection; reconnecting asks the sentinels for the new primary.
 */
static void note_readonly(a24_store_t *s, redisAsyncContext *ac, const redisReply *reply)
{
    if (reply == NULL || reply->type != REDIS_REPLY_ERROR ||
        strncmp(reply->str, "READONLY", 8) != 0 || s->ac != ac || !s->ready || s->closing)
        return;
    a24_log_warn("redis_readonly", "{s:s}", "primary", s->primary);
    s->ready = false;
    redisAsyncDisconnect(ac);
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
    note_readonly(c->store, ac, reply);
    if (c->cmd != NULL && !c->resent && reply != NULL && reply->type == REDIS_REPLY_ERROR &&
        strncmp(reply->str, "ERR Function not found", 22) == 0 && !c->store->closing) {
        /* Redis lost the library (FUNCTION FLUSH, a failover): load it, call again once. */
        /* One load for every call that finds it missing: they are resent behind it. */
        c->resent = true;
        a24_store_t *st = c->store;
        if ((st->reloading || load_library(ac, st) == REDIS_OK) &&
            redisAsyncFormattedCommand(ac, on_reply, c, c->cmd, c->cmdlen) == REDIS_OK) {
            st->reloading = true;
            return;
        }
        reply = NULL;
    }
    c->cb(c->store, reply, c->privdata);
    if (!c->persistent || reply == NULL)
        call_free(c);
}

int a24_store_wait(a24_store_t *s, int replicas, a24_ms_t timeout, a24_store_cb cb, void *privdata)
{
    return a24_store_command(s, cb, privdata, "WAIT %d %lld", replicas, (long long)timeout);
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
