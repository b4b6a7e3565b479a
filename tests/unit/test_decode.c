/*
 * summary: unit tests of L2-L4 decoding (src/decode/decode.c) on frames built by hand
 *
 * Every frame is spelled out byte by byte with its header layout in the
 * comments (style.md point 15), so the right answer is known by
 * construction. Two payload packets are reused under every link layer:
 *   IPV4_TCP  10.0.0.1:50000 -> 192.168.1.2:80, seq 1000 ack 2000, PSH|ACK, "abcd"
 *   IPV6_UDP  [2001:db8::1]:53 -> [2001:db8::2]:54321, "wxyz"
 */
#include "decode/decode.h"

#include <pcap/dlt.h>
#include <stdlib.h>

#include "test.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif
#define LINKTYPE_RAW 101

/* ---- the building blocks ---- */

#define ETH_HDR(t1, t2)                                                                            \
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, /* destination MAC */                                      \
    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, /* source MAC */                                           \
    t1, t2                              /* ethertype */

#define TCP_50000_80                                                                               \
    0xc3, 0x50, 0x00, 0x50, /* sport 50000, dport 80 */                                            \
    0x00, 0x00, 0x03, 0xe8, /* seq 1000 */                                                         \
    0x00, 0x00, 0x07, 0xd0, /* ack 2000 */                                                         \
    0x50, 0x18, 0xff, 0xff, /* data offset 5 (20 bytes), flags PSH|ACK, window 65535 */            \
    0x00, 0x00, 0x00, 0x00  /* checksum, urgent pointer */

#define IPV4_TCP                                                                                   \
    0x45, 0x00, 0x00, 0x2c, /* version 4, ihl 5 (20 bytes), tos 0, total length 44 */              \
    0x12, 0x34, 0x40, 0x00, /* id 0x1234, flags DF, fragment offset 0 */                           \
    0x40, 0x06, 0x00, 0x00, /* ttl 64, protocol 6 (TCP), checksum */                               \
    0x0a, 0x00, 0x00, 0x01, /* source 10.0.0.1 */                                                  \
    0xc0, 0xa8, 0x01, 0x02, /* destination 192.168.1.2 */                                          \
    TCP_50000_80,                                                                                  \
    'a', 'b', 'c', 'd'      /* payload */

#define V6_SRC 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01 /* 2001:db8::1 */
#define V6_DST 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02 /* 2001:db8::2 */

#define IPV6_UDP                                                                                   \
    0x60, 0x00, 0x00, 0x00, /* version 6, traffic class 0, flow label 0 */                         \
    0x00, 0x0c, 0x11, 0x40, /* payload length 12, next header 17 (UDP), hop limit 64 */            \
    V6_SRC,                                                                                        \
    V6_DST,                                                                                        \
    0x00, 0x35, 0xd4, 0x31, /* sport 53, dport 54321 */                                            \
    0x00, 0x0c, 0x00, 0x00, /* UDP length 12, checksum */                                          \
    'w', 'x', 'y', 'z'      /* payload */

/* ---- one frame per link type ---- */

static const uint8_t eth_v4[] = {ETH_HDR(0x08, 0x00), IPV4_TCP};
static const uint8_t eth_v6[] = {ETH_HDR(0x86, 0xdd), IPV6_UDP};
static const uint8_t eth_vlan[] = {
    ETH_HDR(0x81, 0x00), /* 802.1Q */
    0xa0, 0x64,          /* PCP 5, DEI 0, VID 100 */
    0x08, 0x00,          /* IPv4 */
    IPV4_TCP};
static const uint8_t eth_qinq[] = {
    ETH_HDR(0x88, 0xa8), /* 802.1ad service tag */
    0x00, 0xc8,          /* VID 200 */
    0x81, 0x00,          /* 802.1Q customer tag */
    0x31, 0x2c,          /* PCP 1, DEI 1, VID 300 */
    0x08, 0x00,          /* IPv4 */
    IPV4_TCP};
static const uint8_t eth_qinq_9100[] = {
    ETH_HDR(0x91, 0x00), /* pre-standard QinQ */
    0x0f, 0xff,          /* VID 4095 */
    0x81, 0x00,          /* 802.1Q */
    0x00, 0x01,          /* VID 1 */
    0x86, 0xdd,          /* IPv6 */
    IPV6_UDP};
static const uint8_t eth_mpls2[] = {
    ETH_HDR(0x88, 0x47),    /* MPLS unicast */
    0x00, 0x3e, 0x80, 0x40, /* label 1000, TC 0, S 0, TTL 64 */
    0x00, 0x7d, 0x01, 0x40, /* label 2000, TC 0, S 1 (bottom), TTL 64 */
    IPV4_TCP};
static const uint8_t eth_mpls_v6[] = {
    ETH_HDR(0x88, 0x48),    /* MPLS multicast */
    0x00, 0x01, 0x01, 0xff, /* label 16, S 1, TTL 255 */
    IPV6_UDP};
static const uint8_t eth_mpls_pw[] = {
    ETH_HDR(0x88, 0x47),    /* MPLS */
    0x00, 0x3e, 0x81, 0x40, /* label 1000, S 1 */
    0x00, 0x00, 0x00, 0x00, /* RFC 4448 control word (first nibble 0) */
    ETH_HDR(0x08, 0x00),    /* the carried Ethernet frame */
    IPV4_TCP};
static const uint8_t eth_pppoe[] = {
    ETH_HDR(0x88, 0x64), /* PPPoE session */
    0x11, 0x00,          /* version 1, type 1, code 0 (session data) */
    0x12, 0x34,          /* session id */
    0x00, 0x2e,          /* length 46: PPP protocol + 44-byte datagram */
    0x00, 0x21,          /* PPP protocol: IPv4 */
    IPV4_TCP};
static const uint8_t eth_pppoe_v6[] = {
    ETH_HDR(0x88, 0x64), 0x11, 0x00, 0x00, 0x01,
    0x00, 0x32, /* length 50 */
    0x00, 0x57, /* PPP protocol: IPv6 */
    IPV6_UDP};
static const uint8_t sll_v4[] = {
    0x00, 0x00,             /* packet type: to us */
    0x00, 0x01,             /* ARPHRD_ETHER */
    0x00, 0x06,             /* address length 6 */
    0x66, 0x77, 0x88, 0x99, /* address (8 bytes, 2 unused) */
    0xaa, 0xbb, 0x00, 0x00,
    0x08, 0x00,             /* protocol: IPv4 */
    IPV4_TCP};
static const uint8_t sll_vlan[] = {
    0x00, 0x04, 0x00, 0x01, 0x00, 0x06, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x00, 0x00,
    0x81, 0x00, /* protocol: 802.1Q (tag kept in the data) */
    0x00, 0x07, /* VID 7 */
    0x08, 0x00, /* IPv4 */
    IPV4_TCP};
static const uint8_t sll2_v6[] = {
    0x86, 0xdd,             /* protocol: IPv6 */
    0x00, 0x00,             /* reserved */
    0x00, 0x00, 0x00, 0x02, /* interface index 2 */
    0x00, 0x01,             /* ARPHRD_ETHER */
    0x04,                   /* packet type: outgoing */
    0x06,                   /* address length 6 */
    0x66, 0x77, 0x88, 0x99, /* address (8 bytes) */
    0xaa, 0xbb, 0x00, 0x00,
    IPV6_UDP};
