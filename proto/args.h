/*
 * args: the keys and arguments of one script call, built one by one.
 *
 * Instead of hand-filled argv/lens arrays with magic indices, a caller writes
 *
 *     a24_args_t a;
 *     a24_args_init(&a);
 *     a24_args_keyf(&a, A24_KEY_TICKET, id);  // KEYS[1]
 *     a24_args_key(&a, A24_KEY_SCHEDULE);     // KEYS[2]
 *     a24_args_str(&a, id);                   // ARGV[1]
 *     a24_args_int(&a, now);                  // ARGV[2]
 *     a24_store_fcall(store, "claim", &a, on_claimed, priv);  // disposes of a
 *
 * Keys and arguments each keep their own order and may be added interleaved: every
 * key goes before every argument in the call, as FCALL wants. Everything is copied at
 * once into the Redis wire format, so the caller's strings may go as soon as a
 * function returns; small calls need no allocation. Running out of memory is
 * remembered and makes the call refuse (-1), so a caller checks once, at the call.
 */
#ifndef A24_ARGS_H
#define A24_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#define A24_ARGS_INLINE 1024 /* bytes of each part kept in the struct itself */

typedef struct {
    char *p; /* the RESP bulk strings so far: inline, or on the heap when longer */
    size_t len, cap;
    int n;
    char inline_buf[A24_ARGS_INLINE];
} a24_args_part_t;

typedef struct {
    a24_args_part_t keys, args;
    bool failed; /* out of memory, or a key that did not format: the call refuses */
} a24_args_t;

/** Starts an empty list (no allocation). */
void a24_args_init(a24_args_t *a);

/** Frees what the list allocated; it is empty (and usable) again afterwards. */
void a24_args_dispose(a24_args_t *a);

/** Adds a key (KEYS[n]). */
void a24_args_key(a24_args_t *a, const char *key);

/** Adds each key up to a NULL, in order: a script's fixed KEYS in one call. */
void a24_args_keys(a24_args_t *a, ...) __attribute__((sentinel));

/** Adds a key of `n` bytes (binary safe). */
void a24_args_keyn(a24_args_t *a, const char *key, size_t n);

/** Adds a key made with printf from a keys.h pattern, e.g. (A24_KEY_TICKET, id). */
void a24_args_keyf(a24_args_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Adds a string argument (NULL counts as ""). */
void a24_args_str(a24_args_t *a, const char *s);

/** Adds each string argument up to a NULL, in order (none of them may be NULL). */
void a24_args_strs(a24_args_t *a, ...) __attribute__((sentinel));

/** Adds `n` bytes as one argument (binary safe). */
void a24_args_bin(a24_args_t *a, const void *p, size_t n);

/** Adds an integer argument, in decimal. */
void a24_args_int(a24_args_t *a, long long v);

/** Adds a boolean as "1" or "0". */
void a24_args_bool(a24_args_t *a, bool v);

/** The number of keys and of arguments so far. */
int a24_args_nkeys(const a24_args_t *a);
int a24_args_nargs(const a24_args_t *a);

/**
 * The whole command `verb function nkeys keys... args...` (verb e.g. "FCALL") in the
 * Redis protocol, malloc'd, its length in *len; NULL if the list failed or memory ran
 * out. The list is left as it was.
 */
char *a24_args_command(const a24_args_t *a, const char *verb, const char *function, size_t *len);

#endif
