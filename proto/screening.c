/*
 * screening: the warning-sign patterns and the check every question goes through.
 *
 * Owns what is loaded from <data_dir>/risk/: the Traditional -> Simplified table
 * (traditional.tsv) and, from every <name>.txt, three kinds of line (see the header of
 * risk/en.txt for the format): a pattern that flags a category by itself, a word that
 * belongs to a group ("$means: pills"), and an exclusion ("not: kill myself laughing")
 * that hides whatever pattern or word lies within it; plus rules that flag a category when
 * words of two groups occur in the text, or within a window of characters. All the
 * patterns, words and exclusions of all languages go into one Aho-Corasick matcher,
 * so a question costs one normalisation (screening_norm.c) and one pass.
 *
 * Latin patterns match whole words unless marked with '*' on a side; written without
 * spaces ("iwanttodie") they match inside a run of letters too. Korean and Chinese
 * patterns match with all spaces removed.
 *
 * Must never: log, copy out or keep the text it screens (the normalised copy lives for
 * one call and is wiped before it is freed); load with a served language's file missing
 * or without patterns; answer "no risk" when it could not screen.
 */
#include "screening.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "matcher.h"
#include "screening_norm.h"
#include "text.h"

/* Files that must exist and flag something: the languages answer24 serves. */
static const char *const required_lists[] = {"ko", "zh", "en"};

/* Categories of warning sign, most severe first; names are stored on tickets: keep them. */
static const char *const category_names[] = {
    "act_done", "plan",      "means",       "method", "intent",
    "farewell", "self_harm", "wish_to_die", "burden", "hopelessness",
};
#define N_CATEGORIES (sizeof category_names / sizeof *category_names)
#define CAT_NONE 0xFFFFu

#define MAX_PATTERN_BYTES 256 /* longer is a mistake in the file (two lines run together) */
#define MAX_PATTERN_CHARS 64  /* windows are checked knowing no pattern is longer */
#define MAX_GAPS 8
#define MAX_GROUPS 256

enum kind { FLAG, WORD, NOT };

struct pattern {
    uint8_t kind, latin, left, right; /* left/right: a word boundary is required there */
    uint16_t target;                  /* category (FLAG) or group (WORD) */
    uint16_t len, chars, n_gaps;
    uint16_t gaps[MAX_GAPS]; /* where the pattern as written had spaces */
    char *written;
};

struct rule {
    uint16_t category, a, b;
    uint32_t window; /* in characters; 0: anywhere in the text */
    char *written;
};

struct a24_screening {
    struct pattern *patterns;
    size_t n_patterns, cap_patterns;
    struct rule *rules;
    size_t n_rules, cap_rules;
    char *groups[MAX_GROUPS];
    size_t n_groups;
    a24_t2s_t t2s;
    size_t t2s_cap;
    a24_matcher_t *matcher;
};

/* One buffer for normalising `len` bytes: out, gap map and code points. */
struct norm_buf {
    char *out;
    uint8_t *gap;
    uint32_t *cp;
    size_t size, len;
};

/* Makes room for one more item after `n` in `*arr` (grow.h). */
static int reserve(void *arr, size_t *cap, size_t n, size_t size)
{
    return a24_grow(arr, cap, n, size, 64);
}

/* ---------------------------------------------------------------------------------
 * Normalising and matching one text
 * ------------------------------------------------------------------------------ */

/* One allocation for the code points, the bytes and the gap map of `len` input bytes. */
static int norm_alloc(struct norm_buf *b, size_t len)
{
    if (len > (SIZE_MAX / 8) - 8)
        return -1;
    b->size = (len + 1) * (1 + 1 + sizeof(uint32_t));
    char *mem = malloc(b->size);
    if (mem == NULL)
        return -1;
    b->cp = (uint32_t *)(void *)mem; /* first: malloc's alignment suits it */
    b->out = mem + (len + 1) * sizeof(uint32_t);
    b->gap = (uint8_t *)(b->out + len + 1);
    return 0;
}

