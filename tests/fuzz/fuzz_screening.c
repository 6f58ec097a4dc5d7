/*
 * fuzz_screening: the risk screener (proto/screening.c) with the shipped phrase lists,
 * on every text the validator accepts (the screener is only ever given those), with
 * and without a PHQ-9 drawn from the input. Checks, beside the sanitizers: a matched
 * phrase always flags, and PHQ-9 item 9 above zero always flags.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "codec.h"
#include "screening.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static a24_screening_t *screening;

/* Loaded once; the lists are read-only afterwards. */
static const a24_screening_t *lists(void)
{
    if (screening == NULL) {
        char err[256];
        const char *dir = getenv("A24_DATA_DIR");
        screening = a24_screening_create(dir != NULL ? dir : A24_DEFAULT_DATA_DIR, err, sizeof err);
        if (screening == NULL) {
            fprintf(stderr, "fuzz_screening: %s\n", err);
            abort();
        }
    }
    return screening;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const a24_screening_t *s = lists();
    const char *text = (const char *)data;
    a24_error_t err;
    int phq9[9];

    if (a24_codec_check_text(text, size, A24_TEXT_MAX_CHARS, "text", &err) != 0)
        return 0;
    a24_risk_reason_t plain = a24_screening_check(s, text, size, NULL);
    const char *match = a24_screening_match(s, text, size);
    assert(match == NULL || plain != A24_RISK_NONE);
    assert(a24_risk_reason_name(plain) != NULL);
    for (size_t i = 0; i < 9; i++)
        phq9[i] = size > i ? data[i] % 4 : 0;
    a24_risk_reason_t with = a24_screening_check(s, text, size, phq9);
    assert(phq9[8] == 0 || with != A24_RISK_NONE);
    assert(plain == A24_RISK_NONE || with != A24_RISK_NONE);
    return 0;
}
