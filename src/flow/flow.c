/*
 * summary: the flow table: hashing, LRU timeout lists, TCP endpoint states and history
 *
 * Storage: flows live in chunks of FLOW_CHUNK entries allocated on demand up
 * to max_flows; they are addressed by a 1-based uint32 index so that links
 * are 4 bytes. Buckets chain through flow.hnext. Every live flow sits on one
 * of four LRU lists, one per timeout class, ordered by last activity; since
 * packet time only moves forward (give or take a microsecond), the head of
 * each list is always the next flow to time out in that class.
 */
#include "flow/flow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "util/log.h"

#define FLOW_CHUNK_BITS 12
#define FLOW_CHUNK (1u << FLOW_CHUNK_BITS)
#define NIL 0u

enum lru_list { L_TCP, L_TCP_CLOSING, L_UDP, L_OTHER, L__COUNT };

struct lru {
    uint32_t head, tail;
};

struct flow_table {
    struct flow_config cfg;
    struct flow_hooks hooks;
    struct flow **chunks;
    size_t nchunks;
    uint32_t allocated; /* flows ever allocated (all chunks) */
    uint32_t free_head; /* free list through hnext */
    uint32_t *buckets;
    uint64_t bucket_mask;
    uint64_t bucket_max;  /* the array never grows past this (twice max_flows) */
    size_t active;
    struct lru lru[L__COUNT];
    /*
     * Next-deadline expiry: no flow can time out before next_expiry unless a
     * list's head changed since it was computed (heads_changed), so most
     * packets skip reading the four heads.
     */
    int64_t next_expiry;
    int heads_changed;
    uint64_t stats[FS__COUNT];
};

static const char *const stat_names[FS__COUNT] = {
    [FS_CREATED] = "flows_created",
    [FS_END_IDLE] = "flows_ended_idle",
    [FS_END_CLOSED] = "flows_ended_closed",
    [FS_END_ACTIVE] = "flows_ended_active_timeout",
    [FS_END_EVICTED] = "flows_evicted",
    [FS_END_SHUTDOWN] = "flows_ended_at_end_of_input",
    [FS_PEAK] = "flows_peak",
};

const char *flow_stat_name(enum flow_stat s)
{
    return (unsigned)s < FS__COUNT ? stat_names[s] : "?";
}

void flow_config_default(struct flow_config *cfg)
{
    cfg->max_flows = 1u << 20;
    cfg->tcp_idle_us = 300LL * 1000000;
    cfg->tcp_close_us = 5LL * 1000000;
    cfg->udp_idle_us = 60LL * 1000000;
    cfg->other_idle_us = 60LL * 1000000;
    cfg->active_us = 3600LL * 1000000;
}

static inline struct flow *F(const struct flow_table *ft, uint32_t i)
{
    uint32_t j = i - 1;
    return &ft->chunks[j >> FLOW_CHUNK_BITS][j & (FLOW_CHUNK - 1)];
}

struct flow_table *flow_table_new(const struct flow_config *cfg, const struct flow_hooks *hooks)
{
    if (cfg->max_flows < 1 || cfg->max_flows > (1u << 30))
        return NULL;
    struct flow_table *ft = xcalloc(1, sizeof(*ft));
    ft->cfg = *cfg;
    ft->hooks = *hooks;
    uint64_t nb = 1024;
    while (nb < cfg->max_flows * 2)
        nb <<= 1;
    ft->bucket_max = nb;
    /* start small: a bucket array sized to the live flows stays in the CPU caches */
    nb = nb < 4096 ? nb : 4096;
    ft->buckets = xcalloc(nb, sizeof(uint32_t));
    ft->bucket_mask = nb - 1;
    ft->heads_changed = 1;
    ft->nchunks = (cfg->max_flows + FLOW_CHUNK - 1) / FLOW_CHUNK;
    ft->chunks = xcalloc(ft->nchunks, sizeof(struct flow *));
    return ft;
}

void flow_table_free(struct flow_table *ft)
{
    if (!ft)
        return;
    for (size_t i = 0; i < ft->nchunks; i++)
        free(ft->chunks[i]);
    free(ft->chunks);
    free(ft->buckets);
    free(ft);
}

size_t flow_table_active(const struct flow_table *ft)
{
    return ft->active;
}

