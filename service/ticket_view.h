/*
 * ticket_view: a ticket as staff see it, in JSON, with the moves the viewer may make.
 *
 * A viewer is what an operation keeps of the signed-in staff member (a24_staff_t dies
 * with the session check). Items and views are built from the flat field lists the
 * read scripts return (ticket_list.lua's rows, ticket_view.lua's fields, both with
 * "id"), at the Redis time `now` of that read.
 *
 * "actions" names the moves the viewer may make now, from the state table (ticket.h)
 * and the role rules (auth.h): "claim", "decline", "release", "answer", "approve",
 * "return", "transfer", "note", "raise_risk", "lower_risk". A move not listed is one the
 * scripts would refuse; a listed one may still be refused if the ticket moved since,
 * and "claim" is listed whether or not an expert is on duty (the console says so apart;
 * claim.lua answers 409 off_duty).
 */
#ifndef A24_TICKET_VIEW_H
#define A24_TICKET_VIEW_H

#include <jansson.h>
#include <stdbool.h>

#include "auth.h"

#define A24_FRAMED_MAX (A24_ACCOUNT_LIST_MAX + 2) /* ",a,b," */

typedef struct {
    char username[A24_USERNAME_MAX + 1];
    bool supervisor;
    unsigned categories, languages;
    char cats[A24_FRAMED_MAX];  /* ",a,b,": the categories they take */
    char langs[A24_FRAMED_MAX]; /* ",ko,en," */
} a24_viewer_t;

/** Fills `v` from the staff member the session check found. */
void a24_viewer_from(a24_viewer_t *v, const a24_staff_t *s);

/** Writes bit set `bits` of `table` as the comma-framed list the scripts compare with. */
void a24_viewer_framed(unsigned bits, const char *const *table, char out[A24_FRAMED_MAX]);

/** Every bit of a NULL-terminated table (a supervisor's pool spans them all). */
unsigned a24_viewer_all_bits(const char *const *table);

/**
 * A ticket as a queue item (new reference), from its flat field list, as `v` sees it
 * at Redis time `now`; NULL if the row carries no well-formed id.
 */
json_t *a24_ticket_view_item(a24_app_t *app, const a24_viewer_t *v, a24_ms_t now,
                             const redisReply *f);

/**
 * The full view of one ticket (new reference) from ticket_view.lua's {"ok", now, fields,
 * msgs, notes, audit}: the item plus text, full self-check, thread, draft, notes, and
 * the audit trail for supervisors. NULL if the reply does not hold a ticket.
 */
json_t *a24_ticket_view_full(a24_app_t *app, const a24_viewer_t *v, const char *ticket,
                             const redisReply *r);

/** The states a ticket may be transferred from (",queued,offered,claimed,"). */
const char *a24_ticket_transfer_from_list(void);

#endif
