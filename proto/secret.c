/*
 * secret: the key file, subkeys, ids, codes, sealing and tags.
 *
 * Must never: use a subkey for two purposes, leave key bytes in freed memory, or
 * accept a key file other users can read.
 */
#include "secret.h"

#include "clock.h"
#include "keyring.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char crockford[] = "0123456789abcdefghjkmnpqrstvwxyz";

/* The subkey ids of crypto_kdf; changing one invalidates everything it protects. */
enum { SUBKEY_SEAL = 1, SUBKEY_CODE, SUBKEY_CLIENT, SUBKEY_IDEM, SUBKEY_TOKEN, SUBKEY_BODY };
static const char kdf_context[crypto_kdf_CONTEXTBYTES] = {'a', '2', '4', 'k', 'e', 'y', 's', '1'};

/* Creates the parent directories of `path` (mode 0700) where they are missing. */
static void make_parents(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    for (char *p = dir + 1; *p != '\0'; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(dir, 0700);
            *p = '/';
        }
    }
}

/* Writes a fresh master key to `path`, failing if the file appeared meanwhile. */
static int create_key_file(const char *path, unsigned char key[32], char *err, size_t errlen)
{
    make_parents(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "secrets.key_file: cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    crypto_kdf_keygen(key);
    ssize_t n = write(fd, key, 32);
    int ok = n == 32 && fsync(fd) == 0;
    close(fd);
    if (!ok) {
        unlink(path);
        snprintf(err, errlen, "secrets.key_file: cannot write %s", path);
        return -1;
    }
    return 0;
}

/* Reads the 32-byte master key, refusing files of another size or open to others. */
static int read_key_file(const char *path, unsigned char key[32], char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "secrets.key_file: cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    int rc = -1;
    if (fstat(fd, &st) != 0 || st.st_size != 32) {
        snprintf(err, errlen, "secrets.key_file: %s must hold exactly 32 bytes", path);
        goto out;
    }
    if ((st.st_mode & 077) != 0) {
        snprintf(err, errlen, "secrets.key_file: %s is readable by others (chmod 600 it)", path);
        goto out;
    }
    if (read(fd, key, 32) != 32) {
        snprintf(err, errlen, "secrets.key_file: cannot read %s", path);
        goto out;
    }
    rc = 0;
out:
    close(fd);
    return rc;
}

int a24_secrets_load(a24_secrets_t *s, const char *key_file, char *err, size_t errlen)
{
    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium could not be initialised");
        return -1;
    }
    unsigned char master[crypto_kdf_KEYBYTES];
    int rc;
    if (access(key_file, F_OK) != 0 && errno == ENOENT)
        rc = create_key_file(key_file, master, err, errlen);
    else
        rc = read_key_file(key_file, master, err, errlen);
    if (rc == 0) {
        crypto_kdf_derive_from_key(s->seal, 32, SUBKEY_SEAL, kdf_context, master);
        crypto_kdf_derive_from_key(s->code, 32, SUBKEY_CODE, kdf_context, master);
        crypto_kdf_derive_from_key(s->client, 32, SUBKEY_CLIENT, kdf_context, master);
        crypto_kdf_derive_from_key(s->idem, 32, SUBKEY_IDEM, kdf_context, master);
        crypto_kdf_derive_from_key(s->token, 32, SUBKEY_TOKEN, kdf_context, master);
        crypto_kdf_derive_from_key(s->body, 32, SUBKEY_BODY, kdf_context, master);
    }
    sodium_memzero(master, sizeof master);
    s->ring = NULL;
    if (rc == 0 && (s->ring = calloc(1, sizeof *s->ring)) == NULL) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }
    if (rc == 0) {
        char path[4096];
        a24_keyring_path(key_file, path, sizeof path);
        rc = a24_keyring_read(s->ring, path, err, errlen);
        s->ring->checked = a24_clock_mono();
    }
    if (rc != 0)
        a24_secrets_dispose(s);
    return rc;
}

void a24_secrets_dispose(a24_secrets_t *s)
{
    if (s->ring != NULL) {
        a24_keyring_wipe(s->ring);
        free(s->ring);
    }
    sodium_memzero(s, sizeof *s);
}

