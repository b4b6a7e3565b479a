/*
 * summary: bidirectional flow table with Zeek-style TCP state, history and timeouts
 *
 * References: RFC 9293 (TCP); Zeek's conn.log documentation for conn_state
 * and history semantics (base/protocols/conn/main.zeek).
 *
 * A flow is keyed on the normalised 5-tuple plus the outer and inner VLAN
 * id. The originator is the side that sent the first packet, except that a
 * first packet which is a SYN-ACK, or a mid-stream packet from a well-known
 * service port to an ephemeral one, makes the other side the originator
 * (history then starts with '^', as in Zeek).
 *
 * Bounds: at most flow_config.max_flows flows are tracked (memory grows in
 * chunks up to that, about 300 bytes a flow plus up to 8 bytes of hash
 * bucket: the bucket array doubles as the live flows do, up to twice
 * max_flows, and is not shrunk). When
 * the table is full, the flow idle the longest is ended early ("evicted")
 * and counted. Timeouts run on packet time only.
 */
#ifndef VIGIL_FLOW_FLOW_H
#define VIGIL_FLOW_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "decode/decode.h"
#include "util/addr.h"

#define FLOW_HISTORY_MAX 31

/* Endpoint states, as Zeek's TCP_ENDPOINT_*. */
enum tcp_ep_state {
    EP_INACTIVE,
    EP_SYN_SENT,
    EP_SYN_ACK_SENT,
    EP_PARTIAL,
    EP_ESTABLISHED,
    EP_CLOSED,
    EP_RESET,
};

enum flow_end {
    FLOW_END_IDLE,      /* inactivity timeout */
    FLOW_END_CLOSED,    /* FIN/RST seen and the close delay passed, or a new SYN reused the tuple */
    FLOW_END_ACTIVE,    /* active timeout: long flow reported and restarted */
    FLOW_END_EVICTED,   /* table full */
    FLOW_END_SHUTDOWN,  /* end of input */
};

struct flow_key {
    struct addr a, b; /* a <= b */
    uint16_t pa, pb;  /* ports belonging to a and b */
    uint16_t vlan, inner_vlan;
    uint8_t proto;
    uint8_t pad[3];
};

struct flow_dir {
    uint64_t pkts;
    uint64_t ip_bytes;      /* sum of IP datagram lengths */
    uint64_t payload_bytes; /* sum of transport payload lengths (wire) */
    int64_t first_ts, last_ts;
    /* TCP sequence tracking for Zeek's seq-based byte counts */
    uint32_t start_seq;
    uint32_t last_rel32;
    uint64_t wraps;
    uint64_t hi_seq; /* highest relative sequence end seen (SYN/FIN count 1) */
    uint64_t hi_ack; /* highest plausible ack of this direction's bytes by the peer */
    uint32_t hist_last_syn, hist_last_fin, hist_last_rst;
    uint16_t hist_seen; /* bit per history code already recorded */
    uint8_t seq_init;
    uint8_t state; /* enum tcp_ep_state */
    uint8_t fin_seen;
};

struct flow {
    struct flow_key key;
    struct addr orig_h, resp_h;
    uint16_t orig_p, resp_p;
    uint16_t vlan, inner_vlan;
    uint8_t proto;
    uint8_t ipver;
    uint8_t ended;
    uint8_t hist_len;
    char history[FLOW_HISTORY_MAX + 1];
    char uid[20];
    int64_t first_ts, last_ts;
    struct flow_dir dir[2]; /* 0: from the originator, 1: from the responder */
    void *app;              /* owned by the application layer (proto/) */
    /* table bookkeeping */
    uint32_t khash; /* key_hash() of key: bucket index and rehashing */
    uint32_t hnext;
    uint32_t lprev, lnext;
    uint8_t list;
};

struct flow_config {
    size_t max_flows;
    int64_t tcp_idle_us;   /* established or partial TCP */
    int64_t tcp_close_us;  /* after FIN from both sides or RST */
    int64_t udp_idle_us;
    int64_t other_idle_us; /* ICMP and other IP protocols */
    int64_t active_us;     /* 0 disables the active timeout */
};

/* The defaults: 1,048,576 flows; TCP 300 s, closed TCP 5 s, UDP 60 s, other 60 s, active 3600 s. */
void flow_config_default(struct flow_config *cfg);

struct flow_hooks {
    void *ctx;
    /* A packet was added to f (dir 0: from the originator). May be NULL. */
    void (*packet)(void *ctx, struct flow *f, int dir, const struct packet *p);
    /* f ends; called once, before f is released. f->app must be freed here. */
    void (*end)(void *ctx, struct flow *f, enum flow_end why);
};

enum flow_stat {
    FS_CREATED,
    FS_END_IDLE,
    FS_END_CLOSED,
    FS_END_ACTIVE,
    FS_END_EVICTED,
    FS_END_SHUTDOWN,
    FS_PEAK,
    FS__COUNT
};

const char *flow_stat_name(enum flow_stat s);

struct flow_table;

/* hooks is copied. Returns NULL only if cfg is unusable. */
struct flow_table *flow_table_new(const struct flow_config *cfg, const struct flow_hooks *hooks);
void flow_table_free(struct flow_table *ft);

/* Adds one decoded packet (runs due timeouts first, on p->ts). */
void flow_table_packet(struct flow_table *ft, const struct packet *p);
/* Runs timeouts up to packet time now without a packet (live capture idle). */
void flow_table_expire(struct flow_table *ft, int64_t now);
/* Ends every flow (FLOW_END_SHUTDOWN), oldest activity first. */
void flow_table_flush(struct flow_table *ft);

size_t flow_table_active(const struct flow_table *ft);
const uint64_t *flow_table_stats(const struct flow_table *ft);

/*
 * Zeek's conn_state for f ("S0", "SF", "REJ", ...): a static string.
 * orig_bytes/resp_bytes as Zeek counts them (TCP: from sequence numbers).
 */
const char *flow_conn_state(const struct flow *f);
uint64_t flow_payload_bytes(const struct flow *f, int dir);

#endif
