/*
 * codec: JSON request bodies through Jansson, then field by field validation.
 *
 * Must never: keep a reference to the request buffer (json_loadb copies), or let a
 * value of the wrong type through as a default.
 */
#include "codec.h"

#include <string.h>

#include "text.h"
#include "ticket.h"

/* Deeper than any body we accept; Jansson's own limit is 2048. */
#define MAX_DEPTH 8

void a24_error_set(a24_error_t *err, int status, const char *code, const char *message,
                   const char *field)
{
    err->status = status;
    err->code = code;
    err->message = message;
    err->field = field;
}

json_t *a24_codec_error_json(const a24_error_t *err)
{
    json_t *e = json_pack("{s:s, s:s}", "code", err->code, "message", err->message);
    if (e != NULL && err->field != NULL)
        json_object_set_new(e, "field", json_string(err->field));
    return json_pack("{s:o}", "error", e);
}

/* Depth of nesting, stopping early once past `limit`; runs on raw bytes, outside strings. */
static int nesting_too_deep(const char *s, size_t len, int limit)
{
    int depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > limit)
                return 1;
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    return 0;
}

json_t *a24_codec_object(const char *body, size_t len, a24_error_t *err)
{
    size_t i = 0;
    while (i < len && strchr(" \t\r\n", body[i]) != NULL)
        i++;
    if (body == NULL || i == len) {
        a24_error_set(err, 400, "empty_body", "The request has no body; send a JSON object.", NULL);
        return NULL;
    }
    if (nesting_too_deep(body, len, MAX_DEPTH)) {
        a24_error_set(err, 400, "too_deep", "The JSON is nested too deeply.", NULL);
        return NULL;
    }
    json_error_t jerr;
    json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (doc == NULL) {
        switch (json_error_code(&jerr)) {
        case json_error_invalid_utf8:
            a24_error_set(err, 400, "invalid_utf8", "The body is not valid UTF-8.", NULL);
            break;
        case json_error_stack_overflow:
            a24_error_set(err, 400, "too_deep", "The JSON is nested too deeply.", NULL);
            break;
        case json_error_null_character:
            a24_error_set(err, 400, "control_characters",
                          "Text may not contain control characters.", NULL);
            break;
        case json_error_duplicate_key:
            a24_error_set(err, 400, "invalid_json", "A field appears twice in the object.", NULL);
            break;
        default:
            /* Jansson reports a lone surrogate escape as a syntax error naming Unicode. */
            if (strstr(jerr.text, "Unicode") != NULL || strstr(jerr.text, "surrogate") != NULL)
                a24_error_set(err, 400, "invalid_utf8",
                              "The body contains an invalid Unicode escape (a lone surrogate).",
                              NULL);
            else
                a24_error_set(err, 400, "invalid_json", "The body is not valid JSON.", NULL);
        }
        return NULL;
    }
    if (!json_is_object(doc)) {
        json_decref(doc);
        a24_error_set(err, 400, "not_an_object", "The body must be a JSON object.", NULL);
        return NULL;
    }
    return doc;
}

int a24_codec_check_text(const char *text, size_t len, size_t max_chars, const char *field,
                         a24_error_t *err)
{
    size_t chars = 0;
    for (size_t i = 0; i < len;) {
        uint32_t c = a24_text_next(text, len, &i);
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F ||
            (c >= 0x80 && c <= 0x9F)) {
            a24_error_set(err, 400, "control_characters",
                          "Text may not contain control characters.", field);
            return -1;
        }
        chars++;
    }
    if (a24_text_is_blank(text, len)) {
        a24_error_set(err, 400, "text_empty", "Please write some text.", field);
        return -1;
    }
    if (chars > max_chars) {
        a24_error_set(err, 400, "text_too_long", "The text is longer than 4000 characters.", field);
        return -1;
    }
    return 0;
}

/* Reads a required text field `name` of `doc`. */
static int read_text(json_t *doc, const char *name, const char **out, size_t *out_len,
                     a24_error_t *err)
{
    json_t *v = json_object_get(doc, name);
    if (v == NULL) {
        a24_error_set(err, 400, "missing_field", "A required field is missing.", name);
        return -1;
    }
    if (!json_is_string(v)) {
        a24_error_set(err, 400, "wrong_type", "This field must be a string.", name);
        return -1;
    }
    *out = json_string_value(v);
    *out_len = json_string_length(v);
    return a24_codec_check_text(*out, *out_len, A24_TEXT_MAX_CHARS, name, err);
}

/* Reads a self-check answer list of exactly `n` integers 0..3. */
static int read_scores(json_t *v, size_t n, int *out, const char *field, a24_error_t *err)
{
    if (!json_is_array(v) || json_array_size(v) != n) {
        a24_error_set(err, 400, "invalid_selfcheck",
                      n == 9 ? "PHQ-9 needs exactly 9 answers, each 0 to 3."
                             : "GAD-7 needs exactly 7 answers, each 0 to 3.",
                      field);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *item = json_array_get(v, i);
        if (!json_is_integer(item) || json_integer_value(item) < 0 ||
            json_integer_value(item) > 3) {
            a24_error_set(err, 400, "invalid_selfcheck", "Each answer must be 0, 1, 2 or 3.",
                          field);
            return -1;
        }
        out[i] = (int)json_integer_value(item);
    }
    return 0;
}

/*
 * The check of an optional member `v` named `field`: 0 if it is absent or null, 1 if
 * `type_ok`, else -1 with a wrong_type error saying what it `must` be.
 */
