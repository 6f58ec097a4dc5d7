/*
 * auth: the staff check every staff endpoint runs first.
 *
 * A staff route handler hands its request to a24_auth_require with the roles it
 * admits. The check reads the Bearer token (A24_TOKEN_LEN characters of base64url; an
 * access code never has that shape and is refused before Redis is asked), looks the
 * session up under the token's keyed hash with one script (session_check.lua: refuse
 * an expired session or a disabled account, slide the idle expiry, return the
 * account as it is now), and then either calls the handler's continuation with the
 * request still live and the staff member filled in, or answers by itself:
 *   401 {"error": {"code": "unauthorized"}}  no token, a malformed one, or no session
 *   403 {"error": {"code": "forbidden"}}     the account's role is not admitted
 *   503 {"error": {"code": "unavailable"}}   Redis did not answer
 * Since the account is read at every request, disabling it or changing its role takes
 * effect at the next request; answer24ctl also deletes the sessions of a disabled
 * account or one with a new password and takes it off duty (user_update.lua). Event
 * streams outlive no session: sse.c re-checks theirs every A24_STREAM_RECHECK_MS.
 *
 * Roles (one A24_ROLE_* bit per account, account.h) and what each may do; routes
 * state their mask with the A24_AUTH_* masks below so the table stays in one place:
 *
 *   role        may
 *   expert      go on and off duty; see tickets offered to them, the pool of their
 *               categories and languages, and their own claims; claim, release,
 *               answer, write notes; decline an offer; raise a ticket to crisis (never
 *               lower one); transfer their claim to a colleague on duty who covers it;
 *               see the staff list (whom to transfer to)
 *   supervisor  read everything an expert may read, for every category and language
 *               (view=all); review, return, reassign; see and acknowledge alerts; see
 *               the staff list; lower a crisis (with a reason); override a transfer
 *               rule (off duty, not covering) with a reason. Never approve an answer
 *               they wrote themselves.
 *   oncall      see and acknowledge alerts (which carry no question text), the queue
 *               summary and the figures
 *   admin       manage accounts (answer24ctl) and see the staff list; no ticket text
 *
 * Reading is ordered supervisor ⊇ expert: a route that lets experts read must let
 * supervisors read too (A24_AUTH_TICKET_READ). Acting on a ticket as its claimer
 * stays with experts unless a route says otherwise.
 *
 * Sessions: idle timeout A24_SESSION_IDLE_MS (slides on use), absolute lifetime
 * A24_SESSION_ABSOLUTE_MS. These and the sign-in throttle are constants here for now;
 * they belong in the configuration (config.c) once its owner adds `sessions.*` keys.
 *
 * Must never: accept an access code as a token; log a token; call the continuation
 * after the client left, or answer a request the continuation has been given.
 */
#ifndef A24_AUTH_H
#define A24_AUTH_H

#include <stdbool.h>

#include "account.h"
#include "http.h"

/* ---------------------------------------------------------------- policy */

#define A24_SESSION_IDLE_MS (12 * 3600 * 1000LL)         /* 12 h without a request */
#define A24_SESSION_ABSOLUTE_MS (7 * 24 * 3600 * 1000LL) /* 7 d after sign-in, at most */
#define A24_SESSION_COOKIE "a24_session"                 /* for the SSE stream only */
#define A24_SESSION_COOKIE_PATH "/api/v1/events"

/*
 * Sign-in throttle: past the free failures in a window, each failure doubles a delay.
 * Failures count per client tag and per account-and-client, never per account alone:
 * the right password from one client is never refused because of guesses from others.
 */
#define A24_LOGIN_FREE_FAILURES_ACCOUNT 5 /* one account from one client */
#define A24_LOGIN_FREE_FAILURES_CLIENT 10 /* a client tag may be a whole ward behind NAT */
#define A24_LOGIN_DELAY_FIRST_MS 2000LL
#define A24_LOGIN_DELAY_MAX_MS (15 * 60 * 1000LL)
#define A24_LOGIN_WINDOW_MS (15 * 60 * 1000LL)
#define A24_LOGIN_MAX_VERIFYING 8 /* Argon2id checks in flight per process; more get 503 */

