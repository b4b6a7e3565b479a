/*
 * summary: the web UI and JSON API of `vigil serve` (docs/web.md)
 */
#ifndef VIGIL_WEB_WEB_H
#define VIGIL_WEB_WEB_H

#include <stddef.h>

#include "util/log.h"

struct web_config {
    const char *state;  /* the SQLite state vigil analyze wrote (borrowed) */
    const char *listen; /* "HOST:PORT" or "[V6]:PORT"; port 0 picks a free one */
    const char *token;  /* required on every request when set; NULL: none */
};

/*
 * Serves until SIGINT or SIGTERM. Refuses a non-loopback listen address without a token.
 * Prints "vigil: listening on http://HOST:PORT/" on stderr once bound. Returns 0, or 1 after
 * printing the error.
 */
int web_serve(const struct web_config *cfg) WARN_UNUSED;

/* Lock modes of a locked link (mission.md: Lock Link, Double Lock Link). */
enum { WEB_LOCK = 1, WEB_DOUBLE_LOCK = 2 };

/*
 * Writes into out the path-and-query of a locked link to dest ("/lock?m=..&d=..&t=.."),
 * signed with the state's secret (created on first use). dest must be an http or https URL.
 * Returns 0, or -1 with err set.
 */
int web_lock_sign(const char *state, const char *dest, int mode, char *out, size_t outlen,
                  char *err, size_t errlen) WARN_UNUSED;

#endif
