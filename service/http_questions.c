/*
 * http_questions: the citizen's API: ask, read back, follow up, withdraw.
 *
 * A question is validated and screened here, sealed, and written by one script
 * (submit.lua) together with its intake entry and first deadline, in one call with
 * the other questions of the same loop pass (intake.c); 201 goes out only from that
 * question's own reply, small (no picture: the QR code has its own address), written
 * from a template with the crisis lines serialised once at load. Follow-ups are screened too, and a
 * crisis follow-up turns the ticket into a crisis inside followup.lua. Reads and
 * changes with an access code first load the ticket, verify the code in constant
 * time, and only then act; a wrong ticket and a wrong code are the same 404, and
 * past the failed-check limit a wrong code is 429 while the right one still works.
 * Every 429 carries the crisis lines of the request's language.
 *
 * Must never: log or echo a text or a code; answer 201 before Redis confirmed; let a
 * failed code check go uncounted; store self-check scores without consent.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "http.h"
#include "http_help.h"
#include "intake.h"
#include "keys.h"
#include "log.h"
#include "qr.h"
#include "ticket.h"

#define MAX_FOLLOWUPS 20
#define RATE_WINDOW_MS (3600 * 1000LL)
#define IDEM_KEY_MAX 128

/* ---------------------------------------------------------------- shared pieces */

/* The answer window of a question: crisis, then the green channel, then ordinary. */
static a24_ms_t window_of(const a24_config_t *cfg, bool crisis, bool green)
{
    a24_ms_t w = cfg->deadlines.answer;
    if (green && cfg->deadlines.green_channel < w)
        w = cfg->deadlines.green_channel;
    if (crisis && cfg->deadlines.crisis < w)
        w = cfg->deadlines.crisis;
    return w;
}

/* The first ladder step in permille, or -1 when the ladder is empty. */
static int first_step(const a24_config_t *cfg)
{
    return cfg->escalation_len > 0 ? cfg->escalation[0].at_permille : -1;
}

/*
 * The one place this file screens a citizen's text (questions and follow-ups alike),
 * with PHQ-9 scores attached by consent (`phq9`, or NULL) and item 9 sent on its own
 * (`item9`, -1 when absent). Returns the reason the ticket stores (the category of
 * warning sign, "plan", "act_done", ..., or "phq9_item9"), or NULL when nothing was
 * found. Screening only ever raises risk.
 */
static const char *screen_text(a24_app_t *app, const char *text, size_t len, const int *phq9,
                               int item9)
{
    a24_screening_result_t r = a24_screening_screen(app->screening, text, len, phq9);
    if (r.reason != A24_RISK_NONE && r.category != NULL)
        return r.category; /* the category of warning sign: "plan", "act_done", ... */
    if (r.reason != A24_RISK_NONE)
        return a24_risk_reason_name(r.reason);
    return item9 > 0 ? a24_risk_reason_name(A24_RISK_PHQ9_ITEM9) : NULL;
}

/* ---------------------------------------------------------------- submit */

typedef struct {
    a24_op_t op;
    char ticket[A24_TICKET_ID_LEN + 1];
    char code[A24_CODE_TEXT_LEN + 1];
    char language[4];
    bool crisis;
    a24_ms_t created, due; /* kept while WAIT (redis.wait_replicas) runs */
    a24_intake_ticket_t t; /* what submit.lua stores, until it replied */
} submit_op_t;

/* Wipes the code the operation held and frees the sealed texts. */
static void submit_dispose(a24_op_t *op)
{
    submit_op_t *s = (submit_op_t *)op;
    sodium_memzero(s->code, sizeof s->code);
    free(s->t.q);
    free(s->t.sc);
}

/*
 * Answers 201 for a stored (or replayed) question: what the person needs at once, in
 * at most 2 KiB (the QR code is drawn on request, GET .../qr). Written from a fixed
 * template: the ticket id (Crockford base32), the code (the same with dashes) and the
 * times need no JSON escaping.
 */
