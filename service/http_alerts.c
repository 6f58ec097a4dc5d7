/*
 * http_alerts: what on-call staff and supervisors act on: the alerts (one incident
 * per ticket or subject, with its history), their acknowledgement and resolution, a
 * read-only view of a ticket without its texts, and the desk's figures.
 *
 *   GET  /api/v1/alerts?state=open|all&limit=N&cursor=C
 *   POST /api/v1/alerts/{id}/ack       stops the repeats; covers the incident until
 *                                      something worse; comes back after ack_timeout
 *   POST /api/v1/alerts/{id}/resolve   ends it
 *   GET  /api/v1/oncall/tickets/{t}    state, owner, due, reason, timeline: no text
 *   GET  /api/v1/stats?from=YYYY-MM-DD&to=YYYY-MM-DD
 *   GET  /api/v1/queue/summary         waiting, held, crises, due soon, on duty
 *
 * Must never: put question text in an alert (alerts carry ticket, kind, language and
 * category only: lock screens are not private).
 */
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "clock.h"
#include "http.h"
#include "keys.h"
#include "stats.h"
#include "ticket.h"

#define LIST_DEFAULT 100
#define LIST_MAX 1000
#define STATS_MAX_DAYS 366

typedef struct {
    a24_op_t op;
    size_t offset, limit;
    int64_t from, to;
    char ticket[48]; /* the ticket of a read-only view */
} alert_op_t;

/* Reads limit and cursor (an offset) from the query; answers 400 itself on a bad one. */
static int read_page_or_respond(h2o_req_t *req, size_t *offset, size_t *limit)
{
    char buf[24];
    *offset = 0, *limit = LIST_DEFAULT;
    if (a24_http_query(req, "limit", buf, sizeof buf) >= 0) {
        char *end;
        long v = strtol(buf, &end, 10);
        if (*end != '\0' || v < 1 || v > LIST_MAX) {
            a24_http_error(req, 400, "bad_limit", "limit must be a number from 1 to 1000.",
                           "limit");
            return -1;
        }
        *limit = (size_t)v;
    }
    if (a24_http_query(req, "cursor", buf, sizeof buf) >= 0) {
        char *end;
        long v = strtol(buf, &end, 10);
        if (*end != '\0' || v < 0) {
            a24_http_error(req, 400, "bad_cursor", "This cursor is not one answer24 gave.",
                           "cursor");
            return -1;
        }
        *offset = (size_t)v;
    }
    return 0;
}

/* The value of `name` in a flat HGETALL array, or NULL. */
static const char *hash_get(const redisReply *h, const char *name)
{
    size_t len;
    return a24_reply_field(h, name, &len);
}

/* A time field of an alert as JSON (null if absent). */
static json_t *time_field(const redisReply *h, const char *name)
{
    const char *v = hash_get(h, name);
    return v != NULL ? a24_http_time(strtoll(v, NULL, 10)) : json_null();
}

/* A string field of an alert as JSON (null if absent or empty). */
static json_t *str_field(const redisReply *h, const char *name)
{
    const char *v = hash_get(h, name);
    return v != NULL && v[0] != '\0' ? json_string(v) : json_null();
}

/* A crisis reason as the API shows it: the name of a category of warning sign (letters,
 * digits, '_', ':', ',', '-'), or null; anything else never leaves, whatever is stored. */
static json_t *reason_json(const char *v)
{
    if (v == NULL || v[0] == '\0' || strlen(v) > 64)
        return json_null();
    for (const char *p = v; *p != '\0'; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("_:,-", *p)))
            return json_null();
    return json_string(v);
}

/* The incident's history (a JSON array the script assembled) with RFC 3339 times. */
static json_t *history_json(const redisReply *h)
{
    const char *v = hash_get(h, "history");
    json_t *list = v != NULL ? json_loads(v, 0, NULL) : NULL;
    if (!json_is_array(list)) {
        json_decref(list);
        return json_array();
    }
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        json_t *at = json_object_get(e, "at");
        if (json_is_number(at))
            json_object_set_new(e, "at", a24_http_time((a24_ms_t)json_number_value(at)));
    }
    return list;
}

/* Adds the ticket's side of an incident: crisis reason, time left, due, holder. */
static void add_ticket_fields(json_t *o, const redisReply *h, a24_ms_t now)
{
    const char *due = hash_get(h, "t_due"), *holder = hash_get(h, "t_holder");
    const char *crisis = hash_get(h, "t_crisis");
    if (crisis == NULL)
        crisis = hash_get(h, "crisis");
    const char *reason = hash_get(h, "t_reason");
    if (reason == NULL)
        reason = hash_get(h, "reason");
    bool has_due = due != NULL && due[0] != '\0';
    a24_ms_t due_ms = has_due ? strtoll(due, NULL, 10) : 0;
    json_object_set_new(o, "reason", reason_json(reason));
    json_object_set_new(o, "crisis", json_boolean(crisis != NULL && strcmp(crisis, "1") == 0));
    json_object_set_new(o, "due_at", has_due ? a24_http_time(due_ms) : json_null());
    json_object_set_new(o, "time_left_ms", has_due ? json_integer(due_ms - now) : json_null());
    json_object_set_new(o, "holder",
                        holder != NULL && holder[0] != '\0' ? json_string(holder) : json_null());
    json_object_set_new(o, "ticket_state", str_field(h, "t_state"));
    json_object_set_new(o, "subject", str_field(h, "subject"));
}

