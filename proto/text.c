/*
 * text: UTF-8 decoding, spaces and invisible characters, the loaders' error line.
 *
 * Owns nothing; every function is pure. The space list is Unicode's White_Space
 * property; the invisible list is what renders as nothing in a browser. Both decide
 * what "empty" means for a question (codec) and what screening reads as a gap.
 *
 * Must never: read past the length it is given.
 */
#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Length and payload bits of the lead byte `b`; 0 extra bytes for ASCII, -1 if invalid. */
static int lead(unsigned char b, uint32_t *c, uint32_t *min)
{
    if (b < 0x80) {
        *c = b, *min = 0;
        return 0;
    }
    if (b >= 0xC2 && b <= 0xDF) {
        *c = b & 0x1Fu, *min = 0x80;
        return 1;
    }
    if (b >= 0xE0 && b <= 0xEF) {
        *c = b & 0x0Fu, *min = 0x800;
        return 2;
    }
    if (b >= 0xF0 && b <= 0xF4) {
        *c = b & 0x07u, *min = 0x10000;
        return 3;
    }
    return -1;
}

/* Decodes one character; a broken sequence is U+FFFD and costs one byte. */
uint32_t a24_text_next(const char *text, size_t len, size_t *i)
{
    const unsigned char *s = (const unsigned char *)text;
    uint32_t c, min;
    int extra = lead(s[*i], &c, &min);
    if (extra == 0) {
        (*i)++;
        return c;
    }
    if (extra < 0 || len - *i <= (size_t)extra) {
        (*i)++;
        return A24_TEXT_INVALID;
    }
    for (int k = 1; k <= extra; k++) {
        if ((s[*i + (size_t)k] & 0xC0) != 0x80) {
            (*i)++;
            return A24_TEXT_INVALID;
        }
        c = (c << 6) | (s[*i + (size_t)k] & 0x3Fu);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
        (*i)++;
        return A24_TEXT_INVALID;
    }
    *i += (size_t)extra + 1;
    return c;
}

/* Valid when nothing decodes to U+FFFD except an encoded U+FFFD itself. */
bool a24_text_valid(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t at = i;
        if (a24_text_next(s, len, &i) == A24_TEXT_INVALID &&
            !(i - at == 3 && memcmp(s + at, "\xEF\xBF\xBD", 3) == 0))
            return false;
    }
    return true;
}

/* Encodes one code point (the caller passes a valid one) in 1 to 4 bytes. */
size_t a24_text_put(char *out, uint32_t c)
{
    unsigned char *o = (unsigned char *)out;
    if (c < 0x80) {
        o[0] = (unsigned char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (unsigned char)(0xC0 | (c >> 6));
        o[1] = (unsigned char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (c >> 12));
        o[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (c >> 18));
    o[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (c & 0x3F));
    return 4;
}

/* Unicode White_Space: what a question may consist of and still be empty. */
bool a24_text_is_space(uint32_t c)
{
    return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

/* Characters a browser draws as nothing; screening drops them, the validator ignores them. */
bool a24_text_is_invisible(uint32_t c)
{
    return c == 0x00AD || (c >= 0x200B && c <= 0x200D) || c == 0x2060 || c == 0xFEFF || c == 0x180E;
}

/* Blank: no character is anything but a space or invisible (broken bytes are visible). */
bool a24_text_is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        uint32_t c = a24_text_next(s, len, &i);
        if (!a24_text_is_space(c) && !a24_text_is_invisible(c))
            return false;
    }
    return true;
}

/* One formatted line into the caller's buffer, truncated and terminated. */
void a24_text_errf(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}
