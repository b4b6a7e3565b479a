/*
 * summary: unit tests of the flow table (src/flow/flow.c): Zeek conn_state and history,
 * timeouts on packet time, the max_flows cap, sequence-based byte counts
 *
 * Packets are struct packet values built by hand (as decode_packet would
 * fill them); a hooks.end callback keeps a copy of every flow that ends.
 * Expected states and histories follow Zeek's conn.log documentation.
 */
#include "flow/flow.h"

#include <stdlib.h>

#include "test.h"

#define S_ 1000000LL /* one second in microseconds */

/* ---- recording ended flows ---- */

struct ended {
    struct flow f;
    enum flow_end why;
};

static struct ended ended[64];
static int nended;
static int npackets_hook;

static void on_end(void *ctx, struct flow *f, enum flow_end why)
{
    (void)ctx;
    if (nended < (int)(sizeof(ended) / sizeof(ended[0]))) {
        ended[nended].f = *f;
        ended[nended].why = why;
    }
    nended++;
}

static void on_packet(void *ctx, struct flow *f, int dir, const struct packet *p)
{
    (void)ctx;
    (void)f;
    (void)dir;
    (void)p;
    npackets_hook++;
}

static struct flow_table *table(const struct flow_config *cfg)
{
    struct flow_hooks hooks = {.ctx = NULL, .packet = on_packet, .end = on_end};
    nended = 0;
    npackets_hook = 0;
    struct flow_config def;
    if (!cfg) {
        flow_config_default(&def);
        cfg = &def;
    }
    return flow_table_new(cfg, &hooks);
}

/* ---- building packets ---- */

static struct addr ip(const char *s)
{
    struct addr a;
    if (addr_parse(s, &a) < 0)
        abort();
    return a;
}

static const char *astr(const struct addr *a)
{
    static char buf[2][ADDR_STRLEN];
    static int k;
    k ^= 1;
    addr_format(a, buf[k]);
    return buf[k];
}

static struct packet base(int64_t ts, const char *src, const char *dst, uint8_t proto)
{
    struct packet p;
    memset(&p, 0, sizeof(p));
    p.ts = ts;
    p.src = ip(src);
    p.dst = ip(dst);
    p.ipver = addr_is_v4(&p.src) ? 4 : 6;
    p.proto = proto;
    return p;
}

static struct packet tcp(int64_t ts, const char *src, uint16_t sp, const char *dst, uint16_t dp,
                         uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len)
{
    struct packet p = base(ts, src, dst, IPPROTO_TCP_);
    p.sport = sp;
    p.dport = dp;
    p.tcp_flags = flags;
    p.seq = seq;
    p.ack = ack;
    p.win = 1000;
    p.payload_len = p.payload_wire = len;
    p.ip_len = 40 + len;
    return p;
}

static struct packet udp(int64_t ts, const char *src, uint16_t sp, const char *dst, uint16_t dp,
                         uint32_t len)
{
    struct packet p = base(ts, src, dst, IPPROTO_UDP_);
    p.sport = sp;
    p.dport = dp;
    p.payload_len = p.payload_wire = len;
    p.ip_len = 28 + len;
    return p;
}

static struct packet icmp(int64_t ts, const char *src, const char *dst, uint8_t type,
                          uint8_t code)
{
    struct packet p = base(ts, src, dst, IPPROTO_ICMP_);
    if (p.ipver == 6)
        p.proto = IPPROTO_ICMPV6_;
    p.icmp_type = type;
    p.icmp_code = code;
    p.payload_len = p.payload_wire = 12;
    p.ip_len = (p.ipver == 6 ? 40 : 20) + 12;
    return p;
}

static void pkt(struct flow_table *ft, struct packet p)
{
    flow_table_packet(ft, &p);
}

/* Client C = 10.0.0.1, server S = 192.0.2.80 */
#define C "10.0.0.1"
#define S "192.0.2.80"
#define SYN TH_SYN
#define SA (TH_SYN | TH_ACK)
#define A TH_ACK
#define PA (TH_PUSH | TH_ACK)
#define FA (TH_FIN | TH_ACK)
#define RA (TH_RST | TH_ACK)
#define R TH_RST

/* The three-way handshake: client ISN 100, server ISN 500. */
static void handshake(struct flow_table *ft, int64_t t, uint16_t cp, uint16_t sp)
{
    pkt(ft, tcp(t, C, cp, S, sp, SYN, 100, 0, 0));
    pkt(ft, tcp(t + 1000, S, sp, C, cp, SA, 500, 101, 0));
    pkt(ft, tcp(t + 2000, C, cp, S, sp, A, 101, 501, 0));
}

/* Flushes the table and returns the only flow that ended (or NULL). */
static const struct flow *flush_one(struct flow_table *ft)
{
    int before = nended;
    flow_table_flush(ft);
    CHECK_EQ_I(nended - before, 1);
    return nended - before == 1 ? &ended[before].f : NULL;
}

