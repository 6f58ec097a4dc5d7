/*
 * http_tickets: the staff side of tickets: the queues, the full view of one ticket,
 * every move an expert or supervisor makes on it (the queue pages are ticket_queue.c's,
 * the JSON of a ticket ticket_view.c's, the answer templates http_templates.c's).
 *
 *   GET    /api/v1/tickets?view=offered|pool|mine|all|review&limit=N&cursor=C
 *   GET    /api/v1/tickets/{ticket}
 *   POST   /api/v1/tickets/{ticket}/claim | release | answer | review | notes |
 *          transfer | risk
 *
 * Every route runs behind a24_auth_require. Who may do what to which ticket, and in
 * which state, is decided inside the scripts (claim.lua, answer.lua, ...) atomically
 * with the change, from the state table's "from" lists (ticket.h) this file passes;
 * this file picks the script, seals texts with the ticket id before they leave the
 * process, opens them on the way back, and turns each verdict into the contract's
 * answer. A queue page and a ticket view are each one read-only script (ticket_list,
 * ticket_view), so what is shown was true at one instant.
 *
 * The crisis path's safety rules live in the scripts too: only a supervisor lowers a
 * crisis (risk.lua: 403 supervisor_required), nobody approves their own answer
 * (answer.lua: 403 own_answer), and a transfer goes only to someone who can act
 * (transfer.lua: 409 target_disabled | target_off_duty | target_not_covering; a
 * supervisor may override the last two with "override_reason", sealed and audited).
 *
 * Must never: log or echo a text; send a citizen's or an expert's text to Redis
 * unsealed; show an expert a ticket outside their categories and languages (the view
 * answers 404 as for a ticket that does not exist); show the audit trail to anyone
 * but a supervisor; answer before the script confirmed.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "clock.h"
#include "keys.h"
#include "log.h"
#include "staff_body.h"
#include "ticket.h"
#include "ticket_queue.h"
#include "ticket_view.h"

#define OVERRIDE_MAX_CHARS 500

/* ---------------------------------------------------------------- GET /api/v1/tickets/{id} */

typedef struct {
    a24_op_t op;
    a24_viewer_t me;
    char ticket[A24_TICKET_ID_LEN + 1];
} view_op_t;

/* True when the path's {ticket} is a ticket id; otherwise answers 404 and says false. */
static bool ticket_param_or_respond(h2o_req_t *req, h2o_iovec_t id)
{
    if (a24_secret_ticket_id_valid(id.base, id.len))
        return true;
    a24_http_error(req, 404, "not_found", "There is no such ticket.", NULL);
    return false;
}

/* ticket_view.lua replied: {"missing"} | {"ok", now, fields, msgs, notes, audit}. */
static void on_view_reply(a24_op_t *op, const char *verdict, const redisReply *r)
{
    view_op_t *v = (view_op_t *)op;
    h2o_req_t *req = a24_op_take(&v->op);
    json_t *item = NULL;
    if (req != NULL && strcmp(verdict, "ok") == 0)
        item = a24_ticket_view_full(v->op.app, &v->me, v->ticket, r);
    if (req != NULL && item == NULL)
        a24_http_error(req, 404, "not_found", "There is no such ticket.", NULL);
    else if (req != NULL)
        a24_http_json(req, 200, item);
    a24_op_finish(&v->op);
}

/* GET /api/v1/tickets/{ticket}, signed in. */
static void on_view_authed(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                           const a24_staff_t *staff)
{
    h2o_iovec_t id = m->param[0];
    if (!ticket_param_or_respond(req, id))
        return;
    view_op_t *v = a24_op_start(app, req, sizeof *v);
    if (v == NULL)
        return;
    a24_viewer_from(&v->me, staff);
    memcpy(v->ticket, id.base, id.len);
    a24_args_t args;
    a24_args_init(&args);
    a24_args_str(&args, v->ticket);
    a24_args_str(&args, v->me.username);
    a24_args_bool(&args, v->me.supervisor);
    a24_args_str(&args, v->me.cats);
    a24_args_str(&args, v->me.langs);
    a24_args_bool(&args, v->me.supervisor);
    a24_op_script_or_respond(&v->op, "ticket_view", &args, on_view_reply);
}

/* ---------------------------------------------------------------- moves on a ticket */

