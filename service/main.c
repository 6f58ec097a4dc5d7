/*
 * answer24-web: the front end. One process, one libuv loop, one h2o context, one
 * Redis connection; run as many copies as needed (the listener sets SO_REUSEPORT).
 *
 * Must never: start with a configuration, key file or data file it could not read;
 * leave an accepted request unanswered at shutdown (in-flight operations drain first).
 */
#include <arpa/inet.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cli.h"
#include "clock.h"
#include "conn.h"
#include "http.h"
#include "log.h"
#include "sse.h"
#include "static.h"

#define SHUTDOWN_GRACE_MS 3000 /* the longest wait for requests in flight */
#define SHUTDOWN_SETTLE_MS 200 /* time for answers already sent to leave */

typedef struct {
    a24_app_t app;
    uv_tcp_t listener;
    bool listener_open;
    h2o_accept_ctx_t accept;
    uv_signal_t sigterm, sigint;
    uv_timer_t drain;
    a24_ms_t drain_deadline;
    bool stopping;
} server_t;

/* Open connections (0 before the registry exists). */
static size_t open_connections(const server_t *srv)
{
    return srv->app.conns != NULL ? a24_conns_count(srv->app.conns) : 0;
}

/*
 * Binds http.listen with SO_REUSEPORT, so several copies can share it. On failure
 * writes one line to stderr and leaves no handle open.
 */
