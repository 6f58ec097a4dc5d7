/*
 * codec: request bodies in, with validation that names what is wrong.
 *
 * Every failure fills an a24_error_t with the HTTP status, the contract's
 * snake_case code, a sentence for a person and, where one field is at fault, its
 * name. Parsed values borrow from a Jansson document the caller disposes.
 *
 * Must never: accept invalid UTF-8, a lone surrogate, control characters other than
 * tab and line breaks, or nesting past a small depth; echo the offending text back.
 */
#ifndef A24_CODEC_H
#define A24_CODEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define A24_TEXT_MAX_CHARS 4000

typedef struct {
    int status;          /* 400, 413, 415, ... */
    const char *code;    /* "text_too_long" */
    const char *message; /* for a person */
    const char *field;   /* "text", "selfcheck.phq9", or NULL */
} a24_error_t;

/** A citizen's question, borrowing its strings from `doc`. */
typedef struct {
    json_t *doc;
    const char *text;
    size_t text_len;
    const char *category;
    const char *language; /* "en" when the request named none */
    bool green_channel;
    bool has_phq9, has_gad7;
    int phq9[9];
    int gad7[7];
    int phq9_item9; /* "phq9_item9" 0..3 sent on its own (no consent needed), or -1 */
} a24_question_t;

/** A body that carries one text (follow-up, answer, note). */
typedef struct {
    json_t *doc;
    const char *text;
    size_t text_len;
} a24_text_body_t;

/** Parses and validates a question body. Returns 0, or -1 with `err` filled. */
int a24_codec_question(const char *body, size_t len, a24_question_t *q, a24_error_t *err);

/** Releases a parsed question. */
void a24_question_dispose(a24_question_t *q);

/** Parses and validates {"text": "..."}. Returns 0, or -1 with `err` filled. */
int a24_codec_text_body(const char *body, size_t len, a24_text_body_t *t, a24_error_t *err);

/** Releases a parsed text body. */
void a24_text_body_dispose(a24_text_body_t *t);

/**
 * Parses `body` as a JSON object (the common first step). Returns the new document,
 * or NULL with `err` filled: empty_body, invalid_json, invalid_utf8, too_deep,
 * not_an_object.
 */
json_t *a24_codec_object(const char *body, size_t len, a24_error_t *err);

/**
 * Checks a user text: 1..`max_chars` characters after trimming, no control
 * characters but tab, CR and LF. Returns 0, or -1 with `err` filled for `field`.
 */
int a24_codec_check_text(const char *text, size_t len, size_t max_chars, const char *field,
                         a24_error_t *err);

/** The error body {"error": {"code", "message", "field"?}} (a new reference). */
json_t *a24_codec_error_json(const a24_error_t *err);

/** Sets `err` (a shorthand for handlers). */
void a24_error_set(a24_error_t *err, int status, const char *code, const char *message,
                   const char *field);

#endif
