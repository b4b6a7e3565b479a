/*
 * summary: the command-line front end: one function per command
 *
 * Each returns the process exit status: 0 success, 1 runtime failure,
 * 2 usage error (design.md).
 */
#ifndef VIGIL_CLI_CLI_H
#define VIGIL_CLI_CLI_H

#define EXIT_USAGE 2

int cmd_events(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_report(int argc, char **argv);

/* Shared option handling (cli_common.c). */
struct sensor_config;
/* Parses "--internal CIDR,…" into cfg; prints the error and returns -1 if bad. */
int cli_parse_internal(struct sensor_config *cfg, const char *spec);
/* Parses a non-negative integer option; prints the error and returns -1 if bad. */
int cli_parse_ulong(const char *opt, const char *text, unsigned long max, unsigned long *out);

/*
 * The long options every command that reads traffic shares (--internal,
 * --max-flows, the timeouts), as getopt_long entries with values from
 * CLI_OPT_SENSOR_FIRST on; CLI_SENSOR_OPTIONS goes inside a struct option
 * array. cli_sensor_option() handles one: returns 1 if it was one of
 * them, 0 if not, -1 after printing a usage error.
 */
enum {
    CLI_OPT_INTERNAL = 1000,
    CLI_OPT_MAX_FLOWS,
    CLI_OPT_TCP_TIMEOUT,
    CLI_OPT_UDP_TIMEOUT,
    CLI_OPT_OTHER_TIMEOUT,
    CLI_OPT_ACTIVE_TIMEOUT,
};
#define CLI_SENSOR_OPTIONS                                                                         \
    {"internal", required_argument, NULL, CLI_OPT_INTERNAL},                                       \
        {"max-flows", required_argument, NULL, CLI_OPT_MAX_FLOWS},                                 \
        {"tcp-timeout", required_argument, NULL, CLI_OPT_TCP_TIMEOUT},                             \
        {"udp-timeout", required_argument, NULL, CLI_OPT_UDP_TIMEOUT},                             \
        {"other-timeout", required_argument, NULL, CLI_OPT_OTHER_TIMEOUT},                         \
        {"active-timeout", required_argument, NULL, CLI_OPT_ACTIVE_TIMEOUT}
#define CLI_SENSOR_HELP                                                                            \
    "  --internal CIDR[,CIDR...]  the organisation's networks (default: RFC 1918,\n"               \
    "                             RFC 4193 and link-local ranges)\n"                              \
    "  --max-flows N              most flows tracked at once (default 1048576); when\n"           \
    "                             full, the flow idle the longest is ended early\n"               \
    "  --tcp-timeout SECONDS      idle timeout of open TCP flows (default 300)\n"                 \
    "  --udp-timeout SECONDS      idle timeout of UDP flows (default 60)\n"                       \
    "  --other-timeout SECONDS    idle timeout of ICMP and other flows (default 60)\n"            \
    "  --active-timeout SECONDS   report and restart flows older than this\n"                     \
    "                             (default 3600; 0 disables)\n"

/*
 * If argv holds "--config FILE", replaces argc/argv with the file's settings
 * as options, followed by the rest of the command line. Keys must be long
 * options of opts. Returns 0, or -1 after printing "vigil: FILE:LINE: what".
 */
struct option;
int cli_apply_config(int *argc, char ***argv, const struct option *opts);

/*
 * getopt_long with vigil's error lines: an unknown option or a missing
 * value prints "vigil: CMD: unknown option '--x'" (or "... needs a value")
 * instead of getopt's own message, and returns '?'. shortopts may start
 * with '+' (stop at the first operand), as for getopt_long.
 */
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
               const char *cmd);

/* Sets up cfg with the defaults (the caller releases cfg->internal). */
void cli_sensor_defaults(struct sensor_config *cfg);
int cli_sensor_option(int c, const char *arg, struct sensor_config *cfg);

#endif
