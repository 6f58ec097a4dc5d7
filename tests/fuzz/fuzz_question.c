/*
 * fuzz_question: the citizen's question decoder and validator (proto/codec.c) on any
 * bytes. Checks, beside the sanitizers: a refusal always names a status and a code,
 * and an accepted question's text is one the text check accepts too.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A refusal in the contract's shape: a 4xx status, a code, a message. */
static void check_refusal(const a24_error_t *err)
{
    assert(err->status >= 400 && err->status < 500);
    assert(err->code != NULL && err->code[0] != '\0');
    assert(err->message != NULL);
    json_t *body = a24_codec_error_json(err);
    assert(body != NULL);
    json_decref(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    a24_error_t err;
    a24_question_t q;

    memset(&err, 0, sizeof err);
    if (a24_codec_question(body, size, &q, &err) == 0) {
        a24_error_t again;
        assert(q.text != NULL && q.category != NULL && q.language != NULL);
        assert(a24_codec_check_text(q.text, q.text_len, A24_TEXT_MAX_CHARS, "text", &again) == 0);
        a24_question_dispose(&q);
    } else {
        check_refusal(&err);
    }

    a24_text_body_t t;
    memset(&err, 0, sizeof err);
    if (a24_codec_text_body(body, size, &t, &err) == 0)
        a24_text_body_dispose(&t);
    else
        check_refusal(&err);

    memset(&err, 0, sizeof err);
    if (a24_codec_check_text(body, size, A24_TEXT_MAX_CHARS, "text", &err) != 0)
        check_refusal(&err);
    return 0;
}
