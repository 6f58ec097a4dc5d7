/*
 * crisis: loads, checks and serves the crisis-line directory (proto/data/crisis_lines.json).
 *
 * Owns the parsed document; callers borrow one language's array of lines. The file is
 * checked whole before anything is served: every entry has a name, a number, hours, an
 * official source and a verified date; every served language has at least one entry;
 * and the retired Korean number 1393 appears nowhere in it.
 *
 * Must never: load a file with 1393 in it or an entry without a verified date (refuse
 * the whole file, so the operator sees it at start-up); hand out an empty list (unknown
 * languages get "en", which itself must not be empty).
 */
#include "crisis.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

/* Korea's suicide prevention number until 2023; replaced by 109 and never to be shown. */
static const char retired_number[] = "1393";

/* Languages that must have their own, non-empty list; "en" is also the fallback. */
static const char *const required_languages[] = {"ko", "zh", "en"};
static const char fallback_language[] = "en";

/* Every entry carries these as non-empty strings. */
static const char *const required_fields[] = {"name", "number", "hours", "source", "verified"};

/* An entry may carry these, as strings, too. */
static const char *const optional_fields[] = {"tel", "sms", "url", "what"};

/* One language's array and its JSON text, made once at load. */
typedef struct {
    const json_t *lines; /* borrowed from root */
    char *text;
    size_t len;
} serialised_t;

struct a24_crisis {
    json_t *root;        /* the whole checked document; language arrays are borrowed from it */
    serialised_t *cache; /* one per language array of root */
    size_t ncache;
};

/* True for "YYYY-MM-DD" with a plausible month and day. */
static bool is_date(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    int month = (s[5] - '0') * 10 + (s[6] - '0');
    int day = (s[8] - '0') * 10 + (s[9] - '0');
    return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/*
 * True when the digits of `s` alone spell the retired number, however it is punctuated
 * ("1393", "13-93", "1 3 9 3").
 */
static bool digits_are_retired(const char *s)
{
    char digits[sizeof retired_number];
    size_t n = 0;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            continue;
        if (n == sizeof digits - 1)
            return false;
        digits[n++] = *s;
    }
    digits[n] = '\0';
    return strcmp(digits, retired_number) == 0;
}

/* True when the retired number occurs in any key or string anywhere in `v`. */
static bool mentions_retired(const json_t *v)
{
    const char *key;
    json_t *item;
    size_t i;
    switch (json_typeof(v)) {
    case JSON_STRING:
        return strstr(json_string_value(v), retired_number) != NULL;
    case JSON_OBJECT:
        json_object_foreach((json_t *)v, key, item) if (strstr(key, retired_number) != NULL ||
                                                        mentions_retired(item)) return true;
        return false;
    case JSON_ARRAY:
        json_array_foreach(v, i, item) if (mentions_retired(item)) return true;
        return false;
    case JSON_INTEGER:
        return json_integer_value(v) == 1393;
    default:
        return false;
    }
}

/* True when `s` is a tel: link target: 2 to 20 digits, nothing else. */
static bool is_tel(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > 20)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* Checks one entry of `lang`'s list (index `i`). Returns 0, or -1 with `err` set. */
static int check_entry(const char *lang, size_t i, const json_t *e, char *err, size_t errlen)
{
    if (!json_is_object(e)) {
        a24_text_errf(err, errlen, "crisis_lines.json: %s[%zu] is not an object", lang, i);
        return -1;
    }
    for (size_t f = 0; f < sizeof required_fields / sizeof *required_fields; f++) {
        const char *v = json_string_value(json_object_get(e, required_fields[f]));
        if (v == NULL || v[0] == '\0') {
            a24_text_errf(err, errlen, "crisis_lines.json: %s[%zu] lacks \"%s\"", lang, i,
                          required_fields[f]);
            return -1;
        }
    }
    for (size_t f = 0; f < sizeof optional_fields / sizeof *optional_fields; f++) {
        const json_t *v = json_object_get(e, optional_fields[f]);
        if (v != NULL && (!json_is_string(v) || json_string_length(v) == 0)) {
            a24_text_errf(err, errlen,
                          "crisis_lines.json: %s[%zu] \"%s\" must be a non-empty string", lang, i,
                          optional_fields[f]);
            return -1;
        }
    }
    const char *verified = json_string_value(json_object_get(e, "verified"));
    if (!is_date(verified)) {
        a24_text_errf(err, errlen, "crisis_lines.json: %s[%zu] \"verified\" is not YYYY-MM-DD",
                      lang, i);
        return -1;
    }
    const char *source = json_string_value(json_object_get(e, "source"));
    if (strncmp(source, "https://", 8) != 0 && strncmp(source, "http://", 7) != 0) {
        a24_text_errf(err, errlen, "crisis_lines.json: %s[%zu] \"source\" is not a URL", lang, i);
        return -1;
    }
    const char *tel = json_string_value(json_object_get(e, "tel"));
    if (tel != NULL && !is_tel(tel)) {
        a24_text_errf(err, errlen, "crisis_lines.json: %s[%zu] \"tel\" must be digits only", lang,
                      i);
        return -1;
    }
    const char *sms = json_string_value(json_object_get(e, "sms"));
    if (sms != NULL && !is_tel(sms)) {
        a24_text_errf(err, errlen, "crisis_lines.json: %s[%zu] \"sms\" must be digits only", lang,
                      i);
        return -1;
    }
    const char *number = json_string_value(json_object_get(e, "number"));
    if (digits_are_retired(number) || (tel != NULL && digits_are_retired(tel)) ||
        (sms != NULL && digits_are_retired(sms))) {
        a24_text_errf(err, errlen, "crisis_lines.json: %s[%zu] is the retired number %s", lang, i,
                      retired_number);
        return -1;
    }
    return 0;
}