static void send_submitted(submit_op_t *s, h2o_req_t *req, a24_ms_t created, a24_ms_t due)
{
    char created_s[A24_RFC3339_LEN], due_s[A24_RFC3339_LEN];
    a24_clock_format(created, created_s);
    a24_clock_format(due, due_s);
    char body[512];
    int n = snprintf(body, sizeof body,
                     "{\"ticket\":\"%s\",\"access_code\":\"%s\",\"status\":\"queued\","
                     "\"created_at\":\"%s\",\"due_at\":\"%s\",\"crisis\":%s,"
                     "\"return_path\":\"/t/%s#%s\"}",
                     s->ticket, s->code, created_s, due_s, s->crisis ? "true" : "false", s->ticket,
                     s->code);
    a24_help_send_text(s->op.app, req, 201, body, n > 0 && (size_t)n < sizeof body ? (size_t)n : 0,
                       s->language, "resources");
    sodium_memzero(body, sizeof body);
}

/* A question Redis stored: counted and logged once, whether or not replicas are awaited. */
static void note_created(submit_op_t *s)
{
    a24_app_t *app = s->op.app;
    app->counters.submitted++;
    app->counters.crises += s->crisis;
    a24_log_request(s->op.request_id); /* the batch's reply comes outside the request */
    a24_log_info("question_submitted", "{s:s, s:b, s:s}", "ticket", s->ticket, "crisis", s->crisis,
                 "language", s->language);
}

/*
 * The ticket is stored but too few replicas confirmed it (redis.wait_replicas): not a
 * 201, and not "nothing was saved" either. The person is told to send it again with the
 * same Idempotency-Key (the page does), which answers from the stored ticket.
 */
static void fail_unreplicated(submit_op_t *s, long long replicas)
{
    a24_log_warn("submit_unreplicated", "{s:s, s:I}", "ticket", s->ticket, "replicas",
                 (json_int_t)replicas);
    h2o_req_t *req = a24_op_take(&s->op);
    if (req != NULL) {
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL, H2O_STRLIT("1"));
        a24_http_error(req, 503, "not_replicated",
                       "Your question was stored but its copy could not be confirmed; send it "
                       "again with the same Idempotency-Key to be sure.",
                       NULL);
    }
    a24_op_finish(&s->op);
}

/* WAIT replied (redis.wait_replicas): 201 only once that many replicas have the ticket. */
static void on_wait_reply(a24_store_t *store, redisReply *r, void *privdata)
{
    (void)store;
    submit_op_t *s = privdata;
    long long n = -1;
    if (a24_reply_integer(r, &n) != 0 || n < s->op.app->cfg->redis.wait_replicas) {
        fail_unreplicated(s, n);
        return;
    }
    h2o_req_t *req = a24_op_take(&s->op);
    if (req != NULL)
        send_submitted(s, req, s->created, s->due);
    a24_op_finish(&s->op);
}

/* The same request again (its Idempotency-Key): the first outcome, with the code it was
 * given, opened from its sealed copy; 409 if that cannot be. */
static void send_replayed(submit_op_t *s, h2o_req_t *req, const redisReply *r)
{
    a24_app_t *app = s->op.app;
    size_t len, sealed_len;
    const char *id = a24_reply_str(r, 1, &len);
    const char *sealed = a24_reply_str(r, 2, &sealed_len);
    char ad[8 + A24_TICKET_ID_LEN];
    snprintf(ad, sizeof ad, "code:%.*s", (int)len, id != NULL ? id : "");
    long n = -1;
    if (id != NULL && len == A24_TICKET_ID_LEN &&
        sealed_len == A24_CODE_TEXT_LEN + A24_SEAL_OVERHEAD)
        n = a24_secret_open(&app->secrets, ad, sealed, sealed_len, (unsigned char *)s->code);
    if (n != A24_CODE_TEXT_LEN) {
        a24_http_error(req, 409, "idempotency_conflict",
                       "This Idempotency-Key was used for another request.", NULL);
        return;
    }
    s->code[n] = '\0';
    memcpy(s->ticket, id, A24_TICKET_ID_LEN);
    s->crisis = a24_reply_int(r, 5, 0) == 1;
    app->counters.submit_replays++;
    send_submitted(s, req, a24_reply_int(r, 3, 0), a24_reply_int(r, 4, 0));
}

