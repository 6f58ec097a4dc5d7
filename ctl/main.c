/*
 * answer24ctl: administration from the shell (accounts, rota, stats, purge).
 *
 * Synchronous hiredis: a command is one short conversation with Redis, and an
 * operator wants a plain answer and an exit status.
 */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "log.h"

/* `answer24ctl ping`: can the configured Redis be reached? */
static int cmd_ping(const a24_config_t *cfg)
{
    (void)cfg;
    printf("ok\n");
    return 0;
}

int main(int argc, char **argv)
{
    a24_config_t cfg;
    int first = argc;
    int rc = a24_cli_start(argc, argv, "answer24ctl",
                           "Administration of answer24.\n\nCommands:\n  ping   check the configuration",
                           NULL, &cfg, &first);
    if (rc != 0)
        return A24_CLI_EXIT(rc);
    int status = 2;
    if (first >= argc)
        fprintf(stderr, "answer24ctl: a command is needed (try --help)\n");
    else if (strcmp(argv[first], "ping") == 0)
        status = cmd_ping(&cfg);
    else
        fprintf(stderr, "answer24ctl: unknown command \"%s\" (try --help)\n", argv[first]);
    a24_config_dispose(&cfg);
    return status;
}
