/*
 * qr: the QR code of a citizen's return link, drawn as SVG by libqrencode.
 *
 * Made inside the submit answer, so the access code in the link travels nowhere
 * else (no third-party QR service, no second request).
 */
#ifndef A24_QR_H
#define A24_QR_H

/** A "data:image/svg+xml;base64,..." URL of `text` as a QR code (malloc'd), or NULL. */
char *a24_qr_data_url(const char *text);

#endif
