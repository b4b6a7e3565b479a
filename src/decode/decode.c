/*
 * summary: L2-L4 decoding through the rd cursor, with per-reason counters
 *
 * The link layer is peeled (Ethernet with any stack of 802.1Q/802.1ad tags,
 * MPLS label stacks, PPPoE sessions; Linux SLL/SLL2; BSD NULL/LOOP; raw IP)
 * until an IPv4 or IPv6 header is found; DECODE_MAX_ENCAP bounds how many
 * layers one frame may stack so a crafted frame cannot loop us.
 */
#include "decode/decode.h"

#include <pcap/dlt.h>
#include <string.h>

#include "decode/ipfrag.h"
#include "util/rd.h"

#define DECODE_MAX_ENCAP 16

#define ETH_IPV4 0x0800
#define ETH_ARP 0x0806
#define ETH_VLAN 0x8100
#define ETH_QINQ 0x88a8
#define ETH_QINQ_OLD 0x9100
#define ETH_IPV6 0x86dd
#define ETH_MPLS_UC 0x8847
#define ETH_MPLS_MC 0x8848
#define ETH_PPPOE_DISC 0x8863
#define ETH_PPPOE_SESS 0x8864

#define PPP_IPV4 0x0021
#define PPP_IPV6 0x0057

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

static const char *const counter_names[DC__COUNT] = {
    [DC_PACKETS] = "packets",
    [DC_BYTES] = "bytes",
    [DC_IPV4] = "ipv4",
    [DC_IPV6] = "ipv6",
    [DC_TCP] = "tcp",
    [DC_UDP] = "udp",
    [DC_ICMP] = "icmp",
    [DC_ICMP6] = "icmp6",
    [DC_OTHER_IP_PROTO] = "other_ip_proto",
    [DC_NON_IP] = "non_ip",
    [DC_VLAN] = "vlan_tagged",
    [DC_MPLS] = "mpls",
    [DC_PPPOE] = "pppoe",
    [DC_SNAPLEN_CUT] = "snaplen_cut",
    [DC_TRUNC_LINK] = "truncated_link",
    [DC_TRUNC_VLAN] = "truncated_vlan",
    [DC_TRUNC_MPLS] = "truncated_mpls",
    [DC_TRUNC_PPPOE] = "truncated_pppoe",
    [DC_TRUNC_IPV4] = "truncated_ipv4",
    [DC_TRUNC_IPV6] = "truncated_ipv6",
    [DC_TRUNC_IPV6_EXT] = "truncated_ipv6_ext",
    [DC_TRUNC_TCP] = "truncated_tcp",
    [DC_TRUNC_UDP] = "truncated_udp",
    [DC_TRUNC_ICMP] = "truncated_icmp",
    [DC_BAD_IP_VERSION] = "bad_ip_version",
    [DC_BAD_IPV4_HLEN] = "bad_ipv4_header_len",
    [DC_BAD_IPV4_LEN] = "bad_ipv4_total_len",
    [DC_BAD_TCP_HLEN] = "bad_tcp_header_len",
    [DC_BAD_UDP_LEN] = "bad_udp_len",
    [DC_BAD_LINK] = "bad_link_header",
    [DC_TOO_DEEP] = "too_many_encapsulations",
    [DC_UNSUPPORTED_LINKTYPE] = "unsupported_linktype",
    [DC_BAD_TIMESTAMP] = "bad_timestamp",
    [DC_FRAGMENTS] = "ip_fragments",
    [DC_FRAG_REASSEMBLED] = "ip_reassembled",
    [DC_FRAG_DROPPED] = "ip_fragments_dropped",
    [DC_FRAG_INVALID] = "ip_fragments_invalid",
};

const char *decode_counter_name(enum decode_counter c)
{
    if ((unsigned)c >= DC__COUNT)
        return "?";
    return counter_names[c];
}

int decoder_linktype_supported(int linktype)
{
    switch (linktype) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_NULL:
    case DLT_LOOP:
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
    case DLT_PPP:
        return 1;
    default:
        /* LINKTYPE_RAW (101) is mapped to DLT_RAW by libpcap, but be lenient */
        return linktype == 101 || linktype == 12 || linktype == 14;
    }
}