/* Reads the ring again if its file is not the one read last (or is gone). */
static void ring_refresh(a24_keyring_t *r)
{
    struct stat st;
    bool present = stat(r->path, &st) == 0;
    if (present == r->present &&
        (!present || (st.st_dev == r->dev && st.st_ino == r->ino && st.st_size == r->size &&
                      (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec == r->mtime_ns)))
        return;
    a24_keyring_t *fresh = calloc(1, sizeof *fresh);
    char err[256], path[sizeof r->path];
    snprintf(path, sizeof path, "%s", r->path);
    /* A ring that cannot be read keeps the keys there were (and is tried again). */
    if (fresh != NULL && a24_keyring_read(fresh, path, err, sizeof err) == 0)
        memcpy(r, fresh, sizeof *r);
    if (fresh != NULL) {
        a24_keyring_wipe(fresh);
        free(fresh);
    }
}

void a24_secrets_reload(a24_secrets_t *s)
{
    if (s->ring != NULL) {
        ring_refresh(s->ring);
        s->ring->checked = a24_clock_mono();
    }
}

/* The ring, looked at again when a second has passed since the last look. */
static const a24_keyring_t *ring_of(const a24_secrets_t *s)
{
    if (s->ring == NULL)
        return NULL;
    a24_ms_t now = a24_clock_mono();
    if (now - s->ring->checked >= 1000) {
        ring_refresh(s->ring);
        s->ring->checked = now;
    }
    return s->ring;
}

/*
 * Fills `out` with `n` uniformly random Crockford characters: one call for the bytes
 * (not one system call per character), and 32 divides 256, so a byte's low five bits
 * are uniform.
 */
static void random_crockford(char *out, size_t n)
{
    unsigned char bytes[64];
    while (n > 0) {
        size_t k = n < sizeof bytes ? n : sizeof bytes;
        randombytes_buf(bytes, k);
        for (size_t i = 0; i < k; i++)
            out[i] = crockford[bytes[i] & 31];
        out += k, n -= k;
    }
    sodium_memzero(bytes, sizeof bytes);
}

void a24_secret_ticket_id(char out[A24_TICKET_ID_LEN + 1])
{
    random_crockford(out, A24_TICKET_ID_LEN);
    out[A24_TICKET_ID_LEN] = '\0';
}

bool a24_secret_ticket_id_valid(const char *id, size_t len)
{
    if (len != A24_TICKET_ID_LEN)
        return false;
    for (size_t i = 0; i < len; i++)
        if (id[i] == '\0' || strchr(crockford, id[i]) == NULL)
            return false;
    return true;
}

void a24_code_text(const char canon[A24_CODE_CHARS], char out[A24_CODE_TEXT_LEN + 1])
{
    char *o = out;
    for (size_t i = 0; i < A24_CODE_CHARS; i++) {
        if (i > 0 && i % 4 == 0)
            *o++ = '-'; /* a dash before each group but the first */
        char c = canon[i];
        *o++ = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
    }
    *o = '\0';
}

void a24_secret_access_code(char out[A24_CODE_TEXT_LEN + 1])
{
    char raw[A24_CODE_CHARS];
    random_crockford(raw, sizeof raw);
    a24_code_text(raw, out);
    sodium_memzero(raw, sizeof raw);
}

int a24_secret_code_canonical(const char *in, size_t len, char out[A24_CODE_CHARS + 1])
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c == ' ' || c == '-' || c == '\t')
            continue;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c == 'i' || c == 'l')
            c = '1';
        else if (c == 'o')
            c = '0';
        if (c == '\0' || strchr(crockford, c) == NULL || o == A24_CODE_CHARS)
            return -1;
        out[o++] = c;
    }
    out[o] = '\0';
    return o == A24_CODE_CHARS ? 0 : -1;
}

int a24_secret_code_hash(const a24_secrets_t *s, const char *code, size_t len,
                         unsigned char out[A24_HASH_LEN])
{
    char canon[A24_CODE_CHARS + 1];
    if (a24_secret_code_canonical(code, len, canon) != 0)
        return -1;
    crypto_generichash(out, A24_HASH_LEN, (const unsigned char *)canon, A24_CODE_CHARS, s->code,
                       sizeof s->code);
    sodium_memzero(canon, sizeof canon);
    return 0;
}

bool a24_secret_code_verify(const a24_secrets_t *s, const char *code, size_t len,
                            const void *stored, size_t stored_len)
{
    unsigned char h[A24_HASH_LEN];
    if (stored == NULL || stored_len != A24_HASH_LEN || a24_secret_code_hash(s, code, len, h) != 0)
        return false;
    return sodium_memcmp(h, stored, A24_HASH_LEN) == 0;
}