/* One alert (an incident) as the API shows it. */
static json_t *alert_json(const redisReply *h, a24_ms_t now)
{
    const char *state = hash_get(h, "state");
    const char *level = hash_get(h, "level");
    const char *seq = hash_get(h, "seq");
    json_t *o = json_pack(
        "{s:o, s:o, s:o, s:i, s:o, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
        "s:i}",
        "id", str_field(h, "id"), "ticket", str_field(h, "ticket"), "kind", str_field(h, "kind"),
        "level", level != NULL ? atoi(level) : 0, "created_at", time_field(h, "created"), "acked",
        state != NULL && strcmp(state, "open") != 0, "state", str_field(h, "state"), "acked_by",
        str_field(h, "acked_by"), "acked_at", time_field(h, "acked_at"), "resolved_by",
        str_field(h, "resolved_by"), "resolved_at", time_field(h, "resolved_at"), "notify",
        str_field(h, "notify"), "language", str_field(h, "language"), "category",
        str_field(h, "category"), "repeats", seq != NULL ? atoi(seq) : 0);
    add_ticket_fields(o, h, now);
    json_object_set_new(o, "updated_at", time_field(h, "updated"));
    json_object_set_new(o, "history", history_json(h));
    return o;
}

/* alert_list.lua replied: a page of alerts, then how many lie past it. */
static json_t *list_json(a24_op_t *op, const redisReply *r)
{
    alert_op_t *a = (alert_op_t *)op;
    size_t rows = r->elements - 1; /* (at least one element: a24_op_rows_json_or_respond) */
    const redisReply *left = r->element[rows];
    if (left->type != REDIS_REPLY_INTEGER)
        return NULL;
    json_t *list = json_array();
    a24_ms_t now = a24_clock_now();
    for (size_t i = 0; i < rows; i++)
        json_array_append_new(list, alert_json(r->element[i], now));
    char next[24];
    snprintf(next, sizeof next, "%zu", a->offset + a->limit);
    /* Not "a full page": purged incidents leave holes in a page of "all". */
    return json_pack("{s:o, s:o}", "alerts", list, "next_cursor",
                     left->integer > 0 ? json_string(next) : json_null());
}

/*
 * Starts the read `name` (alert_list, stats_days) answered with what `build` makes of
 * its rows, keeping in the operation what `build` needs of the request (`keep`: the
 * page, or the days); `min`: the fewest elements its reply may have. The caller just
 * returns.
 */
static void start_read(a24_app_t *app, h2o_req_t *req, const alert_op_t *keep, const char *name,
                       a24_args_t *args, size_t min, a24_op_json_fn build)
{
    alert_op_t *a = a24_op_start(app, req, sizeof *a);
    if (a == NULL) {
        a24_args_dispose(args);
        return;
    }
    a->offset = keep->offset, a->limit = keep->limit;
    a->from = keep->from, a->to = keep->to;
    a24_op_rows_json_or_respond(&a->op, name, args, min, build);
}

/* GET /api/v1/alerts, once signed in. */
static void on_list(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                    const a24_staff_t *staff)
{
    (void)m, (void)staff;
    char state[8] = "open";
    if (a24_http_query(req, "state", state, sizeof state) >= 0 && strcmp(state, "open") != 0 &&
        strcmp(state, "all") != 0) {
        a24_http_error(req, 400, "bad_state", "state must be open or all.", "state");
        return;
    }
    size_t offset, limit;
    if (read_page_or_respond(req, &offset, &limit) != 0)
        return;
    a24_args_t args;
    a24_args_init(&args);
    a24_args_str(&args, state);
    a24_args_int(&args, (long long)limit);
    a24_args_int(&args, (long long)offset);
    start_read(app, req, &(alert_op_t){.offset = offset, .limit = limit}, "alert_list", &args, 1,
               list_json);
}

