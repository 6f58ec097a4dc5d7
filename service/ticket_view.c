/*
 * ticket_view: a ticket as staff see it in JSON: a queue item (what a list shows), the
 * full view (question, self-check, thread, draft, notes, the audit trail for
 * supervisors), and the moves the viewer may make on it ("actions").
 *
 * The actions are computed from the state table (ticket.h: which events a state allows)
 * and the role rules (auth.h), so the console shows what the scripts would accept and
 * never restates a rule. The scripts still decide, atomically, at the moment of a move.
 *
 * Must never: show the audit trail to anyone but a supervisor; put the access code's
 * hash or a sealed byte in the JSON; open a text with another ticket's id.
 */
#include "ticket_view.h"

#include <string.h>

#include "clock.h"
#include "staff_body.h"
#include "ticket.h"

/* ---------------------------------------------------------------- the viewer */

void a24_viewer_framed(unsigned bits, const char *const *table, char out[A24_FRAMED_MAX])
{
    char list[A24_ACCOUNT_LIST_MAX];
    a24_account_list_format(bits, table, list, sizeof list);
    snprintf(out, A24_FRAMED_MAX, list[0] != '\0' ? ",%s," : ",", list);
}

void a24_viewer_from(a24_viewer_t *me, const a24_staff_t *s)
{
    memcpy(me->username, s->username, sizeof me->username);
    me->supervisor = (s->role & A24_ROLE_SUPERVISOR) != 0;
    me->categories = s->categories;
    me->languages = s->languages;
    a24_viewer_framed(s->categories, a24_categories, me->cats);
    a24_viewer_framed(s->languages, a24_languages, me->langs);
}

unsigned a24_viewer_all_bits(const char *const *table)
{
    unsigned bits = 0;
    for (unsigned k = 0; table[k] != NULL && k < 32; k++)
        bits |= 1u << k;
    return bits;
}

