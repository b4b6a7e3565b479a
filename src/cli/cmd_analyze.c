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
#include "event/replay.h"
#include "cli/cli.h"
#include "life/life.h"
#include "models/engine.h"
#include "models/report.h"
#include "output/alerts.h"
#include "sensor/sensor.h"
#include "util/json.h"
#include "util/log.h"

static const char analyze_usage[] =
    "usage: vigil analyze [OPTIONS] CAPTURE...\n"
    "\n"
    "Reads pcap or pcapng files (or JSON lines of events, as vigil events writes\n"
    "them) in the order given, learns from them the\n"
    "organisation's pattern of life (its devices, the endpoints each uses and how\n"
    "rare they are, hourly baselines, beaconing) and judges every event against\n"
    "what was learned before it with the models: each breach is one JSON line on\n"
    "--alerts. With --state the learned state is loaded first and saved at the\n"
    "end, so later runs continue where this stopped.\n"
    "\n"
    "options:\n"
    "  --state DB                 SQLite file holding the learned state (created if\n"
    "                             missing); without it the state lives in memory only\n"
    "  --alerts FILE|-            write breaches as JSON lines (default: standard output)\n"
    "  --cef FILE|-               also write breaches as CEF lines\n"
    "  --syslog udp:HOST:PORT|unix:PATH\n"
    "                             also send breaches as RFC 5424 syslog messages\n"
    "  --models PATH              model definitions: a directory of *.model files or\n"
    "                             one file (default: " VIGIL_DEFAULT_MODELS ")\n"
    "  --config FILE              read options from FILE: one \"key = value\" per line,\n"
    "                             the key a long option without dashes (the command\n"
    "                             line wins); see docs/configuration.md\n"
    "  --learning-period DURATION learn without alerting for this long after the\n"
    "                             first event of the state (e.g. 7d; default 0)\n"
    "\n"
    "Without --internal, devices are the hosts in the RFC 1918, RFC 4193 and\n"
    "link-local ranges; in a capture where no such host originates traffic (one\n"
    "host on a public address), the originators are taken as the devices.\n"
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

enum { OPT_STATE = 300, OPT_JSON, OPT_ALERTS, OPT_CEF, OPT_SYSLOG, OPT_MODELS, OPT_LEARNING, OPT_CONFIG };

/* The models directory: --models, else $VIGIL_MODELS, else the one vigil was built with. */
static const char *models_path(const char *opt)
{
    if (opt)
        return opt;
    const char *env = getenv("VIGIL_MODELS");
    return env && *env ? env : VIGIL_DEFAULT_MODELS;
}

static int parse_duration_opt(const char *name, const char *text, int64_t *us)
{
    char *end;
    double v = strtod(text, &end);
    double mul = 1;
    if (end == text || v < 0)
        goto bad;
    switch (*end) {
    case '\0':
    case 's': mul = 1; break;
    case 'm': mul = 60; break;
    case 'h': mul = 3600; break;
    case 'd': mul = 86400; break;
    default: goto bad;
    }
    if (*end && end[1])
        goto bad;
    *us = (int64_t)(v * mul * 1e6);
    return 0;
bad:
    vigil_error(name, "'%s' is not a duration (e.g. 90s, 30m, 12h, 7d)", text);
    return -1;
}