static const uint8_t null_le_v4[] = {0x02, 0x00, 0x00, 0x00, /* AF_INET, little-endian host */
                                     IPV4_TCP};
static const uint8_t null_be_v4[] = {0x00, 0x00, 0x00, 0x02, /* AF_INET, big-endian host */
                                     IPV4_TCP};
static const uint8_t null_le_v6_10[] = {0x0a, 0x00, 0x00, 0x00, /* AF_INET6 (Linux) */ IPV6_UDP};
static const uint8_t null_le_v6_24[] = {0x18, 0x00, 0x00, 0x00, /* AF_INET6 (NetBSD, OpenBSD) */
                                        IPV6_UDP};
static const uint8_t null_le_v6_28[] = {0x1c, 0x00, 0x00, 0x00, /* AF_INET6 (FreeBSD) */ IPV6_UDP};
static const uint8_t null_be_v6_30[] = {0x00, 0x00, 0x00, 0x1e, /* AF_INET6 (macOS), big-endian */
                                        IPV6_UDP};
static const uint8_t loop_v4[] = {0x00, 0x00, 0x00, 0x02, /* AF_INET, network order */ IPV4_TCP};
static const uint8_t loop_v6[] = {0x00, 0x00, 0x00, 0x18, /* AF_INET6 24, network order */
                                  IPV6_UDP};
static const uint8_t raw_v4[] = {IPV4_TCP};
static const uint8_t raw_v6[] = {IPV6_UDP};
static const uint8_t ppp_v4[] = {0xff, 0x03, /* address, control */ 0x00, 0x21, /* IPv4 */
                                 IPV4_TCP};
static const uint8_t ppp_v4_acfc_pfc[] = {0x21, /* compressed protocol field: IPv4 */ IPV4_TCP};
static const uint8_t ppp_v4_acfc[] = {0x00, 0x21, /* no address/control, IPv4 */ IPV4_TCP};
static const uint8_t ppp_v6[] = {0xff, 0x03, 0x00, 0x57, /* IPv6 */ IPV6_UDP};

struct link_case {
    const char *name;
    int dlt;
    const uint8_t *frame;
    size_t len;
    int ipver; /* 4: IPV4_TCP inside, 6: IPV6_UDP inside */
    uint16_t vlan, inner_vlan;
    enum decode_counter extra; /* an encapsulation counter that must be 1, or DC__COUNT */
};

#define LC(n, dlt, f, v, vl, ivl, ex) {n, dlt, f, sizeof(f), v, vl, ivl, ex}
static const struct link_case links[] = {
    LC("ethernet ipv4", DLT_EN10MB, eth_v4, 4, 0, 0, DC__COUNT),
    LC("ethernet ipv6", DLT_EN10MB, eth_v6, 6, 0, 0, DC__COUNT),
    LC("802.1q", DLT_EN10MB, eth_vlan, 4, 100, 0, DC_VLAN),
    LC("qinq 88a8", DLT_EN10MB, eth_qinq, 4, 200, 300, DC_VLAN),
    LC("qinq 9100", DLT_EN10MB, eth_qinq_9100, 6, 4095, 1, DC_VLAN),
    LC("mpls 2 labels", DLT_EN10MB, eth_mpls2, 4, 0, 0, DC_MPLS),
    LC("mpls ipv6", DLT_EN10MB, eth_mpls_v6, 6, 0, 0, DC_MPLS),
    LC("mpls pseudowire", DLT_EN10MB, eth_mpls_pw, 4, 0, 0, DC_MPLS),
    LC("pppoe ipv4", DLT_EN10MB, eth_pppoe, 4, 0, 0, DC_PPPOE),
    LC("pppoe ipv6", DLT_EN10MB, eth_pppoe_v6, 6, 0, 0, DC_PPPOE),
    LC("sll", DLT_LINUX_SLL, sll_v4, 4, 0, 0, DC__COUNT),
    LC("sll vlan", DLT_LINUX_SLL, sll_vlan, 4, 7, 0, DC_VLAN),
    LC("sll2", DLT_LINUX_SLL2, sll2_v6, 6, 0, 0, DC__COUNT),
    LC("null le", DLT_NULL, null_le_v4, 4, 0, 0, DC__COUNT),
    LC("null be", DLT_NULL, null_be_v4, 4, 0, 0, DC__COUNT),
    LC("null v6 10", DLT_NULL, null_le_v6_10, 6, 0, 0, DC__COUNT),
    LC("null v6 24", DLT_NULL, null_le_v6_24, 6, 0, 0, DC__COUNT),
    LC("null v6 28", DLT_NULL, null_le_v6_28, 6, 0, 0, DC__COUNT),
    LC("null v6 30 be", DLT_NULL, null_be_v6_30, 6, 0, 0, DC__COUNT),
    LC("loop v4", DLT_LOOP, loop_v4, 4, 0, 0, DC__COUNT),
    LC("loop v6", DLT_LOOP, loop_v6, 6, 0, 0, DC__COUNT),
    LC("raw v4", DLT_RAW, raw_v4, 4, 0, 0, DC__COUNT),
    LC("raw v6", DLT_RAW, raw_v6, 6, 0, 0, DC__COUNT),
    LC("linktype_raw 101", LINKTYPE_RAW, raw_v4, 4, 0, 0, DC__COUNT),
    LC("ipv4 228", DLT_IPV4, raw_v4, 4, 0, 0, DC__COUNT),
    LC("ipv6 229", DLT_IPV6, raw_v6, 6, 0, 0, DC__COUNT),
    LC("ppp", DLT_PPP, ppp_v4, 4, 0, 0, DC__COUNT),
    LC("ppp acfc+pfc", DLT_PPP, ppp_v4_acfc_pfc, 4, 0, 0, DC__COUNT),
    LC("ppp acfc", DLT_PPP, ppp_v4_acfc, 4, 0, 0, DC__COUNT),
    LC("ppp ipv6", DLT_PPP, ppp_v6, 6, 0, 0, DC__COUNT),
};
#define NLINKS (sizeof(links) / sizeof(links[0]))

/* ---- helpers ---- */

static struct decoder dec;
static struct packet pkt;
static int dec_live;

static void fresh(int dlt)
{
    if (dec_live)
        decoder_release(&dec);
    if (decoder_init(&dec, dlt) < 0) {
        /* unsupported: still usable, decode_packet counts it */
    }
    dec_live = 1;
}

static enum decode_result run(const uint8_t *f, size_t caplen, size_t wirelen)
{
    return decode_packet(&dec, 1000000, f, (uint32_t)caplen, (uint32_t)wirelen, &pkt);
}

static const char *astr(const struct addr *a)
{
    static char buf[2][ADDR_STRLEN];
    static int k;
    k ^= 1;
    addr_format(a, buf[k]);
    return buf[k];
}

static uint64_t trunc_total(void)
{
    uint64_t n = 0;
    for (int c = DC_TRUNC_LINK; c <= DC_TRUNC_ICMP; c++)
        n += dec.counters[c];
    return n;
}

static uint64_t bad_total(void)
{
    uint64_t n = dec.counters[DC_UNSUPPORTED_LINKTYPE] + dec.counters[DC_FRAG_INVALID];
    for (int c = DC_BAD_IP_VERSION; c <= DC_TOO_DEEP; c++)
        n += dec.counters[c];
    return n;
}

