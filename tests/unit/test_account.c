/*
 * Unit tests of proto/account.c: usernames, roles, category and language lists,
 * password rules and hashing, the token's shape and keyed hash, and the rule that an
 * access code is never a token.
 *
 * Pure logic: no Redis, no files. One Argon2id hash is made (about 100 ms, more under
 * the sanitizers); everything else is instant.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "account.h"
#include "secret.h"
#include "ticket.h"

#define STR(s) (s), strlen(s)

/* ---------------------------------------------------------------- names and roles */

/* 1..64 characters of [a-z0-9._-]; nothing else, no upper case, no empty name. */
static void account_username_rules(void **state)
{
    (void)state;
    assert_true(a24_account_username_valid(STR("kim")));
    assert_true(a24_account_username_valid(STR("dr.kim_2-a")));
    assert_true(a24_account_username_valid(STR("-")));
    char longest[A24_USERNAME_MAX + 2];
    memset(longest, 'a', sizeof longest);
    assert_true(a24_account_username_valid(longest, A24_USERNAME_MAX));
    assert_false(a24_account_username_valid(longest, A24_USERNAME_MAX + 1));
    assert_false(a24_account_username_valid(STR("")));
    assert_false(a24_account_username_valid(NULL, 0));
    assert_false(a24_account_username_valid(STR("Kim")));
    assert_false(a24_account_username_valid(STR("kim lee")));
    assert_false(a24_account_username_valid(STR("kim:sessions")));
    assert_false(a24_account_username_valid(STR("kim/..")));
    assert_false(a24_account_username_valid(STR("!")));
    assert_false(a24_account_username_valid(STR("\xea\xb9\x80"))); /* a Hangul syllable */
    assert_false(a24_account_username_valid("ki\0m", 4));
}

/* The four roles round-trip through their names; anything else is no role. */
static void account_role_names(void **state)
{
    (void)state;
    static const char *const names[] = {"expert", "supervisor", "oncall", "admin"};
    unsigned seen = 0;
    for (size_t i = 0; i < 4; i++) {
        unsigned bit = a24_role_parse(STR(names[i]));
        assert_int_not_equal(bit, 0);
        assert_int_equal(bit & (bit - 1), 0); /* one bit */
        assert_int_equal(seen & bit, 0);
        seen |= bit;
        assert_string_equal(a24_role_name(bit), names[i]);
    }
    assert_int_equal(seen, A24_ROLES_ANY);
    assert_int_equal(a24_role_parse(STR("Expert")), 0);
    assert_int_equal(a24_role_parse(STR("root")), 0);
    assert_int_equal(a24_role_parse(STR("")), 0);
    assert_int_equal(a24_role_parse("expertx", 6), A24_ROLE_EXPERT); /* length counts */
    assert_null(a24_role_name(0));
    assert_null(a24_role_name(A24_ROLE_EXPERT | A24_ROLE_ADMIN));
    assert_null(a24_role_name(1u << 9));
}

/* ---------------------------------------------------------------- lists */

/* Categories and languages come from ticket.h's tables, and only from them. */
static void account_list_validation(void **state)
{
    (void)state;
    unsigned bits;
    assert_int_equal(a24_account_list_parse(STR("depression,anxiety"), a24_categories, &bits), 0);
    assert_int_equal(bits, 3u);
    assert_int_equal(a24_account_list_parse(STR(" other , sleep "), a24_categories, &bits), 0);
    assert_int_equal(a24_account_list_parse(STR(""), a24_categories, &bits), 0);
    assert_int_equal(bits, 0u);
    assert_int_equal(a24_account_list_parse(STR("ko,en"), a24_languages, &bits), 0);
    assert_int_equal(bits, 1u | 4u);

    assert_int_equal(a24_account_list_parse(STR("all"), a24_categories, &bits), -1);
    assert_int_equal(a24_account_list_parse(STR("Depression"), a24_categories, &bits), -1);
    assert_int_equal(a24_account_list_parse(STR("ko,,en"), a24_languages, &bits), -1);
    assert_int_equal(a24_account_list_parse(STR("ko,"), a24_languages, &bits), -1);
    assert_int_equal(a24_account_list_parse(STR("ko,jp"), a24_languages, &bits), -1);
    assert_int_equal(bits, 1u); /* the known name still counts */
    assert_int_equal(a24_account_list_parse(STR("ko"), a24_categories, &bits), -1);
}

/* Formatting gives the canonical list in table order, whatever order was typed. */
static void account_list_canonical(void **state)
{
    (void)state;
    unsigned bits;
    char out[A24_ACCOUNT_LIST_MAX];
    assert_int_equal(a24_account_list_parse(STR("en,ko,en"), a24_languages, &bits), 0);
    a24_account_list_format(bits, a24_languages, out, sizeof out);
    assert_string_equal(out, "ko,en");
    a24_account_list_format(0, a24_languages, out, sizeof out);
    assert_string_equal(out, "");
    a24_account_list_format(~0u, a24_categories, out, sizeof out);
    assert_string_equal(out, "depression,anxiety,stress,sleep,family,disaster,other");
    char small[12];
    a24_account_list_format(~0u, a24_categories, small, sizeof small);
    assert_string_equal(small, "depression"); /* never a cut-off name */

    json_t *arr = a24_account_list_json(bits, a24_languages);
    assert_int_equal(json_array_size(arr), 2);
    assert_string_equal(json_string_value(json_array_get(arr, 0)), "ko");
    json_decref(arr);
}