typedef enum {
    ACT_CLAIM,
    ACT_RELEASE,
    ACT_DECLINE,
    ACT_ANSWER,
    ACT_APPROVE,
    ACT_RETURN,
    ACT_NOTE,
    ACT_TRANSFER,
    ACT_RISK,
} act_t;

typedef struct {
    a24_op_t op;
    act_t act;
    int step;             /* approve with a note: 0 approves, 1 writes the note */
    a24_ms_t answered_at; /* approve: when the approval released the answer */
    a24_viewer_t me;
    char ticket[A24_TICKET_ID_LEN + 1];
    unsigned char *sealed; /* the answer, note or reason, sealed with the ticket id */
    size_t sealed_len;
    char target[A24_USERNAME_MAX + 1]; /* transfer */
    unsigned char *override;           /* transfer: a supervisor's sealed reason, or NULL */
    size_t override_len;
    bool second_opinion; /* answer: ask a supervisor before release */
    bool raise;          /* risk: to crisis (else back to normal) */
} act_op_t;

/*
 * Seals `len` bytes for ticket `ticket` into a new buffer of len + A24_SEAL_OVERHEAD
 * bytes (*out_len), or NULL if out of memory.
 */
static unsigned char *seal_text(a24_app_t *app, const char *ticket, const char *text, size_t len,
                                size_t *out_len)
{
    unsigned char *sealed = malloc(len + A24_SEAL_OVERHEAD);
    if (sealed == NULL)
        return NULL;
    a24_secret_seal(&app->secrets, ticket, text, len, sealed);
    *out_len = len + A24_SEAL_OVERHEAD;
    return sealed;
}

/* Frees the sealed text the move carried. */
static void act_dispose(a24_op_t *op)
{
    act_op_t *a = (act_op_t *)op;
    free(a->sealed);
    free(a->override);
}

/* The answer-time histogram bounds as answer.lua reads them: ",900,3600,...,". */
static const char *answer_bounds(void)
{
    static const long bounds[] = {A24_ANSWER_BUCKETS};
    static char text[128];
    if (text[0] == '\0') {
        size_t used = 1;
        text[0] = ',';
        for (size_t i = 0; i < sizeof bounds / sizeof bounds[0]; i++)
            used += (size_t)snprintf(text + used, sizeof text - used, "%ld,", bounds[i]);
    }
    return text;
}

/* The first escalation step that alerts on-call, in permille of the window, or -1. */
static int first_oncall_step(const a24_config_t *cfg)
{
    for (size_t i = 0; i < cfg->escalation_len; i++)
        if (cfg->escalation[i].notify & A24_NOTIFY_ONCALL)
            return cfg->escalation[i].at_permille;
    return -1;
}

static void on_act_reply(a24_op_t *op, const char *verdict, const redisReply *r);

/* Appends a string argument (short, for the table of moves below). */
static void arg(a24_args_t *x, const char *s)
{
    a24_args_str(x, s);
}

/* Appends a sealed text (`len` bytes, may hold NULs), or "" for none. */
static void arg_sealed(a24_args_t *x, const unsigned char *sealed, size_t len)
{
    a24_args_bin(x, sealed != NULL ? (const void *)sealed : "", sealed != NULL ? len : 0);
}

/*
 * Fills `x` with the arguments of the move's current step and returns its script's name.
 * `n` holds the configured figures as text: lease, crisis window, first on-call step,
 * crisis repeat.
 */
