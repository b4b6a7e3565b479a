/*
 * summary: `vigil events` and `vigil monitor`: metadata events as JSON lines
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/capture.h"
#include "cli/cli.h"
#include "output/jsonl.h"
#include "sensor/sensor.h"
#include "util/log.h"

static const char events_usage[] =
    "usage: vigil events [OPTIONS] CAPTURE...\n"
    "\n"
    "Reads pcap or pcapng files (\"-\" for standard input) in the order given and\n"
    "prints one JSON object per line for every event: finished connections\n"
    "(\"type\":\"conn\", with Zeek conn.log field names) and, as they are added,\n"
    "application events. Flows continue across files.\n"
    "\n"
    "options:\n"
    CLI_SENSOR_HELP
    "  -o, --output FILE          write events to FILE instead of standard output\n"
    "  -v, --verbose              print packet, error and flow counters at the end\n"
    "  -h, --help                 show this help\n"
    "\n"
    "Progress is shown on standard error when it is a terminal.\n"
    "Exit status: 0 success, 1 a file could not be read completely, 2 usage error.\n";

static const char monitor_usage[] =
    "usage: vigil monitor -i IFACE [OPTIONS]\n"
    "\n"
    "Captures live from a network interface and prints events as JSON lines as\n"
    "they happen, until interrupted (SIGINT or SIGTERM), then ends the open flows.\n"
    "\n"
    "options:\n"
    "  -i, --interface IFACE      interface to capture on (required)\n"
    "  -f, --filter EXPR          BPF capture filter, as for tcpdump\n"
    "  --snaplen BYTES            bytes captured per packet (default 262144)\n"
    "  --no-promisc               do not put the interface in promiscuous mode\n"
    "  --internal CIDR[,CIDR...]  the organisation's networks\n"
    "  --max-flows N, --tcp-timeout S, --udp-timeout S, --other-timeout S,\n"
    "  --active-timeout S         as for vigil events\n"
    "  -o, --output FILE          write events to FILE instead of standard output\n"
    "  -v, --verbose              print counters when the capture ends\n"
    "  -h, --help                 show this help\n";

enum {
    OPT_SNAPLEN = 256,
    OPT_NO_PROMISC,
};

static const struct option long_opts[] = {
    CLI_SENSOR_OPTIONS,
    {"output", required_argument, NULL, 'o'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"interface", required_argument, NULL, 'i'},
    {"filter", required_argument, NULL, 'f'},
    {"snaplen", required_argument, NULL, OPT_SNAPLEN},
    {"no-promisc", no_argument, NULL, OPT_NO_PROMISC},
    {NULL, 0, NULL, 0},
};

struct run_opts {
    struct sensor_config cfg;
    const char *output;
    int verbose;
    const char *iface;
    const char *filter;
    int snaplen;
    int promisc;
};

/* Parses the options of both commands; returns 0, or the exit status to return. */
static int parse_opts(int argc, char **argv, struct run_opts *o, int live, const char *usage)
{
    memset(o, 0, sizeof(*o));
    cli_sensor_defaults(&o->cfg);
    o->promisc = 1;
    const char *shortopts = live ? "+o:vhi:f:" : "+o:vh";
    unsigned long v;
    int c;
    optind = 1;
    while ((c = cli_getopt(argc, argv, shortopts, long_opts, live ? "monitor" : "events")) != -1) {
        int handled = cli_sensor_option(c, optarg, &o->cfg);
        if (handled < 0)
            return EXIT_USAGE;
        if (handled)
            continue;
        switch (c) {
        case 'o':
            o->output = optarg;
            break;
        case 'v':
            o->verbose = 1;
            break;
        case 'h':
            fputs(usage, stdout);
            return -1;
        case 'i':
            o->iface = optarg;
            break;
        case 'f':
            o->filter = optarg;
            break;
        case OPT_SNAPLEN:
            if (cli_parse_ulong("--snaplen", optarg, 262144, &v) < 0)
                return EXIT_USAGE;
            o->snaplen = (int)v;
            break;
        case OPT_NO_PROMISC:
            o->promisc = 0;
            break;
        default:
            return EXIT_USAGE;
        }
    }
    if (!live && (o->iface || o->filter || o->snaplen || !o->promisc)) {
        vigil_error("events", "-i, --filter, --snaplen and --no-promisc belong to 'vigil monitor'");
        return EXIT_USAGE;
    }
    return 0;
}

