/*
 * summary: learning the pattern of life from events; the query API the models use
 */
#include "life/life.h"

#include <libpsl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/event.h"
#include "flow/flow.h"
#include "life/life_int.h"
#include "life/stats.h"
#include "proto/app.h"
#include "proto/names.h"
#include "sensor/sensor.h"
#include "util/hash.h"
#include "util/json.h"
#include "util/log.h"

#define US_PER_HOUR (3600LL * 1000000)
#define US_PER_DAY (86400LL * 1000000)
#define ZERO_FILL_MAX_HOURS 24 /* silent hours filled with zeros; longer gaps are unobserved */

static const char *const kind_names[LK__COUNT] = {
    [LK_IP] = "ip",       [LK_HOST] = "host", [LK_DOMAIN] = "domain",
    [LK_PORT] = "port",   [LK_JA3] = "ja3",   [LK_JA4] = "ja4",
    [LK_UA] = "user_agent", [LK_ISSUER] = "issuer", [LK_SERVICE] = "service",
    [LK_MAILDOM] = "mail_domain",
};

static const char *const metric_names[LM__COUNT] = {
    [LM_CONNS] = "connections",
    [LM_EXT_CONNS] = "external_connections",
    [LM_EXT_KBYTES] = "external_kbytes_out",
    [LM_NEW_EXT] = "new_external_endpoints",
    [LM_FAILED] = "failed_connections",
    [LM_SMB_PEERS] = "smb_internal_peers",
    [LM_INT_PEERS] = "internal_peers",
    [LM_SMTP] = "smtp_connections",
    [LM_TLS_HTTP] = "tls_http_connections",
};

const char *life_kind_name(enum life_kind k)
{
    return (unsigned)k < LK__COUNT ? kind_names[k] : "?";
}

const char *life_metric_name(enum life_metric m)
{
    return (unsigned)m < LM__COUNT ? metric_names[m] : "?";
}

void life_config_default(struct life_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->window_us = 28 * US_PER_DAY;
    cfg->young_us = 7 * US_PER_DAY;
    cfg->learning_us = 0;
    cfg->max_devices = 65536;
    cfg->max_entities = 1u << 20;
    cfg->max_pairs = 1u << 21;
    cfg->max_series = 1u << 17;
}

/* ---- hashing ---- */

uint64_t life_entity_hash(enum life_kind k, const void *val, size_t len)
{
    return hash_bytes(val, len, 0x656e7469ULL + (uint64_t)k * 0x9e3779b97f4a7c15ULL);
}

uint64_t life_device_hash(const struct addr *a)
{
    return hash_bytes(a->b, 16, 0x64657669ULL);
}

uint64_t life_pair_hash(uint32_t dev, uint32_t dev_gen, uint32_t ent, uint32_t ent_gen)
{
    uint64_t k[2] = {(uint64_t)dev << 32 | dev_gen, (uint64_t)ent << 32 | ent_gen};
    return hash_bytes(k, sizeof(k), 0x70616972ULL);
}

/* ---- tables ---- */

void life_table_init(struct l_table *t, size_t max)
{
    memset(t, 0, sizeof(*t));
    t->max = max;
    t->freelist = xmalloc(max * sizeof(uint32_t));
}

void life_table_release(struct l_table *t)
{
    free(t->freelist);
    t->freelist = NULL;
}

/* A free slot, or -1 when the table is full (the caller evicts). */
static long table_take(struct l_table *t)
{
    if (t->nfree) {
        t->used++;
        return t->freelist[--t->nfree];
    }
    if (t->next < t->max) {
        t->used++;
        return (long)t->next++;
    }
    return -1;
}

static void table_give(struct l_table *t, uint32_t slot)
{
    t->freelist[t->nfree++] = slot;
    t->used--;
    t->evicted++;
}

struct life *life_new(const struct life_config *cfg)
{
    struct life *l = xcalloc(1, sizeof(*l));
    l->cfg = *cfg;
    life_table_init(&l->tdev, cfg->max_devices);
    life_table_init(&l->tent, cfg->max_entities);
    life_table_init(&l->tpair, cfg->max_pairs);
    life_table_init(&l->tser, cfg->max_series);
    /* calloc'd arrays: pages are only touched (and counted) as slots are used */
    l->dev = xcalloc(cfg->max_devices, sizeof(*l->dev));
    l->ent = xcalloc(cfg->max_entities, sizeof(*l->ent));
    l->pair = xcalloc(cfg->max_pairs, sizeof(*l->pair));
    l->ser = xcalloc(cfg->max_series, sizeof(*l->ser));
    hidx_init(&l->idev, cfg->max_devices);
    hidx_init(&l->ient, cfg->max_entities);
    hidx_init(&l->ipair, cfg->max_pairs);
    l->aged_day = INT32_MIN;
    return l;
}

static void device_clear(struct l_device *d)
{
    free(d->peers.v);
    free(d->smb_peers.v);
    free(d->base);
    free(d->hist);
    uint32_t gen = d->gen;
    memset(d, 0, sizeof(*d));
    d->gen = gen;
}

void life_free(struct life *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->tdev.next; i++)
        device_clear(&l->dev[i]);
    for (size_t i = 0; i < l->tent.next; i++)
        free(l->ent[i].val);
    free(l->dev);
    free(l->ent);
    free(l->pair);
    free(l->ser);
    life_table_release(&l->tdev);
    life_table_release(&l->tent);
    life_table_release(&l->tpair);
    life_table_release(&l->tser);
    hidx_release(&l->idev);
    hidx_release(&l->ient);
    hidx_release(&l->ipair);
    free(l);
}

