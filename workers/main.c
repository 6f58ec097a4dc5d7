/*
 * answer24-worker: the background roles on one libuv loop: router, deadline engine
 * and notifier, all three by default or one with --role. Any number of copies may
 * run against one Redis: every effect is decided by a Lua compare-and-set, never by
 * there being one worker.
 *
 * Must never: exit on a Redis outage (the store reconnects and the roles resume), or
 * stop on SIGTERM with a step half-done (each step is one script, so there is none).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "store.h"
#include "worker.h"

typedef struct {
    a24_worker_t w;
    uv_signal_t sigterm, sigint;
} worker_main_t;

/* SIGTERM or SIGINT: stop the roles and let the loop run dry. */
static void on_signal(uv_signal_t *sig, int signum)
{
    worker_main_t *m = sig->data;
    a24_log_info("stopping", "{s:i}", "signal", signum);
    a24_worker_stop(&m->w);
    uv_close((uv_handle_t *)&m->sigterm, NULL);
    uv_close((uv_handle_t *)&m->sigint, NULL);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    const char *role = "all";
    const a24_cli_option_t options[] = {
        {"--role", "router | deadline | notifier | all (default: all)", &role},
        {NULL, NULL, NULL},
    };
    a24_config_t cfg;
    int rc = a24_cli_start(argc, argv, "answer24-worker",
                           "The answer24 workers: routing, deadlines and escalation, alert "
                           "delivery.",
                           options, &cfg, NULL);
    if (rc != 0)
        return A24_CLI_EXIT(rc);
    unsigned roles = a24_worker_roles_parse(role);
    if (roles == 0) {
        fprintf(stderr, "answer24-worker: --role must be router, deadline, notifier or all\n");
        a24_config_dispose(&cfg);
        return 2;
    }

    uv_loop_t loop;
    uv_loop_init(&loop);
    worker_main_t m;
    memset(&m, 0, sizeof m);
    char err[512];
    if (a24_worker_init(&m.w, &loop, &cfg, roles, err, sizeof err) != 0) {
        fprintf(stderr, "answer24-worker: %s\n", err);
        uv_run(&loop, UV_RUN_DEFAULT);
        uv_loop_close(&loop);
        a24_config_dispose(&cfg);
        return 2;
    }
    uv_signal_init(&loop, &m.sigterm);
    uv_signal_init(&loop, &m.sigint);
    m.sigterm.data = m.sigint.data = &m;
    uv_signal_start(&m.sigterm, on_signal, SIGTERM);
    uv_signal_start(&m.sigint, on_signal, SIGINT);
    a24_log_info("started", "{s:s}", "role", role);

    uv_run(&loop, UV_RUN_DEFAULT);
    a24_worker_dispose(&m.w);
    uv_loop_close(&loop);
    a24_config_dispose(&cfg);
    a24_log_info("stopped", NULL);
    return 0;
}
