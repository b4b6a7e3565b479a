/*
 * summary: `vigil analyze` (learn from captures into the state) and `vigil report`
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "capture/capture.h"
#include "cli/cli.h"
#include "life/life.h"
#include "sensor/sensor.h"
#include "util/json.h"
#include "util/log.h"

static const char analyze_usage[] =
    "usage: vigil analyze [OPTIONS] CAPTURE...\n"
    "\n"
    "Reads pcap or pcapng files in the order given and learns from them the\n"
    "organisation's pattern of life: its devices, the endpoints each uses and how\n"
    "rare they are, hourly baselines, beaconing. With --state the learned state is\n"
    "loaded first and saved at the end, so later runs continue where this stopped.\n"
    "\n"
    "options:\n"
    "  --state DB                 SQLite file holding the learned state (created if\n"
    "                             missing); without it the state lives in memory only\n"
    CLI_SENSOR_HELP
    "  -v, --verbose              print packet, flow and learning counters at the end\n"
    "  -h, --help                 show this help\n"
    "\n"
    "Exit status: 0 success, 1 a file or the state could not be read or written,\n"
    "2 usage error.\n";

static const char report_usage[] =
    "usage: vigil report --state DB [--json]\n"
    "\n"
    "Shows what vigil has learned, per device: its usual endpoints and ports, the\n"
    "endpoints new to the organisation, and its beacons with their periods. The\n"
    "report depends only on the state, so the same history gives the same report.\n"
    "\n"
    "options:\n"
    "  --state DB   the state written by vigil analyze\n"
    "  --json       one JSON document instead of text\n"
    "  -h, --help   show this help\n";

enum { OPT_STATE = 300, OPT_JSON };

static void on_event(void *ctx, const struct event *ev)
{
    life_observe(ctx, ev, NULL);
}

int cmd_analyze(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_SENSOR_OPTIONS,
        {"state", required_argument, NULL, OPT_STATE},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct sensor_config cfg;
    cli_sensor_defaults(&cfg);
    const char *state = NULL;
    int verbose = 0, c, status = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
        int handled = cli_sensor_option(c, optarg, &cfg);
        if (handled < 0) {
            status = EXIT_USAGE;
            goto out_cfg;
        }
        if (handled)
            continue;
        switch (c) {
        case OPT_STATE:
            state = optarg;
            break;
        case 'v':
            verbose = 1;
            break;
        case 'h':
            fputs(analyze_usage, stdout);
            goto out_cfg;
        default:
            fputs(analyze_usage, stderr);
            status = EXIT_USAGE;
            goto out_cfg;
        }
    }
    if (optind >= argc) {
        vigil_error("analyze", "no capture file given (see 'vigil analyze --help')");
        status = EXIT_USAGE;
        goto out_cfg;
    }

    struct life_config lc;
    life_config_default(&lc);
    lc.internal = cfg.internal;
    struct life *life = life_new(&lc);
    char err[256];
    if (state && life_load(life, state, err, sizeof(err)) < 0) {
        vigil_error(state, "cannot load state: %s", err);
        status = 1;
        goto out_life;
    }

    struct event_bus bus;
    event_bus_init(&bus);
    struct event_sink sink = {.emit = on_event, .ctx = life};
    if (event_bus_add(&bus, sink) < 0)
        BUG("event bus full");
    struct sensor s;
    if (sensor_init(&s, &cfg, &bus) < 0) {
        vigil_error("analyze", "cannot set up the flow table");
        status = 1;
        goto out_life;
    }
    struct capture_progress pr;
    capture_progress_init(&pr, isatty(STDERR_FILENO), argv + optind, argc - optind);
    for (int i = optind; i < argc; i++)
        if (capture_file(argv[i], &s, &pr) < 0)
            status = 1;
    sensor_finish(&s);
    capture_progress_done(&pr);
    if (state && life_save(life, state, err, sizeof(err)) < 0) {
        vigil_error(state, "cannot save state: %s", err);
        status = 1;
    }
    if (verbose) {
        sensor_print_stats(&s, stderr);
        struct life_stats st;
        life_get_stats(life, &st);
        fprintf(stderr, "%-28s %zu\n%-28s %zu\n%-28s %zu\n%-28s %zu\n", "life_devices",
                st.devices, "life_entities", st.entities, "life_pairs", st.pairs, "life_series",
                st.series);
        fprintf(stderr, "%-28s %llu\n%-28s %llu\n%-28s %llu\n%-28s %llu\n",
                "life_evicted_devices", (unsigned long long)st.evicted_devices,
                "life_evicted_entities", (unsigned long long)st.evicted_entities,
                "life_evicted_pairs", (unsigned long long)st.evicted_pairs,
                "life_evicted_series", (unsigned long long)st.evicted_series);
    }
    sensor_release(&s);
out_life:
    life_free(life);
out_cfg:
    cidr_set_release(&cfg.internal);
    return status;
}

/* ---- report ---- */

