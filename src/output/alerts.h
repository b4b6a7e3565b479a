/*
 * summary: where breaches go: JSON lines, CEF lines, RFC 5424 syslog
 *
 * References: design.md (the breach record), ArcSight "Common Event Format"
 * rev. 25 (header and extension escaping), RFC 5424 (syslog message format)
 * and RFC 5426 (syslog over UDP).
 */
#ifndef VIGIL_OUTPUT_ALERTS_H
#define VIGIL_OUTPUT_ALERTS_H

#include <stdio.h>

#include "models/engine.h"

enum alert_format { ALERT_JSON, ALERT_CEF, ALERT_SYSLOG };

struct alert_out {
    enum alert_format fmt;
    FILE *f;      /* JSON, CEF: the file (borrowed if stdout) */
    int owns_f;
    int sock;     /* syslog: a datagram socket, connected */
    char host[64];
    int write_error;
    unsigned long sent;
};

/*
 * Opens a destination: for JSON and CEF a file path or "-"; for syslog
 * "udp:HOST:PORT" or "unix:PATH" (e.g. unix:/dev/log). Returns 0, or -1
 * after printing the error line.
 */
int alert_out_open(struct alert_out *o, enum alert_format fmt, const char *dest)
    __attribute__((warn_unused_result));
/* Flushes and closes; returns -1 if anything could not be written. */
int alert_out_close(struct alert_out *o);
struct breach_sink alert_out_sink(struct alert_out *o);

/* Formats b as one CEF line (no newline) into out. */
void breach_to_cef(const struct breach *b, char *out, size_t outlen);

#endif
