/*
 * qr: QR code to SVG. Must never: log or keep the text it encodes.
 */
#include "qr.h"

#include <qrencode.h>
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
