/*
 * crisis: the directory of crisis lines shown to citizens.
 *
 * Kept as data (proto/data/crisis_lines.json) with a source and a verified date for
 * each entry, so an operator checks and updates numbers without a rebuild.
 *
 * Must never: show a retired number (1393 in Korea) or an entry without a verified
 * date; return an empty list for a language (fall back to the international entries).
 */
#ifndef A24_CRISIS_H
#define A24_CRISIS_H

#include <stddef.h>
#include <jansson.h>

typedef struct a24_crisis a24_crisis_t;

/** Loads and checks `data_dir`/crisis_lines.json. NULL with one line in `err` on failure. */
a24_crisis_t *a24_crisis_create(const char *data_dir, char *err, size_t errlen);

/** Frees a directory (NULL is fine). */
void a24_crisis_destroy(a24_crisis_t *c);

/**
 * The lines to show for a question in `language` ("ko", "zh", "en"; "ko-KR" and "zh_TW"
 * find their primary language; anything else, NULL included, gets "en"): a borrowed
 * JSON array owned by `c`, never empty, valid until a24_crisis_destroy. Each entry is
 * {"name", "number" (as shown), "hours", "source" (official URL), "verified"
 * (YYYY-MM-DD)} with optional "tel" (digits for a tel: link), "sms" (digits for an sms:
 * link), "url" (a web directory) and "what" (one line on what the service is). An entry
 * without "tel" is not a phone line (text counselling, a directory). NULL only when `c`
 * is NULL.
 */
const json_t *a24_crisis_lines(const a24_crisis_t *c, const char *language);

/**
 * The same lines as a24_crisis_lines, serialised once at load (compact JSON, UTF-8):
 * a borrowed string owned by `c`, with its length in `*len`. Every answer that carries
 * crisis lines splices this text instead of building the array again. NULL only when
 * `c` is NULL.
 */
const char *a24_crisis_lines_json(const a24_crisis_t *c, const char *language, size_t *len);

#endif
