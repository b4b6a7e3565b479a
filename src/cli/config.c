/*
 * summary: the configuration file: "key = value" lines that stand for command-line options
 *
 * A key is the long option without its dashes ("internal = 10.0.0.0/8",
 * "learning-period = 7d"); # starts a comment. The file's options come
 * first and the command line's after them, so the command line wins. An
 * unknown key or a malformed line is refused as "vigil: FILE:LINE: what".
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/log.h"

#define CONFIG_LINE_MAX 4096
#define CONFIG_MAX_ENTRIES 128

/*
 * The argument vector a configuration file built and the strings it holds:
 * getopt's results point into them until exit, when they are released (so
 * that a leak checker finds nothing).
 */
static char **cfg_argv;
static char **cfg_owned;
static int cfg_nowned;

static void cfg_release(void)
{
    for (int i = 0; i < cfg_nowned; i++)
        free(cfg_owned[i]);
    free(cfg_owned);
    free(cfg_argv);
    cfg_owned = cfg_argv = NULL;
    cfg_nowned = 0;
}

static char *cfg_keep(char *s)
{
    cfg_owned[cfg_nowned++] = s;
    return s;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

static const struct option *find_opt(const struct option *opts, const char *name)
{
    for (; opts->name; opts++)
        if (strcmp(opts->name, name) == 0)
            return opts;
    return NULL;
}

int cli_apply_config(int *argc, char ***argv, const struct option *opts)
{
    const char *path = NULL;
    int at = -1;
    for (int i = 1; i < *argc; i++) {
        if (strcmp((*argv)[i], "--") == 0)
            break;
        if (strcmp((*argv)[i], "--config") == 0 && i + 1 < *argc) {
            path = (*argv)[i + 1];
            at = i;
            break;
        }
        if (strncmp((*argv)[i], "--config=", 9) == 0) {
            path = (*argv)[i] + 9;
            at = i;
            break;
        }
    }
    if (!path)
        return 0;
    int drop = strncmp((*argv)[at], "--config=", 9) == 0 ? 1 : 2;
    FILE *f = fopen(path, "r");
    if (!f) {
        vigil_error(path, "cannot read configuration: %s", strerror(errno));
        return -1;
    }
    char **nv = xcalloc((size_t)*argc + 2 * CONFIG_MAX_ENTRIES + 1, sizeof(char *));
    cfg_release(); /* a second --config (tests call this more than once) */
    cfg_owned = xcalloc(2 * CONFIG_MAX_ENTRIES + 2, sizeof(char *));
    static int registered;
    if (!registered) {
        atexit(cfg_release);
        registered = 1;
    }
    int nc = 0;
    nv[nc++] = (*argv)[0];
    char line[CONFIG_LINE_MAX];
    int lineno = 0, entries = 0, rc = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *s = trim(line);
        if (!*s)
            continue;
        char *eq = strchr(s, '=');
        char *key = s, *val = NULL;
        if (eq) {
            *eq = '\0';
            key = trim(s);
            val = trim(eq + 1);
        }
        const struct option *o = find_opt(opts, key);
        if (!o || strcmp(key, "config") == 0 || strcmp(key, "help") == 0) {
            fprintf(stderr, "vigil: %s:%d: unknown key '%s'\n", path, lineno, key);
            rc = -1;
            break;
        }
        if (o->has_arg == required_argument && (!val || !*val)) {
            fprintf(stderr, "vigil: %s:%d: '%s' needs a value ('%s = ...')\n", path, lineno, key,
                    key);
            rc = -1;
            break;
        }
        if (o->has_arg == no_argument && val && *val && strcmp(val, "true") != 0 &&
            strcmp(val, "yes") != 0) {
            if (strcmp(val, "false") == 0 || strcmp(val, "no") == 0)
                continue;
            fprintf(stderr, "vigil: %s:%d: '%s' is a switch: true or false\n", path, lineno, key);
            rc = -1;
            break;
        }
        if (++entries > CONFIG_MAX_ENTRIES) {
            fprintf(stderr, "vigil: %s:%d: more than %d settings\n", path, lineno,
                    CONFIG_MAX_ENTRIES);
            rc = -1;
            break;
        }
        size_t kl = strlen(key) + 3;
        char *flag = cfg_keep(xmalloc(kl));
        snprintf(flag, kl, "--%s", key);
        nv[nc++] = flag;
        if (o->has_arg == required_argument)
            nv[nc++] = cfg_keep(xstrdup(val));
    }
    fclose(f);
    if (rc < 0) {
        free(nv);
        cfg_release();
        return -1;
    }
    for (int i = 1; i < *argc; i++)
        if (i < at || i >= at + drop)
            nv[nc++] = (*argv)[i];
    nv[nc] = NULL;
    /* the strings live until exit (cfg_release): the options point into them */
    cfg_argv = nv;
    *argc = nc;
    *argv = nv;
    return 0;
}
