/*
 * summary: tests for life_save/life_load: a run stopped and resumed equals one run; the same input
 * gives the same bytes
 *
 * A synthetic week of traffic (40 devices, 400 external endpoints, internal
 * SMB peers, failed connections, a beacon) is learned with small table caps
 * so that every table evicts. It is learned
 *  - in one run;
 *  - in three runs, saving the state and loading it into a fresh life at
 *    two arbitrary points (mid-hour, mid-day);
 * and the two must agree on every life_obs the resumed runs produce, on
 * the counters, on the report JSON byte for byte, and on the saved SQLite
 * tables, dumped row by row in slot order with every column compared.
 * Learning the same input twice must give the same report and tables.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include "life/history.h"
#include "life/life.h"
#include "lifegen.h"
#include "test.h"
#include "util/json.h"
#include "util/log.h"

#define NEV 24000

struct ev_spec {
    int64_t ts;
    uint32_t src, dst;
    uint16_t port;
    uint32_t bytes;
    uint8_t failed;
};

/* The input: generated once, in time order. */
static struct ev_spec *make_input(size_t *n)
{
    struct ev_spec *v = calloc(NEV, sizeof(*v));
    if (!v)
        BUG("out of memory");
    struct prng r = {2024};
    int64_t t = T_MONDAY + 8 * HOUR_US;
    int64_t next_beacon = t;
    size_t k = 0;
    while (k < NEV) {
        struct ev_spec *e = &v[k];
        if (next_beacon <= t) {
            /* device 3 beacons every 5 min +-5 % */
            e->ts = next_beacon;
            e->src = IP4(10, 1, 0, 3);
            e->dst = IP4(203, 0, 113, 7);
            e->port = 443;
            e->bytes = 480;
            next_beacon += (int64_t)(300e6 * (0.95 + 0.1 * prng_unif(&r)));
            k++;
            continue;
        }
        t += (int64_t)(prng_exp(&r, 25) * 1e6);
        e->ts = t;
        e->src = IP4(10, 1, 0, 1 + (uint32_t)(prng_next(&r) % 40));
        double u = prng_unif(&r);
        if (u < 0.1) {
            e->dst = IP4(10, 2, 0, 1 + (uint32_t)(prng_next(&r) % 120));
            e->port = 445;
        } else {
            /* a few popular endpoints, a long tail of rare ones */
            uint32_t rank = (uint32_t)(prng_exp(&r, 60));
            e->dst = IP4(198, 18, 0, 0) + (rank % 400);
            e->port = u < 0.8 ? 443 : u < 0.95 ? 80 : 8443;
        }
        e->bytes = (uint32_t)(200 + prng_exp(&r, 3000));
        e->failed = prng_unif(&r) < 0.03;
        k++;
    }
    *n = k;
    return v;
}

static struct life *new_life(struct life_config *cfg)
{
    life_config_default(cfg);
    char err[128];
    if (cidr_set_parse(&cfg->internal, "10.0.0.0/8", err, sizeof(err)) < 0)
        BUG("%s", err);
    /* small tables: every one of them evicts */
    cfg->max_devices = 24;
    cfg->max_entities = 160;
    cfg->max_pairs = 320;
    cfg->max_series = 40;
    return life_new(cfg);
}

static void feed(struct life *l, const struct ev_spec *e, struct life_obs *obs)
{
    struct gen_conn g;
    struct addr a, b;
    v4(&a, e->src);
    v4(&b, e->dst);
    life_observe(l, gen_tcp(&g, &a, &b, e->port, e->ts, e->bytes, e->failed), obs);
}