static int optional_member(const json_t *v, bool type_ok, const char *must, const char *field,
                           a24_error_t *err)
{
    if (v == NULL || json_is_null(v))
        return 0;
    if (!type_ok) {
        a24_error_set(err, 400, "wrong_type", must, field);
        return -1;
    }
    return 1;
}

/* Reads the optional selfcheck object {"phq9"?, "gad7"?}. */
static int read_selfcheck(json_t *sc, a24_question_t *q, a24_error_t *err)
{
    int rc =
        optional_member(sc, json_is_object(sc), "This field must be an object.", "selfcheck", err);
    if (rc <= 0)
        return rc;
    const char *key;
    json_t *v;
    json_object_foreach(sc, key, v)
    {
        if (strcmp(key, "phq9") == 0) {
            if (read_scores(v, 9, q->phq9, "selfcheck.phq9", err) != 0)
                return -1;
            q->has_phq9 = true;
        } else if (strcmp(key, "gad7") == 0) {
            if (read_scores(v, 7, q->gad7, "selfcheck.gad7", err) != 0)
                return -1;
            q->has_gad7 = true;
        } else {
            a24_error_set(err, 400, "unknown_field", "The self-check has an unknown part.",
                          "selfcheck");
            return -1;
        }
    }
    return 0;
}

/* Reads the optional "green_channel": true or false. */
static int read_green(json_t *v, a24_question_t *q, a24_error_t *err)
{
    int rc = optional_member(v, json_is_boolean(v), "This field must be true or false.",
                             "green_channel", err);
    if (rc > 0)
        q->green_channel = json_is_true(v);
    return rc < 0 ? -1 : 0;
}

/*
 * Reads the optional "phq9_item9": PHQ-9 item 9 alone, 0..3, sent whether or not the
 * person consents to attach the scores; only the flag it raises is ever stored.
 */
static int read_item9(json_t *v, a24_question_t *q, a24_error_t *err)
{
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 3) {
        a24_error_set(err, 400, "invalid_selfcheck", "phq9_item9 must be 0, 1, 2 or 3.",
                      "phq9_item9");
        return -1;
    }
    q->phq9_item9 = (int)json_integer_value(v);
    return 0;
}

/* Fails on any key of `doc` not in the NULL-terminated `known`. */
static int reject_unknown(json_t *doc, const char *const *known, a24_error_t *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(doc, key, v)
    {
        if (!a24_name_in(known, key, strlen(key))) {
            a24_error_set(err, 400, "unknown_field",
                          "The request has a field answer24 does not know.", NULL);
            return -1;
        }
    }
    return 0;
}

int a24_codec_question(const char *body, size_t len, a24_question_t *q, a24_error_t *err)
{
    static const char *const known[] = {"text",      "category",   "language", "green_channel",
                                        "selfcheck", "phq9_item9", NULL};
    memset(q, 0, sizeof *q);
    q->phq9_item9 = -1;
    q->doc = a24_codec_object(body, len, err);
    if (q->doc == NULL)
        return -1;
    if (reject_unknown(q->doc, known, err) != 0 ||
        read_text(q->doc, "text", &q->text, &q->text_len, err) != 0)
        goto error;

    json_t *v = json_object_get(q->doc, "category");
    if (v == NULL) {
        a24_error_set(err, 400, "missing_field", "Please choose a category.", "category");
        goto error;
    }
    if (!json_is_string(v)) {
        a24_error_set(err, 400, "wrong_type", "This field must be a string.", "category");
        goto error;
    }
    if (!a24_name_in(a24_categories, json_string_value(v), json_string_length(v))) {
        a24_error_set(err, 400, "unknown_category",
                      "The category must be one of depression, anxiety, stress, sleep, family, "
                      "disaster, other.",
                      "category");
        goto error;
    }
    q->category = json_string_value(v);

    v = json_object_get(q->doc, "language");
    q->language = "en";
    int rc = optional_member(v, json_is_string(v), "This field must be a string.", "language", err);
    if (rc < 0)
        goto error;
    if (rc > 0) {
        if (!a24_name_in(a24_languages, json_string_value(v), json_string_length(v))) {
            a24_error_set(err, 400, "unknown_language", "The language must be ko, zh or en.",
                          "language");
            goto error;
        }
        q->language = json_string_value(v);
    }

    if (read_green(json_object_get(q->doc, "green_channel"), q, err) != 0 ||
        read_selfcheck(json_object_get(q->doc, "selfcheck"), q, err) != 0 ||
        read_item9(json_object_get(q->doc, "phq9_item9"), q, err) != 0)
        goto error;
    return 0;

error:
    a24_question_dispose(q);
    return -1;
}

void a24_question_dispose(a24_question_t *q)
{
    json_decref(q->doc);
    q->doc = NULL;
}

int a24_codec_text_body(const char *body, size_t len, a24_text_body_t *t, a24_error_t *err)
{
    static const char *const known[] = {"text", NULL};
    memset(t, 0, sizeof *t);
    t->doc = a24_codec_object(body, len, err);
    if (t->doc == NULL)
        return -1;
    if (reject_unknown(t->doc, known, err) != 0 ||
        read_text(t->doc, "text", &t->text, &t->text_len, err) != 0) {
        a24_text_body_dispose(t);
        return -1;
    }
    return 0;
}

void a24_text_body_dispose(a24_text_body_t *t)
{
    json_decref(t->doc);
    t->doc = NULL;
}