static void check_v4_tcp(const struct packet *p)
{
    CHECK_EQ_U(p->ipver, 4);
    CHECK_EQ_U(p->proto, IPPROTO_TCP_);
    CHECK_STR(astr(&p->src), "10.0.0.1");
    CHECK_STR(astr(&p->dst), "192.168.1.2");
    CHECK_EQ_U(p->sport, 50000);
    CHECK_EQ_U(p->dport, 80);
    CHECK_EQ_U(p->seq, 1000);
    CHECK_EQ_U(p->ack, 2000);
    CHECK_EQ_U(p->tcp_flags, TH_PUSH | TH_ACK);
    CHECK_EQ_U(p->win, 65535);
    CHECK_EQ_U(p->ip_len, 44);
    CHECK_EQ_U(p->payload_len, 4);
    CHECK_EQ_U(p->payload_wire, 4);
    CHECK(p->payload && memcmp(p->payload, "abcd", 4) == 0);
    CHECK_EQ_U(p->reassembled, 0);
}

static void check_v6_udp(const struct packet *p)
{
    CHECK_EQ_U(p->ipver, 6);
    CHECK_EQ_U(p->proto, IPPROTO_UDP_);
    CHECK_STR(astr(&p->src), "2001:db8::1");
    CHECK_STR(astr(&p->dst), "2001:db8::2");
    CHECK_EQ_U(p->sport, 53);
    CHECK_EQ_U(p->dport, 54321);
    CHECK_EQ_U(p->ip_len, 52);
    CHECK_EQ_U(p->payload_len, 4);
    CHECK_EQ_U(p->payload_wire, 4);
    CHECK(p->payload && memcmp(p->payload, "wxyz", 4) == 0);
    CHECK_EQ_U(p->tcp_flags, 0);
}

/* ---- link layers ---- */

static void test_link_types(void)
{
    for (size_t i = 0; i < NLINKS; i++) {
        const struct link_case *lc = &links[i];
        fresh(lc->dlt);
        CHECK(decoder_linktype_supported(lc->dlt));
        enum decode_result r = run(lc->frame, lc->len, lc->len);
        CHECK_EQ_U(r, DECODE_OK);
        if (r != DECODE_OK) {
            fprintf(stderr, "  link case '%s'\n", lc->name);
            continue;
        }
        int before = t_fail;
        if (lc->ipver == 4)
            check_v4_tcp(&pkt);
        else
            check_v6_udp(&pkt);
        CHECK_EQ_U(pkt.vlan, lc->vlan);
        CHECK_EQ_U(pkt.inner_vlan, lc->inner_vlan);
        CHECK_EQ_U(pkt.caplen, lc->len);
        CHECK_EQ_U(pkt.wirelen, lc->len);
        CHECK_EQ_I(pkt.ts, 1000000);
        CHECK_EQ_U(dec.counters[DC_PACKETS], 1);
        CHECK_EQ_U(dec.counters[DC_BYTES], lc->len);
        CHECK_EQ_U(dec.counters[lc->ipver == 4 ? DC_IPV4 : DC_IPV6], 1);
        CHECK_EQ_U(dec.counters[lc->ipver == 4 ? DC_TCP : DC_UDP], 1);
        if (lc->extra != DC__COUNT)
            CHECK_EQ_U(dec.counters[lc->extra], 1);
        CHECK_EQ_U(trunc_total() + bad_total(), 0);
        CHECK_EQ_U(dec.counters[DC_SNAPLEN_CUT], 0);
        if (t_fail != before)
            fprintf(stderr, "  link case '%s'\n", lc->name);
    }
}

/*
 * Every truncation point of every frame above. A frame whose wire length is
 * its captured length is simply short: never OK, always TRUNC, and exactly
 * one truncation counter moves. A snaplen-cut frame (wire length intact) is
 * TRUNC while headers are missing and OK as soon as they are all there,
 * with payload_len < payload_wire.
 */
static void test_truncation_points(void)
{
    for (size_t i = 0; i < NLINKS; i++) {
        const struct link_case *lc = &links[i];
        size_t hdr_end = lc->len - 4; /* both inner packets carry 4 payload bytes */
        fresh(lc->dlt);
        for (size_t n = 0; n < lc->len; n++) {
            uint64_t t0 = trunc_total(), b0 = bad_total();
            int before = t_fail;
            enum decode_result r = run(lc->frame, n, n);
            CHECK_EQ_U(r, DECODE_TRUNC);
            CHECK_EQ_U(trunc_total(), t0 + 1);
            CHECK_EQ_U(bad_total(), b0);

            t0 = trunc_total();
            uint64_t cut0 = dec.counters[DC_SNAPLEN_CUT];
            r = run(lc->frame, n, lc->len);
            CHECK_EQ_U(dec.counters[DC_SNAPLEN_CUT], cut0 + 1);
            if (n < hdr_end) {
                CHECK_EQ_U(r, DECODE_TRUNC);
                CHECK_EQ_U(trunc_total(), t0 + 1);
            } else {
                CHECK_EQ_U(r, DECODE_OK);
                CHECK_EQ_U(trunc_total(), t0);
                CHECK_EQ_U(pkt.payload_len, n - hdr_end);
                CHECK_EQ_U(pkt.payload_wire, 4);
                CHECK_EQ_U(pkt.sport, lc->ipver == 4 ? 50000 : 53);
            }
            if (t_fail != before)
                fprintf(stderr, "  link case '%s' caplen %zu\n", lc->name, n);
        }
        CHECK_EQ_U(bad_total(), 0);
    }
}