/*
 * Checks the whole document: a top-level "verified" date and "source", every array a
 * language's non-empty list of good entries, the required languages present, and the
 * retired number nowhere. Returns 0, or -1 with `err` set.
 */
static int check_document(const json_t *root, char *err, size_t errlen)
{
    const char *key;
    json_t *v;
    if (!json_is_object(root)) {
        a24_text_errf(err, errlen, "crisis_lines.json: not a JSON object");
        return -1;
    }
    const char *verified = json_string_value(json_object_get(root, "verified"));
    if (verified == NULL || !is_date(verified)) {
        a24_text_errf(err, errlen,
                      "crisis_lines.json: top-level \"verified\" missing or not a date");
        return -1;
    }
    const char *source = json_string_value(json_object_get(root, "source"));
    if (source == NULL || source[0] == '\0') {
        a24_text_errf(err, errlen, "crisis_lines.json: top-level \"source\" missing");
        return -1;
    }
    json_object_foreach((json_t *)root, key, v)
    {
        if (json_is_string(v))
            continue; /* a note about the whole file: verified, source, ... */
        if (!json_is_array(v) || json_array_size(v) == 0) {
            a24_text_errf(err, errlen,
                          "crisis_lines.json: \"%s\" must be a non-empty array of lines", key);
            return -1;
        }
        for (size_t i = 0; i < json_array_size(v); i++)
            if (check_entry(key, i, json_array_get(v, i), err, errlen) != 0)
                return -1;
    }
    for (size_t r = 0; r < sizeof required_languages / sizeof *required_languages; r++) {
        if (!json_is_array(json_object_get(root, required_languages[r]))) {
            a24_text_errf(err, errlen, "crisis_lines.json: no lines for \"%s\"",
                          required_languages[r]);
            return -1;
        }
    }
    if (mentions_retired(root)) {
        a24_text_errf(err, errlen, "crisis_lines.json: mentions the retired number %s",
                      retired_number);
        return -1;
    }
    return 0;
}

/* Serialises every language's array of c->root once. Returns 0, or -1 out of memory. */
static int serialise_all(a24_crisis_t *c)
{
    const char *key;
    json_t *v;
    c->cache = calloc(json_object_size(c->root), sizeof *c->cache);
    if (c->cache == NULL)
        return -1;
    json_object_foreach(c->root, key, v)
    {
        if (!json_is_array(v))
            continue;
        serialised_t *e = &c->cache[c->ncache];
        e->text = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (e->text == NULL)
            return -1;
        e->lines = v;
        e->len = strlen(e->text);
        c->ncache++;
    }
    return 0;
}

/*
 * Loads <data_dir>/crisis_lines.json and checks it whole; any fault refuses the file, with
 * the first fault in `err`, so that no partly good directory is ever served.
 */
a24_crisis_t *a24_crisis_create(const char *data_dir, char *err, size_t errlen)
{
    char path[4096];
    json_error_t jerr;
    if (data_dir == NULL ||
        (size_t)snprintf(path, sizeof path, "%s/crisis_lines.json", data_dir) >= sizeof path) {
        a24_text_errf(err, errlen, "crisis_lines.json: no usable data directory");
        return NULL;
    }
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        a24_text_errf(err, errlen, "crisis_lines.json:%d: %s", jerr.line, jerr.text);
        return NULL;
    }
    a24_crisis_t *c = NULL;
    if (check_document(root, err, errlen) != 0)
        goto error;
    if ((c = calloc(1, sizeof *c)) == NULL) {
        a24_text_errf(err, errlen, "crisis_lines.json: out of memory");
        goto error;
    }
    c->root = root;
    if (serialise_all(c) != 0) {
        a24_text_errf(err, errlen, "crisis_lines.json: out of memory");
        a24_crisis_destroy(c);
        return NULL;
    }
    return c;

error:
    json_decref(root);
    return NULL;
}

/* Releases the document (and with it every array handed out); NULL is fine. */
void a24_crisis_destroy(a24_crisis_t *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->ncache; i++)
        free(c->cache[i].text);
    free(c->cache);
    json_decref(c->root);
    free(c);
}

/*
 * The list for `language`: an exact key first ("ko"), then its primary subtag in lower
 * case ("ko-KR", "ZH_tw" -> "ko", "zh"), then the fallback.
 */
const json_t *a24_crisis_lines(const a24_crisis_t *c, const char *language)
{
    if (c == NULL)
        return NULL;
    const json_t *lines = NULL;
    if (language != NULL && language[0] != '\0') {
        lines = json_object_get(c->root, language);
        if (!json_is_array(lines)) {
            char primary[9];
            size_t n = 0;
            while (n < sizeof primary - 1 && language[n] != '\0' && language[n] != '-' &&
                   language[n] != '_') {
                char ch = language[n];
                primary[n++] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + ('a' - 'A')) : ch;
            }
            primary[n] = '\0';
            lines = json_object_get(c->root, primary);
        }
    }
    if (!json_is_array(lines))
        lines = json_object_get(c->root, fallback_language);
    return lines;
}

/* The text made at load for the array a24_crisis_lines picks: same choice, no work. */
const char *a24_crisis_lines_json(const a24_crisis_t *c, const char *language, size_t *len)
{
    const json_t *lines = a24_crisis_lines(c, language);
    for (size_t i = 0; lines != NULL && i < c->ncache; i++) {
        if (c->cache[i].lines == lines) {
            *len = c->cache[i].len;
            return c->cache[i].text;
        }
    }
    return NULL;
}
