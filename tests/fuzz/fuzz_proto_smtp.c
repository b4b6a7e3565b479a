/*
 * summary: libFuzzer harness for the SMTP parser's entry points (probe, state_new, data, gap, end)
 *
 * Input: a sequence of records: one flags byte (bit 0: direction, bit 1:
 * a gap of 1..64 bytes before it), a big-endian 16-bit length, then that
 * many bytes (fewer if the input ends), each the next piece of that
 * direction's stream. Every record is also probed alone. A PROTO_TO_TLS
 * answer ends the feeding, as the application layer would. Checked beyond
 * the sanitizers: every event is one valid JSON line and the smtp_event
 * keeps its bounds (list sizes, string lengths).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event/event.h"
#include "flow/flow.h"
#include "json_check.h"
#include "proto/proto.h"
#include "proto/smtp.h"
#include "sensor/sensor.h"
#include "util/json.h"
#include "util/rd.h"

extern const struct proto_ops smtp_proto;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void check_str(const char *s, size_t max)
{
    if (!s || strnlen(s, max + 1) > max)
        abort();
}

static void check_list(const char *const *v, size_t n, size_t cap, size_t max)
{
    if (n > cap)
        abort();
    for (size_t i = 0; i < n; i++)
        check_str(v[i], max);
}

static void check_smtp(const struct smtp_event *e)
{
    const char *const singles[] = {e->helo, e->mailfrom, e->date, e->from, e->reply_to,
                                   e->msg_id, e->in_reply_to, e->subject, e->subject_raw,
                                   e->x_originating_ip, e->first_received, e->second_received,
                                   e->last_reply, e->user_agent, e->auth_mech, e->auth_user};
    for (size_t i = 0; i < sizeof(singles) / sizeof(singles[0]); i++)
        check_str(singles[i], SMTP_TEXT_MAX);
    check_list(e->rcptto, e->n_rcptto, SMTP_LIST_MAX, SMTP_LINE_MAX);
    check_list(e->to, e->n_to, SMTP_LIST_MAX, SMTP_HDR_VALUE_MAX);
    check_list(e->cc, e->n_cc, SMTP_LIST_MAX, SMTP_HDR_VALUE_MAX);
    check_list(e->path, e->n_path, SMTP_PATH_MAX + 2, 64);
    check_list(e->attachment_names, e->n_attach, SMTP_ATTACH_MAX, SMTP_HDR_VALUE_MAX);
    check_list(e->attachment_types, e->n_attach, SMTP_ATTACH_MAX, SMTP_HDR_VALUE_MAX);
    if (e->n_rcptto > e->rcpt_count || e->n_to > e->to_count || e->n_cc > e->cc_count ||
        e->n_attach > e->attachment_count)
        abort();
}

static void harness_check(const struct event *ev)
{
    if (ev->type == EV_SMTP)
        check_smtp(ev->body);
}

#include "proto_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready)
        setup();
    struct flow f;
    memset(&f, 0, sizeof(f));
    f.proto = IPPROTO_TCP_;
    f.orig_p = 40000;
    f.resp_p = 25;
    memcpy(f.uid, "Cfuzz", 6);
    struct app_ctx ctx = {.flow = &f, .ts = 1000000, .sensor = &sensor};

    struct rd r = rd_make(data, size);
    void *st = smtp_proto.state_new(&ctx);
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
            (void)smtp_proto.probe(p, take, dir);
        if (flags & 2)
            smtp_proto.gap(st, &ctx, dir, 1 + (flags >> 2));
        if (take && smtp_proto.data(st, &ctx, dir, p, take) == PROTO_TO_TLS)
            break;
    }
    smtp_proto.end(st, &ctx);
    return 0;
}
