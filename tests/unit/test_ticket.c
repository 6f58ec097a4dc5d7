/* Unit tests of proto/ticket: the state table and what the scripts receive from it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a24unit.h"
#include "ticket.h"

static void ticket_names_round_trip(void **state)
{
    (void)state;
    for (int s = 0; s < A24_STATE_COUNT; s++) {
        const char *name = a24_state_name((a24_state_t)s);
        assert_int_equal(a24_state_parse(name, strlen(name)), s);
    }
    assert_int_equal(a24_state_parse("lost", 4), -1);
    assert_int_equal(a24_state_parse("queue", 5), -1); /* a prefix is not a name */
    assert_string_equal(a24_state_name(A24_STATE_COUNT), "unknown");
    assert_string_equal(a24_event_name(A24_EV_CLAIM), "claim");
    assert_string_equal(a24_event_name(A24_EV_COUNT), "unknown");
}

static void ticket_life_follows_the_design(void **state)
{
    (void)state;
    /* queued -> offered -> claimed -> answered, and back to the queue on time-outs. */
    assert_true(a24_ticket_allows(A24_STATE_QUEUED, A24_EV_OFFER));
    assert_int_equal(a24_ticket_target(A24_EV_OFFER), A24_STATE_OFFERED);
    assert_true(a24_ticket_allows(A24_STATE_OFFERED, A24_EV_CLAIM));
    assert_true(a24_ticket_allows(A24_STATE_QUEUED, A24_EV_CLAIM)); /* from the pool */
    assert_true(a24_ticket_allows(A24_STATE_CLAIMED, A24_EV_ANSWER));
    assert_int_equal(a24_ticket_target(A24_EV_ANSWER), A24_STATE_ANSWERED);
    assert_int_equal(a24_ticket_target(A24_EV_OFFER_TIMEOUT), A24_STATE_QUEUED);
    assert_int_equal(a24_ticket_target(A24_EV_LEASE_EXPIRY), A24_STATE_QUEUED);
    assert_int_equal(a24_ticket_target(A24_EV_DECLINE), A24_STATE_QUEUED);
    /* Review: claimed -> in_review -> answered or back to claimed. */
    assert_true(a24_ticket_allows(A24_STATE_CLAIMED, A24_EV_SUBMIT_REVIEW));
    assert_true(a24_ticket_allows(A24_STATE_IN_REVIEW, A24_EV_APPROVE));
    assert_int_equal(a24_ticket_target(A24_EV_RETURN), A24_STATE_CLAIMED);
    /* A follow-up reopens only an answered ticket. */
    assert_true(a24_ticket_allows(A24_STATE_ANSWERED, A24_EV_FOLLOWUP));
    assert_false(a24_ticket_allows(A24_STATE_QUEUED, A24_EV_FOLLOWUP));
}

static void ticket_refuses_what_must_not_happen(void **state)
{
    (void)state;
    /* Nobody answers a ticket they do not hold; nothing moves a withdrawn ticket. */
    assert_false(a24_ticket_allows(A24_STATE_QUEUED, A24_EV_ANSWER));
    assert_false(a24_ticket_allows(A24_STATE_OFFERED, A24_EV_ANSWER));
    assert_false(a24_ticket_allows(A24_STATE_CLAIMED, A24_EV_CLAIM)); /* one winner */
    assert_false(a24_ticket_allows(A24_STATE_IN_REVIEW, A24_EV_ANSWER));
    for (int e = 0; e < A24_EV_COUNT; e++) {
        assert_false(a24_ticket_allows(A24_STATE_WITHDRAWN, (a24_event_t)e));
        assert_false(a24_ticket_allows(A24_STATE_CLOSED, (a24_event_t)e));
    }
    assert_false(a24_ticket_allows(A24_STATE_COUNT, A24_EV_CLAIM));
    assert_false(a24_ticket_allows(A24_STATE_QUEUED, A24_EV_COUNT));
}

static void ticket_open_states_take_withdrawal(void **state)
{
    (void)state;
    for (int s = 0; s < A24_STATE_COUNT; s++) {
        bool open = s != A24_STATE_CLOSED && s != A24_STATE_WITHDRAWN;
        assert_int_equal(a24_state_is_open((a24_state_t)s), open);
    }
}

static void ticket_from_lists_match_the_table(void **state)
{
    (void)state;
    /* The scripts decide with these lists: each must name exactly the table's states. */
    for (int e = 0; e < A24_EV_COUNT; e++) {
        const char *list = a24_ticket_from_list((a24_event_t)e);
        assert_int_equal(list[0], ',');
        for (int s = 0; s < A24_STATE_COUNT; s++) {
            char framed[32];
            snprintf(framed, sizeof framed, ",%s,", a24_state_name((a24_state_t)s));
            assert_int_equal(strstr(list, framed) != NULL,
                             a24_ticket_allows((a24_state_t)s, (a24_event_t)e));
        }
    }
    assert_string_equal(a24_ticket_from_list(A24_EV_CLAIM), ",queued,offered,");
}