/* submit.lua replied. */
static void on_submit_reply(a24_store_t *store, redisReply *r, void *privdata)
{
    (void)store;
    submit_op_t *s = privdata;
    a24_app_t *app = s->op.app;
    size_t len;
    const char *verdict = a24_reply_str(r, 0, &len);
    if (verdict == NULL || strcmp(verdict, "collision") == 0) {
        if (r != NULL && r->type == REDIS_REPLY_ERROR)
            a24_log_error("submit_failed", "{s:s}", "error", r->str);
        else if (verdict != NULL)
            a24_log_error("submit_failed", "{s:s}", "error", "ticket id collision");
        a24_op_fail_unavailable(&s->op);
        return;
    }
    if (strcmp(verdict, "created") == 0)
        note_created(s);
    if (strcmp(verdict, "created") == 0 && app->cfg->redis.wait_replicas > 0) {
        s->created = a24_reply_int(r, 1, 0), s->due = a24_reply_int(r, 2, 0);
        if (a24_intake_wait(app, on_wait_reply, s) != 0)
            fail_unreplicated(s, -1);
        return;
    }
    h2o_req_t *req = a24_op_take(&s->op);
    if (strcmp(verdict, "created") == 0) {
        if (req != NULL)
            send_submitted(s, req, a24_reply_int(r, 1, 0), a24_reply_int(r, 2, 0));
    } else if (strcmp(verdict, "replay") == 0 && req != NULL) {
        send_replayed(s, req, r);
    } else if (strcmp(verdict, "conflict") == 0 && req != NULL) {
        a24_http_error(req, 409, "idempotency_conflict",
                       "This Idempotency-Key was already used with a different body.", NULL);
    } else if (strcmp(verdict, "limited") == 0 && req != NULL) {
        app->counters.intake_refused++;
        a24_help_rate_limited(app, req, a24_reply_int(r, 1, RATE_WINDOW_MS), s->language);
    } else if (req != NULL) {
        a24_http_error(req, 500, "internal", "Something went wrong; nothing was saved.", NULL);
    }
    a24_op_finish(&s->op);
}

/* Reads and checks the optional Idempotency-Key: 1..128 visible ASCII characters. */
static int idempotency_key(h2o_req_t *req, h2o_iovec_t *key)
{
    *key = a24_http_header(req, "idempotency-key");
    if (key->base == NULL)
        return 0;
    if (key->len == 0 || key->len > IDEM_KEY_MAX)
        return -1;
    for (size_t i = 0; i < key->len; i++)
        if (key->base[i] <= ' ' || key->base[i] > '~')
            return -1;
    return 1;
}

/* The self-check as the JSON the experts will see, or NULL if none was attached. */
static char *selfcheck_json(const a24_question_t *q)
{
    if (!q->has_phq9 && !q->has_gad7)
        return NULL;
    json_t *sc = json_object();
    if (q->has_phq9) {
        json_t *a = json_array();
        for (int i = 0; i < 9; i++)
            json_array_append_new(a, json_integer(q->phq9[i]));
        json_object_set_new(sc, "phq9", a);
    }
    if (q->has_gad7) {
        json_t *a = json_array();
        for (int i = 0; i < 7; i++)
            json_array_append_new(a, json_integer(q->gad7[i]));
        json_object_set_new(sc, "gad7", a);
    }
    char *text = json_dumps(sc, JSON_COMPACT);
    json_decref(sc);
    return text;
}