const uint64_t *flow_table_stats(const struct flow_table *ft)
{
    return ft->stats;
}

/* ---- LRU lists ---- */

static void lru_unlink(struct flow_table *ft, uint32_t i)
{
    struct flow *f = F(ft, i);
    struct lru *l = &ft->lru[f->list];
    if (f->lprev) {
        F(ft, f->lprev)->lnext = f->lnext;
    } else {
        l->head = f->lnext;
        ft->heads_changed = 1;
    }
    if (f->lnext)
        F(ft, f->lnext)->lprev = f->lprev;
    else
        l->tail = f->lprev;
    f->lprev = f->lnext = NIL;
}

static void lru_append(struct flow_table *ft, uint32_t i, uint8_t list)
{
    struct flow *f = F(ft, i);
    struct lru *l = &ft->lru[list];
    f->list = list;
    f->lnext = NIL;
    f->lprev = l->tail;
    if (l->tail) {
        F(ft, l->tail)->lnext = i;
    } else {
        l->head = i;
        ft->heads_changed = 1;
    }
    l->tail = i;
}

static int64_t list_timeout(const struct flow_table *ft, int list)
{
    switch (list) {
    case L_TCP: return ft->cfg.tcp_idle_us;
    case L_TCP_CLOSING: return ft->cfg.tcp_close_us;
    case L_UDP: return ft->cfg.udp_idle_us;
    default: return ft->cfg.other_idle_us;
    }
}

/* ---- keys and hashing ---- */

/*
 * The ports a packet is keyed and reported under. ICMP has none, so as in
 * Zeek the sender's "port" is the ICMP type and the receiver's is the type
 * of the expected reply (for request/reply pairs) or else the code; a
 * request and its reply thus carry the same pair, mirrored, like a TCP
 * segment and its answer.
 */
static void pkt_ports(const struct packet *p, uint16_t *sp, uint16_t *dp)
{
    if (p->proto != IPPROTO_ICMP_ && p->proto != IPPROTO_ICMPV6_) {
        *sp = p->sport;
        *dp = p->dport;
        return;
    }
    uint8_t t = p->icmp_type;
    int other = -1;
    if (p->proto == IPPROTO_ICMP_) {
        switch (t) {
        case 8: other = 0; break; /* echo */
        case 0: other = 8; break;
        case 13: other = 14; break; /* timestamp */
        case 14: other = 13; break;
        case 15: other = 16; break; /* information */
        case 16: other = 15; break;
        case 17: other = 18; break; /* address mask */
        case 18: other = 17; break;
        }
    } else {
        switch (t) {
        case 128: other = 129; break; /* echo */
        case 129: other = 128; break;
        case 133: other = 134; break; /* router solicitation/advertisement */
        case 134: other = 133; break;
        case 135: other = 136; break; /* neighbour solicitation/advertisement */
        case 136: other = 135; break;
        }
    }
    *sp = t;
    *dp = other >= 0 ? (uint16_t)other : p->icmp_code;
}

static int icmp_is_reply(const struct packet *p)
{
    if (p->proto == IPPROTO_ICMP_)
        return p->icmp_type == 0 || p->icmp_type == 14 || p->icmp_type == 16 || p->icmp_type == 18;
    if (p->proto == IPPROTO_ICMPV6_)
        return p->icmp_type == 129 || p->icmp_type == 134 || p->icmp_type == 136;
    return 0;
}

static void make_key(const struct packet *p, struct flow_key *k)
{
    uint16_t sp, dp;
    pkt_ports(p, &sp, &dp);
    memset(k, 0, sizeof(*k));
    int c = addr_cmp(&p->src, &p->dst);
    if (c < 0 || (c == 0 && sp <= dp)) {
        k->a = p->src;
        k->b = p->dst;
        k->pa = sp;
        k->pb = dp;
    } else {
        k->a = p->dst;
        k->b = p->src;
        k->pa = dp;
        k->pb = sp;
    }
    k->vlan = p->vlan;
    k->inner_vlan = p->inner_vlan;
    k->proto = p->proto;
}