/* Wipes and frees: the normalised text is the question's text. */
static void norm_free(struct norm_buf *b)
{
    if (b->out == NULL)
        return;
    explicit_bzero(b->cp, b->size);
    free(b->cp);
    b->out = NULL;
}

struct hit {
    uint32_t pattern;
    uint32_t start, end; /* in characters of the normalised text */
    uint32_t bstart, bend;
    uint8_t hidden; /* overlapped by an exclusion */
};

struct scan {
    const a24_screening_t *s;
    const struct norm_buf *text;
    struct hit *hits;
    size_t n, cap;
    size_t counted_to, chars; /* characters in text->out[0 .. counted_to) */
};

/* Bytes that continue a Latin word in the normalised text ("#" is a number). */
static bool is_alnum_byte(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '#';
}

/* True when a Latin pattern's occurrence at [b, e) has the word boundaries it needs. */
static bool latin_fits(const struct pattern *p, const struct norm_buf *t, size_t b, size_t e)
{
    bool run_together = p->n_gaps > 0; /* no gap anywhere inside, where the pattern has some */
    for (size_t i = b + 1; i < e && run_together; i++)
        if (t->gap[i])
            run_together = false;
    if (run_together)
        return true; /* written as one run of letters: "iwanttodie" */
    bool left = !p->left || t->gap[b] || !is_alnum_byte(t->out[b - 1]);
    bool right = !p->right || e == t->len || t->gap[e] || !is_alnum_byte(t->out[e]);
    return left && right;
}

/* The matcher's callback: checks boundaries and records the occurrence. */
static int on_hit(void *ctx, uint32_t id, size_t end)
{
    struct scan *sc = ctx;
    const struct pattern *p = &sc->s->patterns[id];
    size_t begin = end - p->len;
    if (p->latin && !latin_fits(p, sc->text, begin, end))
        return 0;
    for (; sc->counted_to < end; sc->counted_to++)
        if (((unsigned char)sc->text->out[sc->counted_to] & 0xC0) != 0x80)
            sc->chars++;
    if (reserve(&sc->hits, &sc->cap, sc->n, sizeof *sc->hits) != 0)
        return -1;
    sc->hits[sc->n++] = (struct hit){
        id, (uint32_t)(sc->chars - p->chars), (uint32_t)sc->chars, (uint32_t)begin, (uint32_t)end,
        0};
    return 0;
}