/* ---------------------------------------------------------------- passwords */

/* At least 10 characters (not bytes), at most 1024 bytes, UTF-8, no NUL or line breaks. */
static void account_password_rules(void **state)
{
    (void)state;
    const char *why = NULL;
    assert_int_equal(a24_account_password_check(STR("correct-horse"), &why), 0);
    assert_int_equal(a24_account_password_check(STR("0123456789"), &why), 0);
    assert_int_equal(a24_account_password_check(STR("012345678"), &why), -1);
    assert_non_null(why);
    /* Nine Hangul syllables are 27 bytes but 9 characters: too short. */
    char hangul[64] = "";
    for (int i = 0; i < 9; i++)
        strcat(hangul, "\xea\xb9\x80");
    assert_int_equal(a24_account_password_check(STR(hangul), &why), -1);
    strcat(hangul, "\xea\xb9\x80");
    assert_int_equal(a24_account_password_check(STR(hangul), &why), 0);
    assert_int_equal(a24_account_password_check(STR("abcdefghij\xff"), &why), -1);
    assert_int_equal(a24_account_password_check(STR("abcdefghij\xc0\x80"), &why), -1);
    assert_int_equal(a24_account_password_check(STR("abcdefghij\xed\xa0\x80"), &why), -1);
    assert_int_equal(a24_account_password_check(STR("abcdefghij\n"), &why), -1);
    assert_int_equal(a24_account_password_check("abcdefghij\0k", 12, &why), -1);
    char big[A24_PASSWORD_MAX_BYTES + 1];
    memset(big, 'x', sizeof big);
    assert_int_equal(a24_account_password_check(big, A24_PASSWORD_MAX_BYTES, &why), 0);
    assert_int_equal(a24_account_password_check(big, sizeof big, &why), -1);
}

/* A hash is Argon2id at least at the INTERACTIVE cost and verifies only its password. */
static void account_password_hash_verify(void **state)
{
    (void)state;
    char hash[A24_PWHASH_LEN];
    assert_int_equal(a24_account_password_hash(STR("correct-horse"), hash), 0);
    assert_int_equal(strncmp(hash, "$argon2id$", 10), 0);
    assert_int_equal(crypto_pwhash_str_needs_rehash(hash, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                                    crypto_pwhash_MEMLIMIT_INTERACTIVE),
                     0);
    assert_true(a24_account_password_verify(hash, STR("correct-horse")));
    assert_false(a24_account_password_verify(hash, STR("correct-horsE")));
    assert_false(a24_account_password_verify(hash, STR("")));
    /* No account, or a stored value that is not a hash: checked against the dummy, false. */
    assert_false(a24_account_password_verify(NULL, STR("correct-horse")));
    assert_false(a24_account_password_verify("", STR("correct-horse")));
    assert_false(a24_account_password_verify("$2y$10$notargon", STR("correct-horse")));
}

/* ---------------------------------------------------------------- tokens */

/* New tokens are 43 base64url characters, valid, and never repeat. */
static void account_token_format(void **state)
{
    (void)state;
    char a[A24_TOKEN_LEN + 1], b[A24_TOKEN_LEN + 1];
    a24_account_token_new(a);
    a24_account_token_new(b);
    assert_int_equal(strlen(a), 43);
    assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                     43);
    assert_true(a24_account_token_valid(STR(a)));
    assert_true(a24_account_token_valid(STR(b)));
    assert_string_not_equal(a, b);
}

/* Only the exact shape passes: length, alphabet, padding and the one canonical spelling. */
static void account_token_shape_strict(void **state)
{
    (void)state;
    char t[A24_TOKEN_LEN + 2];
    a24_account_token_new(t);
    assert_true(a24_account_token_valid(t, 43));
    assert_false(a24_account_token_valid(t, 42));
    assert_false(a24_account_token_valid(NULL, 0));
    assert_false(a24_account_token_valid("", 0));

    char bad[A24_TOKEN_LEN + 2];
    memcpy(bad, t, sizeof bad);
    bad[43] = 'A', bad[44] = '\0';
    assert_false(a24_account_token_valid(bad, 44)); /* too long */
    memcpy(bad, t, 44);
    bad[10] = '+'; /* standard base64, not base64url */
    assert_false(a24_account_token_valid(bad, 43));
    bad[10] = '/';
    assert_false(a24_account_token_valid(bad, 43));
    bad[10] = ' ';
    assert_false(a24_account_token_valid(bad, 43));
    memcpy(bad, t, 44);
    bad[42] = '=';
    assert_false(a24_account_token_valid(bad, 43));
    /* 43 characters carry 258 bits: the last one's two low bits must be zero. */
    assert_true(a24_account_token_valid(STR("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")));
    assert_false(a24_account_token_valid(STR("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB")));
    assert_true(a24_account_token_valid(STR("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE")));
}