/* 64x64 -> 128-bit multiply, folded (wyhash's mum). */
static inline uint64_t mum(uint64_t a, uint64_t b)
{
    __extension__ typedef unsigned __int128 u128;
    u128 r = (u128)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/*
 * The bucket hash of a key: three independent multiplies over its 44 bytes
 * instead of hash_bytes' chain of six (this runs for every packet). Only
 * picks buckets: uids keep hash_bytes.
 */
static uint32_t key_hash(const struct flow_key *k)
{
    _Static_assert(sizeof(struct flow_key) == 44, "key_hash reads 44 bytes");
    const uint8_t *b = (const uint8_t *)k;
    uint64_t w[5];
    uint32_t t;
    memcpy(w, b, 40);
    memcpy(&t, b + 40, 4);
    uint64_t h = mum(w[0] ^ 0xa0761d6478bd642fULL, w[1] ^ 0xe7037ed1a0b428dbULL) ^
                 mum(w[2] ^ 0x8ebc6af09c88c6e3ULL, w[3] ^ 0x589965cc75374cc3ULL) ^
                 mum(w[4] ^ 0x1d8e4e27c47d124fULL, (uint64_t)t ^ 0x76696769ULL);
    h = mum(h ^ 0xa0761d6478bd642fULL, 44 ^ 0xe7037ed1a0b428dbULL);
    return (uint32_t)(h ^ (h >> 32));
}

static uint32_t lookup(const struct flow_table *ft, const struct flow_key *k, uint32_t h)
{
    uint32_t i = ft->buckets[h & ft->bucket_mask];
    while (i) {
        const struct flow *f = F(ft, i);
        if (f->khash == h && memcmp(&f->key, k, sizeof(*k)) == 0)
            return i;
        i = f->hnext;
    }
    return NIL;
}

/* Doubles the bucket array (every live flow is on one LRU list) while it is under its cap. */
static void buckets_grow(struct flow_table *ft)
{
    uint64_t nb = (ft->bucket_mask + 1) * 2;
    if (nb > ft->bucket_max)
        return;
    uint32_t *b = xcalloc(nb, sizeof(uint32_t));
    for (int l = 0; l < L__COUNT; l++)
        for (uint32_t i = ft->lru[l].head; i; i = F(ft, i)->lnext) {
            struct flow *f = F(ft, i);
            f->hnext = b[f->khash & (nb - 1)];
            b[f->khash & (nb - 1)] = i;
        }
    free(ft->buckets);
    ft->buckets = b;
    ft->bucket_mask = nb - 1;
}

static void bucket_remove(struct flow_table *ft, uint32_t i)
{
    struct flow *f = F(ft, i);
    uint32_t *pp = &ft->buckets[f->khash & ft->bucket_mask];
    while (*pp && *pp != i)
        pp = &F(ft, *pp)->hnext;
    if (*pp == i)
        *pp = f->hnext;
}

/* ---- lifecycle ---- */

static void end_flow(struct flow_table *ft, uint32_t i, enum flow_end why)
{
    struct flow *f = F(ft, i);
    if (ft->hooks.end)
        ft->hooks.end(ft->hooks.ctx, f, why);
    f->app = NULL;
    static const enum flow_stat map[] = {
        [FLOW_END_IDLE] = FS_END_IDLE,
        [FLOW_END_CLOSED] = FS_END_CLOSED,
        [FLOW_END_ACTIVE] = FS_END_ACTIVE,
        [FLOW_END_EVICTED] = FS_END_EVICTED,
        [FLOW_END_SHUTDOWN] = FS_END_SHUTDOWN,
    };
    ft->stats[map[why]]++;
    bucket_remove(ft, i);
    lru_unlink(ft, i);
    f->hnext = ft->free_head;
    ft->free_head = i;
    ft->active--;
}

static uint32_t alloc_flow(struct flow_table *ft)
{
    if (ft->free_head) {
        uint32_t i = ft->free_head;
        ft->free_head = F(ft, i)->hnext;
        return i;
    }
    if (ft->allocated >= ft->cfg.max_flows)
        return NIL;
    uint32_t j = ft->allocated;
    size_t c = j >> FLOW_CHUNK_BITS;
    if (!ft->chunks[c])
        ft->chunks[c] = xmalloc(FLOW_CHUNK * sizeof(struct flow));
    ft->allocated++;
    return j + 1;
}

/* Ends the flow idle the longest, among the heads of all lists. */
static void evict_one(struct flow_table *ft)
{
    uint32_t best = NIL;
    for (int l = 0; l < L__COUNT; l++) {
        uint32_t h = ft->lru[l].head;
        if (h && (!best || F(ft, h)->last_ts < F(ft, best)->last_ts))
            best = h;
    }
    if (best)
        end_flow(ft, best, FLOW_END_EVICTED);
}

void flow_table_expire(struct flow_table *ft, int64_t now)
{
    /* no head changed and none is due: nothing to do (the usual packet) */
    if (!ft->heads_changed && now <= ft->next_expiry)
        return;
    for (int l = 0; l < L__COUNT; l++) {
        int64_t to = list_timeout(ft, l);
        while (ft->lru[l].head) {
            uint32_t h = ft->lru[l].head;
            if (now - F(ft, h)->last_ts <= to)
                break;
            end_flow(ft, h, l == L_TCP_CLOSING ? FLOW_END_CLOSED : FLOW_END_IDLE);
        }
    }
    /* the earliest time at which a head would be due: now - last_ts > to */
    int64_t next = INT64_MAX;
    for (int l = 0; l < L__COUNT; l++) {
        uint32_t h = ft->lru[l].head;
        if (h) {
            int64_t lt = F(ft, h)->last_ts, to = list_timeout(ft, l);
            int64_t d = lt > INT64_MAX - to ? INT64_MAX : lt + to;
            if (d < next)
                next = d;
        }
    }
    ft->next_expiry = next;
    ft->heads_changed = 0;
}

void flow_table_flush(struct flow_table *ft)
{
    for (;;) {
        uint32_t best = NIL;
        for (int l = 0; l < L__COUNT; l++) {
            uint32_t h = ft->lru[l].head;
            if (h && (!best || F(ft, h)->last_ts < F(ft, best)->last_ts))
                best = h;
        }
        if (!best)
            break;
        end_flow(ft, best, FLOW_END_SHUTDOWN);
    }
}

/* Ports that are much more likely the server's side (Zeek's likely_server_ports). */
static int likely_server_port(uint8_t proto, uint16_t port)
{
    static const uint16_t tcp_ports[] = {21, 22, 23, 25, 53, 80, 88, 110, 135, 139, 143, 389,
                                         443, 445, 465, 587, 636, 993, 995, 1433, 3268, 3306,
                                         3389, 5060, 5432, 8080, 8443};
    static const uint16_t udp_ports[] = {53, 67, 69, 88, 123, 137, 138, 161, 389, 443, 500,
                                         514, 1900, 3478, 4500, 5353, 5355};
    const uint16_t *v = proto == IPPROTO_TCP_ ? tcp_ports : udp_ports;
    size_t n = proto == IPPROTO_TCP_ ? sizeof(tcp_ports) / sizeof(tcp_ports[0])
                                      : sizeof(udp_ports) / sizeof(udp_ports[0]);
    if (proto != IPPROTO_TCP_ && proto != IPPROTO_UDP_)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] == port)
            return 1;
    return 0;
}

