/*
 * static: the pages, served from http.static_dir with the same security headers as
 * the API. "/" is the citizen page, "/t/<ticket>" the return page (the access code
 * stays in the fragment and never reaches us), "/console" and "/oncall" the staff
 * pages (read once at start, with their shared fragments expanded); anything else is a
 * file under the directory or a 404.
 */
#ifndef A24_STATIC_H
#define A24_STATIC_H

#include "app.h"

/**
 * Reads and expands the pages (pages.h), then registers the page handler on "/" of
 * `host`; call last (first match wins). 0, or -1 with the reason in `err` (nothing
 * registered).
 */
int a24_static_register(h2o_hostconf_t *host, a24_app_t *app, char *err, size_t errlen);

#endif