int decoder_init(struct decoder *d, int linktype)
{
    memset(d, 0, sizeof(*d));
    d->frag = ipfrag_new();
    return decoder_set_linktype(d, linktype);
}

int decoder_set_linktype(struct decoder *d, int linktype)
{
    d->linktype = linktype;
    return decoder_linktype_supported(linktype) ? 0 : -1;
}

void decoder_release(struct decoder *d)
{
    ipfrag_free(d->frag);
    d->frag = NULL;
}

static enum decode_result count(struct decoder *d, enum decode_counter c, enum decode_result r)
{
    d->counters[c]++;
    return r;
}

static enum decode_result decode_transport(struct decoder *d, struct packet *out,
                                           const uint8_t *p, size_t caplen, size_t wirelen);

/*
 * IPv4 (RFC 791). caplen: bytes captured from the IP header on; the
 * datagram is trimmed to its total length (Ethernet pads short frames).
 */
static enum decode_result decode_ipv4(struct decoder *d, struct packet *out, struct rd *r)
{
    const uint8_t *ip = r->p;
    size_t avail = rd_left(r);
    uint8_t vihl = rd_u8(r);
    if (!rd_ok(r))
        return count(d, DC_TRUNC_IPV4, DECODE_TRUNC);
    if ((vihl >> 4) != 4)
        return count(d, DC_BAD_IP_VERSION, DECODE_INVALID);
    size_t hlen = (size_t)(vihl & 0x0f) * 4;
    if (hlen < 20)
        return count(d, DC_BAD_IPV4_HLEN, DECODE_INVALID);
    rd_skip(r, 1); /* tos */
    size_t total = rd_be16(r);
    uint16_t id = rd_be16(r);
    uint16_t fragw = rd_be16(r);
    rd_skip(r, 1); /* ttl */
    uint8_t proto = rd_u8(r);
    rd_skip(r, 2); /* checksum */
    const uint8_t *s = rd_bytes(r, 4);
    const uint8_t *t = rd_bytes(r, 4);
    if (!rd_ok(r) || hlen > avail)
        return count(d, DC_TRUNC_IPV4, DECODE_TRUNC);
    if (total == 0)
        total = avail; /* TCP segmentation offload leaves 0: use what the frame holds */
    if (total < hlen)
        return count(d, DC_BAD_IPV4_LEN, DECODE_INVALID);

    d->counters[DC_IPV4]++;
    out->ipver = 4;
    addr_from_v4(&out->src, s);
    addr_from_v4(&out->dst, t);
    out->proto = proto;
    out->ip_len = (uint32_t)total;

    size_t cap = total <= avail ? total : avail; /* captured bytes of this datagram */
    const uint8_t *pl = ip + hlen;
    size_t plcap = cap - hlen;
    size_t plwire = total - hlen;

    uint32_t off = (uint32_t)(fragw & 0x1fff) * 8;
    int more = (fragw & 0x2000) != 0;
    if (off || more) {
        d->counters[DC_FRAGMENTS]++;
        if (plcap < plwire)
            return count(d, DC_TRUNC_IPV4, DECODE_TRUNC);
        const uint8_t *whole;
        size_t wlen;
        uint8_t first_proto;
        enum ipfrag_result fr =
            ipfrag_add(d->frag, out->ts, &out->src, &out->dst, id, proto, proto, off, more, pl,
                       plcap, &whole, &wlen, &first_proto, &d->counters[DC_FRAG_DROPPED]);
        if (fr == IPFRAG_INVALID)
            return count(d, DC_FRAG_INVALID, DECODE_INVALID);
        if (fr == IPFRAG_HELD)
            return DECODE_HELD;
        d->counters[DC_FRAG_REASSEMBLED]++;
        out->reassembled = 1;
        out->ip_len = (uint32_t)(hlen + wlen);
        return decode_transport(d, out, whole, wlen, wlen);
    }
    if (cap < total && out->caplen >= out->wirelen)
        return count(d, DC_TRUNC_IPV4, DECODE_TRUNC); /* header claims more than the frame */
    return decode_transport(d, out, pl, plcap, plwire);
}