/* FNV-1a of an observation: what the models would have been told. */
/* What the event was told, beacon scores included (the life pointer differs between runs). */
static uint64_t obs_hash(struct life_obs *o)
{
    for (int w = 0; w < LIFE_BEACON__COUNT; w++)
        (void)life_obs_beacon(o, (enum life_beacon)w);
    struct life_obs c = *o;
    c.life = NULL;
    const uint8_t *p = (const uint8_t *)&c;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < sizeof(c); i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

static char *report(const struct life *l, size_t *len)
{
    struct jbuf jb;
    jb_init(&jb);
    life_report_json(l, &jb);
    char *s = malloc(jb.len + 1);
    if (!s)
        BUG("out of memory");
    memcpy(s, jb.buf, jb.len);
    s[jb.len] = '\0';
    *len = jb.len;
    jb_release(&jb);
    return s;
}

/* Appends bytes to a growing buffer. */
struct dump {
    char *p;
    size_t n, cap;
};

static void put(struct dump *d, const void *v, size_t n)
{
    if (d->n + n > d->cap) {
        d->cap = (d->n + n) * 2 + 1024;
        d->p = realloc(d->p, d->cap);
        if (!d->p)
            BUG("out of memory");
    }
    if (n) { /* memcpy from NULL is undefined even for 0 bytes */
        memcpy(d->p + d->n, v, n);
        d->n += n;
    }
}

/* Every row of every table, in slot (meta: key) order, each column with its type. */
static int dump_db(const char *path, struct dump *d, size_t *rows)
{
    static const char *const q[] = {
        "SELECT * FROM meta ORDER BY k",        "SELECT * FROM devices ORDER BY slot",
        "SELECT * FROM entities ORDER BY slot", "SELECT * FROM pairs ORDER BY slot",
        "SELECT * FROM series ORDER BY slot",   "SELECT * FROM device_history ORDER BY slot",
    };
    sqlite3 *db;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return -1;
    *rows = 0;
    for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db, q[i], -1, &st, NULL) != SQLITE_OK) {
            sqlite3_close(db);
            return -1;
        }
        put(d, q[i], strlen(q[i]));
        while (sqlite3_step(st) == SQLITE_ROW) {
            (*rows)++;
            int nc = sqlite3_column_count(st);
            for (int c = 0; c < nc; c++) {
                uint8_t type = (uint8_t)sqlite3_column_type(st, c);
                put(d, &type, 1);
                if (type == SQLITE_INTEGER) {
                    int64_t x = sqlite3_column_int64(st, c);
                    put(d, &x, sizeof(x));
                } else if (type == SQLITE_FLOAT) {
                    double x = sqlite3_column_double(st, c);
                    put(d, &x, sizeof(x));
                } else if (type != SQLITE_NULL) {
                    const void *b = sqlite3_column_blob(st, c);
                    uint32_t n = (uint32_t)sqlite3_column_bytes(st, c);
                    put(d, &n, sizeof(n));
                    put(d, b, n);
                }
            }
        }
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return 0;
}

static void rm_db(const char *path)
{
    char p[512];
    unlink(path);
    snprintf(p, sizeof(p), "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", path);
    unlink(p);
}

static void save(const struct life *l, const char *path)
{
    char err[256];
    if (life_save(l, path, err, sizeof(err)) < 0)
        BUG("save '%s': %s", path, err);
}

static struct life *load(struct life_config *cfg, const char *path)
{
    struct life *l = new_life(cfg);
    char err[256];
    if (life_load(l, path, err, sizeof(err)) < 0)
        BUG("load '%s': %s", path, err);
    return l;
}

static void check_same_state(const char *a, const char *b)
{
    struct dump da = {0}, db = {0};
    size_t ra = 0, rb = 0;
    CHECK(dump_db(a, &da, &ra) == 0);
    CHECK(dump_db(b, &db, &rb) == 0);
    CHECK_EQ_U(ra, rb);
    CHECK(ra > 100);
    CHECK_EQ_U(da.n, db.n);
    CHECK(da.n == db.n && memcmp(da.p, db.p, da.n) == 0);
    free(da.p);
    free(db.p);
}

/*
 * The hourly history read back from a saved state equals what the input says: connections and
 * bytes per hour of one device, counted here from the events, for the last LIFE_HIST_HOURS hours.
 */
static void check_history(const char *path, const struct ev_spec *in, size_t n, uint32_t dev)
{
    sqlite3 *db;
    CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    struct life_hour *h = calloc(LIFE_HIST_HOURS, sizeof(*h));
    struct addr a;
    v4(&a, dev);
    size_t nh = life_history_read(db, &a, h);
    int64_t last = -1;
    for (size_t i = 0; i < n; i++)
        if (in[i].src == dev)
            last = in[i].ts / HOUR_US;
    CHECK(nh > 24 && nh <= LIFE_HIST_HOURS);
    CHECK(nh && h[nh - 1].hour == last);
    size_t bad = 0, conns = 0;
    for (size_t k = 0; k < nh; k++) {
        uint64_t c = 0, out = 0;
        for (size_t i = 0; i < n; i++)
            if (in[i].src == dev && in[i].ts / HOUR_US == h[k].hour) {
                c++;
                out += in[i].failed ? 0 : in[i].bytes; /* a failed one carried nothing */
            }
        bad += c != h[k].conns || out != h[k].out;
        conns += h[k].conns;
    }
    CHECK_EQ_U(bad, 0);
    CHECK(conns > 100);
    free(h);
    sqlite3_close(db);
}