/* Base-62 text of a 64-bit value, fixed width. */
static void base62(uint64_t v, char *out, int width)
{
    static const char digits[] =
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    for (int i = width - 1; i >= 0; i--) {
        out[i] = digits[v % 62];
        v /= 62;
    }
}

/*
 * uids are derived from the flow's key and first packet time only, so the
 * same capture always gives the same uids, whichever run or file split.
 */
static void make_uid(struct flow *f)
{
    uint64_t h1 = hash_bytes(&f->key, sizeof(f->key), (uint64_t)f->first_ts);
    uint64_t h2 = hash_mix64(h1 ^ (uint64_t)f->first_ts ^ 0x5bd1e995ULL);
    f->uid[0] = 'C';
    base62(h1, f->uid + 1, 10);
    base62(h2, f->uid + 11, 7);
    f->uid[18] = '\0';
}

static uint32_t new_flow(struct flow_table *ft, const struct packet *p, const struct flow_key *k,
                         uint32_t h)
{
    uint32_t i = alloc_flow(ft);
    if (!i) {
        evict_one(ft);
        i = alloc_flow(ft);
        if (!i)
            BUG("flow table has no free slot after eviction");
    }
    struct flow *f = F(ft, i);
    memset(f, 0, sizeof(*f));
    f->key = *k;
    f->proto = p->proto;
    f->ipver = p->ipver;
    f->vlan = p->vlan;
    f->inner_vlan = p->inner_vlan;

    uint16_t sp, dp;
    pkt_ports(p, &sp, &dp);
    int flip = 0;
    if (p->proto == IPPROTO_TCP_) {
        uint8_t fl = p->tcp_flags;
        if ((fl & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK))
            flip = 1;
        else if (!(fl & TH_SYN) && likely_server_port(p->proto, sp) &&
                 !likely_server_port(p->proto, dp))
            flip = 1;
    } else if (p->proto == IPPROTO_UDP_) {
        flip = likely_server_port(p->proto, sp) && !likely_server_port(p->proto, dp);
    } else if (icmp_is_reply(p)) {
        flip = 1;
    }
    if (!flip) {
        f->orig_h = p->src;
        f->resp_h = p->dst;
        f->orig_p = sp;
        f->resp_p = dp;
    } else {
        f->orig_h = p->dst;
        f->resp_h = p->src;
        f->orig_p = dp;
        f->resp_p = sp;
        f->history[f->hist_len++] = '^';
    }
    f->first_ts = f->last_ts = p->ts;
    make_uid(f);

    if (ft->active + 1 > (ft->bucket_mask + 1) / 2)
        buckets_grow(ft); /* load factor at most 1/2 */
    f->khash = h;
    f->hnext = ft->buckets[h & ft->bucket_mask];
    ft->buckets[h & ft->bucket_mask] = i;
    uint8_t list = p->proto == IPPROTO_TCP_ ? L_TCP : p->proto == IPPROTO_UDP_ ? L_UDP : L_OTHER;
    lru_append(ft, i, list);
    ft->active++;
    ft->stats[FS_CREATED]++;
    if (ft->active > ft->stats[FS_PEAK])
        ft->stats[FS_PEAK] = ft->active;
    return i;
}

