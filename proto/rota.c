/*
 * rota: parsing and checking weekly shifts. Pure logic: no clock (the caller gives
 * the moment); only a24_rota_gaps converts moments to local time, in the zone the
 * caller set with a24_rota_zone.
 */
#include "rota.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WEEK (7 * 24 * 60)

static const char *const day_names[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

/* The day index (0 = Monday) of the three letters at `p`, or -1. */
static int day_at(const char *p)
{
    for (int d = 0; d < 7; d++)
        if (strncasecmp(p, day_names[d], 3) == 0)
            return d;
    return -1;
}

/* Reads "HH:MM" at *p into minutes of the day, advancing *p. */
static int read_time(const char **p, int *minutes)
{
    int h, m, n = 0;
    if (sscanf(*p, "%2d:%2d%n", &h, &m, &n) != 2 || n != 5 || h < 0 || h > 24 || m < 0 || m > 59 ||
        (h == 24 && m != 0))
        return -1;
    *minutes = h * 60 + m;
    *p += n;
    return 0;
}

/* Skips spaces. */
static const char *skip(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Parses one "days HH:MM-HH:MM" part of length `len` into the rota. */
static int parse_part(const char *part, size_t len, a24_rota_t *rota, char *err, size_t errlen)
{
    char buf[128];
    if (len >= sizeof buf)
        goto bad;
    memcpy(buf, part, len);
    buf[len] = '\0';
    const char *p = skip(buf);
    bool days[7] = {false};
    bool any = false;
    while (isalpha((unsigned char)*p)) {
        int from = day_at(p), to;
        if (from < 0 || isalpha((unsigned char)p[3]))
            goto bad;
        p += 3;
        to = from;
        if (*p == '-') {
            to = day_at(p + 1);
            if (to < 0 || isalpha((unsigned char)p[4]))
                goto bad;
            p += 4;
        }
        for (int d = from;; d = (d + 1) % 7) {
            days[d] = any = true;
            if (d == to)
                break;
        }
        if (*p == ',')
            p++;
        p = skip(p);
    }
    int start, end;
    if (!any || read_time(&p, &start) != 0 || *p++ != '-' || read_time(&p, &end) != 0 ||
        *skip(p) != '\0')
        goto bad;
    if (end <= start)
        end += 24 * 60; /* past midnight */
    for (int d = 0; d < 7; d++) {
        if (!days[d])
            continue;
        if (rota->n == A24_ROTA_MAX_SHIFTS) {
            snprintf(err, errlen, "rota: more than %d shifts", A24_ROTA_MAX_SHIFTS);
            return -1;
        }
        rota->shifts[rota->n].start = d * 24 * 60 + start;
        rota->shifts[rota->n].end = d * 24 * 60 + end;
        rota->n++;
    }
    return 0;
bad:
    snprintf(err, errlen, "rota: cannot read \"%.*s\" (expected e.g. \"mon-fri 09:00-17:00\")",
             (int)(len > 60 ? 60 : len), part);
    return -1;
}

int a24_rota_parse(const char *text, a24_rota_t *rota, char *err, size_t errlen)
{
    rota->n = 0;
    const char *p = text;
    while (*skip(p) != '\0') {
        const char *semi = strchr(p, ';');
        size_t len = semi != NULL ? (size_t)(semi - p) : strlen(p);
        if (parse_part(p, len, rota, err, errlen) != 0)
            return -1;
        p += len + (semi != NULL);
    }
    return 0;
}

int a24_quiet_parse(const char *text, int *start, int *end)
{
    *start = *end = 0;
    const char *p = skip(text);
    if (*p == '\0')
        return 0;
    if (read_time(&p, start) != 0 || *p++ != '-' || read_time(&p, end) != 0 || *skip(p) != '\0' ||
        *start == *end)
        return -1;
    return 0;
}

int a24_quiet_left(int start, int end, int minute)
{
    if (start == end)
        return 0;
    int len = (end - start + 1440) % 1440, into = (minute - start + 1440) % 1440;
    return into < len ? len - into : 0;
}

int a24_rota_minute(int tm_wday, int tm_hour, int tm_min)
{
    return ((tm_wday + 6) % 7) * 24 * 60 + tm_hour * 60 + tm_min;
}

bool a24_rota_on_shift(const a24_rota_t *rota, int minute)
{
    for (size_t i = 0; i < rota->n; i++) {
        const a24_shift_t *s = &rota->shifts[i];
        /* A shift past Sunday midnight also covers the start of the week. */
        if ((minute >= s->start && minute < s->end) ||
            (minute + WEEK >= s->start && minute + WEEK < s->end))
            return true;
    }
    return false;
}

void a24_rota_format(const a24_rota_t *rota, char *out, size_t len)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < rota->n && o < len; i++) {
        const a24_shift_t *s = &rota->shifts[i];
        int start = s->start % (24 * 60), end = s->end - (s->start - start);
        o += (size_t)snprintf(out + o, len - o, "%s%s %02d:%02d-%02d:%02d", i > 0 ? "; " : "",
                              day_names[s->start / (24 * 60)], start / 60, start % 60,
                              (end / 60) % 24, end % 60);
    }
}

/* ---------------------------------------------------------------- coverage ahead */

void a24_rota_zone(const char *zone)
{
    const char *now = getenv("TZ");
    if (now == NULL || strcmp(now, zone) != 0) {
        setenv("TZ", zone, 1);
        tzset();
    }
}

/* The pairs of `wanted` nobody covers at moment `t`. */
static uint64_t uncovered_at(const a24_cover_t *experts, size_t n, uint64_t wanted, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm local;
    localtime_r(&tt, &local);
    int minute = a24_rota_minute(local.tm_wday, local.tm_hour, local.tm_min);
    uint64_t covered = 0;
    for (size_t i = 0; i < n && (wanted & ~covered) != 0; i++)
        if ((experts[i].pairs & wanted & ~covered) != 0 &&
            a24_rota_on_shift(experts[i].rota, minute))
            covered |= experts[i].pairs;
    return wanted & ~covered;
}

/* Orders gaps by start, then pair. */
static int by_start(const void *a, const void *b)
{
    const a24_gap_t *x = a, *y = b;
    if (x->start != y->start)
        return (x->start > y->start) - (x->start < y->start);
    return (x->pair > y->pair) - (x->pair < y->pair);
}

size_t a24_rota_gaps(const a24_cover_t *experts, size_t n, uint64_t wanted, int64_t from,
                     int64_t to, a24_gap_t *out, size_t max)
{
    int64_t open[64];
    size_t count = 0;
    uint64_t was = 0;
    from -= ((from % 60) + 60) % 60;
    for (int64_t t = from; t < to + 60; t += 60) {
        uint64_t now = t < to ? uncovered_at(experts, n, wanted, t) : 0;
        for (int p = 0; p < 64; p++) {
            uint64_t bit = (uint64_t)1 << p;
            if ((now & bit) && !(was & bit))
                open[p] = t;
            if (!(now & bit) && (was & bit)) {
                if (count < max)
                    out[count] = (a24_gap_t){p, open[p], t < to ? t : to};
                count++;
            }
        }
        was = now;
    }
    qsort(out, count < max ? count : max, sizeof *out, by_start);
    return count;
}