/* The first hit ending at or after byte `bend` (hits come in the order of their ends). */
static size_t first_ending_at(const struct scan *sc, uint32_t bend)
{
    size_t lo = 0, hi = sc->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (sc->hits[mid].bend < bend)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Hides every pattern or word occurrence that lies within an exclusion's. */
static void apply_exclusions(const a24_screening_t *s, struct scan *sc)
{
    for (size_t x = 0; x < sc->n; x++) {
        const struct hit *ex = &sc->hits[x];
        if (s->patterns[ex->pattern].kind != NOT)
            continue;
        for (size_t k = first_ending_at(sc, ex->bstart + 1);
             k < sc->n && sc->hits[k].bend <= ex->bend; k++) {
            struct hit *h = &sc->hits[k];
            if (s->patterns[h->pattern].kind != NOT && ex->bstart <= h->bstart)
                h->hidden = 1;
        }
    }
}

/* The visible word occurrences of each group: idx[first[g] .. first[g + 1]), in text order. */
struct by_group {
    uint32_t *idx;
    size_t first[MAX_GROUPS + 1];
};

/* Sorts the visible word occurrences by group (a counting sort); 0, or -1 without memory. */
static int index_groups(const a24_screening_t *s, const struct scan *sc, struct by_group *g)
{
    size_t at[MAX_GROUPS];
    memset(g->first, 0, sizeof g->first);
    for (size_t k = 0; k < sc->n; k++) {
        const struct pattern *p = &s->patterns[sc->hits[k].pattern];
        if (!sc->hits[k].hidden && p->kind == WORD)
            g->first[p->target + 1]++;
    }
    for (size_t k = 0; k < MAX_GROUPS; k++)
        g->first[k + 1] += g->first[k];
    g->idx = malloc((g->first[MAX_GROUPS] + 1) * sizeof *g->idx);
    if (g->idx == NULL)
        return -1;
    memcpy(at, g->first, sizeof at);
    for (size_t k = 0; k < sc->n; k++) {
        const struct pattern *p = &s->patterns[sc->hits[k].pattern];
        if (!sc->hits[k].hidden && p->kind == WORD)
            g->idx[at[p->target]++] = (uint32_t)k;
    }
    return 0;
}

/* True when hits x and y are at most `window` characters apart (or overlap). */
static bool near(const struct hit *x, const struct hit *y, uint32_t window)
{
    uint32_t from = x->start > y->start ? x->start : y->start;
    uint32_t to = x->end < y->end ? x->end : y->end;
    return from <= to || from - to <= window;
}

/* True when words of groups a and b occur (within `window` characters if set). */
static bool rule_holds(const struct scan *sc, const struct by_group *g, const struct rule *r)
{
    const uint32_t *a = g->idx + g->first[r->a], *b = g->idx + g->first[r->b];
    size_t na = g->first[r->a + 1] - g->first[r->a], nb = g->first[r->b + 1] - g->first[r->b];
    if (na == 0 || nb == 0 || (r->a == r->b && na < 2))
        return false;
    if (r->window == 0)
        return true;
    for (size_t i = 0; i < na; i++) {
        const struct hit *x = &sc->hits[a[i]];
        uint32_t lowest_end = x->start > r->window ? x->start - r->window : 0;
        size_t lo = 0, hi = nb; /* the first b ending at or after lowest_end */
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (sc->hits[b[mid]].end < lowest_end)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (size_t k = lo; k < nb; k++) {
            const struct hit *y = &sc->hits[b[k]];
            if (y->end > x->end + r->window + MAX_PATTERN_CHARS)
                break; /* no later b can start close enough */
            if (b[k] != a[i] && near(x, y, r->window))
                return true;
        }
    }
    return false;
}

/*
 * The most severe category found, with what decided it in *why; CAT_NONE if none, -1
 * without the memory to decide.
 */
static int decide(const a24_screening_t *s, const struct scan *sc, const char **why)
{
    unsigned best = CAT_NONE;
    struct by_group g;
    *why = NULL;
    for (size_t k = 0; k < sc->n; k++) {
        const struct pattern *p = &s->patterns[sc->hits[k].pattern];
        if (!sc->hits[k].hidden && p->kind == FLAG && p->target < best) {
            best = p->target;
            *why = p->written;
        }
    }
    if (index_groups(s, sc, &g) != 0)
        return -1;
    for (size_t r = 0; r < s->n_rules; r++) {
        const struct rule *rule = &s->rules[r];
        if (rule->category < best && rule_holds(sc, &g, rule)) {
            best = rule->category;
            *why = rule->written;
        }
    }
    free(g.idx);
    return (int)best;
}

/*
 * Screens `text`: returns the category index (CAT_NONE for none) with the deciding
 * pattern in *why, or -1 when it could not screen.
 */
static int screen_text(const a24_screening_t *s, const char *text, size_t len, const char **why)
{
    struct norm_buf nb = {0};
    struct scan sc = {.s = s, .text = &nb};
    int rc = -1;
    if (norm_alloc(&nb, len) != 0)
        return -1;
    nb.len = a24_norm_text(&s->t2s, text, len, nb.out, nb.gap, nb.cp);
    if (a24_matcher_scan(s->matcher, nb.out, nb.len, on_hit, &sc) == 0) {
        apply_exclusions(s, &sc);
        rc = decide(s, &sc, why);
    }
    free(sc.hits);
    norm_free(&nb);
    return rc;
}

/* ---------------------------------------------------------------------------------
 * Loading
 * ------------------------------------------------------------------------------ */

/* Where a line comes from, for the error message. */
struct where {
    const char *file;
    unsigned long line;
    char *err;
    size_t errlen;
};

#define FAIL(w, ...)                                                                               \
    do {                                                                                           \
        char why_[160];                                                                            \
        snprintf(why_, sizeof why_, __VA_ARGS__);                                                  \
        a24_text_errf((w)->err, (w)->errlen, "risk/%s:%lu: %s", (w)->file, (w)->line, why_);       \
    } while (0)

/* The index of a category name, or -1. */
static int category_of(const char *name)
{
    for (size_t k = 0; k < N_CATEGORIES; k++)
        if (strcmp(category_names[k], name) == 0)
            return (int)k;
    return -1;
}

/* The index of group `name` (without '$'), added if new; -1 when there are too many. */
static int group_of(a24_screening_t *s, const char *name)
{
    for (size_t k = 0; k < s->n_groups; k++)
        if (strcmp(s->groups[k], name) == 0)
            return (int)k;
    if (s->n_groups == MAX_GROUPS || (s->groups[s->n_groups] = strdup(name)) == NULL)
        return -1;
    return (int)s->n_groups++;
}

/* Trims spaces and tabs at both ends, in place. */
static char *trim(char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    size_t n = strlen(p);
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' || p[n - 1] == '\n'))
        p[--n] = '\0';
    return p;
}

/* Fills p's normalised form in `nb` and its length, characters and gaps. */
static int normalise_pattern(const a24_screening_t *s, struct pattern *p, const char *text,
                             struct norm_buf *nb, struct where *w)
{
    size_t len = strlen(text);
    if (len > MAX_PATTERN_BYTES) {
        FAIL(w, "pattern too long");
        return -1;
    }
    nb->len = a24_norm_text(&s->t2s, text, len, nb->out, nb->gap, nb->cp);
    if (nb->len == 0) {
        FAIL(w, "\"%s\" is empty once normalised", text);
        return -1;
    }
    p->len = (uint16_t)nb->len;
    p->chars = 0;
    p->n_gaps = 0;
    p->latin = 0;
    for (size_t i = 0; i < nb->len; i++) {
        unsigned char c = (unsigned char)nb->out[i];
        p->chars += (c & 0xC0) != 0x80;
        p->latin |= (c >= 'a' && c <= 'z');
        if (i > 0 && nb->gap[i] && p->n_gaps < MAX_GAPS)
            p->gaps[p->n_gaps++] = (uint16_t)i;
    }
    if (p->chars > MAX_PATTERN_CHARS) {
        FAIL(w, "pattern longer than %d characters", MAX_PATTERN_CHARS);
        return -1;
    }
    return 0;
}

/* Adds one pattern (a FLAG, WORD or NOT) as written, to the list and the matcher. */
static int add_pattern(a24_screening_t *s, enum kind kind, unsigned target, char *text,
                       struct where *w)
{
    struct norm_buf nb = {0};
    struct pattern p = {.kind = (uint8_t)kind, .target = (uint16_t)target, .left = 1, .right = 1};
    size_t n = strlen(text);
    if (n > 0 && text[n - 1] == '*')
        p.right = 0, text[--n] = '\0';
    if (*text == '*')
        p.left = 0, text++;
    if (reserve(&s->patterns, &s->cap_patterns, s->n_patterns, sizeof *s->patterns) != 0 ||
        norm_alloc(&nb, strlen(text)) != 0)
        goto oom;
    int rc = normalise_pattern(s, &p, text, &nb, w);
    if (rc == 0 && ((p.written = strdup(text)) == NULL ||
                    a24_matcher_add(s->matcher, nb.out, nb.len, (uint32_t)s->n_patterns) != 0)) {
        free(p.written);
        norm_free(&nb);
        goto oom;
    }
    norm_free(&nb);
    if (rc == 0)
        s->patterns[s->n_patterns++] = p;
    return rc;

oom:
    FAIL(w, "out of memory");
    return -1;
}

/* Parses "$a + $b" or "$a + $b ~ N" into a rule of `category`. */
static int add_rule(a24_screening_t *s, unsigned category, char *text, struct where *w)
{
    char a[64], b[64];
    unsigned window = 0;
    int got = sscanf(text, "$%63[a-z_0-9] + $%63[a-z_0-9] ~ %u", a, b, &window);
    if (got < 2) {
        FAIL(w, "a rule reads \"$group + $group\" or \"$group + $group ~ characters\"");
        return -1;
    }
    if (reserve(&s->rules, &s->cap_rules, s->n_rules, sizeof *s->rules) != 0)
        goto oom;
    int ga = group_of(s, a), gb = group_of(s, b);
    char *written = strdup(text);
    if (ga < 0 || gb < 0 || written == NULL) {
        free(written);
        goto oom;
    }
    s->rules[s->n_rules++] =
        (struct rule){(uint16_t)category, (uint16_t)ga, (uint16_t)gb, window, written};
    return 0;

oom:
    FAIL(w, "out of memory, or more than %d groups", MAX_GROUPS);
    return -1;
}

/* One "key: value | value" line; *flags counts the category patterns and rules. */
static int parse_line(a24_screening_t *s, char *line, size_t *flags, struct where *w)
{
    char *colon = strchr(line, ':');
    if (colon == NULL) {
        FAIL(w, "expected \"category: pattern\", \"$group: word\" or \"not: pattern\"");
        return -1;
    }
    *colon = '\0';
    char *key = trim(line), *value = trim(colon + 1);
    int category = category_of(key);
    if (category >= 0 && *value == '$') {
        (*flags)++;
        return add_rule(s, (unsigned)category, value, w);
    }
    enum kind kind = category >= 0 ? FLAG : key[0] == '$' ? WORD : NOT;
    int target = kind == WORD ? group_of(s, key + 1) : category;
    if (kind == NOT && strcmp(key, "not") != 0) {
        FAIL(w, "unknown category \"%s\"", key);
        return -1;
    }
    if (kind == WORD && (target < 0 || key[1] == '\0')) {
        FAIL(w, "bad group name, or more than %d groups", MAX_GROUPS);
        return -1;
    }
    for (char *save = NULL, *v = strtok_r(value, "|", &save); v != NULL;
         v = strtok_r(NULL, "|", &save)) {
        char *one = trim(v);
        if (*one == '\0')
            continue;
        if (add_pattern(s, kind, target < 0 ? 0 : (unsigned)target, one, w) != 0)
            return -1;
        *flags += kind == FLAG;
    }
    return 0;
}

/* Reads `path` line by line, calling `each` on every line that is not blank or '#'. */
static int read_lines(const char *path, struct where *w,
                      int (*each)(a24_screening_t *, char *, size_t *, struct where *),
                      a24_screening_t *s, size_t *count)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        a24_text_errf(w->err, w->errlen, "risk/%s: %s", w->file, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int rc = 0;
    while (rc == 0 && (got = getline(&line, &cap, f)) != -1) {
        w->line++;
        char *p = line;
        if (w->line == 1 && got >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
            p += 3; /* a byte-order mark from a Windows editor */
        if (memchr(p, '\0', (size_t)(got - (p - line))) != NULL || !a24_text_valid(p, strlen(p))) {
            FAIL(w, "not valid UTF-8 text");
            rc = -1;
            break;
        }
        p = trim(p);
        if (*p != '\0' && *p != '#')
            rc = each(s, p, count, w);
    }
    if (rc == 0 && ferror(f)) {
        FAIL(w, "read error");
        rc = -1;
    }
    free(line);
    fclose(f);
    return rc;
}

/* One line of traditional.tsv: pairs "繁简" separated by spaces. */
static int parse_t2s(a24_screening_t *s, char *line, size_t *count, struct where *w)
{
    size_t len = strlen(line);
    for (size_t i = 0; i < len;) {
        uint32_t from = a24_text_next(line, len, &i);
        if (a24_text_is_space(from))
            continue;
        uint32_t to = i < len ? a24_text_next(line, len, &i) : 0;
        if (to == 0 || a24_text_is_space(to) || from < 0x3400 || to < 0x3400) {
            FAIL(w, "expected pairs of a Traditional and a Simplified character");
            return -1;
        }
        if (reserve(&s->t2s.pairs, &s->t2s_cap, s->t2s.n, sizeof *s->t2s.pairs) != 0) {
            FAIL(w, "out of memory");
            return -1;
        }
        s->t2s.pairs[s->t2s.n++] = (a24_t2s_pair_t){from, to};
        (*count)++;
    }
    return 0;
}

/* qsort comparator for file names, so files load (and report matches) in a fixed order. */
static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists the "*.txt" names in `dir`, sorted, into a new array of new strings. */
static int list_files(const char *dir, char ***names_out, size_t *n_out, char *err, size_t errlen)
{
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = -1;
    DIR *d = opendir(dir);
    if (d == NULL) {
        a24_text_errf(err, errlen, "risk/: %s", strerror(errno));
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
        a24_text_errf(err, errlen, "risk/: out of memory");
    for (size_t k = 0; names != NULL && k < n; k++)
        free(names[k]);
    free(names);
    closedir(d);
    return rc;
}

/* Reads risk/<name> with `each`; *count gets what `each` counted. */
static int load_file(a24_screening_t *s, const char *dir, const char *name,
                     int (*each)(a24_screening_t *, char *, size_t *, struct where *),
                     size_t *count, char *err, size_t errlen)
{
    char path[4096];
    struct where w = {name, 0, err, errlen};
    *count = 0;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path) {
        a24_text_errf(err, errlen, "risk/%s: path too long", name);
        return -1;
    }
    return read_lines(path, &w, each, s, count);
}

/* Every rule's groups must have words, or the rule could never hold. */
static int check_groups(const a24_screening_t *s, char *err, size_t errlen)
{
    for (size_t g = 0; g < s->n_groups; g++) {
        bool has_words = false;
        for (size_t k = 0; k < s->n_patterns && !has_words; k++)
            has_words = s->patterns[k].kind == WORD && s->patterns[k].target == g;
        if (!has_words) {
            a24_text_errf(err, errlen, "risk/: group $%s is used but has no words", s->groups[g]);
            return -1;
        }
    }
    return 0;
}

/* Loads every list, in name order; each served language's file must flag something. */
static int load_lists(a24_screening_t *s, const char *dir, char *err, size_t errlen)
{
    enum { REQUIRED = sizeof required_lists / sizeof *required_lists };
    char **names = NULL;
    size_t n = 0, counts[REQUIRED] = {0};
    int rc = -1;
    if (list_files(dir, &names, &n, err, errlen) != 0)
        return -1;
    for (size_t k = 0; k < n; k++) {
        size_t count;
        if (load_file(s, dir, names[k], parse_line, &count, err, errlen) != 0)
            goto out;
        for (size_t r = 0; r < REQUIRED; r++)
            if (strncmp(names[k], required_lists[r], 2) == 0 && strcmp(names[k] + 2, ".txt") == 0)
                counts[r] = count;
    }
    for (size_t r = 0; r < REQUIRED; r++) {
        if (counts[r] == 0) {
            a24_text_errf(
                err, errlen,
                "risk/%s.txt: missing or without patterns; every served language needs one",
                required_lists[r]);
            goto out;
        }
    }
    rc = check_groups(s, err, errlen);

out:
    for (size_t k = 0; k < n; k++)
        free(names[k]);
    free(names);
    return rc;
}

/*
 * The Traditional table first (patterns are normalised with it), then every list, then
 * the automaton.
 */
a24_screening_t *a24_screening_create(const char *data_dir, char *err, size_t errlen)
{
    char dir[4096];
    size_t pairs = 0;
    if (data_dir == NULL || (size_t)snprintf(dir, sizeof dir, "%s/risk", data_dir) >= sizeof dir) {
        a24_text_errf(err, errlen, "risk/: no usable data directory");
        return NULL;
    }
    a24_screening_t *s = calloc(1, sizeof *s);
    if (s == NULL || (s->matcher = a24_matcher_create()) == NULL) {
        a24_text_errf(err, errlen, "risk/: out of memory");
        a24_screening_destroy(s);
        return NULL;
    }
    if (load_file(s, dir, "traditional.tsv", parse_t2s, &pairs, err, errlen) != 0)
        goto fail;
    a24_norm_t2s_sort(&s->t2s);
    if (load_lists(s, dir, err, errlen) != 0)
        goto fail;
    if (a24_matcher_build(s->matcher) != 0) {
        a24_text_errf(err, errlen, "risk/: out of memory");
        goto fail;
    }
    return s;

fail:
    a24_screening_destroy(s);
    return NULL;
}

/* Frees the patterns, rules, groups, table and matcher; NULL is fine. */
void a24_screening_destroy(a24_screening_t *s)
{
    if (s == NULL)
        return;
    for (size_t k = 0; k < s->n_patterns; k++)
        free(s->patterns[k].written);
    for (size_t k = 0; k < s->n_rules; k++)
        free(s->rules[k].written);
    for (size_t k = 0; k < s->n_groups; k++)
        free(s->groups[k]);
    free(s->patterns);
    free(s->rules);
    free(s->t2s.pairs);
    a24_matcher_destroy(s->matcher);
    free(s);
}

/* ---------------------------------------------------------------------------------
 * Screening
 * ------------------------------------------------------------------------------ */

/* PHQ-9 item 9, "thoughts that you would be better off dead or of hurting yourself". */
#define PHQ9_ITEM9 8

/* The text first, then PHQ-9 item 9; anything that stops the screening answers a risk. */
a24_screening_result_t a24_screening_screen(const a24_screening_t *s, const char *text, size_t len,
                                            const int *phq9)
{
    bool item9 = phq9 != NULL && phq9[PHQ9_ITEM9] > 0;
    a24_screening_result_t unscreened = {item9 ? A24_RISK_PHQ9_ITEM9 : A24_RISK_PHRASE,
                                         "unscreened"};
    if (s == NULL)
        return unscreened;
    if (text != NULL && len > 0) {
        const char *why;
        int cat = screen_text(s, text, len, &why);
        if (cat < 0)
            return unscreened;
        if (cat != CAT_NONE)
            return (a24_screening_result_t){A24_RISK_PHRASE, category_names[cat]};
    }
    if (item9)
        return (a24_screening_result_t){A24_RISK_PHQ9_ITEM9, "phq9_item9"};
    return (a24_screening_result_t){A24_RISK_NONE, NULL};
}

/* The reason alone, for the callers that only flag. */
a24_risk_reason_t a24_screening_check(const a24_screening_t *s, const char *text, size_t len,
                                      const int *phq9)
{
    return a24_screening_screen(s, text, len, phq9).reason;
}

/* The category alone: what a ticket stores as its crisis reason. */
const char *a24_screening_category(const a24_screening_t *s, const char *text, size_t len,
                                   const int *phq9)
{
    return a24_screening_screen(s, text, len, phq9).category;
}

/* What decided, as written in its file; NULL when nothing did or screening failed. */
const char *a24_screening_match(const a24_screening_t *s, const char *text, size_t len)
{
    const char *why = NULL;
    if (s == NULL || text == NULL || len == 0)
        return NULL;
    int cat = screen_text(s, text, len, &why);
    return cat < 0 || cat == CAT_NONE ? NULL : why;
}

/* Patterns, words, exclusions and rules loaded. */
size_t a24_screening_size(const a24_screening_t *s)
{
    return s != NULL ? s->n_patterns + s->n_rules : 0;
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
