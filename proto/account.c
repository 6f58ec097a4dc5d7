/*
 * account: names, roles, lists, password hashing and token shapes.
 *
 * Pure functions over libsodium and Jansson; no connection and no I/O, so the tool,
 * the front end and the unit tests share exactly one statement of each rule.
 *
 * Must never: keep a password or a token in memory it does not wipe, or compare a
 * secret with memcmp.
 */
#include "account.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ticket.h"

_Static_assert(A24_PWHASH_LEN == crypto_pwhash_STRBYTES, "A24_PWHASH_LEN must match libsodium");
_Static_assert(A24_TOKEN_LEN + 1 ==
                   sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
               "A24_TOKEN_LEN must be 32 bytes in unpadded base64url");

#define TOKEN_BYTES 32
#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING

/*
 * The hash a password is checked against when there is no account (or it is
 * disabled): Argon2id at the INTERACTIVE limits (t=2, m=64 MiB, p=1), the cost every
 * real hash has, made once from random bytes nobody kept. Its verification always
 * fails and takes as long as a real one.
 */
static const char dummy_hash[] = "$argon2id$v=19$m=65536,t=2,p=1$m/JVjyebOnZBETg67YRnlQ$"
                                 "zh4qhosfk40fRf7GQne7RJvh4InROAd3jL0hELkqBvM";

static const char *const role_names[] = {"expert", "supervisor", "oncall", "admin", NULL};

/* ---------------------------------------------------------------- roles and names */

const char *a24_role_name(unsigned role)
{
    for (unsigned i = 0; role_names[i] != NULL; i++)
        if (role == 1u << i)
            return role_names[i];
    return NULL;
}

unsigned a24_role_parse(const char *name, size_t len)
{
    for (unsigned i = 0; role_names[i] != NULL; i++)
        if (strlen(role_names[i]) == len && memcmp(role_names[i], name, len) == 0)
            return 1u << i;
    return 0;
}