static const char *act_args(const act_op_t *a, const char *const n[4], a24_args_t *x)
{
    const char *sup = a->me.supervisor ? "1" : "0";
    /* An approval with a note writes the note once the approval went through, so a
     * refused approval (the author's own answer) leaves no note. */
    act_t act = a->act == ACT_APPROVE && a->step == 1 ? ACT_NOTE : a->act;
    arg(x, a->ticket), arg(x, a->me.username);
    switch (act) {
    case ACT_CLAIM:
        arg(x, a24_ticket_from_list(A24_EV_CLAIM)), arg(x, n[0]), arg(x, a->me.cats);
        arg(x, a->me.langs), arg(x, n[2]), arg(x, sup), arg(x, a->me.supervisor ? "0" : "1");
        return "claim";
    case ACT_RELEASE:
        arg(x, a24_ticket_from_list(A24_EV_RELEASE)), arg(x, sup), arg(x, "release");
        return "release";
    case ACT_DECLINE: /* only the one it is offered to; the router passes them over */
        arg(x, a24_ticket_from_list(A24_EV_DECLINE)), arg(x, "0"), arg(x, "decline");
        return "release";
    case ACT_ANSWER:
        /* Whether it waits for review is the script's to decide, atomically with the
         * ticket's crisis flag. */
        arg(x, a24_ticket_from_list(A24_EV_ANSWER)), arg_sealed(x, a->sealed, a->sealed_len);
        arg(x, a->second_opinion ? "review" : "auto"), arg(x, "1"), arg(x, answer_bounds());
        arg(x, "answer"), arg(x, n[3]);
        return "answer";
    case ACT_APPROVE:
        arg(x, a24_ticket_from_list(A24_EV_APPROVE)), arg(x, ""), arg(x, "release");
        arg(x, "0"), arg(x, answer_bounds()), arg(x, "approve"), arg(x, n[3]);
        return "answer";
    case ACT_RETURN:
        arg(x, a24_ticket_from_list(A24_EV_RETURN)), arg_sealed(x, a->sealed, a->sealed_len);
        arg(x, n[0]), arg(x, n[2]);
        return "review_return";
    case ACT_NOTE:
        arg_sealed(x, a->sealed, a->sealed_len), arg(x, sup), arg(x, a->me.cats);
        arg(x, a->me.langs);
        return "note";
    case ACT_TRANSFER:
        arg(x, a24_ticket_transfer_from_list()), arg(x, a->target);
        arg_sealed(x, a->sealed, a->sealed_len), arg(x, sup), arg(x, n[0]), arg(x, n[2]);
        arg_sealed(x, a->override, a->override_len);
        return "transfer";
    case ACT_RISK:
        arg(x, a->raise ? "raise" : "lower"), arg_sealed(x, a->sealed, a->sealed_len);
        arg(x, n[1]), arg(x, sup), arg(x, a->me.cats), arg(x, a->me.langs);
        return "risk";
    }
    return "";
}

/* Sends the script of the move's current step. 0, or -1 if Redis is not there. */
static int act_send(act_op_t *a)
{
    const a24_config_t *cfg = a->op.app->cfg;
    char lease[24], window[24], oncall[16], repeat[24];
    snprintf(lease, sizeof lease, "%lld", (long long)cfg->deadlines.claim_lease);
    snprintf(window, sizeof window, "%lld", (long long)cfg->deadlines.crisis);
    snprintf(oncall, sizeof oncall, "%d", first_oncall_step(cfg));
    snprintf(repeat, sizeof repeat, "%lld", (long long)cfg->alerts.crisis_repeat);
    const char *const nums[4] = {lease, window, oncall, repeat};
    a24_args_t x;
    a24_args_init(&x);
    const char *script = act_args(a, nums, &x);
    return a24_op_script(&a->op, script, &x, on_act_reply);
}

/* The log event of a move that happened. */
static const char *act_event(const act_op_t *a)
{
    switch (a->act) {
    case ACT_CLAIM:
        return "ticket_claimed";
    case ACT_RELEASE:
        return "ticket_released";
    case ACT_DECLINE:
        return "offer_declined";
    case ACT_ANSWER:
        return "ticket_answered";
    case ACT_APPROVE:
        return "answer_approved";
    case ACT_RETURN:
        return "answer_returned";
    case ACT_NOTE:
        return "note_added";
    case ACT_TRANSFER:
        return "ticket_transferred";
    case ACT_RISK:
        return a->raise ? "risk_raised" : "risk_lowered";
    }
    return "ticket_changed";
}

