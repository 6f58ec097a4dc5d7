/*
 * http_tickets: the staff side of tickets: the queues, the full view of one ticket,
 * every move an expert or supervisor makes on it, and the answer templates.
 *
 *   GET    /api/v1/tickets?view=offered|pool|mine|all|review&limit=N&cursor=C
 *   GET    /api/v1/tickets/{ticket}
 *   POST   /api/v1/tickets/{ticket}/claim | release | answer | review | notes |
 *          transfer | risk
 *   GET    /api/v1/templates?language=&category=
 *   PUT    /api/v1/templates/{id}      DELETE /api/v1/templates/{id}
 *
 * Every route runs behind a24_auth_require. Who may do what to which ticket, and in
 * which state, is decided inside the scripts (claim.lua, answer.lua, ...) atomically
 * with the change, from the state table's "from" lists (ticket.h) this file passes;
 * this file picks the script, seals texts with the ticket id before they leave the
 * process, opens them on the way back, and turns each verdict into the contract's
 * answer. A queue page and a ticket view are each one read-only script (ticket_list,
 * ticket_view), so what is shown was true at one instant.
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
#include "ticket.h"

#define LIST_LIMIT_DEFAULT 100
#define LIST_LIMIT_MAX 1000
#define CURSOR_MAX 64
#define TITLE_MAX_CHARS 200
#define TEMPLATE_ID_MAX 64
#define FRAMED_MAX (A24_ACCOUNT_LIST_MAX + 2) /* ",a,b," */

/* ---------------------------------------------------------------- shared pieces */

/* What an operation keeps of the signed-in staff member (a24_staff_t dies with the check). */
typedef struct {
    char username[A24_USERNAME_MAX + 1];
    bool supervisor;
    unsigned categories, languages;
    char cats[FRAMED_MAX];  /* ",a,b,": the categories they take */
    char langs[FRAMED_MAX]; /* ",ko,en," */
} me_t;

/* Writes a bit set as the comma-framed list the scripts compare against (",a,b,"). */
static void framed_list(unsigned bits, const char *const *table, char out[FRAMED_MAX])
{
    char list[A24_ACCOUNT_LIST_MAX];
    a24_account_list_format(bits, table, list, sizeof list);
    snprintf(out, FRAMED_MAX, list[0] != '\0' ? ",%s," : ",", list);
}

/* Fills `me` from the staff member the session check found. */
static void me_from(me_t *me, const a24_staff_t *s)
{
    memcpy(me->username, s->username, sizeof me->username);
    me->supervisor = (s->role & A24_ROLE_SUPERVISOR) != 0;
    me->categories = s->categories;
    me->languages = s->languages;
    framed_list(s->categories, a24_categories, me->cats);
    framed_list(s->languages, a24_languages, me->langs);
}

/* Every bit of a NULL-terminated table (a supervisor's pool spans them all). */
static unsigned all_bits(const char *const *table)
{
    unsigned bits = 0;
    for (unsigned k = 0; table[k] != NULL && k < 32; k++)
        bits |= 1u << k;
    return bits;
}

/* The string `v` (`len` bytes) as a new JSON string, or JSON null if absent or empty. */
static json_t *json_str_or_null(const char *v, size_t len)
{
    json_t *s = v != NULL && len > 0 ? json_stringn(v, len) : NULL;
    return s != NULL ? s : json_null();
}

/* Logs a script's error reply (never an argument: only Redis' message). */
static void log_script_error(const char *script, const redisReply *r)
{
    if (r != NULL && r->type == REDIS_REPLY_ERROR)
        a24_log_error("script_failed", "{s:s, s:s}", "script", script, "error", r->str);
}

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

/* True if field `name` is exactly `want`. */
static bool field_is(const redisReply *flat, const char *name, const char *want)
{
    size_t len;
    const char *v = a24_reply_field(flat, name, &len);
    return v != NULL && len == strlen(want) && memcmp(v, want, len) == 0;
}

/*
 * Splits a list element "<a>:<b>:<rest>" (thread messages, notes): the first two
 * colon-separated fields and the rest, which may itself contain colons (sealed bytes).
 * Returns false if the element has fewer than two colons.
 */
static bool split_element(const char *e, size_t len, h2o_iovec_t *a, h2o_iovec_t *b,
                          h2o_iovec_t *rest)
{
    const char *c1 = memchr(e, ':', len);
    const char *c2 = c1 != NULL ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - e)) : NULL;
    if (c1 == NULL || c2 == NULL)
        return false;
    *a = h2o_iovec_init(e, (size_t)(c1 - e));
    *b = h2o_iovec_init(c1 + 1, (size_t)(c2 - c1 - 1));
    *rest = h2o_iovec_init(c2 + 1, len - (size_t)(c2 + 1 - e));
    return true;
}