/* ---- TCP states and history ---- */

static void test_sf_full(void)
{
    struct flow_table *ft = table(NULL);
    pkt(ft, tcp(1 * S_, C, 40000, S, 80, SYN, 100, 0, 0));            /* S */
    pkt(ft, tcp(1 * S_ + 100, S, 80, C, 40000, SA, 500, 101, 0));     /* h */
    pkt(ft, tcp(1 * S_ + 200, C, 40000, S, 80, A, 101, 501, 0));      /* A */
    pkt(ft, tcp(1 * S_ + 300, C, 40000, S, 80, PA, 101, 501, 10));    /* D */
    pkt(ft, tcp(1 * S_ + 400, S, 80, C, 40000, A, 501, 111, 0));      /* a */
    pkt(ft, tcp(1 * S_ + 500, S, 80, C, 40000, PA, 501, 111, 20));    /* d */
    pkt(ft, tcp(1 * S_ + 600, C, 40000, S, 80, FA, 111, 521, 0));     /* F */
    pkt(ft, tcp(1 * S_ + 700, S, 80, C, 40000, FA, 521, 112, 0));     /* f */
    pkt(ft, tcp(1 * S_ + 800, C, 40000, S, 80, A, 112, 522, 0));
    CHECK_EQ_U(flow_table_active(ft), 1);
    CHECK_EQ_I(npackets_hook, 9);
    CHECK_EQ_I(nended, 0);

    /* closed: ends 5 s (tcp_close_us) after the last packet, not before */
    flow_table_expire(ft, 1 * S_ + 800 + 5 * S_);
    CHECK_EQ_I(nended, 0);
    flow_table_expire(ft, 1 * S_ + 800 + 5 * S_ + 1);
    CHECK_EQ_I(nended, 1);
    const struct flow *f = &ended[0].f;
    CHECK_EQ_U(ended[0].why, FLOW_END_CLOSED);
    CHECK_STR(flow_conn_state(f), "SF");
    CHECK_STR(f->history, "ShADadFf");
    CHECK_STR(astr(&f->orig_h), C);
    CHECK_STR(astr(&f->resp_h), S);
    CHECK_EQ_U(f->orig_p, 40000);
    CHECK_EQ_U(f->resp_p, 80);
    CHECK_EQ_U(f->proto, IPPROTO_TCP_);
    CHECK_EQ_U(flow_payload_bytes(f, 0), 10);
    CHECK_EQ_U(flow_payload_bytes(f, 1), 20);
    CHECK_EQ_U(f->dir[0].pkts, 5);
    CHECK_EQ_U(f->dir[1].pkts, 4);
    CHECK_EQ_U(f->dir[0].ip_bytes, 5 * 40 + 10);
    CHECK_EQ_U(f->dir[1].ip_bytes, 4 * 40 + 20);
    CHECK_EQ_I(f->first_ts, 1 * S_);
    CHECK_EQ_I(f->last_ts, 1 * S_ + 800);
    CHECK_EQ_U(strlen(f->uid), 18);
    CHECK(f->uid[0] == 'C');
    CHECK_EQ_U(flow_table_active(ft), 0);
    const uint64_t *st = flow_table_stats(ft);
    CHECK_EQ_U(st[FS_CREATED], 1);
    CHECK_EQ_U(st[FS_END_CLOSED], 1);
    CHECK_EQ_U(st[FS_PEAK], 1);
    flow_table_free(ft);
}

static void test_s0_and_syn_retransmit(void)
{
    struct flow_table *ft = table(NULL);
    pkt(ft, tcp(0, C, 40001, S, 443, SYN, 7, 0, 0));
    pkt(ft, tcp(1 * S_, C, 40001, S, 443, SYN, 7, 0, 0)); /* retransmissions: same flow */
    pkt(ft, tcp(3 * S_, C, 40001, S, 443, SYN, 7, 0, 0));
    CHECK_EQ_U(flow_table_active(ft), 1);
    const struct flow *f = flush_one(ft);
    if (f) {
        CHECK_STR(flow_conn_state(f), "S0");
        CHECK_STR(f->history, "S");
        CHECK_EQ_U(f->dir[0].pkts, 3);
        CHECK_EQ_U(f->dir[1].pkts, 0);
        CHECK_EQ_U(flow_payload_bytes(f, 0), 0);
        CHECK_EQ_U(ended[0].why, FLOW_END_SHUTDOWN);
    }
    flow_table_free(ft);
}

static void test_rej(void)
{
    struct flow_table *ft = table(NULL);
    pkt(ft, tcp(0, C, 40002, S, 23, SYN, 100, 0, 0));
    pkt(ft, tcp(100, S, 23, C, 40002, RA, 0, 101, 0));
    const struct flow *f = flush_one(ft);
    if (f) {
        CHECK_STR(flow_conn_state(f), "REJ");
        CHECK_STR(f->history, "Sr");
        CHECK_EQ_U(flow_payload_bytes(f, 0), 0);
        CHECK_EQ_U(flow_payload_bytes(f, 1), 0);
    }
    flow_table_free(ft);
}

