/*
 * keyring: the text keys added by rotation (answer24ctl keys rotate), kept beside the
 * master key in "<secrets.key_file>.ring" (mode 0600, one key a line).
 *
 * Texts were first sealed under key 0, the sealing subkey derived from the master key.
 * Each rotation adds a random key with the next id; the newest key seals every new
 * text, older ones stay to open what they sealed. A key is dropped once the key that
 * replaced it is older than privacy.retention (and no ticket from before that
 * replacement remains): a backup holding texts it sealed can no longer be read with
 * the files left on the host. Key 0 cannot be forgotten while the master key lives,
 * so it is marked retired instead: answer24 refuses to open texts with it.
 *
 * The file:
 *     # comment
 *     <id> <created ms> <64 hex characters>
 *     0 <retired ms> retired
 *
 * Must never: drop the key that seals, write the file other than whole (a temporary
 * file renamed over it), or accept a file other users can read.
 */
#ifndef A24_KEYRING_H
#define A24_KEYRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define A24_KEYRING_MAX 64

typedef struct {
    uint32_t id; /* 1, 2, ... (0 is the master-derived key, never listed here) */
    int64_t created;
    unsigned char key[32];
} a24_ring_key_t;

typedef struct a24_keyring {
    char path[4096];
    a24_ring_key_t keys[A24_KEYRING_MAX]; /* ascending ids */
    size_t n;
    int64_t key0_retired; /* ms it was retired; 0: key 0 still opens texts */
    /* What the file looked like when read, to notice a rotation by another process. */
    bool present;
    dev_t dev;
    ino_t ino;
    int64_t mtime_ns;
    off_t size;
    int64_t checked; /* a24_clock_mono of the last look; 0: never */
} a24_keyring_t;

/** The ring's path for a master key file: "<key_file>.ring". */
void a24_keyring_path(const char *key_file, char *out, size_t len);

/**
 * Reads the ring at `path` into `r` (an absent file is an empty ring). 0, or -1 with
 * one line in `err` (a malformed line, a file readable by others).
 */
int a24_keyring_read(a24_keyring_t *r, const char *path, char *err, size_t errlen);

/** Writes `r` to its path, whole (temporary file, fsync, rename), mode 0600. */
int a24_keyring_write(const a24_keyring_t *r, char *err, size_t errlen);

/** Adds a fresh random key with the next id, created at `now`; it seals from now on. */
int a24_keyring_add(a24_keyring_t *r, int64_t now, char *err, size_t errlen);

/** The key that seals: the newest, or NULL for key 0. */
const a24_ring_key_t *a24_keyring_current(const a24_keyring_t *r);

/** The key of id `id`, or NULL (also for 0). */
const a24_ring_key_t *a24_keyring_find(const a24_keyring_t *r, uint32_t id);

/**
 * Drops every key whose successor was created at or before `before` (key 0 is
 * retired), unless `in_use(successor_created, arg)` says a ticket created before that
 * successor still exists (NULL: no such check). Writes the dropped ids (0 for key 0)
 * into `dropped` (room for A24_KEYRING_MAX + 1) and returns how many; nothing is
 * written to the file (a24_keyring_write does that).
 */
size_t a24_keyring_drop(a24_keyring_t *r, int64_t before,
                        bool (*in_use)(int64_t successor_created, void *arg), void *arg,
                        uint32_t *dropped);

/** Wipes the keys. */
void a24_keyring_wipe(a24_keyring_t *r);

#endif