bool a24_account_username_valid(const char *name, size_t len)
{
    if (name == NULL || len == 0 || len > A24_USERNAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* ---------------------------------------------------------------- lists */

int a24_account_list_parse(const char *text, size_t len, const char *const *allowed, unsigned *bits)
{
    *bits = 0;
    size_t i = 0;
    int rc = 0;
    while (i < len && text[i] == ' ')
        i++;
    if (i == len)
        return 0; /* the empty list */
    for (;;) {
        size_t start = i;
        while (i < len && text[i] != ',')
            i++;
        size_t end = i;
        while (start < end && text[start] == ' ')
            start++;
        while (end > start && text[end - 1] == ' ')
            end--;
        bool found = false;
        for (unsigned k = 0; allowed[k] != NULL && k < 32; k++) {
            if (strlen(allowed[k]) == end - start &&
                memcmp(allowed[k], text + start, end - start) == 0) {
                *bits |= 1u << k;
                found = true;
            }
        }
        if (!found)
            rc = -1; /* an unknown name, or an empty element; the rest still count */
        if (i == len)
            return rc;
        i++; /* past the comma */
    }
}

void a24_account_list_format(unsigned bits, const char *const *allowed, char *out, size_t outlen)
{
    size_t used = 0;
    if (outlen == 0)
        return;
    out[0] = '\0';
    for (unsigned k = 0; allowed[k] != NULL && k < 32; k++) {
        if (!(bits & (1u << k)))
            continue;
        int n = snprintf(out + used, outlen - used, "%s%s", used > 0 ? "," : "", allowed[k]);
        if (n < 0 || (size_t)n >= outlen - used) {
            out[used] = '\0'; /* never a cut-off name */
            return;
        }
        used += (size_t)n;
    }
}

json_t *a24_account_list_json(unsigned bits, const char *const *allowed)
{
    json_t *arr = json_array();
    for (unsigned k = 0; arr != NULL && allowed[k] != NULL && k < 32; k++)
        if (bits & (1u << k))
            json_array_append_new(arr, json_string(allowed[k]));
    return arr;
}

/* The string of field `i` of an account row ("" if it is missing or not a string). */
static const char *row_str(const redisReply *row, size_t i)
{
    if (row == NULL || row->type != REDIS_REPLY_ARRAY || i >= row->elements ||
        row->element[i]->type != REDIS_REPLY_STRING)
        return "";
    return row->element[i]->str;
}

json_t *a24_account_rows_json(const redisReply *rows)
{
    if (rows == NULL || rows->type != REDIS_REPLY_ARRAY)
        return NULL;
    json_t *arr = json_array();
    for (size_t i = 0; arr != NULL && i < rows->elements; i++) {
        const redisReply *row = rows->element[i];
        const char *cats = row_str(row, 2), *langs = row_str(row, 3);
        unsigned cbits, lbits;
        a24_account_list_parse(cats, strlen(cats), a24_categories, &cbits);
        a24_account_list_parse(langs, strlen(langs), a24_languages, &lbits);
        char created[A24_RFC3339_LEN];
        a24_clock_format(strtoll(row_str(row, 6), NULL, 10), created);
        json_t *o = json_pack(
            "{s:s, s:s, s:o, s:o, s:s, s:b, s:s}", "username", row_str(row, 0), "role",
            row_str(row, 1), "categories", a24_account_list_json(cbits, a24_categories),
            "languages", a24_account_list_json(lbits, a24_languages), "display_name",
            row_str(row, 4), "disabled", strcmp(row_str(row, 5), "1") == 0, "created_at", created);
        if (o != NULL && row->elements > 8) {
            bool on = strcmp(row_str(row, 7), "1") == 0;
            json_object_set_new(o, "on_duty", json_boolean(on));
            char since[A24_RFC3339_LEN];
            a24_clock_format(strtoll(row_str(row, 8), NULL, 10), since);
            json_object_set_new(o, "on_duty_since", on ? json_string(since) : json_null());
        }
        if (o == NULL || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* ---------------------------------------------------------------- passwords */

/*
 * Counts the code points of `s` if it is well-formed UTF-8 (no overlong forms,
 * surrogates or values past U+10FFFF); -1 otherwise.
 */
static long utf8_chars(const unsigned char *s, size_t len)
{
    long chars = 0;
    for (size_t i = 0; i < len; chars++) {
        unsigned c = s[i];
        size_t extra;
        unsigned min;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            extra = 1, min = 0x80, c &= 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2, min = 0x800, c &= 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3, min = 0x10000, c &= 0x07;
        } else {
            return -1;
        }
        if (len - i - 1 < extra)
            return -1;
        for (size_t k = 1; k <= extra; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return -1;
            c = (c << 6) | (s[i + k] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return -1;
        i += extra + 1;
    }
    return chars;
}

int a24_account_password_check(const char *pw, size_t len, const char **why)
{
    if (len > A24_PASSWORD_MAX_BYTES) {
        *why = "the password is longer than 1024 bytes";
        return -1;
    }
    if (memchr(pw, '\0', len) != NULL || memchr(pw, '\n', len) != NULL ||
        memchr(pw, '\r', len) != NULL) {
        *why = "the password may not contain NUL or line breaks";
        return -1;
    }
    long chars = utf8_chars((const unsigned char *)pw, len);
    if (chars < 0) {
        *why = "the password is not valid UTF-8";
        return -1;
    }
    if (chars < A24_PASSWORD_MIN_CHARS) {
        *why = "the password must have at least 10 characters";
        return -1;
    }
    return 0;
}

int a24_account_password_hash(const char *pw, size_t len, char out[A24_PWHASH_LEN])
{
    if (sodium_init() < 0)
        return -1;
    return crypto_pwhash_str_alg(out, pw, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                 crypto_pwhash_MEMLIMIT_INTERACTIVE,
                                 crypto_pwhash_ALG_ARGON2ID13) == 0
               ? 0
               : -1;
}

bool a24_account_password_verify(const char *stored, const char *pw, size_t len)
{
    bool real = stored != NULL && strncmp(stored, "$argon2id$", 10) == 0;
    /* Anything that is not a real hash is checked against the dummy: same cost, false. */
    int rc = crypto_pwhash_str_verify(real ? stored : dummy_hash, pw, len);
    return real && rc == 0;
}

/* ---------------------------------------------------------------- tokens */

void a24_account_token_new(char out[A24_TOKEN_LEN + 1])
{
    unsigned char raw[TOKEN_BYTES];
    if (sodium_init() < 0)
        abort(); /* no randomness: never hand out a guessable token */
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, A24_TOKEN_LEN + 1, raw, sizeof raw, B64);
    sodium_memzero(raw, sizeof raw);
}

bool a24_account_token_valid(const char *tok, size_t len)
{
    if (tok == NULL || len != A24_TOKEN_LEN)
        return false;
    unsigned char raw[TOKEN_BYTES];
    size_t rawlen = 0;
    const char *end = NULL;
    /* libsodium refuses stray characters and non-zero trailing bits: one spelling only. */
    int rc = sodium_base642bin(raw, sizeof raw, tok, len, NULL, &rawlen, &end, B64);
    sodium_memzero(raw, sizeof raw);
    return rc == 0 && rawlen == TOKEN_BYTES && end == tok + len;
}

int a24_account_token_hash(const a24_secrets_t *s, const char *tok, size_t len,
                           char out[A24_SESSION_ID_LEN + 1])
{
    if (!a24_account_token_valid(tok, len))
        return -1;
    unsigned char h[A24_SESSION_ID_LEN / 2];
    crypto_generichash(h, sizeof h, (const unsigned char *)tok, len, s->token, sizeof s->token);
    sodium_bin2hex(out, A24_SESSION_ID_LEN + 1, h, sizeof h);
    return 0;
}
