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

/*
 * The mail log (verdicts.c): `vigil email --state` appends every verdict it prints to the state's
 * table email_verdicts, which the email pages and /api/email read. open: NULL with err on
 * failure. add: json (len bytes) is one verdict object as printed; -1 if it is not one or the
 * row cannot be written. close: commits what is pending and frees v (NULL is a no-op). Rows are
 * committed every 500 messages, so the state is not held locked for a whole run.
 */
struct web_verdicts;
struct web_verdicts *web_verdicts_open(const char *state, char *err, size_t errlen);
int web_verdicts_add(struct web_verdicts *v, const char *json, size_t len) WARN_UNUSED;
int web_verdicts_close(struct web_verdicts *v, char *err, size_t errlen) WARN_UNUSED;

#endif
