/*
 * screening_norm: normalisation for screening (see screening_norm.h for what it folds).
 *
 * Two passes: the first decodes and folds each character (width, case, Traditional
 * Chinese, Hangul composition) into code points, with GAP for anything that separates
 * words; the second writes the compact bytes, deciding what digits and look-alike
 * symbols mean from their neighbours and collapsing runs of three or more of one Latin
 * letter.
 *
 * Must never: write past len + 1 bytes (every step keeps or shrinks a character's size).
 */
#include "screening_norm.h"

#include <stdbool.h>
#include <stdlib.h>

#include "text.h"

#define GAP 0x20u /* a word boundary, never written out */

/* qsort comparator: pairs by their Traditional character. */
static int by_from(const void *a, const void *b)
{
    uint32_t x = ((const a24_t2s_pair_t *)a)->from, y = ((const a24_t2s_pair_t *)b)->from;
    return x < y ? -1 : x > y;
}

/* Sorts for the binary search in a24_norm_t2s; the first pair for a character wins. */
void a24_norm_t2s_sort(a24_t2s_t *t)
{
    if (t->n < 2)
        return;
    qsort(t->pairs, t->n, sizeof *t->pairs, by_from);
    size_t o = 1;
    for (size_t i = 1; i < t->n; i++)
        if (t->pairs[i].from != t->pairs[o - 1].from)
            t->pairs[o++] = t->pairs[i];
    t->n = o;
}

/* Binary search, skipped for everything outside the ideograph blocks. */
uint32_t a24_norm_t2s(const a24_t2s_t *t, uint32_t c)
{
    if (t == NULL || c < 0x3400 || (c > 0x9FFF && c < 0xF900) || (c > 0xFAFF && c < 0x20000))
        return c; /* outside the CJK ideograph blocks (Hangul, kana, Latin) */
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->pairs[mid].from == c)
            return t->pairs[mid].to;
        if (t->pairs[mid].from < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return c;
}

/* Lower-case ASCII letters: what folding leaves of every Latin letter. */
static bool is_latin(uint32_t c)
{
    return c >= 'a' && c <= 'z';
}

/* ASCII digits (full-width ones are folded to these first). */
static bool is_digit(uint32_t c)
{
    return c >= '0' && c <= '9';
}

/* Marks and symbols that separate words (ASCII ones are handled by the caller). */
static bool is_separator(uint32_t c)
{
    return (c >= 0x80 && c <= 0xBF) || c == 0xD7 || c == 0xF7 || (c >= 0x2010 && c <= 0x206F) ||
           (c >= 0x2190 && c <= 0x2BFF) || (c >= 0x3001 && c <= 0x3003) ||
           (c >= 0x3008 && c <= 0x3020) || c == 0x30FB || (c >= 0xFE10 && c <= 0xFE6F) ||
           (c >= 0xFF61 && c <= 0xFF65) || (c >= 0x1F000 && c <= 0x1FAFF) ||
           (c >= 0x2500 && c <= 0x27BF) || c == A24_TEXT_INVALID;
}

#define HANGUL_BASE 0xAC00
#define HANGUL_LAST 0xD7A3
#define JAMO_L 0x1100
#define JAMO_V 0x1161
#define JAMO_T 0x11A7

/* The syllable a decomposed pair composes into (as NFC would), or 0. */
static uint32_t compose_hangul(uint32_t prev, uint32_t c)
{
    if (prev >= JAMO_L && prev < JAMO_L + 19 && c >= JAMO_V && c < JAMO_V + 21)
        return HANGUL_BASE + ((prev - JAMO_L) * 21 + (c - JAMO_V)) * 28;
    if (prev >= HANGUL_BASE && prev <= HANGUL_LAST && (prev - HANGUL_BASE) % 28 == 0 &&
        c > JAMO_T && c < JAMO_T + 28)
        return prev + (c - JAMO_T);
    return 0;
}

