/*
 * summary: pattern-of-life benchmark: events/s into the store, save time, peak RSS
 * (bench/life/run.sh)
 *
 *   lifebench synthetic N DEVICES STATE      N synthetic conn events from DEVICES devices
 *   lifebench capture PCAP INTERNAL STATE    the events vigil's sensor makes of PCAP
 *
 * Each mode times, on one core, with the wall clock (CLOCK_MONOTONIC) and
 * the process CPU clock:
 *   gen      building the events' captured fields alone (the baseline);
 *   fields   the same plus life_observe_fields(): the store itself;
 *   sensor   (synthetic) sensor-shaped events through life_observe(), which
 *            formats and captures every event's fields first, as
 *            `vigil analyze` does when it runs no models;
 *   save     life_save() of the learned state to STATE (SQLite, WAL);
 * and prints "key value" lines: events, seconds and events/s per phase,
 * table sizes, evictions, the state's size and the peak RSS. The capture
 * mode first runs the sensor over PCAP and keeps every event's fields in
 * memory (not timed), then replays them into a fresh life.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture/capture.h"
#include "life/life.h"
#include "lifegen.h"
#include "sensor/sensor.h"
#include "util/json.h"
#include "util/log.h"

static double now_s(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct timer {
    double wall, cpu;
};

static void t_start(struct timer *t)
{
    t->wall = now_s(CLOCK_MONOTONIC);
    t->cpu = now_s(CLOCK_PROCESS_CPUTIME_ID);
}

static void t_report(const struct timer *t, const char *phase, uint64_t events)
{
    double wall = now_s(CLOCK_MONOTONIC) - t->wall, cpu = now_s(CLOCK_PROCESS_CPUTIME_ID) - t->cpu;
    printf("%s_events %llu\n%s_wall_s %.3f\n%s_cpu_s %.3f\n%s_events_per_cpu_s %.0f\n", phase,
           (unsigned long long)events, phase, wall, phase, cpu, phase,
           cpu > 0 ? (double)events / cpu : 0);
}

static struct life *new_life(struct life_config *cfg, const char *internal, size_t max_devices)
{
    life_config_default(cfg);
    char err[256];
    if (cidr_set_parse(&cfg->internal, internal, err, sizeof(err)) < 0)
        BUG("--internal: %s", err);
    if (max_devices)
        cfg->max_devices = max_devices;
    return life_new(cfg);
}

static void report_life(const struct life *l, const char *state)
{
    struct life_stats st;
    life_get_stats(l, &st);
    printf("devices %zu\nentities %zu\npairs %zu\nseries %zu\n", st.devices, st.entities, st.pairs,
           st.series);
    printf("evicted_devices %llu\nevicted_entities %llu\nevicted_pairs %llu\nevicted_series %llu\n",
           (unsigned long long)st.evicted_devices, (unsigned long long)st.evicted_entities,
           (unsigned long long)st.evicted_pairs, (unsigned long long)st.evicted_series);
    struct timer t;
    t_start(&t);
    char err[256];
    unlink(state);
    if (life_save(l, state, err, sizeof(err)) < 0)
        BUG("save: %s", err);
    t_report(&t, "save", st.events);
    struct stat sb;
    if (stat(state, &sb) == 0)
        printf("state_bytes %lld\n", (long long)sb.st_size);
}

/* ---- synthetic ---- */

struct syn {
    uint32_t src, dst;
    uint16_t port;
    uint32_t bytes;
    int64_t ts;
};

/*
 * Event i of a synthetic office: a uniformly chosen device; 10 % internal
 * (half of them SMB), else an external endpoint: 85 % from 20,000 popular
 * ones (exponential ranks: a few very popular), 15 % from a long tail of
 * 2^24 rare ones; spread evenly over 3 days.
 */