/* Seals the question, the consented self-check and the code into s->t. 0, or -1 (memory). */
static int seal_question(a24_app_t *app, submit_op_t *s, h2o_req_t *req, const a24_question_t *q)
{
    a24_intake_ticket_t *z = &s->t;
    a24_secret_code_hash(&app->secrets, s->code, strlen(s->code), z->code_hash);
    a24_secret_body_digest(&app->secrets, req->entity.base, req->entity.len, z->digest);
    char *sc = selfcheck_json(q);
    size_t sc_len = sc != NULL ? strlen(sc) : 0;
    z->q_len = q->text_len + A24_SEAL_OVERHEAD;
    z->q = malloc(z->q_len);
    z->sc_len = sc != NULL ? sc_len + A24_SEAL_OVERHEAD : 0;
    z->sc = sc != NULL ? malloc(z->sc_len) : NULL;
    int rc = -1;
    if (z->q == NULL || (sc != NULL && z->sc == NULL))
        goto out;
    a24_secret_seal(&app->secrets, s->ticket, q->text, q->text_len, z->q);
    if (sc != NULL)
        a24_secret_seal(&app->secrets, s->ticket, sc, sc_len, z->sc);
    char code_ad[8 + A24_TICKET_ID_LEN];
    snprintf(code_ad, sizeof code_ad, "code:%s", s->ticket);
    a24_secret_seal(&app->secrets, code_ad, s->code, A24_CODE_TEXT_LEN, z->code);
    rc = 0;
out:
    if (sc != NULL) {
        sodium_memzero(sc, sc_len);
        free(sc);
    }
    return rc;
}

/* Fills in what submit.lua needs besides the sealed texts. */
static void describe_ticket(a24_app_t *app, submit_op_t *s, h2o_req_t *req, const a24_question_t *q,
                            const char *risk)
{
    a24_intake_ticket_t *t = &s->t;
    memcpy(t->ticket, s->ticket, sizeof t->ticket);
    snprintf(t->category, sizeof t->category, "%s", q->category);
    snprintf(t->language, sizeof t->language, "%s", q->language);
    a24_http_client_tag(app, req, t->tag);
    t->crisis = s->crisis;
    t->green = q->green_channel;
    t->risk = risk;
    t->window = window_of(app->cfg, s->crisis, q->green_channel);
    t->first_step = first_step(app->cfg);
}

/* POST /api/v1/questions */
static void on_submit(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m)
{
    (void)m;
    a24_question_t q;
    a24_error_t err;
    if (a24_codec_question(req->entity.base, req->entity.len, &q, &err) != 0) {
        a24_http_send_error(req, &err);
        return;
    }
    h2o_iovec_t idem;
    int has_idem = idempotency_key(req, &idem);
    if (has_idem < 0) {
        a24_question_dispose(&q);
        a24_http_error(req, 400, "invalid_idempotency_key",
                       "Idempotency-Key must be 1 to 128 visible ASCII characters.",
                       "Idempotency-Key");
        return;
    }
    submit_op_t *s = a24_op_start_with(app, req, sizeof *s, submit_dispose);
    if (s == NULL) {
        a24_question_dispose(&q);
        return;
    }

    /* Item 9 flags whether or not the scores are attached; only the flag is stored. */
    int item9 = q.phq9_item9;
    if (q.has_phq9 && q.phq9[8] > item9)
        item9 = q.phq9[8];
    const char *risk = screen_text(app, q.text, q.text_len, q.has_phq9 ? q.phq9 : NULL, item9);
    s->crisis = risk != NULL;
    snprintf(s->language, sizeof s->language, "%s", q.language);
    a24_secret_ticket_id(s->ticket);
    a24_secret_access_code(s->code);
    s->t.idem = has_idem > 0;
    if (has_idem)
        a24_secret_idem_tag(&app->secrets, idem.base, idem.len, s->t.idem_tag);
    describe_ticket(app, s, req, &q, risk);
    int rc = seal_question(app, s, req, &q);
    a24_question_dispose(&q);
    if (rc != 0)
        a24_op_fail_unavailable(&s->op);
    else
        a24_intake_submit(app, &s->t, on_submit_reply, s);
}

/* ---------------------------------------------------------------- with the code */

typedef enum { ACT_READ, ACT_FOLLOWUP, ACT_WITHDRAW, ACT_QR } citizen_act_t;

