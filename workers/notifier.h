/*
 * notifier: delivers alert events to the configured webhooks.
 *
 * Reads the alert stream through the consumer group "notifier" (so several
 * notifiers share the work and a dead one's entries are taken over with XAUTOCLAIM),
 * posts each event to every webhook whose audience it names, through libcurl's multi
 * interface on the libuv loop, and retries with exponential backoff and jitter until
 * the receiver answers 2xx. An entry is acknowledged only when every delivery of it
 * succeeded, so a notifier killed mid-way delivers again; receivers drop the
 * duplicates by the Idempotency-Key header ("alert-<id>-<event>-<seq>").
 *
 * Must never: put question text in a webhook (it has none to put), or drop an event
 * because a receiver was down.
 */
#ifndef A24_NOTIFIER_H
#define A24_NOTIFIER_H

#include <jansson.h>

#include "worker.h"

/**
 * The notifier on the worker's loop; stopping it cancels the deliveries in flight (they
 * stay unacknowledged).
 */
extern const a24_worker_part_t a24_notifier_part;

/**
 * The webhook body of one alert event (the contract's {"alert", "text"} plus event,
 * notify, category, language and url). `fields` is the stream entry as name/value
 * pairs. A new reference, or NULL if the entry is not an alert event.
 */
json_t *a24_notifier_body(const a24_config_t *cfg, const char *const *fields, size_t nfields);

#endif