static void test_unsupported_and_non_ip(void)
{
    /* 802.11 is not decoded */
    CHECK(!decoder_linktype_supported(DLT_IEEE802_11));
    if (dec_live)
        decoder_release(&dec);
    CHECK_EQ_I(decoder_init(&dec, DLT_IEEE802_11), -1);
    dec_live = 1;
    CHECK_EQ_U(run(eth_v4, sizeof(eth_v4), sizeof(eth_v4)), DECODE_INVALID);
    CHECK_EQ_U(dec.counters[DC_UNSUPPORTED_LINKTYPE], 1);
    /* switching link type keeps the counters */
    CHECK_EQ_I(decoder_set_linktype(&dec, DLT_EN10MB), 0);
    CHECK_EQ_U(run(eth_v4, sizeof(eth_v4), sizeof(eth_v4)), DECODE_OK);
    CHECK_EQ_U(dec.counters[DC_PACKETS], 2);
    CHECK_EQ_U(dec.counters[DC_UNSUPPORTED_LINKTYPE], 1);
    CHECK_EQ_I(decoder_set_linktype(&dec, 9999), -1);

    /* ARP over Ethernet: skipped and counted, not an error */
    static const uint8_t arp[] = {
        ETH_HDR(0x08, 0x06),    /* ARP */
        0x00, 0x01, 0x08, 0x00, /* htype 1, ptype IPv4 */
        0x06, 0x04, 0x00, 0x01, /* hlen 6, plen 4, request */
        0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x0a, 0x00, 0x00, 0x01,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x02};
    fresh(DLT_EN10MB);
    CHECK_EQ_U(run(arp, sizeof(arp), sizeof(arp)), DECODE_SKIP);
    CHECK_EQ_U(dec.counters[DC_NON_IP], 1);
    CHECK_EQ_U(trunc_total() + bad_total(), 0);

    /* an 802.3 length field (LLC frame) is not IP */
    static const uint8_t llc[] = {ETH_HDR(0x00, 0x26), 0x42, 0x42, 0x03, 0, 0, 0};
    CHECK_EQ_U(run(llc, sizeof(llc), sizeof(llc)), DECODE_SKIP);
    CHECK_EQ_U(dec.counters[DC_NON_IP], 2);

    /* PPPoE discovery */
    static const uint8_t padi[] = {ETH_HDR(0x88, 0x63), 0x11, 0x09, 0x00, 0x00, 0x00, 0x00};
    CHECK_EQ_U(run(padi, sizeof(padi), sizeof(padi)), DECODE_SKIP);

    /* PPPoE session carrying LCP (0xc021) */
    static const uint8_t pppoe_lcp[] = {ETH_HDR(0x88, 0x64), 0x11, 0x00, 0x00, 0x01, 0x00, 0x06,
                                        0xc0, 0x21, 0x01, 0x01, 0x00, 0x04};
    CHECK_EQ_U(run(pppoe_lcp, sizeof(pppoe_lcp), sizeof(pppoe_lcp)), DECODE_SKIP);

    /* PPPoE with a bad version/type byte or a nonzero code is malformed */
    static const uint8_t pppoe_bad[] = {ETH_HDR(0x88, 0x64), 0x21, 0x00, 0x00, 0x01, 0x00, 0x2e,
                                        0x00, 0x21, IPV4_TCP};
    uint64_t b0 = dec.counters[DC_BAD_LINK];
    CHECK_EQ_U(run(pppoe_bad, sizeof(pppoe_bad), sizeof(pppoe_bad)), DECODE_INVALID);
    CHECK_EQ_U(dec.counters[DC_BAD_LINK], b0 + 1);
    static const uint8_t pppoe_len1[] = {ETH_HDR(0x88, 0x64), 0x11, 0x00, 0x00, 0x01,
                                         0x00, 0x01, /* length 1: cannot hold a protocol */
                                         0x00, 0x21, IPV4_TCP};
    CHECK_EQ_U(run(pppoe_len1, sizeof(pppoe_len1), sizeof(pppoe_len1)), DECODE_INVALID);
    CHECK_EQ_U(dec.counters[DC_BAD_LINK], b0 + 2);

    /* MPLS whose payload is neither IP nor a pseudowire */
    static const uint8_t mpls_other[] = {ETH_HDR(0x88, 0x47), 0x00, 0x3e, 0x81, 0x40,
                                         0x80, 0x00, 0x00, 0x00, 0x00, 0x00};
    CHECK_EQ_U(run(mpls_other, sizeof(mpls_other), sizeof(mpls_other)), DECODE_SKIP);

    /* DLT_NULL with AF 7 (not IP) */
    fresh(DLT_NULL);
    static const uint8_t null_other[] = {0x07, 0x00, 0x00, 0x00, IPV4_TCP};
    CHECK_EQ_U(run(null_other, sizeof(null_other), sizeof(null_other)), DECODE_SKIP);
    CHECK_EQ_U(dec.counters[DC_NON_IP], 1);

    /* PPP LCP */
    fresh(DLT_PPP);
    static const uint8_t ppp_lcp[] = {0xff, 0x03, 0xc0, 0x21, 0x01, 0x01, 0x00, 0x04};
    CHECK_EQ_U(run(ppp_lcp, sizeof(ppp_lcp), sizeof(ppp_lcp)), DECODE_SKIP);
    CHECK_EQ_U(dec.counters[DC_NON_IP], 1);

    /* raw: a version that is neither 4 nor 6 */
    fresh(DLT_RAW);
    static const uint8_t raw_v5[] = {0x55, 0x00, 0x00, 0x14};
    CHECK_EQ_U(run(raw_v5, sizeof(raw_v5), sizeof(raw_v5)), DECODE_INVALID);
    CHECK_EQ_U(dec.counters[DC_BAD_IP_VERSION], 1);
    /* DLT_IPV4 given an IPv6 packet */
    fresh(DLT_IPV4);
    CHECK_EQ_U(run(raw_v6, sizeof(raw_v6), sizeof(raw_v6)), DECODE_INVALID);
    CHECK_EQ_U(dec.counters[DC_BAD_IP_VERSION], 1);
    fresh(DLT_IPV6);
    CHECK_EQ_U(run(raw_v4, sizeof(raw_v4), sizeof(raw_v4)), DECODE_INVALID);
    CHECK_EQ_U(dec.counters[DC_BAD_IP_VERSION], 1);
}

static void test_deep_stacks(void)
{
    static uint8_t f[4096];
    /* 8 VLAN tags: fine, the first two are kept */
    fresh(DLT_EN10MB);
    for (int tags = 1; tags <= 64; tags *= 2) {
        size_t n = 0;
        memcpy(f, eth_v4, 12);
        n = 12;
        for (int t = 0; t < tags; t++) {
            f[n++] = 0x81; /* 802.1Q */
            f[n++] = 0x00;
            f[n++] = 0x00; /* VID t+1 */
            f[n++] = (uint8_t)(t + 1);
        }
        f[n++] = 0x08; /* IPv4 */
        f[n++] = 0x00;
        memcpy(f + n, eth_v4 + 14, sizeof(eth_v4) - 14);
        n += sizeof(eth_v4) - 14;
        uint64_t deep0 = dec.counters[DC_TOO_DEEP];
        enum decode_result r = run(f, n, n);
        if (tags <= 8) {
            CHECK_EQ_U(r, DECODE_OK);
            CHECK_EQ_U(pkt.vlan, 1);
            CHECK_EQ_U(pkt.inner_vlan, tags >= 2 ? 2 : 0);
            check_v4_tcp(&pkt);
        } else if (tags >= 32) {
            CHECK_EQ_U(r, DECODE_INVALID);
            CHECK_EQ_U(dec.counters[DC_TOO_DEEP], deep0 + 1);
        }
    }

    /* 64 MPLS labels, none marked bottom of stack */
    size_t n = 0;
    memcpy(f, eth_mpls2, 14);
    n = 14;
    for (int l = 0; l < 64; l++) {
        f[n++] = 0x00;
        f[n++] = 0x01;
        f[n++] = 0x00; /* S 0 */
        f[n++] = 0x40;
    }
    memcpy(f + n, eth_v4 + 14, sizeof(eth_v4) - 14);
    n += sizeof(eth_v4) - 14;
    fresh(DLT_EN10MB);
    CHECK_EQ_U(run(f, n, n), DECODE_INVALID);
    CHECK_EQ_U(dec.counters[DC_TOO_DEEP], 1);

    /* pseudowires nested in pseudowires: bounded, never a stack overflow */
    n = 0;
    for (int l = 0; l < 100; l++) {
        memcpy(f + n, eth_mpls_pw, 14 + 8); /* Ethernet(MPLS), label S 1, control word */
        n += 14 + 8;
    }
    memcpy(f + n, eth_v4, sizeof(eth_v4));
    n += sizeof(eth_v4);
    fresh(DLT_EN10MB);
    CHECK_EQ_U(run(f, n, n), DECODE_INVALID);
    CHECK_EQ_U(dec.counters[DC_TOO_DEEP], 1);

    /* 40 IPv6 destination-options headers */
    n = 0;
    static const uint8_t v6_hdr[] = {
        0x60, 0x00, 0x00, 0x00,
        0x01, 0x54, 0x3c, 0x40, /* payload length 340 = 40*8 + 20, next header 60 */
        V6_SRC, V6_DST};
    memcpy(f, v6_hdr, sizeof(v6_hdr));
    n = sizeof(v6_hdr);
    for (int e = 0; e < 40; e++) {
        static const uint8_t dopt[] = {0x3c, 0x00, 0x01, 0x04, 0, 0, 0, 0};
        memcpy(f + n, dopt, 8);
        n += 8;
    }
    memset(f + n, 0, 20);
    n += 20;
    fresh(DLT_RAW);
    CHECK_EQ_U(run(f, n, n), DECODE_INVALID);
    CHECK_EQ_U(dec.counters[DC_TOO_DEEP], 1);
}

