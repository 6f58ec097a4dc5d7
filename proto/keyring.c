/*
 * keyring: reading, writing, adding to and dropping from the ring file.
 *
 * Must never: leave key bytes in buffers it frees or in a half-written file.
 */
#include "keyring.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void a24_keyring_path(const char *key_file, char *out, size_t len)
{
    snprintf(out, len, "%s.ring", key_file);
}

/* Reads one "<id> <created> <hex>|retired" line into `r`. -1 if malformed. */
static int parse_line(a24_keyring_t *r, char *line)
{
    char *save = NULL;
    char *id_text = strtok_r(line, " \t\r\n", &save);
    char *created_text = strtok_r(NULL, " \t\r\n", &save);
    char *key_text = strtok_r(NULL, " \t\r\n", &save);
    if (id_text == NULL || id_text[0] == '#')
        return 0;
    char *end1, *end2;
    unsigned long long id = strtoull(id_text, &end1, 10);
    long long created = created_text != NULL ? strtoll(created_text, &end2, 10) : -1;
    if (*end1 != '\0' || created_text == NULL || *end2 != '\0' || created < 0 || key_text == NULL ||
        strtok_r(NULL, " \t\r\n", &save) != NULL || id > UINT32_MAX)
        return -1;
    if (id == 0)
        return strcmp(key_text, "retired") == 0 ? (r->key0_retired = created, 0) : -1;
    if (r->n == A24_KEYRING_MAX || (r->n > 0 && r->keys[r->n - 1].id >= id))
        return -1;
    a24_ring_key_t *k = &r->keys[r->n];
    size_t bin_len = 0;
    if (sodium_hex2bin(k->key, sizeof k->key, key_text, strlen(key_text), NULL, &bin_len, NULL) !=
            0 ||
        bin_len != sizeof k->key)
        return -1;
    k->id = (uint32_t)id;
    k->created = created;
    r->n++;
    return 0;
}

/* Parses the whole open file `f` into `r`. */
static int parse_file(a24_keyring_t *r, FILE *f, char *err, size_t errlen)
{
    char line[256];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
        lineno++;
        if (parse_line(r, line) != 0) {
            snprintf(err, errlen, "%s:%d: expected \"<id> <created ms> <64 hex>\" in ascending ids",
                     r->path, lineno);
            rc = -1;
        }
    }
    sodium_memzero(line, sizeof line);
    return rc;
}

int a24_keyring_read(a24_keyring_t *r, const char *path, char *err, size_t errlen)
{
    a24_keyring_wipe(r);
    snprintf(r->path, sizeof r->path, "%s", path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT)
        return 0;
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, errlen, "secrets: cannot open the key ring %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if ((st.st_mode & 077) != 0) {
        close(fd);
        snprintf(err, errlen, "secrets: %s is readable by others (chmod 600 it)", path);
        return -1;
    }
    FILE *f = fdopen(fd, "r");
    if (f == NULL) {
        close(fd);
        snprintf(err, errlen, "secrets: cannot read %s", path);
        return -1;
    }
    int rc = parse_file(r, f, err, errlen);
    fclose(f);
    if (rc != 0) {
        a24_keyring_wipe(r);
        snprintf(r->path, sizeof r->path, "%s", path);
        return -1;
    }
    r->present = true;
    r->dev = st.st_dev;
    r->ino = st.st_ino;
    r->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    r->size = st.st_size;
    return 0;
}

/* Writes every line of `r` to `f`. */
static int print_ring(const a24_keyring_t *r, FILE *f)
{
    char hex[65];
    int bad =
        fprintf(f, "# answer24 text keys: written by answer24ctl keys rotate; keep 0600\n") < 0;
    if (r->key0_retired != 0)
        bad |= fprintf(f, "0 %" PRId64 " retired\n", r->key0_retired) < 0;
    for (size_t i = 0; i < r->n; i++) {
        sodium_bin2hex(hex, sizeof hex, r->keys[i].key, sizeof r->keys[i].key);
        bad |=
            fprintf(f, "%" PRIu32 " %" PRId64 " %s\n", r->keys[i].id, r->keys[i].created, hex) < 0;
    }
    sodium_memzero(hex, sizeof hex);
    return bad ? -1 : 0;
}

int a24_keyring_write(const a24_keyring_t *r, char *err, size_t errlen)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", r->path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (f == NULL) {
        snprintf(err, errlen, "secrets: cannot write %s: %s", tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    int rc = print_ring(r, f);
    rc |= fflush(f) != 0 || fsync(fileno(f)) != 0;
    rc |= fclose(f) != 0;
    if (rc != 0 || rename(tmp, r->path) != 0) {
        snprintf(err, errlen, "secrets: cannot write %s: %s", r->path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int a24_keyring_add(a24_keyring_t *r, int64_t now, char *err, size_t errlen)
{
    if (r->n == A24_KEYRING_MAX) {
        snprintf(err, errlen, "secrets: the key ring is full (%d keys); drop old keys first",
                 A24_KEYRING_MAX);
        return -1;
    }
    a24_ring_key_t *k = &r->keys[r->n];
    k->id = r->n > 0 ? r->keys[r->n - 1].id + 1 : 1;
    k->created = now;
    randombytes_buf(k->key, sizeof k->key);
    r->n++;
    return 0;
}

const a24_ring_key_t *a24_keyring_current(const a24_keyring_t *r)
{
    return r->n > 0 ? &r->keys[r->n - 1] : NULL;
}

const a24_ring_key_t *a24_keyring_find(const a24_keyring_t *r, uint32_t id)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->keys[i].id == id)
            return &r->keys[i];
    return NULL;
}

size_t a24_keyring_drop(a24_keyring_t *r, int64_t before,
                        bool (*in_use)(int64_t successor_created, void *arg), void *arg,
                        uint32_t *dropped)
{
    size_t ndropped = 0;
    if (r->n > 0 && r->key0_retired == 0 && r->keys[0].created <= before &&
        (in_use == NULL || !in_use(r->keys[0].created, arg))) {
        r->key0_retired = r->keys[0].created;
        dropped[ndropped++] = 0;
    }
    /* Keys in order: keep the first one whose successor is too young or still needed. */
    while (r->n > 1 && r->keys[1].created <= before &&
           (in_use == NULL || !in_use(r->keys[1].created, arg))) {
        dropped[ndropped++] = r->keys[0].id;
        sodium_memzero(&r->keys[0], sizeof r->keys[0]);
        memmove(&r->keys[0], &r->keys[1], (r->n - 1) * sizeof r->keys[0]);
        r->n--;
        sodium_memzero(&r->keys[r->n], sizeof r->keys[r->n]);
    }
    return ndropped;
}

void a24_keyring_wipe(a24_keyring_t *r)
{
    sodium_memzero(r, sizeof *r);
}