static void test_rsto_rstr(void)
{
    struct flow_table *ft = table(NULL);
    handshake(ft, 0, 40003, 8080);
    pkt(ft, tcp(10000, C, 40003, S, 8080, PA, 101, 501, 5));
    pkt(ft, tcp(20000, C, 40003, S, 8080, R, 106, 0, 0));
    const struct flow *f = flush_one(ft);
    if (f) {
        CHECK_STR(flow_conn_state(f), "RSTO");
        CHECK_STR(f->history, "ShADR");
        CHECK_EQ_U(flow_payload_bytes(f, 0), 5);
    }

    handshake(ft, 1 * S_, 40004, 8080);
    pkt(ft, tcp(1 * S_ + 10000, S, 8080, C, 40004, RA, 501, 101, 0));
    f = flush_one(ft);
    if (f) {
        CHECK_STR(flow_conn_state(f), "RSTR");
        CHECK_STR(f->history, "ShAr");
    }
    flow_table_free(ft);
}

static void test_sh(void)
{
    struct flow_table *ft = table(NULL);
    pkt(ft, tcp(0, C, 40005, S, 25, SYN, 100, 0, 0));
    pkt(ft, tcp(100, C, 40005, S, 25, TH_FIN, 101, 0, 0));
    const struct flow *f = flush_one(ft);
    if (f) {
        CHECK_STR(flow_conn_state(f), "SH");
        CHECK_STR(f->history, "SF");
    }
    flow_table_free(ft);
}

static void test_midstream_oth(void)
{
    struct flow_table *ft = table(NULL);
    /* neither port is a likely server port: the first sender is the originator */
    pkt(ft, tcp(0, C, 40006, S, 5000, PA, 1000, 9000, 100));
    pkt(ft, tcp(100, S, 5000, C, 40006, PA, 9000, 1100, 30));
    const struct flow *f = flush_one(ft);
    if (f) {
        CHECK_STR(flow_conn_state(f), "OTH");
        CHECK_STR(f->history, "Dd");
        CHECK_STR(astr(&f->orig_h), C);
        CHECK_EQ_U(f->orig_p, 40006);
        CHECK_EQ_U(flow_payload_bytes(f, 0), 100);
        CHECK_EQ_U(flow_payload_bytes(f, 1), 30);
    }

    /* mid-stream from a service port to an ephemeral one: the receiver originated */
    pkt(ft, tcp(1 * S_, S, 443, C, 40007, PA, 9000, 1000, 50));
    f = flush_one(ft);
    if (f) {
        CHECK_STR(astr(&f->orig_h), C);
        CHECK_EQ_U(f->orig_p, 40007);
        CHECK_EQ_U(f->resp_p, 443);
        CHECK_STR(f->history, "^d");
        CHECK_EQ_U(f->dir[1].pkts, 1);
    }
    flow_table_free(ft);
}

static void test_synack_first_flips(void)
{
    struct flow_table *ft = table(NULL);
    /* the SYN was missed; no well-known port to guess from */
    pkt(ft, tcp(0, S, 6000, C, 7000, SA, 500, 101, 0));
    pkt(ft, tcp(100, C, 7000, S, 6000, A, 101, 501, 0));
    pkt(ft, tcp(200, C, 7000, S, 6000, PA, 101, 501, 8));
    CHECK_EQ_U(flow_table_active(ft), 1);
    const struct flow *f = flush_one(ft);
    if (f) {
        CHECK_STR(astr(&f->orig_h), C); /* the SYN-ACK's destination */
        CHECK_STR(astr(&f->resp_h), S);
        CHECK_EQ_U(f->orig_p, 7000);
        CHECK_EQ_U(f->resp_p, 6000);
        CHECK(f->history[0] == '^');
        CHECK_STR(f->history, "^hAD");
        CHECK_EQ_U(f->dir[0].pkts, 2);
        CHECK_EQ_U(f->dir[1].pkts, 1);
        CHECK_EQ_U(flow_payload_bytes(f, 0), 8);
    }
    flow_table_free(ft);
}