/* Answers a move the script made: each with what the console needs next. */
static void respond_ok(act_op_t *a, const redisReply *r, h2o_req_t *req)
{
    size_t len;
    const char *s;
    json_t *body = json_pack("{s:s}", "ticket", a->ticket);
    int status = 200;
    switch (a->act) {
    case ACT_CLAIM:
    case ACT_TRANSFER:
        json_object_set_new(body, "status", json_string("claimed"));
        json_object_set_new(body, "owner",
                            json_string(a->act == ACT_CLAIM ? a->me.username : a->target));
        json_object_set_new(body, "lease_until", a24_http_time(a24_reply_int(r, 1, 0)));
        break;
    case ACT_RELEASE:
    case ACT_DECLINE:
        json_object_set_new(body, "status", json_string("queued"));
        break;
    case ACT_ANSWER:
    case ACT_APPROVE:
        if (a->act == ACT_APPROVE && a->step == 1) { /* `r` is the note's reply */
            json_object_set_new(body, "status", json_string("answered"));
            json_object_set_new(body, "answered_at", a24_http_time(a->answered_at));
            break;
        }
        s = a24_reply_str(r, 1, &len);
        json_object_set_new(body, "status", a24_json_str_or_null(s, len));
        json_object_set_new(body, "answered_at",
                            a24_reply_int(r, 2, 0) > 0 ? a24_http_time(a24_reply_int(r, 2, 0))
                                                       : json_null());
        break;
    case ACT_RETURN:
        json_object_set_new(body, "status", json_string("claimed"));
        break;
    case ACT_NOTE:
        status = 201;
        json_object_set_new(body, "at", a24_http_time(a24_reply_int(r, 1, 0)));
        break;
    case ACT_RISK:
        json_object_set_new(body, "crisis", json_boolean(a24_reply_int(r, 1, 0) == 1));
        json_object_set_new(body, "due_at", a24_http_time(a24_reply_int(r, 2, 0)));
        break;
    }
    a24_http_json(req, status, body);
}

/*
 * Answers the refusals of the safety rules (risk.lua, answer.lua, transfer.lua); false
 * if `verdict` is none of them.
 */
static bool respond_safety_refusal(const char *verdict, h2o_req_t *req)
{
    static const struct {
        const char *verdict;
        int status;
        const char *code, *message, *field;
    } rules[] = {
        {"lower_forbidden", 403, "supervisor_required",
         "Only a supervisor may lower a crisis; raise it with a supervisor instead.", "level"},
        {"author", 403, "own_answer", "You wrote this answer: another supervisor must approve it.",
         NULL},
        {"target_disabled", 409, "target_disabled", "This account is disabled.", "to"},
        {"target_off_duty", 409, "target_off_duty",
         "This colleague is off duty; pick someone on duty (a supervisor may override with a "
         "reason).",
         "to"},
        {"target_not_covering", 409, "target_not_covering",
         "This colleague does not take this ticket's category and language (a supervisor may "
         "override with a reason).",
         "to"},
        {"override_forbidden", 403, "override_forbidden",
         "Only a supervisor may override the transfer rules.", "override_reason"},
    };
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        if (strcmp(verdict, rules[i].verdict) == 0) {
            a24_http_error(req, rules[i].status, rules[i].code, rules[i].message, rules[i].field);
            return true;
        }
    }
    return false;
}

/* Answers a script's refusal: "missing", "forbidden", "state", "bad_target", or a safety rule. */
static void respond_refusal(act_op_t *a, const char *verdict, const redisReply *r, h2o_req_t *req)
{
    size_t slen = 0, olen = 0;
    const char *state = a24_reply_str(r, 1, &slen);
    const char *owner = a24_reply_str(r, 2, &olen);
    char st[16] = "";
    if (state != NULL && slen < sizeof st)
        memcpy(st, state, slen), st[slen] = '\0';
    bool mine =
        owner != NULL && olen == strlen(a->me.username) && memcmp(owner, a->me.username, olen) == 0;
    bool held = a24_state_name_in_set(st, strlen(st), A24_SET_HELD);
    bool waiting = a24_state_name_in_set(st, strlen(st), A24_SET_POOLED);
    if (strcmp(verdict, "missing") == 0) {
        a24_http_error(req, 404, "not_found", "There is no such ticket.", NULL);
    } else if (strcmp(verdict, "forbidden") == 0) {
        a24_http_error(req, 403, "forbidden",
                       a->act == ACT_CLAIM ? "This ticket is outside your categories or languages."
                                           : "You may not do this to this ticket.",
                       NULL);
    } else if (strcmp(verdict, "off_duty") == 0) {
        a24_http_error(req, 409, "off_duty", "Go on duty before claiming a ticket.", NULL);
    } else if (respond_safety_refusal(verdict, req)) {
        /* a safety rule refused it: answered */
    } else if (strcmp(verdict, "bad_target") == 0) {
        a24_http_error(req, 400, "bad_target",
                       "The expert named cannot take this ticket (not an active expert, or not "
                       "of its category and language).",
                       "to");
    } else if (strcmp(verdict, "state") != 0) {
        a24_http_error(req, 500, "internal", "Something went wrong; nothing was changed.", NULL);
    } else if (a->act == ACT_CLAIM && held) {
        a24_http_error(req, 409, "conflict",
                       mine ? "You already hold this ticket." : "Another expert holds this ticket.",
                       NULL);
    } else if (a->act == ACT_ANSWER && (waiting || (held && !mine))) {
        a24_http_error(req, 403, "forbidden",
                       "Only the expert who claimed this ticket may answer it.", NULL);
    } else {
        char msg[96];
        snprintf(msg, sizeof msg, "This cannot be done while the ticket is %s.",
                 st[0] != '\0' ? st : "in its current state");
        a24_http_error(req, 409, "invalid_state", msg, NULL);
    }
}

