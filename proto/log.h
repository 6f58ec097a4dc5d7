/*
 * log: JSON lines on stderr, one event a line.
 *
 * Every line is {"ts", "level", "prog", "event", ...fields}. Fields are given as a
 * Jansson pack format, so a value is always JSON-escaped and never spliced into text.
 *
 * Must never: write question, follow-up, note or answer text, an access code, a
 * session token or a client address. Callers pass ticket ids, codes of errors and
 * counts; nothing a citizen typed.
 */
#ifndef A24_LOG_H
#define A24_LOG_H

/** The longest request id kept (a proxy's X-Request-Id longer than this is replaced). */
#define A24_LOG_REQUEST_ID_MAX 64

typedef enum { A24_LOG_DEBUG, A24_LOG_INFO, A24_LOG_WARN, A24_LOG_ERROR } a24_log_level_t;

/** Sets the program name and the lowest level written ("debug".."error"; NULL keeps info). */
void a24_log_init(const char *prog, const char *level);

/**
 * Writes one event. `fmt` is a json_pack object body such as "{s:s, s:i}" followed by
 * its values, or NULL for no fields.
 */
void a24_log(a24_log_level_t level, const char *event, const char *fmt, ...);

/**
 * Sets the id of the request being handled (copied; NULL or "" clears it): every line
 * written meanwhile carries it as "request_id", and the response carries the same id
 * in X-Request-Id, so a person's report finds its line. Single-threaded, like the loop.
 */
void a24_log_request(const char *id);

/** The request id set now ("" when none). */
const char *a24_log_request_id(void);

#define a24_log_info(...) a24_log(A24_LOG_INFO, __VA_ARGS__)
#define a24_log_warn(...) a24_log(A24_LOG_WARN, __VA_ARGS__)
#define a24_log_error(...) a24_log(A24_LOG_ERROR, __VA_ARGS__)
#define a24_log_debug(...) a24_log(A24_LOG_DEBUG, __VA_ARGS__)

#endif