static void syn_event(struct prng *r, uint64_t i, uint64_t n, uint32_t ndev, struct syn *e)
{
    e->ts = T_MONDAY + (int64_t)((double)i * (3.0 * 86400e6 / (double)n));
    e->src = IP4(10, 0, 0, 0) + 256 + (uint32_t)(prng_next(r) % ndev);
    double u = prng_unif(r);
    if (u < 0.1) {
        e->dst = IP4(10, 200, 0, 0) + (uint32_t)(prng_next(r) % 2000);
        e->port = u < 0.05 ? 445 : 135;
    } else if (u < 0.865) {
        e->dst = IP4(100, 128, 0, 0) + (uint32_t)prng_exp(r, 2000) % 20000;
        e->port = 443;
    } else {
        e->dst = IP4(64, 0, 0, 0) + (uint32_t)(prng_next(r) % (1u << 24));
        e->port = u < 0.95 ? 443 : 80;
    }
    e->bytes = 200 + (uint32_t)prng_exp(r, 2000);
}

static int run_synthetic(uint64_t n, uint32_t ndev, const char *state)
{
    static struct jfields f;
    struct timer t;
    struct prng r = {1};
    struct syn e;
    struct event ev = {.type = EV_CONN};
    uint64_t sink = 0;

    t_start(&t);
    for (uint64_t i = 0; i < n; i++) {
        syn_event(&r, i, n, ndev, &e);
        gen_fields(&f, e.src, e.dst, e.port, e.ts, e.bytes);
        sink += f.n;
    }
    t_report(&t, "gen", n);

    struct life_config cfg;
    struct life *l = new_life(&cfg, "10.0.0.0/8", ndev > 65536 ? ndev : 0);
    r.s = 1;
    t_start(&t);
    for (uint64_t i = 0; i < n; i++) {
        syn_event(&r, i, n, ndev, &e);
        gen_fields(&f, e.src, e.dst, e.port, e.ts, e.bytes);
        ev.ts = e.ts;
        life_observe_fields(l, &ev, &f, NULL);
    }
    t_report(&t, "fields", n);
    report_life(l, state);
    printf("peak_rss_bytes %lld\n", peak_rss_bytes());
    life_free(l);
    cidr_set_release(&cfg.internal);

    /* the sensor-shaped events: life formats and captures each one */
    if (n <= 20000000) {
        l = new_life(&cfg, "10.0.0.0/8", ndev > 65536 ? ndev : 0);
        r.s = 1;
        struct gen_conn g;
        struct addr a, b;
        t_start(&t);
        for (uint64_t i = 0; i < n; i++) {
            syn_event(&r, i, n, ndev, &e);
            v4(&a, e.src);
            v4(&b, e.dst);
            life_observe(l, gen_tcp(&g, &a, &b, e.port, e.ts, e.bytes, 0), NULL);
        }
        t_report(&t, "sensor", n);
        life_free(l);
        cidr_set_release(&cfg.internal);
    }
    return sink == 0;
}

/* ---- capture: every event's captured fields, kept compactly ---- */

struct rfield {
    const char *key; /* string literals of the fields_json functions: stable */
    uint8_t type;
    double num;
    size_t off, len;
};

struct rec {
    int64_t ts;
    uint8_t type;
    size_t first, n;
};

static struct {
    struct rec *r;
    size_t nr, capr;
    struct rfield *f;
    size_t nf, capf;
    char *s;
    size_t ns, caps;
    uint64_t by_type[EV__COUNT];
} store;

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    size_t c = *cap ? *cap : 1024;
    while (c < need)
        c *= 2;
    p = realloc(p, c * elem);
    if (!p)
        BUG("out of memory");
    *cap = c;
    return p;
}

static void on_event(void *ctx, const struct event *ev)
{
    static struct jfields f;
    struct jbuf jb;
    (void)ctx;
    jb_init_capture(&jb, &f);
    event_to_json(ev, &jb);
    store.r = grow(store.r, &store.capr, store.nr + 1, sizeof(*store.r));
    store.f = grow(store.f, &store.capf, store.nf + f.n, sizeof(*store.f));
    struct rec *r = &store.r[store.nr++];
    r->ts = ev->ts;
    r->type = (uint8_t)ev->type;
    r->first = store.nf;
    r->n = f.n;
    store.by_type[ev->type]++;
    for (size_t i = 0; i < f.n; i++) {
        struct rfield *x = &store.f[store.nf++];
        x->key = f.v[i].key;
        x->type = (uint8_t)f.v[i].type;
        x->num = f.v[i].num;
        x->off = store.ns;
        x->len = 0;
        if (f.v[i].type == JF_STR) {
            store.s = grow(store.s, &store.caps, store.ns + f.v[i].n + 1, 1);
            memcpy(store.s + store.ns, f.v[i].s, f.v[i].n + 1);
            x->len = f.v[i].n;
            store.ns += f.v[i].n + 1;
        }
    }
}