/* ---- TCP ---- */

enum hist_bit { HB_S, HB_H, HB_A, HB_D, HB_F, HB_R, HB_I, HB_Q, HB_T, HB_W };

static void hist_add(struct flow *f, int dir, char c)
{
    if (f->hist_len >= FLOW_HISTORY_MAX)
        return;
    f->history[f->hist_len++] = dir == 0 ? c : (char)(c - 'A' + 'a');
    f->history[f->hist_len] = '\0';
}

/* Records c once per direction (Zeek's CheckHistory); returns 1 if it was new. */
static int hist_check(struct flow *f, int dir, enum hist_bit b, char c)
{
    struct flow_dir *d = &f->dir[dir];
    if (d->hist_seen & (1u << b))
        return 0;
    d->hist_seen |= (uint16_t)(1u << b);
    hist_add(f, dir, c);
    return 1;
}

/* Relative 64-bit sequence position of seq in direction d's space. */
static uint64_t rel_seq(struct flow_dir *d, uint32_t seq, int update)
{
    uint32_t r32 = seq - d->start_seq;
    uint64_t wraps = d->wraps;
    if (r32 < d->last_rel32 && d->last_rel32 - r32 > 0x80000000u)
        wraps++;
    else if (r32 > d->last_rel32 && r32 - d->last_rel32 > 0x80000000u && wraps > 0)
        return ((wraps - 1) << 32) | r32; /* an old segment from before the last wrap */
    if (update) {
        d->wraps = wraps;
        d->last_rel32 = r32;
    }
    return (wraps << 32) | r32;
}

