/*
 * pages: the pages read and expanded once at start (the rules are in pages.h).
 *
 * Must never: leave a marker or a {{key}} in a page it returns, read a fragment from
 * anywhere but <static_dir>/_partials (a fragment's name is lower-case letters, digits
 * and dashes plus ".html"), or hold a page larger than MAX_BYTES.
 */
#include "pages.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <h2o.h>

#define MARK "<!--#"
#define MAX_BYTES (1024 * 1024) /* larger than any page of ours by far */
#define MAX_DEPTH 4             /* fragments including fragments, at most this deep */
#define MAX_PARAMS 8

static const char NAME_CHARS[] = "abcdefghijklmnopqrstuvwxyz0123456789-";
static const char KEY_CHARS[] = "abcdefghijklmnopqrstuvwxyz";

typedef struct {
    a24_page_t page;
    char *body;
    char etag[48];
    char last_modified[H2O_TIMESTR_RFC1123_LEN + 1];
} slot_t;

struct a24_pages {
    size_t n;
    slot_t slots[]; /* one allocation with the set */
};

/* A growing byte buffer, always NUL-terminated once it has memory. */
typedef struct {
    char *p;
    size_t len, cap;
} buf_t;

typedef struct {
    const char *key, *val;
    size_t key_len, val_len;
    bool used;
} param_t;

/* One parsed marker: <!--#include "name" key="value"... --> ending at `end`. */
typedef struct {
    const char *name;
    size_t name_len;
    param_t params[MAX_PARAMS];
    size_t nparams;
    size_t end;
} marker_t;

/* The state of one page's expansion. */
typedef struct {
    const char *dir;
    time_t newest; /* the newest mtime of the files read */
    char *err;
    size_t errlen;
} expand_t;

static int expand(expand_t *ex, const char *from, const char *name, const char *s, size_t len,
                  int depth, buf_t *out);

