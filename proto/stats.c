/*
 * stats: from per-day counts to a report. Must never: divide by zero (a day without
 * answers has no percentage and no percentiles: they are null), or count a figure of
 * another day.
 */
#include "stats.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ticket.h"

int a24_stats_parse_day(const char *text, int64_t *day)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    char *end = strptime(text, "%Y-%m-%d", &tm);
    if (end == NULL || *end != '\0')
        return -1;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    *day = (int64_t)t / 86400;
    return 0;
}

void a24_stats_format_day(int64_t day, char out[11])
{
    time_t t = (time_t)(day * 86400);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* Counts gathered for one day, one category or the whole range. */
typedef struct {
    long long submitted, answered, in_window, breaches, crises;
    long long window_ended, within_window; /* on the day the window ended (its due day) */
    long long *times;
    size_t ntimes, cap;
} tally_t;

/* Adds answer times to a tally. */
static void add_times(tally_t *t, const redisReply *times)
{
    for (size_t i = 0; times != NULL && i < times->elements; i++) {
        if (t->ntimes == t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 64;
            long long *n = realloc(t->times, cap * sizeof *n);
            if (n == NULL)
                return;
            t->times = n, t->cap = cap;
        }
        t->times[t->ntimes++] = strtoll(times->element[i]->str, NULL, 10);
    }
}

/* Orders seconds ascending. */
static int by_value(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

/* The nearest-rank percentile `p` of the tally's times, or JSON null without any. */
static json_t *percentile(tally_t *t, int p)
{
    if (t->ntimes == 0)
        return json_null();
    qsort(t->times, t->ntimes, sizeof *t->times, by_value);
    size_t rank = (t->ntimes * (size_t)p + 99) / 100;
    return json_integer(t->times[rank > 0 ? rank - 1 : 0]);
}

/* `part` over `whole` in percent, or JSON null when there is no whole. */
static json_t *pct(long long part, long long whole)
{
    return whole > 0 ? json_real((double)part * 100.0 / (double)whole) : json_null();
}

/*
 * A tally as JSON (times are consumed for the percentiles). Two shares of the promise:
 * answered_in_window_pct counts answered questions only (by the day they were asked);
 * within_window_pct counts every question whose window ended (by that day), so a
 * question never answered lowers it.
 */
static json_t *tally_json(tally_t *t)
{
    json_t *share = t->submitted > 0 ? pct(t->in_window, t->answered) : json_null();
    return json_pack("{s:I, s:I, s:I, s:o, s:o, s:o, s:I, s:I, s:I, s:I, s:o}", "submitted",
                     (json_int_t)t->submitted, "answered", (json_int_t)t->answered,
                     "answered_in_window", (json_int_t)t->in_window, "answered_in_window_pct",
                     share, "answer_seconds_p50", percentile(t, 50), "answer_seconds_p90",
                     percentile(t, 90), "breaches", (json_int_t)t->breaches, "crises",
                     (json_int_t)t->crises, "window_ended", (json_int_t)t->window_ended,
                     "within_window", (json_int_t)t->within_window, "within_window_pct",
                     pct(t->within_window, t->window_ended));
}

/* Adds one "name[:category]" count to the day tally and the category tallies. */
static void count(tally_t *day, tally_t *cats, const char *name, long long v)
{
    const char *colon = strchr(name, ':');
    size_t n = colon != NULL ? (size_t)(colon - name) : strlen(name);
    tally_t *t = day;
    if (colon != NULL) {
        t = NULL;
        for (size_t i = 0; a24_categories[i] != NULL; i++)
            if (strcmp(colon + 1, a24_categories[i]) == 0)
                t = &cats[i];
        if (t == NULL)
            return;
    }
    /* The counters of stats_days.lua's fields, by name. */
    static const struct {
        const char *name;
        size_t offset;
    } fields[] = {
        {"submitted", offsetof(tally_t, submitted)},
        {"answered", offsetof(tally_t, answered)},
        {"in_window", offsetof(tally_t, in_window)},
        {"breaches", offsetof(tally_t, breaches)},
        {"crises", offsetof(tally_t, crises)},
        {"window_ended", offsetof(tally_t, window_ended)},
        {"within_window", offsetof(tally_t, within_window)},
    };
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        if (strlen(fields[i].name) == n && memcmp(name, fields[i].name, n) == 0)
            *(long long *)((char *)t + fields[i].offset) += v;
}

json_t *a24_stats_report(const redisReply *reply, int64_t from, int64_t to)
{
    enum { NCAT = 7 };
    tally_t total = {0};
    json_t *days = json_array();
    for (size_t i = 0; reply != NULL && reply->type == REDIS_REPLY_ARRAY && i < reply->elements;
         i++) {
        const redisReply *d = reply->element[i];
        if (d->type != REDIS_REPLY_ARRAY || d->elements < 3)
            continue;
        tally_t day = {0}, cats[NCAT];
        memset(cats, 0, sizeof cats);
        const redisReply *f = d->element[1];
        for (size_t j = 0; j + 1 < f->elements; j += 2)
            count(&day, cats, f->element[j]->str, strtoll(f->element[j + 1]->str, NULL, 10));
        add_times(&day, d->element[2]);
        add_times(&total, d->element[2]);
        total.submitted += day.submitted, total.answered += day.answered;
        total.in_window += day.in_window, total.breaches += day.breaches;
        total.crises += day.crises;
        total.window_ended += day.window_ended, total.within_window += day.within_window;
        char date[11];
        a24_stats_format_day(d->element[0]->integer, date);
        json_t *dj = tally_json(&day);
        json_object_set_new(dj, "date", json_string(date));
        json_t *cj = json_object();
        for (int c = 0; c < NCAT && a24_categories[c] != NULL; c++) {
            if (cats[c].submitted || cats[c].answered || cats[c].breaches || cats[c].crises ||
                cats[c].window_ended) {
                json_t *one = tally_json(&cats[c]);
                json_object_del(one, "answer_seconds_p50"); /* times are not kept per category */
                json_object_del(one, "answer_seconds_p90");
                json_object_set_new(cj, a24_categories[c], one);
            }
        }
        json_object_set_new(dj, "categories", cj);
        json_array_append_new(days, dj);
        free(day.times);
    }
    char f[11], t[11];
    a24_stats_format_day(from, f);
    a24_stats_format_day(to, t);
    json_t *report = json_pack("{s:s, s:s, s:o, s:o}", "from", f, "to", t, "totals",
                               tally_json(&total), "days", days);
    free(total.times);
    return report;
}

/* A JSON number or null as CSV text. */
static void csv_value(FILE *out, const json_t *v)
{
    if (json_is_integer(v))
        fprintf(out, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        fprintf(out, "%.1f", json_real_value(v));
}

/* One CSV row of a tally. */
static void csv_row(FILE *out, const char *date, const char *category, const json_t *t)
{
    static const char *const cols[] = {
        "submitted",          "answered",           "answered_in_window", "answered_in_window_pct",
        "answer_seconds_p50", "answer_seconds_p90", "breaches",           "crises",
        "window_ended",       "within_window",      "within_window_pct"};
    fprintf(out, "%s,%s", date, category);
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        fputc(',', out);
        csv_value(out, json_object_get(t, cols[i]));
    }
    fputc('\n', out);
}

void a24_stats_csv(const json_t *report, FILE *out)
{
    fprintf(out, "date,category,submitted,answered,answered_in_window,answered_in_window_pct,"
                 "answer_seconds_p50,answer_seconds_p90,breaches,crises,window_ended,"
                 "within_window,within_window_pct\n");
    size_t i;
    json_t *day;
    json_array_foreach(json_object_get(report, "days"), i, day)
    {
        const char *date = json_string_value(json_object_get(day, "date"));
        csv_row(out, date, "all", day);
        const char *cat;
        json_t *c;
        json_object_foreach(json_object_get(day, "categories"), cat, c) csv_row(out, date, cat, c);
    }
    csv_row(out, "total", "all", json_object_get(report, "totals"));
}
