/*
 * static: pages and assets. Must never: serve outside static_dir (h2o's normalised
 * path has no dot segments, and hidden files are refused), or let a page be framed.
 */
#include "static.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "http.h"

typedef struct {
    h2o_handler_t super;
    a24_app_t *app;
} static_handler_t;

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

/* h2o: any request no API route took. */
static int on_static_req(h2o_handler_t *self, h2o_req_t *req)
{
    a24_app_t *app = ((static_handler_t *)self)->app;
    if (!a24_http_admit_or_respond(app, req))
        return 0;
    h2o_iovec_t p = req->path_normalized;
    const char *file = NULL;
    char rel[512];
    if (p.len == 1)
        file = "index.html";
    else if (p.len > 3 && memcmp(p.base, "/t/", 3) == 0)
        file = "return.html";
    else if (is_page(p, "/console"))
        file = "console.html";
    else if (is_page(p, "/oncall"))
        file = "oncall.html";
    else if (p.len < sizeof rel && memmem(p.base, p.len, "/.", 2) == NULL &&
             memchr(p.base, '\0', p.len) == NULL) {
        memcpy(rel, p.base + 1, p.len - 1);
        rel[p.len - 1] = '\0';
        file = rel;
    }
    char path[1024];
    struct stat st;
    if (file == NULL ||
        snprintf(path, sizeof path, "%s/%s", app->cfg->http.static_dir, file) >= (int)sizeof path ||
        stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
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
    const char *type = mime_of(path);
    if (h2o_file_send(req, 200, "OK", path, h2o_iovec_init(type, strlen(type)), 0) != 0)
        a24_http_error(req, 404, "not_found", "There is nothing at this address.", NULL);
    return 0;
}

void a24_static_register(h2o_hostconf_t *host, a24_app_t *app)
{
    h2o_pathconf_t *pc = h2o_config_register_path(host, "/", 0);
    static_handler_t *h = (static_handler_t *)h2o_create_handler(pc, sizeof *h);
    h->super.on_req = on_static_req;
    h->app = app;
}