/* Any move's script replied. */
static void on_act_reply(a24_op_t *op, const char *verdict, const redisReply *r)
{
    act_op_t *a = (act_op_t *)op;
    bool ok = strcmp(verdict, "ok") == 0;
    if (ok && a->act == ACT_APPROVE && a->step == 0 && a->sealed != NULL) {
        a->step = 1; /* approved; now the note */
        a->answered_at = a24_reply_int(r, 2, 0);
        if (a->op.req == NULL || act_send(a) != 0)
            a24_op_fail_unavailable(&a->op);
        return;
    }
    if (ok)
        a24_log_info(act_event(a), "{s:s, s:s}", "ticket", a->ticket, "username", a->me.username);
    h2o_req_t *req = a24_op_take(&a->op);
    if (req != NULL) {
        if (ok)
            respond_ok(a, r, req);
        else
            respond_refusal(a, verdict, r, req);
    }
    a24_op_finish(&a->op);
}

/*
 * Starts a move on the ticket of the route's first capture, sealing `text` (`len`
 * bytes; NULL for none) with its id. Answers 404 for an id that cannot be one and 503
 * when out of memory or Redis is not there; otherwise the script is on its way.
 */
static void act_start(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                      const a24_staff_t *staff, act_op_t proto, const char *text, size_t len)
{
    h2o_iovec_t id = m->param[0];
    if (!ticket_param_or_respond(req, id))
        return;
    act_op_t *a = a24_op_start_with(app, req, sizeof *a, act_dispose);
    if (a == NULL)
        return;
    a->act = proto.act;
    a->raise = proto.raise;
    a->second_opinion = proto.second_opinion;
    memcpy(a->target, proto.target, sizeof a->target);
    a24_viewer_from(&a->me, staff);
    memcpy(a->ticket, id.base, id.len);
    if (text != NULL &&
        (a->sealed = seal_text(app, a->ticket, text, len, &a->sealed_len)) == NULL) {
        a24_op_fail_unavailable(&a->op);
        return;
    }
    /* proto.override is the plain reason (borrowed from the body) until sealed here. */
    if (proto.override != NULL &&
        (a->override = seal_text(app, a->ticket, (const char *)proto.override, proto.override_len,
                                 &a->override_len)) == NULL) {
        a24_op_fail_unavailable(&a->op);
        return;
    }
    if (act_send(a) != 0)
        a24_op_fail_unavailable(&a->op);
}

/* POST .../claim, signed in. */
static void on_claim_authed(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                            const a24_staff_t *staff)
{
    act_start(app, req, m, staff, (act_op_t){.act = ACT_CLAIM}, NULL, 0);
}

/* POST .../release, signed in. */
static void on_release_authed(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                              const a24_staff_t *staff)
{
    act_start(app, req, m, staff, (act_op_t){.act = ACT_RELEASE}, NULL, 0);
}

/* POST .../decline, signed in. */
static void on_decline_authed(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                              const a24_staff_t *staff)
{
    act_start(app, req, m, staff, (act_op_t){.act = ACT_DECLINE}, NULL, 0);
}

