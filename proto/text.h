/*
 * text: the one UTF-8 reader and the one definition of a space every module uses.
 *
 * The question validator (codec), screening and the data-file loaders all read text
 * through these functions, so that what counts as "empty" on intake is what screening
 * skips as a space, and a malformed byte is handled the same way everywhere.
 *
 * Must never: read past `len`, or treat an invalid sequence as a valid character.
 */
#ifndef A24_TEXT_H
#define A24_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** The replacement character an invalid sequence decodes to. */
#define A24_TEXT_INVALID 0xFFFDu

/**
 * Decodes the character at s[*i] and advances *i past it. An invalid or truncated
 * sequence, an overlong form or a surrogate yields A24_TEXT_INVALID and consumes one
 * byte, so a broken text is still read to its end.
 */
uint32_t a24_text_next(const char *s, size_t len, size_t *i);

/** True when `len` bytes at `s` are valid UTF-8 (an encoded U+FFFD is valid). */
bool a24_text_valid(const char *s, size_t len);

/** Writes `c` as UTF-8 at `out` (room for 4 bytes); returns the bytes written. */
size_t a24_text_put(char *out, uint32_t c);

/**
 * True for Unicode White_Space: tab to carriage return, space, U+0085, no-break space,
 * U+1680, U+2000..U+200A, the line and paragraph separators, U+202F, U+205F, U+3000.
 */
bool a24_text_is_space(uint32_t c);

/**
 * True for characters that take no room: soft hyphen, zero-width space and joiners
 * (U+200B..U+200D), word joiner, Mongolian vowel separator, byte-order mark (U+FEFF).
 */
bool a24_text_is_invisible(uint32_t c);

/** True when the text holds nothing but spaces and invisible characters (or nothing). */
bool a24_text_is_blank(const char *s, size_t len);

/**
 * Formats one line into `err` (`errlen` bytes), if the caller gave a buffer: the error
 * helper of every loader that reports "file:line: why".
 */
void a24_text_errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
