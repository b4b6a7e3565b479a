/*
 * summary: libFuzzer harness for the DNS parser's entry points (probe, state_new, data, gap, end)
 *
 * Input: byte 0 chooses the setting: bit 0 TCP (else UDP), bit 1 the
 * NetBIOS port (137, its own name decoding). The rest is a sequence of
 * records: one flags byte (bit 0: direction, bit 1: a gap before it),
 * a big-endian 16-bit length, then that many bytes (fewer if the input
 * ends). Over UDP each record is one datagram; over TCP it is the next
 * piece of that direction's stream. Every record is also probed alone.
 * Checked beyond the sanitizers: every event is one valid JSON line, and
 * the dns_event body keeps its bounds (answer offsets and lengths inside
 * abuf, strings terminated inside their arrays).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event/event.h"
#include "flow/flow.h"
#include "json_check.h"
#include "proto/dns.h"
#include "proto/proto.h"
#include "sensor/sensor.h"
#include "util/json.h"
#include "util/rd.h"

extern const struct proto_ops dns_proto;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void check_dns(const struct dns_event *e)
{
    if (e->n_answers > DNS_ANSWERS_MAX || e->abuf_len > DNS_ANSWERS_BUF)
        abort();
    if (!memchr(e->query, '\0', sizeof(e->query)) ||
        !memchr(e->original_query, '\0', sizeof(e->original_query)))
        abort();
    for (size_t i = 0; i < e->n_answers; i++) {
        size_t off = e->answer_off[i];
        if (off >= e->abuf_len)
            abort();
        const char *a = dns_event_answer(e, i);
        const char *nul = memchr(a, '\0', e->abuf_len - off);
        if (!nul || (size_t)(nul - a) >= DNS_ANSWER_TEXT_MAX)
            abort();
    }
}

static void harness_check(const struct event *ev)
{
    if (ev->type == EV_DNS)
        check_dns(ev->body);
}

#include "proto_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready)
        setup();
    struct rd r = rd_make(data, size);
    uint8_t mode = rd_u8(&r);
    if (!rd_ok(&r))
        return 0;
    struct flow f;
    memset(&f, 0, sizeof(f));
    f.proto = (mode & 1) ? IPPROTO_TCP_ : IPPROTO_UDP_;
    f.orig_p = 40000;
    f.resp_p = (mode & 2) ? 137 : 53;
    memcpy(f.uid, "Cfuzz", 6);
    struct app_ctx ctx = {.flow = &f, .ts = 1000000, .sensor = &sensor};

    (void)dns_proto.probe(data, size, 0);
    void *st = dns_proto.state_new(&ctx);
    int want[2] = {1, 1};
    while (rd_left(&r)) {
        uint8_t flags = rd_u8(&r);
        uint16_t n = rd_be16(&r);
        if (!rd_ok(&r))
            break;
        size_t take = n < rd_left(&r) ? n : rd_left(&r);
        const uint8_t *p = rd_bytes(&r, take);
        int dir = flags & 1;
        ctx.ts += 1000;
        if (take)
            (void)dns_proto.probe(p, take, dir);
        if ((flags & 2) && f.proto == IPPROTO_TCP_)
            dns_proto.gap(st, &ctx, dir, 10);
        if (!want[dir] || !take)
            continue;
        int rc = dns_proto.data(st, &ctx, dir, p, take);
        if (rc == PROTO_DONE_DIR)
            want[dir] = 0;
        else if (rc == PROTO_DONE)
            want[0] = want[1] = 0;
    }
    dns_proto.end(st, &ctx);
    return 0;
}