/* POST .../answer {"text"} and POST .../notes {"text"}, signed in. */
static void text_move(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                      const a24_staff_t *staff, act_t act)
{
    a24_text_body_t body;
    a24_error_t err;
    if (a24_codec_text_body(req->entity.base, req->entity.len, &body, &err) != 0) {
        a24_http_send_error(req, &err);
        return;
    }
    act_start(app, req, m, staff, (act_op_t){.act = act}, body.text, body.text_len);
    a24_text_body_dispose(&body);
}

/*
 * POST .../answer {"text", "second_opinion"?}, signed in. A crisis-flagged ticket's
 * answer always waits for a supervisor; any other waits too when the expert asks for a
 * second opinion (the deadline keeps running either way).
 */
static void on_answer_authed(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                             const a24_staff_t *staff)
{
    static const char *const known[] = {"text", "second_opinion", NULL};
    json_t *doc = a24_body_object_or_respond(req, known);
    if (doc == NULL)
        return;
    a24_error_t err;
    const char *text;
    size_t len;
    json_t *second = json_object_get(doc, "second_opinion");
    if (a24_body_string(doc, "text", true, A24_TEXT_MAX_CHARS, &text, &len, &err) != 0) {
        a24_http_send_error(req, &err);
    } else if (second != NULL && !json_is_boolean(second)) {
        a24_http_error(req, 400, "wrong_type", "This field must be true or false.",
                       "second_opinion");
    } else {
        act_start(app, req, m, staff,
                  (act_op_t){.act = ACT_ANSWER, .second_opinion = json_is_true(second)}, text, len);
    }
    json_decref(doc);
}

/* POST .../notes, signed in. */
static void on_note_authed(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                           const a24_staff_t *staff)
{
    text_move(app, req, m, staff, ACT_NOTE);
}

/* POST .../transfer {"to", "note"}, signed in. */
static void on_transfer_authed(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                               const a24_staff_t *staff)
{
    static const char *const known[] = {"to", "note", "override_reason", NULL};
    json_t *doc = a24_body_object_or_respond(req, known);
    if (doc == NULL)
        return;
    a24_error_t err;
    const char *to, *note, *why;
    size_t tlen, nlen, wlen;
    if (a24_body_string(doc, "to", true, A24_USERNAME_MAX, &to, &tlen, &err) != 0 ||
        a24_body_string(doc, "note", true, A24_TEXT_MAX_CHARS, &note, &nlen, &err) != 0 ||
        a24_body_string(doc, "override_reason", false, OVERRIDE_MAX_CHARS, &why, &wlen, &err) !=
            0) {
        a24_http_send_error(req, &err);
    } else if (!a24_account_username_valid(to, tlen)) {
        a24_http_error(req, 400, "bad_target", "to must be an expert's username.", "to");
    } else {
        act_op_t proto = {.act = ACT_TRANSFER};
        memcpy(proto.target, to, tlen);
        if (why != NULL) { /* sealed by act_start with the ticket id */
            proto.override = (unsigned char *)why;
            proto.override_len = wlen;
        }
        act_start(app, req, m, staff, proto, note, nlen);
    }
    json_decref(doc);
}

/* A move chosen between two words, with a text: POST .../review and .../risk. */
typedef struct {
    const char *choice, *first, *second; /* the member and its two words */
    const char *code, *message;          /* the 400 for any other word */
    const char *text;                    /* the text member */
    bool text_required;
    act_t first_act, second_act; /* the move of each word (risk: `raise` says which) */
} choice_move_t;

/*
 * Reads the body `c` describes: 1 for its first word, 0 for its second, the text in
 * *text and *len (in *doc, which the caller releases); -1 after answering 400.
 */
static int read_choice_or_respond(h2o_req_t *req, const choice_move_t *c, json_t **doc,
                                  const char **text, size_t *len)
{
    const char *const known[] = {c->choice, c->text, NULL};
    if ((*doc = a24_body_object_or_respond(req, known)) == NULL)
        return -1;
    a24_error_t err;
    const char *word;
    size_t wlen;
    if (a24_body_string(*doc, c->choice, true, 16, &word, &wlen, &err) != 0 ||
        a24_body_string(*doc, c->text, c->text_required, A24_TEXT_MAX_CHARS, text, len, &err) !=
            0) {
        a24_http_send_error(req, &err);
        return -1;
    }
    if (strcmp(word, c->first) != 0 && strcmp(word, c->second) != 0) {
        a24_http_error(req, 400, c->code, c->message, c->choice);
        return -1;
    }
    return strcmp(word, c->first) == 0;
}