static void test_new_syn_on_closed_tuple(void)
{
    struct flow_table *ft = table(NULL);
    /* a rejected attempt, then the client tries again on the same port */
    pkt(ft, tcp(0, C, 40008, S, 22, SYN, 100, 0, 0));
    pkt(ft, tcp(100, S, 22, C, 40008, RA, 0, 101, 0));
    pkt(ft, tcp(1 * S_, C, 40008, S, 22, SYN, 200, 0, 0));
    CHECK_EQ_I(nended, 1);
    if (nended >= 1) {
        CHECK_EQ_U(ended[0].why, FLOW_END_CLOSED);
        CHECK_STR(flow_conn_state(&ended[0].f), "REJ");
        CHECK_EQ_U(ended[0].f.dir[0].pkts, 1);
    }
    CHECK_EQ_U(flow_table_active(ft), 1);

    /* a full SF connection, then a new SYN within the close delay */
    pkt(ft, tcp(1 * S_ + 100, S, 22, C, 40008, SA, 900, 201, 0));
    pkt(ft, tcp(1 * S_ + 200, C, 40008, S, 22, A, 201, 901, 0));
    pkt(ft, tcp(1 * S_ + 300, C, 40008, S, 22, FA, 201, 901, 0));
    pkt(ft, tcp(1 * S_ + 400, S, 22, C, 40008, FA, 901, 202, 0));
    pkt(ft, tcp(1 * S_ + 500, C, 40008, S, 22, A, 202, 902, 0));
    pkt(ft, tcp(2 * S_, C, 40008, S, 22, SYN, 300, 0, 0));
    CHECK_EQ_I(nended, 2);
    if (nended >= 2) {
        CHECK_EQ_U(ended[1].why, FLOW_END_CLOSED);
        CHECK_STR(flow_conn_state(&ended[1].f), "SF");
        CHECK_STR(ended[1].f.history, "ShAFf");
        CHECK(strcmp(ended[0].f.uid, ended[1].f.uid) != 0);
    }
    const struct flow *f = flush_one(ft);
    if (f) {
        CHECK_STR(f->history, "S");
        CHECK_EQ_I(f->first_ts, 2 * S_);
        CHECK_STR(flow_conn_state(f), "S0");
    }
    CHECK_EQ_U(flow_table_stats(ft)[FS_CREATED], 3);

    /* a SYN on an established (not closed) tuple does not split the flow */
    handshake(ft, 3 * S_, 40009, 22);
    pkt(ft, tcp(3 * S_ + 5000, C, 40009, S, 22, SYN, 100, 0, 0));
    CHECK_EQ_U(flow_table_active(ft), 1);
    flow_table_free(ft);
}

static void test_seq_bytes_retransmission(void)
{
    struct flow_table *ft = table(NULL);
    handshake(ft, 0, 40010, 80);
    pkt(ft, tcp(10000, C, 40010, S, 80, PA, 101, 501, 100)); /* bytes 1..100 */
    pkt(ft, tcp(20000, C, 40010, S, 80, PA, 101, 501, 100)); /* the same again */
    pkt(ft, tcp(30000, C, 40010, S, 80, PA, 201, 501, 50));  /* bytes 101..150 */
    pkt(ft, tcp(40000, S, 80, C, 40010, A, 501, 251, 0));
    pkt(ft, tcp(50000, C, 40010, S, 80, FA, 251, 501, 0));
    pkt(ft, tcp(60000, S, 80, C, 40010, FA, 501, 252, 0));
    pkt(ft, tcp(70000, C, 40010, S, 80, A, 252, 502, 0));
    const struct flow *f = flush_one(ft);
    if (f) {
        CHECK_STR(flow_conn_state(f), "SF");
        CHECK_STR(f->history, "ShADTaFf");
        CHECK_EQ_U(flow_payload_bytes(f, 0), 150); /* the retransmission counted once */
        CHECK_EQ_U(flow_payload_bytes(f, 1), 0);
        CHECK_EQ_U(f->dir[0].payload_bytes, 250);  /* as sent on the wire */
    }

    /* sequence numbers wrapping through 2^32 */
    pkt(ft, tcp(1 * S_, C, 40011, S, 80, SYN, 0xffffff00u, 0, 0));
    pkt(ft, tcp(1 * S_ + 1, S, 80, C, 40011, SA, 7, 0xffffff01u, 0));
    pkt(ft, tcp(1 * S_ + 2, C, 40011, S, 80, A, 0xffffff01u, 8, 0));
    pkt(ft, tcp(1 * S_ + 3, C, 40011, S, 80, PA, 0xffffff01u, 8, 1000)); /* crosses 2^32 */
    pkt(ft, tcp(1 * S_ + 4, C, 40011, S, 80, PA, 0xffffff01u + 1000u, 8, 1000));
    pkt(ft, tcp(1 * S_ + 5, S, 80, C, 40011, A, 8, 0xffffff01u + 2000u, 0));
    f = flush_one(ft);
    if (f) {
        CHECK_EQ_U(flow_payload_bytes(f, 0), 2000);
        CHECK_STR(f->history, "ShADa");
    }

    /* an ack far beyond anything sent is not plausible and does not inflate the count */
    handshake(ft, 2 * S_, 40012, 80);
    pkt(ft, tcp(2 * S_ + 10000, C, 40012, S, 80, PA, 101, 501, 100));
    pkt(ft, tcp(2 * S_ + 20000, S, 80, C, 40012, A, 501, 0x40000000u, 0));
    f = flush_one(ft);
    if (f)
        CHECK_EQ_U(flow_payload_bytes(f, 0), 100);
    flow_table_free(ft);
}