/* ---- network layer ---- */

static void test_ipv4_options(void)
{
    /* ihl 6: one 4-byte option (Router Alert, RFC 2113) */
    static const uint8_t v4_ra[] = {
        0x46, 0x00, 0x00, 0x30, /* version 4, ihl 6 (24 bytes), total length 48 */
        0x12, 0x34, 0x00, 0x00, /* id, no flags */
        0x40, 0x06, 0x00, 0x00, /* ttl 64, TCP */
        0x0a, 0x00, 0x00, 0x01, /* 10.0.0.1 */
        0xc0, 0xa8, 0x01, 0x02, /* 192.168.1.2 */
        0x94, 0x04, 0x00, 0x00, /* option 148 router alert, length 4, value 0 */
        TCP_50000_80, 'a', 'b', 'c', 'd'};
    fresh(DLT_RAW);
    CHECK_EQ_U(run(v4_ra, sizeof(v4_ra), sizeof(v4_ra)), DECODE_OK);
    CHECK_EQ_U(pkt.sport, 50000);
    CHECK_EQ_U(pkt.dport, 80);
    CHECK_EQ_U(pkt.seq, 1000);
    CHECK_EQ_U(pkt.ip_len, 48);
    CHECK_EQ_U(pkt.payload_len, 4);
    CHECK(memcmp(pkt.payload, "abcd", 4) == 0);

    /* ihl 15: the 40-byte maximum of options (NOPs, then EOL) */
    static uint8_t v4_max[60 + 24];
    memcpy(v4_max, raw_v4, 20);
    v4_max[0] = 0x4f;           /* ihl 15 */
    v4_max[3] = 84;             /* total length 60 + 24 */
    memset(v4_max + 20, 1, 39); /* NOP */
    v4_max[59] = 0;             /* EOL */
    memcpy(v4_max + 60, raw_v4 + 20, 24);
    CHECK_EQ_U(run(v4_max, sizeof(v4_max), sizeof(v4_max)), DECODE_OK);
    CHECK_EQ_U(pkt.sport, 50000);
    CHECK_EQ_U(pkt.ip_len, 84);
    CHECK_EQ_U(pkt.payload_len, 4);
    CHECK(memcmp(pkt.payload, "abcd", 4) == 0);
    /* options cut by the capture: truncated, not invalid */
    uint64_t t0 = dec.counters[DC_TRUNC_IPV4];
    CHECK_EQ_U(run(v4_max, 40, sizeof(v4_max)), DECODE_TRUNC);
    CHECK_EQ_U(dec.counters[DC_TRUNC_IPV4], t0 + 1);
}

static void test_ipv4_errors(void)
{
    uint8_t f[sizeof(eth_v4)];
    fresh(DLT_EN10MB);

    /* ethertype IPv4, version nibble 6 */
    memcpy(f, eth_v4, sizeof(f));
    f[14] = 0x65;
    CHECK_EQ_U(run(f, sizeof(f), sizeof(f)), DECODE_INVALID);
    CHECK_EQ_U(dec.counters[DC_BAD_IP_VERSION], 1);
    /* ethertype IPv6 carrying an IPv4 header */
    memcpy(f, eth_v4, sizeof(f));
    f[12] = 0x86;
    f[13] = 0xdd;
    CHECK_EQ_U(run(f, sizeof(f), sizeof(f)), DECODE_INVALID);
    CHECK_EQ_U(dec.counters[DC_BAD_IP_VERSION], 2);

    /* ihl 4 (16 bytes) and ihl 0 are impossible */
    memcpy(f, eth_v4, sizeof(f));
    f[14] = 0x44;
    CHECK_EQ_U(run(f, sizeof(f), sizeof(f)), DECODE_INVALID);
    f[14] = 0x40;
    CHECK_EQ_U(run(f, sizeof(f), sizeof(f)), DECODE_INVALID);
    CHECK_EQ_U(dec.counters[DC_BAD_IPV4_HLEN], 2);

    /* ihl 15 (60 bytes) in a 44-byte datagram: header beyond the frame */
    f[14] = 0x4f;
    CHECK(run(f, sizeof(f), sizeof(f)) != DECODE_OK);

    /* total length 19 < header length 20 */
    memcpy(f, eth_v4, sizeof(f));
    f[16] = 0x00;
    f[17] = 19;
    CHECK_EQ_U(run(f, sizeof(f), sizeof(f)), DECODE_INVALID);
    CHECK_EQ_U(dec.counters[DC_BAD_IPV4_LEN], 1);

    /* total length 0 (TCP segmentation offload): the frame's length is used */
    f[17] = 0;
    CHECK_EQ_U(run(f, sizeof(f), sizeof(f)), DECODE_OK);
    check_v4_tcp(&pkt);

    /* total length larger than the (complete) frame */
    memcpy(f, eth_v4, sizeof(f));
    f[17] = 45;
    uint64_t t0 = dec.counters[DC_TRUNC_IPV4];
    CHECK_EQ_U(run(f, sizeof(f), sizeof(f)), DECODE_TRUNC);
    CHECK_EQ_U(dec.counters[DC_TRUNC_IPV4], t0 + 1);
}

/* Ethernet pads frames to 60 bytes: the IP total length decides where the datagram ends. */
static void test_ethernet_padding(void)
{
    static const uint8_t syn_padded[] = {
        ETH_HDR(0x08, 0x00),
        0x45, 0x00, 0x00, 0x28, /* total length 40: no payload */
        0x00, 0x01, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
        0x0a, 0x00, 0x00, 0x01, 0xc0, 0xa8, 0x01, 0x02,
        0xc3, 0x50, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe7, /* seq 999 */
        0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0x72, 0x10, /* SYN, window 29200 */
        0x00, 0x00, 0x00, 0x00,
        0xee, 0xee, 0xee, 0xee, 0xee, 0xee}; /* 6 bytes of padding to 60 */
    fresh(DLT_EN10MB);
    CHECK_EQ_U(sizeof(syn_padded), 60);
    CHECK_EQ_U(run(syn_padded, sizeof(syn_padded), sizeof(syn_padded)), DECODE_OK);
    CHECK_EQ_U(pkt.tcp_flags, TH_SYN);
    CHECK_EQ_U(pkt.ip_len, 40);
    CHECK_EQ_U(pkt.payload_len, 0);
    CHECK_EQ_U(pkt.payload_wire, 0);

    /* IPv4 UDP with 1 payload byte, padded */
    static const uint8_t udp_padded[] = {
        ETH_HDR(0x08, 0x00),
        0x45, 0x00, 0x00, 0x1d, /* total length 29 */
        0x00, 0x02, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00,
        0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
        0x30, 0x39, 0x00, 0x35, /* 12345 -> 53 */
        0x00, 0x09, 0x00, 0x00, /* UDP length 9 */
        'q',
        0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee,
        0xee, 0xee, 0xee};
    CHECK_EQ_U(sizeof(udp_padded), 60);
    CHECK_EQ_U(run(udp_padded, sizeof(udp_padded), sizeof(udp_padded)), DECODE_OK);
    CHECK_EQ_U(pkt.proto, IPPROTO_UDP_);
    CHECK_EQ_U(pkt.ip_len, 29);
    CHECK_EQ_U(pkt.payload_len, 1);
    CHECK_EQ_U(pkt.payload_wire, 1);
    CHECK(pkt.payload[0] == 'q');

    /* IPv6 padded after its payload length */
    uint8_t f[sizeof(eth_v6) + 8];
    memcpy(f, eth_v6, sizeof(eth_v6));
    memset(f + sizeof(eth_v6), 0xee, 8);
    CHECK_EQ_U(run(f, sizeof(f), sizeof(f)), DECODE_OK);
    check_v6_udp(&pkt);
}