/* Reads the choice and starts the chosen move. */
static void choice_move(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                        const a24_staff_t *staff, const choice_move_t *c)
{
    json_t *doc;
    const char *text;
    size_t len;
    int first = read_choice_or_respond(req, c, &doc, &text, &len);
    if (first >= 0)
        act_start(app, req, m, staff,
                  (act_op_t){.act = first ? c->first_act : c->second_act, .raise = first == 1},
                  text, len);
    json_decref(doc);
}

/* The two moves chosen between two words. */
enum { CHOICE_REVIEW, CHOICE_RISK };
static const choice_move_t choice_moves[] = {
    /* POST .../review {"decision": "approve" | "return", "note"?}, a supervisor. */
    [CHOICE_REVIEW] = {"decision", "approve", "return", "bad_decision",
                       "decision must be approve or return.", "note", false, ACT_APPROVE,
                       ACT_RETURN},
    /* POST .../risk {"level": "crisis" | "normal", "reason"}, signed in. */
    [CHOICE_RISK] = {"level", "crisis", "normal", "bad_level", "level must be crisis or normal.",
                     "reason", true, ACT_RISK, ACT_RISK},
};

static void on_review_authed(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                             const a24_staff_t *staff)
{
    choice_move(app, req, m, staff, &choice_moves[CHOICE_REVIEW]);
}

static void on_risk_authed(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                           const a24_staff_t *staff)
{
    choice_move(app, req, m, staff, &choice_moves[CHOICE_RISK]);
}

/* ---------------------------------------------------------------- routes */

/* Each route names the roles it admits (auth.h) and its continuation. */
/*
 * Experts and supervisors read and act on tickets: supervisors may claim anything, so
 * they answer what they claim, and release or transfer anyone's claim. Reviewing and
 * keeping the templates is a supervisor's alone.
 */
A24_STAFF_ROUTE(on_list, A24_AUTH_TICKET_READ, a24_ticket_queue_list)
A24_STAFF_ROUTE(on_view, A24_AUTH_TICKET_READ, on_view_authed)
A24_STAFF_ROUTE(on_claim, A24_AUTH_TICKET_READ, on_claim_authed)
A24_STAFF_ROUTE(on_release, A24_AUTH_TICKET_READ, on_release_authed)
A24_STAFF_ROUTE(on_decline, A24_AUTH_TICKET_READ, on_decline_authed)
A24_STAFF_ROUTE(on_answer, A24_AUTH_TICKET_READ, on_answer_authed)
A24_STAFF_ROUTE(on_note, A24_AUTH_TICKET_READ, on_note_authed)
A24_STAFF_ROUTE(on_transfer, A24_AUTH_TICKET_READ, on_transfer_authed)
A24_STAFF_ROUTE(on_risk, A24_AUTH_TICKET_READ, on_risk_authed)
A24_STAFF_ROUTE(on_review, A24_AUTH_SUPERVISE, on_review_authed)

const a24_route_t a24_ticket_routes[] = {
    {"GET", "/api/v1/tickets", on_list, 0},
    {"GET", "/api/v1/tickets/*", on_view, 0},
    {"POST", "/api/v1/tickets/*/claim", on_claim, A24_ROUTE_JSON_BODY},
    {"POST", "/api/v1/tickets/*/release", on_release, A24_ROUTE_JSON_BODY},
    {"POST", "/api/v1/tickets/*/decline", on_decline, A24_ROUTE_JSON_BODY},
    {"POST", "/api/v1/tickets/*/answer", on_answer, A24_ROUTE_JSON_BODY},
    {"POST", "/api/v1/tickets/*/review", on_review, A24_ROUTE_JSON_BODY},
    {"POST", "/api/v1/tickets/*/notes", on_note, A24_ROUTE_JSON_BODY},
    {"POST", "/api/v1/tickets/*/transfer", on_transfer, A24_ROUTE_JSON_BODY},
    {"POST", "/api/v1/tickets/*/risk", on_risk, A24_ROUTE_JSON_BODY},
    {NULL, NULL, NULL, 0},
};
