/*
 * notifier: the alert stream in, webhook deliveries out.
 *
 * Sections: message bodies; libcurl on libuv (sockets and the multi timer);
 * deliveries and their retries; reading the stream.
 *
 * Must never: acknowledge a stream entry before all of its deliveries succeeded, or
 * free a handle before libuv closed it.
 */
#include "notifier.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "keys.h"
#include "log.h"
#include "refs.h"
#include "stream.h"

#define READ_COUNT 50
#define MAX_INFLIGHT 200
#define CLAIM_IDLE_MS 60000
#define CLAIM_EVERY_MS 15000

typedef struct entry entry_t;
typedef struct job job_t;

typedef struct a24_notifier a24_notifier_t;

struct a24_notifier {
    a24_refs_t refs; /* first (refs.h): the curl timer, the reader and the sockets */
    a24_worker_t *w;
    a24_store_t *store; /* its own connection: XREADGROUP blocks */
    a24_stream_t alerts;
    CURLM *multi;
    uv_timer_t curl_timer;
    char consumer[64];
    bool stopping;
    size_t inflight;
    job_t *jobs; /* every delivery not yet done */
};

/* One stream entry: acknowledged when its last delivery succeeds. */
struct entry {
    char id[48];
    int remaining;
};

/* One delivery of one entry to one webhook. */
struct job {
    a24_notifier_t *n;
    entry_t *entry;
    const a24_webhook_t *hook;
    char *body;
    char key[96];
    CURL *easy;
    struct curl_slist *headers;
    uv_timer_t retry;
    int attempt;
    job_t *next, *prev;
};

typedef struct {
    uv_poll_t poll;
    curl_socket_t fd;
    a24_notifier_t *n;
} sock_t;

static void start_delivery(job_t *j);
static struct curl_slist *job_headers(const a24_config_t *cfg, const job_t *j);

/* A job's retry timer ran out. */
static void on_retry(uv_timer_t *t)
{
    start_delivery(t->data);
}

/* ---------------------------------------------------------------- bodies */

/* The value of `name` among the entry's name/value pairs, or "". */
static const char *get(const char *const *fields, size_t nfields, const char *name)
{
    for (size_t i = 0; i + 1 < nfields; i += 2)
        if (strcmp(fields[i], name) == 0)
            return fields[i + 1];
    return "";
}

/* "42m", "3h05m" or "overdue 7m": the time left until `due` (ms), for a person. */
static void time_left_words(a24_ms_t left, char *out, size_t len)
{
    a24_ms_t m = (left < 0 ? -left : left) / 60000;
    const char *pre = left < 0 ? "overdue " : "";
    if (m >= 60)
        snprintf(out, len, "%s%lldh%02lldm", pre, (long long)(m / 60), (long long)(m % 60));
    else if (m > 0)
        snprintf(out, len, "%s%lldm", pre, (long long)m);
    else
        snprintf(out, len, "%s%llds", pre, (long long)((left < 0 ? -left : left) / 1000));
}

/* The words of a kind for the one-line text. */
static const char *kind_words(const char *kind)
{
    static const struct {
        const char *kind, *words;
    } kinds[] = {
        {"crisis", "CRISIS: a question was flagged as a crisis"},
        {"crisis_waiting", "CRISIS WAITING: a crisis question cannot be offered"},
        {"late", "Late: a question is still waiting for an answer"},
        {"breach", "BREACH: a question passed its answer deadline"},
        {"no_expert", "No expert on duty for a waiting question"},
        {"redis_memory", "Redis memory is near its cap: writes stop when it is full"},
        {"coverage_gap", "Coverage gap ahead: no expert will cover a language and category"},
        {"security", "Security: many failed sign-ins on one staff account"},
        {"review_waiting", "A crisis answer waits for a second supervisor's review"}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].kind, kind) == 0)
            return kinds[i].words;
    return kind;
}

/* A stream field as a JSON string, or null when empty. */
static json_t *str_or_null(const char *v)
{
    return v[0] != '\0' ? json_string(v) : json_null();
}