/*
 * Walks IPv6 extension headers (RFC 8200 section 4) from x, whose datagram
 * payload is wire_left bytes on the wire, starting with next header nh.
 * After fragments are reassembled the walk starts again on the whole
 * payload (reassembled = 1): the Fragmentable Part may begin with headers
 * such as Destination Options, and a second Fragment header is invalid.
 */
static enum decode_result ipv6_walk(struct decoder *d, struct packet *out, struct rd x,
                                    size_t wire_left, uint8_t nh, int reassembled)
{
    size_t before = 0; /* extension header bytes walked so far */
    for (int depth = 0;; depth++) {
        if (depth >= DECODE_MAX_ENCAP)
            return count(d, DC_TOO_DEEP, DECODE_INVALID);
        size_t hl;
        switch (nh) {
        case 0:   /* hop-by-hop */
        case 43:  /* routing */
        case 60:  /* destination options */
        case 135: /* mobility */
        case 139: /* HIP */
        case 140: /* shim6 */
        case 51:  /* AH: length in 4-octet units, minus 2 */
        {
            uint8_t next = rd_peek(&x, 0);
            size_t units = rd_peek(&x, 1);
            hl = nh == 51 ? (units + 2) * 4 : (units + 1) * 8;
            rd_skip(&x, hl);
            if (!rd_ok(&x) || hl > wire_left)
                return count(d, DC_TRUNC_IPV6_EXT, DECODE_TRUNC);
            wire_left -= hl;
            before += hl;
            nh = next;
            continue;
        }
        case 44: /* fragment */
        {
            uint8_t next = rd_u8(&x);
            rd_skip(&x, 1);
            uint16_t offw = rd_be16(&x);
            uint32_t id = rd_be32(&x);
            if (!rd_ok(&x) || wire_left < 8)
                return count(d, DC_TRUNC_IPV6_EXT, DECODE_TRUNC);
            wire_left -= 8;
            uint32_t off = (uint32_t)(offw & 0xfff8);
            int more = offw & 1;
            nh = next;
            if (!off && !more)
                continue; /* atomic fragment (RFC 6946) */
            if (reassembled)
                return count(d, DC_FRAG_INVALID, DECODE_INVALID); /* fragments in fragments */
            d->counters[DC_FRAGMENTS]++;
            if (rd_left(&x) < wire_left)
                return count(d, DC_TRUNC_IPV6, DECODE_TRUNC);
            const uint8_t *whole;
            size_t wlen;
            uint8_t first_next;
            /* keyed on (src, dst, id) alone: Next Header may differ between fragments */
            enum ipfrag_result fr = ipfrag_add(d->frag, out->ts, &out->src, &out->dst, id, 0, next,
                                               off, more, x.p, wire_left, &whole, &wlen,
                                               &first_next, &d->counters[DC_FRAG_DROPPED]);
            if (fr == IPFRAG_INVALID)
                return count(d, DC_FRAG_INVALID, DECODE_INVALID);
            if (fr == IPFRAG_HELD)
                return DECODE_HELD;
            d->counters[DC_FRAG_REASSEMBLED]++;
            out->reassembled = 1;
            /* RFC 8200 section 4.5: the reassembled packet has no Fragment header */
            out->ip_len = (uint32_t)(40 + before + wlen);
            return ipv6_walk(d, out, rd_make(whole, wlen), wlen, first_next, 1);
        }
        default:
            out->proto = nh;
            return decode_transport(d, out, x.p, rd_left(&x), wire_left);
        }
    }
}

/* IPv6 (RFC 8200) and its extension headers (section 4). */
static enum decode_result decode_ipv6(struct decoder *d, struct packet *out, struct rd *r)
{
    uint32_t vtf = rd_be32(r);
    size_t plen = rd_be16(r);
    uint8_t nh = rd_u8(r);
    rd_skip(r, 1); /* hop limit */
    const uint8_t *s = rd_bytes(r, 16);
    const uint8_t *t = rd_bytes(r, 16);
    if (!rd_ok(r))
        return count(d, DC_TRUNC_IPV6, DECODE_TRUNC);
    if ((vtf >> 28) != 6)
        return count(d, DC_BAD_IP_VERSION, DECODE_INVALID);
    d->counters[DC_IPV6]++;
    out->ipver = 6;
    addr_from_v6(&out->src, s);
    addr_from_v6(&out->dst, t);
    out->ip_len = (uint32_t)(40 + plen);

