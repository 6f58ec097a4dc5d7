/* Unit tests of proto/store's redis.url reading: hosts, sockets, credentials, redaction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "a24unit.h"
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

/* A folded redis+sentinel:// URL: the sentinels, the master name, both passwords. */
static void store_url_sentinels(void **state)
{
    (void)state;
    a24_redis_target_t t;
    char err[600], shown[512];
    const char *url = "redis+sentinel://u:p%40w@127.0.0.1:26479,[::1]:26480/2?master=desk"
                      "&sentinel_password=s%20p";
    assert_int_equal(a24_store_parse_url(url, &t, err, sizeof err), 0);
    assert_int_equal(t.nsentinels, 2);
    assert_string_equal(t.sentinels[0].host, "127.0.0.1");
    assert_int_equal(t.sentinels[0].port, 26479);
    assert_string_equal(t.sentinels[1].host, "::1");
    assert_int_equal(t.sentinels[1].port, 26480);
    assert_int_equal(t.db, 2);
    assert_string_equal(t.master_name, "desk");
    assert_string_equal(t.sentinel_password, "s p");
    assert_string_equal(t.username, "u");
    assert_string_equal(t.password, "p@w");
    assert_string_equal(t.host, "");
    assert_int_equal(a24_store_parse_url("redis+sentinel://h:1?master=m", &t, err, sizeof err), 0);
    assert_int_equal(t.nsentinels, 1);
    assert_string_equal(t.sentinel_password, "");
    a24_store_redact_url(url, shown, sizeof shown);
    assert_string_equal(shown, "redis+sentinel://***@127.0.0.1:26479,[::1]:26480/2?master=desk"
                               "&sentinel_password=***");
    const char *bad[] = {"redis+sentinel://h:1/0", "redis+sentinel://h/0?master=m",
                         "redis+sentinel://?master=m",
                         "redis+sentinel://h:1/0?master=", "redis+sentinel://h:1,/0?master=m"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(a24_store_parse_url(bad[i], &t, err, sizeof err), -1);
}

A24_UNIT_MAIN(cmocka_unit_test(store_url_plain), cmocka_unit_test(store_url_credentials),
              cmocka_unit_test(store_url_errors_hide_the_password),
              cmocka_unit_test(store_url_sentinels))
