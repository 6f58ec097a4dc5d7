/*
 * ticket_queue: the staff queues, GET /api/v1/tickets?view=offered|pool|mine|all|review
 * &limit=N&cursor=C.
 *
 * A page is one read-only script (ticket_list.lua) over the urgency indexes, so it is
 * already in the order an expert should work and was true at one instant; paging is by
 * keyset (the cursor is the score and id of the last ticket shown). Each ticket is shown
 * as ticket_view.c renders it, with the moves the viewer may make.
 *
 * Must never: show an expert the pool of a category or language they do not take, or
 * the "all" and "review" views (403); accept a cursor this service did not give.
 */
#include "ticket_queue.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "staff_body.h"
#include "ticket.h"
#include "ticket_view.h"

#define LIST_LIMIT_DEFAULT 100
#define LIST_LIMIT_MAX 1000
#define CURSOR_MAX 64

/* ---------------------------------------------------------------- GET /api/v1/tickets */

typedef struct {
    a24_op_t op;
    a24_viewer_t me;
} list_op_t;

/* ticket_list.lua replied: {now, next score, next id, rows...}; a page of tickets. */
static json_t *list_json(a24_op_t *op, const redisReply *r)
{
    list_op_t *l = (list_op_t *)op;
    a24_ms_t now = a24_reply_int(r, 0, a24_clock_now());
    json_t *tickets = json_array();
    for (size_t i = 3; i < r->elements; i++) {
        json_t *item = a24_ticket_view_item(l->op.app, &l->me, now, r->element[i]);
        if (item != NULL)
            json_array_append_new(tickets, item);
    }
    size_t slen, ilen;
    const char *score = a24_reply_str(r, 1, &slen), *id = a24_reply_str(r, 2, &ilen);
    json_t *next = json_null();
    if (score != NULL && slen > 0 && id != NULL && ilen > 0) {
        char cursor[CURSOR_MAX * 2];
        snprintf(cursor, sizeof cursor, "%.*s_%.*s", (int)slen, score, (int)ilen, id);
        json_decref(next);
        next = json_string(cursor);
    }
    return json_pack("{s:o, s:o}", "tickets", tickets, "next_cursor", next);
}

/*
 * Reads a cursor "<score>_<ticket>" (what next_cursor gave) into its parts. Returns 0,
 * or -1 if it cannot be one.
 */
static int parse_cursor(const char *c, char score[CURSOR_MAX], char id[A24_TICKET_ID_LEN + 1])
{
    const char *us = strchr(c, '_');
    if (us == NULL)
        return -1;
    size_t n = (size_t)(us - c), digits = n - (c[0] == '-');
    if (digits == 0 || digits > 17)
        return -1;
    for (size_t i = c[0] == '-'; i < n; i++)
        if (c[i] < '0' || c[i] > '9')
            return -1;
    if (!a24_secret_ticket_id_valid(us + 1, strlen(us + 1)))
        return -1;
    memcpy(score, c, n);
    score[n] = '\0';
    memcpy(id, us + 1, A24_TICKET_ID_LEN + 1);
    return 0;
}

void a24_ticket_queue_list(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                           const a24_staff_t *staff)
{
    (void)m;
    static const char *const views[] = {"offered", "pool", "mine", "all", "review", NULL};
    size_t vlen, llen, clen;
    const char *view = a24_query_value(req, "view", &vlen);
    if (view == NULL)
        view = "pool", vlen = 4;
    if (!a24_name_in(views, view, vlen)) {
        a24_http_error(req, 400, "bad_view",
                       "view must be one of offered, pool, mine, all, review.", "view");
        return;
    }
    long limit = LIST_LIMIT_DEFAULT;
    const char *limit_s = a24_query_value(req, "limit", &llen);
    if (limit_s != NULL) {
        limit = llen > 0 && llen <= 7 && strspn(limit_s, "0123456789") == llen
                    ? strtol(limit_s, NULL, 10)
                    : -1;
        if (limit < 1 || limit > LIST_LIMIT_MAX) {
            a24_http_error(req, 400, "bad_limit", "limit must be a whole number from 1 to 1000.",
                           "limit");
            return;
        }
    }
    char score[CURSOR_MAX] = "", cid[A24_TICKET_ID_LEN + 1] = "";
    const char *cursor = a24_query_value(req, "cursor", &clen);
    if (cursor != NULL && clen > 0 &&
        (strlen(cursor) != clen || parse_cursor(cursor, score, cid) != 0)) {
        a24_http_error(req, 400, "bad_cursor",
                       "cursor must be a next_cursor value this service gave.", "cursor");
        return;
    }
    bool supervisor = (staff->role & A24_ROLE_SUPERVISOR) != 0;
    if ((strcmp(view, "all") == 0 || strcmp(view, "review") == 0) && !supervisor) {
        a24_http_error(req, 403, "forbidden", "Only supervisors see this view.", "view");
        return;
    }
    list_op_t *l = a24_op_start(app, req, sizeof *l);
    if (l == NULL)
        return;
    a24_viewer_from(&l->me, staff);
    /* A supervisor may claim anything, so their pool is every category and language. */
    char cats[A24_FRAMED_MAX], langs[A24_FRAMED_MAX];
    a24_viewer_framed(supervisor ? a24_viewer_all_bits(a24_categories) : staff->categories,
                      a24_categories, cats);
    a24_viewer_framed(supervisor ? a24_viewer_all_bits(a24_languages) : staff->languages,
                      a24_languages, langs);
    a24_args_t args;
    a24_args_init(&args);
    a24_args_str(&args, view);
    a24_args_str(&args, l->me.username);
    a24_args_str(&args, cats);
    a24_args_str(&args, langs);
    a24_args_int(&args, limit);
    a24_args_str(&args, score);
    a24_args_str(&args, cid);
    a24_op_rows_json_or_respond(&l->op, "ticket_list", &args, 3, list_json);
}
