/*
 * ticket: the state table. Everything else asks it; nothing restates it.
 */
#include "ticket.h"

#include <stdio.h>
#include <string.h>

/* The sets of states the programs and the scripts test a ticket against (ticket.h). */
#define AWAITING (1u << A24_SET_AWAITING)
#define POOLED (1u << A24_SET_POOLED)
#define HELD (1u << A24_SET_HELD)

/* For every state: its stored name and the sets it belongs to. */
static const struct {
    const char *name;
    unsigned sets;
} states[A24_STATE_COUNT] = {
    [A24_STATE_QUEUED] = {"queued", AWAITING | POOLED},
    [A24_STATE_OFFERED] = {"offered", AWAITING | POOLED},
    [A24_STATE_CLAIMED] = {"claimed", AWAITING | HELD},
    [A24_STATE_IN_REVIEW] = {"in_review", AWAITING | HELD},
    [A24_STATE_ANSWERED] = {"answered", 0},
    [A24_STATE_CLOSED] = {"closed", 0},
    [A24_STATE_WITHDRAWN] = {"withdrawn", 0},
};

#undef AWAITING
#undef POOLED
#undef HELD

/* The sets' names in the scripts (the Lua tables the build writes). */
static const char *const set_names[A24_SET_COUNT] = {
    [A24_SET_AWAITING] = "AWAITING",
    [A24_SET_POOLED] = "POOLED",
    [A24_SET_HELD] = "HELD",
};

#define S(x) (1u << A24_STATE_##x)

/* For every event: the states it may happen in, and where it leads. */
static const struct {
    const char *name;
    unsigned from;
    a24_state_t to;
} transitions[A24_EV_COUNT] = {
    [A24_EV_OFFER] = {"offer", S(QUEUED), A24_STATE_OFFERED},
    [A24_EV_OFFER_TIMEOUT] = {"offer_timeout", S(OFFERED), A24_STATE_QUEUED},
    [A24_EV_DECLINE] = {"decline", S(OFFERED), A24_STATE_QUEUED},
    [A24_EV_CLAIM] = {"claim", S(QUEUED) | S(OFFERED), A24_STATE_CLAIMED},
    [A24_EV_RELEASE] = {"release", S(CLAIMED), A24_STATE_QUEUED},
    [A24_EV_LEASE_EXPIRY] = {"lease_expiry", S(CLAIMED), A24_STATE_QUEUED},
    [A24_EV_ANSWER] = {"answer", S(CLAIMED), A24_STATE_ANSWERED},
    [A24_EV_SUBMIT_REVIEW] = {"submit_review", S(CLAIMED), A24_STATE_IN_REVIEW},
    [A24_EV_APPROVE] = {"approve", S(IN_REVIEW), A24_STATE_ANSWERED},
    [A24_EV_RETURN] = {"return", S(IN_REVIEW), A24_STATE_CLAIMED},
    [A24_EV_FOLLOWUP] = {"followup", S(ANSWERED), A24_STATE_QUEUED},
    [A24_EV_CLOSE] = {"close", S(ANSWERED), A24_STATE_CLOSED},
    [A24_EV_WITHDRAW] = {"withdraw",
                         S(QUEUED) | S(OFFERED) | S(CLAIMED) | S(IN_REVIEW) | S(ANSWERED),
                         A24_STATE_WITHDRAWN},
};

#undef S

const char *const a24_categories[] = {"depression", "anxiety",  "stress", "sleep",
                                      "family",     "disaster", "other",  NULL};
const char *const a24_languages[] = {"ko", "zh", "en", NULL};

const char *a24_state_name(a24_state_t s)
{
    return (unsigned)s < A24_STATE_COUNT ? states[s].name : "unknown";
}

int a24_state_parse(const char *name, size_t len)
{
    for (int i = 0; i < A24_STATE_COUNT; i++)
        if (strlen(states[i].name) == len && memcmp(states[i].name, name, len) == 0)
            return i;
    return -1;
}

const char *a24_event_name(a24_event_t e)
{
    return (unsigned)e < A24_EV_COUNT ? transitions[e].name : "unknown";
}

bool a24_ticket_allows(a24_state_t from, a24_event_t e)
{
    return (unsigned)e < A24_EV_COUNT && (unsigned)from < A24_STATE_COUNT &&
           (transitions[e].from & (1u << from)) != 0;
}