int main(void)
{
    size_t n;
    struct ev_spec *in = make_input(&n);
    char dir[] = "/tmp/vigil-life-persist-XXXXXX";
    if (!mkdtemp(dir))
        BUG("mkdtemp");
    char p_one[256], p_two[256], p_split[256];
    snprintf(p_one, sizeof(p_one), "%s/one.db", dir);
    snprintf(p_two, sizeof(p_two), "%s/two.db", dir);
    snprintf(p_split, sizeof(p_split), "%s/split.db", dir);

    /* one run, remembering what every event was told */
    uint64_t *want = calloc(n, sizeof(uint64_t));
    struct life_config c1;
    struct life *one = new_life(&c1);
    struct life_obs o;
    for (size_t i = 0; i < n; i++) {
        feed(one, &in[i], &o);
        want[i] = obs_hash(&o);
    }
    save(one, p_one);
    struct life_stats s1;
    life_get_stats(one, &s1);
    printf("one run: %llu events, tables %zu/%zu/%zu/%zu, evicted %llu/%llu/%llu/%llu\n",
           (unsigned long long)s1.events, s1.devices, s1.entities, s1.pairs, s1.series,
           (unsigned long long)s1.evicted_devices, (unsigned long long)s1.evicted_entities,
           (unsigned long long)s1.evicted_pairs, (unsigned long long)s1.evicted_series);
    CHECK(s1.evicted_devices > 0 && s1.evicted_entities > 0);
    CHECK(s1.evicted_pairs > 0 && s1.evicted_series > 0);
    size_t len1;
    char *rep1 = report(one, &len1);

    /* three runs: stop after 37 % and after 71 % of the events (arbitrary instants) */
    size_t cut[3] = {n * 37 / 100, n * 71 / 100, n};
    struct life_config c2;
    struct life *part = new_life(&c2);
    size_t i = 0, diverged = 0;
    for (int seg = 0; seg < 3; seg++) {
        for (; i < cut[seg]; i++) {
            feed(part, &in[i], &o);
            if (obs_hash(&o) != want[i])
                diverged++;
        }
        save(part, p_split);
        life_free(part);
        cidr_set_release(&c2.internal);
        part = load(&c2, p_split);
    }
    CHECK_EQ_U(diverged, 0);
    struct life_stats s2;
    life_get_stats(part, &s2);
    CHECK(memcmp(&s1, &s2, sizeof(s1)) == 0);
    size_t len2;
    char *rep2 = report(part, &len2);
    CHECK_EQ_U(len1, len2);
    CHECK(len1 == len2 && memcmp(rep1, rep2, len1) == 0);
    check_same_state(p_one, p_split);
    check_history(p_split, in, n, IP4(10, 1, 0, 3));
    check_history(p_one, in, n, IP4(10, 1, 0, 3));
    /* the beacon survived the stops: device 3 reports it */
    CHECK(strstr(rep2, "\"203.0.113.7\"") != NULL);

    /* the same input again, in one run: the same report and tables */
    struct life_config c3;
    struct life *again = new_life(&c3);
    for (size_t k = 0; k < n; k++)
        feed(again, &in[k], NULL);
    save(again, p_two);
    size_t len3;
    char *rep3 = report(again, &len3);
    CHECK(len1 == len3 && memcmp(rep1, rep3, len1) == 0);
    check_same_state(p_one, p_two);

    /* a loaded state reports what the saving one did */
    struct life_config c4;
    struct life *loaded = load(&c4, p_one);
    size_t len4;
    char *rep4 = report(loaded, &len4);
    CHECK(len1 == len4 && memcmp(rep1, rep4, len1) == 0);

    free(rep1);
    free(rep2);
    free(rep3);
    free(rep4);
    life_free(one);
    life_free(part);
    life_free(again);
    life_free(loaded);
    cidr_set_release(&c1.internal);
    cidr_set_release(&c2.internal);
    cidr_set_release(&c3.internal);
    cidr_set_release(&c4.internal);
    free(want);
    free(in);
    if (getenv("LIFE_KEEP")) {
        printf("states kept in %s\n", dir);
    } else {
        rm_db(p_one);
        rm_db(p_two);
        rm_db(p_split);
        rmdir(dir);
    }
    return test_done();
}
