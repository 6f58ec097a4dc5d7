/*
 * answer24-web: the front end. One process, one libuv loop, one h2o context, one
 * Redis connection; run as many copies as needed (the listener sets SO_REUSEPORT).
 *
 * Must never: start with a configuration, key file or data file it could not read;
 * leave an accepted request unanswered at shutdown (in-flight operations drain first).
 */
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cli.h"
#include "clock.h"
#include "http.h"
#include "log.h"
#include "sse.h"
#include "static.h"

#define SHUTDOWN_GRACE_MS 3000 /* the longest wait for requests in flight */
#define SHUTDOWN_SETTLE_MS 200 /* time for answers already sent to leave */

typedef struct {
    a24_app_t app;
    uv_tcp_t listener;
    h2o_accept_ctx_t accept;
    uv_signal_t sigterm, sigint;
    uv_timer_t drain;
    a24_ms_t drain_deadline;
    size_t connections;
    bool stopping;
} server_t;

/* h2o closed a connection's stream. */
static void on_conn_closed(uv_handle_t *h)
{
    server_t *srv = h->loop->data;
    srv->connections--;
    free(h);
}

/* libuv: a client connects. */
static void on_accept(uv_stream_t *listener, int status)
{
    server_t *srv = listener->loop->data;
    if (status != 0)
        return;
    uv_tcp_t *conn = h2o_mem_alloc(sizeof *conn);
    uv_tcp_init(listener->loop, conn);
    if (uv_accept(listener, (uv_stream_t *)conn) != 0) {
        uv_close((uv_handle_t *)conn, (uv_close_cb)free);
        return;
    }
    srv->connections++;
    h2o_socket_t *sock = h2o_uv_socket_create((uv_stream_t *)conn, on_conn_closed);
    h2o_accept(&srv->accept, sock);
}

/* Binds http.listen ("host:port") with SO_REUSEPORT, so several copies can share it. */
static int listen_on(server_t *srv, const char *listen)
{
    char host[256];
    const char *colon = strrchr(listen, ':');
    if (colon == NULL || (size_t)(colon - listen) >= sizeof host)
        return -1;
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    int port = atoi(colon + 1);
    struct sockaddr_storage addr;
    int family = strchr(host, ':') != NULL ? AF_INET6 : AF_INET;
    if ((family == AF_INET6 ? uv_ip6_addr(host, port, (struct sockaddr_in6 *)&addr)
                            : uv_ip4_addr(host, port, (struct sockaddr_in *)&addr)) != 0)
        return -1;
    uv_tcp_init_ex(srv->app.loop, &srv->listener, (unsigned)family);
    uv_os_fd_t fd;
    int one = 1;
    if (uv_fileno((uv_handle_t *)&srv->listener, &fd) == 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    int rc = uv_tcp_bind(&srv->listener, (struct sockaddr *)&addr, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&srv->listener, 1024, on_accept);
    if (rc != 0) {
        fprintf(stderr, "answer24-web: cannot listen on %s: %s\n", listen, uv_strerror(rc));
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
                   (srv->connections == 0 ||
                    now >= srv->drain_deadline - SHUTDOWN_GRACE_MS + SHUTDOWN_SETTLE_MS);
    if (!drained && now < srv->drain_deadline)
        return;
    uv_timer_stop(t);
    a24_log_info("stopped", "{s:i}", "open_connections", (int)srv->connections);
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
    uv_close((uv_handle_t *)&srv->listener, NULL);
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
        (app->store =
             a24_store_create(app->loop, app->cfg->redis.url, app->cfg->redis.reconnect_min,
                              app->cfg->redis.reconnect_max, err, sizeof err)) == NULL ||
        (app->feed = a24_feed_create(app, err, sizeof err)) == NULL) {
        fprintf(stderr, "answer24-web: %s\n", err);
        return -1;
    }
    a24_http_client_init(app);
    return 0;
}

/* Sets h2o up: limits, then the API paths before the pages (first match wins). */
static void configure_h2o(a24_app_t *app)
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
    h2o_hostconf_t *host =
        h2o_config_register_host(&app->h2o, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    a24_http_register_api(host, "/api", app);
    a24_http_register_api(host, "/healthz", app);
    a24_http_register_api(host, "/readyz", app);
    a24_http_register_api(host, "/metrics", app);
    a24_static_register(host, app);
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
    if (load_app(app) != 0)
        goto out;
    configure_h2o(app);
    h2o_context_init(&app->ctx, &loop, &app->h2o);
    srv.accept.ctx = &app->ctx;
    srv.accept.hosts = app->h2o.hosts;
    if (listen_on(&srv, cfg.http.listen) != 0) {
        uv_close((uv_handle_t *)&srv.listener, NULL);
        a24_feed_destroy(app->feed);
        a24_store_destroy(app->store);
        app->store = NULL;
        uv_run(&loop, UV_RUN_DEFAULT);
        h2o_context_dispose(&app->ctx);
        h2o_config_dispose(&app->h2o);
        goto out;
    }
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
    if (srv.connections == 0) {
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
    if (srv.connections == 0)
        uv_loop_close(&loop);
    return status;
}
