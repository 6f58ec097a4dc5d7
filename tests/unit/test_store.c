/* Unit tests of proto/store's redis.url reading: hosts, sockets, credentials, redaction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "store.h"

static void store_url_plain(void **state)
{
    (void)state;
    a24_redis_target_t t;
    char err[600];
    assert_int_equal(a24_store_parse_url("redis://10.0.0.5:6380/2", &t, err, sizeof err), 0);
    assert_string_equal(t.host, "10.0.0.5");
    assert_int_equal(t.port, 6380);
    assert_int_equal(t.db, 2);
    assert_string_equal(t.username, "");
    assert_string_equal(t.password, "");
    assert_int_equal(a24_store_parse_url("redis://localhost", &t, err, sizeof err), 0);
    assert_int_equal(t.port, 6379);
    assert_int_equal(t.db, 0);
    assert_int_equal(a24_store_parse_url("unix:///run/redis.sock", &t, err, sizeof err), 0);
    assert_string_equal(t.unix_path, "/run/redis.sock");
    assert_string_equal(t.host, "");
}

static void store_url_credentials(void **state)
{
    (void)state;
    a24_redis_target_t t;
    char err[600];
    assert_int_equal(a24_store_parse_url("redis://:pw@127.0.0.1:6479/0", &t, err, sizeof err), 0);
    assert_string_equal(t.username, "");
    assert_string_equal(t.password, "pw");
    assert_string_equal(t.host, "127.0.0.1");
    /* A user, and a password with escaped ':', '@' and '/' (and a raw '@'). */
    assert_int_equal(
        a24_store_parse_url("redis://answer24:a%3Ab%40c%2Fd@e@h:1/3", &t, err, sizeof err), 0);
    assert_string_equal(t.username, "answer24");
    assert_string_equal(t.password, "a:b@c/d@e");
    assert_string_equal(t.host, "h");
    assert_int_equal(t.port, 1);
    assert_int_equal(t.db, 3);
    assert_int_equal(a24_store_parse_url("unix://u:p@/tmp/r.sock", &t, err, sizeof err), 0);
    assert_string_equal(t.unix_path, "/tmp/r.sock");
    assert_string_equal(t.password, "p");
    assert_string_equal(t.username, "u");
}

static void store_url_errors_hide_the_password(void **state)
{
    (void)state;
    a24_redis_target_t t;
    char err[600], shown[256];
    const char *bad[] = {"redis://:sekrit@host:99999/0", "http://:sekrit@host", "redis://:sekrit@",
                         "redis://:sekrit@host/x", "redis://:sek%00rit@host"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(a24_store_parse_url(bad[i], &t, err, sizeof err), -1);
        assert_non_null(strstr(err, "redis.url"));
        assert_null(strstr(err, "sekrit"));
        assert_null(strstr(err, "sek"));
        assert_string_equal(t.password, "");
    }
    a24_store_redact_url("redis://answer24:sekrit@h:1/0", shown, sizeof shown);
    assert_string_equal(shown, "redis://***@h:1/0");
    a24_store_redact_url("redis://h:1/0", shown, sizeof shown);
    assert_string_equal(shown, "redis://h:1/0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(store_url_plain),
        cmocka_unit_test(store_url_credentials),
        cmocka_unit_test(store_url_errors_hide_the_password),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
