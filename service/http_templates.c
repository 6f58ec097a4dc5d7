/*
 * http_templates: answer templates, the texts experts start an answer from.
 *
 *   GET    /api/v1/templates?language=&category=   experts and supervisors
 *   PUT    /api/v1/templates/{id}                   supervisors
 *   DELETE /api/v1/templates/{id}                   supervisors
 *
 * Templates are the desk's own wording (never a citizen's text) and are stored as
 * written; each change names who made it.
 *
 * Must never: accept a template id outside [a-z0-9._-]{1,64}; answer before the script
 * confirmed.
 */
#include <string.h>

#include "auth.h"
#include "log.h"
#include "staff_body.h"
#include "ticket.h"

#define TITLE_MAX_CHARS 200
#define TEMPLATE_ID_MAX 64

typedef struct {
    a24_op_t op;
    json_t *body; /* the template as stored, less what the script adds */
    char id[TEMPLATE_ID_MAX + 1];
} tpl_op_t;

/* Releases the body a put keeps for its answer. */
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
    json_object_set_new(t, "updated_by", a24_json_str_or_null(v, len));
    return t;
}

/* template_list.lua replied: one flat field list per template. */
static json_t *tpl_list_json(a24_op_t *op, const redisReply *r)
{
    (void)op;
    json_t *list = json_array();
    for (size_t i = 0; i < r->elements; i++)
        json_array_append_new(list, template_json(r->element[i]));
    return json_pack("{s:o}", "templates", list);
}

/* GET /api/v1/templates?language=&category=, signed in. */
static void on_tpl_list_authed(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                               const a24_staff_t *staff)
{
    (void)m, (void)staff;
    size_t llen, clen;
    const char *language = a24_query_value(req, "language", &llen);
    const char *category = a24_query_value(req, "category", &clen);
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
    a24_args_t a;
    a24_args_init(&a);
    a24_args_bin(&a, language, llen);
    a24_args_bin(&a, category, clen);
    a24_op_read_json_or_respond(app, req, "template_list", &a, 0, tpl_list_json);
}

/* template_put.lua replied: {"created" | "updated", ms}. */
static void on_tpl_put_reply(a24_op_t *op, const char *verdict, const redisReply *r)
{
    tpl_op_t *t = (tpl_op_t *)op;
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
    json_t *doc = a24_body_object_or_respond(req, known);
    if (doc == NULL)
        return;
    a24_error_t err;
    const char *lang, *cat, *title, *text;
    size_t llen, clen, tlen, xlen;
    if (a24_body_string(doc, "language", true, 16, &lang, &llen, &err) != 0 ||
        a24_body_string(doc, "category", true, 16, &cat, &clen, &err) != 0 ||
        a24_body_string(doc, "title", true, TITLE_MAX_CHARS, &title, &tlen, &err) != 0 ||
        a24_body_string(doc, "text", true, A24_TEXT_MAX_CHARS, &text, &xlen, &err) != 0) {
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
        tpl_op_t *t = a24_op_start_with(app, req, sizeof *t, tpl_dispose);
        if (t != NULL) {
            memcpy(t->id, id.base, id.len);
            t->body = json_pack("{s:s, s:s%, s:s%, s:s%, s:s%, s:s}", "id", t->id, "language", lang,
                                llen, "category", cat, clen, "title", title, tlen, "text", text,
                                xlen, "updated_by", staff->username);
            a24_args_t a;
            a24_args_init(&a);
            a24_args_bin(&a, t->id, id.len);
            a24_args_bin(&a, lang, llen);
            a24_args_bin(&a, cat, clen);
            a24_args_bin(&a, title, tlen);
            a24_args_bin(&a, text, xlen);
            a24_args_str(&a, staff->username);
            if (t->body == NULL)
                a24_args_dispose(&a); /* the call below is not made */
            if (t->body == NULL || a24_op_script(&t->op, "template_put", &a, on_tpl_put_reply) != 0)
                a24_op_fail_unavailable(&t->op);
            else
                a24_log_info("template_put", "{s:s, s:s}", "template", t->id, "username",
                             staff->username);
        }
    }
    json_decref(doc);
}

/* template_delete.lua replied: {"ok"} | {"missing"}. */
static void on_tpl_delete_reply(a24_op_t *op, const char *verdict, const redisReply *r)
{
    (void)r;
    h2o_req_t *req = a24_op_take(op);
    if (req != NULL && strcmp(verdict, "ok") == 0)
        a24_http_empty(req, 204);
    else if (req != NULL)
        a24_http_error(req, 404, "not_found", "There is no such template.", NULL);
    a24_op_finish(op);
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
    a24_args_t a;
    a24_args_init(&a);
    a24_args_bin(&a, id.base, id.len);
    a24_args_str(&a, staff->username);
    a24_op_run_or_respond(app, req, "template_delete", &a, on_tpl_delete_reply);
}

/* Each route names the roles it admits (auth.h) and its continuation. */
A24_STAFF_ROUTE(on_tpl_list, A24_AUTH_TICKET_READ, on_tpl_list_authed)
A24_STAFF_ROUTE(on_tpl_put, A24_AUTH_SUPERVISE, on_tpl_put_authed)
A24_STAFF_ROUTE(on_tpl_delete, A24_AUTH_SUPERVISE, on_tpl_delete_authed)

const a24_route_t a24_template_routes[] = {
    {"GET", "/api/v1/templates", on_tpl_list, 0},
    {"PUT", "/api/v1/templates/*", on_tpl_put, A24_ROUTE_JSON_BODY},
    {"DELETE", "/api/v1/templates/*", on_tpl_delete, 0},
    {NULL, NULL, NULL, 0},
};