int life_pair_stale(const struct life *l, const struct l_pair *p)
{
    const struct l_device *d = &l->dev[p->dev];
    const struct l_entity *e = &l->ent[p->ent];
    return !d->used || d->gen != p->dev_gen || !e->used || e->gen != p->ent_gen;
}

/* ---- eviction: the least recently used of a deterministic sample ---- */

typedef int64_t (*age_fn)(const struct life *l, uint32_t slot, int *used);

static long evict_pick(struct life *l, struct l_table *t, age_fn age)
{
    long best = -1;
    int64_t best_age = 0;
    int seen = 0;
    for (size_t tries = 0; tries < t->next && seen < LIFE_EVICT_SAMPLE; tries++) {
        uint32_t s = (uint32_t)(t->hand % t->next);
        t->hand = (t->hand + 1) % t->next;
        int used;
        int64_t a = age(l, s, &used);
        if (!used)
            continue;
        seen++;
        if (best < 0 || a < best_age) {
            best = s;
            best_age = a;
        }
    }
    return best;
}

static int64_t pair_age(const struct life *l, uint32_t s, int *used)
{
    const struct l_pair *p = &l->pair[s];
    *used = p->used;
    return life_pair_stale(l, p) ? INT64_MIN : p->last_seen;
}

static int64_t ent_age(const struct life *l, uint32_t s, int *used)
{
    *used = l->ent[s].used;
    return l->ent[s].last_seen;
}

static int64_t dev_age(const struct life *l, uint32_t s, int *used)
{
    *used = l->dev[s].used;
    return l->dev[s].last_seen;
}

static int64_t ser_age(const struct life *l, uint32_t s, int *used)
{
    *used = l->ser[s].used;
    return l->ser[s].last_use;
}

static void series_drop(struct life *l, uint32_t s)
{
    struct l_series *sr = &l->ser[s];
    if (sr->pair < l->tpair.next && l->pair[sr->pair].series == s + 1)
        l->pair[sr->pair].series = 0;
    memset(sr, 0, sizeof(*sr));
    table_give(&l->tser, s);
}

/* True while the entity a pair points at is still the one it learned. */
static int pair_entity_valid(const struct life *l, const struct l_pair *p)
{
    const struct l_entity *e = &l->ent[p->ent];
    return e->used && e->gen == p->ent_gen;
}

static void pair_uncount(struct life *l, struct l_pair *p)
{
    if (p->counted && pair_entity_valid(l, p) && l->ent[p->ent].ndev)
        l->ent[p->ent].ndev--;
    p->counted = 0;
}

static void pair_drop(struct life *l, uint32_t s)
{
    struct l_pair *p = &l->pair[s];
    pair_uncount(l, p);
    if (p->series)
        series_drop(l, p->series - 1);
    if (hidx_remove(&l->ipair, p->hash, s) < 0)
        BUG("pair %u missing from its index", s);
    memset(p, 0, sizeof(*p));
    table_give(&l->tpair, s);
}

static void ent_drop(struct life *l, uint32_t s)
{
    struct l_entity *e = &l->ent[s];
    if (hidx_remove(&l->ient, e->hash, s) < 0)
        BUG("entity %u missing from its index", s);
    free(e->val);
    uint32_t gen = e->gen;
    memset(e, 0, sizeof(*e));
    e->gen = gen + 1; /* pairs that point here are now stale */
    table_give(&l->tent, s);
}

static void dev_drop(struct life *l, uint32_t s)
{
    struct l_device *d = &l->dev[s];
    if (hidx_remove(&l->idev, d->hash, s) < 0)
        BUG("device %u missing from its index", s);
    device_clear(d);
    d->gen++;
    table_give(&l->tdev, s);
}

static uint32_t take_slot(struct life *l, struct l_table *t, age_fn age,
                          void (*drop)(struct life *, uint32_t))
{
    long s = table_take(t);
    if (s >= 0)
        return (uint32_t)s;
    long v = evict_pick(l, t, age);
    if (v < 0)
        BUG("a full table with nothing to evict");
    drop(l, (uint32_t)v);
    s = table_take(t);
    if (s < 0)
        BUG("no slot after eviction");
    return (uint32_t)s;
}

/* ---- lookups ---- */

struct dev_key {
    const struct life *l;
    const struct addr *a;
};

static int eq_dev(const void *ctx, uint32_t slot)
{
    const struct dev_key *k = ctx;
    const struct l_device *d = &k->l->dev[slot];
    return d->used && addr_cmp(&d->a, k->a) == 0;
}

static long dev_find(const struct life *l, const struct addr *a, uint64_t h)
{
    struct dev_key k = {l, a};
    return hidx_find(&l->idev, h, eq_dev, &k);
}

static uint32_t dev_get(struct life *l, const struct addr *a, int64_t ts, int *created)
{
    uint64_t h = life_device_hash(a);
    long s = dev_find(l, a, h);
    *created = 0;
    if (s >= 0)
        return (uint32_t)s;
    uint32_t slot = take_slot(l, &l->tdev, dev_age, dev_drop);
    struct l_device *d = &l->dev[slot];
    uint32_t gen = d->gen;
    memset(d, 0, sizeof(*d));
    d->gen = gen;
    d->used = 1;
    d->a = *a;
    d->hash = h;
    d->first_seen = d->last_seen = ts;
    d->cur_hour = -1;
    hidx_insert(&l->idev, h, slot);
    *created = 1;
    return slot;
}

