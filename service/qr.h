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

#include "http.h"

/** `text` as a QR code in SVG (malloc'd, NUL-ended, `*len` bytes), or NULL. */
char *a24_qr_svg(const char *text, size_t *len);

/**
 * Answers the QR code (image/svg+xml) of the return link of `ticket` with the code as
 * the person gave it (`given`, any spelling, already verified): http.public_url, else
 * the origin the request came to, then /t/{ticket}#{code}.
 */
void a24_qr_send(a24_app_t *app, h2o_req_t *req, const char *ticket, const char *given,
                 size_t given_len);

#endif