static void test_ipv6_ext(void)
{
    /* hop-by-hop, then destination options, then TCP */
    static const uint8_t v6_hbh_dst_tcp[] = {
        0x60, 0x00, 0x00, 0x00,
        0x00, 0x28, 0x00, 0x40, /* payload length 40, next header 0 (hop-by-hop), hop limit 64 */
        V6_SRC, V6_DST,
        0x3c, 0x00, 0x01, 0x04, /* hop-by-hop: next 60, length 0 (8 bytes), PadN 4 */
        0x00, 0x00, 0x00, 0x00,
        0x06, 0x00, 0x01, 0x04, /* destination options: next 6 (TCP), length 0, PadN 4 */
        0x00, 0x00, 0x00, 0x00,
        TCP_50000_80, 'a', 'b', 'c', 'd'};
    fresh(DLT_RAW);
    CHECK_EQ_U(run(v6_hbh_dst_tcp, sizeof(v6_hbh_dst_tcp), sizeof(v6_hbh_dst_tcp)), DECODE_OK);
    CHECK_EQ_U(pkt.ipver, 6);
    CHECK_EQ_U(pkt.proto, IPPROTO_TCP_);
    CHECK_EQ_U(pkt.sport, 50000);
    CHECK_EQ_U(pkt.dport, 80);
    CHECK_EQ_U(pkt.seq, 1000);
    CHECK_EQ_U(pkt.ip_len, 80);
    CHECK_EQ_U(pkt.payload_len, 4);
    CHECK_EQ_U(pkt.payload_wire, 4);
    CHECK(memcmp(pkt.payload, "abcd", 4) == 0);

    /* routing header (16 bytes), then AH (24 bytes), then UDP */
    static const uint8_t v6_rt_ah_udp[] = {
        0x60, 0x00, 0x00, 0x00,
        0x00, 0x34, 0x2b, 0x40, /* payload length 52, next header 43 (routing) */
        V6_SRC, V6_DST,
        0x33, 0x01, 0x04, 0x00, /* routing: next 51 (AH), length 1 (16 bytes), type 4, left 0 */
        0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
        0x11, 0x04, 0x00, 0x00, /* AH: next 17 (UDP), length 4 ((4+2)*4 = 24 bytes) */
        0x00, 0x00, 0x10, 0x00, /* SPI */
        0x00, 0x00, 0x00, 0x01, /* sequence */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* ICV */
        0x00, 0x35, 0xd4, 0x31, 0x00, 0x0c, 0x00, 0x00, 'w', 'x', 'y', 'z'};
    CHECK_EQ_U(run(v6_rt_ah_udp, sizeof(v6_rt_ah_udp), sizeof(v6_rt_ah_udp)), DECODE_OK);
    CHECK_EQ_U(pkt.proto, IPPROTO_UDP_);
    CHECK_EQ_U(pkt.sport, 53);
    CHECK_EQ_U(pkt.payload_len, 4);
    CHECK(memcmp(pkt.payload, "wxyz", 4) == 0);

    /* an atomic fragment (offset 0, M 0; RFC 6946) is just a packet */
    static const uint8_t v6_atomic[] = {
        0x60, 0x00, 0x00, 0x00,
        0x00, 0x14, 0x2c, 0x40, /* payload length 20, next header 44 (fragment) */
        V6_SRC, V6_DST,
        0x11, 0x00, 0x00, 0x00, /* fragment: next 17, offset 0, M 0 */
        0xde, 0xad, 0xbe, 0xef, /* identification */
        0x00, 0x35, 0xd4, 0x31, 0x00, 0x0c, 0x00, 0x00, 'w', 'x', 'y', 'z'};
    CHECK_EQ_U(run(v6_atomic, sizeof(v6_atomic), sizeof(v6_atomic)), DECODE_OK);
    CHECK_EQ_U(pkt.proto, IPPROTO_UDP_);
    CHECK_EQ_U(pkt.reassembled, 0);
    CHECK(memcmp(pkt.payload, "wxyz", 4) == 0);
    CHECK_EQ_U(dec.counters[DC_FRAGMENTS], 0);

    /* no next header (59): OK as another protocol with no payload */
    static const uint8_t v6_none[] = {0x60, 0, 0, 0, 0x00, 0x00, 0x3b, 0x40, V6_SRC, V6_DST};
    CHECK_EQ_U(run(v6_none, sizeof(v6_none), sizeof(v6_none)), DECODE_OK);
    CHECK_EQ_U(pkt.proto, 59);
    CHECK_EQ_U(pkt.payload_len, 0);

    /* an extension header longer than the payload length says */
    static const uint8_t v6_ext_long[] = {
        0x60, 0x00, 0x00, 0x00,
        0x00, 0x08, 0x00, 0x40, /* payload length 8 */
        V6_SRC, V6_DST,
        0x3b, 0x01, 0x01, 0x0c, /* hop-by-hop, length 1: 16 bytes */
        0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0};
    uint64_t e0 = trunc_total() + bad_total();
    CHECK(run(v6_ext_long, sizeof(v6_ext_long), sizeof(v6_ext_long)) != DECODE_OK);
    CHECK_EQ_U(trunc_total() + bad_total(), e0 + 1);

    /* version 4 in an IPv6 ethertype */
    uint8_t f[sizeof(eth_v6)];
    memcpy(f, eth_v6, sizeof(f));
    f[14] = 0x40;
    fresh(DLT_EN10MB);
    CHECK_EQ_U(run(f, sizeof(f), sizeof(f)), DECODE_INVALID);
    CHECK_EQ_U(dec.counters[DC_BAD_IP_VERSION], 1);
}

/* ---- transport layer ---- */

