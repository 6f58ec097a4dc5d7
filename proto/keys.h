/*
 * keys: every Redis key answer24 uses, in one place.
 *
 * Per-ticket keys are formed with a24_key(buf, A24_KEY_TICKET, id). The Lua scripts
 * receive every key they touch in KEYS, so this header stays the only list.
 *
 * a24:t:<id>          hash: the ticket (state, category, language, crisis, deadlines,
 *                     the access code's keyed hash, sealed texts); see ticket.h
 * a24:t:<id>:msgs     list: the conversation after the question, oldest first; each
 *                     element "<who>:<ms>:<sealed text>" (who: c citizen, e expert)
 * a24:t:<id>:notes    list: internal notes, sealed, never shown to the citizen
 * a24:t:<id>:audit    list: the audit trail, "<ms> <actor> <event> <from> <to>", no text
 * a24:intake          stream: one entry per ticket that needs routing
 * a24:schedule        sorted set: member a ticket id, score the ms of its next step
 * a24:idem:<tag>      hash: an Idempotency-Key's stored outcome (24 h)
 * a24:rate:<kind>:<tag>  string counter: a rate-limit window for one client tag
 * a24:stats           hash: global counters (submitted, answered, open, ...)
 */
#ifndef A24_KEYS_H
#define A24_KEYS_H

#include <stdio.h>

#define A24_KEY_TICKET "a24:t:%s"
#define A24_KEY_MSGS "a24:t:%s:msgs"
#define A24_KEY_NOTES "a24:t:%s:notes"
#define A24_KEY_AUDIT "a24:t:%s:audit"
#define A24_KEY_INTAKE "a24:intake"
#define A24_KEY_SCHEDULE "a24:schedule"
#define A24_KEY_IDEM "a24:idem:%s"
#define A24_KEY_RATE "a24:rate:%s:%s"
#define A24_KEY_STATS "a24:stats"

/** Room for any key above with an id or tag of up to 64 characters. */
#define A24_KEY_MAX 128

/** Formats a key; a24_key(buf, A24_KEY_TICKET, id). */
#define a24_key(buf, ...) snprintf((buf), A24_KEY_MAX, __VA_ARGS__)

#endif
