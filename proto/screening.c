/*
 * screening: the risk phrase lists and the check every question goes through on intake.
 *
 * Owns the phrases loaded from <data_dir>/risk/<lang>.txt and the text normalisation
 * that makes a phrase match however it is spaced, cased or typed: phrases with Korean or
 * Chinese in them are compared with the text after all whitespace is removed; Latin
 * phrases match whole words, ignoring case, after whitespace runs collapse to one space,
 * hyphens read as spaces and curly apostrophes as straight ones. Every list is checked
 * against every question, whatever its declared language.
 *
 * Must never: log, copy out or keep the text it screens (the normalised copies live only
 * for the length of one call and are wiped before they are freed); load with a language
 * list missing or empty; answer "no risk" when it could not screen (it answers "phrase").
 */
#include "screening.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Lists that must exist and hold at least one phrase: the languages answer24 serves. */
static const char *const required_lists[] = {"ko", "zh", "en"};

/* A phrase longer than this is a mistake in the file (two lines run together, say). */
#define MAX_PHRASE_BYTES 256

struct phrase {
    char *norm;    /* normalised, NUL-terminated */
    size_t len;    /* strlen(norm) */
    bool words;    /* Latin phrase: whole words in the spaced form, else the compact form */
    char *written; /* as written in the list, for a24_screening_match */
};

struct a24_screening {
    struct phrase *phrases;
    size_t len, cap;
};

/* ---------------------------------------------------------------------------------
 * Normalisation
 * ------------------------------------------------------------------------------ */

/*
 * Decodes one UTF-8 sequence at s[*i], advancing *i past it. An invalid or truncated
 * sequence, an overlong form or a surrogate yields U+FFFD and consumes one byte, so a
 * broken text is still screened rather than skipped.
 */
