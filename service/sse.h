/*
 * sse: live updates for the consoles and the on-call dashboard, as Server-Sent Events.
 *
 * One feed per process follows the ticket event stream (a24:events) and the alert
 * stream (a24:alerts) on its own Redis connection (XREAD BLOCK, through the stream
 * reader of proto/stream.h) and fans each entry out to the connected staff whose role
 * and specialties it concerns:
 *   supervisors  every ticket and alert event
 *   experts      events of tickets in their categories and languages, or offered to
 *                them, held by them or taken from them; alerts addressed to experts
 *   oncall       every alert event
 * `GET /api/v1/events` authenticates with the Bearer header or, for EventSource
 * (which cannot send headers), the HttpOnly SameSite=Strict session cookie, so the
 * token never appears in a URL or a log. A comment line every 20 s keeps proxies
 * from closing the stream and lets h2o notice HTTP/1 clients that left.
 *
 * A stream ends within A24_STREAM_RECHECK_MS (auth.h) of its session: signed out, ended
 * by a new password or a disabled account, or expired. An account holds at most
 * http.max_streams_per_account streams on one front end; more get 429 too_many_streams.
 *
 * Must never: send a question text (events carry none), write to a stream while a
 * previous write is in flight, touch a client after its request was disposed, or keep
 * a stream whose session is over.
 */
#ifndef A24_SSE_H
#define A24_SSE_H

#include "app.h"

typedef struct a24_feed a24_feed_t;

/** Starts the process' feed on `app`'s loop. NULL with `err` on failure. */
a24_feed_t *a24_feed_create(a24_app_t *app, char *err, size_t errlen);

/** Ends every stream and stops the feed; it frees itself once its handles closed. */
void a24_feed_destroy(a24_feed_t *f);

#endif