json_t *a24_notifier_body(const a24_config_t *cfg, const char *const *fields, size_t nfields)
{
    const char *event = get(fields, nfields, "event");
    const char *id = get(fields, nfields, "id");
    const char *kind = get(fields, nfields, "kind");
    const char *ticket = get(fields, nfields, "ticket");
    const char *subject = get(fields, nfields, "subject");
    const char *reason = get(fields, nfields, "reason");
    const char *holder = get(fields, nfields, "holder");
    const char *due = get(fields, nfields, "due");
    if (id[0] == '\0' || kind[0] == '\0')
        return NULL;
    char created[A24_RFC3339_LEN], due_at[A24_RFC3339_LEN], left_words[32] = "";
    a24_clock_format(strtoll(get(fields, nfields, "created"), NULL, 10), created);
    long level = strtol(get(fields, nfields, "level"), NULL, 10);
    const char *language = get(fields, nfields, "language");
    const char *category = get(fields, nfields, "category");
    a24_ms_t left = 0;
    if (due[0] != '\0') {
        left = strtoll(due, NULL, 10) - a24_clock_now();
        a24_clock_format(strtoll(due, NULL, 10), due_at);
        time_left_words(left, left_words, sizeof left_words);
    }
    char state[64] = "";
    if (strcmp(event, "repeat") == 0)
        snprintf(state, sizeof state, " (repeat %s, not yet acknowledged)",
                 get(fields, nfields, "seq"));
    else if (strcmp(event, "refire") == 0)
        snprintf(state, sizeof state, " (acknowledged but not resolved)");
    char url[512];
    snprintf(url, sizeof url, "%s#alert-%s", cfg->alerts.dashboard_url, id);
    /* A crisis on an incident already worse (late, breach) keeps that kind: say it. */
    bool crisis = strcmp(get(fields, nfields, "crisis"), "1") == 0;
    bool crisis_said = strncmp(kind, "crisis", 6) == 0;
    char text[1024];
    snprintf(text, sizeof text,
             "[answer24] %s%s%s. %s %s, language %s, category %s, reason %s, time left %s, "
             "held by %s, level %ld. Acknowledge: %s",
             crisis && !crisis_said ? "CRISIS and " : "", kind_words(kind), state,
             ticket[0] ? "Ticket" : "Subject", ticket[0] ? ticket : subject,
             language[0] ? language : "-", category[0] ? category : "-", reason[0] ? reason : "-",
             left_words[0] ? left_words : "-", holder[0] ? holder : "nobody", level, url);
    json_t *alert =
        json_pack("{s:s, s:o, s:s, s:i, s:s, s:o, s:o, s:o, s:o, s:o}", "id", id, "ticket",
                  str_or_null(ticket), "kind", kind, "level", (int)level, "created_at", created,
                  "reason", str_or_null(reason), "time_left", str_or_null(left_words),
                  "time_left_ms", due[0] ? json_integer(left) : json_null(), "due_at",
                  due[0] ? json_string(due_at) : json_null(), "holder", str_or_null(holder));
    if (subject[0] != '\0' && ticket[0] == '\0')
        json_object_set_new(alert, "subject", json_string(subject));
    return json_pack("{s:o, s:s, s:b, s:s, s:s, s:s, s:s, s:s}", "alert", alert, "text", text,
                     "crisis", crisis, "event", event, "notify", get(fields, nfields, "notify"),
                     "language", language, "category", category, "url", url);
}

/* ---------------------------------------------------------------- curl on libuv */

/* libuv: a socket curl watches is ready. */
static void on_poll(uv_poll_t *p, int status, int events)
{
    sock_t *s = p->data;
    int flags = status < 0 ? CURL_CSELECT_ERR
                           : ((events & UV_READABLE) ? CURL_CSELECT_IN : 0) |
                                 ((events & UV_WRITABLE) ? CURL_CSELECT_OUT : 0);
    int running;
    curl_multi_socket_action(s->n->multi, s->fd, flags, &running);
}

/* The poll handle has closed. */
static void on_sock_closed(uv_handle_t *h)
{
    sock_t *s = h->data;
    a24_notifier_t *n = s->n;
    free(s);
    a24_refs_drop(n);
}