struct ent_key {
    const struct life *l;
    uint8_t kind;
    const void *val;
    size_t len;
};

static int eq_ent(const void *ctx, uint32_t slot)
{
    const struct ent_key *k = ctx;
    const struct l_entity *e = &k->l->ent[slot];
    return e->used && e->kind == k->kind && e->len == k->len && memcmp(e->val, k->val, k->len) == 0;
}

static long ent_find(const struct life *l, enum life_kind kind, const void *val, size_t len,
                     uint64_t h)
{
    struct ent_key k = {l, (uint8_t)kind, val, len};
    return hidx_find(&l->ient, h, eq_ent, &k);
}

#define LIFE_VAL_MAX 1024 /* longer values (a huge user agent) are learned by their prefix */

static uint32_t ent_get(struct life *l, enum life_kind kind, const void *val, size_t len,
                        int64_t ts)
{
    uint64_t h = life_entity_hash(kind, val, len);
    long s = ent_find(l, kind, val, len, h);
    if (s >= 0)
        return (uint32_t)s;
    uint32_t slot = take_slot(l, &l->tent, ent_age, ent_drop);
    struct l_entity *e = &l->ent[slot];
    uint32_t gen = e->gen;
    memset(e, 0, sizeof(*e));
    e->gen = gen;
    e->used = 1;
    e->kind = (uint8_t)kind;
    e->len = (uint16_t)len;
    e->hash = h;
    e->val = xmalloc(len + 1);
    memcpy(e->val, val, len);
    e->val[len] = '\0';
    e->first_seen = e->last_seen = ts;
    hidx_insert(&l->ient, h, slot);
    return slot;
}

struct pair_key {
    const struct life *l;
    uint32_t dev, dev_gen, ent, ent_gen;
};

static int eq_pair(const void *ctx, uint32_t slot)
{
    const struct pair_key *k = ctx;
    const struct l_pair *p = &k->l->pair[slot];
    return p->used && p->dev == k->dev && p->dev_gen == k->dev_gen && p->ent == k->ent &&
           p->ent_gen == k->ent_gen;
}

static long pair_find(const struct life *l, uint32_t dev, uint32_t ent)
{
    struct pair_key k = {l, dev, l->dev[dev].gen, ent, l->ent[ent].gen};
    uint64_t h = life_pair_hash(k.dev, k.dev_gen, k.ent, k.ent_gen);
    return hidx_find(&l->ipair, h, eq_pair, &k);
}

/* ---- hourly baselines ---- */

