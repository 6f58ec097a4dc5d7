/*
 * ticket: the ticket model and its life, as one table.
 *
 *   queued -> offered -> claimed -> answered -> closed
 *   offered/claimed -> queued (offer timeout, release, lease expiry)
 *   claimed -> in_review -> answered | claimed (supervisor approves or returns)
 *   answered -> queued (the citizen's follow-up)
 *   any open state -> withdrawn (the citizen, with the access code)
 *
 * The Lua scripts never decide on their own which moves are legal: the C caller
 * passes the event's allowed "from" states (a24_ticket_from_list) and the script
 * compares and sets atomically, so this table is the single statement of the rules.
 * The state a move writes comes from the table too (the scripts' TO, a24_ticket_lua).
 *
 * A citizen may add a follow-up in any open state (a24_state_is_open); only after an
 * answer does it move the ticket (A24_EV_FOLLOWUP), back to the queue with a fresh
 * window.
 *
 * Fields of the ticket hash (a24:t:<id>): state, category, language, crisis (0/1),
 * risk (reason name), green (0/1), created, due, window (ms), step, step_at, code
 * (keyed hash), q (sealed question), sc (sealed self-check JSON), owner, attempt,
 * followups, answered_at.
 */
#ifndef A24_TICKET_H
#define A24_TICKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum {
    A24_STATE_QUEUED,
    A24_STATE_OFFERED,
    A24_STATE_CLAIMED,
    A24_STATE_IN_REVIEW,
    A24_STATE_ANSWERED,
    A24_STATE_CLOSED,
    A24_STATE_WITHDRAWN,
    A24_STATE_COUNT
} a24_state_t;

typedef enum {
    A24_EV_OFFER,         /* the router offers it to an expert */
    A24_EV_OFFER_TIMEOUT, /* nobody claimed the offer in time */
    A24_EV_DECLINE,       /* the expert offered it passes it on */
    A24_EV_CLAIM,         /* an expert takes it */
    A24_EV_RELEASE,       /* the expert hands it back */
    A24_EV_LEASE_EXPIRY,  /* the claim ran out */
    A24_EV_ANSWER,        /* the claimer answers */
    A24_EV_SUBMIT_REVIEW, /* the claimer's answer waits for a supervisor */
    A24_EV_APPROVE,       /* the supervisor releases the answer */
    A24_EV_RETURN,        /* the supervisor sends it back to the claimer */
    A24_EV_FOLLOWUP,      /* the citizen writes again after an answer: reopens it */
    A24_EV_CLOSE,         /* retention or an explicit close */
    A24_EV_WITHDRAW,      /* the citizen withdraws */
    A24_EV_COUNT
} a24_event_t;

/** The stable name of a state ("queued", ...), as stored and shown. */
const char *a24_state_name(a24_state_t s);

/** The state called `name`, or -1. */
int a24_state_parse(const char *name, size_t len);

/** The stable name of an event ("claim", ...), as written to the audit trail. */
const char *a24_event_name(a24_event_t e);

/** True if `e` may happen in state `from`. */
bool a24_ticket_allows(a24_state_t from, a24_event_t e);

/** The state `e` leads to. */
a24_state_t a24_ticket_target(a24_event_t e);

/** True while a ticket still waits for an expert's answer or the citizen may write. */
bool a24_state_is_open(a24_state_t s);

/**
 * The states `e` may happen in, as the comma-separated list the scripts receive
 * (",queued,offered,"), built once from the table.
 */
const char *a24_ticket_from_list(a24_event_t e);

/** The sets of states the programs and the scripts ask about, each a column of the table. */
typedef enum {
    A24_SET_AWAITING, /* it still waits for an expert's answer: queued ... in_review */
    A24_SET_POOLED,   /* it waits in the pool to be taken: queued, offered */
    A24_SET_HELD,     /* an expert holds it: claimed, in_review */
    A24_SET_COUNT
} a24_state_set_t;

/** True if state `s` belongs to `set`. */
bool a24_state_in_set(a24_state_t s, a24_state_set_t set);

/** True if the state called `name` (`len` bytes, as stored) belongs to `set`. */
bool a24_state_name_in_set(const char *name, size_t len, a24_state_set_t set);

/** The states of `set` as a comma-framed list for the scripts (",queued,offered,"). */
const char *a24_state_set_list(a24_state_set_t set);

/**
 * Writes the sets as the Lua tables the scripts use (the library's prelude, before
 * proto/scripts/_lib.lua: `local AWAITING = {queued = true, ...}`, POOLED, HELD, and TO: event name
 * -> target state) to `out`; the build runs this through proto/gen/states_lua.c, so the scripts
 * hold no list of their own. 0, or -1 if writing failed.
 */
int a24_ticket_lua(FILE *out);

/**
 * The answer-time histogram's upper bounds in seconds, in order, as an initializer
 * list ({A24_ANSWER_BUCKETS}): answer.lua counts every answer into the first bound
 * that holds it (answer_le_<bound> in a24:stats) and /metrics reports the same
 * bounds, so the two can never disagree.
 */
#define A24_ANSWER_BUCKETS 900, 3600, 4 * 3600, 12 * 3600, 24 * 3600, 48 * 3600

/** `len` bytes at `p`: one part of a stored element (not NUL-terminated). */
typedef struct {
    const char *p;
    size_t len;
} a24_part_t;

/**
 * Reads one element of a ticket's thread or notes, the one stored message format:
 * a24:t:<id>:msgs holds "<c|e>:<ms>:<sealed text>", a24:t:<id>:notes "<ms>:<user>:<sealed
 * text>". `part` gets the first two colon-separated fields and the rest (sealed bytes,
 * which may hold colons). False if the element has fewer than two colons.
 */
bool a24_ticket_split_message(const char *e, size_t len, a24_part_t part[3]);

/** Milliseconds written as decimal digits (a message's or audit line's time); 0 if not. */
long long a24_ticket_parse_ms(const char *s, size_t len);

/** The ticket categories of the contract, NULL-terminated. */
extern const char *const a24_categories[];

/** The languages answer24 speaks, NULL-terminated. */
extern const char *const a24_languages[];

/** True if `name` (`len` bytes) is in the NULL-terminated `list`. */
bool a24_name_in(const char *const *list, const char *name, size_t len);

#endif
