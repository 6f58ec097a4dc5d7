/* Unit tests of proto/args' lists: a24_args_keys and a24_args_strs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "a24unit.h"
#include "args.h"

static void args_lists_add_in_order_as_one_by_one(void **state)
{
    (void)state;
    a24_args_t lists, single;
    a24_args_init(&lists);
    a24_args_init(&single);
    a24_args_keys(&lists, "a24:schedule", "a24:alerts", NULL);
    a24_args_strs(&lists, "100", "", "a24:t:", NULL);
    a24_args_keys(&lists, NULL); /* an empty list adds nothing */
    a24_args_key(&single, "a24:schedule");
    a24_args_key(&single, "a24:alerts");
    a24_args_str(&single, "100");
    a24_args_str(&single, "");
    a24_args_str(&single, "a24:t:");
    assert_int_equal(a24_args_nkeys(&lists), 2);
    assert_int_equal(a24_args_nargs(&lists), 3);
    size_t len_lists, len_single;
    char *a = a24_args_command(&lists, "FCALL", "a24_deadline_fire", &len_lists);
    char *b = a24_args_command(&single, "FCALL", "a24_deadline_fire", &len_single);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(len_lists, len_single);
    assert_memory_equal(a, b, len_single);
    free(a);
    free(b);
    a24_args_dispose(&lists);
    a24_args_dispose(&single);
}

A24_UNIT_MAIN(cmocka_unit_test(args_lists_add_in_order_as_one_by_one))
