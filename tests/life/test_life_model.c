/*
 * summary: tests for what life learns: rarity across devices, the learning window, hourly
 * Gamma-Poisson baselines
 *
 * Scenarios whose answers are known by construction:
 *  - of 40 devices, 15 use endpoint A and one uses endpoint B: A is common
 *    (rarity < 50), B is rare (> 70), an endpoint nobody used is 100;
 *  - endpoints idle longer than the 28-day window stop counting as used;
 *  - a device that opened SMB to about 2 internal peers an hour for a week
 *    then reaches 97 in one hour is very surprising (-log10 P >= 6), while
 *    for a device that always reaches about 90 peers, 97 is ordinary (< 2);
 *  - silent hours (up to 24 h) count as zero hours; longer silences (the
 *    weekend of an office machine) are not observed at all.
 */
#include <stdlib.h>

#include "life/life.h"
#include "lifegen.h"
#include "test.h"
#include "util/log.h"

static struct life *new_life(struct life_config *cfg)
{
    life_config_default(cfg);
    char err[128];
    if (cidr_set_parse(&cfg->internal, "10.0.0.0/8", err, sizeof(err)) < 0)
        BUG("%s", err);
    return life_new(cfg);
}

static void free_life(struct life *l, struct life_config *cfg)
{
    life_free(l);
    cidr_set_release(&cfg->internal);
}

static void conn(struct life *l, uint32_t src, uint32_t dst, uint16_t port, int64_t ts,
                 struct life_obs *obs)
{
    struct gen_conn g;
    struct addr a, b;
    v4(&a, src);
    v4(&b, dst);
    life_observe(l, gen_tcp(&g, &a, &b, port, ts, 300, 0), obs);
}

static double rarity(const struct life *l, uint32_t dev, uint32_t ip)
{
    struct addr d, e;
    v4(&d, dev);
    v4(&e, ip);
    return life_rarity(l, &d, LK_IP, e.b, 16);
}

#define DEV(i) IP4(10, 1, 0, (i))
#define EP_A IP4(198, 51, 100, 10)
#define EP_B IP4(198, 51, 100, 20)
#define EP_NEW IP4(198, 51, 100, 30)
#define EP_ALL IP4(192, 0, 2, 1)

static void test_rarity(void)
{
    struct life_config cfg;
    struct life *l = new_life(&cfg);
    int64_t t = T_MONDAY + 9 * HOUR_US;
    /* 40 devices all use a shared service; devices 1..15 also use A, device 1 uses B */
    for (uint32_t i = 1; i <= 40; i++) {
        conn(l, DEV(i), EP_ALL, 443, t += US, NULL);
        if (i <= 15)
            conn(l, DEV(i), EP_A, 443, t += US, NULL);
    }
    conn(l, DEV(1), EP_B, 443, t += US, NULL);

    /* seen from device 40, which used neither */
    double ra = rarity(l, DEV(40), EP_A), rb = rarity(l, DEV(40), EP_B);
    double rn = rarity(l, DEV(40), EP_NEW), rall = rarity(l, DEV(40), EP_ALL);
    printf("rarity: 15/40 %.1f, 1/40 %.1f, never %.1f, 39 others %.1f\n", ra, rb, rn, rall);
    CHECK(ra < 50);
    CHECK(rb > 70);
    /* the formula (docs/pattern-of-life.md): 100 (1 - k/(N-1))^4 e^(-k/10), k others of N */
    CHECK(fabs(ra - 100 * pow(1 - 15.0 / 39, 4) * exp(-1.5)) < 1e-9);
    CHECK(fabs(rb - 100 * pow(1 - 1.0 / 39, 4) * exp(-0.1)) < 1e-9);
    CHECK(rn == 100);
    CHECK(rall < 1);
    CHECK(ra < rb);
    /* a user's own use does not count: device 1 sees B as used by nobody else */
    CHECK(rarity(l, DEV(1), EP_B) == 100);
    CHECK(rarity(l, DEV(1), EP_A) < 50);

    /* what life_observe reports before learning */
    struct life_obs o;
    conn(l, DEV(40), EP_A, 443, t += US, &o);
    CHECK_EQ_U(o.org_devices, 40);
    CHECK_EQ_U(o.ip.other_devices, 15);
    CHECK(o.ip.new_for_device && !o.ip.new_for_org);
    CHECK(o.ip.rarity == ra);
    conn(l, DEV(40), EP_B, 443, t += US, &o);
    CHECK_EQ_U(o.ip.other_devices, 1);
    CHECK(o.ip.rarity == rb);
    conn(l, DEV(40), EP_NEW, 443, t += US, &o);
    CHECK(o.ip.new_for_org && o.ip.new_for_device && o.ip.young);
    CHECK_EQ_U(o.ip.other_devices, 0);
    CHECK(o.ip.rarity == 100);
    /* and after learning, device 40 counts: A is used by 16 */
    conn(l, DEV(39), EP_A, 443, t += US, &o);
    CHECK_EQ_U(o.ip.other_devices, 16);
    conn(l, DEV(39), EP_A, 443, t += US, &o);
    CHECK_EQ_U(o.ip.other_devices, 16); /* its own earlier use is not "other" */
    CHECK_EQ_U(o.ip.device_conns, 1);
    CHECK(!o.ip.new_for_device);
    free_life(l, &cfg);
}

