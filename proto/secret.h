/*
 * secret: ids, access codes, keyed hashes and sealing, all on libsodium.
 *
 * One 32-byte master key lives in a file (created with mode 0600 on first start);
 * every purpose gets its own subkey derived from it (crypto_kdf), so no key is used
 * for two things:
 *   - sealing texts at rest: XChaCha20-Poly1305 with the ticket id as associated
 *     data, so a sealed text moved to another ticket does not open;
 *   - the access code's keyed hash (BLAKE2b), compared in constant time;
 *   - client tags for rate limits: an HMAC of the address under a key that changes
 *     every UTC day, so no raw address is stored and tags do not link across days;
 *   - Idempotency-Key tags.
 *
 * Access codes are 28 characters of Crockford base32 (140 random bits), shown in
 * groups of four. Reading one back ignores case, spaces and dashes, and takes I and L
 * for 1 and O for 0, so a code read aloud or pasted from a chat still works.
 *
 * Must never: log a key, a code or an address; compare secrets with memcmp.
 */
#ifndef A24_SECRET_H
#define A24_SECRET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define A24_TICKET_ID_LEN 16 /* 80 random bits, lower-case Crockford base32 */
#define A24_CODE_CHARS 28    /* 140 random bits */
#define A24_CODE_TEXT_LEN (A24_CODE_CHARS + A24_CODE_CHARS / 4 - 1) /* with dashes */
#define A24_HASH_LEN 32
#define A24_TAG_LEN 32   /* hex characters of a client or idempotency tag */
#define A24_TOKEN_LEN 43 /* session tokens: 256 bits, base64url */

struct a24_keyring;

typedef struct {
    unsigned char seal[32]; /* key 0 of the texts: sealed texts without a key id */
    unsigned char code[32];
    unsigned char client[32];
    unsigned char idem[32];
    unsigned char token[32];
    unsigned char body[32];   /* keyed digests of request bodies (idempotency records) */
    struct a24_keyring *ring; /* the rotated text keys (keyring.h), looked at once a second */
} a24_secrets_t;

/**
 * Reads the master key from `key_file`, creating it (mode 0600, parent directory
 * 0700) with fresh random bytes if it does not exist, derives the subkeys and reads
 * the text key ring "<key_file>.ring" (keyring.h; absent: texts seal under key 0).
 * Returns 0, or -1 with one line in `err` (a key file of the wrong size or readable
 * by others is refused).
 */
int a24_secrets_load(a24_secrets_t *s, const char *key_file, char *err, size_t errlen);

/** Wipes the keys. */
void a24_secrets_dispose(a24_secrets_t *s);

/**
 * Reads the key ring again now if its file changed (seal and open do this on their own
 * at most once a second, so a rotation reaches running programs within a second).
 */
void a24_secrets_reload(a24_secrets_t *s);

/** A new random ticket id: A24_TICKET_ID_LEN characters and a NUL. */
void a24_secret_ticket_id(char out[A24_TICKET_ID_LEN + 1]);

/** True if `id` (`len` bytes) has the shape of a ticket id. */
bool a24_secret_ticket_id_valid(const char *id, size_t len);

/**
 * Writes the given-out spelling of the A24_CODE_CHARS canonical characters `canon`
 * and a NUL: upper case, in groups of four joined by dashes ("ABCD-EFGH-..."). The 201
 * of a question, its return link and the QR code of that link all show it this way.
 */
void a24_code_text(const char canon[A24_CODE_CHARS], char out[A24_CODE_TEXT_LEN + 1]);

/** A new access code as shown to the citizen: "ABCD-EFGH-..." and a NUL. */
void a24_secret_access_code(char out[A24_CODE_TEXT_LEN + 1]);

/**
 * Reads a code as typed or pasted into its canonical A24_CODE_CHARS characters.
 * Returns 0, or -1 if it cannot be a code.
 */
int a24_secret_code_canonical(const char *in, size_t len, char out[A24_CODE_CHARS + 1]);

/** The keyed hash stored for a code (any spelling `a24_secret_code_canonical` accepts). */
int a24_secret_code_hash(const a24_secrets_t *s, const char *code, size_t len,
                         unsigned char out[A24_HASH_LEN]);

/** True if `code` hashes to `stored` (`stored_len` bytes), compared in constant time. */
bool a24_secret_code_verify(const a24_secrets_t *s, const char *code, size_t len,
                            const void *stored, size_t stored_len);

/** Bytes a sealed text takes beyond its plaintext. */
#define A24_SEAL_OVERHEAD (24 + 16)

/**
 * Seals `len` bytes for ticket `ticket` into `out`, which must have room for
 * len + A24_SEAL_OVERHEAD bytes, under the newest key of the ring. The key's id rides
 * in the nonce (2 marker bytes, 4 bytes of id, 18 random bytes), so the size is the
 * same as before rotation existed; key 0 keeps a wholly random nonce.
 */
void a24_secret_seal(const a24_secrets_t *s, const char *ticket, const void *plain, size_t len,
                     unsigned char *out);

/**
 * Opens a sealed text of ticket `ticket` into `out` (room for len - A24_SEAL_OVERHEAD
 * bytes) with the key its nonce names, or key 0 (texts sealed before rotation).
 * Returns the plaintext length, or -1 if it was altered, belongs elsewhere, or its key
 * was dropped (or key 0 retired).
 */
long a24_secret_open(const a24_secrets_t *s, const char *ticket, const void *sealed, size_t len,
                     unsigned char *out);

/** The rate-limit tag of a client address on UTC day `day`: A24_TAG_LEN hex and a NUL. */
void a24_secret_client_tag(const a24_secrets_t *s, const struct sockaddr *addr, int64_t day,
                           char out[A24_TAG_LEN + 1]);

/** The tag an Idempotency-Key is stored under: A24_TAG_LEN hex and a NUL. */
void a24_secret_idem_tag(const a24_secrets_t *s, const char *key, size_t len,
                         char out[A24_TAG_LEN + 1]);

/**
 * A keyed digest of a request body, for the idempotency record (BLAKE2b under a subkey
 * of the master key): it tells two bodies apart, but cannot confirm a guessed text
 * without the key.
 */
void a24_secret_body_digest(const a24_secrets_t *s, const void *data, size_t len,
                            unsigned char out[A24_HASH_LEN]);

#endif
