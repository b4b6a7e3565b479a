/*
 * summary: link, network and transport decoding of one captured packet
 *
 * References: IEEE 802.3 / 802.1Q / 802.1ad, RFC 3032 (MPLS), RFC 2516
 * (PPPoE), RFC 791 (IPv4), RFC 8200 (IPv6), RFC 9293 (TCP), RFC 768 (UDP),
 * RFC 792 / RFC 4443 (ICMP, ICMPv6), tcpdump's linktypes list (SLL, SLL2,
 * NULL, LOOP, RAW).
 *
 * decode_packet() reads only through the rd cursor. Every packet it cannot
 * use is counted under one reason (truncated vs invalid vs unsupported,
 * style.md point 7) and skipped. IP fragments are reassembled (ipfrag.h).
 */
#ifndef VIGIL_DECODE_DECODE_H
#define VIGIL_DECODE_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

struct ipfrag;

/* Counters, one per reason; names in decode_counter_name(). */
enum decode_counter {
    DC_PACKETS,
    DC_BYTES,
    DC_IPV4,
    DC_IPV6,
    DC_TCP,
    DC_UDP,
    DC_ICMP,
    DC_ICMP6,
    DC_OTHER_IP_PROTO,
    DC_NON_IP,
    DC_VLAN,
    DC_MPLS,
    DC_PPPOE,
    DC_SNAPLEN_CUT,
    DC_TRUNC_LINK,
    DC_TRUNC_VLAN,
    DC_TRUNC_MPLS,
    DC_TRUNC_PPPOE,
    DC_TRUNC_IPV4,
    DC_TRUNC_IPV6,
    DC_TRUNC_IPV6_EXT,
    DC_TRUNC_TCP,
    DC_TRUNC_UDP,
    DC_TRUNC_ICMP,
    DC_BAD_IP_VERSION,
    DC_BAD_IPV4_HLEN,
    DC_BAD_IPV4_LEN,
    DC_BAD_TCP_HLEN,
    DC_BAD_UDP_LEN,
    DC_BAD_LINK,
    DC_TOO_DEEP,
    DC_UNSUPPORTED_LINKTYPE,
    DC_BAD_TIMESTAMP,
    DC_FRAGMENTS,
    DC_FRAG_REASSEMBLED,
    DC_FRAG_DROPPED,
    DC_FRAG_INVALID,
    DC__COUNT
};

const char *decode_counter_name(enum decode_counter c);

enum decode_result {
    DECODE_OK,      /* out is a usable IP packet */
    DECODE_SKIP,    /* not for us (ARP, LLC, an unknown ethertype): counted */
    DECODE_HELD,    /* a fragment kept for reassembly */
    DECODE_TRUNC,   /* ran out of captured bytes: counted */
    DECODE_INVALID, /* a header field is impossible: counted */
};

/* TCP flag bits as on the wire. */
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PUSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20
#define TH_ECE 0x40
#define TH_CWR 0x80

#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_ICMPV6_ 58

/*
 * One decoded packet. Pointers borrow from the capture buffer (or from the
 * reassembler, for a reassembled datagram) and are valid only until the
 * next decode_packet() call.
 */
struct packet {
    int64_t ts;        /* microseconds since the epoch */
    uint32_t caplen;
    uint32_t wirelen;
    uint16_t vlan;       /* outer 802.1Q/ad id, 0 if none */
    uint16_t inner_vlan; /* second tag, 0 if none */
    uint8_t ipver;       /* 4 or 6 */
    uint8_t proto;       /* transport protocol after IPv6 extension headers */
    uint8_t tcp_flags;
    uint8_t icmp_type;
    uint8_t icmp_code;
    uint8_t reassembled; /* 1 if built from fragments */
    struct addr src;
    struct addr dst;
    uint16_t sport; /* 0 for ICMP */
    uint16_t dport;
    uint32_t seq;
    uint32_t ack;
    uint16_t win;
    uint32_t ip_len;       /* IP datagram length per its header (Zeek's ip_bytes) */
    const uint8_t *payload; /* transport payload, captured bytes only */
    uint32_t payload_len;   /* captured payload bytes */
    uint32_t payload_wire;  /* payload bytes per the headers (>= payload_len) */
};

struct decoder {
    int linktype; /* DLT_* as libpcap reports it */
    uint64_t counters[DC__COUNT];
    struct ipfrag *frag;
};

/* Sets up a decoder for a link type; returns 0, or -1 if unsupported. */
int decoder_init(struct decoder *d, int linktype) __attribute__((warn_unused_result));
/* Switches link type between files, keeping counters and fragments. */
int decoder_set_linktype(struct decoder *d, int linktype) __attribute__((warn_unused_result));
void decoder_release(struct decoder *d);
/* True if the link type is one decode_packet() understands. */
int decoder_linktype_supported(int linktype);

/*
 * Decodes one captured frame (data, caplen bytes of a wirelen-byte frame,
 * captured at ts microseconds) into out. data is borrowed.
 */
enum decode_result decode_packet(struct decoder *d, int64_t ts, const uint8_t *data,
                                 uint32_t caplen, uint32_t wirelen, struct packet *out);

#endif
