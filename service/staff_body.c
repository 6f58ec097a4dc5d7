/*
 * staff_body: the request pieces the staff routes share: a JSON object body that holds
 * only known members, its string members checked like every user text, a query
 * parameter, and a script's error reply in the log.
 *
 * Must never: log a value of the request (only names of fields and Redis' message).
 */
#include "staff_body.h"

#include <string.h>

#include "log.h"

/* The string `v` (`len` bytes) as a new JSON string, or JSON null if absent or empty. */
json_t *a24_json_str_or_null(const char *v, size_t len)
{
    json_t *s = v != NULL && len > 0 ? json_stringn(v, len) : NULL;
    return s != NULL ? s : json_null();
}

/* Logs a script's error reply (never an argument: only Redis' message). */
void a24_log_script_error(const char *script, const redisReply *r)
{
    if (r != NULL && r->type == REDIS_REPLY_ERROR)
        a24_log_error("script_failed", "{s:s, s:s}", "script", script, "error", r->str);
}

/*
 * The percent-decoded value of query parameter `name` (in the request's pool, so no
 * value is ever too long) and its length in *len, or NULL if the parameter is absent.
 * A value may hold a decoded NUL: compare with *len, never strlen.
 */
const char *a24_query_value(h2o_req_t *req, const char *name, size_t *len)
{
    size_t room = req->path.len + 1;
    char *buf = h2o_mem_alloc_pool(&req->pool, room);
    int n = a24_http_query(req, name, buf, room);
    *len = n >= 0 ? (size_t)n : 0;
    return n >= 0 ? buf : NULL;
}

/*
 * Refuses any member of `doc` not in the NULL-terminated `known`, naming it. Returns
 * 0, or -1 with `err` filled.
 */
static int reject_unknown(json_t *doc, const char *const *known, a24_error_t *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(doc, key, v)
    {
        bool ok = false;
        for (const char *const *k = known; *k != NULL && !ok; k++)
            ok = strcmp(*k, key) == 0;
        if (!ok) {
            a24_error_set(err, 400, "unknown_field",
                          "The request has a field answer24 does not know.", key);
            return -1;
        }
    }
    return 0;
}

/*
 * Reads string member `name` of `doc` into *s / *len. An absent member is an error
 * when `required`, otherwise 0 with *s NULL. Texts are checked like every user text
 * (1..`max_chars` characters, no control characters but tab and line breaks).
 */
int a24_body_string(json_t *doc, const char *name, bool required, size_t max_chars, const char **s,
                    size_t *len, a24_error_t *err)
{
    json_t *v = json_object_get(doc, name);
    *s = NULL;
    *len = 0;
    if (v == NULL || (json_is_null(v) && !required)) {
        if (!required)
            return 0;
        a24_error_set(err, 400, "missing_field", "A required field is missing.", name);
        return -1;
    }
    if (!json_is_string(v)) {
        a24_error_set(err, 400, "wrong_type", "This field must be a string.", name);
        return -1;
    }
    *s = json_string_value(v);
    *len = json_string_length(v);
    if (a24_codec_check_text(*s, *len, A24_TEXT_MAX_CHARS, name, err) != 0)
        return -1;
    size_t chars = 0;
    for (size_t i = 0; i < *len; i++)
        chars += ((unsigned char)(*s)[i] & 0xC0) != 0x80;
    if (chars > max_chars) {
        a24_error_set(err, 400, "text_too_long", "This field is too long.", name);
        return -1;
    }
    return 0;
}

/* Parses a JSON object body holding only `known` members; NULL after answering 400. */
json_t *a24_body_object_or_respond(h2o_req_t *req, const char *const *known)
{
    a24_error_t err;
    json_t *doc = a24_codec_object(req->entity.base, req->entity.len, &err);
    if (doc != NULL && reject_unknown(doc, known, &err) != 0) {
        a24_http_send_error(req, &err); /* err.field belongs to doc: answer first */
        json_decref(doc);
        return NULL;
    }
    if (doc == NULL)
        a24_http_send_error(req, &err);
    return doc;
}