/* Rebuilds record i's captured fields in f (the replay's share of the cost), as a capture does. */
static void fields_of(size_t i, struct jfields *f)
{
    const struct rec *r = &store.r[i];
    struct jbuf jb;
    jb_init_capture(&jb, f);
    for (size_t k = 0; k < r->n; k++) {
        const struct rfield *x = &store.f[r->first + k];
        jb_key(&jb, x->key);
        switch ((enum jf_type)x->type) {
        case JF_STR: jb_strn(&jb, store.s + x->off, x->len); break;
        case JF_BOOL: jb_bool(&jb, x->num != 0); break;
        case JF_NUM: jb_fixed(&jb, x->num, 6); break;
        default: jb_null(&jb); break;
        }
    }
}

static int run_capture(const char *pcap, const char *internal, const char *state)
{
    struct sensor_config sc;
    memset(&sc, 0, sizeof(sc));
    flow_config_default(&sc.flow);
    char err[256];
    if (cidr_set_parse(&sc.internal, internal, err, sizeof(err)) < 0)
        BUG("--internal: %s", err);
    struct event_bus bus;
    event_bus_init(&bus);
    struct event_sink sink = {.emit = on_event, .ctx = NULL};
    if (event_bus_add(&bus, sink) < 0)
        BUG("bus");
    struct sensor s;
    if (sensor_init(&s, &sc, &bus) < 0)
        BUG("sensor");
    struct capture_progress pr;
    char *paths[1] = {(char *)(uintptr_t)pcap};
    capture_progress_init(&pr, 0, paths, 1);
    struct timer t;
    t_start(&t);
    if (capture_file(pcap, &s, &pr) < 0)
        BUG("cannot read '%s'", pcap);
    sensor_finish(&s);
    capture_progress_done(&pr);
    t_report(&t, "sensor_collect", store.nr);
    sensor_release(&s);
    printf("conn_events %llu\n", (unsigned long long)store.by_type[EV_CONN]);
    printf("app_events %llu\n", (unsigned long long)(store.nr - store.by_type[EV_CONN]));

    static struct jfields f;
    uint64_t sum = 0;
    t_start(&t);
    for (size_t i = 0; i < store.nr; i++) {
        fields_of(i, &f);
        sum += f.n;
    }
    t_report(&t, "gen", store.nr);

    struct life_config cfg;
    struct life *l = new_life(&cfg, internal, 0);
    t_start(&t);
    for (size_t i = 0; i < store.nr; i++) {
        fields_of(i, &f);
        struct event ev = {.type = (enum event_type)store.r[i].type, .ts = store.r[i].ts};
        life_observe_fields(l, &ev, &f, NULL);
    }
    t_report(&t, "fields", store.nr);
    report_life(l, state);
    printf("peak_rss_bytes %lld\n", peak_rss_bytes());
    life_free(l);
    cidr_set_release(&cfg.internal);
    cidr_set_release(&sc.internal);
    free(store.r);
    free(store.f);
    free(store.s);
    return sum == 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "synthetic") == 0)
        return run_synthetic(strtoull(argv[2], NULL, 10), (uint32_t)strtoul(argv[3], NULL, 10),
                             argv[4]);
    if (argc == 5 && strcmp(argv[1], "capture") == 0)
        return run_capture(argv[2], argv[3], argv[4]);
    fprintf(stderr, "usage: lifebench synthetic N DEVICES STATE\n"
                    "       lifebench capture PCAP INTERNAL STATE\n");
    return 2;
}
