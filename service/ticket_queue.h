/*
 * ticket_queue: the staff queues (GET /api/v1/tickets), the continuation of the route
 * http_tickets.c declares behind a24_auth_require.
 */
#ifndef A24_TICKET_QUEUE_H
#define A24_TICKET_QUEUE_H

#include "auth.h"

/**
 * GET /api/v1/tickets?view=&limit=&cursor=, once signed in as an expert or supervisor:
 * answers 400 for a bad view, limit or cursor, 403 for a supervisor's view asked by an
 * expert, otherwise starts ticket_list.lua and answers 200 {"tickets", "next_cursor"}.
 */
void a24_ticket_queue_list(a24_app_t *app, h2o_req_t *req, const a24_route_match_t *m,
                           const a24_staff_t *staff);

#endif
