/*
 * http_session: staff sign-in and sign-out, and the first users of auth:
 *   POST   /api/v1/session  {"username", "password"} -> 200 {"token", "role", "expires_at",
 *                           "absolute_expires_at", "username", "display_name"}
 *   DELETE /api/v1/session  (Bearer token)           -> 204, the session is gone
 *   GET    /api/v1/me       (any role)               -> 200 the account as it is now
 *   GET    /api/v1/staff    (supervisor, admin)      -> 200 {"staff": [accounts]}
 *
 * A sign-in is three steps on one operation (login_op_t):
 *   1. session_begin.lua: refuse at once (429 + Retry-After) while this client is in a
 *      throttle delay, for this account (account-and-client) or for any (client tag);
 *      otherwise fetch the password hash ("" for an unknown or disabled account).
 *      Guesses from other clients never delay this one.
 *   2. Argon2id verification on the libuv threadpool (uv_queue_work): some 50-100 ms of
 *      CPU that must never run on the loop. An unknown or disabled account is checked
 *      against a dummy hash of the same cost, so every failure looks and takes the same.
 *   3. success: a new token; session_create.lua stores only its keyed hash and checks
 *      the account did not change meanwhile. failure: session_fail.lua counts it against
 *      the account-and-client and the client and watches the account for a guessing
 *      storm (one `security` alert to supervisors, never a lock), then the uniform 401.
 * The request may be gone when the verification ends: the operation (and the uv_work_t
 * inside it) lives until after_verify, and only a24_op_take hands the request back.
 *
 * Must never: log or store a token or a password (only the token's keyed hash goes to
 * Redis); tell an unknown account from a wrong password by body, status or time; run
 * Argon2id on the event loop; lock an account for good.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "clock.h"
#include "keys.h"
#include "log.h"
#include "ticket.h"

/* The account and throttle name used when the username cannot be an account. */
#define NO_USER "!"

typedef struct {
    a24_op_t op;
    uv_work_t work;
    char username[A24_USERNAME_MAX + 1]; /* lower-cased; NO_USER if it cannot be one */
    char tag[A24_TAG_LEN + 1];
    char *password; /* wiped and freed by login_dispose */
    size_t password_len;
    char stored[A24_PWHASH_LEN]; /* "" for an unknown or disabled account */
    bool verified;               /* set by the worker thread */
    char token[A24_TOKEN_LEN + 1];
    char session[A24_SESSION_ID_LEN + 1];
} login_op_t;

/* ---------------------------------------------------------------- shared pieces */

/* Adds Set-Cookie for the event stream: the token, or an expired empty one; Secure when
 * the public origin is https. */
static void set_cookie(a24_app_t *app, h2o_req_t *req, const char *token, long long max_age_s)
{
    char buf[256];
    int n = snprintf(buf, sizeof buf, "%s=%s; HttpOnly; SameSite=Strict; Path=%s; Max-Age=%lld%s",
                     A24_SESSION_COOKIE, token, A24_SESSION_COOKIE_PATH, max_age_s,
                     a24_http_https(app) ? "; Secure" : "");
    h2o_iovec_t v = h2o_strdup(&req->pool, buf, (size_t)n);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_SET_COOKIE, NULL, v.base, v.len);
    sodium_memzero(buf, sizeof buf);
}

/* The one answer to every failed sign-in. */
static void send_bad_credentials(h2o_req_t *req)
{
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE, NULL,
                   H2O_STRLIT("Bearer realm=\"answer24\""));
    a24_http_error(req, 401, "bad_credentials", "The username or the password is wrong.", NULL);
}

/* Answers 503 with a short Retry-After: too many sign-ins are being checked right now. */
static void send_busy(h2o_req_t *req)
{
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL, H2O_STRLIT("1"));
    a24_http_error(req, 503, "busy", "Too many sign-ins at once; please try again in a moment.",
                   NULL);
}