static void ticket_sets_match_the_table(void **state)
{
    (void)state;
    /* Each set's list names exactly its states; the sets are what the design says. */
    for (int set = 0; set < A24_SET_COUNT; set++) {
        const char *list = a24_state_set_list((a24_state_set_t)set);
        for (int s = 0; s < A24_STATE_COUNT; s++) {
            char framed[32];
            snprintf(framed, sizeof framed, ",%s,", a24_state_name((a24_state_t)s));
            assert_int_equal(strstr(list, framed) != NULL,
                             a24_state_in_set((a24_state_t)s, (a24_state_set_t)set));
        }
    }
    for (int s = 0; s < A24_STATE_COUNT; s++) {
        /* What awaits an answer is open, and all that is open but answered awaits one;
         * it is either in the pool or held, never both. */
        bool awaiting = a24_state_in_set((a24_state_t)s, A24_SET_AWAITING);
        bool pooled = a24_state_in_set((a24_state_t)s, A24_SET_POOLED);
        bool held = a24_state_in_set((a24_state_t)s, A24_SET_HELD);
        assert_int_equal(awaiting, a24_state_is_open((a24_state_t)s) && s != A24_STATE_ANSWERED);
        assert_int_equal(awaiting, pooled != held);
        /* Only a pooled ticket may be claimed. */
        assert_int_equal(pooled, a24_ticket_allows((a24_state_t)s, A24_EV_CLAIM));
    }
    assert_string_equal(a24_state_set_list(A24_SET_AWAITING), ",queued,offered,claimed,in_review,");
    assert_string_equal(a24_state_set_list(A24_SET_POOLED), ",queued,offered,");
    assert_string_equal(a24_state_set_list(A24_SET_HELD), ",claimed,in_review,");
    assert_false(a24_state_in_set(A24_STATE_COUNT, A24_SET_AWAITING));
    assert_true(a24_state_name_in_set("in_review", 9, A24_SET_HELD));
    assert_false(a24_state_name_in_set("in_revie", 8, A24_SET_HELD));
    assert_false(a24_state_name_in_set("answered", 8, A24_SET_AWAITING));
    assert_false(a24_state_name_in_set(NULL, 0, A24_SET_POOLED));
    assert_false(a24_state_in_set(A24_STATE_QUEUED, A24_SET_COUNT));
}

static void ticket_lua_sets_match_the_table(void **state)
{
    (void)state;
    /* The scripts' tables are written from the same table as the C lists: the sets,
     * and TO, where each event leads. */
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    assert_int_equal(a24_ticket_lua(out), 0);
    assert_int_equal(fclose(out), 0);
    assert_non_null(strstr(text, "\nlocal AWAITING = {queued = true, offered = true, "
                                 "claimed = true, in_review = true}\n"));
    assert_non_null(strstr(text, "\nlocal POOLED = {queued = true, offered = true}\n"));
    assert_non_null(strstr(text, "\nlocal HELD = {claimed = true, in_review = true}\n"));
    for (int e = 0; e < A24_EV_COUNT; e++) {
        char entry[64];
        snprintf(entry, sizeof entry, "['%s'] = '%s'", a24_event_name((a24_event_t)e),
                 a24_state_name(a24_ticket_target((a24_event_t)e)));
        assert_non_null(strstr(text, entry));
    }
    assert_non_null(strstr(text, "\nlocal TO = {['offer'] = 'offered', "));
    assert_non_null(strstr(text, "['return'] = 'claimed'"));
    free(text);
}

static void ticket_messages_split(void **state)
{
    (void)state;
    /* The stored format: two fields, then sealed bytes that may hold colons. */
    a24_part_t m[3];
    const char msg[] = "e:1700000000123:se:al:ed";
    assert_true(a24_ticket_split_message(msg, sizeof msg - 1, m));
    assert_int_equal(m[0].len, 1);
    assert_memory_equal(m[0].p, "e", 1);
    assert_int_equal(a24_ticket_parse_ms(m[1].p, m[1].len), 1700000000123LL);
    assert_int_equal(m[2].len, 8);
    assert_memory_equal(m[2].p, "se:al:ed", 8);
    const char note[] = "1700000000123:anna:";
    assert_true(a24_ticket_split_message(note, sizeof note - 1, m));
    assert_memory_equal(m[1].p, "anna", 4);
    assert_int_equal(m[2].len, 0);
    assert_false(a24_ticket_split_message("e:123", 5, m));
    assert_false(a24_ticket_split_message("", 0, m));
    assert_int_equal(a24_ticket_parse_ms("12x", 3), 0);
    assert_int_equal(a24_ticket_parse_ms("", 0), 0);
}

static void ticket_names_in_lists(void **state)
{
    (void)state;
    assert_true(a24_name_in(a24_categories, "disaster", 8));
    assert_false(a24_name_in(a24_categories, "disast", 6));
    assert_true(a24_name_in(a24_languages, "zh", 2));
    assert_false(a24_name_in(a24_languages, "fr", 2));
}

A24_UNIT_MAIN(cmocka_unit_test(ticket_names_round_trip),
              cmocka_unit_test(ticket_life_follows_the_design),
              cmocka_unit_test(ticket_refuses_what_must_not_happen),
              cmocka_unit_test(ticket_open_states_take_withdrawal),
              cmocka_unit_test(ticket_from_lists_match_the_table),
              cmocka_unit_test(ticket_sets_match_the_table),
              cmocka_unit_test(ticket_lua_sets_match_the_table),
              cmocka_unit_test(ticket_messages_split), cmocka_unit_test(ticket_names_in_lists))