a24_state_t a24_ticket_target(a24_event_t e)
{
    return transitions[e].to;
}

bool a24_state_is_open(a24_state_t s)
{
    return a24_ticket_allows(s, A24_EV_WITHDRAW);
}

/* Writes ",a,b," for the states whose bit is set in `mask` (room for every name). */
static void framed_list(unsigned mask, char out[128])
{
    char buf[128] = ",";
    for (int s = 0; s < A24_STATE_COUNT; s++) {
        if (mask & (1u << s)) {
            strcat(buf, states[s].name);
            strcat(buf, ",");
        }
    }
    memcpy(out, buf, sizeof buf);
}

const char *a24_ticket_from_list(a24_event_t e)
{
    /* Built on first use; the table is constant, so every build gives the same lists. */
    static char lists[A24_EV_COUNT][128];
    if ((unsigned)e >= A24_EV_COUNT)
        return ",";
    if (lists[e][0] == '\0')
        framed_list(transitions[e].from, lists[e]);
    return lists[e];
}

bool a24_state_in_set(a24_state_t s, a24_state_set_t set)
{
    return (unsigned)s < A24_STATE_COUNT && (unsigned)set < A24_SET_COUNT &&
           (states[s].sets & (1u << set)) != 0;
}

bool a24_state_name_in_set(const char *name, size_t len, a24_state_set_t set)
{
    int s = name != NULL ? a24_state_parse(name, len) : -1;
    return s >= 0 && a24_state_in_set((a24_state_t)s, set);
}

const char *a24_state_set_list(a24_state_set_t set)
{
    static char lists[A24_SET_COUNT][128];
    if ((unsigned)set >= A24_SET_COUNT)
        return ",";
    if (lists[set][0] == '\0') {
        unsigned mask = 0;
        for (int s = 0; s < A24_STATE_COUNT; s++)
            mask |= a24_state_in_set((a24_state_t)s, set) ? 1u << s : 0;
        framed_list(mask, lists[set]);
    }
    return lists[set];
}

int a24_ticket_lua(FILE *out)
{
    fputs("-- Generated from the state table of proto/ticket.c at build time: do not edit.\n"
          "-- AWAITING: a ticket still waits for an expert's answer; POOLED: it waits in the\n"
          "-- pool to be taken; HELD: an expert holds it; TO: the state each event leads to.\n",
          out);
    for (int set = 0; set < A24_SET_COUNT; set++) {
        fprintf(out, "local %s = {", set_names[set]);
        const char *sep = "";
        for (int s = 0; s < A24_STATE_COUNT; s++) {
            if (a24_state_in_set((a24_state_t)s, (a24_state_set_t)set)) {
                fprintf(out, "%s%s = true", sep, states[s].name);
                sep = ", ";
            }
        }
        fputs("}\n", out);
    }
    /* Where every event leads: a script writes TO.claim, never 'claimed'. */
    fputs("local TO = {", out);
    for (int e = 0; e < A24_EV_COUNT; e++)
        fprintf(out, "%s['%s'] = '%s'", e > 0 ? ", " : "", transitions[e].name,
                states[transitions[e].to].name);
    fputs("}\n", out);
    return ferror(out) ? -1 : 0;
}

bool a24_ticket_split_message(const char *e, size_t len, a24_part_t part[3])
{
    const char *c1 = memchr(e, ':', len);
    const char *c2 = c1 != NULL ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - e)) : NULL;
    if (c1 == NULL || c2 == NULL)
        return false;
    part[0] = (a24_part_t){e, (size_t)(c1 - e)};
    part[1] = (a24_part_t){c1 + 1, (size_t)(c2 - c1 - 1)};
    part[2] = (a24_part_t){c2 + 1, len - (size_t)(c2 + 1 - e)};
    return true;
}

long long a24_ticket_parse_ms(const char *s, size_t len)
{
    long long v = 0;
    if (len == 0 || len > 18)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

bool a24_name_in(const char *const *list, const char *name, size_t len)
{
    for (; *list != NULL; list++)
        if (strlen(*list) == len && memcmp(*list, name, len) == 0)
            return true;
    return false;
}
