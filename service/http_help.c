/*
 * http_help: the help every citizen answer carries: the crisis lines of the person's
 * language, spliced into the JSON as the text serialised once at load (crisis.c), and
 * the 429 that never comes without them.
 *
 * Must never: answer a citizen's 429 without crisis lines; build the lines again per
 * answer; show lines of a language nobody asked for without saying where the others are.
 */
#include "http_help.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ticket.h"

/* The first of ko, zh, en that Accept-Language names, or NULL. */
const char *a24_help_accepted_language(h2o_req_t *req)
{
    h2o_iovec_t v = a24_http_header(req, "accept-language");
    const char *p = v.base, *end = v.base + v.len;
    while (p != NULL && p < end) {
        while (p < end && (*p == ' ' || *p == ','))
            p++;
        size_t n = 0;
        while (p + n < end && ((p[n] | 0x20) >= 'a' && (p[n] | 0x20) <= 'z'))
            n++;
        for (const char *const *l = a24_languages; n == 2 && *l != NULL; l++)
            if ((p[0] | 0x20) == (*l)[0] && (p[1] | 0x20) == (*l)[1])
                return *l;
        p = memchr(p, ',', (size_t)(end - p));
    }
    return NULL;
}

/*
 * Answers `body` (stolen) with `field`: the crisis lines of `language`, spliced in as
 * the text serialised once at load rather than built again for every answer.
 */
void a24_help_send(a24_app_t *app, h2o_req_t *req, int status, json_t *body, const char *language,
                   const char *field)
{
    char *head = body != NULL ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(body);
    size_t hlen = head != NULL ? strlen(head) : 0;
    a24_help_send_text(app, req, status, head, hlen, language, field);
    if (head != NULL)
        sodium_memzero(head, hlen);
    free(head);
}

/*
 * The same for a body already written as JSON text ("{...}", `hlen` bytes): the lines
 * are appended before its closing brace, in room of the request's memory that is wiped
 * once the request is done (a citizen's answer may hold the access code or a text).
 */
void a24_help_send_text(a24_app_t *app, h2o_req_t *req, int status, const char *head, size_t hlen,
                        const char *language, const char *field)
{
    size_t rlen = 0;
    const char *lines = a24_crisis_lines_json(app->crisis, language, &rlen);
    if (lines == NULL || head == NULL || hlen < 2 || head[hlen - 1] != '}') {
        a24_http_error(req, 500, "internal", "Something went wrong.", NULL);
        return;
    }
    size_t flen = strlen(field);
    char *out = a24_http_wiped_room(req, hlen + rlen + flen + 8);
    /* "{...}" becomes "{...,"<field>":[...]}" */
    size_t n = hlen - 1;
    memcpy(out, head, n);
    if (hlen > 2)
        out[n++] = ',';
    out[n++] = '"';
    memcpy(out + n, field, flen);
    n += flen;
    out[n++] = '"';
    out[n++] = ':';
    memcpy(out + n, lines, rlen);
    n += rlen;
    out[n++] = '}';
    a24_http_json_room(req, status, out, n);
}

/*
 * Answers 429 with Retry-After and the crisis lines: of `language` (the body's or the
 * ticket's), else of the language Accept-Language prefers, else English with a note
 * on where the Korean and Chinese lines are. The limit never hides help.
 */
void a24_help_rate_limited(a24_app_t *app, h2o_req_t *req, long long retry_ms, const char *language)
{
    if (language == NULL)
        language = a24_help_accepted_language(req);
    a24_error_t err;
    a24_error_set(&err, 429, "rate_limited",
                  "Too many requests from this connection; please try again later. If you are "
                  "in danger now, the crisis lines below can help at once.",
                  NULL);
    json_t *body = a24_codec_error_json(&err);
    if (language == NULL && body != NULL)
        json_object_set_new(body, "note",
                            json_string("Crisis lines in Korean: /api/v1/crisis-lines?language=ko; "
                                        "in Chinese: /api/v1/crisis-lines?language=zh"));
    a24_http_retry_after(req, retry_ms);
    a24_help_send(app, req, 429, body, language != NULL ? language : "en", "resources");
}
