/*
 * clock: wall and monotonic time in milliseconds, and RFC 3339 formatting.
 * Must never: format local time; every timestamp answer24 writes is UTC.
 */
#include "clock.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Reads `id` as milliseconds. */
static a24_ms_t read_clock(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (a24_ms_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

a24_ms_t a24_clock_now(void)
{
    return read_clock(CLOCK_REALTIME);
}

a24_ms_t a24_clock_mono(void)
{
    return read_clock(CLOCK_MONOTONIC);
}

void a24_clock_format(a24_ms_t ms, char out[A24_RFC3339_LEN])
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char buf[64];
    snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
    memcpy(out, buf, A24_RFC3339_LEN - 1);
    out[A24_RFC3339_LEN - 1] = '\0';
}

int64_t a24_clock_day(a24_ms_t ms)
{
    return ms / (24 * 3600 * 1000LL);
}