static int listen_on(server_t *srv, const char *listen)
{
    struct sockaddr_storage addr;
    const char *why = NULL;
    if (a24_listen_parse(listen, &addr, &why) != 0) {
        fprintf(stderr, "answer24-web: http.listen \"%s\": %s\n", listen, why);
        return -1;
    }
    int rc = uv_tcp_init_ex(srv->app.loop, &srv->listener, addr.ss_family);
    if (rc != 0) {
        fprintf(stderr, "answer24-web: cannot listen on %s: %s\n", listen, uv_strerror(rc));
        return -1;
    }
    srv->listener_open = true;
    srv->listener.data = srv->app.conns;
    uv_os_fd_t fd;
    int one = 1;
    if (uv_fileno((uv_handle_t *)&srv->listener, &fd) == 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    rc = uv_tcp_bind(&srv->listener, (struct sockaddr *)&addr, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&srv->listener, 4096, a24_conns_on_accept);
    if (rc != 0) {
        fprintf(stderr, "answer24-web: cannot listen on %s: %s\n", listen, uv_strerror(rc));
        uv_close((uv_handle_t *)&srv->listener, NULL);
        srv->listener_open = false;
        return -1;
    }
    return 0;
}

/* Ends the loop once in-flight operations have drained (or the grace time ran out). */
static void on_drain_tick(uv_timer_t *t)
{
    server_t *srv = t->data;
    /* Drained once nothing waits on Redis and the last answers had a moment to leave;
     * idle keep-alive clients are not waited for. */
    a24_ms_t now = a24_clock_mono();
    bool drained = srv->app.inflight == 0 &&
                   (open_connections(srv) == 0 ||
                    now >= srv->drain_deadline - SHUTDOWN_GRACE_MS + SHUTDOWN_SETTLE_MS);
    if (!drained && now < srv->drain_deadline)
        return;
    uv_timer_stop(t);
    uint64_t refused, idle_closed;
    a24_conns_totals(srv->app.conns, &refused, &idle_closed);
    a24_log_info("stopped", "{s:i,s:I,s:I}", "open_connections", (int)open_connections(srv),
                 "connections_refused", (json_int_t)refused, "idle_connections_closed",
                 (json_int_t)idle_closed);
    a24_store_destroy(srv->app.store);
    srv->app.store = NULL;
    uv_close((uv_handle_t *)&srv->drain, NULL);
    uv_close((uv_handle_t *)&srv->sigterm, NULL);
    uv_close((uv_handle_t *)&srv->sigint, NULL);
    /* h2o's own timers keep the loop alive: stop it; idle keep-alive clients are not
     * worth waiting for. */
    uv_stop(t->loop);
}

/* SIGTERM or SIGINT: stop accepting, finish what is in flight, then stop. */
static void on_signal(uv_signal_t *sig, int signum)
{
    server_t *srv = sig->data;
    if (srv->stopping)
        return;
    srv->stopping = true;
    a24_log_info("stopping", "{s:i}", "signal", signum);
    if (srv->listener_open)
        uv_close((uv_handle_t *)&srv->listener, NULL);
    srv->listener_open = false;
    h2o_context_request_shutdown(&srv->app.ctx);
    a24_feed_destroy(srv->app.feed); /* ends the event streams, which never end by themselves */
    srv->app.feed = NULL;
    srv->drain_deadline = a24_clock_mono() + SHUTDOWN_GRACE_MS;
    srv->drain.data = srv;
    uv_timer_start(&srv->drain, on_drain_tick, 0, 50);
}

/* Loads the keys and data files the handlers need. */
static int load_app(a24_app_t *app)
{
    char err[512];
    if (a24_secrets_load(&app->secrets, app->cfg->secrets.key_file, err, sizeof err) != 0 ||
        (app->screening = a24_screening_create(app->cfg->screening.data_dir, err, sizeof err)) ==
            NULL ||
        (app->crisis = a24_crisis_create(app->cfg->screening.data_dir, err, sizeof err)) == NULL ||
        (app->store = a24_store_open(app->loop, app->cfg, err, sizeof err)) == NULL ||
        (app->feed = a24_feed_create(app, err, sizeof err)) == NULL) {
        fprintf(stderr, "answer24-web: %s\n", err);
        return -1;
    }
    a24_http_client_init(app);
    a24_conns_exempt(app->conns, a24_http_proxy_trusted, app);
    return 0;
}

/*
 * Sets h2o up: limits, then the API paths before the pages (first match wins). Returns
 * 0, or -1 (said) when the pages cannot be built.
 */
static int configure_h2o(a24_app_t *app)
{
    const a24_config_t *cfg = app->cfg;
    h2o_config_init(&app->h2o);
    app->h2o.server_name = h2o_iovec_init(H2O_STRLIT("answer24"));
    /* h2o refuses bodies far over our limit before reading them; the API answers 413
     * in the contract's shape for the rest. */
    app->h2o.max_request_entity_size =
        cfg->http.max_body * 4 > 65536 ? cfg->http.max_body * 4 : 65536;
    app->h2o.http1.req_timeout = (uint64_t)cfg->http.idle_timeout;
    app->h2o.http2.idle_timeout = (uint64_t)cfg->http.idle_timeout;
    app->h2o.http2.graceful_shutdown_timeout = 2000;
    /* Cleartext HTTP/2 (prior knowledge and Upgrade: h2c) only when asked for: browsers
     * speak HTTP/2 to the TLS proxy in front, which speaks HTTP/1.1 to us. */
    app->h2o.http1.upgrade_to_http2 = cfg->http.h2c ? 1 : 0;
    h2o_hostconf_t *host =
        h2o_config_register_host(&app->h2o, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    a24_http_register_api(host, "/api", app);
    a24_http_register_api(host, "/healthz", app);
    a24_http_register_api(host, "/readyz", app);
    a24_http_register_api(host, "/metrics", app);
    char err[512];
    if (a24_static_register(host, app, err, sizeof err) != 0) {
        fprintf(stderr, "answer24-web: %s\n", err);
        h2o_config_dispose(&app->h2o);
        return -1;
    }
    return 0;
}

/*
 * Raises the open-file limit, creates the connection registry, listens (first: a bad
 * address is then a one-line error with nothing to unwind; connections wait in the
 * backlog until the loop runs), loads the app and sets h2o up. Returns 0 or -1 (said).
 */
static int start_server(server_t *srv)
{
    a24_app_t *app = &srv->app;
    size_t nofile = a24_conns_raise_nofile();
    char err[256];
    if ((app->conns = a24_conns_create(app->loop, app->cfg, nofile, &srv->accept, err,
                                       sizeof err)) == NULL) {
        fprintf(stderr, "answer24-web: %s\n", err);
        return -1;
    }
    if (listen_on(srv, app->cfg->http.listen) != 0)
        return -1;
    if (load_app(app) != 0 || configure_h2o(app) != 0) {
        uv_close((uv_handle_t *)&srv->listener, NULL);
        srv->listener_open = false;
        uv_run(app->loop, UV_RUN_NOWAIT);
        return -1;
    }
    h2o_context_init(&app->ctx, app->loop, &app->h2o);
    srv->accept.ctx = &app->ctx;
    srv->accept.hosts = app->h2o.hosts;
    return 0;
}

int main(int argc, char **argv)
{
    /* h2o's allocation pattern makes glibc trim and regrow the heap constantly. */
    mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
    signal(SIGPIPE, SIG_IGN);

    a24_config_t cfg;
    int rc = a24_cli_start(argc, argv, "answer24-web",
                           "The answer24 front end: citizen and staff API, pages, metrics.", NULL,
                           &cfg, NULL);
    if (rc != 0)
        return A24_CLI_EXIT(rc);

    static server_t srv; /* large (h2o config); one per process */
    a24_app_t *app = &srv.app;
    /* Static, like the server: connections of idle keep-alive clients still open at exit
     * hang off the loop and stay reachable (the process ends; nothing leaks). */
    static uv_loop_t loop;
    uv_loop_init(&loop);
    loop.data = &srv;
    app->cfg = &cfg;
    app->loop = &loop;
    app->started = a24_clock_now();
    int status = 1;
    if (start_server(&srv) != 0)
        goto out;
    uv_timer_init(&loop, &srv.drain);
    uv_signal_init(&loop, &srv.sigterm);
    uv_signal_init(&loop, &srv.sigint);
    srv.sigterm.data = srv.sigint.data = &srv;
    uv_signal_start(&srv.sigterm, on_signal, SIGTERM);
    uv_signal_start(&srv.sigint, on_signal, SIGINT);
    a24_log_info("listening", "{s:s}", "address", cfg.http.listen);
    if (cfg.alerts.webhooks_len == 0)
        a24_log_warn("no_webhooks", "{s:s}", "message",
                     "no webhook is configured (alerts.webhooks): on-call is told only "
                     "through the dashboard");

    uv_run(&loop, UV_RUN_DEFAULT);
    status = 0;
    uv_run(&loop, UV_RUN_NOWAIT); /* the close callbacks of the handles closed above */
    if (open_connections(&srv) == 0) {
        /* h2o 2.2.5 arms a graceful-shutdown timer for HTTP/2 that outlives our drain;
         * disposing the context with it still linked trips an assertion. */
        if (h2o_timeout_is_linked(&app->ctx.http2._graceful_shutdown_timeout))
            h2o_timeout_unlink(&app->ctx.http2._graceful_shutdown_timeout);
        h2o_context_dispose(&app->ctx);
        h2o_config_dispose(&app->h2o);
    }
out:
    a24_crisis_destroy(app->crisis);
    a24_screening_destroy(app->screening);
    a24_secrets_dispose(&app->secrets);
    a24_config_dispose(&cfg);
    if (open_connections(&srv) == 0) {
        a24_conns_destroy(app->conns);
        uv_loop_close(&loop);
    }
    return status;
}