static void test_icmp(void)
{
    static const uint8_t icmp_echo[] = {
        0x45, 0x00, 0x00, 0x20, /* total length 32 */
        0x00, 0x07, 0x00, 0x00,
        0x40, 0x01, 0x00, 0x00, /* ttl 64, protocol 1 (ICMP) */
        0x0a, 0x00, 0x00, 0x01, 0x08, 0x08, 0x08, 0x08, /* 10.0.0.1 -> 8.8.8.8 */
        0x08, 0x00, 0xf7, 0xfe, /* type 8 (echo request), code 0, checksum */
        0x00, 0x01, 0x00, 0x01, /* identifier 1, sequence 1 */
        'p', 'i', 'n', 'g'};
    fresh(DLT_RAW);
    CHECK_EQ_U(run(icmp_echo, sizeof(icmp_echo), sizeof(icmp_echo)), DECODE_OK);
    CHECK_EQ_U(pkt.proto, IPPROTO_ICMP_);
    CHECK_EQ_U(pkt.icmp_type, 8);
    CHECK_EQ_U(pkt.icmp_code, 0);
    CHECK_EQ_U(pkt.sport, 0);
    CHECK_EQ_U(pkt.dport, 0);
    CHECK_EQ_U(pkt.ip_len, 32);
    CHECK_EQ_U(pkt.payload_len, 12); /* the ICMP message, header included */
    CHECK_EQ_U(pkt.payload_wire, 12);
    CHECK(pkt.payload[0] == 0x08 && memcmp(pkt.payload + 8, "ping", 4) == 0);
    CHECK_EQ_U(dec.counters[DC_ICMP], 1);

    /* destination unreachable, port unreachable (type 3 code 3) */
    uint8_t f[sizeof(icmp_echo)];
    memcpy(f, icmp_echo, sizeof(f));
    f[20] = 3;
    f[21] = 3;
    CHECK_EQ_U(run(f, sizeof(f), sizeof(f)), DECODE_OK);
    CHECK_EQ_U(pkt.icmp_type, 3);
    CHECK_EQ_U(pkt.icmp_code, 3);

    /* ICMP of 1 byte: truncated */
    memcpy(f, icmp_echo, sizeof(f));
    f[3] = 21; /* total length 21 */
    CHECK_EQ_U(run(f, 21, 21), DECODE_TRUNC);
    CHECK_EQ_U(dec.counters[DC_TRUNC_ICMP], 1);

    static const uint8_t icmp6_echo[] = {
        0x60, 0x00, 0x00, 0x00,
        0x00, 0x0c, 0x3a, 0x40, /* payload length 12, next header 58 (ICMPv6) */
        V6_SRC, V6_DST,
        0x80, 0x00, 0x00, 0x00, /* type 128 (echo request), code 0 */
        0x00, 0x02, 0x00, 0x05, /* identifier 2, sequence 5 */
        'p', 'i', 'n', 'g'};
    CHECK_EQ_U(run(icmp6_echo, sizeof(icmp6_echo), sizeof(icmp6_echo)), DECODE_OK);
    CHECK_EQ_U(pkt.proto, IPPROTO_ICMPV6_);
    CHECK_EQ_U(pkt.icmp_type, 128);
    CHECK_EQ_U(pkt.icmp_code, 0);
    CHECK_EQ_U(pkt.payload_len, 12);
    CHECK_EQ_U(dec.counters[DC_ICMP6], 1);

    /* another protocol (GRE, 47): OK, payload is everything after IP */
    static const uint8_t gre[] = {
        0x45, 0x00, 0x00, 0x18, 0x00, 0x08, 0x00, 0x00,
        0x40, 0x2f, 0x00, 0x00, /* protocol 47 (GRE) */
        0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
        0x00, 0x00, 0x08, 0x00}; /* GRE header: IPv4 inside */
    CHECK_EQ_U(run(gre, sizeof(gre), sizeof(gre)), DECODE_OK);
    CHECK_EQ_U(pkt.proto, 47);
    CHECK_EQ_U(pkt.payload_len, 4);
    CHECK_EQ_U(dec.counters[DC_OTHER_IP_PROTO], 1);
}

static void test_tcp_fields_and_errors(void)
{
    uint8_t f[sizeof(raw_v4)];
    fresh(DLT_RAW);

    /* all flags, max numbers */
    memcpy(f, raw_v4, sizeof(f));
    memset(f + 24, 0xff, 8); /* seq = ack = 0xffffffff */
    f[33] = 0xff;            /* every flag */
    f[34] = 0x00;            /* window 0 */
    f[35] = 0x00;
    CHECK_EQ_U(run(f, sizeof(f), sizeof(f)), DECODE_OK);
    CHECK_EQ_U(pkt.seq, 0xffffffffu);
    CHECK_EQ_U(pkt.ack, 0xffffffffu);
    CHECK_EQ_U(pkt.tcp_flags, 0xff);
    CHECK_EQ_U(pkt.win, 0);

    /* data offset 4 and 0: below the 20-byte minimum */
    memcpy(f, raw_v4, sizeof(f));
    f[32] = 0x40;
    CHECK_EQ_U(run(f, sizeof(f), sizeof(f)), DECODE_INVALID);
    f[32] = 0x00;
    CHECK_EQ_U(run(f, sizeof(f), sizeof(f)), DECODE_INVALID);
    CHECK_EQ_U(dec.counters[DC_BAD_TCP_HLEN], 2);
    /* data offset 7 (28 bytes) in a 24-byte segment: beyond the datagram */
    f[32] = 0x70;
    CHECK_EQ_U(run(f, sizeof(f), sizeof(f)), DECODE_INVALID);
    CHECK_EQ_U(dec.counters[DC_BAD_TCP_HLEN], 3);
    /* data offset 6: the 4 bytes are options, no payload */
    f[32] = 0x60;
    CHECK_EQ_U(run(f, sizeof(f), sizeof(f)), DECODE_OK);
    CHECK_EQ_U(pkt.payload_len, 0);
    CHECK_EQ_U(pkt.payload_wire, 0);

    /* data offset 8 with 12 option bytes; capture cut inside the options */
    static const uint8_t tcp_opts[] = {
        0x45, 0x00, 0x00, 0x38, /* total length 56 */
        0x00, 0x01, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
        0x0a, 0x00, 0x00, 0x01, 0xc0, 0xa8, 0x01, 0x02,
        0xc3, 0x50, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x07, 0xd0,
        0x80, 0x10, 0x01, 0xf5, /* data offset 8 (32 bytes), ACK, window 501 */
        0x00, 0x00, 0x00, 0x00,
        0x01, 0x01, 0x08, 0x0a, /* NOP NOP timestamps */
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
        'a', 'b', 'c', 'd'};
    CHECK_EQ_U(run(tcp_opts, sizeof(tcp_opts), sizeof(tcp_opts)), DECODE_OK);
    CHECK_EQ_U(pkt.payload_len, 4);
    CHECK(memcmp(pkt.payload, "abcd", 4) == 0);
    uint64_t t0 = dec.counters[DC_TRUNC_TCP];
    CHECK_EQ_U(run(tcp_opts, 46, sizeof(tcp_opts)), DECODE_TRUNC);
    CHECK_EQ_U(dec.counters[DC_TRUNC_TCP], t0 + 1);

    /* snaplen cut after the headers: OK with payload_len < payload_wire */
    static uint8_t big[20 + 20 + 1400];
    memcpy(big, raw_v4, 40);
    big[2] = (uint8_t)(sizeof(big) >> 8); /* total length 1440 */
    big[3] = (uint8_t)(sizeof(big) & 0xff);
    memset(big + 40, 'z', 1400);
    CHECK_EQ_U(run(big, 96, sizeof(big)), DECODE_OK);
    CHECK_EQ_U(pkt.ip_len, 1440);
    CHECK_EQ_U(pkt.payload_len, 56);
    CHECK_EQ_U(pkt.payload_wire, 1400);
    CHECK_EQ_U(pkt.caplen, 96);
    CHECK_EQ_U(pkt.wirelen, 1440);
    /* the same capture claiming its full length is a truncated datagram */
    CHECK_EQ_U(run(big, 96, 96), DECODE_TRUNC);
}

