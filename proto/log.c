/*
 * log: the JSON-lines writer. The line is built whole and written with one call so
 * that lines from several processes sharing a terminal never interleave mid-line.
 */
#include "log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"

static const char *prog_name = "answer24";
static a24_log_level_t min_level = A24_LOG_INFO;
static const char *level_names[] = {"debug", "info", "warn", "error"};

void a24_log_init(const char *prog, const char *level)
{
    if (prog != NULL)
        prog_name = prog;
    for (int i = 0; level != NULL && i < 4; i++)
        if (strcmp(level, level_names[i]) == 0)
            min_level = (a24_log_level_t)i;
}

/* The request being handled on this (the only) thread, or "". */
static char request_id[A24_LOG_REQUEST_ID_MAX + 1];

void a24_log_request(const char *id)
{
    snprintf(request_id, sizeof request_id, "%s", id != NULL ? id : "");
}

const char *a24_log_request_id(void)
{
    return request_id;
}

void a24_log(a24_log_level_t level, const char *event, const char *fmt, ...)
{
    if (level < min_level)
        return;
    char ts[A24_RFC3339_LEN];
    a24_clock_format(a24_clock_now(), ts);
    json_t *line = json_pack("{s:s, s:s, s:s, s:s}", "ts", ts, "level", level_names[level], "prog",
                             prog_name, "event", event);
    if (line == NULL)
        return;
    if (fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        json_t *fields = json_vpack_ex(NULL, 0, fmt, ap);
        va_end(ap);
        if (fields != NULL)
            json_object_update(line, fields);
        json_decref(fields);
    }
    if (request_id[0] != '\0')
        json_object_set_new(line, "request_id", json_string(request_id));
    char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(line);
    if (text == NULL)
        return;
    size_t len = strlen(text);
    text[len] = '\n'; /* json_dumps leaves room for the NUL we overwrite */
    ssize_t ignored = write(STDERR_FILENO, text, len + 1);
    (void)ignored;
    free(text);
}
