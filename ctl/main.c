/*
 * answer24ctl: administration from the shell (accounts, rota, stats, purge).
 *
 * Synchronous hiredis: a command is one short conversation with Redis, and an
 * operator wants a plain answer and an exit status (ctl.h). Every change to Redis goes
 * through the same Lua scripts the services use, embedded in the program.
 *
 * Must never: report success for a change Redis did not confirm.
 */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "cli.h"
#include "ctl.h"
#include "script.h"
#include "sentinel.h"
#include "store.h"

#define CONNECT_TIMEOUT_S 5
#define COMMAND_TIMEOUT_S 30

static const char summary[] =
    "Administration of answer24.\n"
    "\n"
    "Commands (options of answer24ctl itself, such as --config, go before the command):\n"
    "  ping                  check that the configured Redis answers\n"
    "  user add --username U --role expert|supervisor|oncall|admin [--categories a,b]\n"
    "           [--languages ko,en] [--display-name NAME] --password-stdin\n"
    "                        create an account; the password is the first line of stdin\n"
    "                        (at least 10 characters)\n"
    "  user list [--format table|json]\n"
    "                        every account: username, role, categories, languages, disabled\n"
    "  user disable U        refuse U's sign-ins and end U's sessions\n"
    "  user enable U         allow U to sign in again\n"
    "  user passwd U --password-stdin\n"
    "  rota set U \"mon-fri 09:00-17:00; sat 10:00-14:00\"\n"
    "                        U's weekly shifts in rota.timezone: the worker puts U on duty\n"
    "                        when a shift starts and off (handing back claims) when it ends\n"
    "  rota show [U]         the rotas\n"
    "  rota gaps [--days 7] [--format text|json]\n"
    "                        the stretches of the coming days (times in rota.timezone) in\n"
    "                        which no expert on shift covers a language and category\n"
    "  purge                 forget tickets answered or withdrawn, and incidents\n"
    "                        resolved, more than privacy.retention ago (the worker also\n"
    "                        does it hourly), and drop the text keys past it (as keys\n"
    "                        rotate does)\n"
    "  keys rotate           add a text key that seals every new text; drop the keys\n"
    "                        replaced more than privacy.retention ago that no ticket\n"
    "                        still needs, so older backups can no longer be read\n"
    "  keys list             the text keys, when they were made, which one seals\n"
    "  scripts load          load the Lua scripts into Redis as one function library\n"
    "                        (the programs do it themselves when they connect); names\n"
    "                        each function, or Redis' error if one does not compile\n"
    "  stats [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--format csv|json]\n"
    "                        submitted, answered, answered within the window, time to\n"
    "                        answer p50/p90, breaches and crises, per day and category;\n"
    "                        within_window_pct: answered in time over every question whose\n"
    "                        window ended that day, answered or not\n"
    "  rota clear U          no more shifts for U\n"
    "                        set a new password (first line of stdin); ends U's sessions\n"
    "\n"
    "Categories: depression, anxiety, stress, sleep, family, disaster, other.\n"
    "Languages: ko, zh, en. Every change is appended to the admin audit list.\n"
    "Exit status: 0 done, 1 refused (name taken, no such user),\n"
    "2 usage or configuration error (including a Redis that cannot be reached).";

/* Sends AUTH or SELECT (argv); false after a line on stderr if Redis refused. */
static bool setup_command(redisContext *c, const char *what, const char *hint, int argc,
                          const char **argv)
{
    redisReply *r = redisCommandArgv(c, argc, argv, NULL);
    bool ok = r != NULL && r->type != REDIS_REPLY_ERROR;
    if (!ok)
        fprintf(stderr, "answer24ctl: Redis refused %s (%s): %s\n", what, hint,
                r != NULL ? r->str : c->errstr);
    freeReplyObject(r);
    return ok;
}

