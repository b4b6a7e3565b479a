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

/* Shared option handling (cli_common.c). */
struct sensor_config;
/* Parses "--internal CIDR,…" into cfg; prints the error and returns -1 if bad. */
int cli_parse_internal(struct sensor_config *cfg, const char *spec);
/* Parses a non-negative integer option; prints the error and returns -1 if bad. */
int cli_parse_ulong(const char *opt, const char *text, unsigned long max, unsigned long *out);

#endif