/* alert_update.lua replied. */
static void on_update_reply(a24_op_t *op, const char *verdict, const redisReply *r)
{
    size_t len;
    h2o_req_t *req = a24_op_take(op);
    if (req != NULL) {
        const char *state = a24_reply_str(r, 1, &len);
        if (strcmp(verdict, "ok") == 0)
            a24_http_json(req, 200, json_pack("{s:s%}", "state", state, len));
        else if (strcmp(verdict, "state") == 0 && len == 8 && memcmp(state, "resolved", 8) == 0)
            a24_http_error(req, 409, "already_resolved", "This alert was already resolved.", NULL);
        else if (strcmp(verdict, "state") == 0)
            a24_http_error(req, 409, "already_acked", "This alert was already acknowledged.", NULL);
        else
            a24_http_error(req, 404, "not_found", "There is no such alert.", NULL);
    }
    a24_op_finish(op);
}

/* POST /api/v1/alerts/{id}/ack or /resolve, once signed in. */
static void update(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                   const a24_staff_t *staff, const char *what)
{
    h2o_iovec_t id = m->param[0];
    bool digits = id.len > 0 && id.len < 20;
    for (size_t i = 0; digits && i < id.len; i++)
        digits = id.base[i] >= '0' && id.base[i] <= '9';
    if (!digits) {
        a24_http_error(req, 404, "not_found", "There is no such alert.", NULL);
        return;
    }
    a24_args_t args;
    a24_args_init(&args);
    a24_args_str(&args, what);
    a24_args_str(&args, staff->username);
    a24_args_int(&args, (long long)app->cfg->alerts.ack_timeout);
    a24_args_bin(&args, id.base, id.len);
    a24_op_run_or_respond(app, req, "alert_update", &args, on_update_reply);
}

/* The continuations of ack and resolve. */
static void on_ack(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                   const a24_staff_t *staff)
{
    update(app, req, m, staff, "ack");
}

static void on_resolve(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                       const a24_staff_t *staff)
{
    update(app, req, m, staff, "resolve");
}

/* stats_days.lua replied: the figures of the days asked for. */
static json_t *stats_json(a24_op_t *op, const redisReply *r)
{
    alert_op_t *a = (alert_op_t *)op;
    return a24_stats_report(r, a->from, a->to);
}

/* GET /api/v1/stats, once signed in: the last 30 days unless from/to say otherwise. */
static void on_stats(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                     const a24_staff_t *staff)
{
    (void)m, (void)staff;
    int64_t today = a24_clock_day(a24_clock_now()), from = today - 29, to = today;
    char buf[16];
    if ((a24_http_query(req, "from", buf, sizeof buf) >= 0 &&
         a24_stats_parse_day(buf, &from) != 0) ||
        (a24_http_query(req, "to", buf, sizeof buf) >= 0 && a24_stats_parse_day(buf, &to) != 0)) {
        a24_http_error(req, 400, "bad_date", "Dates are written YYYY-MM-DD.", NULL);
        return;
    }
    if (to < from || to - from >= STATS_MAX_DAYS) {
        a24_http_error(req, 400, "bad_range", "from must not be after to, and at most 366 days.",
                       NULL);
        return;
    }
    a24_args_t args;
    a24_args_init(&args);
    a24_args_int(&args, (long long)from);
    a24_args_int(&args, (long long)to);
    start_read(app, req, &(alert_op_t){.from = from, .to = to}, "stats_days", &args, 0, stats_json);
}

/* queue_summary.lua replied: the queue's health. */
static json_t *summary_json(a24_op_t *op, const redisReply *r)
{
    (void)op;
    static const char *const names[] = {"overdue",   "under_1h",   "1h_to_4h",
                                        "4h_to_12h", "12h_to_24h", "over_24h"};
    json_t *by_left = json_object();
    for (size_t i = 0; i < 6 && i < r->element[8]->elements; i++)
        json_object_set_new(by_left, names[i], json_integer(r->element[8]->element[i]->integer));
    return json_pack(
        "{s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "at",
        a24_http_time(a24_reply_int(r, 0, 0)), "waiting", (json_int_t)a24_reply_int(r, 1, 0),
        "claimed", (json_int_t)a24_reply_int(r, 2, 0), "in_review",
        (json_int_t)a24_reply_int(r, 3, 0), "open_crises", (json_int_t)a24_reply_int(r, 4, 0),
        "due_within_4h", (json_int_t)a24_reply_int(r, 5, 0), "overdue",
        (json_int_t)a24_reply_int(r, 6, 0), "experts_on_duty", (json_int_t)a24_reply_int(r, 7, 0),
        "open_by_time_left", by_left);
}

/* GET /api/v1/queue/summary, once signed in: queue health, no text. */
static void on_summary(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                       const a24_staff_t *staff)
{
    (void)m, (void)staff;
    a24_args_t args;
    a24_args_init(&args);
    a24_args_int(&args, 14400000); /* the "open by time left" horizon: four hours */
    a24_op_read_json_or_respond(app, req, "queue_summary", &args, 9, summary_json);
}