/* The marker of a nonce that names its key: two bytes, then the id (big-endian). */
#define NONCE_MARK0 0xa2
#define NONCE_MARK1 0x4b
#define NONCE_ID_BYTES 6 /* marker and id; the other 18 bytes are random */

void a24_secret_seal(const a24_secrets_t *s, const char *ticket, const void *plain, size_t len,
                     unsigned char *out)
{
    unsigned char *nonce = out;
    const a24_keyring_t *ring = ring_of(s);
    const a24_ring_key_t *k = ring != NULL ? a24_keyring_current(ring) : NULL;
    randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    if (k != NULL) {
        nonce[0] = NONCE_MARK0, nonce[1] = NONCE_MARK1;
        nonce[2] = (unsigned char)(k->id >> 24), nonce[3] = (unsigned char)(k->id >> 16);
        nonce[4] = (unsigned char)(k->id >> 8), nonce[5] = (unsigned char)k->id;
    }
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        out + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, NULL, plain, len,
        (const unsigned char *)ticket, strlen(ticket), NULL, nonce, k != NULL ? k->key : s->seal);
}

/* Opens with one key; -1 if it does not open. */
static long open_with(const unsigned char *key, const char *ticket, const unsigned char *sealed,
                      size_t len, unsigned char *out)
{
    unsigned long long n;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            out, &n, NULL, sealed + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
            len - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, (const unsigned char *)ticket,
            strlen(ticket), sealed, key) != 0)
        return -1;
    return (long)n;
}

long a24_secret_open(const a24_secrets_t *s, const char *ticket, const void *sealed, size_t len,
                     unsigned char *out)
{
    if (len < A24_SEAL_OVERHEAD)
        return -1;
    const unsigned char *b = sealed;
    const a24_keyring_t *ring = ring_of(s);
    if (ring != NULL && b[0] == NONCE_MARK0 && b[1] == NONCE_MARK1) {
        uint32_t id = (uint32_t)b[2] << 24 | (uint32_t)b[3] << 16 | (uint32_t)b[4] << 8 | b[5];
        const a24_ring_key_t *k = a24_keyring_find(ring, id);
        long n = k != NULL ? open_with(k->key, ticket, b, len, out) : -1;
        if (n >= 0)
            return n;
    }
    /* No key id (sealed before rotation), or one by chance: key 0, unless retired. */
    if (ring != NULL && ring->key0_retired != 0)
        return -1;
    return open_with(s->seal, ticket, b, len, out);
}

/* Keyed BLAKE2b of `data` under `key`, written as A24_TAG_LEN hex characters. */
static void keyed_tag(const unsigned char *key, const void *data, size_t len,
                      char out[A24_TAG_LEN + 1])
{
    unsigned char h[A24_TAG_LEN / 2];
    crypto_generichash(h, sizeof h, data, len, key, 32);
    sodium_bin2hex(out, A24_TAG_LEN + 1, h, sizeof h);
}

void a24_secret_client_tag(const a24_secrets_t *s, const struct sockaddr *addr, int64_t day,
                           char out[A24_TAG_LEN + 1])
{
    /* The day's key: the client subkey hashed with the day number. */
    unsigned char daykey[32];
    crypto_generichash(daykey, sizeof daykey, (const unsigned char *)&day, sizeof day, s->client,
                       sizeof s->client);
    unsigned char buf[16] = {0};
    size_t n = 0;
    if (addr != NULL && addr->sa_family == AF_INET) {
        memcpy(buf, &((const struct sockaddr_in *)addr)->sin_addr, 4);
        n = 4;
    } else if (addr != NULL && addr->sa_family == AF_INET6) {
        /* A person holds a whole /64; tagging the full address would let one evade. */
        memcpy(buf, &((const struct sockaddr_in6 *)addr)->sin6_addr, 8);
        n = 8;
    }
    keyed_tag(daykey, buf, n, out);
    sodium_memzero(daykey, sizeof daykey);
}

void a24_secret_idem_tag(const a24_secrets_t *s, const char *key, size_t len,
                         char out[A24_TAG_LEN + 1])
{
    keyed_tag(s->idem, key, len, out);
}

void a24_secret_body_digest(const a24_secrets_t *s, const void *data, size_t len,
                            unsigned char out[A24_HASH_LEN])
{
    crypto_generichash(out, A24_HASH_LEN, data, len, s->body, sizeof s->body);
}