typedef struct {
    a24_op_t op;
    citizen_act_t act;
    char ticket[A24_TICKET_ID_LEN + 1];
    char tag[A24_TAG_LEN + 1];
    char *code; /* as sent, until verified */
    size_t code_len;
    unsigned char code_hash[A24_HASH_LEN];
    char *text; /* a follow-up's text */
    size_t text_len;
    const char *risk; /* what screening found in the follow-up (static), or NULL */
    char language[4]; /* the ticket's, once loaded */
} citizen_op_t;

/* Wipes the code and text the operation held. */
static void citizen_dispose(a24_op_t *op)
{
    citizen_op_t *c = (citizen_op_t *)op;
    if (c->code != NULL) {
        sodium_memzero(c->code, c->code_len);
        free(c->code);
    }
    if (c->text != NULL) {
        sodium_memzero(c->text, c->text_len);
        free(c->text);
    }
}

/* The reply to a counted failure needs nothing. */
static void on_rate_hit(a24_store_t *store, redisReply *r, void *privdata)
{
    (void)store, (void)r, (void)privdata;
}

/* Counts a failed code check against the client and answers the uniform 404. */
static void answer_not_found(citizen_op_t *c, h2o_req_t *req)
{
    a24_app_t *app = c->op.app;
    a24_args_t a;
    a24_args_init(&a);
    a24_args_keyf(&a, A24_KEY_RATE, "code", c->tag);
    a24_args_int(&a, RATE_WINDOW_MS);
    a24_store_fcall(app->store, "rate_hit", &a, on_rate_hit, NULL);
    app->counters.code_failures++;
    if (req != NULL)
        a24_http_error(req, 404, "not_found", "No question matches this ticket and access code.",
                       NULL);
}

/* Builds the citizen's view of a ticket from its fields and messages. */
static json_t *ticket_view(citizen_op_t *c, const redisReply *f, const redisReply *msgs)
{
    a24_app_t *app = c->op.app;
    size_t len;
    const char *v;
    char state[16] = "", category[16] = "", language[4] = "en";
    if ((v = a24_reply_field(f, "state", &len)) != NULL && len < sizeof state)
        memcpy(state, v, len), state[len] = '\0';
    if ((v = a24_reply_field(f, "category", &len)) != NULL && len < sizeof category)
        memcpy(category, v, len), category[len] = '\0';
    if ((v = a24_reply_field(f, "language", &len)) != NULL && len < sizeof language)
        memcpy(language, v, len), language[len] = '\0';
    v = a24_reply_field(f, "q", &len);
    json_t *text = a24_http_open_text(app, c->ticket, v, len);

    json_t *followups = json_array(), *thread = json_array(), *answer = json_null();
    for (size_t i = 0; msgs != NULL && i < msgs->elements; i++) {
        a24_part_t m[3]; /* who, at, sealed */
        const redisReply *e = msgs->element[i];
        if (e->type != REDIS_REPLY_STRING || !a24_ticket_split_message(e->str, e->len, m))
            continue;
        a24_ms_t at = a24_ticket_parse_ms(m[1].p, m[1].len);
        json_t *t = a24_http_open_text(app, c->ticket, m[2].p, m[2].len);
        bool expert = m[0].len == 1 && m[0].p[0] == 'e';
        json_array_append_new(thread,
                              json_pack("{s:s, s:O, s:o}", "from", expert ? "expert" : "citizen",
                                        "text", t, "at", a24_http_time(at)));
        if (expert) {
            json_decref(answer);
            answer = json_pack("{s:O, s:o}", "text", t, "answered_at", a24_http_time(at));
        } else {
            json_array_append_new(
                followups, json_pack("{s:O, s:o}", "text", t, "created_at", a24_http_time(at)));
        }
        json_decref(t);
    }
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:b, s:b, s:o, s:o, s:o}", "ticket",
                     c->ticket, "status", state, "category", category, "language", language, "text",
                     text, "created_at", a24_http_time(a24_reply_field_int(f, "created", 0)),
                     "due_at", a24_http_time(a24_reply_field_int(f, "due", 0)), "crisis",
                     a24_reply_field_int(f, "crisis", 0) == 1, "green_channel",
                     a24_reply_field_int(f, "green", 0) == 1, "answer", answer, "followups",
                     followups, "thread", thread);
}