/* Endpoints idle past the window (28 days) no longer count; devices idle past it neither. */
static void test_window(void)
{
    struct life_config cfg;
    struct life *l = new_life(&cfg);
    int64_t t0 = T_MONDAY + 9 * HOUR_US;
    for (uint32_t i = 1; i <= 10; i++)
        conn(l, DEV(i), EP_A, 443, t0 + i * US, NULL);
    /* devices 1..5 stay active every day (on another endpoint) for 30 days */
    for (int day = 1; day <= 30; day++)
        for (uint32_t i = 1; i <= 5; i++)
            conn(l, DEV(i), EP_ALL, 443, t0 + day * DAY_US + i * US, NULL);
    struct life_obs o;
    conn(l, DEV(20), EP_A, 443, t0 + 30 * DAY_US + HOUR_US, &o);
    CHECK(!o.ip.new_for_org);
    CHECK(!o.ip.young);
    CHECK_EQ_U(o.ip.other_devices, 0);
    CHECK(o.ip.rarity == 100);
    CHECK_EQ_U(o.org_devices, 6); /* devices 1..5 and 20: 6..10 went quiet 30 days ago */
    /* within the window it still counts: day 20 */
    struct life_config cfg2;
    struct life *l2 = new_life(&cfg2);
    for (uint32_t i = 1; i <= 10; i++)
        conn(l2, DEV(i), EP_A, 443, t0 + i * US, NULL);
    for (int day = 1; day <= 20; day++)
        for (uint32_t i = 1; i <= 5; i++)
            conn(l2, DEV(i), EP_ALL, 443, t0 + day * DAY_US + i * US, NULL);
    conn(l2, DEV(20), EP_A, 443, t0 + 20 * DAY_US + HOUR_US, &o);
    CHECK_EQ_U(o.ip.other_devices, 10);
    CHECK_EQ_U(o.org_devices, 11);
    free_life(l2, &cfg2);
    free_life(l, &cfg);
}

/* One hour of SMB from dev to npeers distinct internal hosts, starting at hour h. */
static void smb_hour(struct life *l, uint32_t dev, int64_t h, uint32_t npeers, uint32_t base)
{
    int64_t t = T_MONDAY + h * HOUR_US + 60 * US;
    for (uint32_t k = 0; k < npeers; k++) {
        conn(l, dev, IP4(10, 2, 0, 0) + base + k, 445, t, NULL);
        t += 30 * US; /* 30 s apart: at most 118 in the hour */
    }
}

