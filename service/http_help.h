/*
 * http_help: crisis lines in citizen answers, and the citizen's 429 (see http_help.c).
 */
#ifndef A24_HTTP_HELP_H
#define A24_HTTP_HELP_H

#include "http.h"

/** The first of ko, zh, en that the request's Accept-Language names, or NULL. */
const char *a24_help_accepted_language(h2o_req_t *req);

/**
 * Answers `body` (a JSON object, stolen) with `field` set to the crisis lines of
 * `language` (see a24_crisis_lines for the choice), spliced from the cached text.
 */
void a24_help_send(a24_app_t *app, h2o_req_t *req, int status, json_t *body, const char *language,
                   const char *field);

/**
 * The same for a body already serialised: `head` is a JSON object's text of `hlen`
 * bytes (the caller's; copied), to which `field` is appended.
 */
void a24_help_send_text(a24_app_t *app, h2o_req_t *req, int status, const char *head, size_t hlen,
                        const char *language, const char *field);

/**
 * Answers 429 "rate_limited" with Retry-After and "resources": the lines of `language`
 * (the body's or the ticket's), else of Accept-Language, else English with a "note"
 * naming where the Korean and Chinese lines are.
 */
void a24_help_rate_limited(a24_app_t *app, h2o_req_t *req, long long retry_ms,
                           const char *language);

#endif
