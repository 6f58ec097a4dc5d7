/*
 * static: pages and assets. Must never: serve outside static_dir (h2o's normalised
 * path has no dot segments, and hidden files are refused), serve the page fragments
 * under _partials (paths with a segment starting "_" are refused), or let a page be
 * framed. The four pages come from memory, expanded once at start (pages.h).
 */
#include "static.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "http.h"
#include "pages.h"

typedef struct {
    h2o_handler_t super;
    a24_app_t *app;
    a24_pages_t *pages;
} static_handler_t;

/* The pages, expanded at start; any other file is read from disk when asked for. */
static const char *const page_files[] = {"index.html", "return.html", "console.html",
                                         "oncall.html"};

static const struct {
    const char *ext;
    const char *type;
} mime_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
    {".webmanifest", "application/manifest+json"},
};

/* The media type of `path` by its extension. */
static const char *mime_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot != NULL && i < sizeof mime_types / sizeof mime_types[0]; i++)
        if (strcmp(dot, mime_types[i].ext) == 0)
            return mime_types[i].type;
    return "application/octet-stream";
}

/* True if `p` (length `len`) equals `page` or `page` + "/". */
static bool is_page(h2o_iovec_t p, const char *page)
{
    size_t n = strlen(page);
    return (p.len == n || (p.len == n + 1 && p.base[n] == '/')) && memcmp(p.base, page, n) == 0;
}

/*
 * The file under static_dir that the normalised path `p` names ("index.html" for "/"),
 * in `rel` if it is not a page; NULL for a hidden or underscore segment or a path too long.
 */
static const char *file_of(h2o_iovec_t p, char *rel, size_t relsize)
{
    if (p.len == 1)
        return "index.html";
    if (p.len > 3 && memcmp(p.base, "/t/", 3) == 0)
        return "return.html";
    if (is_page(p, "/console"))
        return "console.html";
    if (is_page(p, "/oncall"))
        return "oncall.html";
    if (p.len >= relsize || memmem(p.base, p.len, "/.", 2) != NULL ||
        memmem(p.base, p.len, "/_", 2) != NULL || memchr(p.base, '\0', p.len) != NULL)
        return NULL;
    memcpy(rel, p.base + 1, p.len - 1);
    rel[p.len - 1] = '\0';
    return rel;
}

/*
 * True if the request's validators say its copy of `page` is current: If-None-Match
 * equal to the ETag, or else If-Modified-Since not older than Last-Modified (h2o's file
 * handler's rule; h2o_file_send, which sends the other files, answers them in full).
 */
static bool not_modified(h2o_req_t *req, const a24_page_t *page)
{
    ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_IF_NONE_MATCH, -1);
    if (i != -1)
        return h2o_memis(req->headers.entries[i].value.base, req->headers.entries[i].value.len,
                         page->etag, strlen(page->etag));
    i = h2o_find_header(&req->headers, H2O_TOKEN_IF_MODIFIED_SINCE, -1);
    struct tm ims, lm;
    return i != -1 &&
           h2o_time_parse_rfc1123(req->headers.entries[i].value.base,
                                  req->headers.entries[i].value.len, &ims) == 0 &&
           h2o_time_parse_rfc1123(page->last_modified, strlen(page->last_modified), &lm) == 0 &&
           timegm(&ims) >= timegm(&lm);
}

/* Sends an expanded page from memory with the headers h2o_file_send gives a file. */
static void send_page(h2o_req_t *req, const a24_page_t *page)
{
    const char *type = mime_of(page->name);
    bool fresh = not_modified(req, page);
    req->res.status = fresh ? 304 : 200;
    req->res.reason = fresh ? "Not Modified" : "OK";
    if (!fresh)
        req->res.content_length = page->len;
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, type, strlen(type));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_LAST_MODIFIED, NULL,
                   page->last_modified, strlen(page->last_modified));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ETAG, NULL, page->etag,
                   strlen(page->etag));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ACCEPT_RANGES, NULL,
                   H2O_STRLIT("bytes"));
    h2o_send_inline(req, page->body, fresh ? 0 : page->len); /* no body for HEAD */
}

/* h2o: any request no API route took. */
static int on_static_req(h2o_handler_t *self, h2o_req_t *req)
{
    static_handler_t *h = (static_handler_t *)self;
    a24_app_t *app = h->app;
    if (!a24_http_admit_or_respond(app, req))
        return 0;
    char rel[512], path[1024];
    const char *file = file_of(req->path_normalized, rel, sizeof rel);
    const a24_page_t *page = file != NULL ? a24_pages_find(h->pages, file, strlen(file)) : NULL;
    struct stat st;
    if (page == NULL && (file == NULL ||
                         snprintf(path, sizeof path, "%s/%s", app->cfg->http.static_dir, file) >=
                             (int)sizeof path ||
                         stat(path, &st) != 0 || !S_ISREG(st.st_mode))) {
        a24_http_error(req, 404, "not_found", "There is nothing at this address.", NULL);
        return 0;
    }
    if (!h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")) &&
        !h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"))) {
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL,
                       H2O_STRLIT("GET, HEAD"));
        a24_http_error(req, 405, "method_not_allowed", "Pages can only be read.", NULL);
        return 0;
    }
    a24_http_security_headers(req);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-cache"));
    if (page != NULL) {
        send_page(req, page);
        return 0;
    }
    const char *type = mime_of(path);
    if (h2o_file_send(req, 200, "OK", path, h2o_iovec_init(type, strlen(type)), 0) != 0)
        a24_http_error(req, 404, "not_found", "There is nothing at this address.", NULL);
    return 0;
}

/* h2o: the configuration is going away. */
static void on_dispose(h2o_handler_t *self)
{
    a24_pages_destroy(((static_handler_t *)self)->pages);
}

int a24_static_register(h2o_hostconf_t *host, a24_app_t *app, char *err, size_t errlen)
{
    a24_pages_t *pages = a24_pages_create(app->cfg->http.static_dir, page_files,
                                          sizeof page_files / sizeof page_files[0], err, errlen);
    if (pages == NULL)
        return -1;
    h2o_pathconf_t *pc = h2o_config_register_path(host, "/", 0);
    static_handler_t *h = (static_handler_t *)h2o_create_handler(pc, sizeof *h);
    h->super.on_req = on_static_req;
    h->super.dispose = on_dispose;
    h->app = app;
    h->pages = pages;
    return 0;
}
