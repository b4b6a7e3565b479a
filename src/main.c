/*
 * summary: vigil's entry point: command dispatch only
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "util/log.h"
#include "version.h"

int cmd_email(int argc, char **argv); /* cli/cmd_email.c */
int cmd_serve(int argc, char **argv); /* cli/cmd_serve.c */

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"events", cmd_events, "read captures, print metadata events as JSON lines"},
    {"monitor", cmd_monitor, "capture live from an interface, print events as JSON lines"},
    {"analyze", cmd_analyze, "learn the pattern of life from captures (with --state, persist it)"},
    {"report", cmd_report, "show the learned picture of every device"},
    {"serve", cmd_serve, "serve the web UI and JSON API over the state"},
    {"email", cmd_email, "judge mail against the learned correspondence, one JSON verdict each"},
};

static void usage(FILE *f)
{
    fputs("usage: vigil [--version] [--help] COMMAND [ARGS...]\n"
          "\n"
          "vigil learns what is normal for an organisation's network and mail and\n"
          "flags what is unusual against it.\n"
          "\n"
          "commands:\n",
          f);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fputs("\n'vigil COMMAND --help' describes a command.\n", f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("vigil %s\n", VIGIL_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    vigil_error(NULL, "'%s' is not a vigil command (see 'vigil --help')", cmd);
    return EXIT_USAGE;
}