/* Answers 429 with Retry-After (whole seconds, rounded up): wait before trying again. */
static void send_throttled(h2o_req_t *req, long long ms)
{
    char buf[24];
    int n = snprintf(buf, sizeof buf, "%lld", ms <= 0 ? 1 : (ms + 999) / 1000);
    h2o_iovec_t v = h2o_strdup(&req->pool, buf, (size_t)n);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL, v.base, v.len);
    a24_http_error(req, 429, "rate_limited",
                   "Too many failed sign-ins; please wait a moment and try again.", NULL);
}

/* ---------------------------------------------------------------- sign-in */

/* Wipes the secrets the sign-in held. */
static void login_dispose(a24_op_t *op)
{
    login_op_t *l = (login_op_t *)op;
    if (l->password != NULL) {
        sodium_memzero(l->password, l->password_len);
        free(l->password);
    }
    sodium_memzero(l->token, sizeof l->token);
    sodium_memzero(l->stored, sizeof l->stored);
}

/* session_create.lua replied: hand out the token, or refuse if the account changed. */
static void on_create_reply(a24_op_t *op, const char *verdict, const redisReply *r)
{
    login_op_t *l = (login_op_t *)op;
    h2o_req_t *req = a24_op_take(&l->op);
    if (strcmp(verdict, "ok") != 0) {
        a24_log_info("staff_sign_in_refused", "{s:s}", "reason", "account_changed");
        if (req != NULL)
            send_bad_credentials(req);
        a24_op_finish(&l->op);
        return;
    }
    size_t rlen, dlen;
    const char *role = a24_reply_str(r, 1, &rlen);
    const char *display = a24_reply_str(r, 2, &dlen);
    a24_log_info("staff_signed_in", "{s:s, s:s%}", "username", l->username, "role",
                 role != NULL ? role : "", rlen);
    if (req != NULL) {
        set_cookie(l->op.app, req, l->token, A24_SESSION_ABSOLUTE_MS / 1000);
        a24_http_json(req, 200,
                      json_pack("{s:s, s:s%, s:o, s:o, s:s, s:s%}", "token", l->token, "role",
                                role != NULL ? role : "", rlen, "expires_at",
                                a24_http_time(a24_reply_int(r, 3, 0)), "absolute_expires_at",
                                a24_http_time(a24_reply_int(r, 4, 0)), "username", l->username,
                                "display_name", display != NULL ? display : "", dlen));
    }
    a24_op_finish(&l->op);
}

/* session_fail.lua replied: the failure is counted; now the uniform 401. */
static void on_fail_reply(a24_store_t *store, redisReply *r, void *privdata)
{
    (void)store;
    login_op_t *l = privdata;
    if (a24_reply_failed(r)) {
        a24_op_fail_unavailable(&l->op);
        return;
    }
    /* No username: a person may have typed their password into that field. */
    a24_log_info("staff_sign_in_failed", NULL);
    size_t len;
    const char *storm = a24_reply_str(r, 2, &len);
    if (storm != NULL && len == 1 && storm[0] == '1')
        a24_log_warn("security_alert_raised", "{s:s}", "reason", "password_guessing");
    h2o_req_t *req = a24_op_take(&l->op);
    if (req != NULL)
        send_bad_credentials(req);
    a24_op_finish(&l->op);
}

/* Adds the throttle keys of the attempt: the account from this client, then (with
 * `client`) the client. */
static void add_fail_keys(a24_args_t *a, const login_op_t *l, bool client)
{
    char pair[A24_USERNAME_MAX + A24_TAG_LEN + 2];
    snprintf(pair, sizeof pair, "%s/%s", l->username, l->tag);
    a24_args_keyf(a, A24_KEY_LOGIN_FAIL, "account", pair);
    if (client)
        a24_args_keyf(a, A24_KEY_LOGIN_FAIL, "client", l->tag);
}

