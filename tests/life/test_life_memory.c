/*
 * summary: tests that life stays within its memory bound under 10 million distinct endpoints, and
 * stays sane after evicting
 *
 * Four devices connect, in turn, to 10,000,000 distinct external addresses
 * (one connection each, 10 ms apart: 28 hours), with the default table caps.
 * Three of them also use one popular endpoint every 1,000 connections.
 * Checked:
 *  - the peak resident set grown by life stays under the bound computed from
 *    the caps and the record sizes (docs/pattern-of-life.md, "Memory");
 *  - every table filled to its cap and evicted (the counters are non-zero);
 *  - rarity answers after eviction: the popular endpoint is common (its
 *    device count survived the churn), an endpoint one other device used
 *    lately is in between, an evicted one is forgotten (100, new), and for
 *    every entity the device count equals the pairs that count toward it.
 */
#include <stdlib.h>

#include "life/life.h"
#include "life/life_int.h"
#include "lifegen.h"
#include "test.h"
#include "util/hidx.h"
#include "util/json.h"
#include "util/log.h"

#ifndef NEVENTS
#define NEVENTS 10000000u
#endif
#define NDEV 4
#define EP(i) (IP4(32, 0, 0, 0) + (uint32_t)(i))
#define POPULAR IP4(192, 0, 2, 1)

/* Cells of a hidx sized for n entries (util/hidx.c: a power of two >= 2n, at least 16). */
static size_t hidx_cells(size_t n)
{
    size_t c = 16;
    while (c < n * 2)
        c <<= 1;
    return c;
}

/* malloc's chunk for n bytes on glibc x86-64: n + 8 rounded up to 16, at least 32. */
static size_t chunk(size_t n)
{
    size_t c = (n + 8 + 15) & ~(size_t)15;
    return c < 32 ? 32 : c;
}

static struct jfields fields;

/*
 * The workload: event i from device i % NDEV to endpoint EP(i), 10 ms apart;
 * every 1,000 events devices 0..NDEV-2 also use POPULAR. fast: hand life the
 * captured fields directly (gen_fields), else build each event as the sensor
 * does and let life format and capture it. Returns the last time.
 */
static int64_t workload(struct life *l, uint32_t n, int fast)
{
    int64_t t = T_MONDAY;
    struct gen_conn g;
    struct addr dev[NDEV], ep;
    for (int i = 0; i < NDEV; i++)
        v4(&dev[i], IP4(10, 1, 0, 1 + i));
    for (uint32_t i = 0; i < n; i++) {
        t += 10000; /* 10 ms */
        for (int k = -1; k < (i % 1000 == 0 ? NDEV - 1 : 0); k++) {
            int d = k < 0 ? (int)(i % NDEV) : k;
            uint32_t src = IP4(10, 1, 0, 1 + (uint32_t)d);
            uint32_t dst = k < 0 ? EP(i) : POPULAR;
            int64_t ts = k < 0 ? t : t + 1 + k;
            if (fast) {
                gen_fields(&fields, src, dst, 443, ts, 200);
                struct event ev = {.type = EV_CONN, .ts = ts};
                life_observe_fields(l, &ev, &fields, NULL);
            } else {
                v4(&ep, dst);
                life_observe(l, gen_tcp(&g, &dev[d], &ep, 443, ts, 200, 0), NULL);
            }
        }
    }
    return t;
}

/* The fast path learns what the sensor's path does: same report, same counters. */
static void check_fast_path(void)
{
    struct life_config cfg[2];
    struct life *l[2];
    char *rep[2];
    size_t len[2];
    struct life_stats st[2];
    for (int k = 0; k < 2; k++) {
        life_config_default(&cfg[k]);
        char err[128];
        if (cidr_set_parse(&cfg[k].internal, "10.0.0.0/8", err, sizeof(err)) < 0)
            BUG("%s", err);
        cfg[k].max_entities = 4000;
        cfg[k].max_pairs = 8000;
        cfg[k].max_series = 500;
        l[k] = life_new(&cfg[k]);
        workload(l[k], 20000, k);
        struct jbuf jb;
        jb_init(&jb);
        life_report_json(l[k], &jb);
        rep[k] = jb.buf;
        len[k] = jb.len;
        life_get_stats(l[k], &st[k]);
    }
    CHECK(st[0].evicted_entities > 0);
    CHECK(memcmp(&st[0], &st[1], sizeof(st[0])) == 0);
    CHECK(len[0] == len[1] && memcmp(rep[0], rep[1], len[0]) == 0);
    for (int k = 0; k < 2; k++) {
        free(rep[k]);
        life_free(l[k]);
        cidr_set_release(&cfg[k].internal);
    }
}