/*
 * A guessing storm: at least this many failures on one existing account from at least
 * this many client tags within the window raise one `security` alert to supervisors
 * (and no other until a window passes without failures); the account is never locked.
 */
#define A24_LOGIN_STORM_FAILURES 20
#define A24_LOGIN_STORM_CLIENTS 3
#define A24_LOGIN_STORM_WINDOW_MS (10 * 60 * 1000LL)

/* Open event streams are re-checked against their sessions this often (sse.c). */
#define A24_STREAM_RECHECK_MS 3000

/* Who may call what (see the table above). */
#define A24_AUTH_STAFF A24_ROLES_ANY
#define A24_AUTH_EXPERT_WORK A24_ROLE_EXPERT
#define A24_AUTH_TICKET_READ (A24_ROLE_EXPERT | A24_ROLE_SUPERVISOR)
#define A24_AUTH_SUPERVISE A24_ROLE_SUPERVISOR
#define A24_AUTH_ALERTS (A24_ROLE_ONCALL | A24_ROLE_SUPERVISOR)
#define A24_AUTH_STAFF_LIST (A24_ROLE_SUPERVISOR | A24_ROLE_ADMIN | A24_ROLE_EXPERT)

/* ---------------------------------------------------------------- the check */

/**
 * The signed-in staff member, as the account is now. Categories and languages are bit
 * sets: bit i stands for a24_categories[i] / a24_languages[i] (ticket.h); names the
 * tables no longer know are dropped. Valid only during the continuation: copy what
 * must outlive it.
 */
typedef struct {
    char username[A24_USERNAME_MAX + 1];
    unsigned role;       /* exactly one A24_ROLE_* bit */
    unsigned categories; /* bit i: a24_categories[i] */
    unsigned languages;  /* bit i: a24_languages[i] */
    char display_name[A24_DISPLAY_NAME_MAX_BYTES + 1];
    char session[A24_SESSION_ID_LEN + 1]; /* the session id (keyed hash), never the token */
    a24_ms_t expires_at;                  /* when the session ends unless used again */
} a24_staff_t;

/**
 * A staff route's continuation: runs on the loop with `req` live and unanswered; it
 * must answer it or start an operation on it (a24_op_start) before returning. `m` is a
 * copy of the route's captures, whose iovecs point into the request.
 */
typedef void (*a24_auth_fn)(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                            const a24_staff_t *staff);

/**
 * Checks the request's Bearer token and calls `on_authed` if its session is live and
 * its account's role is in `roles` (A24_ROLE_* bits or an A24_AUTH_* mask); otherwise
 * answers 401, 403 or 503 itself. The caller returns right after this call and never
 * touches `req` again.
 */
void a24_auth_require(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m, unsigned roles,
                      a24_auth_fn on_authed);

/**
 * a24_auth_require that, when there is no Authorization header, also takes the token
 * from the a24_session cookie. Only for GET routes under A24_SESSION_COOKIE_PATH (the
 * event stream, which an EventSource cannot give headers); the cookie is HttpOnly and
 * SameSite=Strict.
 */
void a24_auth_require_cookie(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                             unsigned roles, a24_auth_fn on_authed);

/**
 * Defines the route handler `fn`, which hands its request to a24_auth_require with
 * `roles` and goes on in `on_authed`: one line a staff route.
 */
#define A24_STAFF_ROUTE(fn, roles, on_authed)                                                      \
    static void fn(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m)                     \
    {                                                                                              \
        a24_auth_require(app, req, m, roles, on_authed);                                           \
    }

/** Answers 401 unauthorized with `WWW-Authenticate: Bearer`. */
void a24_auth_send_unauthorized(h2o_req_t *req);

/**
 * True if the staff member's categories include `category` and their languages
 * include `language` (names of `clen`/`llen` bytes). The role is not looked at:
 * whether a supervisor's view is filtered is the route's decision.
 */
bool a24_staff_covers(const a24_staff_t *s, const char *category, size_t clen, const char *language,
                      size_t llen);

#endif
