/*
 * user: `answer24ctl user add|list|disable|enable|passwd`, the staff accounts.
 *
 * The rules (names, roles, lists, passwords) are account.h's; the writes are the
 * user_*.lua scripts, which also append every change to the admin audit list
 * (a24:audit:admin, "<ms> cli <event> <username>") in the same step. Disabling an
 * account or setting a new password ends all its sessions at once.
 *
 * Must never: take a password from the command line or the environment, echo it,
 * print a password hash, or leave a password in memory it does not wipe.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "account.h"
#include "codec.h"
#include "ctl.h"
#include "keys.h"
#include "ticket.h"

#define ACTOR "cli"

/* The subcommands, as bits, so the option table can say which takes what. */
enum { CMD_ADD = 1, CMD_LIST = 2, CMD_DISABLE = 4, CMD_ENABLE = 8, CMD_PASSWD = 16 };

typedef struct {
    const char *username, *role, *categories, *languages, *display_name, *format;
    bool password_stdin;
} user_args_t;

/* ---------------------------------------------------------------- arguments */

/*
 * Reads the options after `user <sub>` into `a`, accepting only those of `cmd` and at
 * most one positional word (the username of disable, enable and passwd). Returns 0, or
 * -1 after a line on stderr.
 */
static int parse_args(int argc, char **argv, unsigned cmd, user_args_t *a)
{
    const struct {
        const char *name;
        const char **value; /* NULL: a flag */
        unsigned cmds;
    } opts[] = {
        {"--username", &a->username, CMD_ADD | CMD_DISABLE | CMD_ENABLE | CMD_PASSWD},
        {"--role", &a->role, CMD_ADD},
        {"--categories", &a->categories, CMD_ADD},
        {"--languages", &a->languages, CMD_ADD},
        {"--display-name", &a->display_name, CMD_ADD},
        {"--format", &a->format, CMD_LIST},
        {"--password-stdin", NULL, CMD_ADD | CMD_PASSWD},
    };
    const size_t nopts = sizeof opts / sizeof opts[0];
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        if (arg[0] != '-' && (cmd & (CMD_DISABLE | CMD_ENABLE | CMD_PASSWD)) &&
            a->username == NULL) {
            a->username = arg;
            continue;
        }
        const char *eq = strchr(arg, '=');
        size_t namelen = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
        size_t k = 0;
        while (k < nopts && !(strlen(opts[k].name) == namelen &&
                              memcmp(opts[k].name, arg, namelen) == 0 && (opts[k].cmds & cmd)))
            k++;
        if (k == nopts) {
            fprintf(stderr, "answer24ctl: user %s: unexpected \"%s\" (try --help)\n", argv[1], arg);
            return -1;
        }
        if (opts[k].value == NULL) {
            if (eq != NULL) {
                fprintf(stderr, "answer24ctl: %s takes no value\n", opts[k].name);
                return -1;
            }
            a->password_stdin = true;
        } else if (eq != NULL) {
            *opts[k].value = eq + 1;
        } else if (i + 1 < argc) {
            *opts[k].value = argv[++i];
        } else {
            fprintf(stderr, "answer24ctl: %s needs a value\n", opts[k].name);
            return -1;
        }
    }
    return 0;
}

/* Checks the username given to any subcommand; false after a line on stderr. */
static bool username_ok(const char *name)
{
    if (name == NULL) {
        fprintf(stderr, "answer24ctl: a username is needed (try --help)\n");
        return false;
    }
    if (!a24_account_username_valid(name, strlen(name))) {
        fprintf(stderr,
                "answer24ctl: \"%s\" is not a valid username: 1 to %d characters of a-z, 0-9, "
                "'.', '_' and '-'\n",
                name, A24_USERNAME_MAX);
        return false;
    }
    return true;
}