/* An access code, as shown or as canonical text, is never taken for a token. */
static void account_access_code_is_not_a_token(void **state)
{
    (void)state;
    for (int i = 0; i < 50; i++) {
        char shown[A24_CODE_TEXT_LEN + 1], canonical[A24_CODE_CHARS + 1];
        a24_secret_access_code(shown);
        assert_int_equal(a24_secret_code_canonical(STR(shown), canonical), 0);
        assert_false(a24_account_token_valid(STR(shown)));
        assert_false(a24_account_token_valid(STR(canonical)));
        a24_secrets_t keys;
        memset(&keys, 7, sizeof keys);
        char session[A24_SESSION_ID_LEN + 1];
        assert_int_equal(a24_account_token_hash(&keys, STR(shown), session), -1);
        assert_int_equal(a24_account_token_hash(&keys, STR(canonical), session), -1);
    }
}

/* The session id is a keyed hash: 64 hex characters, stable, and different per key. */
static void account_token_keyed_hash(void **state)
{
    (void)state;
    a24_secrets_t k1, k2;
    memset(&k1, 1, sizeof k1);
    memset(&k2, 1, sizeof k2);
    k2.token[0] = 2;
    char t[A24_TOKEN_LEN + 1], h1[A24_SESSION_ID_LEN + 1], h1b[A24_SESSION_ID_LEN + 1],
        h2[A24_SESSION_ID_LEN + 1];
    a24_account_token_new(t);
    assert_int_equal(a24_account_token_hash(&k1, STR(t), h1), 0);
    assert_int_equal(a24_account_token_hash(&k1, STR(t), h1b), 0);
    assert_int_equal(a24_account_token_hash(&k2, STR(t), h2), 0);
    assert_int_equal(strlen(h1), 64);
    assert_int_equal(strspn(h1, "0123456789abcdef"), 64);
    assert_string_equal(h1, h1b);
    assert_string_not_equal(h1, h2);
    assert_null(strstr(h1, t)); /* the id does not carry the token */
    /* Only the token subkey matters: the others may change without logging anyone out. */
    k1.seal[0] ^= 0xff;
    assert_int_equal(a24_account_token_hash(&k1, STR(t), h1b), 0);
    assert_string_equal(h1, h1b);
}

/* ---------------------------------------------------------------- rows */

/* user_list.lua's rows become JSON accounts with lists as arrays and no password. */
static void account_rows_json_shape(void **state)
{
    (void)state;
    redisReply f[7] = {0};
    const char *v[] = {"kim", "expert",       "anxiety,depression,bogus", "en", "Dr. Kim",
                       "1",   "1700000000000"};
    redisReply *fp[7];
    for (int i = 0; i < 7; i++) {
        f[i].type = REDIS_REPLY_STRING;
        f[i].str = (char *)v[i];
        f[i].len = strlen(v[i]);
        fp[i] = &f[i];
    }
    redisReply row = {.type = REDIS_REPLY_ARRAY, .elements = 7, .element = fp};
    redisReply *rp[] = {&row};
    redisReply rows = {.type = REDIS_REPLY_ARRAY, .elements = 1, .element = rp};
    json_t *arr = a24_account_rows_json(&rows);
    assert_non_null(arr);
    assert_int_equal(json_array_size(arr), 1);
    json_t *u = json_array_get(arr, 0);
    assert_string_equal(json_string_value(json_object_get(u, "username")), "kim");
    assert_string_equal(json_string_value(json_object_get(u, "display_name")), "Dr. Kim");
    assert_true(json_is_true(json_object_get(u, "disabled")));
    json_t *cats = json_object_get(u, "categories");
    assert_int_equal(json_array_size(cats), 2); /* table order, unknown names dropped */
    assert_string_equal(json_string_value(json_array_get(cats, 0)), "depression");
    assert_string_equal(json_string_value(json_object_get(u, "created_at")),
                        "2023-11-14T22:13:20.000Z");
    assert_null(json_object_get(u, "pw"));
    json_decref(arr);
    redisReply notarray = {.type = REDIS_REPLY_NIL};
    assert_null(a24_account_rows_json(&notarray));
    assert_null(a24_account_rows_json(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(account_username_rules),
        cmocka_unit_test(account_role_names),
        cmocka_unit_test(account_list_validation),
        cmocka_unit_test(account_list_canonical),
        cmocka_unit_test(account_password_rules),
        cmocka_unit_test(account_password_hash_verify),
        cmocka_unit_test(account_token_format),
        cmocka_unit_test(account_token_shape_strict),
        cmocka_unit_test(account_access_code_is_not_a_token),
        cmocka_unit_test(account_token_keyed_hash),
        cmocka_unit_test(account_rows_json_shape),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