static void on_followup_reply(a24_op_t *op, const char *verdict, const redisReply *r);
static void on_withdraw_reply(a24_op_t *op, const char *verdict, const redisReply *r);

/* Sends the follow-up (followup.lua) or withdrawal (withdraw.lua) once the code is verified. */
static int act(citizen_op_t *c)
{
    a24_app_t *app = c->op.app;
    const char *open_states = a24_ticket_from_list(A24_EV_WITHDRAW);
    a24_args_t a;
    a24_args_init(&a);
    a24_args_keyf(&a, A24_KEY_TICKET, c->ticket);
    a24_args_keyf(&a, A24_KEY_MSGS, c->ticket);
    if (c->act == ACT_FOLLOWUP) {
        size_t sealed_len = c->text_len + A24_SEAL_OVERHEAD;
        unsigned char *sealed = malloc(sealed_len);
        if (sealed == NULL) {
            a24_args_dispose(&a);
            return -1;
        }
        a24_secret_seal(&app->secrets, c->ticket, c->text, c->text_len, sealed);
        a24_args_keyf(&a, A24_KEY_AUDIT, c->ticket);
        a24_args_key(&a, A24_KEY_INTAKE);
        a24_args_key(&a, A24_KEY_SCHEDULE);
        a24_args_key(&a, A24_KEY_STATS);
        a24_args_str(&a, open_states);
        a24_args_str(&a, a24_ticket_from_list(A24_EV_FOLLOWUP));
        a24_args_bin(&a, sealed, sealed_len);
        a24_args_int(&a, MAX_FOLLOWUPS);
        a24_args_int(&a, first_step(app->cfg));
        a24_args_bin(&a, c->code_hash, A24_HASH_LEN);
        a24_args_str(&a, A24_CHANNEL_WAKE);
        a24_args_str(&a, c->ticket);
        a24_args_bool(&a, c->risk != NULL);
        a24_args_str(&a, c->risk != NULL ? c->risk : "none");
        a24_args_int(&a, app->cfg->deadlines.crisis);
        sodium_memzero(sealed, sealed_len);
        free(sealed);
        return a24_op_script(&c->op, "followup", &a, on_followup_reply);
    }
    a24_args_keyf(&a, A24_KEY_NOTES, c->ticket);
    a24_args_keyf(&a, A24_KEY_AUDIT, c->ticket);
    a24_args_key(&a, A24_KEY_SCHEDULE);
    a24_args_key(&a, A24_KEY_STATS);
    a24_args_str(&a, open_states);
    a24_args_str(&a, a24_state_set_list(A24_SET_AWAITING));
    a24_args_int(&a, app->cfg->privacy.retention);
    a24_args_bin(&a, c->code_hash, A24_HASH_LEN);
    a24_args_str(&a, c->ticket);
    return a24_op_script(&c->op, "withdraw", &a, on_withdraw_reply);
}