static void test_udp_lengths(void)
{
    uint8_t f[sizeof(raw_v6)];
    fresh(DLT_RAW);
    /* UDP length 7 and 0 on IPv4 (built from the IPv6 case's UDP header) */
    static const uint8_t v4_udp[] = {
        0x45, 0x00, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00,
        0x40, 0x11, 0x00, 0x00, /* UDP */
        0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
        0x00, 0x35, 0xd4, 0x31,
        0x00, 0x0c, 0x00, 0x00, /* length 12 */
        'w', 'x', 'y', 'z'};
    uint8_t g[sizeof(v4_udp)];
    memcpy(g, v4_udp, sizeof(g));
    CHECK_EQ_U(run(g, sizeof(g), sizeof(g)), DECODE_OK);
    CHECK_EQ_U(pkt.payload_len, 4);
    g[25] = 7;
    CHECK_EQ_U(run(g, sizeof(g), sizeof(g)), DECODE_INVALID);
    CHECK_EQ_U(dec.counters[DC_BAD_UDP_LEN], 1);
    g[25] = 0;
    CHECK_EQ_U(run(g, sizeof(g), sizeof(g)), DECODE_INVALID);
    CHECK_EQ_U(dec.counters[DC_BAD_UDP_LEN], 2);
    /* length 10 < datagram: payload ends where UDP says */
    g[25] = 10;
    CHECK_EQ_U(run(g, sizeof(g), sizeof(g)), DECODE_OK);
    CHECK_EQ_U(pkt.payload_len, 2);
    CHECK_EQ_U(pkt.payload_wire, 2);
    /* length 100 > datagram: the datagram bounds it */
    g[25] = 100;
    CHECK_EQ_U(run(g, sizeof(g), sizeof(g)), DECODE_OK);
    CHECK_EQ_U(pkt.payload_len, 4);
    CHECK_EQ_U(pkt.payload_wire, 4);
    /* exactly 8: empty payload */
    memcpy(g, v4_udp, sizeof(g));
    g[3] = 28;
    g[25] = 8;
    CHECK_EQ_U(run(g, 28, 28), DECODE_OK);
    CHECK_EQ_U(pkt.payload_len, 0);
    CHECK_EQ_U(pkt.payload_wire, 0);
    /* 7 bytes of UDP header: truncated */
    g[3] = 27;
    CHECK_EQ_U(run(g, 27, 27), DECODE_TRUNC);
    CHECK_EQ_U(dec.counters[DC_TRUNC_UDP], 1);

    /* IPv6: length 0 is allowed (jumbogram convention): the datagram bounds it */
    memcpy(f, raw_v6, sizeof(f));
    f[44] = 0;
    f[45] = 0;
    CHECK_EQ_U(run(f, sizeof(f), sizeof(f)), DECODE_OK);
    CHECK_EQ_U(pkt.payload_len, 4);
    CHECK_EQ_U(pkt.payload_wire, 4);
    f[45] = 7;
    CHECK_EQ_U(run(f, sizeof(f), sizeof(f)), DECODE_INVALID);
    CHECK_EQ_U(dec.counters[DC_BAD_UDP_LEN], 3);
}

/* IPv4 fragments end to end through decode_packet. */
static void test_ipv4_fragments(void)
{
    /* a TCP segment of 20 + 8 bytes sent as 24 + 4 */
    static const uint8_t frag1[] = {
        0x45, 0x00, 0x00, 0x2c, /* total length 44 (20 + 24) */
        0xab, 0xcd, 0x20, 0x00, /* id 0xabcd, MF, offset 0 */
        0x40, 0x06, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x01, 0xc0, 0xa8, 0x01, 0x02,
        TCP_50000_80, 'a', 'b', 'c', 'd'};
    static const uint8_t frag2[] = {
        0x45, 0x00, 0x00, 0x18, /* total length 24 (20 + 4) */
        0xab, 0xcd, 0x00, 0x03, /* id 0xabcd, offset 3 (24 bytes), last */
        0x40, 0x06, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x01, 0xc0, 0xa8, 0x01, 0x02,
        'e', 'f', 'g', 'h'};
    fresh(DLT_RAW);
    CHECK_EQ_U(run(frag2, sizeof(frag2), sizeof(frag2)), DECODE_HELD);
    CHECK_EQ_U(run(frag1, sizeof(frag1), sizeof(frag1)), DECODE_OK);
    CHECK_EQ_U(pkt.reassembled, 1);
    CHECK_EQ_U(pkt.proto, IPPROTO_TCP_);
    CHECK_EQ_U(pkt.sport, 50000);
    CHECK_EQ_U(pkt.seq, 1000);
    CHECK_EQ_U(pkt.ip_len, 48);
    CHECK_EQ_U(pkt.payload_len, 8);
    CHECK_EQ_U(pkt.payload_wire, 8);
    CHECK(memcmp(pkt.payload, "abcdefgh", 8) == 0);
    CHECK_EQ_U(dec.counters[DC_FRAGMENTS], 2);
    CHECK_EQ_U(dec.counters[DC_FRAG_REASSEMBLED], 1);
    CHECK_EQ_U(dec.counters[DC_TCP], 1);

    /* a middle fragment whose length is not a multiple of 8 is invalid */
    uint8_t f[sizeof(frag1)];
    memcpy(f, frag1, sizeof(f));
    f[3] = 0x2b; /* total length 43: 23 payload bytes with MF set */
    CHECK_EQ_U(run(f, 43, 43), DECODE_INVALID);
    CHECK_EQ_U(dec.counters[DC_FRAG_INVALID], 1);
    /* offset 8191*8 + 24 bytes runs past 65535 */
    memcpy(f, frag1, sizeof(f));
    f[6] = 0x1f;
    f[7] = 0xff;
    CHECK_EQ_U(run(f, sizeof(f), sizeof(f)), DECODE_INVALID);
    CHECK_EQ_U(dec.counters[DC_FRAG_INVALID], 2);
    /* a snaplen-cut fragment cannot be reassembled */
    CHECK_EQ_U(run(frag1, 30, sizeof(frag1)), DECODE_TRUNC);
}

static void test_counter_names(void)
{
    for (int i = 0; i < DC__COUNT; i++) {
        const char *n = decode_counter_name((enum decode_counter)i);
        CHECK(n != NULL && n[0] != '\0' && strcmp(n, "?") != 0);
        for (int j = 0; j < i; j++)
            CHECK(strcmp(n, decode_counter_name((enum decode_counter)j)) != 0);
    }
    CHECK_STR(decode_counter_name(DC__COUNT), "?");
    CHECK_STR(decode_counter_name(DC_PACKETS), "packets");
}

int main(void)
{
    test_link_types();
    test_truncation_points();
    test_unsupported_and_non_ip();
    test_deep_stacks();
    test_ipv4_options();
    test_ipv4_errors();
    test_ethernet_padding();
    test_ipv6_ext();
    test_icmp();
    test_tcp_fields_and_errors();
    test_udp_lengths();
    test_ipv4_fragments();
    test_counter_names();
    if (dec_live)
        decoder_release(&dec);
    return test_done();
}
