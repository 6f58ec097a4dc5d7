/*
 * account: staff accounts and session tokens: the rules every program shares.
 *
 * An account is the hash a24:user:<username> {role, categories, languages,
 * display_name, pw, disabled, created} plus its name in the set a24:users (keys.h).
 * answer24ctl creates and changes accounts; answer24-web reads them to sign staff in
 * and to check every staff request. Both take their rules from here, so a name the
 * tool accepts is a name the front end accepts.
 *
 * - Usernames: 1..A24_USERNAME_MAX characters of [a-z0-9._-].
 * - Roles: one of expert, supervisor, oncall, admin, carried as one A24_ROLE_* bit so a
 *   route states the roles it admits as a mask.
 * - Categories and languages: comma lists of names from a24_categories and
 *   a24_languages (ticket.h), stored in that table's order; in memory a bit set where
 *   bit i stands for element i of the table.
 * - Passwords: at least A24_PASSWORD_MIN_CHARS characters of valid UTF-8 and at most
 *   A24_PASSWORD_MAX_BYTES bytes, no NUL or line breaks; stored only as a libsodium
 *   Argon2id string (crypto_pwhash_str, the INTERACTIVE limits or stronger).
 * - Session tokens: 32 random bytes in unpadded base64url (A24_TOKEN_LEN = 43
 *   characters, one spelling per token). Redis only ever sees a keyed BLAKE2b hash of a
 *   token (the secrets' `token` subkey), as 64 hex characters: the session id.
 *
 * Must never: accept an access code (28 Crockford characters, or 34 with dashes) as a
 * token; log or store a token or a password; return early from a password check in a
 * way that tells an unknown account from a wrong password.
 */
#ifndef A24_ACCOUNT_H
#define A24_ACCOUNT_H

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "secret.h"

#define A24_USERNAME_MAX 64
#define A24_PASSWORD_MIN_CHARS 10
#define A24_PASSWORD_MAX_BYTES 1024
#define A24_DISPLAY_NAME_MAX_CHARS 80
#define A24_DISPLAY_NAME_MAX_BYTES (A24_DISPLAY_NAME_MAX_CHARS * 4)
#define A24_PWHASH_LEN 128      /* crypto_pwhash_STRBYTES, with the NUL */
#define A24_SESSION_ID_LEN 64   /* hex characters of a token's keyed hash */
#define A24_ACCOUNT_LIST_MAX 96 /* room for every category, comma-separated, and a NUL */

/** The roles, one bit each, so that a route can admit several at once. */
enum {
    A24_ROLE_EXPERT = 1u << 0,
    A24_ROLE_SUPERVISOR = 1u << 1,
    A24_ROLE_ONCALL = 1u << 2,
    A24_ROLE_ADMIN = 1u << 3,
};
#define A24_ROLES_ANY (A24_ROLE_EXPERT | A24_ROLE_SUPERVISOR | A24_ROLE_ONCALL | A24_ROLE_ADMIN)

/** The stored name of a role bit ("expert", ...), or NULL for anything but one known bit. */
const char *a24_role_name(unsigned role);

/** The role bit called `name` (`len` bytes), or 0 if there is no such role. */
unsigned a24_role_parse(const char *name, size_t len);

/** True if `name` (`len` bytes) is a well-formed username. */
bool a24_account_username_valid(const char *name, size_t len);

/**
 * Reads a comma list of names from `allowed` (a NULL-terminated table such as
 * a24_categories) into a bit set. Spaces around names are ignored; an empty text is
 * the empty set. Returns 0, or -1 if a name is not in the table or the list has an
 * empty element ("a,,b"); `*bits` then still holds the names that were known.
 */
int a24_account_list_parse(const char *text, size_t len, const char *const *allowed,
                           unsigned *bits);

/** Writes the bit set as its canonical comma list (table order) into `out`. */
void a24_account_list_format(unsigned bits, const char *const *allowed, char *out, size_t outlen);

/** The bit set as a JSON array of names in table order (a new reference; NULL if no memory). */
json_t *a24_account_list_json(unsigned bits, const char *const *allowed);

/**
 * The reply of user_list.lua as a JSON array of accounts {"username", "role",
 * "categories": [...], "languages": [...], "display_name", "disabled", "created_at"}
 * (never the password hash). A new reference, or NULL if `rows` is not an array or
 * memory ran out.
 */
json_t *a24_account_rows_json(const redisReply *rows);

/**
 * Checks a new password against the rules above. Returns 0, or -1 with `*why` set to
 * a sentence for the operator.
 */
int a24_account_password_check(const char *pw, size_t len, const char **why);

/**
 * Hashes a password with Argon2id (the INTERACTIVE limits) into `out`, a NUL-ended
 * string. Returns 0, or -1 when out of memory. Takes some 50-100 ms of CPU and 64 MiB.
 */
int a24_account_password_hash(const char *pw, size_t len, char out[A24_PWHASH_LEN]);

/**
 * True if `pw` matches the Argon2id string `stored`. With `stored` NULL (no such
 * account, or a disabled one) the password is checked against a fixed dummy hash of
 * the same cost and the answer is false, so both cases take the same time. CPU heavy:
 * call it on a worker thread (uv_queue_work), never on the event loop.
 */
bool a24_account_password_verify(const char *stored, const char *pw, size_t len);

/** A new session token: A24_TOKEN_LEN base64url characters and a NUL. */
void a24_account_token_new(char out[A24_TOKEN_LEN + 1]);

/**
 * True if `tok` (`len` bytes) has the exact shape of a token: A24_TOKEN_LEN characters
 * of unpadded base64url decoding to 32 bytes, in its one canonical spelling. An access
 * code never has this shape.
 */
bool a24_account_token_valid(const char *tok, size_t len);

/**
 * The session id of a token: its keyed hash under the secrets' token subkey, as
 * A24_SESSION_ID_LEN hex characters and a NUL. Returns 0, or -1 if `tok` is not
 * a24_account_token_valid.
 */
int a24_account_token_hash(const a24_secrets_t *s, const char *tok, size_t len,
                           char out[A24_SESSION_ID_LEN + 1]);

#endif
