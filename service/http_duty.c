/*
 * http_duty: a staff member goes on or off duty.
 *
 *   PUT /api/v1/me/duty {"on_duty": bool} -> 200 {"on_duty", "handed_back"}
 *   GET /api/v1/me/duty                   -> 200 {"on_duty", "since"}
 *
 * One script (duty.lua) does the whole change: the duty sets of every category and
 * language the account takes, a nudge to the router for what waits there, and, going
 * off duty, every offer and claim the person holds handed back to the pool at once, so
 * no claim is stranded when a shift ends (answers waiting for review stay). The
 * categories and languages come from the account as it is now (the session check read
 * it), never from the request.
 *
 * Must never: let anyone but experts and supervisors change duty; answer 200 before
 * the script confirmed.
 */
#include <string.h>

#include "auth.h"
#include "keys.h"
#include "log.h"
#include "ticket.h"

typedef struct {
    a24_op_t op;
    char username[A24_USERNAME_MAX + 1];
    bool on;
} duty_op_t;

/* duty.lua replied: {"ok", handed_back, nudged}. */
static void on_duty_reply(a24_op_t *op, const char *verdict, const redisReply *r)
{
    duty_op_t *d = (duty_op_t *)op;
    if (strcmp(verdict, "ok") != 0) {
        a24_op_fail_unavailable(&d->op);
        return;
    }
    long long handed = a24_reply_int(r, 1, 0);
    a24_log_info("duty_changed", "{s:s, s:b, s:I, s:I}", "username", d->username, "on_duty", d->on,
                 "handed_back", handed, "nudged", a24_reply_int(r, 2, 0));
    h2o_req_t *req = a24_op_take(&d->op);
    if (req != NULL)
        a24_http_json(req, 200, json_pack("{s:b, s:I}", "on_duty", d->on, "handed_back", handed));
    a24_op_finish(&d->op);
}

/* PUT /api/v1/me/duty, signed in. */
static void on_put_authed(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                          const a24_staff_t *staff)
{
    (void)m;
    a24_error_t err;
    json_t *doc = a24_codec_object(req->entity.base, req->entity.len, &err);
    if (doc == NULL) {
        a24_http_send_error(req, &err);
        return;
    }
    const char *name;
    json_t *v;
    json_object_foreach(doc, name, v)
    {
        if (strcmp(name, "on_duty") != 0) {
            /* `name` belongs to `doc`: answer before letting it go. */
            a24_http_error(req, 400, "unknown_field",
                           "The request has a field answer24 does not know.", name);
            json_decref(doc);
            return;
        }
    }
    json_t *on = json_object_get(doc, "on_duty");
    if (on == NULL || !json_is_boolean(on)) {
        json_decref(doc);
        a24_http_error(req, 400, on == NULL ? "missing_field" : "wrong_type",
                       "on_duty must be true or false.", "on_duty");
        return;
    }
    bool going_on = json_is_true(on);
    json_decref(doc);

    duty_op_t *d = a24_op_start(app, req, sizeof *d);
    if (d == NULL)
        return;
    memcpy(d->username, staff->username, sizeof d->username);
    d->on = going_on;
    char cats[A24_ACCOUNT_LIST_MAX], langs[A24_ACCOUNT_LIST_MAX];
    a24_account_list_format(staff->categories, a24_categories, cats, sizeof cats);
    a24_account_list_format(staff->languages, a24_languages, langs, sizeof langs);
    a24_args_t args;
    a24_args_init(&args);
    a24_args_str(&args, d->username);
    a24_args_str(&args, going_on ? "on" : "off");
    a24_args_str(&args, cats);
    a24_args_str(&args, langs);
    a24_args_str(&args, "duty");
    a24_args_int(&args, app->cfg->routing.nudge);
    a24_op_script_or_respond(&d->op, "duty", &args, on_duty_reply);
}

/* HMGET's reply for GET /api/v1/me/duty: {on_duty, on_duty_since}. */
static void on_get_reply(a24_store_t *store, redisReply *r, void *privdata)
{
    (void)store;
    a24_op_t *op = privdata;
    if (!a24_op_array_or_respond(op, r, 0))
        return;
    size_t len;
    const char *on = a24_reply_str(r, 0, &len);
    bool is_on = on != NULL && len == 1 && on[0] == '1';
    a24_ms_t since = a24_reply_int(r, 1, 0);
    h2o_req_t *req = a24_op_take(op);
    if (req != NULL)
        a24_http_json(req, 200,
                      json_pack("{s:b, s:o}", "on_duty", is_on, "since",
                                is_on && since > 0 ? a24_http_time(since) : json_null()));
    a24_op_finish(op);
}

/* GET /api/v1/me/duty, signed in. */
static void on_get_authed(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                          const a24_staff_t *staff)
{
    (void)m;
    a24_op_t *op = a24_op_start(app, req, sizeof *op);
    if (op == NULL)
        return;
    char k_user[A24_KEY_MAX];
    a24_key(k_user, A24_KEY_USER, staff->username);
    if (a24_store_command(app->store, on_get_reply, op, "HMGET %s on_duty on_duty_since", k_user) !=
        0)
        a24_op_fail_unavailable(op);
}

/* PUT /api/v1/me/duty */
A24_STAFF_ROUTE(on_put_duty, A24_AUTH_TICKET_READ, on_put_authed)

/* GET /api/v1/me/duty */
A24_STAFF_ROUTE(on_get_duty, A24_AUTH_TICKET_READ, on_get_authed)

const a24_route_t a24_duty_routes[] = {
    {"PUT", "/api/v1/me/duty", on_put_duty, A24_ROUTE_JSON_BODY},
    {"GET", "/api/v1/me/duty", on_get_duty, 0},
    {NULL, NULL, NULL, 0},
};