/* Reads a comma list of `what` against `allowed`; -1 after a line on stderr. */
static int parse_list(const char *text, const char *const *allowed, const char *what,
                      unsigned *bits)
{
    if (text == NULL) {
        *bits = 0;
        return 0;
    }
    if (a24_account_list_parse(text, strlen(text), allowed, bits) == 0)
        return 0;
    char known[A24_ACCOUNT_LIST_MAX];
    a24_account_list_format(~0u, allowed, known, sizeof known);
    fprintf(stderr, "answer24ctl: --%s: \"%s\" is not a comma list of %s\n", what, text, known);
    return -1;
}

/* ---------------------------------------------------------------- passwords */

/* Reads one line from stdin into `out` (room for max + 1); its length, or -1 if too long. */
static long read_line(char *out, size_t max)
{
    size_t n = 0;
    bool overflow = false;
    int ch;
    while ((ch = getchar()) != EOF && ch != '\n') {
        if (n < max)
            out[n++] = (char)ch;
        else
            overflow = true;
    }
    if (n > 0 && out[n - 1] == '\r')
        n--;
    out[n] = '\0';
    if (ch == EOF && n == 0 && !overflow)
        return -2; /* nothing at all */
    return overflow ? -1 : (long)n;
}

/* Reads a line with the terminal's echo off when stdin is one, prompting on stderr. */
static long read_secret(char *out, size_t max, const char *prompt)
{
    struct termios old, quiet;
    bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty) {
        fprintf(stderr, "%s", prompt);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    long n = read_line(out, max);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    return n;
}

/*
 * Reads the new password (the first line of stdin; asked twice on a terminal), checks
 * it and hashes it into `hash`; `given`: --password-stdin was given, as it must be.
 * Returns 0, or -1 after a line on stderr.
 */
static int password_from_stdin(bool given, char hash[A24_PWHASH_LEN])
{
    if (!given) {
        fprintf(stderr, "answer24ctl: --password-stdin is required: the password is read from "
                        "stdin, never from the command line\n");
        return -1;
    }
    static char pw[A24_PASSWORD_MAX_BYTES + 1], again[A24_PASSWORD_MAX_BYTES + 1];
    int rc = -1;
    const char *why = NULL;
    long n = read_secret(pw, A24_PASSWORD_MAX_BYTES, "New password: ");
    if (n == -2) {
        fprintf(stderr, "answer24ctl: no password on stdin (give it as the first line)\n");
        goto out;
    }
    if (n < 0 || a24_account_password_check(pw, (size_t)n, &why) != 0) {
        fprintf(stderr, "answer24ctl: password refused: %s\n",
                n < 0 ? "the password is longer than 1024 bytes" : why);
        goto out;
    }
    if (isatty(STDIN_FILENO)) {
        long m = read_secret(again, A24_PASSWORD_MAX_BYTES, "Again: ");
        if (m != n || sodium_memcmp(pw, again, (size_t)n) != 0) {
            fprintf(stderr, "answer24ctl: the two passwords differ; nothing was changed\n");
            goto out;
        }
    }
    if (a24_account_password_hash(pw, (size_t)n, hash) != 0) {
        fprintf(stderr, "answer24ctl: hashing the password failed (out of memory?)\n");
        goto out;
    }
    rc = 0;
out:
    sodium_memzero(pw, sizeof pw);
    sodium_memzero(again, sizeof again);
    return rc;
}

/* The first word of a script's reply ("ok", "exists", ...), or "" if there is none. */
static const char *verdict(const redisReply *r)
{
    if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements == 0 ||
        r->element[0]->type != REDIS_REPLY_STRING)
        return "";
    return r->element[0]->str;
}

/* ---------------------------------------------------------------- add */

/*
 * Checks the options of `user add`: its role, categories and languages into the
 * arguments, and the display name. 0, or -1 after one line on stderr.
 */