/* Counts a failed attempt; 0, or -1 if Redis is not there. */
static int count_failure(login_op_t *l)
{
    a24_args_t a;
    a24_args_init(&a);
    add_fail_keys(&a, l, true);
    a24_args_keyf(&a, A24_KEY_LOGIN_FAIL, "storm", l->username);
    a24_args_keyf(&a, A24_KEY_LOGIN_FAIL, "storm_clients", l->username);
    a24_args_keyf(&a, A24_KEY_LOGIN_FAIL, "storm_alerted", l->username);
    a24_args_keyf(&a, A24_KEY_USER, l->username);
    a24_args_int(&a, A24_LOGIN_FREE_FAILURES_ACCOUNT);
    a24_args_int(&a, A24_LOGIN_FREE_FAILURES_CLIENT);
    a24_args_int(&a, A24_LOGIN_DELAY_FIRST_MS);
    a24_args_int(&a, A24_LOGIN_DELAY_MAX_MS);
    a24_args_int(&a, A24_LOGIN_WINDOW_MS);
    a24_args_str(&a, l->username);
    a24_args_str(&a, l->tag);
    a24_args_int(&a, A24_LOGIN_STORM_FAILURES);
    a24_args_int(&a, A24_LOGIN_STORM_CLIENTS);
    a24_args_int(&a, A24_LOGIN_STORM_WINDOW_MS);
    return a24_store_fcall(l->op.app->store, "session_fail", &a, on_fail_reply, l);
}

/* Makes the session of a verified sign-in; 0, or -1 if Redis is not there. */
static int create_session(login_op_t *l)
{
    a24_app_t *app = l->op.app;
    a24_account_token_new(l->token);
    if (a24_account_token_hash(&app->secrets, l->token, A24_TOKEN_LEN, l->session) != 0)
        return -1;
    a24_args_t a;
    a24_args_init(&a);
    a24_args_keyf(&a, A24_KEY_SESSION, l->session);
    a24_args_keyf(&a, A24_KEY_USER_SESSIONS, l->username);
    a24_args_keyf(&a, A24_KEY_USER, l->username);
    add_fail_keys(&a, l, false);
    a24_args_str(&a, l->username);
    a24_args_str(&a, l->stored);
    a24_args_int(&a, (long long)A24_SESSION_IDLE_MS);
    a24_args_int(&a, (long long)A24_SESSION_ABSOLUTE_MS);
    a24_args_str(&a, l->session);
    a24_args_str(&a, A24_PREFIX_SESSION);
    return a24_op_script(&l->op, "session_create", &a, on_create_reply);
}

/* Worker thread: the Argon2id check. Touches only the operation's own secrets. */
static void do_verify(uv_work_t *w)
{
    login_op_t *l = w->data;
    l->verified = a24_account_password_verify(l->stored[0] != '\0' ? l->stored : NULL, l->password,
                                              l->password_len);
    sodium_memzero(l->password, l->password_len);
}

/* Back on the loop after the check: create the session or count the failure. */
static void after_verify(uv_work_t *w, int status)
{
    login_op_t *l = w->data;
    l->op.app->verifying--;                        /* only ever touched on the loop */
    if (status != 0 || l->op.app->store == NULL) { /* cancelled, or shutting down */
        a24_op_fail_unavailable(&l->op);
        return;
    }
    int rc;
    a24_op_rearm(&l->op);
    if (l->verified) {
        if (l->op.req == NULL) { /* nobody is left to take the token */
            a24_op_finish(&l->op);
            return;
        }
        rc = create_session(l);
    } else {
        rc = count_failure(l); /* counted even if the client left */
    }
    if (rc != 0)
        a24_op_fail_unavailable(&l->op);
}