/* ---- UDP and ICMP ---- */

static void test_udp(void)
{
    struct flow_table *ft = table(NULL);
    pkt(ft, udp(0, C, 40100, "8.8.8.8", 53, 30));
    const struct flow *f = flush_one(ft);
    if (f) {
        CHECK_STR(flow_conn_state(f), "S0");
        CHECK_STR(f->history, "D");
        CHECK_EQ_U(flow_payload_bytes(f, 0), 30);
        CHECK_EQ_U(f->dir[0].ip_bytes, 58);
    }

    pkt(ft, udp(1 * S_, C, 40101, "8.8.8.8", 53, 30));
    pkt(ft, udp(1 * S_ + 100, "8.8.8.8", 53, C, 40101, 90));
    pkt(ft, udp(1 * S_ + 200, C, 40101, "8.8.8.8", 53, 30));
    f = flush_one(ft);
    if (f) {
        CHECK_STR(flow_conn_state(f), "SF");
        CHECK_STR(f->history, "Dd");
        CHECK_EQ_U(f->resp_p, 53);
        CHECK_EQ_U(flow_payload_bytes(f, 0), 60);
        CHECK_EQ_U(flow_payload_bytes(f, 1), 90);
        CHECK_EQ_U(f->dir[0].pkts, 2);
        CHECK_EQ_U(f->dir[1].pkts, 1);
    }

    /* the answer alone: the server port decides who originated */
    pkt(ft, udp(2 * S_, "8.8.8.8", 53, C, 40102, 90));
    f = flush_one(ft);
    if (f) {
        CHECK_STR(astr(&f->orig_h), C);
        CHECK_EQ_U(f->orig_p, 40102);
        CHECK_EQ_U(f->resp_p, 53);
        CHECK_STR(f->history, "^d");
        CHECK_STR(flow_conn_state(f), "SHR");
    }

    /* empty datagrams: no 'D' */
    pkt(ft, udp(3 * S_, C, 40103, S, 9999, 0));
    f = flush_one(ft);
    if (f)
        CHECK_STR(f->history, "");

    /* the same tuple on two VLANs is two flows */
    struct packet p1 = udp(4 * S_, C, 40104, S, 9999, 1), p2 = p1;
    p1.vlan = 10;
    p2.vlan = 20;
    flow_table_packet(ft, &p1);
    flow_table_packet(ft, &p2);
    CHECK_EQ_U(flow_table_active(ft), 2);
    flow_table_flush(ft);
    flow_table_free(ft);
}

static void test_icmp(void)
{
    struct flow_table *ft = table(NULL);
    pkt(ft, icmp(0, C, "8.8.8.8", 8, 0));       /* echo request */
    pkt(ft, icmp(1000, "8.8.8.8", C, 0, 0));    /* echo reply */
    pkt(ft, icmp(1 * S_, C, "8.8.8.8", 8, 0));
    pkt(ft, icmp(1 * S_ + 1000, "8.8.8.8", C, 0, 0));
    CHECK_EQ_U(flow_table_active(ft), 1);
    const struct flow *f = flush_one(ft);
    if (f) {
        CHECK_STR(astr(&f->orig_h), C);
        CHECK_STR(astr(&f->resp_h), "8.8.8.8");
        CHECK_EQ_U(f->orig_p, 8);
        CHECK_EQ_U(f->resp_p, 0);
        CHECK_EQ_U(f->dir[0].pkts, 2);
        CHECK_EQ_U(f->dir[1].pkts, 2);
        CHECK_EQ_U(f->proto, IPPROTO_ICMP_);
        CHECK_STR(flow_conn_state(f), "OTH");
        CHECK_EQ_U(flow_payload_bytes(f, 0), 24);
    }

    /* the reply seen first: its destination originated */
    pkt(ft, icmp(2 * S_, "8.8.8.8", C, 0, 0));
    f = flush_one(ft);
    if (f) {
        CHECK_STR(astr(&f->orig_h), C);
        CHECK_EQ_U(f->orig_p, 8);
        CHECK_EQ_U(f->resp_p, 0);
        CHECK_EQ_U(f->dir[1].pkts, 1);
    }

    /* ICMPv6 echo 128/129 */
    pkt(ft, icmp(3 * S_, "2001:db8::1", "2001:db8::2", 128, 0));
    pkt(ft, icmp(3 * S_ + 10, "2001:db8::2", "2001:db8::1", 129, 0));
    CHECK_EQ_U(flow_table_active(ft), 1);
    f = flush_one(ft);
    if (f) {
        CHECK_EQ_U(f->orig_p, 128);
        CHECK_EQ_U(f->resp_p, 129);
        CHECK_EQ_U(f->proto, IPPROTO_ICMPV6_);
        CHECK_EQ_U(f->dir[1].pkts, 1);
    }

    /* port unreachable: type 3, code 3 */
    pkt(ft, icmp(4 * S_, S, C, 3, 3));
    f = flush_one(ft);
    if (f) {
        CHECK_STR(astr(&f->orig_h), S);
        CHECK_EQ_U(f->orig_p, 3);
        CHECK_EQ_U(f->resp_p, 3);
    }
    flow_table_free(ft);
}