/* ticket_load.lua replied: verify the code, then read or act. */
static void on_load_reply(a24_op_t *op, const char *verdict, const redisReply *r)
{
    citizen_op_t *c = (citizen_op_t *)op;
    size_t len;
    bool ok = strcmp(verdict, "ok") == 0;
    const redisReply *fields = ok ? r->element[1] : NULL;
    long long over = a24_reply_int(r, ok ? 3 : 1, 0);
    const char *stored = a24_reply_field(fields, "code", &len);
    if (fields == NULL ||
        !a24_secret_code_verify(&c->op.app->secrets, c->code, c->code_len, stored, len)) {
        /* Past the failed-check limit a wrong code is refused; the right one never is. */
        h2o_req_t *req = a24_op_take(&c->op);
        if (over > 0 && req != NULL) {
            c->op.app->counters.code_failures++; /* refused, and a failed check all the same */
            a24_help_rate_limited(c->op.app, req, over, NULL);
        } else {
            answer_not_found(c, req);
        }
        a24_op_finish(&c->op);
        return;
    }
    memcpy(c->code_hash, stored, A24_HASH_LEN);
    const char *v = a24_reply_field(fields, "language", &len);
    if (v != NULL && len < sizeof c->language)
        memcpy(c->language, v, len), c->language[len] = '\0';
    if (c->act == ACT_READ || c->act == ACT_QR) {
        h2o_req_t *req = a24_op_take(&c->op);
        if (req != NULL && c->act == ACT_READ)
            a24_help_send(c->op.app, req, 200, ticket_view(c, fields, r->element[2]), c->language,
                          "resources");
        else if (req != NULL)
            a24_qr_send(c->op.app, req, c->ticket, c->code, c->code_len);
        a24_op_finish(&c->op);
        return;
    }
    if (c->op.req == NULL || act(c) != 0) /* the client left, or Redis went away */
        a24_op_fail_unavailable(&c->op);
}

/* Answers a refusal the scripts gave for the ticket's state: {"state", state}. */
static void answer_state(h2o_req_t *req, const redisReply *r)
{
    size_t len;
    const char *state = a24_reply_str(r, 1, &len);
    a24_http_error(req, 409, "ticket_closed",
                   state != NULL && strcmp(state, "withdrawn") == 0 ? "This question was withdrawn."
                                                                    : "This question is closed.",
                   NULL);
}

/* followup.lua replied. */
static void on_followup_reply(a24_op_t *op, const char *verdict, const redisReply *r)
{
    citizen_op_t *c = (citizen_op_t *)op;
    size_t len;
    h2o_req_t *req = a24_op_take(&c->op);
    if (req != NULL) {
        if (strcmp(verdict, "ok") == 0) {
            const char *state = a24_reply_str(r, 1, &len);
            bool crisis = a24_reply_int(r, 3, 0) == 1;
            a24_log_info("followup_added", "{s:s, s:s%, s:b, s:b}", "ticket", c->ticket, "state",
                         state, len, "crisis", crisis, "screened_crisis", c->risk != NULL);
            a24_help_send(c->op.app, req, 201,
                          json_pack("{s:s, s:s%, s:o, s:b}", "ticket", c->ticket, "status", state,
                                    len, "due_at", a24_http_time(a24_reply_int(r, 2, 0)), "crisis",
                                    crisis),
                          c->language, "resources");
        } else if (strcmp(verdict, "state") == 0) {
            answer_state(req, r);
        } else if (strcmp(verdict, "too_many") == 0) {
            a24_http_error(req, 409, "too_many_followups",
                           "This question has as many follow-ups as it can take; please ask a "
                           "new question.",
                           NULL);
        } else {
            answer_not_found(c, req);
        }
    }
    a24_op_finish(&c->op);
}

/* withdraw.lua replied. */
static void on_withdraw_reply(a24_op_t *op, const char *verdict, const redisReply *r)
{
    citizen_op_t *c = (citizen_op_t *)op;
    h2o_req_t *req = a24_op_take(&c->op);
    if (strcmp(verdict, "ok") == 0) {
        a24_log_info("question_withdrawn", "{s:s}", "ticket", c->ticket);
        if (req != NULL)
            a24_http_empty(req, 204);
    } else if (req != NULL && strcmp(verdict, "state") == 0) {
        answer_state(req, r);
    } else if (req != NULL) {
        answer_not_found(c, req);
    }
    a24_op_finish(&c->op);
}

