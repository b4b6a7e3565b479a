/*
 * summary: breaches, incidents and threat per device, as JSON, for `vigil report`
 */
#ifndef VIGIL_MODELS_REPORT_H
#define VIGIL_MODELS_REPORT_H

#include <stddef.h>
#include <stdint.h>

struct jbuf;

/*
 * Writes {"<device>": {"breaches": [...], "incidents": [...], "threat": N}, ...}
 * for the state at path, with threat decayed to now. Returns 0 or -1 (err).
 */
int breach_report_json(const char *path, int64_t now, struct jbuf *jb, char *err, size_t errlen);

#endif
