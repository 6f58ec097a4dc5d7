/*
 * coverage: from the accounts with a rota to the gaps ahead. Reading is here; the
 * minute-by-minute check is a24_rota_gaps (rota.c), pure and unit-tested.
 */
#include "coverage.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "clock.h"
#include "ticket.h"

/* The index of `name` (len bytes) in a NULL-terminated table, or -1. */
static int index_of(const char *const *table, const char *name, size_t len)
{
    for (int i = 0; table[i] != NULL; i++)
        if (strlen(table[i]) == len && memcmp(table[i], name, len) == 0)
            return i;
    return -1;
}

/* The bits of every language x category pair of two comma lists. */
static uint64_t pairs_of(const char *cats, const char *langs)
{
    uint64_t bits = 0;
    for (const char *l = langs; *l != '\0';) {
        size_t ll = strcspn(l, ",");
        int li = index_of(a24_languages, l, ll);
        for (const char *c = cats; li >= 0 && *c != '\0';) {
            size_t cl = strcspn(c, ",");
            int ci = index_of(a24_categories, c, cl);
            if (ci >= 0 && ci < A24_COVERAGE_CATS)
                bits |= (uint64_t)1 << (li * A24_COVERAGE_CATS + ci);
            c += cl + (c[cl] == ',');
        }
        l += ll + (l[ll] == ',');
    }
    return bits;
}

/* Every pair there is. */
static uint64_t all_pairs(void)
{
    uint64_t bits = 0;
    for (int l = 0; a24_languages[l] != NULL; l++)
        for (int c = 0; a24_categories[c] != NULL && c < A24_COVERAGE_CATS; c++)
            bits |= (uint64_t)1 << (l * A24_COVERAGE_CATS + c);
    return bits;
}

void a24_coverage_subject(int pair, char out[48])
{
    snprintf(out, 48, "%s:%s", a24_languages[pair / A24_COVERAGE_CATS],
             a24_categories[pair % A24_COVERAGE_CATS]);
}

size_t a24_coverage_compute(const redisReply *reply, int64_t from, int64_t to, a24_gap_t *out,
                            size_t max)
{
    size_t n = reply != NULL && reply->type == REDIS_REPLY_ARRAY ? reply->elements / 6 : 0;
    a24_rota_t *rotas = calloc(n ? n : 1, sizeof *rotas);
    a24_cover_t *experts = calloc(n ? n : 1, sizeof *experts);
    size_t k = 0;
    for (size_t i = 0; rotas != NULL && experts != NULL && i < n; i++) {
        redisReply *const *e = reply->element + i * 6;
        if (e[0]->type != REDIS_REPLY_STRING || e[5]->type != REDIS_REPLY_STRING)
            continue;
        unsigned role = a24_role_parse(e[2]->str, e[2]->len);
        char err[160];
        if (strcmp(e[5]->str, "1") == 0 ||
            (role != A24_ROLE_EXPERT && role != A24_ROLE_SUPERVISOR) ||
            a24_rota_parse(e[1]->str, &rotas[k], err, sizeof err) != 0)
            continue;
        experts[k] = (a24_cover_t){&rotas[k], pairs_of(e[3]->str, e[4]->str)};
        k++;
    }
    size_t count = rotas != NULL && experts != NULL
                       ? a24_rota_gaps(experts, k, all_pairs(), from, to, out, max)
                       : A24_COVERAGE_FAILED;
    free(rotas);
    free(experts);
    return count;
}

/* A moment as "Mon 2026-12-07 09:00" in the process' zone. */
static json_t *local_text(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char buf[32];
    localtime_r(&tt, &tm);
    strftime(buf, sizeof buf, "%a %Y-%m-%d %H:%M", &tm);
    return json_string(buf);
}

/* A moment as RFC 3339 UTC. */
static json_t *utc_text(int64_t t)
{
    char buf[A24_RFC3339_LEN];
    a24_clock_format((a24_ms_t)t * 1000, buf);
    return json_string(buf);
}

json_t *a24_coverage_report(const redisReply *reply, const char *zone, int64_t from, int64_t to)
{
    a24_gap_t *gaps = malloc(A24_COVERAGE_MAX_GAPS * sizeof *gaps);
    size_t n = gaps != NULL ? a24_coverage_compute(reply, from, to, gaps, A24_COVERAGE_MAX_GAPS)
                            : A24_COVERAGE_FAILED;
    bool failed = n == A24_COVERAGE_FAILED; /* the gaps are unknown: none listed, truncated */
    json_t *list = json_array();
    for (size_t i = 0; !failed && i < n && i < A24_COVERAGE_MAX_GAPS; i++) {
        const a24_gap_t *g = &gaps[i];
        char subject[48];
        a24_coverage_subject(g->pair, subject);
        json_array_append_new(
            list,
            json_pack("{s:s, s:s, s:s, s:o, s:o, s:f, s:o, s:o}", "subject", subject, "language",
                      a24_languages[g->pair / A24_COVERAGE_CATS], "category",
                      a24_categories[g->pair % A24_COVERAGE_CATS], "start", utc_text(g->start),
                      "end", utc_text(g->end), "hours", (double)(g->end - g->start) / 3600.0,
                      "start_local", local_text(g->start), "end_local", local_text(g->end)));
    }
    free(gaps);
    return json_pack("{s:o, s:o, s:s, s:o, s:b}", "from", utc_text(from), "to", utc_text(to),
                     "timezone", zone, "gaps", list, "truncated",
                     failed || n > A24_COVERAGE_MAX_GAPS);
}