/* True if field `name` is exactly `want`. */
static bool field_is(const redisReply *flat, const char *name, const char *want)
{
    size_t len;
    const char *v = a24_reply_field(flat, name, &len);
    return v != NULL && len == strlen(want) && memcmp(v, want, len) == 0;
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

/* ---------------------------------------------------------------- what the viewer may do */

const char *a24_ticket_transfer_from_list(void)
{
    /* Transfer is not an event of the state table: it is a release and a claim by
     * someone else in one step, so it may happen wherever either may. */
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

/* True if field `name` of `f` is in the comma-framed list `framed` (",a,b,"). */
static bool framed_has(const char *framed, const redisReply *f, const char *name)
{
    size_t len;
    const char *v = a24_reply_field(f, name, &len);
    char needle[40];
    if (v == NULL || len == 0 || len + 3 > sizeof needle)
        return false;
    snprintf(needle, sizeof needle, ",%.*s,", (int)len, v);
    return strstr(framed, needle) != NULL;
}

/*
 * The moves `me` may make on the ticket of field list `f` (`mine`: they are its owner),
 * as the scripts decide them: the state from the table, the person from the role rules
 * (auth.h). Risk may change while an answer is still pending (an open state that a
 * follow-up cannot reopen); only a supervisor lowers a crisis; the author of an answer
 * waiting for review never approves it (the owner of an in_review ticket is its author).
 */
static json_t *actions_json(const a24_viewer_t *me, const redisReply *f, bool mine)
{
    json_t *out = json_array();
    size_t slen;
    const char *st = a24_reply_field(f, "state", &slen);
    int s = st != NULL ? a24_state_parse(st, slen) : -1;
    if (s < 0)
        return out;
    bool sup = me->supervisor, crisis = field_is(f, "crisis", "1");
    bool covers = framed_has(me->cats, f, "category") && framed_has(me->langs, f, "language");
    bool pending = a24_state_is_open(s) && !a24_ticket_allows(s, A24_EV_FOLLOWUP);
    bool transferable = strstr(a24_ticket_transfer_from_list(), st) != NULL;
    const struct {
        const char *name;
        bool may;
    } moves[] = {
        {"claim", a24_ticket_allows(s, A24_EV_CLAIM) && (sup || covers) &&
                      !(mine && s != A24_STATE_OFFERED && s != A24_STATE_QUEUED)},
        {"decline", a24_ticket_allows(s, A24_EV_DECLINE) && mine},
        {"release", a24_ticket_allows(s, A24_EV_RELEASE) && (mine || sup)},
        {"answer", a24_ticket_allows(s, A24_EV_ANSWER) && mine},
        {"approve", a24_ticket_allows(s, A24_EV_APPROVE) && sup && !mine},
        {"return", a24_ticket_allows(s, A24_EV_RETURN) && sup},
        {"transfer", transferable && (mine || sup)},
        {"note", sup || mine || covers},
        {"raise_risk", pending && !crisis && (sup || mine || covers)},
        {"lower_risk", pending && crisis && sup},
    };
    for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++)
        if (moves[i].may)
            json_array_append_new(out, json_string(moves[i].name));
    return out;
}

/* ---------------------------------------------------------------- one ticket as JSON */

/*
 * A ticket as a queue item, from its flat field list (ticket_list.lua's rows and
 * ticket_view.lua's fields, both with "id"), as `me` sees it at Redis time `now`.
 * NULL if the row carries no well-formed id.
 */
json_t *a24_ticket_view_item(a24_app_t *app, const a24_viewer_t *me, a24_ms_t now,
                             const redisReply *f)
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
    json_object_set_new(item, "status", a24_json_str_or_null(state, slen));
    v = a24_reply_field(f, "category", &len);
    json_object_set_new(item, "category", a24_json_str_or_null(v, len));
    v = a24_reply_field(f, "language", &len);
    json_object_set_new(item, "language", a24_json_str_or_null(v, len));
    json_object_set_new(item, "due_at", a24_http_time(due));
    json_object_set_new(item, "created_at", a24_http_time(a24_reply_field_int(f, "created", 0)));
    json_object_set_new(item, "seconds_left", json_integer(left));
    json_object_set_new(item, "crisis", json_boolean(field_is(f, "crisis", "1")));
    json_object_set_new(item, "risk_reason", a24_json_str_or_null(risk, rlen));
    json_object_set_new(item, "green_channel", json_boolean(field_is(f, "green", "1")));
    json_object_set_new(item, "owner", a24_json_str_or_null(owner, olen));
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
    json_object_set_new(item, "actions", actions_json(me, f, mine));
    return item;
}

/* One message of the conversation from "<c|e>:<ms>", its text already opened. */
static json_t *message_json(a24_part_t who, a24_part_t at, json_t *text)
{
    bool expert = who.len == 1 && who.p[0] == 'e';
    return json_pack("{s:s, s:o, s:o}", "from", expert ? "expert" : "citizen", "text", text, "at",
                     a24_http_time(a24_ticket_parse_ms(at.p, at.len)));
}

/* One internal note from "<ms>:<user>", its text already opened. */
static json_t *note_json(a24_part_t at, a24_part_t by, json_t *text)
{
    return json_pack("{s:s%, s:o, s:o}", "by", by.p, by.len, "text", text, "at",
                     a24_http_time(a24_ticket_parse_ms(at.p, at.len)));
}

/*
 * The "<a>:<b>:<sealed>" elements of `list`, oldest first, each opened and made into
 * JSON by `make`: the conversation after the question (message_json) and the internal
 * notes (note_json).
 */
static json_t *sealed_list_json(a24_app_t *app, const char *id, const redisReply *list,
                                json_t *(*make)(a24_part_t a, a24_part_t b, json_t *text))
{
    json_t *out = json_array();
    for (size_t i = 0; list != NULL && i < list->elements; i++) {
        a24_part_t part[3]; /* a, b, sealed */
        const redisReply *e = list->element[i];
        if (e->type != REDIS_REPLY_STRING || !a24_ticket_split_message(e->str, e->len, part))
            continue;
        json_array_append_new(
            out, make(part[0], part[1], a24_http_open_text(app, id, part[2].p, part[2].len)));
    }
    return out;
}

