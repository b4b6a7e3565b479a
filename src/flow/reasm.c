/*
 * summary: TCP reassembly: a sorted list of held segments per direction, first copy wins
 */
#include "flow/reasm.h"

#include <stdlib.h>
#include <string.h>

#include "util/log.h"

struct reasm_seg {
    struct reasm_seg *next;
    uint32_t seq;
    uint32_t len;
    uint8_t data[];
};

/* Serial-number arithmetic (RFC 1982): a before b. */
static inline int seq_lt(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}

static inline int seq_le(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) <= 0;
}

void reasm_init(struct reasm *r)
{
    memset(r, 0, sizeof(*r));
}

void reasm_release(struct reasm *r)
{
    struct reasm_seg *s = r->held;
    while (s) {
        struct reasm_seg *n = s->next;
        free(s);
        s = n;
    }
    r->held = NULL;
    r->held_bytes = 0;
}

static void deliver_data(struct reasm *r, const uint8_t *data, size_t len, reasm_deliver_fn deliver,
                         void *ctx)
{
    if (!len)
        return;
    r->next_seq += (uint32_t)len;
    r->delivered += len;
    deliver(ctx, data, len, 0);
}

/* Delivers held segments that are now in order (trimming what was already delivered). */
static void drain(struct reasm *r, reasm_deliver_fn deliver, void *ctx)
{
    while (r->held && seq_le(r->held->seq, r->next_seq)) {
        struct reasm_seg *s = r->held;
        r->held = s->next;
        r->held_bytes -= s->len;
        uint32_t skip = r->next_seq - s->seq;
        if (skip < s->len)
            deliver_data(r, s->data + skip, s->len - skip, deliver, ctx);
        free(s);
    }
}

/* Skips to the first held segment, reporting the hole as a gap. */
static void skip_hole(struct reasm *r, reasm_deliver_fn deliver, void *ctx)
{
    if (!r->held)
        return;
    uint32_t gap = r->held->seq - r->next_seq;
    r->missed += gap;
    r->next_seq = r->held->seq;
    deliver(ctx, NULL, 0, gap);
    drain(r, deliver, ctx);
}

/* Inserts [seq, seq+len) keeping the list sorted and non-overlapping (first copy wins). */
static void hold(struct reasm *r, uint32_t seq, const uint8_t *data, size_t len)
{
    struct reasm_seg **pp = &r->held;
    while (len) {
        struct reasm_seg *cur = *pp;
        if (cur && seq_le(cur->seq + cur->len, seq)) { /* cur entirely before: move on */
            pp = &cur->next;
            continue;
        }
        if (cur && seq_le(cur->seq, seq)) { /* starts inside cur: drop the overlap */
            uint32_t ov = cur->seq + cur->len - seq;
            if (ov >= len)
                return;
            seq += ov;
            data += ov;
            len -= ov;
            pp = &cur->next;
            continue;
        }
        /* piece up to the next held segment (or all of it) */
        size_t piece = len;
        if (cur && seq_lt(cur->seq, seq + (uint32_t)len))
            piece = cur->seq - seq;
        struct reasm_seg *s = xmalloc(sizeof(*s) + piece);
        s->seq = seq;
        s->len = (uint32_t)piece;
        memcpy(s->data, data, piece);
        s->next = cur;
        *pp = s;
        r->held_bytes += (uint32_t)piece;
        pp = &s->next;
        seq += (uint32_t)piece;
        data += piece;
        len -= piece;
    }
}

/* Trims bytes already delivered off the front; returns 0 if nothing new is left. */
static int trim_delivered(const struct reasm *r, uint32_t *seq, const uint8_t **data, size_t *len)
{
    if (seq_le(*seq + (uint32_t)*len, r->next_seq))
        return 0;
    if (seq_lt(*seq, r->next_seq)) {
        uint32_t skip = r->next_seq - *seq;
        *seq += skip;
        *data += skip;
        *len -= skip;
    }
    return 1;
}

void reasm_segment(struct reasm *r, uint32_t seq, int syn, int fin, const uint8_t *data,
                   size_t len, reasm_deliver_fn deliver, void *ctx)
{
    if (!r->init) {
        if (!syn && !len)
            return;
        r->init = 1;
        r->next_seq = syn ? seq + 1 : seq;
    }
    if (syn)
        seq++; /* data on a SYN starts after it */
    if (fin) {
        r->closed = 1;
        r->fin_seq = seq + (uint32_t)len;
    }
    if (!len || !trim_delivered(r, &seq, &data, &len))
        return;
    /* make room by giving up on the oldest holes */
    while (r->held && r->held_bytes + len > REASM_MAX_HELD) {
        skip_hole(r, deliver, ctx);
        if (!trim_delivered(r, &seq, &data, &len))
            return;
    }
    if (seq != r->next_seq && r->held_bytes + len > REASM_MAX_HELD) {
        /* nothing held and this segment alone is too big to hold: jump to it */
        uint32_t gap = seq - r->next_seq;
        r->missed += gap;
        r->next_seq = seq;
        deliver(ctx, NULL, 0, gap);
    }
    if (seq == r->next_seq) {
        deliver_data(r, data, len, deliver, ctx);
        drain(r, deliver, ctx);
        return;
    }
    hold(r, seq, data, len);
}

void reasm_ack(struct reasm *r, uint32_t ack, reasm_deliver_fn deliver, void *ctx)
{
    if (!r->init)
        return;
    /* The peer has the bytes up to ack: if we hold data past a hole below ack,
     * the hole's bytes went by without being captured. */
    while (r->held && seq_lt(r->next_seq, ack) && seq_lt(r->held->seq, ack) &&
           r->held->seq != r->next_seq)
        skip_hole(r, deliver, ctx);
}

void reasm_flush(struct reasm *r, reasm_deliver_fn deliver, void *ctx)
{
    while (r->held)
        skip_hole(r, deliver, ctx);
}
