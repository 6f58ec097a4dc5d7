/*
 * ticket: the state table. Everything else asks it; nothing restates it.
 */
#include "ticket.h"

#include <string.h>

static const char *const state_names[A24_STATE_COUNT] = {
    "queued", "offered", "claimed", "in_review", "answered", "closed", "withdrawn",
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
    return (unsigned)s < A24_STATE_COUNT ? state_names[s] : "unknown";
}

int a24_state_parse(const char *name, size_t len)
{
    for (int i = 0; i < A24_STATE_COUNT; i++)
        if (strlen(state_names[i]) == len && memcmp(state_names[i], name, len) == 0)
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

const char *a24_ticket_from_list(a24_event_t e)
{
    /* Built on first use; the table is constant, so every build gives the same lists. */
    static char lists[A24_EV_COUNT][128];
    if ((unsigned)e >= A24_EV_COUNT)
        return ",";
    if (lists[e][0] == '\0') {
        char buf[128] = ",";
        for (int s = 0; s < A24_STATE_COUNT; s++) {
            if (transitions[e].from & (1u << s)) {
                strcat(buf, state_names[s]);
                strcat(buf, ",");
            }
        }
        memcpy(lists[e], buf, sizeof buf);
    }
    return lists[e];
}

bool a24_name_in(const char *const *list, const char *name, size_t len)
{
    for (; *list != NULL; list++)
        if (strlen(*list) == len && memcmp(*list, name, len) == 0)
            return true;
    return false;
}
