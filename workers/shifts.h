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

#include "ticker.h"

/**
 * The rota ticks on the worker's loop and store. Shift times are local: the process runs
 * in rota.timezone (set by a24_cli_start).
 */
extern const a24_worker_part_t a24_shifts_part;

#endif
