/*
 * summary: option parsing shared by the commands
 */
#include <getopt.h>
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

void cli_sensor_defaults(struct sensor_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    flow_config_default(&cfg->flow);
    cidr_set_default_internal(&cfg->internal);
}

#define MAX_TIMEOUT_S 604800UL /* a week */

int cli_sensor_option(int c, const char *arg, struct sensor_config *cfg)
{
    unsigned long v;
    static const char *const names[] = {"--internal", "--max-flows", "--tcp-timeout",
                                        "--udp-timeout", "--other-timeout", "--active-timeout"};
    if (c < CLI_OPT_INTERNAL || c > CLI_OPT_ACTIVE_TIMEOUT)
        return 0;
    const char *name = names[c - CLI_OPT_INTERNAL];
    switch (c) {
    case CLI_OPT_INTERNAL:
        return cli_parse_internal(cfg, arg) < 0 ? -1 : 1;
    case CLI_OPT_MAX_FLOWS:
        if (cli_parse_ulong(name, arg, 1UL << 30, &v) < 0)
            return -1;
        if (v < 1) {
            vigil_error(name, "must be at least 1");
            return -1;
        }
        cfg->flow.max_flows = v;
        return 1;
    default:
        if (cli_parse_ulong(name, arg, MAX_TIMEOUT_S, &v) < 0)
            return -1;
        int64_t us = (int64_t)v * 1000000;
        if (c == CLI_OPT_TCP_TIMEOUT)
            cfg->flow.tcp_idle_us = us;
        else if (c == CLI_OPT_UDP_TIMEOUT)
            cfg->flow.udp_idle_us = us;
        else if (c == CLI_OPT_OTHER_TIMEOUT)
            cfg->flow.other_idle_us = us;
        else
            cfg->flow.active_us = us;
        return 1;
    }
}

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
               const char *cmd)
{
    char opts[64];
    /* ':' right after the optional '+' makes getopt tell a missing value (':') from '?' */
    if (shortopts[0] == '+')
        snprintf(opts, sizeof(opts), "+:%s", shortopts + 1);
    else
        snprintf(opts, sizeof(opts), ":%s", shortopts);
    opterr = 0;
    int c = getopt_long(argc, argv, opts, longopts, NULL);
    if (c == '?' || c == ':') {
        const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
        char shortbuf[3] = {'-', (char)optopt, '\0'};
        /* for an unknown short option in a cluster, name the letter itself */
        if (optopt && (arg[0] != '-' || arg[1] != '-'))
            arg = shortbuf;
        if (c == ':')
            vigil_error(cmd, "option '%s' needs a value", arg);
        else
            vigil_error(cmd, "unknown option '%s' (see 'vigil %s --help')", arg, cmd);
        return '?';
    }
    return c;
}
