/*
 * summary: libFuzzer harness for decode_packet(), the L2-L4 entry point, then the flow table
 *
 * Input: byte 0 selects the link type (index into linktypes[] below,
 * modulo its size); the rest is one captured frame. The frame is decoded
 * twice, once as complete (caplen == wirelen) and once as cut by a snap
 * length (wirelen larger), and every usable packet goes into a small flow
 * table whose ended flows are turned into conn state, byte counts and a
 * JSON line. Properties checked beyond the sanitizers:
 *   - a result is one of the enum values, and a non-OK result other than
 *     HELD/SKIP moves exactly one truncation or error counter;
 *   - an OK packet's payload lies inside the frame (or is a reassembled
 *     datagram) and payload_len <= payload_wire;
 *   - the JSON line of every ended flow is valid JSON.
 */
#include <pcap/dlt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "event/event.h"
#include "flow/flow.h"
#include "json_check.h"
#include "util/json.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

/* Keep this order: tests/fuzz/make_seeds.py writes the same indices. */
static const int linktypes[] = {
    DLT_EN10MB,     /* 0 */
    DLT_LINUX_SLL,  /* 1 */
    DLT_LINUX_SLL2, /* 2 */
    DLT_NULL,       /* 3 */
    DLT_LOOP,       /* 4 */
    DLT_RAW,        /* 5 */
    DLT_IPV4,       /* 6 */
    DLT_IPV6,       /* 7 */
    DLT_PPP,        /* 8 */
    101,            /* 9: LINKTYPE_RAW as a file may say it */
};
#define NLINKTYPES (sizeof(linktypes) / sizeof(linktypes[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct jbuf jb;

static void on_end(void *ctx, struct flow *f, enum flow_end why)
{
    (void)ctx;
    (void)why;
    (void)flow_conn_state(f);
    (void)flow_payload_bytes(f, 0);
    (void)flow_payload_bytes(f, 1);
    if (f->hist_len > FLOW_HISTORY_MAX || f->history[f->hist_len] != '\0')
        abort();
    struct event ev = {.type = EV_CONN, .ts = f->first_ts, .flow = f, .body = NULL,
                       .fields_json = NULL};
    jb_reset(&jb);
    event_to_json(&ev, &jb);
    if (!json_check_line(jb.buf, jb.len))
        abort();
}

static uint64_t problems(const struct decoder *d)
{
    uint64_t n = d->counters[DC_UNSUPPORTED_LINKTYPE] + d->counters[DC_FRAG_INVALID];
    for (int c = DC_TRUNC_LINK; c <= DC_TRUNC_ICMP; c++)
        n += d->counters[c];
    for (int c = DC_BAD_IP_VERSION; c <= DC_TOO_DEEP; c++)
        n += d->counters[c];
    return n;
}

static void one(struct decoder *d, struct flow_table *ft, int64_t ts, const uint8_t *frame,
                uint32_t caplen, uint32_t wirelen)
{
    struct packet p;
    uint64_t before = problems(d);
    enum decode_result r = decode_packet(d, ts, frame, caplen, wirelen, &p);
    uint64_t moved = problems(d) - before;
    switch (r) {
    case DECODE_OK:
        if (moved != 0)
            abort();
        if (p.payload_len > p.payload_wire)
            abort();
        if (!p.reassembled && p.payload_len &&
            (p.payload < frame || p.payload + p.payload_len > frame + caplen))
            abort();
        flow_table_packet(ft, &p);
        break;
    case DECODE_TRUNC:
    case DECODE_INVALID:
        if (moved != 1)
            abort();
        break;
    case DECODE_SKIP:
    case DECODE_HELD:
        if (moved != 0)
            abort();
        break;
    default:
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536 + 1)
        return 0;
    int dlt = linktypes[data[0] % NLINKTYPES];
    const uint8_t *frame = data + 1;
    uint32_t len = (uint32_t)(size - 1);

    struct decoder d;
    if (decoder_init(&d, dlt) < 0)
        abort(); /* every entry of linktypes[] is supported */
    struct flow_config cfg;
    flow_config_default(&cfg);
    cfg.max_flows = 2; /* small, so the eviction path runs too */
    struct flow_hooks hooks = {.ctx = NULL, .packet = NULL, .end = on_end};
    struct flow_table *ft = flow_table_new(&cfg, &hooks);
    if (!ft)
        abort();

    /* a private copy, so a read past the frame is a heap overflow ASan sees */
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        abort();
    memcpy(copy, frame, len);
    one(&d, ft, 1000000, copy, len, len);
    one(&d, ft, 2000000, copy, len, len + 1000);
    one(&d, ft, 3000000, copy, len / 2, len);
    flow_table_expire(ft, 4000000);
    flow_table_flush(ft);
    if (flow_table_active(ft) != 0)
        abort();

    free(copy);
    flow_table_free(ft);
    decoder_release(&d);
    return 0;
}
