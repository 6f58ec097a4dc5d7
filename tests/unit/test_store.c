/* Unit tests of proto/store's redis.url reading: hosts, sockets, credentials, redaction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "a24unit.h"
#include "store.h"

/* A URL and what it reads as: NULL and -1 are not checked. */
struct url_case {
    const char *url, *unix_path, *host, *username, *password;
    int port, db;
};

/* Fails unless every case's URL reads as the case says. */
static void check_urls(const struct url_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct url_case *c = &cases[i];
        a24_redis_target_t t;
        char err[600];
        if (a24_store_parse_url(c->url, &t, err, sizeof err) != 0)
            fail_msg("%s: %s", c->url, err);
        if (c->unix_path != NULL)
            assert_string_equal(t.unix_path, c->unix_path);
        if (c->host != NULL)
            assert_string_equal(t.host, c->host);
        if (c->username != NULL)
            assert_string_equal(t.username, c->username);
        if (c->password != NULL)
            assert_string_equal(t.password, c->password);
        if (c->port >= 0)
            assert_int_equal(t.port, c->port);
        if (c->db >= 0)
            assert_int_equal(t.db, c->db);
    }
}

static void store_url_plain(void **state)
{
    static const struct url_case cases[] = {
        {"redis://10.0.0.5:6380/2", NULL, "10.0.0.5", "", "", 6380, 2},
        {"redis://localhost", NULL, NULL, NULL, NULL, 6379, 0},
        {"unix:///run/redis.sock", "/run/redis.sock", "", NULL, NULL, -1, -1},
    };
    (void)state;
    check_urls(cases, sizeof cases / sizeof cases[0]);
}

/* A user, and a password with escaped ':', '@' and '/' (and a raw '@'). */
static void store_url_credentials(void **state)
{
    static const struct url_case cases[] = {
        {"redis://:pw@127.0.0.1:6479/0", NULL, "127.0.0.1", "", "pw", -1, -1},
        {"redis://answer24:a%3Ab%40c%2Fd@e@h:1/3", NULL, "h", "answer24", "a:b@c/d@e", 1, 3},
        {"unix://u:p@/tmp/r.sock", "/tmp/r.sock", NULL, "u", "p", -1, -1},
    };
    (void)state;
    check_urls(cases, sizeof cases / sizeof cases[0]);
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