    size_t avail = rd_left(r);
    if (avail > plen)
        avail = plen; /* link padding */
    else if (avail < plen && out->caplen >= out->wirelen)
        return count(d, DC_TRUNC_IPV6, DECODE_TRUNC);
    struct rd x = rd_make(r->p, avail);
    return ipv6_walk(d, out, x, plen, nh, 0);
}

/*
 * Ethernet pads frames to 60 bytes; some capture rewriting tools then grow
 * the IPv4 total length over the padding, so a bare ACK seems to carry up to
 * 6 bytes of zeros at the sequence number the next real segment uses. Such
 * a segment (IPv4 datagram of at most 46 bytes, only ACK set, payload all
 * zeros) is taken as the bare ACK it was, so the zeros never reach a
 * parser ahead of the real bytes.
 */
static int tcp_is_padding(const struct packet *p)
{
    if (p->ipver != 4 || p->ip_len > 46 || p->payload_len == 0 || p->payload_len > 6 ||
        p->payload_len != p->payload_wire || (p->tcp_flags & 0x3f) != TH_ACK)
        return 0;
    for (uint32_t i = 0; i < p->payload_len; i++)
        if (p->payload[i])
            return 0;
    return 1;
}

/* TCP, UDP, ICMP, ICMPv6 headers; other protocols are kept as-is. */
static enum decode_result decode_transport(struct decoder *d, struct packet *out,
                                           const uint8_t *p, size_t caplen, size_t wirelen)
{
    struct rd r = rd_make(p, caplen);
    if (wirelen < caplen)
        wirelen = caplen;
    switch (out->proto) {
    case IPPROTO_TCP_: {
        out->sport = rd_be16(&r);
        out->dport = rd_be16(&r);
        out->seq = rd_be32(&r);
        out->ack = rd_be32(&r);
        uint8_t off = rd_u8(&r);
        out->tcp_flags = rd_u8(&r);
        out->win = rd_be16(&r);
        if (!rd_ok(&r))
            return count(d, DC_TRUNC_TCP, DECODE_TRUNC);
        size_t hl = (size_t)(off >> 4) * 4;
        if (hl < 20)
            return count(d, DC_BAD_TCP_HLEN, DECODE_INVALID);
        if (hl > wirelen)
            return count(d, DC_BAD_TCP_HLEN, DECODE_INVALID);
        if (hl > caplen)
            return count(d, DC_TRUNC_TCP, DECODE_TRUNC);
        d->counters[DC_TCP]++;
        out->payload = p + hl;
        out->payload_len = (uint32_t)(caplen - hl);
        out->payload_wire = (uint32_t)(wirelen - hl);
        if (tcp_is_padding(out))
            out->payload_len = out->payload_wire = 0;
        return DECODE_OK;
    }
    case IPPROTO_UDP_: {
        out->sport = rd_be16(&r);
        out->dport = rd_be16(&r);
        size_t ulen = rd_be16(&r);
        rd_skip(&r, 2);
        if (!rd_ok(&r))
            return count(d, DC_TRUNC_UDP, DECODE_TRUNC);
        if (ulen < 8 && !(ulen == 0 && out->ipver == 6)) /* 0: IPv6 jumbogram */
            return count(d, DC_BAD_UDP_LEN, DECODE_INVALID);
        if (ulen == 0 || ulen > wirelen)
            ulen = wirelen;
        d->counters[DC_UDP]++;
        out->payload = p + 8;
        out->payload_wire = (uint32_t)(ulen - 8);
        out->payload_len = (uint32_t)((ulen < caplen ? ulen : caplen) - 8);
        return DECODE_OK;
    }
    case IPPROTO_ICMP_:
    case IPPROTO_ICMPV6_: {
        out->icmp_type = rd_u8(&r);
        out->icmp_code = rd_u8(&r);
        if (!rd_ok(&r))
            return count(d, DC_TRUNC_ICMP, DECODE_TRUNC);
        d->counters[out->proto == IPPROTO_ICMP_ ? DC_ICMP : DC_ICMP6]++;
        out->payload = p;
        out->payload_len = (uint32_t)caplen;
        out->payload_wire = (uint32_t)wirelen;
        return DECODE_OK;
    }
    default:
        d->counters[DC_OTHER_IP_PROTO]++;
        out->payload = p;
        out->payload_len = (uint32_t)caplen;
        out->payload_wire = (uint32_t)wirelen;
        return DECODE_OK;
    }
}

