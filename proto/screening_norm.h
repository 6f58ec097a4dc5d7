/*
 * screening_norm: the one normalisation screening applies to patterns and texts alike.
 *
 * Text goes in as UTF-8 and comes out as a compact byte string with every space,
 * punctuation mark and invisible character removed, and a gap map that says where a
 * word boundary was. On the way: full-width forms read as ASCII, ASCII case folded,
 * Traditional Chinese characters read as Simplified (through the table loaded from
 * risk/traditional.tsv), decomposed Hangul composed, apostrophes dropped ("don't" =
 * "dont"), a run of two or more digits reads as one '#', a lone digit or @/$ touching a
 * Latin letter reads as the letter it imitates ("k1ll" = "kill"), and a run of three or
 * more of one Latin letter reads as one letter ("diiie" = "die"; "kill" stays "kill").
 *
 * Must never: write more than `len` bytes (+1 for the NUL) or keep what it reads.
 */
#ifndef A24_SCREENING_NORM_H
#define A24_SCREENING_NORM_H

#include <stddef.h>
#include <stdint.h>

/** One Traditional -> Simplified pair. */
typedef struct {
    uint32_t from, to;
} a24_t2s_pair_t;

/** The table, sorted by `from` (a24_norm_t2s_sort). */
typedef struct {
    a24_t2s_pair_t *pairs;
    size_t n;
} a24_t2s_t;

/** Sorts the table and drops repeated `from`s (keeping the first); call after loading. */
void a24_norm_t2s_sort(a24_t2s_t *t);

/** The Simplified form of `c`, or `c` itself. */
uint32_t a24_norm_t2s(const a24_t2s_t *t, uint32_t c);

/**
 * Normalises `len` bytes of `in` into `out` (room for len + 1 bytes, NUL-terminated) and
 * `gap` (room for len + 1 flags: gap[i] is 1 when a word boundary came just before
 * out[i]; gap[0] and gap[returned length] are 1). `scratch` holds len + 1 code points.
 * Returns the length written.
 */
size_t a24_norm_text(const a24_t2s_t *t, const char *in, size_t len, char *out, uint8_t *gap,
                     uint32_t *scratch);

#endif