int cmd_analyze(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_SENSOR_OPTIONS,
        {"state", required_argument, NULL, OPT_STATE},
        {"alerts", required_argument, NULL, OPT_ALERTS},
        {"cef", required_argument, NULL, OPT_CEF},
        {"syslog", required_argument, NULL, OPT_SYSLOG},
        {"models", required_argument, NULL, OPT_MODELS},
        {"learning-period", required_argument, NULL, OPT_LEARNING},
        {"config", required_argument, NULL, OPT_CONFIG},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    if (cli_apply_config(&argc, &argv, opts) < 0)
        return EXIT_USAGE;
    struct sensor_config cfg;
    cli_sensor_defaults(&cfg);
    const char *state = NULL, *alerts = "-", *cef = NULL, *syslog_dest = NULL, *models = NULL;
    int64_t learning_us = 0;
    int verbose = 0, c, status = 0, internal_given = 0;
    optind = 1;
    while ((c = cli_getopt(argc, argv, "+vh", opts, "analyze")) != -1) {
        int handled = cli_sensor_option(c, optarg, &cfg);
        if (handled < 0) {
            status = EXIT_USAGE;
            goto out_cfg;
        }
        if (c == CLI_OPT_INTERNAL)
            internal_given = 1;
        if (handled)
            continue;
        switch (c) {
        case OPT_STATE:
            state = optarg;
            break;
        case OPT_ALERTS:
            alerts = optarg;
            break;
        case OPT_CEF:
            cef = optarg;
            break;
        case OPT_SYSLOG:
            syslog_dest = optarg;
            break;
        case OPT_MODELS:
            models = optarg;
            break;
        case OPT_CONFIG:
            vigil_error("--config", "given more than once");
            status = EXIT_USAGE;
            goto out_cfg;
        case OPT_LEARNING:
            if (parse_duration_opt("--learning-period", optarg, &learning_us) < 0) {
                status = EXIT_USAGE;
                goto out_cfg;
            }
            break;
        case 'v':
            verbose = 1;
            break;
        case 'h':
            fputs(analyze_usage, stdout);
            goto out_cfg;
        default:
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
    lc.auto_internal = !internal_given;
    lc.learning_us = learning_us;
    struct life *life = life_new(&lc);
    char err[512];
    struct engine *eng = NULL;
    struct alert_out outs[3];
    int nouts = 0;
    if (state && life_load(life, state, err, sizeof(err)) < 0) {
        vigil_error(state, "cannot load state: %s", err);
        status = 1;
        goto out_life;
    }
    eng = engine_new(models_path(models), life, &cfg.internal, err, sizeof(err));
    if (!eng) {
        vigil_error(NULL, "%s", err);
        status = 1;
        goto out_life;
    }
    if (state && engine_load(eng, state, err, sizeof(err)) < 0) {
        vigil_error(state, "%s", err);
        status = 1;
        goto out_engine;
    }
    struct {
        enum alert_format fmt;
        const char *dest;
    } want[3] = {{ALERT_JSON, alerts}, {ALERT_CEF, cef}, {ALERT_SYSLOG, syslog_dest}};
    for (int i = 0; i < 3; i++) {
        if (!want[i].dest)
            continue;
        if (alert_out_open(&outs[nouts], want[i].fmt, want[i].dest) < 0) {
            status = 1;
            goto out_outs;
        }
        engine_add_sink(eng, alert_out_sink(&outs[nouts]));
        nouts++;
    }

    struct event_bus bus;
    event_bus_init(&bus);
    struct event_sink sink = {.emit = engine_event, .ctx = eng};
    if (event_bus_add(&bus, sink) < 0)
        BUG("event bus full");
    struct sensor s;
    if (sensor_init(&s, &cfg, &bus) < 0) {
        vigil_error("analyze", "cannot set up the flow table");
        status = 1;
        goto out_outs;
    }
    struct capture_progress pr;
    capture_progress_init(&pr, isatty(STDERR_FILENO), argv + optind, argc - optind);
    unsigned long skipped = 0;
    for (int i = optind; i < argc; i++) {
        /* JSON lines are events from vigil events or another sensor; anything else a capture */
        int is_json;
        FILE *in = capture_open(argv[i], &is_json);
        int rc = !in       ? -1
                 : is_json ? replay_stream(in, argv[i], &bus, &skipped)
                           : capture_stream(in, argv[i], &s, &pr);
        if (rc < 0)
            status = 1;
    }
    sensor_finish(&s);
    capture_progress_done(&pr);
    if (skipped)
        log_msg(LOG_WARN, "analyze", "%lu event lines were not events and were skipped", skipped);
    if (state) {
        if (life_save(life, state, err, sizeof(err)) < 0 ||
            engine_save(eng, state, err, sizeof(err)) < 0) {
            vigil_error(state, "cannot save state: %s", err);
            status = 1;
        }
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
        fprintf(stderr, "%-28s %zu\n%-28s %llu\n", "models", engine_models(eng)->n, "breaches",
                (unsigned long long)engine_breach_count(eng));
    }
    sensor_release(&s);
out_outs:
    for (int i = 0; i < nouts; i++)
        if (alert_out_close(&outs[i]) < 0) {
            vigil_error(want[outs[i].fmt].dest, "could not write every alert");
            status = 1;
        }
out_engine:
    engine_free(eng);
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

static double jnum(json_t *o, const char *k)
{
    return json_number_value(json_object_get(o, k));
}

/* Devices by threat (highest first), then by address: the ranking of the report. */
static int cmp_threat(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    double tx = jnum(x, "threat"), ty = jnum(y, "threat");
    if (tx != ty)
        return tx > ty ? -1 : 1;
    return strcmp(js(x, "device"), js(y, "device"));
}

/* Attaches threat, breaches and incidents to each device and sorts by threat. */
static json_t *merge_report(const char *life_json, size_t llen, const char *br_json, size_t blen)
{
    json_error_t jerr;
    json_t *root = json_loadb(life_json, llen, 0, &jerr);
    json_t *br = json_loadb(br_json, blen, 0, &jerr);
    if (!root || !br)
        BUG("report JSON does not parse: %s", jerr.text);
    json_t *devs = json_object_get(root, "devices");
    size_t n = json_array_size(devs);
    json_t **v = xcalloc(n + json_object_size(br) + 1, sizeof(json_t *));
    for (size_t i = 0; i < n; i++) {
        json_t *d = json_array_get(devs, i);
        json_t *b = json_object_get(br, js(d, "device"));
        json_object_set_new(d, "threat", json_real(b ? jnum(b, "threat") : 0));
        /* set (a new reference) for the arrays b holds, set_new for fresh ones */
        if (b) {
            json_object_set(d, "breaches", json_object_get(b, "breaches"));
            json_object_set(d, "incidents", json_object_get(b, "incidents"));
        } else {
            json_object_set_new(d, "breaches", json_array());
            json_object_set_new(d, "incidents", json_array());
        }
        if (b)
            json_object_del(br, js(d, "device"));
        v[i] = d;
    }
    const char *key;
    json_t *b;
    json_object_foreach(br, key, b) {
        json_t *d = json_object();
        json_object_set_new(d, "device", json_string(key));
        json_object_set_new(d, "threat", json_real(jnum(b, "threat")));
        json_object_set(d, "breaches", json_object_get(b, "breaches"));
        json_object_set(d, "incidents", json_object_get(b, "incidents"));
        v[n++] = d;
    }
    qsort(v, n, sizeof(json_t *), cmp_threat);
    json_t *sorted = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append(sorted, v[i]);
    json_object_set_new(root, "devices", sorted);
    json_object_set_new(root, "device_count", json_integer((json_int_t)n));
    free(v);
    json_decref(br);
    return root;
}

static void report_text(json_t *root)
{
    json_t *devs = json_object_get(root, "devices");
    printf("%zu devices, ranked by threat\n", json_array_size(devs));
    for (size_t i = 0; i < json_array_size(devs); i++) {
        json_t *d = json_array_get(devs, i);
        printf("\n%s  threat %.0f  (%lld connections)\n", js(d, "device"), jnum(d, "threat"),
               (long long)json_integer_value(json_object_get(d, "connections")));
        json_t *inc = json_object_get(d, "incidents");
        for (size_t k = 0; k < json_array_size(inc); k++) {
            json_t *x = json_array_get(inc, k);
            printf("  incident %lld: %lld breaches, max score %lld, stages %s\n",
                   (long long)json_integer_value(json_object_get(x, "incident")),
                   (long long)json_integer_value(json_object_get(x, "breaches")),
                   (long long)json_integer_value(json_object_get(x, "max_score")),
                   js(x, "stages")[0] ? js(x, "stages") : "-");
        }
        json_t *brs = json_object_get(d, "breaches");
        for (size_t k = 0; k < json_array_size(brs); k++) {
            json_t *x = json_array_get(brs, k);
            printf("  %3lld  %s  %s\n       %s\n",
                   (long long)json_integer_value(json_object_get(x, "score")), js(x, "model"),
                   js(x, "endpoint"), js(x, "reason"));
        }
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
}

/*
 * The merged report of the state at path: the pattern of life with each device's threat,
 * breaches and incidents, devices ranked by threat (what `vigil report --json` prints). Shared
 * with the web UI (web/server.c), which declares it too. Returns a new reference, or NULL with
 * err set to the reason.
 */
json_t *report_build(const char *state, char *err, size_t errlen);
json_t *report_build(const char *state, char *err, size_t errlen)
{
    struct cidr_set in;
    cidr_set_default_internal(&in);
    struct life_config lc;
    life_config_default(&lc);
    lc.internal = in;
    struct life *life = life_new(&lc);
    char lerr[256];
    json_t *root = NULL;
    if (life_load(life, state, lerr, sizeof(lerr)) < 0) {
        snprintf(err, errlen, "cannot load state: %s", lerr);
    } else {
        struct jbuf jb, bj;
        jb_init(&jb);
        jb_init(&bj);
        life_report_json(life, &jb);
        struct life_stats st;
        life_get_stats(life, &st);
        if (breach_report_json(state, st.last_ts, &bj, lerr, sizeof(lerr)) < 0)
            snprintf(err, errlen, "%s", lerr);
        else
            root = merge_report(jb.buf, jb.len, bj.buf, bj.len);
        jb_release(&jb);
        jb_release(&bj);
    }
    life_free(life);
    cidr_set_release(&in);
    return root;
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
    while ((c = cli_getopt(argc, argv, "+h", opts, "report")) != -1) {
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
    char err[512];
    json_t *root = report_build(state, err, sizeof(err));
    if (!root) {
        vigil_error(state, "%s", err);
        return 1;
    }
    int status = 0;
    if (json) {
        if (json_dumpf(root, stdout, JSON_COMPACT) < 0 || putchar('\n') == EOF)
            status = 1;
    } else {
        report_text(root);
    }
    json_decref(root);
    return status;
}
