/*
 * summary: synthetic connection events for the pattern-of-life tests (a fixed-seed PRNG, fake
 * flows)
 *
 * Events are built the way src/sensor/sensor.c builds them on a flow's end:
 * an EV_CONN event whose flow carries the 5-tuple, the TCP endpoint states
 * that flow_conn_state() turns into Zeek's conn_state, the sequence numbers
 * that flow_payload_bytes() turns into orig_bytes, and a fields_json that
 * writes those conn.log fields as the sensor's does (life reads the event
 * through its JSON fields). Nothing here knows the answers the tests
 * expect: the tests construct them.
 */
#ifndef VIGIL_TESTS_LIFE_LIFEGEN_H
#define VIGIL_TESTS_LIFE_LIFEGEN_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>

#include "event/event.h"
#include "flow/flow.h"
#include "life/life.h"
#include "sensor/sensor.h"
#include "util/addr.h"
#include "util/json.h"

#define US 1000000LL
#define HOUR_US (3600LL * US)
#define DAY_US (86400LL * US)
/* Monday 2024-03-04 00:00:00 UTC: the first day of every synthetic week here */
#define T_MONDAY (1709510400LL * US)

/* splitmix64 (Steele, Lea, Flood 2014): fixed seed, same sequence everywhere */
struct prng {
    uint64_t s;
};

static inline uint64_t prng_next(struct prng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static inline double prng_unif(struct prng *r)
{
    return (double)(prng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Exponential with the given mean. */
static inline double prng_exp(struct prng *r, double mean)
{
    return -mean * log1p(-prng_unif(r));
}

static inline void v4(struct addr *a, uint32_t ip)
{
    uint8_t b[4] = {(uint8_t)(ip >> 24), (uint8_t)(ip >> 16), (uint8_t)(ip >> 8), (uint8_t)ip};
    addr_from_v4(a, b);
}

#define IP4(a, b, c, d)                                                                            \
    ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/* One synthetic connection: holds the flow and body the event borrows. */
struct gen_conn {
    struct flow f;
    struct conn_event ce;
    struct event ev;
    const char *service; /* "" or an application protocol ("ssl") */
};

/* The conn.log fields life reads, written as sensor.c writes them. */
static inline void gen_conn_fields(const struct event *ev, struct jbuf *jb)
{
    const struct gen_conn *g =
        (const struct gen_conn *)(const void *)((const char *)ev - offsetof(struct gen_conn, ev));
    const struct flow *f = ev->flow;
    jb_kstr(jb, "proto", f->proto == IPPROTO_TCP_ ? "tcp" : "udp");
    if (g->service && g->service[0])
        jb_kstr(jb, "service", g->service);
    jb_ku64(jb, "orig_bytes", flow_payload_bytes(f, 0));
    jb_ku64(jb, "resp_bytes", flow_payload_bytes(f, 1));
    jb_kstr(jb, "conn_state", flow_conn_state(f));
}

/*
 * Fills g with a finished TCP connection (conn_state S1, or S0 if failed)
 * from orig to resp:port at ts carrying out_bytes from the originator.
 */
static inline const struct event *gen_tcp(struct gen_conn *g, const struct addr *orig,
                                          const struct addr *resp, uint16_t port, int64_t ts,
                                          uint32_t out_bytes, int failed)
{
    memset(g, 0, sizeof(*g));
    g->f.orig_h = *orig;
    g->f.resp_h = *resp;
    g->f.orig_p = 49152;
    g->f.resp_p = port;
    g->f.proto = IPPROTO_TCP_;
    g->f.ipver = 4;
    g->f.first_ts = g->f.last_ts = ts;
    g->f.dir[0].pkts = 1;
    if (failed) {
        g->f.dir[0].state = EP_SYN_SENT;
        g->f.dir[1].state = EP_INACTIVE;
    } else {
        g->f.dir[1].pkts = 1;
        g->f.dir[0].state = EP_ESTABLISHED;
        g->f.dir[1].state = EP_ESTABLISHED;
        g->f.dir[0].hi_seq = (uint64_t)out_bytes + 1; /* the SYN octet */
        g->f.dir[1].hi_seq = 1;
    }
    g->ce.why = FLOW_END_CLOSED;
    g->ev.type = EV_CONN;
    g->ev.ts = ts;
    g->ev.flow = &g->f;
    g->ev.body = &g->ce;
    g->ev.fields_json = gen_conn_fields;
    g->service = "";
    return &g->ev;
}

/* A v4 address (host order) as dotted-quad text; returns the length. */
static inline size_t fmt_v4(uint32_t ip, char *out)
{
    size_t n = 0;
    for (int k = 3; k >= 0; k--) {
        unsigned o = (ip >> (8 * k)) & 0xff;
        if (o >= 100)
            out[n++] = (char)('0' + o / 100);
        if (o >= 10)
            out[n++] = (char)('0' + o / 10 % 10);
        out[n++] = (char)('0' + o % 10);
        if (k)
            out[n++] = '.';
    }
    out[n] = '\0';
    return n;
}

/*
 * The fields of a successful TCP connection as event_to_json() captures them
 * for gen_tcp() (type, ts, the 5-tuple, proto, bytes, conn_state), recorded
 * through the capture calls without building an event, for runs of millions
 * of events that life_observe_fields() takes: building and formatting each
 * event would cost more than learning it. test_life_memory checks that both
 * paths learn the same.
 */
static inline void gen_fields(struct jfields *f, uint32_t orig, uint32_t resp, uint16_t port,
                              int64_t ts, uint32_t out_bytes)
{
    char a[16];
    struct jbuf jb;
    jb_init_capture(&jb, f);
    jb_kstr(&jb, "type", "conn");
    jb_key(&jb, "ts");
    jb_fixed(&jb, (double)ts / 1e6, 6);
    jb_kstr(&jb, "uid", "");
    fmt_v4(orig, a);
    jb_kstr(&jb, "id.orig_h", a);
    jb_key(&jb, "id.orig_p");
    jb_u64(&jb, 49152);
    fmt_v4(resp, a);
    jb_kstr(&jb, "id.resp_h", a);
    jb_key(&jb, "id.resp_p");
    jb_u64(&jb, port);
    jb_kstr(&jb, "proto", "tcp");
    jb_key(&jb, "orig_bytes");
    jb_u64(&jb, out_bytes);
    jb_key(&jb, "resp_bytes");
    jb_u64(&jb, 0);
    jb_kstr(&jb, "conn_state", "S1");
}

/* Peak resident set of this process, bytes (Linux reports ru_maxrss in KiB). */
static inline long long peak_rss_bytes(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return -1;
    return (long long)ru.ru_maxrss * 1024;
}

#endif