/* curl: watch (or stop watching) a socket. */
static int on_curl_socket(CURL *e, curl_socket_t fd, int action, void *userp, void *socketp)
{
    (void)e;
    a24_notifier_t *n = userp;
    sock_t *s = socketp;
    if (action == CURL_POLL_REMOVE) {
        if (s != NULL) {
            uv_poll_stop(&s->poll);
            uv_close((uv_handle_t *)&s->poll, on_sock_closed);
            curl_multi_assign(n->multi, fd, NULL);
        }
        return 0;
    }
    if (s == NULL) {
        s = calloc(1, sizeof *s);
        if (s == NULL)
            return -1;
        s->fd = fd;
        s->n = n;
        uv_poll_init_socket(n->w->loop, &s->poll, fd);
        s->poll.data = s;
        n->refs.n++;
        curl_multi_assign(n->multi, fd, s);
    }
    int events =
        ((action & CURL_POLL_IN) ? UV_READABLE : 0) | ((action & CURL_POLL_OUT) ? UV_WRITABLE : 0);
    uv_poll_start(&s->poll, events, on_poll);
    return 0;
}

/* libuv: curl's timer ran out. */
static void on_curl_timeout(uv_timer_t *t)
{
    a24_notifier_t *n = t->data;
    int running;
    curl_multi_socket_action(n->multi, CURL_SOCKET_TIMEOUT, 0, &running);
}

/* curl: arm (or stop) the one timer it needs. */
static int on_curl_timer(CURLM *m, long timeout_ms, void *userp)
{
    (void)m;
    a24_notifier_t *n = userp;
    if (timeout_ms < 0)
        uv_timer_stop(&n->curl_timer);
    else
        uv_timer_start(&n->curl_timer, on_curl_timeout, (uint64_t)timeout_ms, 0);
    return 0;
}

/* ---------------------------------------------------------------- deliveries */

/* An entry's deliveries are all done: acknowledge it in the group. */
static void entry_done(a24_notifier_t *n, entry_t *e)
{
    if (a24_stream_ack(&n->alerts, e->id) != 0)
        a24_log_warn("notifier_ack_failed", "{s:s}", "entry", e->id);
    free(e);
}

/* The job's retry timer has closed: free it. */
static void on_job_closed(uv_handle_t *h)
{
    job_t *j = h->data;
    free(j->body);
    free(j);
}

/* Unlinks and frees a job; its entry is finished if this was its last. */
static void job_free(job_t *j, bool delivered)
{
    a24_notifier_t *n = j->n;
    if (j->easy != NULL) {
        curl_multi_remove_handle(n->multi, j->easy);
        curl_easy_cleanup(j->easy);
        j->easy = NULL;
        n->inflight--;
    }
    curl_slist_free_all(j->headers);
    j->headers = NULL;
    if (j->prev != NULL)
        j->prev->next = j->next;
    else
        n->jobs = j->next;
    if (j->next != NULL)
        j->next->prev = j->prev;
    if (--j->entry->remaining == 0) {
        if (delivered)
            entry_done(n, j->entry);
        else
            free(j->entry); /* left pending: delivered again after a restart */
    }
    uv_close((uv_handle_t *)&j->retry, on_job_closed);
}

/* The backoff before attempt `attempt`: 1 s doubling to retry_max, with ±25% jitter. */
static uint64_t backoff(const a24_config_t *cfg, int attempt)
{
    a24_ms_t d = 1000;
    for (int i = 1; i < attempt && d < cfg->alerts.retry_max; i++)
        d *= 2;
    if (d > cfg->alerts.retry_max)
        d = cfg->alerts.retry_max;
    a24_ms_t jitter = d / 4;
    return (uint64_t)(d - jitter + (a24_ms_t)randombytes_uniform((uint32_t)(2 * jitter + 1)));
}

/* Reads finished transfers: success ends a job, failure schedules its retry. */
static void check_done(a24_notifier_t *n)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(n->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        job_t *j;
        long code = 0;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&j);
        curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
        CURLcode result = msg->data.result;
        curl_multi_remove_handle(n->multi, j->easy);
        curl_easy_cleanup(j->easy);
        j->easy = NULL;
        n->inflight--;
        if (result == CURLE_OK && code >= 200 && code < 300) {
            a24_log_info("webhook_delivered", "{s:s, s:i}", "key", j->key, "attempt", j->attempt);
            n->w->counters.webhooks_delivered++;
            job_free(j, true);
        } else {
            uint64_t wait = backoff(n->w->cfg, j->attempt);
            n->w->counters.webhooks_failed++;
            a24_log_warn("webhook_failed", "{s:s, s:i, s:i, s:s, s:I}", "key", j->key, "attempt",
                         j->attempt, "status", (int)code, "error", curl_easy_strerror(result),
                         "retry_ms", (json_int_t)wait);
            uv_timer_start(&j->retry, on_retry, wait, 0);
        }
    }
    if (!n->stopping && n->inflight < MAX_INFLIGHT / 2)
        a24_stream_resume(&n->alerts);
}

