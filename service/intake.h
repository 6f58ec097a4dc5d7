/*
 * intake: the questions taken in during one loop pass, written by one submit call
 * (see intake.c).
 */
#ifndef A24_INTAKE_H
#define A24_INTAKE_H

#include <stdbool.h>

#include "http.h"
#include "secret.h"

/** What submit.lua stores of one question: sealed or hashed, ready to send. */
typedef struct {
    char ticket[A24_TICKET_ID_LEN + 1];
    char category[24];
    char language[4];
    char tag[A24_TAG_LEN + 1];      /* the client's, for its rate counters */
    char idem_tag[A24_TAG_LEN + 1]; /* the Idempotency-Key's, when `idem` */
    bool crisis, green, idem;
    const char *risk; /* static: screening's reason, or NULL */
    long long window; /* ms */
    int first_step;   /* permille, -1: none */
    unsigned char code_hash[A24_HASH_LEN];
    unsigned char digest[A24_HASH_LEN]; /* keyed: it cannot confirm a guessed body */
    unsigned char *q;                   /* the sealed question (malloc'd) */
    size_t q_len;
    unsigned char *sc; /* the sealed self-check (consented scores only), or NULL */
    size_t sc_len;
    unsigned char code[A24_CODE_TEXT_LEN + A24_SEAL_OVERHEAD]; /* the sealed access code */
} a24_intake_ticket_t;

/**
 * Queues `t` (which must stay as it is until `cb` ran) for the submit call that
 * goes out when this loop pass has handled its reads, or at once when the queue is
 * full. `cb` then gets this question's own reply (see submit.lua), or NULL if the
 * call could not be sent or failed as a whole.
 */
void a24_intake_submit(a24_app_t *app, const a24_intake_ticket_t *t, a24_store_cb cb,
                       void *privdata);

/**
 * From within a question's `cb` only: joins the one WAIT redis.wait_replicas that
 * its batch sends once every question had its reply. `cb` then gets the WAIT's reply
 * (the number of replicas that acknowledged the batch's writes), or NULL if it could
 * not be sent. 0, or -1 when not called from a question's callback.
 */
int a24_intake_wait(a24_app_t *app, a24_store_cb cb, void *privdata);

#endif