/* Signs in (AUTH) and selects the database, before anything else is sent. */
static bool setup_connection(redisContext *c, const a24_redis_target_t *t)
{
    const char *auth[3] = {"AUTH", t->username, t->password};
    char db_text[16];
    snprintf(db_text, sizeof db_text, "%d", t->db);
    const char *select[2] = {"SELECT", db_text};
    const char *hint = "check the password in redis.url or redis.password_file";
    if (t->password[0] != '\0' && t->username[0] != '\0' &&
        !setup_command(c, "the password", hint, 3, auth))
        return false;
    auth[1] = t->password;
    if (t->password[0] != '\0' && t->username[0] == '\0' &&
        !setup_command(c, "the password", hint, 2, auth))
        return false;
    if (t->db != 0 && !setup_command(c, "SELECT", "redis.url's database", 2, select))
        return false;
    if (t->nsentinels == 0)
        return true;
    /* The sentinels named it: it must still be the primary (not demoted meanwhile). */
    redisReply *r = redisCommand(c, "ROLE");
    size_t len;
    const char *role = a24_reply_str(r, 0, &len);
    bool primary = role != NULL && len == 6 && memcmp(role, "master", 6) == 0;
    if (!primary)
        fprintf(stderr,
                "answer24ctl: %s:%d is not the primary (a failover is under way?); try again\n",
                t->host, t->port);
    if (r != NULL)
        freeReplyObject(r);
    return primary;
}

redisContext *a24_ctl_connect(const a24_config_t *cfg)
{
    a24_redis_target_t t;
    char err[600], shown[512];
    if (a24_store_parse_url(cfg->redis.url, &t, err, sizeof err) != 0) {
        fprintf(stderr, "answer24ctl: %s\n", err);
        return NULL;
    }
    a24_store_redact_url(cfg->redis.url, shown, sizeof shown);
    if (t.nsentinels > 0 && a24_sentinel_resolve_sync(&t, err, sizeof err) != 0) {
        fprintf(stderr, "answer24ctl: %s\n", err);
        memset(&t, 0, sizeof t);
        return NULL;
    }
    if (t.nsentinels > 0) /* name the primary the sentinels gave, not the URL */
        snprintf(shown, sizeof shown, "%s:%d (from the sentinels)", t.host, t.port);
    struct timeval connect_tv = {CONNECT_TIMEOUT_S, 0}, command_tv = {COMMAND_TIMEOUT_S, 0};
    redisContext *c = t.unix_path[0] != '\0' ? redisConnectUnixWithTimeout(t.unix_path, connect_tv)
                                             : redisConnectWithTimeout(t.host, t.port, connect_tv);
    if (c == NULL || c->err) {
        fprintf(stderr, "answer24ctl: cannot reach Redis at %s: %s\n", shown,
                c != NULL ? c->errstr : "out of memory");
        goto fail;
    }
    redisSetTimeout(c, command_tv);
    if (!setup_connection(c, &t))
        goto fail;
    memset(&t, 0, sizeof t);
    return c;
fail:
    memset(&t, 0, sizeof t);
    if (c != NULL)
        redisFree(c);
    return NULL;
}

redisContext *a24_ctl_connect_for(const a24_config_t *cfg, bool usage_ok, const char *usage)
{
    if (!usage_ok) {
        fprintf(stderr, "answer24ctl: usage: %s\n", usage);
        return NULL;
    }
    return a24_ctl_connect(cfg);
}

int a24_ctl_library(redisContext *c, bool force)
{
    if (!force) {
        redisReply *v = redisCommand(c, "FCALL_RO a24_version 0");
        bool same =
            v != NULL && v->type == REDIS_REPLY_STRING && strcmp(v->str, a24_library_version) == 0;
        freeReplyObject(v);
        if (same)
            return 0;
    }
    redisReply *r =
        redisCommand(c, "FUNCTION LOAD REPLACE %b", a24_library_source, a24_library_len);
    int rc = 0;
    if (r == NULL || r->type == REDIS_REPLY_ERROR) {
        fprintf(stderr, "answer24ctl: Redis did not load the scripts: %s\n",
                r != NULL ? r->str : c->errstr);
        rc = -1;
    }
    freeReplyObject(r);
    return rc;
}

