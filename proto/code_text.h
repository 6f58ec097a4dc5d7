/*
 * code_text: the one spelling of an access code that is given out: its canonical
 * characters (a24_secret_code_canonical) in upper case, in groups of four joined by
 * dashes, "ABCD-EFGH-...". The 201 of a question, its return link and the QR code of
 * that link all show the code this way.
 */
#ifndef A24_CODE_TEXT_H
#define A24_CODE_TEXT_H

#include "secret.h"

/** Writes the given-out spelling of the A24_CODE_CHARS characters `canon` and a NUL. */
void a24_code_text(const char canon[A24_CODE_CHARS], char out[A24_CODE_TEXT_LEN + 1]);

#endif
