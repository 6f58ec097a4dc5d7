/*
 * screening: recognises crisis questions on intake.
 *
 * The warning-sign patterns are data files (proto/data/risk/<lang>.txt, described in
 * their headers), loaded at start, so an administrator can change them without a
 * rebuild; the example files beside them measure what a change classifies differently.
 * Every question is screened against every language's patterns in one pass, whatever
 * language it declares: screening only ever raises risk.
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
    A24_RISK_PHRASE = 1,     /* a warning sign in the text (or the text could not be screened) */
    A24_RISK_PHQ9_ITEM9 = 2, /* PHQ-9 item 9 (thoughts of death or self-harm) > 0 */
} a24_risk_reason_t;

/**
 * What screening found: the reason, and the category of warning sign as a stable
 * snake_case name for the ticket and the alerts (never the text): "act_done", "plan",
 * "means", "method", "intent", "farewell", "self_harm", "wish_to_die", "burden",
 * "hopelessness"; "phq9_item9" when only the self-check flagged; "unscreened" when the
 * text could not be screened (and so counts as a risk); NULL when nothing was found.
 */
typedef struct {
    a24_risk_reason_t reason;
    const char *category;
} a24_screening_result_t;

/**
 * Loads the patterns under `data_dir`/risk/ (every *.txt, and traditional.tsv). Returns
 * a new object, or NULL with one line in `err` ("risk/en.txt:12: why").
 */
a24_screening_t *a24_screening_create(const char *data_dir, char *err, size_t errlen);

/** Frees a screening object (NULL is fine). */
void a24_screening_destroy(a24_screening_t *s);

/**
 * Screens a question: `text` (UTF-8, `len` bytes) and an optional PHQ-9 (`phq9` of 9
 * items 0..3, or NULL). The text's warning sign comes first, then PHQ-9 item 9. A text
 * that cannot be screened (no `s`, out of memory) is a risk: reason A24_RISK_PHRASE
 * (A24_RISK_PHQ9_ITEM9 when item 9 flags), category "unscreened".
 */
a24_screening_result_t a24_screening_screen(const a24_screening_t *s, const char *text, size_t len,
                                            const int *phq9);

/** a24_screening_screen's reason alone. */
a24_risk_reason_t a24_screening_check(const a24_screening_t *s, const char *text, size_t len,
                                      const int *phq9);

/** a24_screening_screen's category alone (NULL when nothing was found). */
const char *a24_screening_category(const a24_screening_t *s, const char *text, size_t len,
                                   const int *phq9);

/**
 * The pattern or rule that decided the category, as written in its file ("want to die",
 * "$means + $time ~ 30"; a borrowed string owned by `s`), or NULL when nothing was found
 * or the text could not be screened. For the administrator's tools and the tests;
 * callers must not log it beside the text.
 */
const char *a24_screening_match(const a24_screening_t *s, const char *text, size_t len);

/** The number of patterns and rules loaded, for the start-up log and the tools. */
size_t a24_screening_size(const a24_screening_t *s);

/** The stable name of a reason ("none", "phrase", "phq9_item9"). */
const char *a24_risk_reason_name(a24_risk_reason_t r);

#endif