/* The common start of every request with an access code. */
static void start_with_code(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                            citizen_act_t what)
{
    a24_text_body_t body = {0};
    if (what == ACT_FOLLOWUP) {
        a24_error_t err;
        if (a24_codec_text_body(req->entity.base, req->entity.len, &body, &err) != 0) {
            a24_http_send_error(req, &err);
            return;
        }
    }
    h2o_iovec_t code = a24_http_bearer(req);
    if (code.len == 0) {
        a24_text_body_dispose(&body);
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE, NULL,
                       H2O_STRLIT("Bearer"));
        a24_http_error(req, 401, "code_required",
                       "Send the access code as \"Authorization: Bearer <code>\".", NULL);
        return;
    }
    citizen_op_t *c = a24_op_start_with(app, req, sizeof *c, citizen_dispose);
    if (c == NULL) {
        a24_text_body_dispose(&body);
        return;
    }
    c->act = what;
    a24_http_client_tag(app, req, c->tag);
    c->code = malloc(code.len + 1);
    if (body.doc != NULL) {
        c->risk = screen_text(app, body.text, body.text_len, NULL, -1);
        c->text_len = body.text_len;
        c->text = malloc(body.text_len + 1);
        if (c->text != NULL)
            memcpy(c->text, body.text, body.text_len);
    }
    a24_text_body_dispose(&body);
    if (c->code == NULL || (what == ACT_FOLLOWUP && c->text == NULL)) {
        a24_op_fail_unavailable(&c->op);
        return;
    }
    memcpy(c->code, code.base, code.len);
    c->code_len = code.len;

    h2o_iovec_t id = m->param[0];
    if (!a24_secret_ticket_id_valid(id.base, id.len)) {
        answer_not_found(c, a24_op_take(&c->op));
        a24_op_finish(&c->op);
        return;
    }
    memcpy(c->ticket, id.base, id.len);
    a24_args_t a;
    a24_args_init(&a);
    a24_args_keyf(&a, A24_KEY_TICKET, c->ticket);
    a24_args_keyf(&a, A24_KEY_MSGS, c->ticket);
    a24_args_keyf(&a, A24_KEY_RATE, "code", c->tag);
    a24_args_int(&a, app->cfg->limits.code_checks_per_hour);
    a24_args_int(&a, RATE_WINDOW_MS);
    a24_op_script_or_respond(&c->op, "ticket_load", &a, on_load_reply);
}

/* GET /api/v1/questions/{ticket} */
static void on_read(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m)
{
    start_with_code(app, req, m, ACT_READ);
}

/* POST /api/v1/questions/{ticket}/followups */
static void on_followup(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m)
{
    start_with_code(app, req, m, ACT_FOLLOWUP);
}

/* DELETE /api/v1/questions/{ticket} */
static void on_withdraw(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m)
{
    start_with_code(app, req, m, ACT_WITHDRAW);
}

/* GET /api/v1/questions/{ticket}/qr: the return link as a QR code (SVG), with the code. */
static void on_qr(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m)
{
    start_with_code(app, req, m, ACT_QR);
}

/* GET /api/v1/crisis-lines?language=xx: the panel's numbers, without a question. */
static void on_crisis_lines(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m)
{
    (void)m;
    const char *language = "en";
    char want[8];
    if (a24_http_query(req, "language", want, sizeof want) >= 0) {
        if (!a24_name_in(a24_languages, want, strlen(want))) {
            a24_http_error(req, 400, "unknown_language", "The language must be ko, zh or en.",
                           "language");
            return;
        }
        for (const char *const *l = a24_languages; *l != NULL; l++)
            if (strcmp(*l, want) == 0)
                language = *l;
    }
    a24_help_send(app, req, 200, json_pack("{s:s}", "language", language), language, "lines");
}

const a24_route_t a24_question_routes[] = {
    {"POST", "/api/v1/questions", on_submit, A24_ROUTE_JSON_BODY},
    {"GET", "/api/v1/questions/*", on_read, 0},
    {"DELETE", "/api/v1/questions/*", on_withdraw, 0},
    {"POST", "/api/v1/questions/*/followups", on_followup, A24_ROUTE_JSON_BODY},
    {"GET", "/api/v1/questions/*/qr", on_qr, 0},
    {"GET", "/api/v1/crisis-lines", on_crisis_lines, 0},
    {NULL, NULL, NULL, 0},
};