/* session_begin.lua replied: throttled, or go and verify. */
static void on_begin_reply(a24_op_t *op, const char *verdict, const redisReply *r)
{
    login_op_t *l = (login_op_t *)op;
    size_t len;
    if (strcmp(verdict, "limited") == 0) {
        a24_log_info("staff_sign_in_throttled", NULL);
        h2o_req_t *req = a24_op_take(&l->op);
        if (req != NULL)
            send_throttled(req, a24_reply_int(r, 1, A24_LOGIN_DELAY_FIRST_MS));
        a24_op_finish(&l->op);
        return;
    }
    const char *stored = a24_reply_str(r, 1, &len);
    if (stored != NULL && len > 0 && len < sizeof l->stored)
        memcpy(l->stored, stored, len);
    if (l->op.req == NULL) { /* the client left: spare the CPU */
        a24_op_finish(&l->op);
        return;
    }
    if (l->op.app->verifying >= A24_LOGIN_MAX_VERIFYING) {
        h2o_req_t *req = a24_op_take(&l->op);
        send_busy(req);
        a24_op_finish(&l->op);
        return;
    }
    l->work.data = l;
    a24_op_hold(&l->op); /* the check is CPU, not Redis: its time is not Redis' */
    if (uv_queue_work(l->op.app->loop, &l->work, do_verify, after_verify) != 0) {
        a24_op_fail_unavailable(&l->op);
        return;
    }
    l->op.app->verifying++;
}

/* Reads {"username", "password"}; 0, or -1 after answering 400. */
static int read_credentials_or_respond(h2o_req_t *req, json_t **doc, const char **user,
                                       size_t *ulen, const char **pw, size_t *pwlen)
{
    a24_error_t err;
    *doc = a24_codec_object(req->entity.base, req->entity.len, &err);
    if (*doc == NULL) {
        a24_http_send_error(req, &err);
        return -1;
    }
    static const char *const names[] = {"username", "password"};
    const char **out[] = {user, pw};
    size_t *lens[] = {ulen, pwlen};
    for (int i = 0; i < 2; i++) {
        json_t *v = json_object_get(*doc, names[i]);
        if (v == NULL || !json_is_string(v)) {
            a24_http_error(req, 400, v == NULL ? "missing_field" : "wrong_type",
                           v == NULL ? "A required field is missing."
                                     : "This field must be a string.",
                           names[i]);
            json_decref(*doc);
            *doc = NULL;
            return -1;
        }
        *out[i] = json_string_value(v);
        *lens[i] = json_string_length(v);
    }
    return 0;
}

/* POST /api/v1/session */
static void on_sign_in(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m)
{
    (void)m;
    json_t *doc;
    const char *user, *pw;
    size_t ulen, pwlen;
    if (read_credentials_or_respond(req, &doc, &user, &ulen, &pw, &pwlen) != 0)
        return;
    if (app->verifying >= A24_LOGIN_MAX_VERIFYING) {
        json_decref(doc);
        send_busy(req);
        return;
    }
    login_op_t *l = a24_op_start_with(app, req, sizeof *l, login_dispose);
    if (l == NULL) {
        json_decref(doc);
        return;
    }
    l->password = malloc(pwlen + 1);
    if (l->password == NULL) {
        json_decref(doc);
        a24_op_fail_unavailable(&l->op);
        return;
    }
    memcpy(l->password, pw, pwlen);
    l->password_len = pwlen;
    /* Usernames are lower case; a name that cannot be one is still checked (dummy). */
    snprintf(l->username, sizeof l->username, "%s", NO_USER);
    if (ulen <= A24_USERNAME_MAX) {
        char lower[A24_USERNAME_MAX + 1];
        for (size_t i = 0; i < ulen; i++)
            lower[i] = user[i] >= 'A' && user[i] <= 'Z' ? (char)(user[i] - 'A' + 'a') : user[i];
        lower[ulen] = '\0';
        if (a24_account_username_valid(lower, ulen))
            memcpy(l->username, lower, ulen + 1);
    }
    json_decref(doc); /* Jansson frees its copy of the password without wiping it */
    a24_http_client_tag(app, req, l->tag);

    a24_args_t a;
    a24_args_init(&a);
    a24_args_keyf(&a, A24_KEY_USER, l->username);
    add_fail_keys(&a, l, true);
    a24_op_script_or_respond(&l->op, "session_begin", &a, on_begin_reply);
}