/* curl's write callback: the receiver's answer is not needed. */
static size_t discard(char *p, size_t size, size_t nmemb, void *userdata)
{
    (void)p, (void)userdata;
    return size * nmemb;
}

/* Starts (or retries) one delivery (also the retry timer's callback). */
static void start_delivery(job_t *j)
{
    a24_notifier_t *n = j->n;
    if (n->stopping)
        return;
    j->attempt++;
    j->easy = curl_easy_init();
    if (j->easy == NULL) {
        uv_timer_start(&j->retry, on_retry, backoff(n->w->cfg, j->attempt), 0);
        return;
    }
    curl_slist_free_all(j->headers);
    j->headers = job_headers(n->w->cfg, j);
    curl_easy_setopt(j->easy, CURLOPT_URL, j->hook->url);
    curl_easy_setopt(j->easy, CURLOPT_POSTFIELDS, j->body);
    curl_easy_setopt(j->easy, CURLOPT_HTTPHEADER, j->headers);
    curl_easy_setopt(j->easy, CURLOPT_TIMEOUT_MS, (long)n->w->cfg->alerts.webhook_timeout);
    curl_easy_setopt(j->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(j->easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(j->easy, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(j->easy, CURLOPT_PRIVATE, j);
    curl_multi_add_handle(n->multi, j->easy);
    n->inflight++;
}

/* The signature header: "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">" under
 * alerts.webhook_secret; made at each attempt, so a receiver's tolerance for the time
 * (300 s, README) holds for retries too. */
static void sign(const char *secret, const char *body, char out[160])
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    char t[24];
    int tl = snprintf(t, sizeof t, "%lld", (long long)(a24_clock_now() / 1000));
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)t, (unsigned long long)tl);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, strlen(body));
    crypto_auth_hmacsha256_final(&st, mac);
    int o = snprintf(out, 160, "X-Answer24-Signature: t=%s,v1=", t);
    sodium_bin2hex(out + o, (size_t)(160 - o), mac, sizeof mac);
}

/* The request headers of one attempt (the signature carries the attempt's time). */
static struct curl_slist *job_headers(const a24_config_t *cfg, const job_t *j)
{
    char line[160];
    snprintf(line, sizeof line, "Idempotency-Key: %s", j->key);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    h = curl_slist_append(h, line);
    if (cfg->alerts.webhook_secret[0] != '\0') {
        char sig[160];
        sign(cfg->alerts.webhook_secret, j->body, sig);
        h = curl_slist_append(h, sig);
    }
    return h;
}

/* Queues the deliveries of one stream entry; acknowledges it at once if none apply. */
static void take_entry(a24_notifier_t *n, const char *id, const char *const *fields, size_t nfields)
{
    const a24_config_t *cfg = n->w->cfg;
    for (job_t *j = n->jobs; j != NULL; j = j->next)
        if (strcmp(j->entry->id, id) == 0)
            return; /* already in hand (our own entry, waiting for a retry) */
    entry_t *e = calloc(1, sizeof *e);
    if (e == NULL)
        return;
    snprintf(e->id, sizeof e->id, "%s", id);
    json_t *body = NULL;
    /* The scripts decide what people are told, at most once a minute per incident
     * (send=1); acks, resolutions and changes held back are for the feeds. */
    if (strcmp(get(fields, nfields, "send"), "1") == 0)
        body = a24_notifier_body(cfg, fields, nfields);
    char *text = body != NULL ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(body);
    const char *notify = get(fields, nfields, "notify");
    e->remaining = 1; /* held while jobs are created */
    for (size_t i = 0; text != NULL && i < cfg->alerts.webhooks_len; i++) {
        const a24_webhook_t *h = &cfg->alerts.webhooks[i];
        bool wanted =
            ((h->notify & A24_NOTIFY_ONCALL) && strstr(notify, "oncall") != NULL) ||
            ((h->notify & A24_NOTIFY_SUPERVISOR) && strstr(notify, "supervisor") != NULL) ||
            ((h->notify & A24_NOTIFY_EXPERTS) && strstr(notify, "experts") != NULL);
        if (!wanted)
            continue;
        job_t *j = calloc(1, sizeof *j);
        if (j == NULL || (j->body = strdup(text)) == NULL) {
            free(j);
            continue;
        }
        j->n = n, j->entry = e, j->hook = h;
        snprintf(j->key, sizeof j->key, "alert-%s-%s", get(fields, nfields, "id"), id);
        uv_timer_init(n->w->loop, &j->retry);
        j->retry.data = j;
        j->next = n->jobs;
        if (n->jobs != NULL)
            n->jobs->prev = j;
        n->jobs = j;
        e->remaining++;
        start_delivery(j);
    }
    free(text);
    if (--e->remaining == 0)
        entry_done(n, e);
}

