/* Unit tests of proto/secret: the key file, ids, access codes, sealing and tags. */
#include <sodium.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "a24unit.h"
#include "keyring.h"
#include "secret.h"

static char dir[64];
static char key_path[128];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/a24-secret-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(key_path, sizeof key_path, "%s/sub/secret.key", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(key_path);
    char ring[160];
    a24_keyring_path(key_path, ring, sizeof ring);
    unlink(ring);
    char sub[96];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    rmdir(sub);
    rmdir(dir);
    return 0;
}

/* Loads the test's key into `s`; the test fails if it does not load. */
static void load_secrets(a24_secrets_t *s)
{
    char err[256];
    if (a24_secrets_load(s, key_path, err, sizeof err) != 0)
        fail_msg("%s", err);
}

static void secret_key_file_created_private_and_reused(void **state)
{
    (void)state;
    a24_secrets_t a, b;
    char err[256];
    assert_int_equal(a24_secrets_load(&a, key_path, err, sizeof err), 0);
    struct stat st;
    assert_int_equal(stat(key_path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, 32);
    assert_int_equal(a24_secrets_load(&b, key_path, err, sizeof err), 0);
    /* The same key file gives the same subkeys. */
    assert_memory_equal(&a, &b, offsetof(a24_secrets_t, ring));
    assert_memory_not_equal(a.seal, a.code, 32); /* one subkey per purpose */
    assert_memory_not_equal(a.body, a.idem, 32);
    /* The idempotency record's digest of a body is keyed: not the plain hash. */
    unsigned char keyed[A24_HASH_LEN], plain[A24_HASH_LEN];
    a24_secret_body_digest(&a, "{\"text\":\"x\"}", 12, keyed);
    crypto_generichash(plain, sizeof plain, (const unsigned char *)"{\"text\":\"x\"}", 12, NULL, 0);
    assert_memory_not_equal(keyed, plain, A24_HASH_LEN);
    a24_secrets_dispose(&b);
    chmod(key_path, 0644);
    assert_int_equal(a24_secrets_load(&b, key_path, err, sizeof err), -1);
    assert_non_null(strstr(err, "readable by others"));
    a24_secrets_dispose(&a);
    a24_secrets_dispose(&b);
}

static void secret_ids_and_codes_have_their_shape(void **state)
{
    (void)state;
    char id[A24_TICKET_ID_LEN + 1], other[A24_TICKET_ID_LEN + 1];
    a24_secret_ticket_id(id);
    a24_secret_ticket_id(other);
    assert_int_equal(strlen(id), A24_TICKET_ID_LEN);
    assert_true(a24_secret_ticket_id_valid(id, strlen(id)));
    assert_string_not_equal(id, other);
    assert_false(a24_secret_ticket_id_valid("ABCDEFGHJKMNPQRS", 16)); /* upper case */
    assert_false(a24_secret_ticket_id_valid("0123456789abcdeu", 16)); /* no u */
    assert_false(a24_secret_ticket_id_valid("0123", 4));

    char code[A24_CODE_TEXT_LEN + 1], canon[A24_CODE_CHARS + 1];
    a24_secret_access_code(code);
    assert_int_equal(strlen(code), 34); /* 7 groups of 4 with dashes */
    for (int g = 1; g < 7; g++)
        assert_int_equal(code[g * 5 - 1], '-');
    assert_int_equal(a24_secret_code_canonical(code, strlen(code), canon), 0);
    assert_int_equal(strlen(canon), A24_CODE_CHARS);
}

static void secret_code_read_back_forgivingly_and_verified(void **state)
{
    (void)state;
    a24_secrets_t s;
    load_secrets(&s);
    const char *code = "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345";
    unsigned char stored[A24_HASH_LEN];
    assert_int_equal(a24_secret_code_hash(&s, code, strlen(code), stored), 0);
    /* Case, spaces and dashes do not matter; I and L read as 1, O as 0. */
    const char *same[] = {"abcdefghjkmnpqrstvwxyz012345", " abcd efgh jkmn pqrs tvwx yz01 2345 ",
                          "ABCD-EFGH-JKMN-PQRS-TVWX-YZOI-2345"};
    for (size_t i = 0; i < 3; i++)
        assert_true(a24_secret_code_verify(&s, same[i], strlen(same[i]), stored, sizeof stored));
    const char *wrong[] = {"ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2346", "ABCD", "",
                           "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345-0000",
                           "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-234U"};
    for (size_t i = 0; i < 5; i++)
        assert_false(a24_secret_code_verify(&s, wrong[i], strlen(wrong[i]), stored, sizeof stored));
    assert_false(a24_secret_code_verify(&s, code, strlen(code), stored, 16));
    assert_false(a24_secret_code_verify(&s, code, strlen(code), NULL, 0));
    a24_secrets_dispose(&s);
}

static void secret_sealed_text_opens_only_for_its_ticket(void **state)
{
    (void)state;
    a24_secrets_t s;
    load_secrets(&s);
    const char *text = "잠을 못 자요";
    size_t len = strlen(text);
    unsigned char sealed[64], again[64], plain[64];
    a24_secret_seal(&s, "ticketaaaaaaaaaa", text, len, sealed);
    a24_secret_seal(&s, "ticketaaaaaaaaaa", text, len, again);
    assert_memory_not_equal(sealed, again, len + A24_SEAL_OVERHEAD); /* fresh nonce */
    assert_null(memmem(sealed, len + A24_SEAL_OVERHEAD, text, len));
    long n = a24_secret_open(&s, "ticketaaaaaaaaaa", sealed, len + A24_SEAL_OVERHEAD, plain);
    assert_int_equal(n, (long)len);
    assert_memory_equal(plain, text, len);
    /* Moved to another ticket, altered, or cut short: it does not open. */
    assert_int_equal(
        a24_secret_open(&s, "ticketbbbbbbbbbb", sealed, len + A24_SEAL_OVERHEAD, plain), -1);
    sealed[30] ^= 1;
    assert_int_equal(
        a24_secret_open(&s, "ticketaaaaaaaaaa", sealed, len + A24_SEAL_OVERHEAD, plain), -1);
    assert_int_equal(a24_secret_open(&s, "ticketaaaaaaaaaa", sealed, 10, plain), -1);
    a24_secrets_dispose(&s);
}

static void secret_client_tags_hide_and_rotate(void **state)
{
    (void)state;
    a24_secrets_t s;
    load_secrets(&s);
    struct sockaddr_in a = {.sin_family = AF_INET}, b = {.sin_family = AF_INET};
    inet_pton(AF_INET, "203.0.113.7", &a.sin_addr);
    inet_pton(AF_INET, "203.0.113.8", &b.sin_addr);
    char t1[A24_TAG_LEN + 1], t2[A24_TAG_LEN + 1], t3[A24_TAG_LEN + 1], t4[A24_TAG_LEN + 1];
    a24_secret_client_tag(&s, (struct sockaddr *)&a, 20000, t1);
    a24_secret_client_tag(&s, (struct sockaddr *)&a, 20000, t2);
    a24_secret_client_tag(&s, (struct sockaddr *)&a, 20001, t3);
    a24_secret_client_tag(&s, (struct sockaddr *)&b, 20000, t4);
    assert_string_equal(t1, t2);     /* stable within a day */
    assert_string_not_equal(t1, t3); /* unlinkable across days */
    assert_string_not_equal(t1, t4);
    assert_null(strstr(t1, "203"));
    /* An IPv6 client is one /64. */
    struct sockaddr_in6 x = {.sin6_family = AF_INET6}, y = {.sin6_family = AF_INET6};
    inet_pton(AF_INET6, "2001:db8:1:2::1", &x.sin6_addr);
    inet_pton(AF_INET6, "2001:db8:1:2::ffff", &y.sin6_addr);
    a24_secret_client_tag(&s, (struct sockaddr *)&x, 20000, t1);
    a24_secret_client_tag(&s, (struct sockaddr *)&y, 20000, t2);
    assert_string_equal(t1, t2);
    a24_secrets_dispose(&s);
}

/* Rotates the ring of the test's key file: adds a key created at `now`. */
static void rotate(int64_t now)
{
    a24_keyring_t r;
    char path[160], err[256];
    a24_keyring_path(key_path, path, sizeof path);
    assert_int_equal(a24_keyring_read(&r, path, err, sizeof err), 0);
    assert_int_equal(a24_keyring_add(&r, now, err, sizeof err), 0);
    assert_int_equal(a24_keyring_write(&r, err, sizeof err), 0);
    a24_keyring_wipe(&r);
}

/* Drops what retention allows before `before`; returns how many went. */
static size_t drop(int64_t before, bool (*in_use)(int64_t, void *))
{
    a24_keyring_t r;
    char path[160], err[256];
    uint32_t dropped[A24_KEYRING_MAX + 1];
    a24_keyring_path(key_path, path, sizeof path);
    assert_int_equal(a24_keyring_read(&r, path, err, sizeof err), 0);
    size_t n = a24_keyring_drop(&r, before, in_use, NULL, dropped);
    assert_int_equal(a24_keyring_write(&r, err, sizeof err), 0);
    a24_keyring_wipe(&r);
    return n;
}

static bool always_in_use(int64_t successor_created, void *arg)
{
    (void)successor_created, (void)arg;
    return true;
}

#define T "ticketaaaaaaaaaa"

/* Seals `text` and returns its sealed length. */
static size_t seal(a24_secrets_t *s, const char *text, unsigned char *out)
{
    a24_secret_seal(s, T, text, strlen(text), out);
    return strlen(text) + A24_SEAL_OVERHEAD;
}

/* True if `sealed` opens to `text`. */
static bool opens(a24_secrets_t *s, const unsigned char *sealed, const char *text)
{
    unsigned char plain[128];
    long n = a24_secret_open(s, T, sealed, strlen(text) + A24_SEAL_OVERHEAD, plain);
    return n == (long)strlen(text) && memcmp(plain, text, strlen(text)) == 0;
}

static void secret_texts_open_across_rotation(void **state)
{
    (void)state;
    a24_secrets_t s;
    load_secrets(&s);
    unsigned char k0[128], k1[128], k2[128];
    seal(&s, "before any rotation", k0);
    assert_false(k0[0] == 0xa2 && k0[1] == 0x4b && k0[5] == 1);

    rotate(1000);
    a24_secrets_reload(&s);
    seal(&s, "under key one", k1);
    assert_int_equal(k1[0], 0xa2); /* the key id rides in the nonce */
    assert_int_equal(k1[5], 1);
    assert_true(opens(&s, k1, "under key one"));
    assert_true(opens(&s, k0, "before any rotation")); /* texts without an id: key 0 */

    /* Another process rotates: seen within a second without being told. */
    rotate(2000);
    usleep(1100 * 1000);
    seal(&s, "under key two", k2);
    assert_int_equal(k2[5], 2);
    assert_true(opens(&s, k0, "before any rotation"));
    assert_true(opens(&s, k1, "under key one"));
    assert_true(opens(&s, k2, "under key two"));

    /* A fresh load (a restarted program) opens all three. */
    a24_secrets_t t;
    load_secrets(&t);
    assert_true(opens(&t, k0, "before any rotation") && opens(&t, k1, "under key one"));
    a24_secrets_dispose(&t);

    /* A key whose successor is not yet past retention stays; so does one still needed. */
    assert_int_equal(drop(999, NULL), 0);
    assert_int_equal(drop(5000, always_in_use), 0);
    a24_secrets_reload(&s);
    assert_true(opens(&s, k0, "before any rotation") && opens(&s, k1, "under key one"));

    /* Key 0's successor is past retention: key 0 retires, key 1 stays. */
    assert_int_equal(drop(1500, NULL), 1);
    a24_secrets_reload(&s);
    assert_false(opens(&s, k0, "before any rotation"));
    assert_true(opens(&s, k1, "under key one"));
    /* Key 1's successor too: key 1 goes; the sealing key never does. */
    assert_int_equal(drop(1000000, NULL), 1);
    a24_secrets_reload(&s);
    assert_false(opens(&s, k1, "under key one"));
    assert_true(opens(&s, k2, "under key two"));
    assert_int_equal(drop(INT64_MAX, NULL), 0);
    a24_secrets_dispose(&s);
}

static void secret_key_ring_private(void **state)
{
    (void)state;
    a24_secrets_t s;
    char err[256], path[160];
    assert_int_equal(a24_secrets_load(&s, key_path, err, sizeof err), 0);
    a24_secrets_dispose(&s);
    rotate(1000);
    a24_keyring_path(key_path, path, sizeof path);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    chmod(path, 0644);
    assert_int_equal(a24_secrets_load(&s, key_path, err, sizeof err), -1);
    assert_non_null(strstr(err, "readable by others"));
    chmod(path, 0600);
    FILE *f = fopen(path, "a");
    fputs("1 5 00\n", f);
    fclose(f);
    assert_int_equal(a24_secrets_load(&s, key_path, err, sizeof err), -1);
    assert_non_null(strstr(err, path));
}

static const struct CMUnitTest tests[] = {
    A24_UNIT_TEST(secret_key_file_created_private_and_reused),
    cmocka_unit_test(secret_ids_and_codes_have_their_shape),
    A24_UNIT_TEST(secret_code_read_back_forgivingly_and_verified),
    A24_UNIT_TEST(secret_sealed_text_opens_only_for_its_ticket),
    A24_UNIT_TEST(secret_client_tags_hide_and_rotate),
    A24_UNIT_TEST(secret_texts_open_across_rotation),
    A24_UNIT_TEST(secret_key_ring_private),
};

A24_UNIT_RUN(tests)