/* Milliseconds written as decimal digits (`len` bytes); 0 if malformed. */
static a24_ms_t parse_ms(const char *s, size_t len)
{
    a24_ms_t v = 0;
    if (len == 0 || len > 18)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/*
 * The percent-decoded value of query parameter `name` (in the request's pool, so no
 * value is ever too long) and its length in *len, or NULL if the parameter is absent.
 * A value may hold a decoded NUL: compare with *len, never strlen.
 */
static const char *query_value(h2o_req_t *req, const char *name, size_t *len)
{
    size_t room = req->path.len + 1;
    char *buf = h2o_mem_alloc_pool(&req->pool, room);
    int n = a24_http_query(req, name, buf, room);
    *len = n >= 0 ? (size_t)n : 0;
    return n >= 0 ? buf : NULL;
}

/*
 * Refuses any member of `doc` not in the NULL-terminated `known`, naming it. Returns
 * 0, or -1 with `err` filled.
 */
static int reject_unknown(json_t *doc, const char *const *known, a24_error_t *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(doc, key, v)
    {
        bool ok = false;
        for (const char *const *k = known; *k != NULL && !ok; k++)
            ok = strcmp(*k, key) == 0;
        if (!ok) {
            a24_error_set(err, 400, "unknown_field",
                          "The request has a field answer24 does not know.", key);
            return -1;
        }
    }
    return 0;
}

/*
 * Reads string member `name` of `doc` into *s / *len. An absent member is an error
 * when `required`, otherwise 0 with *s NULL. Texts are checked like every user text
 * (1..`max_chars` characters, no control characters but tab and line breaks).
 */
static int string_member(json_t *doc, const char *name, bool required, size_t max_chars,
                         const char **s, size_t *len, a24_error_t *err)
{
    json_t *v = json_object_get(doc, name);
    *s = NULL;
    *len = 0;
    if (v == NULL || (json_is_null(v) && !required)) {
        if (!required)
            return 0;
        a24_error_set(err, 400, "missing_field", "A required field is missing.", name);
        return -1;
    }
    if (!json_is_string(v)) {
        a24_error_set(err, 400, "wrong_type", "This field must be a string.", name);
        return -1;
    }
    *s = json_string_value(v);
    *len = json_string_length(v);
    if (a24_codec_check_text(*s, *len, A24_TEXT_MAX_CHARS, name, err) != 0)
        return -1;
    size_t chars = 0;
    for (size_t i = 0; i < *len; i++)
        chars += ((unsigned char)(*s)[i] & 0xC0) != 0x80;
    if (chars > max_chars) {
        a24_error_set(err, 400, "text_too_long", "This field is too long.", name);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- the self-check */

/* The PHQ-9 band of a total (0..27), as the instrument's manual names them. */
static const char *phq9_band(int total)
{
    return total <= 4    ? "minimal"
           : total <= 9  ? "mild"
           : total <= 14 ? "moderate"
           : total <= 19 ? "moderately_severe"
                         : "severe";
}

/* The GAD-7 band of a total (0..21). */
static const char *gad7_band(int total)
{
    return total <= 4 ? "minimal" : total <= 9 ? "mild" : total <= 14 ? "moderate" : "severe";
}

/* The sum of a JSON array of `n` item scores 0..3, or -1 if it is not one. */
static int score_total(json_t *items, size_t n)
{
    if (!json_is_array(items) || json_array_size(items) != n)
        return -1;
    int total = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(items, i);
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 3)
            return -1;
        total += (int)json_integer_value(v);
    }
    return total;
}

/*
 * The self-check sealed in field "sc" of ticket `id` as its summary {phq9_total,
 * phq9_band, phq9_item9, gad7_total, gad7_band} (nulls for an instrument not taken),
 * with the item answers ("phq9", "gad7") too when `full`. JSON null when there is none
 * or it does not open. Bands are wording for a person, never a diagnosis.
 */
static json_t *selfcheck_json(a24_app_t *app, const char *id, const redisReply *fields, bool full)
{
    size_t len;
    const char *sealed = a24_reply_field(fields, "sc", &len);
    if (sealed == NULL || len == 0)
        return json_null();
    json_t *text = a24_http_open_text(app, id, sealed, len);
    json_t *sc = json_is_string(text)
                     ? json_loadb(json_string_value(text), json_string_length(text), 0, NULL)
                     : NULL;
    json_decref(text);
    if (!json_is_object(sc)) {
        json_decref(sc);
        return json_null();
    }
    json_t *phq9 = json_object_get(sc, "phq9"), *gad7 = json_object_get(sc, "gad7");
    int pt = score_total(phq9, 9), gt = score_total(gad7, 7);
    json_t *out = json_object();
    json_object_set_new(out, "phq9_total", pt >= 0 ? json_integer(pt) : json_null());
    json_object_set_new(out, "phq9_band", pt >= 0 ? json_string(phq9_band(pt)) : json_null());
    json_object_set_new(out, "phq9_item9",
                        pt >= 0 ? json_integer(json_integer_value(json_array_get(phq9, 8)))
                                : json_null());
    json_object_set_new(out, "gad7_total", gt >= 0 ? json_integer(gt) : json_null());
    json_object_set_new(out, "gad7_band", gt >= 0 ? json_string(gad7_band(gt)) : json_null());
    if (full) {
        json_object_set(out, "phq9", pt >= 0 ? phq9 : json_null());
        json_object_set(out, "gad7", gt >= 0 ? gad7 : json_null());
    }
    json_decref(sc);
    return out;
}

/* ---------------------------------------------------------------- one ticket as JSON */

/*
 * A ticket as a queue item, from its flat field list (ticket_list.lua's rows and
 * ticket_view.lua's fields, both with "id"), as `me` sees it at Redis time `now`.
 * NULL if the row carries no well-formed id.
 */
static json_t *ticket_item(a24_app_t *app, const me_t *me, a24_ms_t now, const redisReply *f)
{
    size_t len, slen, olen;
    const char *v = a24_reply_field(f, "id", &len);
    char id[A24_TICKET_ID_LEN + 1];
    if (v == NULL || !a24_secret_ticket_id_valid(v, len))
        return NULL;
    memcpy(id, v, len);
    id[len] = '\0';
    const char *state = a24_reply_field(f, "state", &slen);
    const char *owner = a24_reply_field(f, "owner", &olen);
    bool mine =
        owner != NULL && olen == strlen(me->username) && memcmp(owner, me->username, olen) == 0;
    bool offered = field_is(f, "state", "offered"), claimed = field_is(f, "state", "claimed"),
         in_review = field_is(f, "state", "in_review");
    a24_ms_t due = a24_reply_field_int(f, "due", 0);
    long long left = due - now;
    left = left >= 0 ? left / 1000 : -((-left + 999) / 1000);
    size_t rlen;
    const char *risk = a24_reply_field(f, "risk", &rlen);
    if (risk != NULL && rlen == 4 && memcmp(risk, "none", 4) == 0)
        risk = NULL, rlen = 0;

    json_t *item = json_object();
    json_object_set_new(item, "ticket", json_string(id));
    json_object_set_new(item, "status", json_str_or_null(state, slen));
    v = a24_reply_field(f, "category", &len);
    json_object_set_new(item, "category", json_str_or_null(v, len));
    v = a24_reply_field(f, "language", &len);
    json_object_set_new(item, "language", json_str_or_null(v, len));
    json_object_set_new(item, "due_at", a24_http_time(due));
    json_object_set_new(item, "created_at", a24_http_time(a24_reply_field_int(f, "created", 0)));
    json_object_set_new(item, "seconds_left", json_integer(left));
    json_object_set_new(item, "crisis", json_boolean(field_is(f, "crisis", "1")));
    json_object_set_new(item, "risk_reason", json_str_or_null(risk, rlen));
    json_object_set_new(item, "green_channel", json_boolean(field_is(f, "green", "1")));
    json_object_set_new(item, "owner", json_str_or_null(owner, olen));
    json_object_set_new(item, "offered_to_me", json_boolean(offered && mine));
    json_object_set_new(item, "claimed_by_me", json_boolean((claimed || in_review) && mine));
    json_object_set_new(item, "followups", json_integer(a24_reply_field_int(f, "followups", 0)));
    a24_ms_t t;
    if ((t = a24_reply_field_int(f, "offer_until", 0)) > 0 && offered)
        json_object_set_new(item, "offer_until", a24_http_time(t));
    if ((t = a24_reply_field_int(f, "lease_until", 0)) > 0 && claimed)
        json_object_set_new(item, "lease_until", a24_http_time(t));
    if ((t = a24_reply_field_int(f, "answered_at", 0)) > 0)
        json_object_set_new(item, "answered_at", a24_http_time(t));
    json_object_set_new(item, "selfcheck", selfcheck_json(app, id, f, false));
    return item;
}

/* ---------------------------------------------------------------- GET /api/v1/tickets */

typedef struct {
    a24_op_t op;
    me_t me;
} list_op_t;

/* ticket_list.lua replied: {now, next score, next id, rows...}. */
static void on_list_reply(a24_store_t *store, redisReply *r, void *privdata)
{
    (void)store;
    list_op_t *l = privdata;
    if (a24_reply_failed(r) || r->type != REDIS_REPLY_ARRAY || r->elements < 3) {
        log_script_error("ticket_list", r);
        a24_op_fail_unavailable(&l->op);
        return;
    }
    h2o_req_t *req = a24_op_take(&l->op);
    if (req != NULL) {
        a24_ms_t now = a24_reply_int(r, 0, a24_clock_now());
        json_t *tickets = json_array();
        for (size_t i = 3; i < r->elements; i++) {
            json_t *item = ticket_item(l->op.app, &l->me, now, r->element[i]);
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
        a24_http_json(req, 200, json_pack("{s:o, s:o}", "tickets", tickets, "next_cursor", next));
    }
    a24_op_finish(&l->op);
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

/* GET /api/v1/tickets, signed in. */
static void on_list_authed(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                           const a24_staff_t *staff)
{
    (void)m;
    static const char *const views[] = {"offered", "pool", "mine", "all", "review", NULL};
    size_t vlen, llen, clen;
    const char *view = query_value(req, "view", &vlen);
    if (view == NULL)
        view = "pool", vlen = 4;
    if (!a24_name_in(views, view, vlen)) {
        a24_http_error(req, 400, "bad_view",
                       "view must be one of offered, pool, mine, all, review.", "view");
        return;
    }
    long limit = LIST_LIMIT_DEFAULT;
    const char *limit_s = query_value(req, "limit", &llen);
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
    char score[CURSOR_MAX] = "", cid[A24_TICKET_ID_LEN + 1] = "", limit_arg[16];
    const char *cursor = query_value(req, "cursor", &clen);
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
    me_from(&l->me, staff);
    /* A supervisor may claim anything, so their pool is every category and language. */
    char cats[FRAMED_MAX], langs[FRAMED_MAX];
    framed_list(supervisor ? all_bits(a24_categories) : staff->categories, a24_categories, cats);
    framed_list(supervisor ? all_bits(a24_languages) : staff->languages, a24_languages, langs);
    snprintf(limit_arg, sizeof limit_arg, "%ld", limit);
    const char *argv[] = {view, l->me.username, cats, langs, limit_arg, score, cid};
    size_t lens[7];
    for (int i = 0; i < 7; i++)
        lens[i] = strlen(argv[i]);
    if (a24_store_script(app->store, "ticket_list", on_list_reply, l, 0, 7, argv, lens) != 0)
        a24_op_fail_unavailable(&l->op);
}

/* ---------------------------------------------------------------- GET /api/v1/tickets/{id} */

typedef struct {
    a24_op_t op;
    me_t me;
    char ticket[A24_TICKET_ID_LEN + 1];
} view_op_t;

/* The conversation after the question: "<c|e>:<ms>:<sealed>" elements, oldest first. */
static json_t *thread_json(a24_app_t *app, const char *id, const redisReply *msgs)
{
    json_t *thread = json_array();
    for (size_t i = 0; msgs != NULL && i < msgs->elements; i++) {
        h2o_iovec_t who, at, sealed;
        const redisReply *e = msgs->element[i];
        if (e->type != REDIS_REPLY_STRING || !split_element(e->str, e->len, &who, &at, &sealed))
            continue;
        bool expert = who.len == 1 && who.base[0] == 'e';
        json_array_append_new(
            thread, json_pack("{s:s, s:o, s:o}", "from", expert ? "expert" : "citizen", "text",
                              a24_http_open_text(app, id, sealed.base, sealed.len), "at",
                              a24_http_time(parse_ms(at.base, at.len))));
    }
    return thread;
}

/* Internal notes: "<ms>:<user>:<sealed>" elements, oldest first. */
static json_t *notes_json(a24_app_t *app, const char *id, const redisReply *notes)
{
    json_t *out = json_array();
    for (size_t i = 0; notes != NULL && i < notes->elements; i++) {
        h2o_iovec_t at, by, sealed;
        const redisReply *e = notes->element[i];
        if (e->type != REDIS_REPLY_STRING || !split_element(e->str, e->len, &at, &by, &sealed))
            continue;
        json_array_append_new(out, json_pack("{s:s%, s:o, s:o}", "by", by.base, by.len, "text",
                                             a24_http_open_text(app, id, sealed.base, sealed.len),
                                             "at", a24_http_time(parse_ms(at.base, at.len))));
    }
    return out;
}

/* The audit trail: "<ms> <actor> <event> <from> <to>" lines, oldest first. */
static json_t *audit_json(const redisReply *lines)
{
    json_t *out = json_array();
    for (size_t i = 0; lines != NULL && i < lines->elements; i++) {
        const redisReply *e = lines->element[i];
        h2o_iovec_t part[5];
        size_t n = 0, start = 0;
        if (e->type != REDIS_REPLY_STRING)
            continue;
        for (size_t k = 0; k <= e->len && n < 5; k++) {
            if (k == e->len || (e->str[k] == ' ' && n < 4)) {
                part[n++] = h2o_iovec_init(e->str + start, k - start);
                start = k + 1;
            }
        }
        if (n != 5)
            continue;
        json_array_append_new(out, json_pack("{s:o, s:s%, s:s%, s:s%, s:s%}", "at",
                                             a24_http_time(parse_ms(part[0].base, part[0].len)),
                                             "actor", part[1].base, part[1].len, "event",
                                             part[2].base, part[2].len, "from", part[3].base,
                                             part[3].len, "to", part[4].base, part[4].len));
    }
    return out;
}

/* ticket_view.lua replied: {"missing"} | {"ok", now, fields, msgs, notes, audit}. */
static void on_view_reply(a24_store_t *store, redisReply *r, void *privdata)
{
    (void)store;
    view_op_t *v = privdata;
    a24_app_t *app = v->op.app;
    size_t len;
    const char *verdict = a24_reply_str(r, 0, &len);
    if (verdict == NULL) {
        log_script_error("ticket_view", r);
        a24_op_fail_unavailable(&v->op);
        return;
    }
    h2o_req_t *req = a24_op_take(&v->op);
    json_t *item = NULL;
    if (req != NULL && strcmp(verdict, "ok") == 0 && r->elements >= 6)
        item = ticket_item(app, &v->me, a24_reply_int(r, 1, a24_clock_now()), r->element[2]);
    if (req != NULL && item == NULL) {
        a24_http_error(req, 404, "not_found", "There is no such ticket.", NULL);
    } else if (req != NULL) {
        const redisReply *f = r->element[2];
        const char *sealed = a24_reply_field(f, "q", &len);
        json_object_set_new(item, "text", a24_http_open_text(app, v->ticket, sealed, len));
        json_object_set_new(item, "selfcheck", selfcheck_json(app, v->ticket, f, true));
        json_object_set_new(item, "thread", thread_json(app, v->ticket, r->element[3]));
        json_t *draft = json_null();
        if ((sealed = a24_reply_field(f, "draft", &len)) != NULL) {
            json_decref(draft);
            draft =
                json_pack("{s:o, s:o}", "text", a24_http_open_text(app, v->ticket, sealed, len),
                          "submitted_at", a24_http_time(a24_reply_field_int(f, "review_asked", 0)));
        }
        json_object_set_new(item, "draft", draft);
        json_object_set_new(item, "notes", notes_json(app, v->ticket, r->element[4]));
        if (v->me.supervisor)
            json_object_set_new(item, "audit", audit_json(r->element[5]));
        a24_http_json(req, 200, item);
    }
    a24_op_finish(&v->op);
}

/* GET /api/v1/tickets/{ticket}, signed in. */
static void on_view_authed(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                           const a24_staff_t *staff)
{
    h2o_iovec_t id = m->param[0];
    if (!a24_secret_ticket_id_valid(id.base, id.len)) {
        a24_http_error(req, 404, "not_found", "There is no such ticket.", NULL);
        return;
    }
    view_op_t *v = a24_op_start(app, req, sizeof *v);
    if (v == NULL)
        return;
    me_from(&v->me, staff);
    memcpy(v->ticket, id.base, id.len);
    const char *sup = v->me.supervisor ? "1" : "0";
    const char *argv[] = {v->ticket, v->me.username, sup, v->me.cats, v->me.langs, sup};
    size_t lens[6];
    for (int i = 0; i < 6; i++)
        lens[i] = strlen(argv[i]);
    if (a24_store_script(app->store, "ticket_view", on_view_reply, v, 0, 6, argv, lens) != 0)
        a24_op_fail_unavailable(&v->op);
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
    int step; /* approve with a note: 0 writes the note, 1 approves */
    me_t me;
    char ticket[A24_TICKET_ID_LEN + 1];
    unsigned char *sealed; /* the answer, note or reason, sealed with the ticket id */
    size_t sealed_len;
    char target[A24_USERNAME_MAX + 1]; /* transfer */
    bool second_opinion;               /* answer: ask a supervisor before release */
    bool raise;                        /* risk: to crisis (else back to normal) */
} act_op_t;

/* Frees the sealed text the move carried. */
static void act_dispose(a24_op_t *op)
{
    act_op_t *a = (act_op_t *)op;
    free(a->sealed);
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

/*
 * The states a ticket may be transferred from. Transfer is not an event of the state
 * table: it is a release and a claim by someone else in one step, so it may happen
 * wherever either may (queued, offered, claimed).
 */
static const char *transfer_from_list(void)
{
    static char list[128];
    if (list[0] == '\0') {
        strcpy(list, ",");
        for (int s = 0; s < A24_STATE_COUNT; s++) {
            if (a24_ticket_allows(s, A24_EV_CLAIM) || a24_ticket_allows(s, A24_EV_RELEASE)) {
                strcat(list, a24_state_name(s));
                strcat(list, ",");
            }
        }
    }
    return list;
}

static void on_act_reply(a24_store_t *store, redisReply *r, void *privdata);

/* Sends the script of the move's current step. 0, or -1 if Redis is not there. */
static int act_send(act_op_t *a)
{
    a24_app_t *app = a->op.app;
    const a24_config_t *cfg = app->cfg;
    const char *sup = a->me.supervisor ? "1" : "0";
    const char *sealed = a->sealed != NULL ? (const char *)a->sealed : "";
    size_t sealed_len = a->sealed != NULL ? a->sealed_len : 0;
    char lease[24], window[24], oncall[16];
    snprintf(lease, sizeof lease, "%lld", (long long)cfg->deadlines.claim_lease);
    snprintf(window, sizeof window, "%lld", (long long)cfg->deadlines.crisis);
    snprintf(oncall, sizeof oncall, "%d", first_oncall_step(cfg));
    const char *script = NULL;
    const char *argv[12];
    size_t lens[12] = {0};
    int argc = 0, sealed_at = -1;
#define ARG(x) (argv[argc++] = (x))
    ARG(a->ticket);
    ARG(a->me.username);
    switch (a->act) {
    case ACT_CLAIM:
        script = "claim";
        ARG(a24_ticket_from_list(A24_EV_CLAIM)), ARG(lease), ARG(a->me.cats), ARG(a->me.langs);
        ARG(oncall), ARG(sup), ARG(a->me.supervisor ? "0" : "1");
        break;
    case ACT_RELEASE:
        script = "release";
        ARG(a24_ticket_from_list(A24_EV_RELEASE)), ARG(sup), ARG("release");
        break;
    case ACT_DECLINE:
        script = "release"; /* only the one it is offered to; the router passes them over */
        ARG(a24_ticket_from_list(A24_EV_DECLINE)), ARG("0"), ARG("decline");
        break;
    case ACT_ANSWER:
        /* Whether it waits for review is the script's to decide, atomically with the
         * ticket's crisis flag. */
        script = "answer";
        ARG(a24_ticket_from_list(A24_EV_ANSWER));
        sealed_at = argc, ARG(sealed);
        ARG(a->second_opinion ? "review" : "auto"), ARG("1"), ARG(answer_bounds()), ARG("answer");
        break;
    case ACT_APPROVE:
        if (a->step == 0 && a->sealed != NULL) {
            script = "note"; /* the supervisor's note first, then the approval */
            sealed_at = argc, ARG(sealed);
            ARG("1"), ARG(a->me.cats), ARG(a->me.langs);
            break;
        }
        script = "answer";
        ARG(a24_ticket_from_list(A24_EV_APPROVE)), ARG(""), ARG("release"), ARG("0");
        ARG(answer_bounds()), ARG("approve");
        break;
    case ACT_RETURN:
        script = "review_return";
        ARG(a24_ticket_from_list(A24_EV_RETURN));
        sealed_at = argc, ARG(sealed);
        ARG(lease), ARG(oncall);
        break;
    case ACT_NOTE:
        script = "note";
        sealed_at = argc, ARG(sealed);
        ARG(sup), ARG(a->me.cats), ARG(a->me.langs);
        break;
    case ACT_TRANSFER:
        script = "transfer";
        ARG(transfer_from_list()), ARG(a->target);
        sealed_at = argc, ARG(sealed);
        ARG(sup), ARG(lease), ARG(oncall);
        break;
    case ACT_RISK:
        script = "risk";
        ARG(a->raise ? "raise" : "lower");
        sealed_at = argc, ARG(sealed);
        ARG(window), ARG(sup), ARG(a->me.cats), ARG(a->me.langs);
        break;
    }
#undef ARG
    for (int i = 0; i < argc; i++)
        lens[i] = i == sealed_at ? sealed_len : strlen(argv[i]);
    return a24_store_script(app->store, script, on_act_reply, a, 0, argc, argv, lens);
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
        s = a24_reply_str(r, 1, &len);
        json_object_set_new(body, "status", json_str_or_null(s, len));
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

/* Answers a script's refusal: "missing", "forbidden", "state" or "bad_target". */
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
    bool held = strcmp(st, "claimed") == 0 || strcmp(st, "in_review") == 0;
    bool waiting = strcmp(st, "queued") == 0 || strcmp(st, "offered") == 0;
    if (strcmp(verdict, "missing") == 0) {
        a24_http_error(req, 404, "not_found", "There is no such ticket.", NULL);
    } else if (strcmp(verdict, "forbidden") == 0) {
        a24_http_error(req, 403, "forbidden",
                       a->act == ACT_CLAIM ? "This ticket is outside your categories or languages."
                                           : "You may not do this to this ticket.",
                       NULL);
    } else if (strcmp(verdict, "off_duty") == 0) {
        a24_http_error(req, 409, "off_duty", "Go on duty before claiming a ticket.", NULL);
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
static void on_act_reply(a24_store_t *store, redisReply *r, void *privdata)
{
    (void)store;
    act_op_t *a = privdata;
    size_t len;
    const char *verdict = a24_reply_str(r, 0, &len);
    if (verdict == NULL) {
        log_script_error(act_event(a), r);
        a24_op_fail_unavailable(&a->op);
        return;
    }
    bool ok = strcmp(verdict, "ok") == 0;
    if (ok && a->act == ACT_APPROVE && a->step == 0 && a->sealed != NULL) {
        a->step = 1; /* the note is in; now the approval */
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
    if (!a24_secret_ticket_id_valid(id.base, id.len)) {
        a24_http_error(req, 404, "not_found", "There is no such ticket.", NULL);
        return;
    }
    act_op_t *a = a24_op_start(app, req, sizeof *a);
    if (a == NULL)
        return;
    a->op.dispose = act_dispose;
    a->act = proto.act;
    a->raise = proto.raise;
    a->second_opinion = proto.second_opinion;
    memcpy(a->target, proto.target, sizeof a->target);
    me_from(&a->me, staff);
    memcpy(a->ticket, id.base, id.len);
    if (text != NULL &&
        (a->sealed = seal_text(app, a->ticket, text, len, &a->sealed_len)) == NULL) {
        a24_op_fail_unavailable(&a->op);
        return;
    }
    if (act_send(a) != 0)
        a24_op_fail_unavailable(&a->op);
}

/* Parses a JSON object body holding only `known` members; NULL after answering 400. */
static json_t *object_body_or_respond(h2o_req_t *req, const char *const *known)
{
    a24_error_t err;
    json_t *doc = a24_codec_object(req->entity.base, req->entity.len, &err);
    if (doc != NULL && reject_unknown(doc, known, &err) != 0) {
        a24_http_send_error(req, &err); /* err.field belongs to doc: answer first */
        json_decref(doc);
        return NULL;
    }
    if (doc == NULL)
        a24_http_send_error(req, &err);
    return doc;
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
    json_t *doc = object_body_or_respond(req, known);
    if (doc == NULL)
        return;
    a24_error_t err;
    const char *text;
    size_t len;
    json_t *second = json_object_get(doc, "second_opinion");
    if (string_member(doc, "text", true, A24_TEXT_MAX_CHARS, &text, &len, &err) != 0) {
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

/* POST .../review {"decision": "approve" | "return", "note"?}, a supervisor. */
static void on_review_authed(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                             const a24_staff_t *staff)
{
    static const char *const known[] = {"decision", "note", NULL};
    json_t *doc = object_body_or_respond(req, known);
    if (doc == NULL)
        return;
    a24_error_t err;
    const char *decision, *note;
    size_t dlen, nlen;
    if (string_member(doc, "decision", true, 16, &decision, &dlen, &err) != 0 ||
        string_member(doc, "note", false, A24_TEXT_MAX_CHARS, &note, &nlen, &err) != 0) {
        a24_http_send_error(req, &err);
    } else if (strcmp(decision, "approve") != 0 && strcmp(decision, "return") != 0) {
        a24_http_error(req, 400, "bad_decision", "decision must be approve or return.", "decision");
    } else {
        act_t act = strcmp(decision, "approve") == 0 ? ACT_APPROVE : ACT_RETURN;
        act_start(app, req, m, staff, (act_op_t){.act = act}, note, nlen);
    }
    json_decref(doc);
}

/* POST .../transfer {"to", "note"}, signed in. */
static void on_transfer_authed(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                               const a24_staff_t *staff)
{
    static const char *const known[] = {"to", "note", NULL};
    json_t *doc = object_body_or_respond(req, known);
    if (doc == NULL)
        return;
    a24_error_t err;
    const char *to, *note;
    size_t tlen, nlen;
    if (string_member(doc, "to", true, A24_USERNAME_MAX, &to, &tlen, &err) != 0 ||
        string_member(doc, "note", true, A24_TEXT_MAX_CHARS, &note, &nlen, &err) != 0) {
        a24_http_send_error(req, &err);
    } else if (!a24_account_username_valid(to, tlen)) {
        a24_http_error(req, 400, "bad_target", "to must be an expert's username.", "to");
    } else {
        act_op_t proto = {.act = ACT_TRANSFER};
        memcpy(proto.target, to, tlen);
        act_start(app, req, m, staff, proto, note, nlen);
    }
    json_decref(doc);
}

/* POST .../risk {"level": "crisis" | "normal", "reason"}, signed in. */
static void on_risk_authed(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                           const a24_staff_t *staff)
{
    static const char *const known[] = {"level", "reason", NULL};
    json_t *doc = object_body_or_respond(req, known);
    if (doc == NULL)
        return;
    a24_error_t err;
    const char *level, *reason;
    size_t llen, rlen;
    if (string_member(doc, "level", true, 16, &level, &llen, &err) != 0 ||
        string_member(doc, "reason", true, A24_TEXT_MAX_CHARS, &reason, &rlen, &err) != 0) {
        a24_http_send_error(req, &err);
    } else if (strcmp(level, "crisis") != 0 && strcmp(level, "normal") != 0) {
        a24_http_error(req, 400, "bad_level", "level must be crisis or normal.", "level");
    } else {
        act_op_t proto = {.act = ACT_RISK, .raise = strcmp(level, "crisis") == 0};
        act_start(app, req, m, staff, proto, reason, rlen);
    }
    json_decref(doc);
}

/* ---------------------------------------------------------------- answer templates */

typedef struct {
    a24_op_t op;
    json_t *body; /* put: the template as stored, less what the script adds */
    char id[TEMPLATE_ID_MAX + 1];
} tpl_op_t;

/* Releases the body a put kept for its answer. */
static void tpl_dispose(a24_op_t *op)
{
    json_decref(((tpl_op_t *)op)->body);
}

/* True if `id` (`len` bytes) is a template id: 1..64 characters of [a-z0-9._-]. */
static bool template_id_valid(const char *id, size_t len)
{
    if (len == 0 || len > TEMPLATE_ID_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9') || id[i] == '.' ||
              id[i] == '_' || id[i] == '-'))
            return false;
    return true;
}

/* A template from its flat field list, as the API shows it. */
static json_t *template_json(const redisReply *f)
{
    size_t len;
    const char *v;
    json_t *t = json_object();
    static const char *const names[] = {"id", "language", "category", "title", "text", NULL};
    for (const char *const *n = names; *n != NULL; n++) {
        v = a24_reply_field(f, *n, &len);
        json_object_set_new(t, *n, json_stringn(v != NULL ? v : "", len));
    }
    json_object_set_new(t, "updated_at", a24_http_time(a24_reply_field_int(f, "updated", 0)));
    v = a24_reply_field(f, "by", &len);
    json_object_set_new(t, "updated_by", json_str_or_null(v, len));
    return t;
}

/* template_list.lua replied: one flat field list per template. */
static void on_tpl_list_reply(a24_store_t *store, redisReply *r, void *privdata)
{
    (void)store;
    tpl_op_t *t = privdata;
    if (a24_reply_failed(r) || r->type != REDIS_REPLY_ARRAY) {
        log_script_error("template_list", r);
        a24_op_fail_unavailable(&t->op);
        return;
    }
    h2o_req_t *req = a24_op_take(&t->op);
    if (req != NULL) {
        json_t *list = json_array();
        for (size_t i = 0; i < r->elements; i++)
            json_array_append_new(list, template_json(r->element[i]));
        a24_http_json(req, 200, json_pack("{s:o}", "templates", list));
    }
    a24_op_finish(&t->op);
}

/* GET /api/v1/templates?language=&category=, signed in. */
static void on_tpl_list_authed(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                               const a24_staff_t *staff)
{
    (void)m, (void)staff;
    size_t llen, clen;
    const char *language = query_value(req, "language", &llen);
    const char *category = query_value(req, "category", &clen);
    if (language == NULL || llen == 0)
        language = "", llen = 0;
    if (category == NULL || clen == 0)
        category = "", clen = 0;
    if (llen > 0 && !a24_name_in(a24_languages, language, llen)) {
        a24_http_error(req, 400, "unknown_language", "The language must be ko, zh or en.",
                       "language");
        return;
    }
    if (clen > 0 && !a24_name_in(a24_categories, category, clen)) {
        a24_http_error(req, 400, "unknown_category",
                       "The category must be one of depression, anxiety, stress, sleep, family, "
                       "disaster, other.",
                       "category");
        return;
    }
    tpl_op_t *t = a24_op_start(app, req, sizeof *t);
    if (t == NULL)
        return;
    t->op.dispose = tpl_dispose;
    const char *argv[] = {language, category};
    size_t lens[] = {llen, clen};
    if (a24_store_script(app->store, "template_list", on_tpl_list_reply, t, 0, 2, argv, lens) != 0)
        a24_op_fail_unavailable(&t->op);
}

/* template_put.lua replied: {"created" | "updated", ms}. */
static void on_tpl_put_reply(a24_store_t *store, redisReply *r, void *privdata)
{
    (void)store;
    tpl_op_t *t = privdata;
    size_t len;
    const char *verdict = a24_reply_str(r, 0, &len);
    if (verdict == NULL) {
        log_script_error("template_put", r);
        a24_op_fail_unavailable(&t->op);
        return;
    }
    bool created = strcmp(verdict, "created") == 0;
    h2o_req_t *req = a24_op_take(&t->op);
    if (req != NULL) {
        json_object_set_new(t->body, "updated_at", a24_http_time(a24_reply_int(r, 1, 0)));
        a24_http_json(req, created ? 201 : 200, json_incref(t->body));
    }
    a24_op_finish(&t->op);
}

/* PUT /api/v1/templates/{id} {"language", "category", "title", "text"}, a supervisor. */
static void on_tpl_put_authed(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                              const a24_staff_t *staff)
{
    static const char *const known[] = {"language", "category", "title", "text", NULL};
    h2o_iovec_t id = m->param[0];
    if (!template_id_valid(id.base, id.len)) {
        a24_http_error(req, 400, "bad_template_id",
                       "A template id is 1 to 64 characters of a-z, 0-9, '.', '_' and '-'.", "id");
        return;
    }
    json_t *doc = object_body_or_respond(req, known);
    if (doc == NULL)
        return;
    a24_error_t err;
    const char *lang, *cat, *title, *text;
    size_t llen, clen, tlen, xlen;
    if (string_member(doc, "language", true, 16, &lang, &llen, &err) != 0 ||
        string_member(doc, "category", true, 16, &cat, &clen, &err) != 0 ||
        string_member(doc, "title", true, TITLE_MAX_CHARS, &title, &tlen, &err) != 0 ||
        string_member(doc, "text", true, A24_TEXT_MAX_CHARS, &text, &xlen, &err) != 0) {
        a24_http_send_error(req, &err);
    } else if (!a24_name_in(a24_languages, lang, llen)) {
        a24_http_error(req, 400, "unknown_language", "The language must be ko, zh or en.",
                       "language");
    } else if (!a24_name_in(a24_categories, cat, clen)) {
        a24_http_error(req, 400, "unknown_category",
                       "The category must be one of depression, anxiety, stress, sleep, family, "
                       "disaster, other.",
                       "category");
    } else {
        tpl_op_t *t = a24_op_start(app, req, sizeof *t);
        if (t != NULL) {
            t->op.dispose = tpl_dispose;
            memcpy(t->id, id.base, id.len);
            t->body = json_pack("{s:s, s:s%, s:s%, s:s%, s:s%, s:s}", "id", t->id, "language", lang,
                                llen, "category", cat, clen, "title", title, tlen, "text", text,
                                xlen, "updated_by", staff->username);
            const char *argv[] = {t->id, lang, cat, title, text, staff->username};
            size_t lens[] = {id.len, llen, clen, tlen, xlen, strlen(staff->username)};
            if (t->body == NULL || a24_store_script(app->store, "template_put", on_tpl_put_reply, t,
                                                    0, 6, argv, lens) != 0)
                a24_op_fail_unavailable(&t->op);
            else
                a24_log_info("template_put", "{s:s, s:s}", "template", t->id, "username",
                             staff->username);
        }
    }
    json_decref(doc);
}

/* template_delete.lua replied: {"ok"} | {"missing"}. */
static void on_tpl_delete_reply(a24_store_t *store, redisReply *r, void *privdata)
{
    (void)store;
    tpl_op_t *t = privdata;
    size_t len;
    const char *verdict = a24_reply_str(r, 0, &len);
    if (verdict == NULL) {
        log_script_error("template_delete", r);
        a24_op_fail_unavailable(&t->op);
        return;
    }
    h2o_req_t *req = a24_op_take(&t->op);
    if (req != NULL && strcmp(verdict, "ok") == 0)
        a24_http_empty(req, 204);
    else if (req != NULL)
        a24_http_error(req, 404, "not_found", "There is no such template.", NULL);
    a24_op_finish(&t->op);
}

/* DELETE /api/v1/templates/{id}, a supervisor. */
static void on_tpl_delete_authed(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                                 const a24_staff_t *staff)
{
    h2o_iovec_t id = m->param[0];
    if (!template_id_valid(id.base, id.len)) {
        a24_http_error(req, 404, "not_found", "There is no such template.", NULL);
        return;
    }
    tpl_op_t *t = a24_op_start(app, req, sizeof *t);
    if (t == NULL)
        return;
    t->op.dispose = tpl_dispose;
    memcpy(t->id, id.base, id.len);
    const char *argv[] = {t->id, staff->username};
    size_t lens[] = {id.len, strlen(staff->username)};
    if (a24_store_script(app->store, "template_delete", on_tpl_delete_reply, t, 0, 2, argv, lens) !=
        0)
        a24_op_fail_unavailable(&t->op);
}

/* ---------------------------------------------------------------- routes */

/* Each route names the roles it admits (auth.h) and its continuation. */
#define STAFF_ROUTE(fn, roles, authed)                                                             \
    static void fn(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m)                     \
    {                                                                                              \
        a24_auth_require(app, req, m, roles, authed);                                              \
    }

/*
 * Experts and supervisors read and act on tickets: supervisors may claim anything, so
 * they answer what they claim, and release or transfer anyone's claim. Reviewing and
 * keeping the templates is a supervisor's alone.
 */
STAFF_ROUTE(on_list, A24_AUTH_TICKET_READ, on_list_authed)
STAFF_ROUTE(on_view, A24_AUTH_TICKET_READ, on_view_authed)
STAFF_ROUTE(on_claim, A24_AUTH_TICKET_READ, on_claim_authed)
STAFF_ROUTE(on_release, A24_AUTH_TICKET_READ, on_release_authed)
STAFF_ROUTE(on_decline, A24_AUTH_TICKET_READ, on_decline_authed)
STAFF_ROUTE(on_answer, A24_AUTH_TICKET_READ, on_answer_authed)
STAFF_ROUTE(on_note, A24_AUTH_TICKET_READ, on_note_authed)
STAFF_ROUTE(on_transfer, A24_AUTH_TICKET_READ, on_transfer_authed)
STAFF_ROUTE(on_risk, A24_AUTH_TICKET_READ, on_risk_authed)
STAFF_ROUTE(on_review, A24_AUTH_SUPERVISE, on_review_authed)
STAFF_ROUTE(on_tpl_list, A24_AUTH_TICKET_READ, on_tpl_list_authed)
STAFF_ROUTE(on_tpl_put, A24_AUTH_SUPERVISE, on_tpl_put_authed)
STAFF_ROUTE(on_tpl_delete, A24_AUTH_SUPERVISE, on_tpl_delete_authed)

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
    {"GET", "/api/v1/templates", on_tpl_list, 0},
    {"PUT", "/api/v1/templates/*", on_tpl_put, A24_ROUTE_JSON_BODY},
    {"DELETE", "/api/v1/templates/*", on_tpl_delete, 0},
    {NULL, NULL, NULL, 0},
};