/* ---- timeouts and the cap ---- */

static void test_idle_timeouts(void)
{
    struct flow_config cfg;
    flow_config_default(&cfg);
    cfg.tcp_idle_us = 100 * S_;
    cfg.tcp_close_us = 5 * S_;
    cfg.udp_idle_us = 30 * S_;
    cfg.other_idle_us = 20 * S_;
    cfg.active_us = 0;
    struct flow_table *ft = table(&cfg);
    handshake(ft, 0, 41000, 80);                          /* TCP established, last at 2 ms */
    pkt(ft, udp(0, C, 41001, S, 53, 10));                 /* UDP */
    pkt(ft, icmp(0, C, S, 8, 0));                         /* ICMP */
    pkt(ft, tcp(0, C, 41002, S, 81, SYN, 1, 0, 0));       /* TCP rejected: closing */
    pkt(ft, tcp(0, S, 81, C, 41002, RA, 0, 2, 0));
    CHECK_EQ_U(flow_table_active(ft), 4);

    /* timeouts run on packet time: an unrelated packet drives them */
    struct packet other = udp(5 * S_, "10.9.9.9", 1, "10.9.9.8", 2, 0);
    flow_table_packet(ft, &other);
    CHECK_EQ_I(nended, 0);
    other.ts = 5 * S_ + 1;
    flow_table_packet(ft, &other); /* the "other" UDP flow is now last seen at 5 s + 1 us */
    CHECK_EQ_I(nended, 1);
    if (nended >= 1) {
        CHECK_EQ_U(ended[0].why, FLOW_END_CLOSED);
        CHECK_EQ_U(ended[0].f.resp_p, 81);
    }
    flow_table_expire(ft, 20 * S_);
    CHECK_EQ_I(nended, 1);
    flow_table_expire(ft, 20 * S_ + 1);
    CHECK_EQ_I(nended, 2);
    if (nended >= 2) {
        CHECK_EQ_U(ended[1].why, FLOW_END_IDLE);
        CHECK_EQ_U(ended[1].f.proto, IPPROTO_ICMP_);
    }
    pkt(ft, udp(25 * S_, C, 41001, S, 53, 10)); /* keeps the first UDP flow alive */
    CHECK_EQ_I(nended, 2);
    /* the unrelated UDP flow goes 30 s after 5 s + 1 us */
    flow_table_expire(ft, 35 * S_ + 1);
    CHECK_EQ_I(nended, 2);
    flow_table_expire(ft, 35 * S_ + 2);
    CHECK_EQ_I(nended, 3);
    if (nended >= 3)
        CHECK_EQ_U(ended[2].f.resp_p, 2);
    /* the first UDP flow: idle since 25 s, alive at 55 s, gone just after */
    flow_table_expire(ft, 55 * S_);
    CHECK_EQ_I(nended, 3);
    flow_table_expire(ft, 55 * S_ + 1);
    CHECK_EQ_I(nended, 4);
    if (nended >= 4) {
        CHECK_EQ_U(ended[3].why, FLOW_END_IDLE);
        CHECK_EQ_U(ended[3].f.resp_p, 53);
        CHECK_EQ_U(ended[3].f.dir[0].pkts, 2);
    }
    /* TCP: idle 100 s after its last packet at 2 ms */
    flow_table_expire(ft, 100 * S_ + 2000);
    CHECK_EQ_I(nended, 4);
    flow_table_expire(ft, 100 * S_ + 2001);
    CHECK_EQ_I(nended, 5);
    if (nended >= 5) {
        CHECK_EQ_U(ended[4].why, FLOW_END_IDLE);
        CHECK_EQ_U(ended[4].f.resp_p, 80);
        CHECK_STR(flow_conn_state(&ended[4].f), "S1");
    }
    CHECK_EQ_U(flow_table_active(ft), 0);
    const uint64_t *st = flow_table_stats(ft);
    CHECK_EQ_U(st[FS_END_IDLE], 4);
    CHECK_EQ_U(st[FS_END_CLOSED], 1);

    /* an idle flow's tuple used again is a new flow */
    pkt(ft, udp(200 * S_, C, 41001, S, 53, 10));
    CHECK_EQ_U(flow_table_active(ft), 1);
    CHECK_EQ_U(st[FS_CREATED], 6);
    flow_table_flush(ft);
    flow_table_free(ft);
}

