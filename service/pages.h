/*
 * pages: the HTML pages, read once at start and kept in memory with their shared
 * fragments expanded.
 *
 * A page may hold include markers, each alone on its line:
 *
 *     <!--#include "name.html" key="value" ... -->
 *
 * The marker becomes the fragment <static_dir>/_partials/name.html: its opening comment
 * (what it is, its parameters) is left out, each {{key}} is replaced by the marker's
 * value as written, markers in the fragment are expanded in turn, and every line after
 * the first is indented like the marker. The pages are read once: a change on disk
 * shows after a restart. A missing fragment, a malformed marker, a
 * {{key}} without a value or a value the fragment never uses is an error at start:
 * never a page served half-built.
 */
#ifndef A24_PAGES_H
#define A24_PAGES_H

#include <stddef.h>

typedef struct a24_pages a24_pages_t;

/** One expanded page: the body and the validators sent with it. */
typedef struct {
    const char *name;          /* the file name under static_dir, e.g. "index.html" */
    const char *body;          /* the expanded page (not NUL-terminated) */
    size_t len;                /* its length in bytes */
    const char *etag;          /* "%08x-%zx": newest mtime of its files, length */
    const char *last_modified; /* RFC 1123, the newest mtime of its files */
} a24_page_t;

/**
 * Reads and expands the `n` pages `names` (file names directly under `dir`; the strings
 * must outlive the set). Returns a new set, or NULL with the reason (naming the file
 * and line) in `err`.
 */
a24_pages_t *a24_pages_create(const char *dir, const char *const *names, size_t n, char *err,
                              size_t errlen);

/** The page stored under file name `name` (length `len`), or NULL (borrowed). */
const a24_page_t *a24_pages_find(const a24_pages_t *pages, const char *name, size_t len);

/** Frees the set; NULL is fine. */
void a24_pages_destroy(a24_pages_t *pages);

#endif
