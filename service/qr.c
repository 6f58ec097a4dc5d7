/*
 * qr: the return link as a QR code in SVG, drawn when asked for. Must never: log or
 * keep the text it encodes (it holds the access code).
 */
#include "qr.h"

#include "secret.h"

#include <qrencode.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUIET 4 /* modules of white border the standard asks for */

char *a24_qr_svg(const char *text, size_t *len)
{
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (qr == NULL)
        return NULL;
    int w = qr->width, full = w + 2 * QUIET;
    /* Each run of dark modules in a row is "Mx,yhnv1h-nz": at most 32 bytes. */
    size_t cap = 256 + (size_t)w * (size_t)(w / 2 + 1) * 32;
    char *svg = malloc(cap);
    char *out = NULL;
    if (svg == NULL)
        goto done;
    int n = snprintf(svg, cap,
                     "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                     "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" "
                     "fill=\"#fff\"/><path fill=\"#000\" d=\"",
                     full, full, full, full);
    /* One rectangle per horizontal run of dark modules: a third of the bytes of one
     * square per module, and a third of the work. */
    for (int y = 0; y < w; y++) {
        for (int x = 0; x < w;) {
            if (!(qr->data[y * w + x] & 1)) {
                x++;
                continue;
            }
            int run = 1;
            while (x + run < w && (qr->data[y * w + x + run] & 1))
                run++;
            n += snprintf(svg + n, cap - (size_t)n, "M%d %dh%dv1h-%dz", x + QUIET, y + QUIET, run,
                          run);
            x += run;
        }
    }
    n += snprintf(svg + n, cap - (size_t)n, "\"/></svg>");
    *len = (size_t)n;
    out = svg;
    svg = NULL;
done:
    free(svg);
    QRcode_free(qr);
    return out;
}

/*
 * Answers the QR code of the return link as SVG: http.public_url when configured, else
 * the origin the request came to.
 */
void a24_qr_send(a24_app_t *app, h2o_req_t *req, const char *ticket, const char *given,
                 size_t given_len)
{
    const char *public_url = app->cfg->http.public_url;
    char canon[A24_CODE_CHARS + 1], code[A24_CODE_TEXT_LEN + 1];
    if (a24_secret_code_canonical(given, given_len, canon) != 0) {
        a24_http_error(req, 500, "internal", "The QR code could not be drawn.", NULL);
        return;
    }
    a24_code_text(canon, code); /* the spelling the person was given */
    char *url = NULL;
    int n;
    if (public_url != NULL && public_url[0] != '\0') {
        size_t plen = strlen(public_url);
        while (plen > 0 && public_url[plen - 1] == '/')
            plen--;
        n = asprintf(&url, "%.*s/t/%s#%s", (int)plen, public_url, ticket, code);
    } else {
        n = asprintf(&url, "%s://%.*s/t/%s#%s", req->scheme->name.base, (int)req->authority.len,
                     req->authority.base, ticket, code);
    }
    sodium_memzero(canon, sizeof canon);
    sodium_memzero(code, sizeof code);
    size_t len = 0;
    char *svg = n > 0 ? a24_qr_svg(url, &len) : NULL;
    if (n > 0) {
        sodium_memzero(url, (size_t)n);
        free(url);
    }
    if (svg == NULL) {
        a24_http_error(req, 500, "internal", "The QR code could not be drawn.", NULL);
        return;
    }
    a24_http_body(req, 200, "image/svg+xml", svg, len);
    free(svg);
}