/* Sends one formatted script call and reads its reply (NULL if the connection failed). */
static redisReply *send_call(redisContext *c, const char *cmd, size_t len)
{
    void *r = NULL;
    if (redisAppendFormattedCommand(c, cmd, len) != REDIS_OK || redisGetReply(c, &r) != REDIS_OK)
        return NULL;
    return r;
}

redisReply *a24_ctl_fcall(redisContext *c, const char *name, a24_args_t *args)
{
    static bool checked; /* the library's version, once per run */
    const a24_script_source_t *src = a24_script_find(name);
    size_t len = 0;
    char *cmd = src != NULL ? a24_args_command(args, src->readonly ? "FCALL_RO" : "FCALL",
                                               src->function, &len)
                            : NULL;
    a24_args_dispose(args);
    if (cmd == NULL) {
        fprintf(stderr, "answer24ctl: internal error: cannot call script \"%s\"\n", name);
        return NULL;
    }
    redisReply *r = NULL;
    if (checked || a24_ctl_library(c, false) == 0) {
        checked = true;
        r = send_call(c, cmd, len);
    }
    if (r != NULL && r->type == REDIS_REPLY_ERROR &&
        strncmp(r->str, "ERR Function not found", 22) == 0 && a24_ctl_library(c, true) == 0) {
        freeReplyObject(r); /* flushed since: load it and call again, once */
        r = send_call(c, cmd, len);
    }
    free(cmd);
    if (r == NULL) {
        fprintf(stderr, "answer24ctl: Redis connection failed: %s\n", c->errstr);
    } else if (r->type == REDIS_REPLY_ERROR) {
        fprintf(stderr, "answer24ctl: Redis refused the change: %s\n", r->str);
        freeReplyObject(r);
        r = NULL;
    }
    return r;
}

redisReply *a24_ctl_call(const a24_config_t *cfg, const char *name, a24_args_t *args)
{
    redisContext *c = a24_ctl_connect(cfg);
    if (c == NULL) {
        a24_args_dispose(args);
        return NULL;
    }
    redisReply *r = a24_ctl_fcall(c, name, args);
    redisFree(c);
    return r;
}

/* `answer24ctl ping`: can the configured Redis be reached? */
static int cmd_ping(const a24_config_t *cfg, int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "answer24ctl: ping takes no arguments\n");
        return A24_CTL_USAGE;
    }
    redisContext *c = a24_ctl_connect(cfg);
    if (c == NULL)
        return A24_CTL_USAGE;
    redisReply *r = redisCommand(c, "PING");
    int status = A24_CTL_OK;
    if (r == NULL || r->type == REDIS_REPLY_ERROR) {
        fprintf(stderr, "answer24ctl: Redis did not answer PING: %s\n",
                r != NULL ? r->str : c->errstr);
        status = A24_CTL_USAGE;
    } else {
        printf("ok\n");
    }
    freeReplyObject(r);
    redisFree(c);
    return status;
}

int main(int argc, char **argv)
{
    a24_config_t cfg;
    int first = argc;
    int rc = a24_cli_start(argc, argv, "answer24ctl", summary, NULL, &cfg, &first);
    if (rc != 0)
        return A24_CLI_EXIT(rc);
    /* Each command gets its own words, argv[0] being its name. */
    static const struct {
        const char *name;
        int (*run)(const a24_config_t *cfg, int argc, char **argv);
    } commands[] = {
        {"ping", cmd_ping},           {"user", a24_ctl_user},   {"purge", a24_ctl_purge},
        {"scripts", a24_ctl_scripts}, {"stats", a24_ctl_stats}, {"rota", a24_ctl_rota},
        {"keys", a24_ctl_keys},
    };
    int status = A24_CTL_USAGE;
    size_t i = 0, n = sizeof commands / sizeof *commands;
    while (first < argc && i < n && strcmp(argv[first], commands[i].name) != 0)
        i++;
    if (first >= argc)
        fprintf(stderr, "answer24ctl: a command is needed (try --help)\n");
    else if (i == n)
        fprintf(stderr, "answer24ctl: unknown command \"%s\" (try --help)\n", argv[first]);
    else
        status = commands[i].run(&cfg, argc - first, argv + first);
    a24_config_dispose(&cfg);
    return status;
}