/* Says why into ex->err; returns -1. */
static int fail(expand_t *ex, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ex->err, ex->errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* Appends `n` bytes of `s` to `b`. 0, or -1 (said) past MAX_BYTES or out of memory. */
static int buf_add(expand_t *ex, buf_t *b, const char *s, size_t n)
{
    if (n == 0)
        return 0;
    if (b->len + n + 1 > b->cap) {
        if (b->len + n + 1 > MAX_BYTES)
            return fail(ex, "a page or fragment grows past %d bytes", MAX_BYTES);
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (p == NULL)
            return fail(ex, "out of memory");
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

/* Appends the whole file at `path` to `out` and notes its mtime. 0, or -1 (said). */
static int read_file(expand_t *ex, const char *where, const char *path, buf_t *out)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return fail(ex, "%s: cannot read %s: %s", where, path, strerror(errno));
    struct stat st;
    int rc = 0;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_BYTES) {
        rc = fail(ex, "%s: %s is not a file of at most %d bytes", where, path, MAX_BYTES);
    } else {
        char chunk[4096];
        size_t n;
        while (rc == 0 && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
            rc = buf_add(ex, out, chunk, n);
        if (rc == 0 && ferror(f))
            rc = fail(ex, "%s: cannot read %s", where, path);
        if (st.st_mtime > ex->newest)
            ex->newest = st.st_mtime;
    }
    fclose(f);
    return rc;
}

/* True if `lit` stands at offset `i` of `s` (length `len`). */
static bool has_at(const char *s, size_t len, size_t i, const char *lit)
{
    size_t n = strlen(lit);
    return i <= len && len - i >= n && memcmp(s + i, lit, n) == 0;
}

/* The offset of the first byte from `i` on that is not in `set`. */
static size_t span(const char *s, size_t len, size_t i, const char *set)
{
    while (i < len && s[i] != '\0' && strchr(set, s[i]) != NULL)
        i++;
    return i;
}

/* Parses the marker at offset `i` of `s`. 0, or -1 if it is not one. */
static int parse_marker(const char *s, size_t len, size_t i, marker_t *m)
{
    static const char open[] = "<!--#include \"";
    if (!has_at(s, len, i, open))
        return -1;
    i += sizeof open - 1;
    size_t e = span(s, len, i, NAME_CHARS);
    if (e == i || !has_at(s, len, e, ".html\""))
        return -1;
    m->name = s + i;
    m->name_len = e + 5 - i;
    m->nparams = 0;
    for (i = e + 6; !has_at(s, len, i, " -->");) {
        if (m->nparams == MAX_PARAMS || !has_at(s, len, i, " "))
            return -1;
        size_t k = span(s, len, i + 1, KEY_CHARS);
        if (k == i + 1 || !has_at(s, len, k, "=\""))
            return -1;
        size_t v = k + 2, ve = v;
        while (ve < len && s[ve] != '"' && s[ve] != '\n')
            ve++;
        if (ve == len || s[ve] != '"')
            return -1;
        m->params[m->nparams++] = (param_t){s + i + 1, s + v, k - i - 1, ve - v, false};
        i = ve + 1;
    }
    m->end = i + 4;
    return 0;
}

/*
 * Appends fragment text `s` to `out` with each {{key}} replaced by the marker's value;
 * every key must have a value and every value must be used. 0, or -1 (said).
 */
static int substitute(expand_t *ex, const char *where, const char *s, size_t len, marker_t *m,
                      buf_t *out)
{
    size_t i = 0;
    for (;;) {
        const char *o = i < len ? memmem(s + i, len - i, "{{", 2) : NULL;
        size_t at = o != NULL ? (size_t)(o - s) : len;
        if (buf_add(ex, out, s + i, at - i) != 0)
            return -1;
        if (o == NULL)
            break;
        size_t k = span(s, len, at + 2, KEY_CHARS);
        param_t *p = NULL;
        for (size_t j = 0; k > at + 2 && has_at(s, len, k, "}}") && j < m->nparams; j++)
            if (m->params[j].key_len == k - at - 2 &&
                memcmp(m->params[j].key, s + at + 2, k - at - 2) == 0)
                p = &m->params[j];
        if (p == NULL && k > at + 2 && has_at(s, len, k, "}}"))
            return fail(ex, "%s: %.*s needs %.*s=\"...\"", where, (int)m->name_len, m->name,
                        (int)(k - at - 2), s + at + 2);
        if (p != NULL)
            p->used = true;
        if (buf_add(ex, out, p != NULL ? p->val : "{{", p != NULL ? p->val_len : 2) != 0)
            return -1;
        i = p != NULL ? k + 2 : at + 2;
    }
    for (size_t j = 0; j < m->nparams; j++)
        if (!m->params[j].used)
            return fail(ex, "%s: %.*s has no {{%.*s}}", where, (int)m->name_len, m->name,
                        (int)m->params[j].key_len, m->params[j].key);
    return 0;
}

/* Appends `s` to `out`, putting `indent` before every line after the first but empty ones. */
static int add_indented(expand_t *ex, buf_t *out, const char *s, size_t len, const char *indent,
                        size_t ilen)
{
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(s + i, '\n', len - i);
        size_t e = nl != NULL ? (size_t)(nl - s) + 1 : len;
        if (i > 0 && s[i] != '\n' && buf_add(ex, out, indent, ilen) != 0)
            return -1;
        if (buf_add(ex, out, s + i, e - i) != 0)
            return -1;
        i = e;
    }
    return 0;
}

/*
 * Appends the expanded fragment `m` names, indented by `indent`: its opening comment
 * and its last newline left out. 0, or -1 (said).
 */
static int include(expand_t *ex, marker_t *m, const char *where, const char *indent, size_t ilen,
                   int depth, buf_t *out)
{
    char name[64], path[1024];
    if (depth >= MAX_DEPTH)
        return fail(ex, "%s: includes nested deeper than %d", where, MAX_DEPTH);
    if (m->name_len >= sizeof name || snprintf(path, sizeof path, "%s/_partials/%.*s", ex->dir,
                                               (int)m->name_len, m->name) >= (int)sizeof path)
        return fail(ex, "%s: the fragment's name or path is too long", where);
    snprintf(name, sizeof name, "%.*s", (int)m->name_len, m->name);
    buf_t raw = {0}, text = {0}, done = {0};
    int rc = -1;
    if (read_file(ex, where, path, &raw) != 0)
        goto cleanup;
    size_t start = 0, end = raw.len;
    if (has_at(raw.p, raw.len, 0, "<!--") && !has_at(raw.p, raw.len, 0, MARK)) {
        const char *close = memmem(raw.p, raw.len, "-->", 3);
        if (close == NULL) {
            fail(ex, "%s: %s never closes its opening comment", where, path);
            goto cleanup;
        }
        start = (size_t)(close - raw.p) + 3;
        start += start < raw.len && raw.p[start] == '\n';
    }
    if (end > start && raw.p[end - 1] == '\n')
        end--;
    if (substitute(ex, where, raw.p + start, end - start, m, &text) == 0 &&
        expand(ex, where, name, text.p, text.len, depth + 1, &done) == 0)
        rc = add_indented(ex, out, done.p, done.len, indent, ilen);
cleanup:
    free(raw.p);
    free(text.p);
    free(done.p);
    return rc;
}

/* The line number of offset `at` in `s`. */
static size_t line_of(const char *s, size_t at)
{
    size_t line = 1;
    for (size_t i = 0; i < at; i++)
        line += s[i] == '\n';
    return line;
}

/*
 * Appends `s` (the file `name`, included at `from`, "" for a page) to `out` with its
 * markers expanded. 0, or -1 (said).
 */
static int expand(expand_t *ex, const char *from, const char *name, const char *s, size_t len,
                  int depth, buf_t *out)
{
    size_t i = 0;
    for (;;) {
        const char *o = i < len ? memmem(s + i, len - i, MARK, sizeof MARK - 1) : NULL;
        size_t at = o != NULL ? (size_t)(o - s) : len;
        if (buf_add(ex, out, s + i, at - i) != 0)
            return -1;
        if (o == NULL)
            return 0;
        char where[256]; /* "index.html:8 > citizen-top.html:28" */
        snprintf(where, sizeof where, "%s%s%s:%zu", from, *from != '\0' ? " > " : "", name,
                 line_of(s, at));
        marker_t m;
        if (parse_marker(s, len, at, &m) != 0)
            return fail(ex,
                        "%s: not a marker of the form <!--#include \"name.html\" key=\"value\" -->",
                        where);
        size_t ls = at;
        while (ls > 0 && (s[ls - 1] == ' ' || s[ls - 1] == '\t'))
            ls--;
        bool own_line = ls == 0 || s[ls - 1] == '\n';
        if (include(ex, &m, where, s + ls, own_line ? at - ls : 0, depth, out) != 0)
            return -1;
        i = m.end;
    }
}

/* Reads and expands page `name` into `slot`. 0, or -1 (said). */
static int load_page(slot_t *slot, const char *dir, const char *name, char *err, size_t errlen)
{
    expand_t ex = {dir, 0, err, errlen};
    char path[1024];
    buf_t raw = {0}, out = {0};
    int rc = -1;
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        fail(&ex, "%s/%s: the path is too long", dir, name);
    else if (read_file(&ex, "pages", path, &raw) == 0 &&
             expand(&ex, "", name, raw.p, raw.len, 0, &out) == 0) {
        struct tm tm;
        gmtime_r(&ex.newest, &tm);
        h2o_time2str_rfc1123(slot->last_modified, &tm);
        snprintf(slot->etag, sizeof slot->etag, "\"%08x-%zx\"", (unsigned)ex.newest, out.len);
        slot->body = out.p;
        out.p = NULL;
        slot->page = (a24_page_t){name, slot->body != NULL ? slot->body : "", out.len, slot->etag,
                                  slot->last_modified};
        rc = 0;
    }
    free(raw.p);
    free(out.p);
    return rc;
}

a24_pages_t *a24_pages_create(const char *dir, const char *const *names, size_t n, char *err,
                              size_t errlen)
{
    a24_pages_t *pages = calloc(1, sizeof *pages + n * sizeof pages->slots[0]);
    if (pages == NULL) {
        snprintf(err, errlen, "pages: out of memory");
        return NULL;
    }
    pages->n = n;
    for (size_t i = 0; i < n; i++) {
        if (load_page(&pages->slots[i], dir, names[i], err, errlen) != 0) {
            a24_pages_destroy(pages);
            return NULL;
        }
    }
    return pages;
}

const a24_page_t *a24_pages_find(const a24_pages_t *pages, const char *name, size_t len)
{
    for (size_t i = 0; pages != NULL && i < pages->n; i++) {
        const a24_page_t *p = &pages->slots[i].page;
        if (p->name != NULL && strlen(p->name) == len && memcmp(p->name, name, len) == 0)
            return p;
    }
    return NULL;
}

void a24_pages_destroy(a24_pages_t *pages)
{
    for (size_t i = 0; pages != NULL && i < pages->n; i++)
        free(pages->slots[i].body);
    free(pages);
}
