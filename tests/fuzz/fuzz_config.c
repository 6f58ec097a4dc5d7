/*
 * fuzz_config: the configuration loader (proto/config.c) on any YAML text. The loader
 * reads a path, so each input goes through an anonymous memory file. Checks, beside the
 * sanitizers: a refusal is exactly one line, and an accepted configuration disposes
 * cleanly.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fd = -1;
static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fd < 0) {
        if ((fd = memfd_create("fuzz-config", 0)) < 0)
            abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        abort();

    a24_config_t cfg;
    char err[512];
    if (a24_config_load(&cfg, path, err, sizeof err) == 0) {
        assert(cfg.http.listen != NULL && cfg.escalation_len > 0);
        a24_config_dispose(&cfg);
    } else {
        assert(err[0] != '\0');
        assert(strchr(err, '\n') == NULL);
    }
    return 0;
}