static FILE *open_output(const char *path)
{
    if (!path || strcmp(path, "-") == 0)
        return stdout;
    FILE *f = fopen(path, "w");
    if (!f)
        vigil_error(path, "cannot write: %m");
    return f;
}

static int finish_output(FILE *out, struct jsonl_sink *js, const char *path)
{
    int bad = js->write_error;
    if (fflush(out) != 0)
        bad = 1;
    if (out != stdout && fclose(out) != 0)
        bad = 1;
    if (bad) {
        vigil_error(path ? path : "standard output", "write failed: %m");
        return -1;
    }
    return 0;
}

int cmd_events(int argc, char **argv)
{
    struct run_opts o;
    int rc = parse_opts(argc, argv, &o, 0, events_usage);
    if (rc) {
        cidr_set_release(&o.cfg.internal);
        return rc < 0 ? 0 : rc;
    }
    if (optind >= argc) {
        vigil_error("events", "no capture file given (see 'vigil events --help')");
        cidr_set_release(&o.cfg.internal);
        return EXIT_USAGE;
    }
    FILE *out = open_output(o.output);
    if (!out) {
        cidr_set_release(&o.cfg.internal);
        return 1;
    }
    static char obuf[1 << 20];
    setvbuf(out, obuf, _IOFBF, sizeof(obuf));

    struct event_bus bus;
    struct jsonl_sink js;
    event_bus_init(&bus);
    jsonl_sink_init(&js, out);
    if (event_bus_add(&bus, jsonl_sink_as_sink(&js)) < 0)
        BUG("event bus full");
    struct sensor s;
    if (sensor_init(&s, &o.cfg, &bus) < 0) {
        vigil_error("events", "cannot set up the flow table");
        return 1;
    }
    struct capture_progress pr;
    capture_progress_init(&pr, isatty(STDERR_FILENO), argv + optind, argc - optind);
    int status = 0;
    for (int i = optind; i < argc; i++)
        if (capture_file(argv[i], &s, &pr) < 0)
            status = 1;
    sensor_finish(&s);
    capture_progress_done(&pr);
    if (finish_output(out, &js, o.output) < 0)
        status = 1;
    if (o.verbose)
        sensor_print_stats(&s, stderr);
    sensor_release(&s);
    jsonl_sink_release(&js);
    cidr_set_release(&o.cfg.internal);
    return status;
}

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

int cmd_monitor(int argc, char **argv)
{
    struct run_opts o;
    int rc = parse_opts(argc, argv, &o, 1, monitor_usage);
    if (rc) {
        cidr_set_release(&o.cfg.internal);
        return rc < 0 ? 0 : rc;
    }
    if (!o.iface) {
        vigil_error("monitor", "no interface given: use -i IFACE (see 'vigil monitor --help')");
        cidr_set_release(&o.cfg.internal);
        return EXIT_USAGE;
    }
    if (optind < argc) {
        vigil_error("monitor", "unexpected argument '%s'", argv[optind]);
        cidr_set_release(&o.cfg.internal);
        return EXIT_USAGE;
    }
    FILE *out = open_output(o.output);
    if (!out) {
        cidr_set_release(&o.cfg.internal);
        return 1;
    }
    setvbuf(out, NULL, _IOLBF, 0);

    struct event_bus bus;
    struct jsonl_sink js;
    event_bus_init(&bus);
    jsonl_sink_init(&js, out);
    if (event_bus_add(&bus, jsonl_sink_as_sink(&js)) < 0)
        BUG("event bus full");
    struct sensor s;
    if (sensor_init(&s, &o.cfg, &bus) < 0) {
        vigil_error("monitor", "cannot set up the flow table");
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    struct live_options lo = {
        .iface = o.iface,
        .filter = o.filter,
        .snaplen = o.snaplen,
        .promisc = o.promisc,
        .stop = &stop_flag,
    };
    int status = capture_live(&lo, &s) < 0 ? 1 : 0;
    sensor_finish(&s);
    if (finish_output(out, &js, o.output) < 0)
        status = 1;
    if (o.verbose)
        sensor_print_stats(&s, stderr);
    sensor_release(&s);
    jsonl_sink_release(&js);
    cidr_set_release(&o.cfg.internal);
    return status;
}