static uint32_t next_codepoint(const unsigned char *s, size_t len, size_t *i)
{
    unsigned char b = s[*i];
    uint32_t c, min;
    int extra;
    if (b < 0x80) {
        (*i)++;
        return b;
    } else if (b >= 0xC2 && b <= 0xDF) {
        c = b & 0x1F, extra = 1, min = 0x80;
    } else if (b >= 0xE0 && b <= 0xEF) {
        c = b & 0x0F, extra = 2, min = 0x800;
    } else if (b >= 0xF0 && b <= 0xF4) {
        c = b & 0x07, extra = 3, min = 0x10000;
    } else {
        (*i)++;
        return 0xFFFD;
    }
    if (len - *i <= (size_t)extra) {
        (*i)++;
        return 0xFFFD;
    }
    for (int k = 1; k <= extra; k++) {
        if ((s[*i + k] & 0xC0) != 0x80) {
            (*i)++;
            return 0xFFFD;
        }
        c = (c << 6) | (s[*i + k] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
        (*i)++;
        return 0xFFFD;
    }
    *i += (size_t)extra + 1;
    return c;
}

/* Writes `c` as UTF-8 at out; returns the number of bytes written. */
static size_t put_codepoint(char *out, uint32_t c)
{
    unsigned char *o = (unsigned char *)out;
    if (c < 0x80) {
        o[0] = (unsigned char)c;
        return 1;
    } else if (c < 0x800) {
        o[0] = (unsigned char)(0xC0 | (c >> 6));
        o[1] = (unsigned char)(0x80 | (c & 0x3F));
        return 2;
    } else if (c < 0x10000) {
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

/* Characters that take no room at all: dropped everywhere ("sui\u00ADcide" = "suicide"). */
static bool is_invisible(uint32_t c)
{
    return c == 0x00AD || (c >= 0x200B && c <= 0x200D) || c == 0x2060 || c == 0xFEFF || c == 0x180E;
}

/* Whitespace, including the no-break, ideographic and other Unicode spaces. */
static bool is_space(uint32_t c)
{
    return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

/*
 * Folds the ways one character is typed into one: full-width ASCII (common with Chinese
 * and Japanese input methods) to ASCII, ASCII upper case to lower case, curly and
 * modifier apostrophes to ', and the Unicode hyphens and dashes to '-'. Only ASCII is
 * case-folded: the lists are Korean, Chinese and English.
 */
static uint32_t fold(uint32_t c)
{
    if (c >= 0xFF01 && c <= 0xFF5E)
        c -= 0xFEE0;
    if (c >= 'A' && c <= 'Z')
        return c + ('a' - 'A');
    if (c == 0x2018 || c == 0x2019 || c == 0x201B || c == 0x02BC || c == 0x2032)
        return '\'';
    if ((c >= 0x2010 && c <= 0x2015) || c == 0x2212 || c == 0xFE63)
        return '-';
    return c;
}

#define HANGUL_BASE 0xAC00
#define HANGUL_LAST 0xD7A3
#define JAMO_L_BASE 0x1100
#define JAMO_V_BASE 0x1161
#define JAMO_T_BASE 0x11A7
#define JAMO_L_COUNT 19
#define JAMO_V_COUNT 21
#define JAMO_T_COUNT 28

/*
 * Composes a decomposed Hangul pair (leading + vowel jamo, or a syllable without a final
 * + trailing jamo) into one syllable, as NFC would; returns 0 when `prev` and `c` do not
 * compose. Text pasted from macOS file names arrives decomposed, and must still match.
 */
static uint32_t compose_hangul(uint32_t prev, uint32_t c)
{
    if (prev >= JAMO_L_BASE && prev < JAMO_L_BASE + JAMO_L_COUNT && c >= JAMO_V_BASE &&
        c < JAMO_V_BASE + JAMO_V_COUNT)
        return HANGUL_BASE +
               ((prev - JAMO_L_BASE) * JAMO_V_COUNT + (c - JAMO_V_BASE)) * JAMO_T_COUNT;
    if (prev >= HANGUL_BASE && prev <= HANGUL_LAST && (prev - HANGUL_BASE) % JAMO_T_COUNT == 0 &&
        c > JAMO_T_BASE && c < JAMO_T_BASE + JAMO_T_COUNT)
        return prev + (c - JAMO_T_BASE);
    return 0;
}

/*
 * Normalises `len` bytes of `in` into `out`, which must hold len + 1 bytes (the output
 * is never longer than the input: every fold shrinks or keeps a character's size, and a
 * broken byte becomes one '?'). NUL-terminates and returns the length written.
 *
 * compact (`words` false): whitespace and invisible characters removed.
 * spaced (`words` true): each run of whitespace and hyphens becomes one space, with none
 * at either end, so that "Self -\n harm" reads "self harm".
 */
static size_t normalise(const char *in, size_t len, char *out, bool words)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t o = 0, last_at = 0;
    uint32_t last = 0; /* the last character written, at out[last_at] */
    bool gap = false;  /* a space is owed before the next character */
    for (size_t i = 0; i < len;) {
        uint32_t c = fold(next_codepoint(s, len, &i));
        if (is_invisible(c))
            continue;
        if (is_space(c) || (words && c == '-')) {
            gap = words && o > 0;
            continue;
        }
        if (c == 0xFFFD)
            c = '?';
        if (gap) {
            out[o++] = ' ';
            last = ' ';
            gap = false;
        }
        uint32_t syllable = compose_hangul(last, c);
        if (syllable != 0) {
            o = last_at; /* rewrite the previous character: a syllable is no longer */
            c = syllable;
        }
        last_at = o;
        last = c;
        o += put_codepoint(out + o, c);
    }
    out[o] = '\0';
    return o;
}

/* True for the characters a Latin phrase's word boundary may not cut through. */
static bool is_word_byte(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
}

/* True when the phrase occurs in the spaced text with a word boundary on both sides. */
static bool has_words(const char *text, size_t len, const struct phrase *p)
{
    const char *at = text, *end = text + len;
    while ((at = memmem(at, (size_t)(end - at), p->norm, p->len)) != NULL) {
        bool starts = at == text || !is_word_byte(at[-1]);
        bool ends = at + p->len == end || !is_word_byte(at[p->len]);
        if (starts && ends)
            return true;
        at++;
    }
    return false;
}

/*
 * Finds the first phrase, in list order, that occurs in `text`. Returns 1 with *hit set,
 * 0 when none does, -1 when the text could not be screened (out of memory).
 */
static int find_phrase(const a24_screening_t *s, const char *text, size_t len,
                       const struct phrase **hit)
{
    *hit = NULL;
    if (len > (SIZE_MAX - 2) / 2)
        return -1;
    char *buf = malloc(2 * (len + 1));
    if (buf == NULL)
        return -1;
    char *compact = buf, *spaced = buf + len + 1;
    size_t compact_len = normalise(text, len, compact, false);
    size_t spaced_len = normalise(text, len, spaced, true);
    for (size_t k = 0; k < s->len && *hit == NULL; k++) {
        const struct phrase *p = &s->phrases[k];
        if (p->words ? has_words(spaced, spaced_len, p)
                     : memmem(compact, compact_len, p->norm, p->len) != NULL)
            *hit = p;
    }
    explicit_bzero(buf, 2 * (len + 1)); /* the question text must not outlive the call */
    free(buf);
    return *hit != NULL;
}

/* ---------------------------------------------------------------------------------
 * Loading the lists
 * ------------------------------------------------------------------------------ */

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Formats one line into the caller's error buffer, if it gave one. */
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* True when `phrase` has any character outside ASCII (Korean, Chinese, ...). */
static bool has_non_ascii(const char *phrase)
{
    for (const unsigned char *p = (const unsigned char *)phrase; *p != '\0'; p++)
        if (*p >= 0x80)
            return true;
    return false;
}

/* True when `len` bytes at `s` are valid UTF-8. */
static bool valid_utf8(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t at = i;
        if (next_codepoint((const unsigned char *)s, len, &i) == 0xFFFD &&
            !(i - at == 3 && memcmp(s + at, "\xEF\xBF\xBD", 3) == 0))
            return false;
    }
    return true;
}

/*
 * Appends one phrase as written (already trimmed, NUL-terminated). Returns 0, or -1 when
 * out of memory or when nothing is left of it after normalisation.
 */
static int add_phrase(a24_screening_t *s, const char *written, size_t len)
{
    if (s->len == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 128;
        struct phrase *grown = realloc(s->phrases, cap * sizeof *grown);
        if (grown == NULL)
            return -1;
        s->phrases = grown;
        s->cap = cap;
    }
    struct phrase *p = &s->phrases[s->len];
    p->words = !has_non_ascii(written);
    p->written = strdup(written);
    p->norm = malloc(len + 1);
    if (p->written == NULL || p->norm == NULL)
        goto error;
    p->len = normalise(written, len, p->norm, p->words);
    if (p->len == 0)
        goto error;
    s->len++;
    return 0;

error:
    free(p->written);
    free(p->norm);
    return -1;
}

/*
 * Loads one list file into `s`, counting its phrases into *count. Returns 0, or -1 with
 * "risk/<name>:<line>: why" in `err`.
 */
static int load_list(a24_screening_t *s, const char *dir, const char *name, size_t *count,
                     char *err, size_t errlen)
{
    char path[4096];
    char *line = NULL;
    size_t cap = 0;
    unsigned long lineno = 0;
    int rc = -1;
    *count = 0;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path) {
        set_err(err, errlen, "risk/%s: path too long", name);
        return -1;
    }
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        set_err(err, errlen, "risk/%s: %s", name, strerror(errno));
        return -1;
    }
    ssize_t got;
    while ((got = getline(&line, &cap, f)) != -1) {
        lineno++;
        char *p = line;
        size_t n = (size_t)got;
        if (lineno == 1 && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
            p += 3; /* a byte-order mark from a Windows editor */
            n -= 3;
        }
        while (n > 0 &&
               (p[n - 1] == '\n' || p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        while (n > 0 && (*p == ' ' || *p == '\t')) {
            p++;
            n--;
        }
        p[n] = '\0';
        if (n == 0 || *p == '#')
            continue;
        if (memchr(p, '\0', n) != NULL || !valid_utf8(p, n)) {
            set_err(err, errlen, "risk/%s:%lu: not valid UTF-8 text", name, lineno);
            goto out;
        }
        if (n > MAX_PHRASE_BYTES) {
            set_err(err, errlen, "risk/%s:%lu: phrase too long", name, lineno);
            goto out;
        }
        if (add_phrase(s, p, n) != 0) {
            set_err(err, errlen, "risk/%s:%lu: empty after normalisation, or out of memory", name,
                    lineno);
            goto out;
        }
        (*count)++;
    }
    if (ferror(f)) {
        set_err(err, errlen, "risk/%s: read error", name);
        goto out;
    }
    rc = 0;

out:
    free(line);
    fclose(f);
    return rc;
}

/* qsort comparator for file names, so lists load (and report matches) in a fixed order. */
static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Lists the "*.txt" names in `dir`, sorted, into a new array of new strings. Returns 0,
 * or -1 with `err` set.
 */
static int list_files(const char *dir, char ***names_out, size_t *n_out, char *err, size_t errlen)
{
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = -1;
    DIR *d = opendir(dir);
    if (d == NULL) {
        set_err(err, errlen, "risk/: %s", strerror(errno));
        return -1;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len <= 4 || e->d_name[0] == '.' || strcmp(e->d_name + len - 4, ".txt") != 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            char **grown = realloc(names, cap * sizeof *grown);
            if (grown == NULL)
                goto out;
            names = grown;
        }
        if ((names[n] = strdup(e->d_name)) == NULL)
            goto out;
        n++;
    }
    if (n > 1)
        qsort(names, n, sizeof *names, by_name);
    *names_out = names;
    *n_out = n;
    names = NULL;
    rc = 0;

out:
    if (rc != 0)
        set_err(err, errlen, "risk/: out of memory");
    for (size_t k = 0; names != NULL && k < n; k++)
        free(names[k]);
    free(names);
    closedir(d);
    return rc;
}

/* True when the file `name` is the list for `lang` ("ko" -> "ko.txt"). */
static bool is_list_of(const char *name, const char *lang)
{
    size_t len = strlen(lang);
    return strncmp(name, lang, len) == 0 && strcmp(name + len, ".txt") == 0;
}

/*
 * Loads every risk/<name>.txt under `data_dir`, in name order, and refuses the lot unless each
 * served language has a list with at least one phrase.
 */
a24_screening_t *a24_screening_create(const char *data_dir, char *err, size_t errlen)
{
    enum { REQUIRED = sizeof required_lists / sizeof *required_lists };
    char dir[4096];
    char **names = NULL;
    size_t n = 0, counts[REQUIRED] = {0};
    bool ok = false;
    if (data_dir == NULL || (size_t)snprintf(dir, sizeof dir, "%s/risk", data_dir) >= sizeof dir) {
        set_err(err, errlen, "risk/: no usable data directory");
        return NULL;
    }
    if (list_files(dir, &names, &n, err, errlen) != 0)
        return NULL;
    a24_screening_t *s = calloc(1, sizeof *s);
    if (s == NULL) {
        set_err(err, errlen, "risk/: out of memory");
        goto out;
    }
    for (size_t k = 0; k < n; k++) {
        size_t count;
        if (load_list(s, dir, names[k], &count, err, errlen) != 0)
            goto out;
        for (size_t r = 0; r < REQUIRED; r++)
            if (is_list_of(names[k], required_lists[r]))
                counts[r] = count;
    }
    for (size_t r = 0; r < REQUIRED; r++) {
        if (counts[r] == 0) {
            set_err(err, errlen,
                    "risk/%s.txt: missing or without phrases; every served language needs one",
                    required_lists[r]);
            goto out;
        }
    }
    ok = true;

out:
    for (size_t k = 0; k < n; k++)
        free(names[k]);
    free(names);
    if (!ok) {
        a24_screening_destroy(s);
        s = NULL;
    }
    return s;
}

/* Frees the phrases and the object; NULL is fine. */
void a24_screening_destroy(a24_screening_t *s)
{
    if (s == NULL)
        return;
    for (size_t k = 0; k < s->len; k++) {
        free(s->phrases[k].norm);
        free(s->phrases[k].written);
    }
    free(s->phrases);
    free(s);
}

/* ---------------------------------------------------------------------------------
 * Screening
 * ------------------------------------------------------------------------------ */

/* PHQ-9 item 9, "thoughts that you would be better off dead or of hurting yourself". */
#define PHQ9_ITEM9 8

/*
 * Phrases first, then PHQ-9 item 9. Without a screening object, or without the memory to
 * screen, the answer is a raised risk, never A24_RISK_NONE.
 */
a24_risk_reason_t a24_screening_check(const a24_screening_t *s, const char *text, size_t len,
                                      const int *phq9)
{
    const struct phrase *hit;
    bool item9 = phq9 != NULL && phq9[PHQ9_ITEM9] > 0;
    if (s == NULL)
        return item9 ? A24_RISK_PHQ9_ITEM9 : A24_RISK_PHRASE; /* unscreened: raise */
    if (text != NULL && len > 0) {
        int found = find_phrase(s, text, len, &hit);
        if (found != 0)
            return (found > 0 || !item9) ? A24_RISK_PHRASE : A24_RISK_PHQ9_ITEM9;
    }
    return item9 ? A24_RISK_PHQ9_ITEM9 : A24_RISK_NONE;
}

/* The first phrase found, as written in its list; NULL when none (or unscreenable). */
const char *a24_screening_match(const a24_screening_t *s, const char *text, size_t len)
{
    const struct phrase *hit = NULL;
    if (s == NULL || text == NULL || len == 0 || find_phrase(s, text, len, &hit) <= 0)
        return NULL;
    return hit->written;
}

/* Stable names: they are stored on tickets and sent in alerts, so never rename one. */
const char *a24_risk_reason_name(a24_risk_reason_t r)
{
    switch (r) {
    case A24_RISK_NONE:
        return "none";
    case A24_RISK_PHRASE:
        return "phrase";
    case A24_RISK_PHQ9_ITEM9:
        return "phq9_item9";
    }
    return "unknown";
}
