/*
 * summary: option parsing shared by the commands
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "sensor/sensor.h"
#include "util/log.h"

int cli_parse_internal(struct sensor_config *cfg, const char *spec)
{
    char err[160];
    struct cidr_set set;
    if (cidr_set_parse(&set, spec, err, sizeof(err)) < 0) {
        vigil_error("--internal", "%s", err);
        return -1;
    }
    cidr_set_release(&cfg->internal);
    cfg->internal = set;
    return 0;
}

int cli_parse_ulong(const char *opt, const char *text, unsigned long max, unsigned long *out)
{
    unsigned long v = 0;
    const char *p = text;
    if (!*p) {
        vigil_error(opt, "expects a number");
        return -1;
    }
    for (; *p; p++) {
        if (*p < '0' || *p > '9') {
            vigil_error(opt, "'%s' is not a non-negative integer", text);
            return -1;
        }
        if (v > (max - (unsigned long)(*p - '0')) / 10) {
            vigil_error(opt, "'%s' is larger than %lu", text, max);
            return -1;
        }
        v = v * 10 + (unsigned long)(*p - '0');
    }
    *out = v;
    return 0;
}
