/*
 * staff_body: request pieces the staff routes share (tickets, templates).
 */
#ifndef A24_STAFF_BODY_H
#define A24_STAFF_BODY_H

#include <jansson.h>
#include <stdbool.h>

#include "http.h"

/** The string `v` (`len` bytes) as a new JSON string, or JSON null if absent or empty. */
json_t *a24_json_str_or_null(const char *v, size_t len);

/** Logs a script's error reply (never an argument: only Redis' message). */
void a24_log_script_error(const char *script, const redisReply *r);

/**
 * The percent-decoded value of query parameter `name` (in the request's pool) and its
 * length in *len, or NULL if absent. A value may hold a decoded NUL: compare with *len.
 */
const char *a24_query_value(h2o_req_t *req, const char *name, size_t *len);

/**
 * Reads string member `name` of `doc` into *s / *len (borrowed from `doc`). An absent
 * member is an error when `required`, otherwise 0 with *s NULL. Texts are checked like
 * every user text (1..`max_chars` characters). Returns 0, or -1 with `err` filled.
 */
int a24_body_string(json_t *doc, const char *name, bool required, size_t max_chars, const char **s,
                    size_t *len, a24_error_t *err);

/** Parses a JSON object body holding only `known` members; NULL after answering 400. */
json_t *a24_body_object_or_respond(h2o_req_t *req, const char *const *known);

#endif