/* ---------------------------------------------------------------- sign-out */

/* session_end.lua replied: {"ok", handed back} if there was a session, else {"none"}. */
static void on_delete_reply(a24_op_t *op, const char *verdict, const redisReply *r)
{
    bool ended = strcmp(verdict, "ok") == 0;
    h2o_req_t *req = a24_op_take(op);
    if (ended)
        a24_log_info("staff_signed_out", "{s:I}", "handed_back",
                     (json_int_t)a24_reply_int(r, 1, 0));
    if (req != NULL && ended) {
        set_cookie(op->app, req, "", 0);
        a24_http_empty(req, 204);
    } else if (req != NULL) {
        a24_auth_send_unauthorized(req);
    }
    a24_op_finish(op);
}

/*
 * DELETE /api/v1/session: ends the session of the Bearer token; the last session of an
 * account takes it off duty (session_end.lua), and the session's event streams close
 * at the next re-check (sse.c).
 */
static void on_sign_out(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m)
{
    (void)m;
    h2o_iovec_t token = a24_http_bearer(req);
    char session[A24_SESSION_ID_LEN + 1];
    if (a24_account_token_hash(&app->secrets, token.base, token.len, session) != 0) {
        a24_auth_send_unauthorized(req);
        return;
    }
    a24_args_t a;
    a24_args_init(&a);
    a24_args_str(&a, session);
    a24_op_run_or_respond(app, req, "session_end", &a, on_delete_reply);
}

/* ---------------------------------------------------------------- me and staff */

/* GET /api/v1/me, once signed in: the account as it is now. */
static void on_me_authed(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                         const a24_staff_t *staff)
{
    (void)app, (void)m;
    a24_http_json(req, 200,
                  json_pack("{s:s, s:s, s:o, s:o, s:s, s:o}", "username", staff->username, "role",
                            a24_role_name(staff->role), "categories",
                            a24_account_list_json(staff->categories, a24_categories), "languages",
                            a24_account_list_json(staff->languages, a24_languages), "display_name",
                            staff->display_name, "expires_at", a24_http_time(staff->expires_at)));
}

/* GET /api/v1/me */
A24_STAFF_ROUTE(on_me, A24_AUTH_STAFF, on_me_authed)

/* user_list.lua replied for the staff list. */
static json_t *staff_json(a24_op_t *op, const redisReply *r)
{
    (void)op;
    json_t *staff = a24_account_rows_json(r);
    return staff != NULL ? json_pack("{s:o}", "staff", staff) : NULL;
}

/* GET /api/v1/staff, once signed in as a supervisor or an admin. */
static void on_staff_authed(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                            const a24_staff_t *staff)
{
    (void)m, (void)staff;
    a24_args_t a;
    a24_args_init(&a);
    a24_args_key(&a, A24_KEY_USERS);
    a24_args_str(&a, A24_PREFIX_USER);
    a24_op_read_json_or_respond(app, req, "user_list", &a, 0, staff_json);
}

/* GET /api/v1/staff: who works at the desk (for reassigning and for account checks). */
A24_STAFF_ROUTE(on_staff, A24_AUTH_STAFF_LIST, on_staff_authed)

const a24_route_t a24_session_routes[] = {
    {"POST", "/api/v1/session", on_sign_in, A24_ROUTE_JSON_BODY},
    {"DELETE", "/api/v1/session", on_sign_out, 0},
    {"GET", "/api/v1/me", on_me, 0},
    {"GET", "/api/v1/staff", on_staff, 0},
    {NULL, NULL, NULL, 0},
};