/* ---------------------------------------------------------------- the stream */

/* Copies a stream entry's field array into name/value pointers. */
static size_t entry_fields(const redisReply *kv, const char **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; kv != NULL && kv->type == REDIS_REPLY_ARRAY && i < kv->elements && n < max;
         i++)
        out[n++] = kv->element[i]->str;
    return n;
}

/* The alert stream gave entries (read, or taken over from a dead notifier): deliver
 * them; reading holds while MAX_INFLIGHT deliveries are under way. */
static bool on_entries(a24_stream_t *st, int index, const redisReply *entries, bool taken_over,
                       void *privdata)
{
    (void)st, (void)index, (void)taken_over;
    a24_notifier_t *n = privdata;
    for (size_t i = 0; i < entries->elements; i++) {
        const redisReply *e = entries->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements < 2)
            continue;
        const char *fields[64];
        size_t nf = entry_fields(e->element[1], fields, 64);
        take_entry(n, e->element[0]->str, fields, nf);
    }
    check_done(n);
    return n->inflight < MAX_INFLIGHT;
}

/* The connection is (again) up: our own pending entries first. */
static void on_ready(void *arg)
{
    a24_notifier_t *n = arg;
    a24_stream_start(&n->alerts);
}

/* The last handle of the notifier closed: it goes, and curl with it. */
static void notifier_free(void *self)
{
    curl_global_cleanup();
    free(self);
}

static void *notifier_start(a24_worker_t *w, char *err, size_t errlen)
{
    a24_notifier_t *n = calloc(1, sizeof *n);
    if (n == NULL || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        free(n);
        snprintf(err, errlen, "notifier: cannot initialise libcurl");
        return NULL;
    }
    n->w = w;
    a24_stream_consumer_name(n->consumer, sizeof n->consumer);
    n->store = a24_store_open(w->loop, w->cfg, err, errlen);
    if (n->store == NULL) {
        curl_global_cleanup();
        free(n);
        return NULL;
    }
    n->multi = curl_multi_init();
    curl_multi_setopt(n->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
    curl_multi_setopt(n->multi, CURLMOPT_SOCKETDATA, n);
    curl_multi_setopt(n->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
    curl_multi_setopt(n->multi, CURLMOPT_TIMERDATA, n);
    uv_timer_init(w->loop, &n->curl_timer);
    n->curl_timer.data = n;
    a24_stream_opts_t o =
        a24_stream_group_opts(A24_KEY_ALERTS, "notifier", n->consumer, READ_COUNT);
    o.claim_idle_ms = CLAIM_IDLE_MS, o.claim_every_ms = CLAIM_EVERY_MS;
    a24_stream_init(&n->alerts, w->loop, n->store, &o, on_entries, n);
    n->refs.n = 2; /* the curl timer and the reader */
    n->refs.on_last = notifier_free;
    a24_store_on_ready(n->store, on_ready, n);
    a24_log_info("notifier_started", "{s:s, s:i}", "consumer", n->consumer, "webhooks",
                 (int)w->cfg->alerts.webhooks_len);
    if (w->cfg->alerts.webhooks_len == 0)
        a24_log_warn("no_webhooks", "{s:s}", "message",
                     "no webhook is configured (alerts.webhooks): on-call is told only "
                     "through the dashboard");
    return n;
}

static void notifier_stop(void *part)
{
    a24_notifier_t *n = part;
    n->stopping = true;
    while (n->jobs != NULL)
        job_free(n->jobs, false);
    curl_multi_cleanup(n->multi);
    a24_stream_close(&n->alerts, a24_refs_stream_closed);
    a24_store_destroy(n->store);
    uv_close((uv_handle_t *)&n->curl_timer, a24_refs_handle_closed);
}

const a24_worker_part_t a24_notifier_part = {notifier_start, notifier_stop};