static int add_options(const user_args_t *a, unsigned *role, unsigned *cats, unsigned *langs)
{
    if (!username_ok(a->username))
        return -1;
    if (a->role == NULL || (*role = a24_role_parse(a->role, strlen(a->role))) == 0) {
        fprintf(stderr, "answer24ctl: --role must be expert, supervisor, oncall or admin\n");
        return -1;
    }
    if (parse_list(a->categories, a24_categories, "categories", cats) != 0 ||
        parse_list(a->languages, a24_languages, "languages", langs) != 0)
        return -1;
    const char *display = a->display_name != NULL ? a->display_name : a->username;
    json_t *probe = json_string(display); /* NULL for invalid UTF-8 */
    a24_error_t err;
    bool display_ok = probe != NULL && strlen(display) <= A24_DISPLAY_NAME_MAX_BYTES &&
                      a24_codec_check_text(display, strlen(display), A24_DISPLAY_NAME_MAX_CHARS,
                                           "display_name", &err) == 0;
    json_decref(probe);
    if (!display_ok) {
        fprintf(stderr,
                "answer24ctl: --display-name must be 1 to %d characters of UTF-8 text "
                "without control characters\n",
                A24_DISPLAY_NAME_MAX_CHARS);
        return -1;
    }
    return 0;
}

/* `user add`: validates everything, then creates the account in one script. */
static int cmd_add(const a24_config_t *cfg, const user_args_t *a)
{
    unsigned role, cats, langs;
    char hash[A24_PWHASH_LEN];
    if (add_options(a, &role, &cats, &langs) != 0 ||
        password_from_stdin(a->password_stdin, hash) != 0)
        return A24_CTL_USAGE;
    char cats_text[A24_ACCOUNT_LIST_MAX], langs_text[A24_ACCOUNT_LIST_MAX];
    a24_account_list_format(cats, a24_categories, cats_text, sizeof cats_text);
    a24_account_list_format(langs, a24_languages, langs_text, sizeof langs_text);
    a24_args_t args;
    a24_args_init(&args);
    a24_args_keyf(&args, A24_KEY_USER, a->username);
    a24_args_key(&args, A24_KEY_USERS);
    a24_args_key(&args, A24_KEY_AUDIT_ADMIN);
    a24_args_str(&args, a->username);
    a24_args_str(&args, a24_role_name(role));
    a24_args_str(&args, cats_text);
    a24_args_str(&args, langs_text);
    a24_args_str(&args, a->display_name != NULL ? a->display_name : a->username);
    a24_args_str(&args, hash);
    a24_args_str(&args, ACTOR);
    sodium_memzero(hash, sizeof hash); /* the arguments hold their own copy */
    redisReply *r = a24_ctl_call(cfg, "user_add", &args);
    int status = A24_CTL_USAGE;
    if (strcmp(verdict(r), "ok") == 0) {
        printf("added %s \"%s\"\n", a24_role_name(role), a->username);
        if (role == A24_ROLE_EXPERT && (cats == 0 || langs == 0))
            fprintf(stderr, "answer24ctl: note: an expert without --categories and --languages "
                            "is offered no questions\n");
        status = A24_CTL_OK;
    } else if (strcmp(verdict(r), "exists") == 0) {
        fprintf(stderr, "answer24ctl: user \"%s\" already exists; nothing was changed\n",
                a->username);
        status = A24_CTL_REFUSED;
    } else if (r != NULL) {
        fprintf(stderr, "answer24ctl: unexpected reply from Redis\n");
    }
    freeReplyObject(r);
    return status;
}

/* ---------------------------------------------------------------- list */

/* Joins a JSON array of names with commas into `out`; "-" for an empty one. */
static void join_names(const json_t *arr, char *out, size_t outlen)
{
    size_t used = 0;
    size_t i;
    json_t *v;
    out[0] = '\0';
    json_array_foreach(arr, i, v)
    {
        int n = snprintf(out + used, outlen - used, "%s%s", i > 0 ? "," : "", json_string_value(v));
        if (n < 0 || (size_t)n >= outlen - used)
            break;
        used += (size_t)n;
    }
    if (used == 0)
        snprintf(out, outlen, "-");
}

