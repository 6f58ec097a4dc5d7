/*
 * Unit tests of the script library (proto/scripts, embedded at build time): its state
 * lists are only the ones written from the state table of proto/ticket.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a24unit.h"
#include "script.h"
#include "ticket.h"

/* Occurrences of `needle` in the library outside [skip, skip + skip_len). */
static int count_outside(const char *needle, const char *skip, size_t skip_len)
{
    int n = 0;
    for (const char *p = a24_library_source; (p = strstr(p, needle)) != NULL; p++)
        if (p < skip || p >= skip + skip_len)
            n++;
    return n;
}

static void scripts_restate_no_state_list(void **state)
{
    (void)state;
    /* The lists written from the table (AWAITING, POOLED, HELD, then TO) stand once in
     * the library, from the generated header to the end of the TO line. */
    const char *at = strstr(a24_library_source, "-- Generated from the state table");
    assert_non_null(at);
    const char *to = strstr(at, "\nlocal TO = {");
    assert_non_null(to);
    size_t len = (size_t)(strchr(to + 1, '\n') - at);
    /* Nowhere else two states side by side in a list: "queued,offered" (an argument or a
     * comment quoting one), "queued = true, offered = true", "'queued', 'offered'". */
    static const char *const forms[] = {"%s,%s", "%s = true, %s = true", "'%s', '%s'"};
    char found[96] = "";
    for (int a = 0; a < A24_STATE_COUNT; a++) {
        for (int b = 0; b < A24_STATE_COUNT; b++) {
            for (size_t f = 0; a != b && f < sizeof forms / sizeof forms[0]; f++) {
                char needle[96];
                snprintf(needle, sizeof needle, forms[f], a24_state_name((a24_state_t)a),
                         a24_state_name((a24_state_t)b));
                if (found[0] == '\0' && count_outside(needle, at, len) != 0)
                    memcpy(found, needle, sizeof found);
            }
        }
    }
    if (found[0] != '\0')
        fail_msg("the script library restates a state list: %s", found);
}

A24_UNIT_MAIN(cmocka_unit_test(scripts_restate_no_state_list))
