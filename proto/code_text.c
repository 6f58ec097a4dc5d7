/*
 * code_text: the given-out spelling of an access code (see code_text.h).
 */
#include "code_text.h"

void a24_code_text(const char canon[A24_CODE_CHARS], char out[A24_CODE_TEXT_LEN + 1])
{
    char *o = out;
    for (size_t i = 0; i < A24_CODE_CHARS; i++) {
        if (i > 0 && i % 4 == 0)
            *o++ = '-'; /* a dash before each group but the first */
        char c = canon[i];
        *o++ = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
    }
    *o = '\0';
}
