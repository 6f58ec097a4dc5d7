/*
 * cli: argument parsing and configuration loading shared by the three programs.
 * Must never: start a program on a configuration that failed to load.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "rota.h"

/* Prints the usage of `prog`, its options and the configuration reference. */
static void usage(FILE *out, const char *prog, const char *summary, const a24_cli_option_t *options)
{
    fprintf(out, "usage: %s [--config FILE]", prog);
    for (const a24_cli_option_t *o = options; o != NULL && o->name != NULL; o++)
        fprintf(out, " [%s VALUE]", o->name);
    fprintf(out,
            "\n\n%s\n\n  --config FILE  YAML configuration (defaults below apply without it)\n",
            summary);
    for (const a24_cli_option_t *o = options; o != NULL && o->name != NULL; o++)
        fprintf(out, "  %-14s %s\n", o->name, o->help);
    fprintf(out, "  --help         this text\n\n");
    a24_config_print_reference(out);
}

int a24_cli_start(int argc, char **argv, const char *prog, const char *summary,
                  const a24_cli_option_t *options, a24_config_t *cfg, int *first_arg)
{
    const char *config_path = NULL;
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout, prog, summary, options);
            return 1;
        }
        if (strcmp(a, "--config") == 0 && i + 1 < argc) {
            config_path = argv[++i];
            continue;
        }
        const a24_cli_option_t *o = options;
        while (o != NULL && o->name != NULL && strcmp(o->name, a) != 0)
            o++;
        if (o != NULL && o->name != NULL && i + 1 < argc) {
            *o->value = argv[++i];
            continue;
        }
        if (first_arg != NULL && a[0] != '-')
            break; /* the program's own words (answer24ctl's commands) start here */
        fprintf(stderr, "%s: unknown or incomplete option \"%s\" (try --help)\n", prog, a);
        return 2;
    }
    if (first_arg != NULL)
        *first_arg = i;
    char err[512];
    if (a24_config_load(cfg, config_path, err, sizeof err) != 0) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return 2;
    }
    a24_log_init(prog, cfg->log.level);
    /* Shift times are local to the rota's zone; the logs stay in UTC (gmtime). */
    a24_rota_zone(cfg->rota.timezone);
    return 0;
}
