/*
 * summary: in-order TCP payload reassembly for one direction of a flow (RFC 9293 section 3.4)
 *
 * Segments are delivered in sequence order exactly once. Bytes that were
 * already delivered are never delivered again: a retransmission is dropped
 * and an overlap is trimmed to its new bytes (first copy wins, as most
 * stacks do and as Suricata's default policy does). Segments ahead of the
 * next expected byte are copied and held, at most REASM_MAX_HELD bytes per
 * direction; when that is exceeded, when the peer acknowledges bytes that
 * were never seen, or when the flow ends, the hole is declared a gap
 * (counted as missed bytes) and delivery resumes after it.
 */
#ifndef VIGIL_FLOW_REASM_H
#define VIGIL_FLOW_REASM_H

#include <stddef.h>
#include <stdint.h>

#define REASM_MAX_HELD (64u * 1024)

struct reasm_seg;

/* Callback for in-order data (gap == 0) or a gap of gap bytes (data NULL). */
typedef void (*reasm_deliver_fn)(void *ctx, const uint8_t *data, size_t len, uint64_t gap);

struct reasm {
    uint32_t next_seq; /* next byte expected */
    uint8_t init;
    uint8_t closed;    /* FIN seen: no data expected after fin_seq */
    uint32_t fin_seq;
    uint32_t held_bytes;
    uint64_t delivered;
    uint64_t missed;
    struct reasm_seg *held; /* sorted by seq, non-overlapping */
};

void reasm_init(struct reasm *r);
/* Frees held segments. */
void reasm_release(struct reasm *r);

/*
 * Adds one segment: seq is the segment's sequence number, syn/fin its
 * flags, data its captured payload (len bytes; borrowed). deliver is called
 * zero or more times before this returns.
 */
void reasm_segment(struct reasm *r, uint32_t seq, int syn, int fin, const uint8_t *data,
                   size_t len, reasm_deliver_fn deliver, void *ctx);

/* The peer acknowledged up to ack: bytes below it that never arrived are a gap. */
void reasm_ack(struct reasm *r, uint32_t ack, reasm_deliver_fn deliver, void *ctx);

/* End of flow: delivers what is held, declaring the holes before it gaps. */
void reasm_flush(struct reasm *r, reasm_deliver_fn deliver, void *ctx);

#endif