int main(void)
{
    long long rss0 = peak_rss_bytes();
    struct life_config cfg;
    life_config_default(&cfg);
    char err[128];
    if (cidr_set_parse(&cfg.internal, "10.0.0.0/8", err, sizeof(err)) < 0)
        BUG("%s", err);

    /*
     * The bound for this workload: every table's records, free list and
     * index, entity values (16-byte addresses and "tcp/443"), one hourly
     * baseline and one hourly history per device, no peer sets (no internal peers). 8 MiB of slack
     * for the event JSON buffers and allocator metadata.
     */
    size_t tables = cfg.max_devices * (sizeof(struct l_device) + 4) +
                    cfg.max_entities * (sizeof(struct l_entity) + 4) +
                    cfg.max_pairs * (sizeof(struct l_pair) + 4) +
                    cfg.max_series * (sizeof(struct l_series) + 4);
    size_t index =
        (hidx_cells(cfg.max_devices) + hidx_cells(cfg.max_entities) + hidx_cells(cfg.max_pairs)) *
        sizeof(uint64_t);
    size_t values = cfg.max_entities * chunk(16 + 1);
    size_t baselines =
        NDEV * (chunk(sizeof(struct l_baseline)) + chunk(sizeof(struct life_history)));
    size_t bound = tables + index + values + baselines + (8u << 20);
    printf("record sizes: device %zu, entity %zu, pair %zu, series %zu, baseline %zu, "
           "history %zu bytes\n",
           sizeof(struct l_device), sizeof(struct l_entity), sizeof(struct l_pair),
           sizeof(struct l_series), sizeof(struct l_baseline), sizeof(struct life_history));
    printf("bound: tables %.1f MiB + index %.1f MiB + values %.1f MiB + baselines+histories %.3f MiB "
           "+ 8 MiB = %.1f MiB\n",
           tables / 1048576.0, index / 1048576.0, values / 1048576.0, baselines / 1048576.0,
           bound / 1048576.0);

    struct life *l = life_new(&cfg);
    struct addr dev[NDEV], pop;
    for (int i = 0; i < NDEV; i++)
        v4(&dev[i], IP4(10, 1, 0, 1 + i));
    v4(&pop, POPULAR);
    int64_t t = workload(l, NEVENTS, 1);
    long long rss = peak_rss_bytes();
    struct life_stats st;
    life_get_stats(l, &st);
    printf("after %u endpoints: peak RSS %.1f MiB (%.1f MiB before life), tables "
           "%zu/%zu/%zu/%zu, evicted %llu/%llu/%llu/%llu\n",
           NEVENTS, rss / 1048576.0, rss0 / 1048576.0, st.devices, st.entities, st.pairs, st.series,
           (unsigned long long)st.evicted_devices, (unsigned long long)st.evicted_entities,
           (unsigned long long)st.evicted_pairs, (unsigned long long)st.evicted_series);
    CHECK(rss > 0 && (size_t)(rss - rss0) <= bound);
    CHECK_EQ_U(st.devices, NDEV);
    CHECK_EQ_U(st.entities, cfg.max_entities);
    CHECK_EQ_U(st.pairs, cfg.max_pairs);
    CHECK_EQ_U(st.series, cfg.max_series);
    CHECK(st.evicted_entities >= NEVENTS - cfg.max_entities);
    CHECK(st.evicted_pairs > 0);
    CHECK(st.evicted_series >= NEVENTS - cfg.max_series);
    CHECK_EQ_U(st.evicted_devices, 0);

    /* the popular endpoint is known and common: the other 3 devices use it */
    struct life_seen s;
    life_peek(l, &dev[NDEV - 1], LK_IP, pop.b, 16, t, &s);
    CHECK(!s.new_for_org);
    CHECK_EQ_U(s.other_devices, NDEV - 1);
    CHECK(s.rarity < 1);
    /* the last endpoint of device 0 (used by it alone): seen from device 1 */
    uint32_t last0 = NEVENTS - NDEV;
    struct addr ep;
    v4(&ep, EP(last0));
    double r_one = life_rarity(l, &dev[1], LK_IP, ep.b, 16);
    life_peek(l, &dev[1], LK_IP, ep.b, 16, t, &s);
    CHECK(!s.new_for_org);
    CHECK_EQ_U(s.other_devices, 1);
    CHECK(r_one > 1 && r_one < 100);
    /* for device 0 itself nobody else used it */
    CHECK(life_rarity(l, &dev[0], LK_IP, ep.b, 16) == 100);
    /* an early endpoint was evicted: forgotten, so new and 100 % rare again */
    v4(&ep, EP(5));
    life_peek(l, &dev[1], LK_IP, ep.b, 16, t, &s);
    CHECK(s.new_for_org);
    CHECK(s.rarity == 100);
    printf("rarity after eviction: popular %.1f, used by one other %.1f, evicted %.1f\n",
           life_rarity(l, &dev[NDEV - 1], LK_IP, pop.b, 16), r_one, s.rarity);

    /* every entity's device count equals the counted pairs that point at it */
    uint32_t *cnt = calloc(l->tent.next, sizeof(uint32_t));
    for (size_t i = 0; i < l->tpair.next; i++) {
        const struct l_pair *p = &l->pair[i];
        if (p->used && p->counted && l->ent[p->ent].used && l->ent[p->ent].gen == p->ent_gen)
            cnt[p->ent]++;
    }
    size_t bad = 0, ndev_max = 0;
    for (size_t i = 0; i < l->tent.next; i++) {
        if (!l->ent[i].used)
            continue;
        if (l->ent[i].ndev != cnt[i])
            bad++;
        if (l->ent[i].ndev > ndev_max)
            ndev_max = l->ent[i].ndev;
    }
    CHECK_EQ_U(bad, 0);
    CHECK(ndev_max <= NDEV);
    free(cnt);

    life_free(l);
    cidr_set_release(&cfg.internal);
    check_fast_path();
    return test_done();
}