static void test_active_timeout(void)
{
    struct flow_config cfg;
    flow_config_default(&cfg);
    cfg.active_us = 60 * S_;
    struct flow_table *ft = table(&cfg);
    for (int i = 0; i <= 7; i++) /* a datagram every 10 s from 0 to 70 s */
        pkt(ft, udp(i * 10 * S_, C, 42000, S, 5000, 100));
    CHECK_EQ_I(nended, 1);
    if (nended >= 1) {
        CHECK_EQ_U(ended[0].why, FLOW_END_ACTIVE);
        CHECK_EQ_U(ended[0].f.dir[0].pkts, 6); /* 0..50 s */
        CHECK_EQ_I(ended[0].f.first_ts, 0);
        CHECK_EQ_I(ended[0].f.last_ts, 50 * S_);
    }
    const struct flow *f = flush_one(ft);
    if (f) {
        CHECK_EQ_I(f->first_ts, 60 * S_);
        CHECK_EQ_U(f->dir[0].pkts, 2);
        CHECK_STR(astr(&f->orig_h), C);
    }
    CHECK_EQ_U(flow_table_stats(ft)[FS_END_ACTIVE], 1);
    flow_table_free(ft);

    /*
     * A restarted flow continues the same connection: its originator must
     * stay the originator even when the first packet after the restart
     * comes from the responder (no well-known port to guess from here).
     */
    ft = table(&cfg);
    handshake(ft, 0, 42001, 6000);
    pkt(ft, tcp(10 * S_, C, 42001, S, 6000, PA, 101, 501, 10));
    pkt(ft, tcp(61 * S_, S, 6000, C, 42001, PA, 501, 111, 20)); /* responder, after 60 s */
    CHECK_EQ_I(nended, 1);
    if (nended >= 1) {
        CHECK_EQ_U(ended[0].why, FLOW_END_ACTIVE);
        CHECK_STR(astr(&ended[0].f.orig_h), C);
    }
    f = flush_one(ft);
    if (f) {
        CHECK_STR(astr(&f->orig_h), C);
        CHECK_EQ_U(f->orig_p, 42001);
        CHECK_EQ_U(f->resp_p, 6000);
        CHECK_EQ_U(f->dir[1].pkts, 1);
        CHECK_EQ_U(f->dir[0].pkts, 0);
    }

    flow_table_free(ft);
    ft = table(&cfg);
    pkt(ft, udp(0, C, 42002, S, 7000, 10));
    pkt(ft, udp(1 * S_, S, 7000, C, 42002, 10));
    pkt(ft, udp(60 * S_, S, 7000, C, 42002, 10)); /* responder, at the active timeout */
    f = flush_one(ft);
    if (f) {
        CHECK_STR(astr(&f->orig_h), C);
        CHECK_EQ_U(f->orig_p, 42002);
    }
    flow_table_free(ft);
}

/* The remaining Zeek states (base/protocols/conn/main.zeek). */
static void test_other_states(void)
{
    struct flow_table *ft = table(NULL);
    const struct flow *f;

    /* S2: established, close attempt by the originator only */
    handshake(ft, 0, 46000, 8000);
    pkt(ft, tcp(10000, C, 46000, S, 8000, FA, 101, 501, 0));
    f = flush_one(ft);
    if (f) {
        CHECK_STR(flow_conn_state(f), "S2");
        CHECK_STR(f->history, "ShAF");
    }
    /* S3: established, close attempt by the responder only */
    handshake(ft, 1 * S_, 46001, 8000);
    pkt(ft, tcp(1 * S_ + 10000, S, 8000, C, 46001, FA, 501, 101, 0));
    f = flush_one(ft);
    if (f) {
        CHECK_STR(flow_conn_state(f), "S3");
        CHECK_STR(f->history, "ShAf");
    }
    /* S1: established, not terminated */
    handshake(ft, 2 * S_, 46002, 8000);
    f = flush_one(ft);
    if (f)
        CHECK_STR(flow_conn_state(f), "S1");
    /* RSTOS0: SYN then RST from the originator, no SYN-ACK */
    pkt(ft, tcp(3 * S_, C, 46003, S, 8000, SYN, 100, 0, 0));
    pkt(ft, tcp(3 * S_ + 10, C, 46003, S, 8000, R, 101, 0, 0));
    f = flush_one(ft);
    if (f) {
        CHECK_STR(flow_conn_state(f), "RSTOS0");
        CHECK_STR(f->history, "SR");
    }
    /* RSTRH: SYN-ACK then RST from the responder, no SYN */
    pkt(ft, tcp(4 * S_, S, 8000, C, 46004, SA, 500, 101, 0));
    pkt(ft, tcp(4 * S_ + 10, S, 8000, C, 46004, R, 501, 0, 0));
    f = flush_one(ft);
    if (f) {
        CHECK_STR(flow_conn_state(f), "RSTRH");
        CHECK_STR(f->history, "^hr");
    }
    /* SHR: SYN-ACK then FIN from the responder, no SYN */
    pkt(ft, tcp(5 * S_, S, 8000, C, 46005, SA, 500, 101, 0));
    pkt(ft, tcp(5 * S_ + 10, S, 8000, C, 46005, FA, 501, 101, 0));
    f = flush_one(ft);
    if (f) {
        CHECK_STR(flow_conn_state(f), "SHR");
        CHECK_STR(f->history, "^hf");
    }
    flow_table_free(ft);
}