/*
 * The reason of a move that writes one (risk_raise, risk_lower, transfer_override): the
 * last note `actor` wrote at the audit line's millisecond (the scripts write both in one
 * step), opened; NULL if there is none. The audit line itself never holds a text.
 */
static json_t *reason_of(a24_app_t *app, const char *id, const redisReply *notes, h2o_iovec_t at,
                         h2o_iovec_t actor)
{
    for (size_t i = notes != NULL ? notes->elements : 0; i-- > 0;) {
        a24_part_t n[3]; /* at, by, sealed */
        const redisReply *e = notes->element[i];
        if (e->type == REDIS_REPLY_STRING && a24_ticket_split_message(e->str, e->len, n) &&
            h2o_memis(n[0].p, n[0].len, at.base, at.len) &&
            h2o_memis(n[1].p, n[1].len, actor.base, actor.len))
            return a24_http_open_text(app, id, n[2].p, n[2].len);
    }
    return NULL;
}

/* True if audit event `ev` carries a reason written as a note. */
static bool has_reason(h2o_iovec_t ev)
{
    return h2o_memis(ev.base, ev.len, H2O_STRLIT("risk_raise")) ||
           h2o_memis(ev.base, ev.len, H2O_STRLIT("risk_lower")) ||
           h2o_memis(ev.base, ev.len, H2O_STRLIT("transfer_override"));
}

/* The audit trail: "<ms> <actor> <event> <from> <to>" lines, oldest first. */
static json_t *audit_json(a24_app_t *app, const char *id, const redisReply *lines,
                          const redisReply *notes)
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
        json_t *line =
            json_pack("{s:o, s:s%, s:s%, s:s%, s:s%}", "at",
                      a24_http_time(a24_ticket_parse_ms(part[0].base, part[0].len)), "actor",
                      part[1].base, part[1].len, "event", part[2].base, part[2].len, "from",
                      part[3].base, part[3].len, "to", part[4].base, part[4].len);
        json_t *reason = has_reason(part[2]) ? reason_of(app, id, notes, part[0], part[1]) : NULL;
        if (reason != NULL)
            json_object_set_new(line, "reason", reason);
        json_array_append_new(out, line);
    }
    return out;
}

json_t *a24_ticket_view_full(a24_app_t *app, const a24_viewer_t *v, const char *ticket,
                             const redisReply *r)
{
    if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements < 6)
        return NULL;
    const redisReply *f = r->element[2];
    json_t *item = a24_ticket_view_item(app, v, a24_reply_int(r, 1, a24_clock_now()), f);
    if (item == NULL)
        return NULL;
    size_t len;
    const char *sealed = a24_reply_field(f, "q", &len);
    json_object_set_new(item, "text", a24_http_open_text(app, ticket, sealed, len));
    json_object_set_new(item, "selfcheck", selfcheck_json(app, ticket, f, true));
    json_object_set_new(item, "thread", sealed_list_json(app, ticket, r->element[3], message_json));
    json_t *draft = json_null();
    if ((sealed = a24_reply_field(f, "draft", &len)) != NULL) {
        json_decref(draft);
        draft = json_pack("{s:o, s:o}", "text", a24_http_open_text(app, ticket, sealed, len),
                          "submitted_at", a24_http_time(a24_reply_field_int(f, "review_asked", 0)));
    }
    json_object_set_new(item, "draft", draft);
    json_object_set_new(item, "notes", sealed_list_json(app, ticket, r->element[4], note_json));
    if (v->supervisor)
        json_object_set_new(item, "audit", audit_json(app, ticket, r->element[5], r->element[4]));
    return item;
}