static void tcp_update(struct flow *f, int dir, const struct packet *p)
{
    struct flow_dir *d = &f->dir[dir];
    struct flow_dir *peer = &f->dir[!dir];
    uint8_t fl = p->tcp_flags;
    int syn = !!(fl & TH_SYN), fin = !!(fl & TH_FIN), rst = !!(fl & TH_RST), ack = !!(fl & TH_ACK);
    uint32_t len = p->payload_wire;

    if (!d->seq_init) {
        d->seq_init = 1;
        d->start_seq = syn ? p->seq : p->seq - 1;
        d->last_rel32 = p->seq - d->start_seq;
    }
    uint64_t rel = rel_seq(d, p->seq, 1);

    /* history, as Zeek's update_history() */
    int bits = syn + fin + rst;
    if (bits > 1) {
        if (fin && rst)
            hist_check(f, dir, HB_I, 'I');
        else
            hist_check(f, dir, HB_Q, 'Q');
    } else if (bits == 1) {
        uint32_t r32 = (uint32_t)rel;
        if (syn) {
            char code = ack ? 'H' : 'S';
            enum hist_bit hb = ack ? HB_H : HB_S;
            if (!hist_check(f, dir, hb, code) && r32 != d->hist_last_syn)
                hist_add(f, dir, code);
            d->hist_last_syn = r32;
        }
        if (fin) {
            r32 += len;
            if (!hist_check(f, dir, HB_F, 'F') && r32 != d->hist_last_fin)
                hist_add(f, dir, 'F');
            d->hist_last_fin = r32;
        }
        if (rst) {
            if (!hist_check(f, dir, HB_R, 'R') && r32 != d->hist_last_rst)
                hist_add(f, dir, 'R');
            d->hist_last_rst = r32;
        }
    } else {
        if (len)
            hist_check(f, dir, HB_D, 'D');
        else if (ack)
            hist_check(f, dir, HB_A, 'A');
    }
    if (len && rel + len <= d->hi_seq && !syn)
        hist_check(f, dir, HB_T, 'T'); /* all of it was sent before */
    if (p->win == 0 && !syn && !rst && ack)
        hist_check(f, dir, HB_W, 'W');

    /* sequence space: SYN and FIN each take one octet */
    uint64_t end = rel + len + (uint64_t)syn + (uint64_t)fin;
    if (!rst && end > d->hi_seq)
        d->hi_seq = end;
    if (fin)
        d->fin_seen = 1;
    if (ack && !rst && peer->seq_init) {
        uint64_t a = rel_seq(peer, p->ack, 0);
        if (a > peer->hi_ack && a <= peer->hi_seq + 1)
            peer->hi_ack = a;
    }

    /* endpoint states */
    uint8_t *st = &d->state;
    if (rst) {
        *st = EP_RESET;
    } else if (syn) {
        if (*st == EP_INACTIVE)
            *st = ack ? EP_SYN_ACK_SENT : EP_SYN_SENT;
        if (ack && peer->state == EP_SYN_SENT)
            *st = EP_SYN_ACK_SENT;
    } else if (fin) {
        if (*st != EP_RESET)
            *st = EP_CLOSED;
    } else {
        switch (*st) {
        case EP_INACTIVE:
            *st = EP_PARTIAL;
            break;
        case EP_SYN_SENT:
        case EP_SYN_ACK_SENT:
            if (ack)
                *st = EP_ESTABLISHED;
            break;
        default:
            break;
        }
    }
    /* the originator's ACK of a SYN-ACK establishes both sides */
    if (!syn && !rst && ack && peer->state == EP_SYN_ACK_SENT &&
        (d->state == EP_ESTABLISHED || d->state == EP_CLOSED))
        peer->state = EP_ESTABLISHED;
}

static int tcp_closed(const struct flow *f)
{
    uint8_t a = f->dir[0].state, b = f->dir[1].state;
    return a == EP_RESET || b == EP_RESET || (a == EP_CLOSED && b == EP_CLOSED);
}

uint64_t flow_payload_bytes(const struct flow *f, int dir)
{
    const struct flow_dir *d = &f->dir[dir];
    if (f->proto != IPPROTO_TCP_)
        return d->payload_bytes;
    uint64_t size = d->hi_seq > d->hi_ack ? d->hi_seq : d->hi_ack;
    if (size)
        size--; /* the SYN octet (or the one assumed before a mid-stream start) */
    if (d->fin_seen && size)
        size--;
    return size;
}