static const char *js(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static void print_endpoints(json_t *arr, const char *title, int beacons)
{
    size_t n = json_array_size(arr);
    if (!n)
        return;
    printf("  %s:\n", title);
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(arr, i);
        printf("    %-9s %-40s %6lld conns %3lld days  %lld devices", js(e, "kind"),
               js(e, "value"), (long long)json_integer_value(json_object_get(e, "connections")),
               (long long)json_integer_value(json_object_get(e, "days")),
               (long long)json_integer_value(json_object_get(e, "org_devices")));
        if (beacons)
            printf("  period %.1f s  score %.2f",
                   json_number_value(json_object_get(e, "period_s")),
                   json_number_value(json_object_get(e, "beacon_score")));
        putchar('\n');
    }
}

static void report_text(const char *text, size_t len)
{
    json_error_t jerr;
    json_t *root = json_loadb(text, len, 0, &jerr);
    if (!root)
        BUG("report JSON does not parse: %s", jerr.text);
    json_t *devs = json_object_get(root, "devices");
    printf("%zu devices\n", json_array_size(devs));
    for (size_t i = 0; i < json_array_size(devs); i++) {
        json_t *d = json_array_get(devs, i);
        printf("\n%s  (%lld connections)\n", js(d, "device"),
               (long long)json_integer_value(json_object_get(d, "connections")));
        print_endpoints(json_object_get(d, "usual"), "usual endpoints", 0);
        print_endpoints(json_object_get(d, "new"), "new to the organisation", 0);
        print_endpoints(json_object_get(d, "beacons"), "beacons", 1);
        json_t *ps = json_object_get(d, "ports_and_services");
        if (json_array_size(ps)) {
            printf("  ports and services:");
            for (size_t k = 0; k < json_array_size(ps); k++)
                printf(" %s", json_string_value(json_array_get(ps, k)));
            putchar('\n');
        }
    }
    json_decref(root);
}

int cmd_report(int argc, char **argv)
{
    static const struct option opts[] = {
        {"state", required_argument, NULL, OPT_STATE},
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *state = NULL;
    int json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_STATE:
            state = optarg;
            break;
        case OPT_JSON:
            json = 1;
            break;
        case 'h':
            fputs(report_usage, stdout);
            return 0;
        default:
            fputs(report_usage, stderr);
            return EXIT_USAGE;
        }
    }
    if (!state) {
        vigil_error("report", "needs --state DB (the state vigil analyze wrote)");
        return EXIT_USAGE;
    }
    if (optind < argc) {
        vigil_error("report", "unexpected argument '%s'", argv[optind]);
        return EXIT_USAGE;
    }
    if (access(state, R_OK) != 0) {
        vigil_error(state, "cannot read state: %m");
        return 1;
    }
    struct cidr_set in;
    cidr_set_default_internal(&in);
    struct life_config lc;
    life_config_default(&lc);
    lc.internal = in;
    struct life *life = life_new(&lc);
    char err[256];
    int status = 0;
    if (life_load(life, state, err, sizeof(err)) < 0) {
        vigil_error(state, "cannot load state: %s", err);
        status = 1;
    } else {
        struct jbuf jb;
        jb_init(&jb);
        life_report_json(life, &jb);
        if (json) {
            if (jb_flush_line(&jb, stdout) < 0)
                status = 1;
        } else {
            report_text(jb.buf, jb.len);
        }
        jb_release(&jb);
    }
    life_free(life);
    cidr_set_release(&in);
    return status;
}