/* Prints the accounts (a24_account_rows_json) as a table with aligned columns; -1 if no memory. */
static int print_table(const json_t *users)
{
    static const char *const heads[] = {"USERNAME", "ROLE", "CATEGORIES", "LANGUAGES", "DISABLED"};
    size_t n = json_array_size(users);
    char(*cells)[5][A24_ACCOUNT_LIST_MAX] = calloc(n + 1, sizeof *cells);
    if (cells == NULL) {
        fprintf(stderr, "answer24ctl: out of memory\n");
        return -1;
    }
    int width[5] = {0};
    for (size_t i = 0; i <= n; i++) {
        if (i == 0) {
            for (int k = 0; k < 5; k++)
                snprintf(cells[0][k], A24_ACCOUNT_LIST_MAX, "%s", heads[k]);
        } else {
            const json_t *u = json_array_get(users, i - 1);
            snprintf(cells[i][0], A24_ACCOUNT_LIST_MAX, "%s",
                     json_string_value(json_object_get(u, "username")));
            snprintf(cells[i][1], A24_ACCOUNT_LIST_MAX, "%s",
                     json_string_value(json_object_get(u, "role")));
            join_names(json_object_get(u, "categories"), cells[i][2], A24_ACCOUNT_LIST_MAX);
            join_names(json_object_get(u, "languages"), cells[i][3], A24_ACCOUNT_LIST_MAX);
            snprintf(cells[i][4], A24_ACCOUNT_LIST_MAX, "%s",
                     json_is_true(json_object_get(u, "disabled")) ? "yes" : "no");
        }
        for (int k = 0; k < 5; k++)
            if ((int)strlen(cells[i][k]) > width[k])
                width[k] = (int)strlen(cells[i][k]);
    }
    for (size_t i = 0; i <= n; i++)
        printf("%-*s  %-*s  %-*s  %-*s  %s\n", width[0], cells[i][0], width[1], cells[i][1],
               width[2], cells[i][2], width[3], cells[i][3], cells[i][4]);
    free(cells);
    return 0;
}

/* Prints the accounts as one JSON document {"users": [...]}. */
static int print_json(json_t *users)
{
    json_t *doc = json_pack("{s:O}", "users", users);
    char *text = doc != NULL ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (text == NULL) {
        fprintf(stderr, "answer24ctl: out of memory\n");
        return -1;
    }
    printf("%s\n", text);
    free(text);
    return 0;
}

/* `user list`: every account, as a table or JSON. */
static int cmd_list(const a24_config_t *cfg, const user_args_t *a)
{
    bool json = false;
    if (a->format != NULL && strcmp(a->format, "json") == 0)
        json = true;
    else if (a->format != NULL && strcmp(a->format, "table") != 0) {
        fprintf(stderr, "answer24ctl: --format must be table or json\n");
        return A24_CTL_USAGE;
    }
    a24_args_t args;
    a24_args_init(&args);
    a24_args_key(&args, A24_KEY_USERS);
    a24_args_str(&args, A24_PREFIX_USER);
    redisReply *r = a24_ctl_call(cfg, "user_list", &args);
    json_t *users = r != NULL ? a24_account_rows_json(r) : NULL;
    int status = A24_CTL_USAGE;
    if (users != NULL) {
        int rc = json ? print_json(users) : print_table(users);
        status = rc == 0 ? A24_CTL_OK : A24_CTL_USAGE;
    } else if (r != NULL) {
        fprintf(stderr, "answer24ctl: unexpected reply from Redis\n");
    }
    json_decref(users);
    freeReplyObject(r);
    return status;
}

/* ---------------------------------------------------------------- changes */

/*
 * Sets `field` to `value` on an existing account through user_update.lua, ending its
 * sessions if `end_sessions`, and audits `event`. Returns an exit status.
 */
