/*
 * cli: what every answer24 program does first: read --config and --help, load the
 * configuration (one clear line on stderr and exit 2 if it is bad), start logging.
 */
#ifndef A24_CLI_H
#define A24_CLI_H

#include "config.h"

/** One extra option a program takes ("--role", with a value). */
typedef struct {
    const char *name;   /* "--role" */
    const char *help;   /* one line */
    const char **value; /* where the value goes */
} a24_cli_option_t;

/**
 * Parses argv for --config FILE, --help and the program's `options` (NULL-terminated
 * by a NULL name), loads the configuration into `cfg` and initialises logging as
 * `prog`. Returns 0 to go on, 1 when --help was answered (exit 0), or 2 after an
 * error already reported on stderr (exit 2). A24_CLI_EXIT(rc) maps these.
 */
int a24_cli_start(int argc, char **argv, const char *prog, const char *summary,
                  const a24_cli_option_t *options, a24_config_t *cfg, int *first_arg);

#define A24_CLI_EXIT(rc) ((rc) == 1 ? 0 : (rc))

#endif
