/*
 * What the unit tests share: where the shipped data directory is, the setup that loads
 * something from it, and the main that runs a list of cmocka tests.
 */
#ifndef A24UNIT_H
#define A24UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

/* The shipped data directory: $A24_SOURCE_DIR/proto/data (ctest), else the build default. */
static inline const char *a24_unit_data_dir(void)
{
    static char dir[4096];
    const char *src = getenv("A24_SOURCE_DIR");
    if (src == NULL || src[0] == '\0')
        return A24_DEFAULT_DATA_DIR;
    snprintf(dir, sizeof dir, "%s/proto/data", src);
    return dir;
}

/* The path of `file` in the shipped data directory (a static buffer: use it at once). */
static inline const char *a24_unit_data_path(const char *file)
{
    static char path[4200];
    assert_true((size_t)snprintf(path, sizeof path, "%s/%s", a24_unit_data_dir(), file) <
                sizeof path);
    return path;
}

/*
 * Ends a cmocka setup that loaded something: keeps it as the test's state, or says why
 * the load (of `what`) failed and fails the setup.
 */
static inline int a24_unit_loaded(void **state, void *loaded, const char *what, const char *err)
{
    if (loaded == NULL)
        fprintf(stderr, "%s: %s\n", what, err);
    *state = loaded;
    return loaded == NULL ? -1 : 0;
}

/*
 * A test run with its file's own fixture: the static functions named setup and teardown
 * of the test program, called before and after that test alone.
 */
#define A24_UNIT_TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* The main of a test program that lists its tests in the array `tests`: runs them in order. */
#define A24_UNIT_RUN(tests)                                                                        \
    int main(void)                                                                                 \
    {                                                                                              \
        return cmocka_run_group_tests(tests, NULL, NULL);                                          \
    }

/* The main of a test program: runs the cmocka tests given, in order. */
#define A24_UNIT_MAIN(...)                                                                         \
    int main(void)                                                                                 \
    {                                                                                              \
        const struct CMUnitTest tests[] = {__VA_ARGS__};                                           \
        return cmocka_run_group_tests(tests, NULL, NULL);                                          \
    }

#endif
