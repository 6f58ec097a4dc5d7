/*
 * screening: recognises crisis questions on intake.
 *
 * Risk phrases per language are data files (proto/data/risk/<lang>.txt, one phrase a
 * line, '#' comments), so an administrator can change them without a rebuild; the
 * examples file beside them shows what a change classifies differently. Every
 * question is checked against every language's list, whatever language it declares:
 * screening only ever raises risk.
 *
 * Must never: log or keep the text it looks at; treat a negative result as "no risk".
 */
#ifndef A24_SCREENING_H
#define A24_SCREENING_H

#include <stdbool.h>
#include <stddef.h>

typedef struct a24_screening a24_screening_t;

/** Why a question was flagged; A24_RISK_NONE when it was not. */
typedef enum {
    A24_RISK_NONE = 0,
    A24_RISK_PHRASE = 1,     /* a risk phrase in the text */
    A24_RISK_PHQ9_ITEM9 = 2, /* PHQ-9 item 9 (thoughts of death or self-harm) > 0 */
} a24_risk_reason_t;

/**
 * Loads the phrase lists under `data_dir`/risk/. Returns a new object, or NULL with
 * one line in `err`.
 */
a24_screening_t *a24_screening_create(const char *data_dir, char *err, size_t errlen);

/** Frees a screening object (NULL is fine). */
void a24_screening_destroy(a24_screening_t *s);

/**
 * Screens a question: `text` (valid UTF-8, `len` bytes) and an optional PHQ-9
 * (`phq9` of 9 items 0..3, or NULL). Returns the first reason found, or A24_RISK_NONE.
 * A text that cannot be screened (no `s`, out of memory) returns A24_RISK_PHRASE (or
 * A24_RISK_PHQ9_ITEM9 when item 9 flags): failing to screen never reads as "no risk".
 */
a24_risk_reason_t a24_screening_check(const a24_screening_t *s, const char *text, size_t len,
                                      const int *phq9);

/**
 * The first risk phrase found in `text`, as written in its list (a borrowed string owned
 * by `s`), or NULL when none is found or the text could not be screened. For the
 * administrator's examples and the tests; callers must not log it beside the text.
 */
const char *a24_screening_match(const a24_screening_t *s, const char *text, size_t len);

/** The stable name of a reason ("phrase", "phq9_item9"), for the ticket and alerts. */
const char *a24_risk_reason_name(a24_risk_reason_t r);

#endif
