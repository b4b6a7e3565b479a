/*
 * summary: `vigil serve`: the web UI and JSON API over a state (docs/web.md)
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/log.h"
#include "web/web.h"

int cmd_serve(int argc, char **argv);

static const char serve_usage[] =
    "usage: vigil serve [--state DB] [--listen 127.0.0.1:8080] [--token TOKEN]\n"
    "       vigil serve --state DB --lock-link URL [--double]\n"
    "\n"
    "Serves the web UI and JSON API (/api/) over the state vigil analyze wrote.\n"
    "\n"
    "  --state DB         the state (default vigil.db)\n"
    "  --listen HOST:PORT address to listen on (default 127.0.0.1:8080; port 0 picks one);\n"
    "                     any non-loopback address needs --token\n"
    "  --token TOKEN      require TOKEN on every request (Authorization: Bearer TOKEN, or\n"
    "                     open /?token=TOKEN once to get a cookie); also VIGIL_TOKEN\n"
    "  --lock-link URL    print the locked link (path and query) for URL and exit\n"
    "  --double           with --lock-link: a Double Lock Link (two confirmations)\n"
    "  --config FILE      read these options from FILE (key = value lines)\n";

enum { OPT_STATE = 1, OPT_LISTEN, OPT_TOKEN, OPT_LOCK, OPT_DOUBLE, OPT_CONFIG };

int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {
        {"state", required_argument, NULL, OPT_STATE},
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"token", required_argument, NULL, OPT_TOKEN},
        {"lock-link", required_argument, NULL, OPT_LOCK},
        {"double", no_argument, NULL, OPT_DOUBLE},
        {"config", required_argument, NULL, OPT_CONFIG},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    if (cli_apply_config(&argc, &argv, opts) < 0)
        return EXIT_USAGE;
    struct web_config cfg = {.state = "vigil.db", .listen = "127.0.0.1:8080",
                             .token = getenv("VIGIL_TOKEN")};
    const char *lock = NULL;
    int dbl = 0, c;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "+h", opts, "serve")) != -1) {
        switch (c) {
        case OPT_STATE:
            cfg.state = optarg;
            break;
        case OPT_LISTEN:
            cfg.listen = optarg;
            break;
        case OPT_TOKEN:
            cfg.token = optarg;
            break;
        case OPT_LOCK:
            lock = optarg;
            break;
        case OPT_DOUBLE:
            dbl = 1;
            break;
        case OPT_CONFIG:
            break; /* applied above */
        case 'h':
            fputs(serve_usage, stdout);
            return 0;
        default:
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        vigil_error("serve", "unexpected argument '%s'", argv[optind]);
        return EXIT_USAGE;
    }
    if (access(cfg.state, R_OK | W_OK) != 0) {
        vigil_error(cfg.state, "cannot open state: %m");
        return 1;
    }
    if (lock) {
        char out[8192], err[256];
        if (web_lock_sign(cfg.state, lock, dbl ? WEB_DOUBLE_LOCK : WEB_LOCK, out, sizeof(out),
                          err, sizeof(err)) < 0) {
            vigil_error("serve", "%s", err);
            return 1;
        }
        return puts(out) == EOF ? 1 : 0;
    }
    return web_serve(&cfg);
}