static void test_max_flows(void)
{
    struct flow_config cfg;
    flow_config_default(&cfg);
    cfg.max_flows = 4;
    struct flow_table *ft = table(&cfg);
    for (int i = 0; i < 10; i++)
        pkt(ft, udp(i * S_, C, (uint16_t)(43000 + i), S, 9000, 1));
    CHECK_EQ_U(flow_table_active(ft), 4);
    CHECK_EQ_I(nended, 6);
    for (int i = 0; i < 6 && i < nended; i++) {
        CHECK_EQ_U(ended[i].why, FLOW_END_EVICTED);
        CHECK_EQ_U(ended[i].f.orig_p, 43000 + i); /* the longest idle goes first */
    }
    const uint64_t *st = flow_table_stats(ft);
    CHECK_EQ_U(st[FS_CREATED], 10);
    CHECK_EQ_U(st[FS_END_EVICTED], 6);
    CHECK_EQ_U(st[FS_PEAK], 4);
    flow_table_flush(ft);
    CHECK_EQ_I(nended, 10);
    for (int i = 6; i < 10; i++) {
        CHECK_EQ_U(ended[i].why, FLOW_END_SHUTDOWN);
        CHECK_EQ_U(ended[i].f.orig_p, 43000 + i); /* oldest activity first */
    }
    CHECK_EQ_U(st[FS_END_SHUTDOWN], 4);
    flow_table_free(ft);

    /* eviction follows activity, not creation, across classes */
    ft = table(&cfg);
    pkt(ft, udp(0, C, 44000, S, 9000, 1));
    handshake(ft, 1 * S_, 44001, 80);
    pkt(ft, icmp(2 * S_, C, S, 8, 0));
    pkt(ft, udp(3 * S_, C, 44003, S, 9000, 1));
    pkt(ft, udp(4 * S_, C, 44000, S, 9000, 1)); /* the oldest is active again */
    pkt(ft, udp(5 * S_, C, 44004, S, 9000, 1)); /* evicts the TCP flow */
    CHECK_EQ_I(nended, 1);
    if (nended >= 1)
        CHECK_EQ_U(ended[0].f.orig_p, 44001);
    pkt(ft, udp(6 * S_, C, 44005, S, 9000, 1)); /* then the ICMP flow */
    CHECK_EQ_I(nended, 2);
    if (nended >= 2)
        CHECK_EQ_U(ended[1].f.proto, IPPROTO_ICMP_);
    flow_table_flush(ft);
    flow_table_free(ft);

    /* a cap of 1 */
    cfg.max_flows = 1;
    ft = table(&cfg);
    for (int i = 0; i < 100; i++)
        pkt(ft, udp(i, C, (uint16_t)(45000 + i), S, 9000, 1));
    CHECK_EQ_U(flow_table_active(ft), 1);
    CHECK_EQ_U(flow_table_stats(ft)[FS_END_EVICTED], 99);
    flow_table_flush(ft);
    flow_table_free(ft);

    /* unusable configurations */
    cfg.max_flows = 0;
    struct flow_hooks hooks = {0};
    CHECK(flow_table_new(&cfg, &hooks) == NULL);
}

static void test_stat_names(void)
{
    for (int i = 0; i < FS__COUNT; i++) {
        const char *n = flow_stat_name((enum flow_stat)i);
        CHECK(n != NULL && n[0] != '\0' && strcmp(n, "?") != 0);
    }
    CHECK_STR(flow_stat_name(FS__COUNT), "?");
    struct flow_config cfg;
    flow_config_default(&cfg);
    CHECK_EQ_U(cfg.max_flows, 1048576);
    CHECK_EQ_I(cfg.tcp_idle_us, 300 * S_);
    CHECK_EQ_I(cfg.tcp_close_us, 5 * S_);
    CHECK_EQ_I(cfg.udp_idle_us, 60 * S_);
    CHECK_EQ_I(cfg.other_idle_us, 60 * S_);
    CHECK_EQ_I(cfg.active_us, 3600 * S_);
}

int main(void)
{
    test_sf_full();
    test_s0_and_syn_retransmit();
    test_rej();
    test_rsto_rstr();
    test_sh();
    test_midstream_oth();
    test_synack_first_flips();
    test_new_syn_on_closed_tuple();
    test_seq_bytes_retransmission();
    test_udp();
    test_icmp();
    test_idle_timeouts();
    test_active_timeout();
    test_other_states();
    test_max_flows();
    test_stat_names();
    return test_done();
}