/* Dispatches on the first nibble: for raw IP and MPLS payloads. */
static enum decode_result decode_ip_any(struct decoder *d, struct packet *out, struct rd *r)
{
    uint8_t v = rd_peek(r, 0);
    if (!rd_ok(r))
        return count(d, DC_TRUNC_IPV4, DECODE_TRUNC);
    if ((v >> 4) == 4)
        return decode_ipv4(d, out, r);
    if ((v >> 4) == 6)
        return decode_ipv6(d, out, r);
    return count(d, DC_BAD_IP_VERSION, DECODE_INVALID);
}

static enum decode_result decode_ethertype(struct decoder *d, struct packet *out, struct rd *r,
                                           uint16_t type, int depth);

/* Ethernet II / 802.3 header (the MAC addresses are skipped). */
static enum decode_result decode_ether(struct decoder *d, struct packet *out, struct rd *r,
                                       int depth)
{
    rd_skip(r, 12);
    uint16_t type = rd_be16(r);
    if (!rd_ok(r))
        return count(d, DC_TRUNC_LINK, DECODE_TRUNC);
    return decode_ethertype(d, out, r, type, depth + 1);
}

static enum decode_result decode_ethertype(struct decoder *d, struct packet *out, struct rd *r,
                                           uint16_t type, int depth)
{
    int tags = 0; /* 802.1Q/ad tags seen: the first two are kept */
    for (;;) {
        if (depth >= DECODE_MAX_ENCAP)
            return count(d, DC_TOO_DEEP, DECODE_INVALID);
        depth++;
        switch (type) {
        case ETH_IPV4:
            return decode_ipv4(d, out, r);
        case ETH_IPV6:
            return decode_ipv6(d, out, r);
        case ETH_VLAN:
        case ETH_QINQ:
        case ETH_QINQ_OLD: {
            uint16_t tci = rd_be16(r);
            type = rd_be16(r);
            if (!rd_ok(r))
                return count(d, DC_TRUNC_VLAN, DECODE_TRUNC);
            if (tags == 0) {
                d->counters[DC_VLAN]++;
                out->vlan = tci & 0x0fff;
            } else if (tags == 1) {
                out->inner_vlan = tci & 0x0fff;
            }
            tags++;
            continue;
        }
        case ETH_MPLS_UC:
        case ETH_MPLS_MC: {
            d->counters[DC_MPLS]++;
            uint32_t lse;
            int n = 0;
            do {
                lse = rd_be32(r);
                if (!rd_ok(r))
                    return count(d, DC_TRUNC_MPLS, DECODE_TRUNC);
                if (++n > DECODE_MAX_ENCAP)
                    return count(d, DC_TOO_DEEP, DECODE_INVALID);
            } while (!(lse & 0x100)); /* bottom of stack */
            uint8_t first = rd_peek(r, 0);
            if (!rd_ok(r))
                return count(d, DC_TRUNC_MPLS, DECODE_TRUNC);
            if ((first >> 4) == 4 || (first >> 4) == 6)
                return decode_ip_any(d, out, r);
            if (first >> 4 == 0) {
                /* RFC 4448 pseudowire: a control word, then an Ethernet frame */
                rd_skip(r, 4);
                return decode_ether(d, out, r, depth);
            }
            return count(d, DC_NON_IP, DECODE_SKIP);
        }
        case ETH_PPPOE_SESS: {
            d->counters[DC_PPPOE]++;
            uint8_t vt = rd_u8(r);
            uint8_t code = rd_u8(r);
            rd_skip(r, 2); /* session id */
            size_t len = rd_be16(r);
            uint16_t pp = rd_be16(r);
            if (!rd_ok(r))
                return count(d, DC_TRUNC_PPPOE, DECODE_TRUNC);
            if (vt != 0x11 || code != 0 || len < 2)
                return count(d, DC_BAD_LINK, DECODE_INVALID);
            if (pp == PPP_IPV4)
                return decode_ipv4(d, out, r);
            if (pp == PPP_IPV6)
                return decode_ipv6(d, out, r);
            return count(d, DC_NON_IP, DECODE_SKIP);
        }
        default:
            return count(d, DC_NON_IP, DECODE_SKIP);
        }
    }
}

