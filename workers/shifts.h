/*
 * shifts: starts and ends experts' shifts from their weekly rota (part of the deadline
 * role). Every rota.tick it reads the rotas, works out who is on shift now in
 * rota.timezone, and hands each user's state to rota_tick.lua, which acts only on a
 * change: the start of a shift puts the expert on duty, the end takes them off and
 * hands back every claim, telling the supervisors through the live feed.
 *
 * Must never: fight an expert's own duty switch between shift edges.
 */
#ifndef A24_SHIFTS_H
#define A24_SHIFTS_H

#include "worker.h"

typedef struct a24_shifts a24_shifts_t;

/** Starts the rota ticks on the worker's loop and store (sets TZ for the process). */
a24_shifts_t *a24_shifts_create(a24_worker_t *w, char *err, size_t errlen);

/** Stops the ticks; frees itself once its timer has closed. */
void a24_shifts_destroy(a24_shifts_t *r);

#endif