/* One audit line "<ms> <actor> <event> <from> <to>" as a timeline entry. */
static json_t *timeline_entry(const char *line)
{
    char actor[65] = "", event[65] = "", from[33] = "", to[33] = "";
    long long ms = 0;
    if (sscanf(line, "%lld %64s %64s %32s %32s", &ms, actor, event, from, to) < 3)
        return NULL;
    return json_pack("{s:o, s:s, s:s, s:s, s:s}", "at", a24_http_time(ms), "actor", actor, "event",
                     event, "from", from, "to", to);
}

/* ticket_brief.lua replied: the ticket for on-call, without any text. */
static void on_brief_reply(a24_op_t *op, const char *verdict, const redisReply *r)
{
    alert_op_t *a = (alert_op_t *)op;
    h2o_req_t *req = a24_op_take(&a->op);
    if (req != NULL && strcmp(verdict, "ok") != 0) {
        a24_http_error(req, 404, "not_found", "There is no such ticket.", NULL);
    } else if (req != NULL && r->elements >= 5) {
        const redisReply *f = r->element[2];
        a24_ms_t now = a24_reply_int(r, 1, a24_clock_now());
        const char *due = hash_get(f, "due"), *state = hash_get(f, "state");
        bool open = state != NULL && a24_state_name_in_set(state, strlen(state), A24_SET_AWAITING);
        json_t *timeline = json_array();
        for (size_t i = 0; i < r->element[3]->elements; i++) {
            json_t *e = timeline_entry(r->element[3]->element[i]->str);
            if (e != NULL)
                json_array_append_new(timeline, e);
        }
        const char *crisis = hash_get(f, "crisis"), *incident = r->element[4]->str;
        json_t *o = json_pack(
            "{s:o, s:o, s:o, s:o, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "ticket",
            json_stringn(a->ticket, strlen(a->ticket)), "state", str_field(f, "state"), "category",
            str_field(f, "category"), "language", str_field(f, "language"), "crisis",
            crisis != NULL && strcmp(crisis, "1") == 0, "reason", reason_json(hash_get(f, "risk")),
            "holder", str_field(f, "holder"), "created_at", time_field(f, "created"), "due_at",
            time_field(f, "due"), "time_left_ms",
            open && due != NULL ? json_integer(strtoll(due, NULL, 10) - now) : json_null(), "alert",
            incident[0] != '\0' ? json_string(incident) : json_null(), "timeline", timeline);
        a24_http_json(req, 200, o);
    }
    a24_op_finish(&a->op);
}

/* GET /api/v1/oncall/tickets/{ticket}, once signed in: what on-call may see of it. */
static void on_brief(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                     const a24_staff_t *staff)
{
    (void)staff;
    h2o_iovec_t id = m->param[0];
    bool ok = id.len > 0 && id.len < sizeof((alert_op_t *)0)->ticket;
    for (size_t i = 0; ok && i < id.len; i++)
        ok = (id.base[i] >= '0' && id.base[i] <= '9') || (id.base[i] >= 'A' && id.base[i] <= 'Z') ||
             (id.base[i] >= 'a' && id.base[i] <= 'z') || id.base[i] == '-' || id.base[i] == '_';
    if (!ok) {
        a24_http_error(req, 404, "not_found", "There is no such ticket.", NULL);
        return;
    }
    alert_op_t *a = a24_op_start(app, req, sizeof *a);
    if (a == NULL)
        return;
    memcpy(a->ticket, id.base, id.len);
    a24_args_t args;
    a24_args_init(&args);
    a24_args_bin(&args, a->ticket, id.len);
    a24_op_script_or_respond(&a->op, "ticket_brief", &args, on_brief_reply);
}

/* The routes: each checks the session, then continues above. */
A24_STAFF_ROUTE(route_list, A24_AUTH_ALERTS, on_list)
A24_STAFF_ROUTE(route_ack, A24_AUTH_ALERTS, on_ack)
A24_STAFF_ROUTE(route_resolve, A24_AUTH_ALERTS, on_resolve)
A24_STAFF_ROUTE(route_brief, A24_AUTH_ALERTS, on_brief)
A24_STAFF_ROUTE(route_summary, A24_AUTH_ALERTS | A24_ROLE_ADMIN, on_summary)
A24_STAFF_ROUTE(route_stats, A24_AUTH_ALERTS | A24_ROLE_ADMIN, on_stats)

const a24_route_t a24_alert_routes[] = {
    {"GET", "/api/v1/alerts", route_list, 0},
    {"POST", "/api/v1/alerts/*/ack", route_ack, 0},
    {"POST", "/api/v1/alerts/*/resolve", route_resolve, 0},
    {"GET", "/api/v1/oncall/tickets/*", route_brief, 0},
    {"GET", "/api/v1/stats", route_stats, 0},
    {"GET", "/api/v1/queue/summary", route_summary, 0},
    {NULL, NULL, NULL, 0},
};