/* Linux cooked capture v1 (16-byte header) and v2 (20-byte header). */
static enum decode_result decode_sll(struct decoder *d, struct packet *out, struct rd *r, int v2)
{
    uint16_t proto, hatype;
    if (v2) {
        proto = rd_be16(r);
        rd_skip(r, 2 + 4); /* reserved, ifindex */
        hatype = rd_be16(r);
        rd_skip(r, 1 + 1 + 8);
    } else {
        rd_skip(r, 2); /* packet type */
        hatype = rd_be16(r);
        rd_skip(r, 2 + 8);
        proto = rd_be16(r);
    }
    if (!rd_ok(r))
        return count(d, DC_TRUNC_LINK, DECODE_TRUNC);
    (void)hatype;
    return decode_ethertype(d, out, r, proto, 1);
}

/* BSD loopback: a 4-byte address family, host order (NULL) or network order (LOOP). */
static enum decode_result decode_null(struct decoder *d, struct packet *out, struct rd *r)
{
    const uint8_t *f = rd_bytes(r, 4);
    if (!f)
        return count(d, DC_TRUNC_LINK, DECODE_TRUNC);
    /* The family is small, so whichever end holds the non-zero byte tells the order. */
    uint32_t fam = f[0] ? f[0] : f[3];
    switch (fam) {
    case 2: /* AF_INET */
        return decode_ipv4(d, out, r);
    case 10: /* Linux AF_INET6 */
    case 24: /* NetBSD/OpenBSD */
    case 28: /* FreeBSD */
    case 30: /* macOS */
        return decode_ipv6(d, out, r);
    default:
        return count(d, DC_NON_IP, DECODE_SKIP);
    }
}

/* DLT_PPP: optional 0xff 0x03 address/control, then a 1- or 2-byte protocol (RFC 1661). */
static enum decode_result decode_ppp(struct decoder *d, struct packet *out, struct rd *r)
{
    if (rd_peek(r, 0) == 0xff && rd_peek(r, 1) == 0x03)
        rd_skip(r, 2);
    uint16_t pp = rd_u8(r);
    if (!(pp & 1))
        pp = (uint16_t)(pp << 8 | rd_u8(r));
    if (!rd_ok(r))
        return count(d, DC_TRUNC_LINK, DECODE_TRUNC);
    if (pp == PPP_IPV4)
        return decode_ipv4(d, out, r);
    if (pp == PPP_IPV6)
        return decode_ipv6(d, out, r);
    return count(d, DC_NON_IP, DECODE_SKIP);
}

enum decode_result decode_packet(struct decoder *d, int64_t ts, const uint8_t *data,
                                 uint32_t caplen, uint32_t wirelen, struct packet *out)
{
    memset(out, 0, sizeof(*out));
    out->ts = ts;
    out->caplen = caplen;
    out->wirelen = wirelen;
    d->counters[DC_PACKETS]++;
    d->counters[DC_BYTES] += wirelen;
    if (caplen < wirelen)
        d->counters[DC_SNAPLEN_CUT]++;

    struct rd r = rd_make(data, caplen);
    switch (d->linktype) {
    case DLT_EN10MB:
        return decode_ether(d, out, &r, 0);
    case DLT_LINUX_SLL:
        return decode_sll(d, out, &r, 0);
    case DLT_LINUX_SLL2:
        return decode_sll(d, out, &r, 1);
    case DLT_NULL:
    case DLT_LOOP:
        return decode_null(d, out, &r);
    case DLT_PPP:
        return decode_ppp(d, out, &r);
    case DLT_IPV4:
        return decode_ipv4(d, out, &r);
    case DLT_IPV6:
        return decode_ipv6(d, out, &r);
    default:
        if (decoder_linktype_supported(d->linktype))
            return decode_ip_any(d, out, &r); /* raw IP */
        return count(d, DC_UNSUPPORTED_LINKTYPE, DECODE_INVALID);
    }
}