const char *flow_conn_state(const struct flow *f)
{
    if (f->proto == IPPROTO_UDP_) {
        int o = f->dir[0].pkts > 0, r = f->dir[1].pkts > 0;
        if (o)
            return r ? "SF" : "S0";
        return r ? "SHR" : "OTH";
    }
    if (f->proto != IPPROTO_TCP_)
        return "OTH";
    uint8_t os = f->dir[0].state, rs = f->dir[1].state;
    int o_inactive = os == EP_INACTIVE || os == EP_PARTIAL;
    int r_inactive = rs == EP_INACTIVE || rs == EP_PARTIAL;
    if (rs == EP_RESET) {
        if (os == EP_SYN_SENT || os == EP_SYN_ACK_SENT ||
            (os == EP_RESET && flow_payload_bytes(f, 0) == 0 && flow_payload_bytes(f, 1) == 0))
            return "REJ";
        if (o_inactive)
            return "RSTRH";
        return "RSTR";
    }
    if (os == EP_RESET) {
        if (r_inactive) {
            /* Zeek: history matches ^?S[^HAFGIQ]*R */
            const char *h = f->history;
            if (*h == '^')
                h++;
            if (*h == 'S') {
                for (h++; *h && !strchr("HAFGIQ", *h); h++)
                    if (*h == 'R')
                        return "RSTOS0";
            }
            return "OTH";
        }
        return "RSTO";
    }
    if (rs == EP_CLOSED && os == EP_CLOSED)
        return "SF";
    if (os == EP_CLOSED)
        return r_inactive ? "SH" : "S2";
    if (rs == EP_CLOSED)
        return o_inactive ? "SHR" : "S3";
    if (os == EP_SYN_SENT && rs == EP_INACTIVE)
        return "S0";
    if (os == EP_ESTABLISHED && rs == EP_ESTABLISHED)
        return "S1";
    return "OTH";
}

/* ---- the packet path ---- */

void flow_table_packet(struct flow_table *ft, const struct packet *p)
{
    flow_table_expire(ft, p->ts);

    struct flow_key k;
    make_key(p, &k);
    uint32_t h = key_hash(&k);
    uint32_t i = lookup(ft, &k, h);

    int keep_sides = 0;
    struct addr kept_orig, kept_resp;
    uint16_t kept_orig_p = 0, kept_resp_p = 0;
    if (i) {
        struct flow *f = F(ft, i);
        int reuse = 0;
        if (p->proto == IPPROTO_TCP_ && (p->tcp_flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN &&
            tcp_closed(f))
            reuse = 1; /* a new connection on a finished tuple */
        else if (ft->cfg.active_us > 0 && p->ts - f->first_ts >= ft->cfg.active_us)
            reuse = 2;
        if (reuse == 2) {
            /* the same connection goes on: keep who originated it */
            keep_sides = 1;
            kept_orig = f->orig_h;
            kept_resp = f->resp_h;
            kept_orig_p = f->orig_p;
            kept_resp_p = f->resp_p;
        }
        if (reuse) {
            end_flow(ft, i, reuse == 1 ? FLOW_END_CLOSED : FLOW_END_ACTIVE);
            i = NIL;
        }
    }
    if (!i) {
        i = new_flow(ft, p, &k, h);
        if (keep_sides) {
            struct flow *nf = F(ft, i);
            nf->orig_h = kept_orig;
            nf->resp_h = kept_resp;
            nf->orig_p = kept_orig_p;
            nf->resp_p = kept_resp_p;
            nf->hist_len = 0; /* no '^': nothing was flipped */
            nf->history[0] = '\0';
        }
    }

    struct flow *f = F(ft, i);
    uint16_t sp, dp;
    pkt_ports(p, &sp, &dp);
    /* a flow to itself on one port has a single direction */
    int dir = addr_cmp(&p->src, &f->orig_h) == 0 && sp == f->orig_p ? 0 : 1;

    struct flow_dir *d = &f->dir[dir];
    if (!d->pkts)
        d->first_ts = p->ts;
    d->pkts++;
    d->last_ts = p->ts;
    d->ip_bytes += p->ip_len;
    d->payload_bytes += p->payload_wire;
    if (p->ts > f->last_ts)
        f->last_ts = p->ts;

    if (p->proto == IPPROTO_TCP_) {
        tcp_update(f, dir, p);
        uint8_t want = tcp_closed(f) ? L_TCP_CLOSING : L_TCP;
        lru_unlink(ft, i);
        lru_append(ft, i, want);
    } else {
        if (p->proto == IPPROTO_UDP_ && p->payload_wire)
            hist_check(f, dir, HB_D, 'D'); /* Zeek's UDP history: D/d for data */
        uint8_t list = f->list;
        lru_unlink(ft, i);
        lru_append(ft, i, list);
    }
    f->history[f->hist_len] = '\0';

    if (ft->hooks.packet)
        ft->hooks.packet(ft->hooks.ctx, f, dir, p);
}