/* Folds one decoded character: GAP for separators, 0 to drop it, else its one form. */
static uint32_t fold(const a24_t2s_t *t, uint32_t c)
{
    if (c < 0x80) {
        if (c >= 'A' && c <= 'Z')
            return c + ('a' - 'A');
        if (is_latin(c) || is_digit(c) || c == '@' || c == '$')
            return c;
        return c == '\'' || c == '`' ? 0 : GAP;
    }
    if (c >= 0xAC00 && c <= 0xD7A3)
        return c; /* Hangul syllables: nothing to fold */
    if (c >= 0xFF01 && c <= 0xFF5E)
        c -= 0xFEE0; /* full-width ASCII */
    if (c >= 'A' && c <= 'Z')
        return c + ('a' - 'A');
    if (c == '\'' || c == 0x2018 || c == 0x2019 || c == 0x201B || c == 0x02BC || c == 0x2032 ||
        c == '`' || c == 0xB4 || a24_text_is_invisible(c) || (c >= 0xFE00 && c <= 0xFE0F))
        return 0;
    if (a24_text_is_space(c) || is_separator(c))
        return GAP;
    if (c < 0x80 && !is_latin(c) && !is_digit(c) && c != '@' && c != '$')
        return GAP;
    return a24_norm_t2s(t, c);
}

/* First pass: folded code points into `cp`, runs of GAP kept as one; returns the count. */
static size_t decode(const a24_t2s_t *t, const char *in, size_t len, uint32_t *cp)
{
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        unsigned char b = (unsigned char)in[i];
        uint32_t c = fold(t, b < 0x80 ? (i++, b) : a24_text_next(in, len, &i));
        if (c == 0 || (c == GAP && (n == 0 || cp[n - 1] == GAP)))
            continue;
        bool jamo = c >= JAMO_V && c < JAMO_T + 28; /* only these compose with what precedes */
        uint32_t syllable = jamo && n > 0 ? compose_hangul(cp[n - 1], c) : 0;
        if (syllable != 0)
            cp[n - 1] = syllable;
        else
            cp[n++] = c;
    }
    return n;
}

/* What a lone digit or symbol between letters imitates; 0 when it imitates none. */
static uint32_t leet(uint32_t c)
{
    switch (c) {
    case '0':
        return 'o';
    case '1':
        return 'i';
    case '3':
        return 'e';
    case '4':
    case '@':
        return 'a';
    case '5':
    case '$':
        return 's';
    case '7':
        return 't';
    }
    return 0;
}

/*
 * The character cp[k] stands for in context: '#' for the first of a run of digits (0
 * for the rest), a letter for a lone look-alike touching a letter, GAP for a stray @ or $.
 */
static uint32_t in_context(const uint32_t *cp, size_t n, size_t k)
{
    uint32_t c = cp[k];
    bool prev_latin = k > 0 && is_latin(cp[k - 1]), next_latin = k + 1 < n && is_latin(cp[k + 1]);
    if (is_digit(c)) {
        bool prev_digit = k > 0 && is_digit(cp[k - 1]),
             next_digit = k + 1 < n && is_digit(cp[k + 1]);
        if (prev_digit)
            return 0;
        if (next_digit)
            return '#';
    }
    if (is_digit(c) || c == '@' || c == '$') {
        uint32_t l = leet(c);
        if (l != 0 && (prev_latin || next_latin))
            return l;
        return is_digit(c) ? c : GAP;
    }
    return c;
}

/* Decodes and folds, then writes the compact form and its gap map. */
size_t a24_norm_text(const a24_t2s_t *t, const char *in, size_t len, char *out, uint8_t *gap,
                     uint32_t *scratch)
{
    size_t n = decode(t, in, len, scratch), o = 0;
    bool pending = true;
    for (size_t k = 0; k < n; k++) {
        uint32_t c = in_context(scratch, n, k);
        if (c == 0)
            continue;
        if (c == GAP) {
            pending = true;
            continue;
        }
        if (is_latin(c) && scratch[k] == c) {
            size_t run = 1;
            while (k + run < n && scratch[k + run] == c)
                run++;
            if (run >= 3)
                k += run - 1; /* "diiie" = "die"; "kill" and "noose" keep their pairs */
        }
        size_t w = c < 0x80 ? (out[o] = (char)c, 1) : a24_text_put(out + o, c);
        gap[o] = pending;
        while (--w > 0)
            gap[++o] = 0;
        o++;
        pending = false;
    }
    out[o] = '\0';
    gap[o] = 1;
    return o;
}
