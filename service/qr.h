/*
 * qr: the QR code of a citizen's return link, drawn as SVG by libqrencode.
 *
 * Drawn only when asked for (GET /api/v1/questions/{ticket}/qr with the code), never
 * on the submit path; made here, so the access code in the link travels to no
 * third-party QR service.
 */
#ifndef A24_QR_H
#define A24_QR_H

#include <stddef.h>

/** `text` as a QR code in SVG (malloc'd, NUL-ended, `*len` bytes), or NULL. */
char *a24_qr_svg(const char *text, size_t *len);

#endif
