/* Unit tests of proto/secret: the key file, ids, access codes, sealing and tags. */
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
    char sub[96];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    rmdir(sub);
    rmdir(dir);
    return 0;
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
    assert_memory_equal(&a, &b, sizeof a);       /* the same key file gives the same subkeys */
    assert_memory_not_equal(a.seal, a.code, 32); /* one subkey per purpose */
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
    char err[256];
    assert_int_equal(a24_secrets_load(&s, key_path, err, sizeof err), 0);
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
    char err[256];
    assert_int_equal(a24_secrets_load(&s, key_path, err, sizeof err), 0);
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
    char err[256];
    assert_int_equal(a24_secrets_load(&s, key_path, err, sizeof err), 0);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(secret_key_file_created_private_and_reused, setup,
                                        teardown),
        cmocka_unit_test(secret_ids_and_codes_have_their_shape),
        cmocka_unit_test_setup_teardown(secret_code_read_back_forgivingly_and_verified, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(secret_sealed_text_opens_only_for_its_ticket, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(secret_client_tags_hide_and_rotate, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