static int hour_slot(int64_t hour)
{
    int64_t day = hour >= 0 ? hour / 24 : (hour - 23) / 24;
    int hod = (int)(hour - day * 24);
    int wday = (int)(((day % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday (4) */
    int weekend = wday == 0 || wday == 6;
    return hod + 24 * weekend;
}

static void peerset_clear(struct peerset *ps)
{
    free(ps->v);
    memset(ps, 0, sizeof(*ps));
}

/* Adds h (non-zero); returns 1 if it was new. Saturates at PEERSET_MAX. */
static int peerset_add(struct peerset *ps, uint32_t h)
{
    if (!h)
        h = 1;
    if (ps->n >= PEERSET_MAX)
        return 0;
    if ((ps->n + 1) * 2 > ps->cap) {
        uint32_t ncap = ps->cap ? ps->cap * 2 : 16;
        uint32_t *nv = xcalloc(ncap, sizeof(uint32_t));
        for (uint32_t i = 0; i < ps->cap; i++) {
            uint32_t x = ps->v[i];
            if (!x)
                continue;
            uint32_t j = x & (ncap - 1);
            while (nv[j])
                j = (j + 1) & (ncap - 1);
            nv[j] = x;
        }
        free(ps->v);
        ps->v = nv;
        ps->cap = ncap;
    }
    uint32_t j = h & (ps->cap - 1);
    while (ps->v[j]) {
        if (ps->v[j] == h)
            return 0;
        j = (j + 1) & (ps->cap - 1);
    }
    ps->v[j] = h;
    ps->n++;
    return 1;
}

static void fold_hour(struct life *l, struct l_device *d, int64_t hour, const float *cur)
{
    if (!d->base)
        d->base = xcalloc(1, sizeof(*d->base));
    int s = hour_slot(hour);
    if (d->base->n[s] < UINT16_MAX)
        d->base->n[s]++;
    for (int m = 0; m < LM__COUNT; m++) {
        d->base->sum[m][s] += cur[m];
        l->org_sum[m] += cur[m];
    }
    l->org_hours += 1;
}

/* Moves device d's accumulators to the hour holding ts. */
static void roll_hour(struct life *l, struct l_device *d, int64_t ts)
{
    int64_t hour = ts / US_PER_HOUR;
    if (d->cur_hour < 0) {
        d->cur_hour = hour;
        return;
    }
    if (hour <= d->cur_hour)
        return;
    fold_hour(l, d, d->cur_hour, d->cur);
    static const float zero[LM__COUNT];
    if (hour - d->cur_hour - 1 <= ZERO_FILL_MAX_HOURS)
        for (int64_t h = d->cur_hour + 1; h < hour; h++)
            fold_hour(l, d, h, zero);
    memset(d->cur, 0, sizeof(d->cur));
    peerset_clear(&d->peers);
    peerset_clear(&d->smb_peers);
    d->cur_hour = hour;
}

static const struct l_device *dev_lookup(const struct life *l, const struct addr *a)
{
    long s = dev_find(l, a, life_device_hash(a));
    return s >= 0 ? &l->dev[s] : NULL;
}

double life_hour_count(const struct life *l, const struct addr *a, enum life_metric m)
{
    const struct l_device *d = dev_lookup(l, a);
    return d ? d->cur[m] : 0;
}

double life_hour_surprise(const struct life *l, const struct addr *a, enum life_metric m, double c,
                          int64_t ts, double *mean, double *conf)
{
    const struct l_device *d = dev_lookup(l, a);
    int s = hour_slot(ts / US_PER_HOUR);
    double n = 0, sum = 0, prior_mean = 1.0;
    if (l->org_hours > 0)
        prior_mean = l->org_sum[m] / l->org_hours;
    if (d && d->base) {
        const struct l_baseline *b = d->base;
        n = b->n[s];
        sum = b->sum[m][s];
        int other = (s + 24) % LIFE_HOUR_SLOTS; /* same hour, other kind of day */
        double all_n = 0, all_sum = 0;
        for (int i = 0; i < LIFE_HOUR_SLOTS; i++) {
            all_n += b->n[i];
            all_sum += b->sum[m][i];
        }
        if (b->n[other] > 0)
            prior_mean = b->sum[m][other] / b->n[other];
        else if (all_n > 0)
            prior_mean = all_sum / all_n;
    }
    /* a weak prior worth one hour, centred on the best guess available */
    const double k0 = 1.0;
    double a0 = prior_mean * k0 + 0.1, b0 = k0;
    double shape = a0 + sum, rate = b0 + n;
    if (mean)
        *mean = shape / rate;
    if (conf)
        *conf = n / (n + 4.0);
    if (c <= 0)
        return 0;
    double p = stat_gamma_poisson_upper(c, shape, rate);
    if (p <= 1e-300)
        return 300;
    double sv = -log10(p);
    return sv < 0 ? 0 : sv;
}

/* ---- rarity ---- */

static double rarity_of(uint32_t others, uint32_t devices)
{
    if (others == 0)
        return 100.0;
    double f = devices > 1 ? (double)others / (double)(devices - 1) : 1.0;
    if (f > 1)
        f = 1;
    double r = 100.0 * pow(1 - f, 4) * exp(-(double)others / 10.0);
    return r;
}

double life_rarity(const struct life *l, const struct addr *a, enum life_kind k, const void *val,
                   size_t len)
{
    long e = ent_find(l, k, val, len, life_entity_hash(k, val, len));
    if (e < 0)
        return 100.0;
    uint32_t nd = l->ent[e].ndev;
    long d = dev_find(l, a, life_device_hash(a));
    if (d >= 0) {
        long p = pair_find(l, (uint32_t)d, (uint32_t)e);
        if (p >= 0 && l->pair[p].counted && nd)
            nd--;
    }
    return rarity_of(nd, l->active_devices ? l->active_devices : 1);
}

/* Once per day of event time: pairs idle longer than the window leave the rarity counts. */
static void age_window(struct life *l, int64_t now)
{
    int32_t day = (int32_t)(now / US_PER_DAY);
    if (day == l->aged_day)
        return;
    l->aged_day = day;
    int64_t cutoff = now - l->cfg.window_us;
    for (size_t i = 0; i < l->tpair.next; i++) {
        struct l_pair *p = &l->pair[i];
        if (!p->used || !p->counted)
            continue;
        /* idle past the window, or its device was evicted: no longer counts */
        if (p->last_seen < cutoff || life_pair_stale(l, p))
            pair_uncount(l, p);
    }
    uint32_t active = 0;
    for (size_t i = 0; i < l->tdev.next; i++)
        if (l->dev[i].used && l->dev[i].last_seen >= cutoff)
            active++;
    l->active_devices = active;
}

/* ---- learning ---- */

static int32_t day_of(int64_t ts)
{
    return (int32_t)(ts >= 0 ? ts / US_PER_DAY : (ts - US_PER_DAY + 1) / US_PER_DAY);
}

static void series_add(struct life *l, uint32_t pslot, int64_t ts, uint32_t size)
{
    struct l_pair *p = &l->pair[pslot];
    if (!p->series) {
        uint32_t s = take_slot(l, &l->tser, ser_age, series_drop);
        struct l_series *sr = &l->ser[s];
        memset(sr, 0, sizeof(*sr));
        sr->used = 1;
        sr->pair = pslot;
        p->series = s + 1;
    }
    struct l_series *sr = &l->ser[p->series - 1];
    sr->ts[sr->head] = ts;
    sr->size[sr->head] = size;
    sr->head = (uint16_t)((sr->head + 1) % LIFE_SERIES_LEN);
    if (sr->n < LIFE_SERIES_LEN)
        sr->n++;
    sr->last_use = ts;
}

const struct beacon_result *life_obs_beacon(struct life_obs *obs, enum life_beacon which)
{
    struct beacon_result *out = &obs->beacon[which];
    if (!obs->beacon_done[which]) {
        obs->beacon_done[which] = 1;
        memset(out, 0, sizeof(*out));
        uint32_t s = obs->beacon_series[which];
        if (!s || !obs->life)
            return NULL;
        const struct l_series *sr = &obs->life->ser[s - 1];
        /* the host's series may have taken the IP's slot when the table was full */
        if (!sr->used || sr->pair != obs->beacon_pair[which])
            return NULL;
        /* oldest first (a full ring starts at head), so the sort by time has nothing to do */
        int64_t ts[LIFE_SERIES_LEN];
        uint32_t sz[LIFE_SERIES_LEN];
        size_t first = sr->n == LIFE_SERIES_LEN ? sr->head : 0;
        for (size_t i = 0; i < sr->n; i++) {
            ts[i] = sr->ts[(first + i) % LIFE_SERIES_LEN];
            sz[i] = sr->size[(first + i) % LIFE_SERIES_LEN];
        }
        beacon_score(ts, sz, sr->n, out);
    }
    return out->n >= BEACON_MIN_CONNS ? out : NULL;
}

/*
 * What an entity (kind, val; e, NULL if unknown) and its pair with the
 * device (p, NULL if none) say.
 */
static void fill_seen(const struct life *l, enum life_kind kind, const void *val, size_t len,
                      const struct l_entity *e, const struct l_pair *p, int64_t ts,
                      struct life_seen *seen)
{
    memset(seen, 0, sizeof(*seen));
    seen->valid = 1;
    seen->kind = kind;
    seen->new_for_org = e == NULL;
    seen->new_for_device = p == NULL;
    seen->org_first_seen = e ? e->first_seen : 0;
    seen->young = !e || ts - e->first_seen < l->cfg.young_us;
    uint32_t others = e ? e->ndev : 0;
    if (p && p->counted && others)
        others--;
    seen->other_devices = others;
    seen->device_conns = p ? p->conns : 0;
    seen->device_days = p ? (uint32_t)__builtin_popcount(p->days) : 0;
    seen->rarity = rarity_of(others, l->active_devices ? l->active_devices : 1);
    /* a domain that came in mail, whether or not any device had used it: one memory */
    if (kind == LK_DOMAIN) {
        long m = ent_find(l, LK_MAILDOM, val, len, life_entity_hash(LK_MAILDOM, val, len));
        if (m >= 0) {
            seen->in_mail = 1;
            seen->mail_first_seen = l->ent[m].first_seen;
        }
    }
}

void life_note_mail_domain(struct life *l, const char *domain, size_t len, int64_t ts)
{
    if (!len)
        return;
    if (len > LIFE_VAL_MAX)
        len = LIFE_VAL_MAX;
    uint32_t e = ent_get(l, LK_MAILDOM, domain, len, ts);
    struct l_entity *x = &l->ent[e];
    x->conns++;
    if (ts > x->last_seen)
        x->last_seen = ts;
    if (ts < x->first_seen)
        x->first_seen = ts;
    if (!l->first_ts || ts < l->first_ts)
        l->first_ts = ts;
    if (ts > l->last_ts)
        l->last_ts = ts;
}

void life_domain_facts(const struct life *l, const char *domain, size_t len,
                       struct life_domain_facts *out)
{
    memset(out, 0, sizeof(*out));
    if (len > LIFE_VAL_MAX)
        len = LIFE_VAL_MAX;
    long d = ent_find(l, LK_DOMAIN, domain, len, life_entity_hash(LK_DOMAIN, domain, len));
    if (d >= 0) {
        out->in_network = 1;
        out->devices = l->ent[d].ndev;
        out->net_first_seen = l->ent[d].first_seen;
    }
    long m = ent_find(l, LK_MAILDOM, domain, len, life_entity_hash(LK_MAILDOM, domain, len));
    if (m >= 0) {
        out->in_mail = 1;
        out->mail_first_seen = l->ent[m].first_seen;
        out->mail_count = l->ent[m].conns;
    }
    out->rarity = rarity_of(out->devices, l->active_devices ? l->active_devices : 1);
}

void life_peek(const struct life *l, const struct addr *d, enum life_kind kind, const void *val,
               size_t len, int64_t ts, struct life_seen *seen)
{
    if (len > LIFE_VAL_MAX)
        len = LIFE_VAL_MAX;
    long e = ent_find(l, kind, val, len, life_entity_hash(kind, val, len));
    long p = -1;
    if (e >= 0) {
        long ds = dev_find(l, d, life_device_hash(d));
        if (ds >= 0)
            p = pair_find(l, (uint32_t)ds, (uint32_t)e);
    }
    fill_seen(l, kind, val, len, e >= 0 ? &l->ent[e] : NULL, p >= 0 ? &l->pair[p] : NULL, ts,
              seen);
}

/*
 * Device dslot used entity (kind, val): fills seen with what was true
 * before, then learns. Returns the pair slot.
 */
static uint32_t touch(struct life *l, uint32_t dslot, enum life_kind kind, const void *val,
                      size_t len, int64_t ts, uint64_t bytes_out, uint64_t bytes_in,
                      struct life_seen *seen)
{
    if (len > LIFE_VAL_MAX)
        len = LIFE_VAL_MAX;
    uint64_t h = life_entity_hash(kind, val, len);
    long e0 = ent_find(l, kind, val, len, h);
    uint32_t eslot = e0 >= 0 ? (uint32_t)e0 : ent_get(l, kind, val, len, ts);
    struct l_entity *e = &l->ent[eslot];
    long p0 = e0 >= 0 ? pair_find(l, dslot, eslot) : -1;

    if (seen)
        fill_seen(l, kind, val, len, e0 >= 0 ? e : NULL, p0 >= 0 ? &l->pair[p0] : NULL, ts,
                  seen);

    uint32_t pslot;
    if (p0 >= 0) {
        pslot = (uint32_t)p0;
    } else {
        pslot = take_slot(l, &l->tpair, pair_age, pair_drop);
        /* taking a slot may have evicted entities: refetch */
        e = &l->ent[eslot];
        struct l_pair *p = &l->pair[pslot];
        memset(p, 0, sizeof(*p));
        p->used = 1;
        p->dev = dslot;
        p->dev_gen = l->dev[dslot].gen;
        p->ent = eslot;
        p->ent_gen = e->gen;
        p->hash = life_pair_hash(p->dev, p->dev_gen, p->ent, p->ent_gen);
        p->first_seen = ts;
        p->last_day = day_of(ts);
        hidx_insert(&l->ipair, p->hash, pslot);
    }
    struct l_pair *p = &l->pair[pslot];
    if (!p->counted) {
        p->counted = 1;
        e->ndev++;
    }
    p->conns++;
    if (ts > p->last_seen)
        p->last_seen = ts;
    p->bytes_out += bytes_out;
    p->bytes_in += bytes_in;
    int32_t day = day_of(ts);
    if (day > p->last_day) {
        int32_t shift = day - p->last_day;
        p->days = shift >= 32 ? 0 : p->days << shift;
        p->last_day = day;
    }
    if (p->last_day - day < 32)
        p->days |= 1u << (p->last_day - day);
    e->conns++;
    e->bytes += bytes_out + bytes_in;
    if (ts > e->last_seen)
        e->last_seen = ts;
    if (ts < e->first_seen)
        e->first_seen = ts;
    if (seen)
        seen->device_days = (uint32_t)__builtin_popcount(p->days);
    return pslot;
}

static int is_failed(const char *state)
{
    return !strcmp(state, "S0") || !strcmp(state, "REJ") || !strcmp(state, "RSTOS0") ||
           !strcmp(state, "SH") || !strcmp(state, "RSTRH") || !strcmp(state, "OTH");
}

static const psl_ctx_t *psl(void)
{
    static const psl_ctx_t *ctx;
    if (!ctx)
        ctx = psl_builtin();
    return ctx;
}

/* The registrable domain of host ("www.example.co.uk" → "example.co.uk"), or NULL. */
static const char *registrable(const char *host)
{
    const psl_ctx_t *p = psl();
    if (!p || !host || !*host)
        return NULL;
    return psl_registrable_domain(p, host);
}

int life_is_internal(const struct life *l, const struct addr *a)
{
    if (cidr_set_contains(&l->cfg.internal, a))
        return 1;
    return l->cfg.auto_internal && dev_find(l, a, life_device_hash(a)) >= 0;
}

/*
 * Is the originator a device? An address in the internal networks is. With
 * auto_internal (no networks configured) and no such address seen yet, as
 * in a capture of one host on a public address, the originators are.
 */
static int originator_is_device(struct life *l, const struct addr *a)
{
    if (cidr_set_contains(&l->cfg.internal, a)) {
        l->private_seen = 1;
        return 1;
    }
    if (!l->cfg.auto_internal)
        return 0;
    return !l->private_seen || dev_find(l, a, life_device_hash(a)) >= 0;
}

/*
 * What the pattern of life reads of a connection, taken from the event's
 * fields (by the names `vigil events` prints) rather than from the sensor's
 * structures, so events replayed from JSON or sent by another sensor are
 * learned exactly as the ones of a capture.
 */
struct conn_view {
    struct addr orig, resp;
    unsigned resp_p;
    int tcp, udp;
    uint64_t ob, rb;
    const char *state;
    const char *svc;
    const char *name; /* resp_name, or NULL */
};

static const struct jfield *field_str(const struct jfields *f, const char *key)
{
    const struct jfield *x = jf_get(f, key);
    return x && x->type == JF_STR ? x : NULL;
}

static double field_num(const struct jfields *f, const char *key)
{
    const struct jfield *x = jf_get(f, key);
    return x && x->type == JF_NUM ? x->num : 0;
}

/* Fills v from f; returns 0, or -1 if the event names no connection. */
static int conn_view_of(const struct event *ev, const struct jfields *f, struct conn_view *v)
{
    if (ev->flow) { /* the sensor's own event: the addresses it printed, unparsed */
        v->orig = ev->flow->orig_h;
        v->resp = ev->flow->resp_h;
    } else {
        const struct jfield *o = field_str(f, "id.orig_h"), *r = field_str(f, "id.resp_h");
        if (!o || !r || addr_parse(o->s, &v->orig) < 0 || addr_parse(r->s, &v->resp) < 0)
            return -1;
    }
    double p = field_num(f, "id.resp_p");
    v->resp_p = p >= 0 && p <= 65535 ? (unsigned)p : 0;
    const struct jfield *pr = field_str(f, "proto");
    v->tcp = pr && strcmp(pr->s, "tcp") == 0;
    v->udp = pr && strcmp(pr->s, "udp") == 0;
    double ob = field_num(f, "orig_bytes"), rb = field_num(f, "resp_bytes");
    v->ob = ob > 0 ? (uint64_t)ob : 0;
    v->rb = rb > 0 ? (uint64_t)rb : 0;
    const struct jfield *x = field_str(f, "conn_state");
    v->state = x ? x->s : "";
    x = field_str(f, "service");
    v->svc = x ? x->s : "";
    x = field_str(f, "resp_name");
    v->name = x && x->n ? x->s : NULL;
    return 0;
}

static void learn_conn(struct life *l, const struct event *ev, const struct jfields *fields,
                       struct life_obs *obs)
{
    struct conn_view cv;
    if (conn_view_of(ev, fields, &cv) < 0)
        return;
    if (!originator_is_device(l, &cv.orig))
        return; /* inbound or transit: the device is the originator, when it is ours */
    if (addr_cmp(&cv.orig, &cv.resp) == 0)
        return;
    int ri = life_is_internal(l, &cv.resp);
    int64_t ts = ev->ts;
    int created;
    uint32_t ds = dev_get(l, &cv.orig, ts, &created);
    struct l_device *d = &l->dev[ds];
    if (created)
        l->active_devices++;
    roll_hour(l, d, ts);
    if (ts > d->last_seen)
        d->last_seen = ts;
    d->conns++;
    if (obs) {
        obs->has_device = 1;
        obs->device = cv.orig;
        obs->device_first_seen = d->first_seen;
    }
    uint64_t ob = cv.ob, rb = cv.rb;
    const char *svc = cv.svc;
    life_history_add(&d->hist, ts, ob, rb);

    d->cur[LM_CONNS] += 1;
    if (is_failed(cv.state))
        d->cur[LM_FAILED] += 1;

    /* always asked for: LM_NEW_EXT below must not depend on whether the caller wants obs */
    struct life_seen ip_seen;
    struct life_seen *s_ip = obs ? &obs->ip : &ip_seen;
    uint32_t ip_pair = touch(l, ds, LK_IP, cv.resp.b, 16, ts, ob, rb, s_ip);
    d = &l->dev[ds];

    if (!ri) {
        d->cur[LM_EXT_CONNS] += 1;
        d->cur[LM_EXT_KBYTES] += (float)((double)ob / 1024.0);
        if (s_ip && s_ip->new_for_device)
            d->cur[LM_NEW_EXT] += 1;
        if (strstr(svc, "smtp") || cv.resp_p == 25 || cv.resp_p == 587 || cv.resp_p == 465)
            d->cur[LM_SMTP] += 1;
        if (strstr(svc, "ssl") || strstr(svc, "http"))
            d->cur[LM_TLS_HTTP] += 1;
        char port[24];
        int n = snprintf(port, sizeof(port), "%s/%u", cv.udp ? "udp" : "tcp", cv.resp_p);
        if (cv.tcp || cv.udp)
            touch(l, ds, LK_PORT, port, (size_t)n, ts, 0, 0, obs ? &obs->port : NULL);
        if (svc[0]) {
            char sp[48];
            n = snprintf(sp, sizeof(sp), "%.30s/%u", svc, cv.resp_p);
            touch(l, ds, LK_SERVICE, sp, (size_t)n, ts, 0, 0, obs ? &obs->service : NULL);
        }
        /*
         * The series used for beaconing: device -> external IP, of connections
         * that were answered. Unanswered attempts come at a scanner's or a
         * retry timer's pace, which is regular but no call home; they are the
         * failed-connection models' to judge.
         */
        int answered = !is_failed(cv.state);
        if (answered)
            series_add(l, ip_pair, ts, (uint32_t)(ob > UINT32_MAX ? UINT32_MAX : ob));
        if (obs && answered) {
            obs->beacon_series[LIFE_BEACON_IP] = l->pair[ip_pair].series;
            obs->beacon_pair[LIFE_BEACON_IP] = ip_pair;
        }
        const char *name = cv.name;
        if (name) {
            uint32_t hp = touch(l, ds, LK_HOST, name, strlen(name), ts, ob, rb,
                                obs ? &obs->host : NULL);
            if (answered)
                series_add(l, hp, ts, (uint32_t)(ob > UINT32_MAX ? UINT32_MAX : ob));
            if (obs && answered) {
                obs->beacon_series[LIFE_BEACON_HOST] = l->pair[hp].series;
                obs->beacon_pair[LIFE_BEACON_HOST] = hp;
            }
            const char *dom = registrable(name);
            if (dom)
                touch(l, ds, LK_DOMAIN, dom, strlen(dom), ts, 0, 0, obs ? &obs->domain : NULL);
        }
    } else {
        uint64_t ph = hash_bytes(cv.resp.b, 16, 0x70656572);
        if (peerset_add(&d->peers, (uint32_t)ph))
            d->cur[LM_INT_PEERS] = (float)d->peers.n;
        if ((cv.resp_p == 445 || cv.resp_p == 139) && cv.tcp)
            if (peerset_add(&d->smb_peers, (uint32_t)ph))
                d->cur[LM_SMB_PEERS] = (float)d->smb_peers.n;
    }
}

/*
 * The server port (and, for TLS and HTTP, the service on it) of an event
 * other than conn, as the conn events learned them: "tcp/449", "ssl/449".
 * The transport is the event's proto field, else what its protocol runs on.
 */
static void peek_port(const struct life *l, const struct event *ev, const struct jfields *f,
                      const struct conn_view *cv, struct life_obs *obs)
{
    if (!cv->resp_p || life_is_internal(l, &cv->resp))
        return;
    const char *tr = cv->udp ? "udp" : cv->tcp ? "tcp" : NULL, *svc = NULL;
    const struct jfield *q;
    switch (ev->type) {
    case EV_TLS:
        q = jf_get(f, "quic");
        tr = tr ? tr : q && q->type == JF_BOOL && q->num != 0 ? "udp" : "tcp";
        svc = "ssl";
        break;
    case EV_HTTP:
        tr = tr ? tr : "tcp";
        svc = "http";
        break;
    case EV_SMTP:
    case EV_SMB:
    case EV_SSH: tr = tr ? tr : "tcp"; break;
    default: break;
    }
    if (!tr)
        return;
    char key[48];
    int n = snprintf(key, sizeof(key), "%s/%u", tr, cv->resp_p);
    life_peek(l, &cv->orig, LK_PORT, key, (size_t)n, ev->ts, &obs->port);
    if (svc) {
        n = snprintf(key, sizeof(key), "%s/%u", svc, cv->resp_p);
        life_peek(l, &cv->orig, LK_SERVICE, key, (size_t)n, ev->ts, &obs->service);
    }
}

/* The device behind a non-conn event: its originator, when internal. Returns the slot or -1. */
static long event_device(struct life *l, const struct event *ev, const struct jfields *fields,
                         struct life_obs *obs)
{
    struct conn_view cv;
    if (conn_view_of(ev, fields, &cv) < 0 || !originator_is_device(l, &cv.orig))
        return -1;
    int created;
    uint32_t ds = dev_get(l, &cv.orig, ev->ts, &created);
    if (created)
        l->active_devices++;
    struct l_device *d = &l->dev[ds];
    roll_hour(l, d, ev->ts);
    if (ev->ts > d->last_seen)
        d->last_seen = ev->ts;
    if (obs) {
        obs->has_device = 1;
        obs->device = cv.orig;
        obs->device_first_seen = d->first_seen;
        life_peek(l, &cv.orig, LK_IP, cv.resp.b, 16, ev->ts, &obs->ip);
        peek_port(l, ev, fields, &cv, obs);
    }
    return (long)ds;
}

/* A hostname learned as itself and as its registrable domain. */
static void learn_host(struct life *l, uint32_t ds, const char *host, size_t n, int64_t ts,
                       struct life_obs *obs)
{
    if (!n)
        return;
    touch(l, ds, LK_HOST, host, n, ts, 0, 0, obs ? &obs->host : NULL);
    char tmp[256];
    if (n >= sizeof(tmp))
        return;
    memcpy(tmp, host, n);
    tmp[n] = '\0';
    const char *dom = registrable(tmp);
    if (dom)
        touch(l, ds, LK_DOMAIN, dom, strlen(dom), ts, 0, 0, obs ? &obs->domain : NULL);
}

static void learn_app(struct life *l, const struct event *ev, const struct jfields *f,
                      struct life_obs *obs)
{
    long ds = event_device(l, ev, f, obs);
    if (ds < 0)
        return;
    int64_t ts = ev->ts;
    const struct jfield *x;
    switch (ev->type) {
    case EV_TLS:
        if ((x = field_str(f, "ja3")) && x->n)
            touch(l, (uint32_t)ds, LK_JA3, x->s, x->n, ts, 0, 0, obs ? &obs->ja3 : NULL);
        if ((x = field_str(f, "server_name")) && x->n)
            learn_host(l, (uint32_t)ds, x->s, x->n, ts, obs);
        if ((x = field_str(f, "issuer")) && x->n)
            touch(l, (uint32_t)ds, LK_ISSUER, x->s, x->n, ts, 0, 0, obs ? &obs->issuer : NULL);
        break;
    case EV_HTTP:
        x = field_str(f, "user_agent");
        touch(l, (uint32_t)ds, LK_UA, x ? x->s : "", x ? x->n : 0, ts, 0, 0,
              obs ? &obs->ua : NULL);
        if ((x = field_str(f, "host")) && x->n)
            learn_host(l, (uint32_t)ds, x->s, x->n, ts, obs);
        break;
    default:
        /* other events name the device and peer only: their facts are peeked, not learned */
        break;
    }
}

void life_observe(struct life *l, const struct event *ev, struct life_obs *obs)
{
    life_observe_fields(l, ev, NULL, obs);
}

void life_observe_fields(struct life *l, const struct event *ev, const struct jfields *f,
                         struct life_obs *obs)
{
    if (obs) {
        memset(obs, 0, sizeof(*obs));
        obs->life = l;
    }
    int64_t ts = ev->ts;
    if (!l->first_ts || ts < l->first_ts)
        l->first_ts = ts;
    if (ts > l->last_ts)
        l->last_ts = ts;
    l->events++;
    age_window(l, l->last_ts);
    static struct jfields own;
    if (!f) {
        struct jbuf jb;
        jb_init_capture(&jb, &own);
        event_to_json(ev, &jb);
        f = &own;
    }
    if (ev->type == EV_CONN)
        learn_conn(l, ev, f, obs);
    else
        learn_app(l, ev, f, obs);
    if (obs) {
        obs->org_devices = l->active_devices;
        double hist_days = (double)(l->last_ts - l->first_ts) / (double)US_PER_DAY;
        double dev_f = l->active_devices >= 10 ? 1.0 : l->active_devices / 10.0;
        double hist_f = hist_days >= 3 ? 1.0 : hist_days / 3.0;
        obs->org_confidence = sqrt(dev_f * hist_f);
        obs->learning = l->cfg.learning_us > 0 && ts - l->first_ts < l->cfg.learning_us;
    }
}

void life_get_stats(const struct life *l, struct life_stats *st)
{
    memset(st, 0, sizeof(*st));
    st->devices = l->tdev.used;
    st->entities = l->tent.used;
    st->pairs = l->tpair.used;
    st->series = l->tser.used;
    st->evicted_devices = l->tdev.evicted;
    st->evicted_entities = l->tent.evicted;
    st->evicted_pairs = l->tpair.evicted;
    st->evicted_series = l->tser.evicted;
    st->events = l->events;
    st->first_ts = l->first_ts;
    st->last_ts = l->last_ts;
}
