/*
 * auth: the Bearer check, the session lookup and the role gate of staff routes.
 *
 * One operation per check (auth_op_t): the route's continuation, its captures and the
 * admitted roles travel with it across the Redis round trip. The request is handed to
 * the continuation only through a24_op_take, so a client that left (HTTP/2 reset) or a
 * check that timed out never reaches it.
 *
 * Must never: send a token to Redis or a log (only its keyed hash goes anywhere); let
 * a role outside the mask through; answer a request after the continuation got it.
 */
#include "auth.h"

#include <string.h>

#include "keys.h"
#include "log.h"
#include "ticket.h"

typedef struct {
    a24_op_t op;
    a24_auth_fn on_authed;
    a24_route_match_t m;
    unsigned roles;
    a24_staff_t staff;
} auth_op_t;

/* ---------------------------------------------------------------- answers */

void a24_auth_send_unauthorized(h2o_req_t *req)
{
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE, NULL,
                   H2O_STRLIT("Bearer realm=\"answer24\""));
    a24_http_error(req, 401, "unauthorized", "Please sign in (again) to continue.", NULL);
}

/* Answers 403: signed in, but the role may not do this. */
static void send_forbidden(h2o_req_t *req)
{
    a24_http_error(req, 403, "forbidden", "Your role does not allow this.", NULL);
}

/* ---------------------------------------------------------------- tokens */

/* The value of the a24_session cookie, or an empty iovec (any Cookie header counts). */
static h2o_iovec_t session_cookie(h2o_req_t *req)
{
    static const char name[] = A24_SESSION_COOKIE "=";
    const size_t namelen = sizeof name - 1;
    for (ssize_t i = -1; (i = h2o_find_header(&req->headers, H2O_TOKEN_COOKIE, i)) != -1;) {
        h2o_iovec_t v = req->headers.entries[i].value;
        size_t p = 0;
        while (p < v.len) {
            while (p < v.len && (v.base[p] == ' ' || v.base[p] == ';'))
                p++;
            size_t end = p;
            while (end < v.len && v.base[end] != ';')
                end++;
            if (end - p > namelen && memcmp(v.base + p, name, namelen) == 0)
                return h2o_iovec_init(v.base + p + namelen, end - p - namelen);
            p = end;
        }
    }
    return h2o_iovec_init(NULL, 0);
}

/* ---------------------------------------------------------------- the check */

/* Copies reply element `i` into `out` (room for `size`); false if absent or too long. */
static bool copy_field(const redisReply *r, size_t i, char *out, size_t size)
{
    size_t len;
    const char *v = a24_reply_str(r, i, &len);
    if (v == NULL || len >= size)
        return false;
    memcpy(out, v, len);
    out[len] = '\0';
    return true;
}

/*
 * Fills the staff member from session_check.lua's {"ok", username, role, categories,
 * languages, display name, expires}. Returns 0, or -1 if the account is malformed.
 */
static int staff_from_reply(const redisReply *r, a24_staff_t *s)
{
    char role[16], list[A24_ACCOUNT_LIST_MAX];
    if (!copy_field(r, 1, s->username, sizeof s->username) ||
        !a24_account_username_valid(s->username, strlen(s->username)) ||
        !copy_field(r, 2, role, sizeof role) || (s->role = a24_role_parse(role, strlen(role))) == 0)
        return -1;
    s->categories = s->languages = 0;
    if (copy_field(r, 3, list, sizeof list))
        a24_account_list_parse(list, strlen(list), a24_categories, &s->categories);
    if (copy_field(r, 4, list, sizeof list))
        a24_account_list_parse(list, strlen(list), a24_languages, &s->languages);
    if (!copy_field(r, 5, s->display_name, sizeof s->display_name))
        s->display_name[0] = '\0';
    s->expires_at = a24_reply_int(r, 6, 0);
    return 0;
}

/* session_check.lua replied: answer 401/403/503, or hand the request on. */
static void on_check_reply(a24_op_t *op, const char *verdict, const redisReply *r)
{
    auth_op_t *a = (auth_op_t *)op;
    h2o_req_t *req = a24_op_take(&a->op);
    if (req == NULL) {
        /* The client left or the check timed out: nobody to hand the request to. */
    } else if (strcmp(verdict, "ok") != 0 || staff_from_reply(r, &a->staff) != 0) {
        a24_auth_send_unauthorized(req);
    } else if ((a->staff.role & a->roles) == 0) {
        a24_log_info("staff_forbidden", "{s:s, s:s}", "username", a->staff.username, "role",
                     a24_role_name(a->staff.role));
        send_forbidden(req);
    } else {
        a->on_authed(a->op.app, req, &a->m, &a->staff);
    }
    a24_op_finish(&a->op);
}

/* The common start of both checks, once the token has been found (or not). */
static void start_check(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m, unsigned roles,
                        a24_auth_fn on_authed, h2o_iovec_t token)
{
    char session[A24_SESSION_ID_LEN + 1];
    /* The shape is checked first: an access code, or anything else, never reaches Redis. */
    if (token.len == 0 ||
        a24_account_token_hash(&app->secrets, token.base, token.len, session) != 0) {
        a24_auth_send_unauthorized(req);
        return;
    }
    auth_op_t *a = a24_op_start(app, req, sizeof *a);
    if (a == NULL)
        return;
    a->on_authed = on_authed;
    a->m = *m; /* the iovecs point into the request, which outlives the check */
    a->roles = roles;
    memcpy(a->staff.session, session, sizeof session);
    a24_args_t args;
    a24_args_init(&args);
    a24_args_keyf(&args, A24_KEY_SESSION, session);
    a24_args_str(&args, A24_PREFIX_USER);
    a24_args_int(&args, (long long)A24_SESSION_IDLE_MS);
    a24_op_script_or_respond(&a->op, "session_check", &args, on_check_reply);
}

void a24_auth_require(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m, unsigned roles,
                      a24_auth_fn on_authed)
{
    start_check(app, req, m, roles, on_authed, a24_http_bearer(req));
}

void a24_auth_require_cookie(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                             unsigned roles, a24_auth_fn on_authed)
{
    h2o_iovec_t token = a24_http_bearer(req);
    if (h2o_find_header(&req->headers, H2O_TOKEN_AUTHORIZATION, -1) == -1)
        token = session_cookie(req);
    start_check(app, req, m, roles, on_authed, token);
}

/* The bit of `name` (`len` bytes) in the NULL-terminated `list`, or 0. */
static unsigned bit_of(const char *const *list, const char *name, size_t len)
{
    for (unsigned k = 0; list[k] != NULL && k < 32; k++)
        if (strlen(list[k]) == len && memcmp(list[k], name, len) == 0)
            return 1u << k;
    return 0;
}

bool a24_staff_covers(const a24_staff_t *s, const char *category, size_t clen, const char *language,
                      size_t llen)
{
    unsigned c = bit_of(a24_categories, category, clen);
    unsigned l = bit_of(a24_languages, language, llen);
    return c != 0 && l != 0 && (s->categories & c) != 0 && (s->languages & l) != 0;
}