static int update_user(const a24_config_t *cfg, const char *username, const char *event,
                       bool end_sessions, const char *field, const char *value, const char *done)
{
    a24_args_t a;
    a24_args_init(&a);
    a24_args_keyf(&a, A24_KEY_USER, username);
    a24_args_keyf(&a, A24_KEY_USER_SESSIONS, username);
    a24_args_key(&a, A24_KEY_AUDIT_ADMIN);
    a24_args_str(&a, username);
    a24_args_str(&a, ACTOR);
    a24_args_str(&a, event);
    a24_args_bool(&a, end_sessions);
    a24_args_str(&a, A24_PREFIX_SESSION);
    a24_args_str(&a, field);
    a24_args_str(&a, value);
    redisReply *r = a24_ctl_call(cfg, "user_update", &a);
    int status = A24_CTL_USAGE;
    if (strcmp(verdict(r), "ok") == 0) {
        long long ended = r->elements > 1 && r->element[1]->type == REDIS_REPLY_INTEGER
                              ? r->element[1]->integer
                              : 0;
        long long handed = r->elements > 2 && r->element[2]->type == REDIS_REPLY_INTEGER
                               ? r->element[2]->integer
                               : 0;
        /* Ending the sessions also took the account off duty (user_update.lua). */
        if (end_sessions)
            printf("%s \"%s\" (%lld session%s ended, %lld ticket%s handed back)\n", done, username,
                   ended, ended == 1 ? "" : "s", handed, handed == 1 ? "" : "s");
        else
            printf("%s \"%s\"\n", done, username);
        status = A24_CTL_OK;
    } else if (strcmp(verdict(r), "missing") == 0) {
        fprintf(stderr, "answer24ctl: no user \"%s\"; nothing was changed\n", username);
        status = A24_CTL_REFUSED;
    } else if (r != NULL) {
        fprintf(stderr, "answer24ctl: unexpected reply from Redis\n");
    }
    freeReplyObject(r);
    return status;
}

/* `user passwd U --password-stdin`: a new password, and U's sessions end. */
static int cmd_passwd(const a24_config_t *cfg, const user_args_t *a)
{
    if (!username_ok(a->username))
        return A24_CTL_USAGE;
    char hash[A24_PWHASH_LEN];
    if (password_from_stdin(a->password_stdin, hash) != 0)
        return A24_CTL_USAGE;
    int status = update_user(cfg, a->username, "user_passwd", true, "pw", hash, "new password for");
    sodium_memzero(hash, sizeof hash);
    return status;
}

int a24_ctl_user(const a24_config_t *cfg, int argc, char **argv)
{
    static const struct {
        const char *name;
        unsigned cmd;
    } subs[] = {{"add", CMD_ADD},
                {"list", CMD_LIST},
                {"disable", CMD_DISABLE},
                {"enable", CMD_ENABLE},
                {"passwd", CMD_PASSWD}};
    if (argc < 2) {
        fprintf(stderr, "answer24ctl: user needs add, list, disable, enable or passwd (try "
                        "--help)\n");
        return A24_CTL_USAGE;
    }
    unsigned cmd = 0;
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (strcmp(argv[1], subs[i].name) == 0)
            cmd = subs[i].cmd;
    if (cmd == 0) {
        fprintf(stderr, "answer24ctl: unknown command \"user %s\" (try --help)\n", argv[1]);
        return A24_CTL_USAGE;
    }
    user_args_t a = {0};
    if (parse_args(argc, argv, cmd, &a) != 0)
        return A24_CTL_USAGE;
    switch (cmd) {
    case CMD_ADD:
        return cmd_add(cfg, &a);
    case CMD_LIST:
        return cmd_list(cfg, &a);
    case CMD_PASSWD:
        return cmd_passwd(cfg, &a);
    default:
        if (!username_ok(a.username))
            return A24_CTL_USAGE;
        return cmd == CMD_DISABLE
                   ? update_user(cfg, a.username, "user_disable", true, "disabled", "1", "disabled")
                   : update_user(cfg, a.username, "user_enable", false, "disabled", "0", "enabled");
    }
}