static void test_smb_fanout(void)
{
    struct life_config cfg;
    struct life *l = new_life(&cfg);
    struct prng r = {42};
    uint32_t quiet = DEV(101), busy = DEV(102);
    /* a week of hours (Monday 00:00 .. Sunday 23:00): 1..3 peers, or 85..95 peers */
    for (int64_t h = 0; h < 7 * 24; h++) {
        smb_hour(l, quiet, h, 1 + (uint32_t)(prng_next(&r) % 3), (uint32_t)(prng_next(&r) % 50));
        smb_hour(l, busy, h, 85 + (uint32_t)(prng_next(&r) % 11), (uint32_t)(prng_next(&r) % 50));
    }
    /* Monday of week 2, 10:00: both reach 97 peers */
    int64_t h = 7 * 24 + 10;
    smb_hour(l, quiet, h, 97, 300);
    smb_hour(l, busy, h, 97, 300);
    struct addr q, b;
    v4(&q, quiet);
    v4(&b, busy);
    int64_t ts = T_MONDAY + h * HOUR_US + 59 * 60 * US;
    CHECK(life_hour_count(l, &q, LM_SMB_PEERS) == 97);
    CHECK(life_hour_count(l, &b, LM_SMB_PEERS) == 97);
    CHECK(life_hour_count(l, &q, LM_INT_PEERS) == 97);
    double mq, cq, mb, cb;
    double sq = life_hour_surprise(l, &q, LM_SMB_PEERS, 97, ts, &mq, &cq);
    double sb = life_hour_surprise(l, &b, LM_SMB_PEERS, 97, ts, &mb, &cb);
    printf("smb fan-out 97: quiet device surprise %.1f (mean %.2f, conf %.2f), "
           "busy device %.2f (mean %.1f)\n",
           sq, mq, cq, sb, mb);
    CHECK(sq >= 6);
    CHECK(sb < 2);
    CHECK(mq > 1.5 && mq < 2.6);
    CHECK(mb > 85 && mb < 95);
    /* Monday..Friday 10:00 of week 1: five hours observed in the weekday 10:00 slot */
    CHECK(fabs(cq - 5.0 / 9.0) < 1e-12);
    /* 3 peers is ordinary for the quiet device, a zero hour is never surprising */
    CHECK(life_hour_surprise(l, &q, LM_SMB_PEERS, 3, ts, NULL, NULL) < 2);
    CHECK(life_hour_surprise(l, &q, LM_SMB_PEERS, 0, ts, NULL, NULL) == 0);
    /* surprise grows with the count */
    CHECK(life_hour_surprise(l, &q, LM_SMB_PEERS, 20, ts, NULL, NULL) < sq);
    /* an unknown device is judged against the organisation's average */
    struct addr u;
    v4(&u, DEV(200));
    double mu;
    life_hour_surprise(l, &u, LM_SMB_PEERS, 1, ts, &mu, NULL);
    CHECK(mu > 20 && mu < 60); /* between the two devices' rates */
    free_life(l, &cfg);
}

/*
 * An office machine: 10 connections at 09:00 every weekday, silent
 * otherwise. The 23 silent hours between two mornings are zero hours; the
 * 72 h of the weekend are not observed.
 */
static void test_zero_fill(void)
{
    struct life_config cfg;
    struct life *l = new_life(&cfg);
    uint32_t dev = DEV(150);
    for (int day = 0; day < 16; day++) { /* two weeks, then Monday and Tuesday of week 3 */
        if (day % 7 >= 5)
            continue; /* Saturday, Sunday */
        for (int k = 0; k < 10; k++)
            conn(l, dev, EP_A, 443, T_MONDAY + day * DAY_US + 9 * HOUR_US + k * 60 * US, NULL);
    }
    /* Wednesday of week 3 at 09:00 as usual, then 10 connections at 14:00 */
    int64_t wed = T_MONDAY + 16 * DAY_US;
    for (int k = 0; k < 10; k++)
        conn(l, dev, EP_A, 443, wed + 9 * HOUR_US + k * 60 * US, NULL);
    for (int k = 0; k < 10; k++)
        conn(l, dev, EP_A, 443, wed + 14 * HOUR_US + k * 60 * US, NULL);
    struct addr d;
    v4(&d, dev);
    double m14, c14, m9, c9, csat;
    double s14 = life_hour_surprise(l, &d, LM_CONNS, 10, wed + 14 * HOUR_US, &m14, &c14);
    double s9 = life_hour_surprise(l, &d, LM_CONNS, 10, wed + 9 * HOUR_US, &m9, &c9);
    life_hour_surprise(l, &d, LM_CONNS, 10, T_MONDAY + 5 * DAY_US + 14 * HOUR_US, NULL, &csat);
    printf("office machine, 10 connections: at 14:00 surprise %.1f (mean %.3f), "
           "at 09:00 %.2f (mean %.1f)\n",
           s14, m14, s9, m9);
    /*
     * 14:00 weekday hours zero-filled: Mon..Thu of weeks 1 and 2 (8) and
     * Mon, Tue of week 3 (2) = 10; Friday's 14:00 is in a 72 h silence.
     */
    CHECK(fabs(c14 - 10.0 / 14.0) < 1e-12);
    /* 09:00 weekday hours observed: 10 + Mon, Tue, Wed of week 3 (closed by the 14:00 hour) */
    CHECK(fabs(c9 - 13.0 / 17.0) < 1e-12);
    CHECK(csat == 0); /* weekend hours: never observed */
    CHECK(m14 < 0.1);
    CHECK(s14 >= 6);
    CHECK(m9 > 9 && m9 < 10.5);
    CHECK(s9 < 1);
    free_life(l, &cfg);
}

int main(void)
{
    test_rarity();
    test_window();
    test_smb_fanout();
    test_zero_fill();
    return test_done();
}
