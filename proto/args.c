/*
 * args: a script call's keys and arguments, kept as Redis protocol bulk strings.
 *
 * Each part (keys, arguments) is one buffer of "$<len>\r\n<bytes>\r\n" items, inline
 * in the struct until it outgrows it. A24_ARGS_INLINE covers every call the programs
 * make today except ones carrying sealed texts, so most calls allocate nothing here.
 *
 * Must never: let a failed append look like success (the list remembers it and
 * a24_args_command refuses), or leave a heap buffer behind after a24_args_dispose.
 */
#include "args.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void part_init(a24_args_part_t *p)
{
    p->p = p->inline_buf;
    p->len = 0;
    p->cap = sizeof p->inline_buf;
    p->n = 0;
}

static void part_dispose(a24_args_part_t *p)
{
    if (p->p != p->inline_buf)
        free(p->p);
    part_init(p);
}

/* Makes room for `more` bytes. -1 if memory ran out. */
static int part_reserve(a24_args_part_t *p, size_t more)
{
    if (p->len + more <= p->cap)
        return 0;
    size_t cap = p->cap * 2;
    while (cap < p->len + more)
        cap *= 2;
    char *q = p->p == p->inline_buf ? malloc(cap) : realloc(p->p, cap);
    if (q == NULL)
        return -1;
    if (p->p == p->inline_buf)
        memcpy(q, p->inline_buf, p->len);
    p->p = q;
    p->cap = cap;
    return 0;
}

/* Writes "$<n>\r\n" into `head` (at least 24 bytes); returns its length. */
static int bulk_head(char *head, size_t n)
{
    char digits[20];
    int d = 0;
    do
        digits[d++] = (char)('0' + n % 10);
    while ((n /= 10) > 0);
    int hl = 0;
    head[hl++] = '$';
    while (d > 0)
        head[hl++] = digits[--d];
    head[hl++] = '\r';
    head[hl++] = '\n';
    return hl;
}

/* Appends one bulk string. */
static void part_add(a24_args_t *a, a24_args_part_t *p, const void *bytes, size_t n)
{
    char head[32];
    int hl = bulk_head(head, n);
    if (a->failed || part_reserve(p, (size_t)hl + n + 2) != 0) {
        a->failed = true;
        return;
    }
    memcpy(p->p + p->len, head, (size_t)hl);
    if (n > 0)
        memcpy(p->p + p->len + hl, bytes, n);
    memcpy(p->p + p->len + hl + n, "\r\n", 2);
    p->len += (size_t)hl + n + 2;
    p->n++;
}

void a24_args_init(a24_args_t *a)
{
    part_init(&a->keys);
    part_init(&a->args);
    a->failed = false;
}

void a24_args_dispose(a24_args_t *a)
{
    part_dispose(&a->keys);
    part_dispose(&a->args);
    a->failed = false;
}

void a24_args_key(a24_args_t *a, const char *key)
{
    part_add(a, &a->keys, key, strlen(key));
}

/* Adds each string of `ap` up to a NULL to `part`. */
static void part_add_list(a24_args_t *a, a24_args_part_t *part, va_list ap)
{
    for (const char *s; (s = va_arg(ap, const char *)) != NULL;)
        part_add(a, part, s, strlen(s));
}

void a24_args_keys(a24_args_t *a, ...)
{
    va_list ap;
    va_start(ap, a);
    part_add_list(a, &a->keys, ap);
    va_end(ap);
}

void a24_args_strs(a24_args_t *a, ...)
{
    va_list ap;
    va_start(ap, a);
    part_add_list(a, &a->args, ap);
    va_end(ap);
}

void a24_args_keyn(a24_args_t *a, const char *key, size_t n)
{
    part_add(a, &a->keys, key, n);
}

void a24_args_keyf(a24_args_t *a, const char *fmt, ...)
{
    char key[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(key, sizeof key, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof key) {
        a->failed = true;
        return;
    }
    part_add(a, &a->keys, key, (size_t)n);
}

void a24_args_str(a24_args_t *a, const char *s)
{
    part_add(a, &a->args, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
}

void a24_args_bin(a24_args_t *a, const void *p, size_t n)
{
    part_add(a, &a->args, p, n);
}

void a24_args_int(a24_args_t *a, long long v)
{
    char buf[24];
    int n = snprintf(buf, sizeof buf, "%lld", v);
    part_add(a, &a->args, buf, (size_t)n);
}

void a24_args_bool(a24_args_t *a, bool v)
{
    part_add(a, &a->args, v ? "1" : "0", 1);
}

int a24_args_nkeys(const a24_args_t *a)
{
    return a->keys.n;
}

int a24_args_nargs(const a24_args_t *a)
{
    return a->args.n;
}

char *a24_args_command(const a24_args_t *a, const char *verb, const char *function, size_t *len)
{
    *len = 0;
    if (a->failed)
        return NULL;
    char nk[16];
    int nkl = snprintf(nk, sizeof nk, "%d", a->keys.n);
    size_t vl = strlen(verb), fl = strlen(function);
    char head[256];
    int hl = snprintf(head, sizeof head, "*%d\r\n$%zu\r\n%s\r\n$%zu\r\n%s\r\n$%d\r\n%s\r\n",
                      3 + a->keys.n + a->args.n, vl, verb, fl, function, nkl, nk);
    if (hl < 0 || (size_t)hl >= sizeof head)
        return NULL;
    size_t total = (size_t)hl + a->keys.len + a->args.len;
    char *cmd = malloc(total + 1);
    if (cmd == NULL)
        return NULL;
    memcpy(cmd, head, (size_t)hl);
    memcpy(cmd + hl, a->keys.p, a->keys.len);
    memcpy(cmd + hl + a->keys.len, a->args.p, a->args.len);
    cmd[total] = '\0';
    *len = total;
    return cmd;
}
