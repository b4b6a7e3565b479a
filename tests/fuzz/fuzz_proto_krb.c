/*
 * summary: libFuzzer harness for the Kerberos parser's entry points, and the GSS AP-REQ finder
 *
 * Input: byte 0 chooses the setting: bit 0 TCP (else UDP), bit 1 also
 * run krb_gss_ap_req() over each record (the SMB session-setup path). The
 * rest is a sequence of records: one flags byte (bit 0: direction, bit 1:
 * a gap before it), a big-endian 16-bit length, then that many bytes
 * (fewer if the input ends). Over UDP each record is one datagram; over TCP
 * it is the next piece of that direction's stream. Every record is also
 * probed alone. Checked beyond the sanitizers: every event is one valid
 * JSON line, and the krb_event body keeps its bounds.
 * Seeds: tests/fuzz/seeds/fuzz_proto_krb/, each one Kerberos conversation (TCP or UDP port 88, or SMB session setups for bit 1) of the
 * shared captures in this format, from `tshark -T fields -e tcp.payload` (or udp.payload).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event/event.h"
#include "flow/flow.h"
#include "json_check.h"
#include "proto/krb.h"
#include "proto/proto.h"
#include "sensor/sensor.h"
#include "util/json.h"
#include "util/rd.h"

extern const struct proto_ops krb_proto;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void check_krb(const struct krb_event *e)
{
    if (!memchr(e->client, '\0', sizeof(e->client)) ||
        !memchr(e->service, '\0', sizeof(e->service)) ||
        !memchr(e->realm, '\0', sizeof(e->realm)))
        abort();
    if (e->n_req_etypes > KRB_REQ_ETYPES_MAX)
        abort();
    if (e->request_type && strcmp(e->request_type, "AS") != 0 &&
        strcmp(e->request_type, "TGS") != 0)
        abort();
}

static void harness_check(const struct event *ev)
{
    if (ev->type != EV_KERBEROS)
        abort();
    check_krb(ev->body);
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
    f.resp_p = 88;
    memcpy(f.uid, "Cfuzz", 6);
    struct app_ctx ctx = {.flow = &f, .ts = 1000000, .sensor = &sensor};

    (void)krb_proto.probe(data, size, 0);
    void *st = krb_proto.state_new(&ctx);
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
            (void)krb_proto.probe(p, take, dir);
        if (mode & 2) {
            char svc[64], realm[16];
            if (krb_gss_ap_req(p, take, svc, sizeof(svc), realm, sizeof(realm)) == 0 &&
                (!memchr(svc, '\0', sizeof(svc)) || !memchr(realm, '\0', sizeof(realm))))
                abort();
        }
        if ((flags & 2) && f.proto == IPPROTO_TCP_)
            krb_proto.gap(st, &ctx, dir, 10);
        if (!want[dir] || !take)
            continue;
        int rc = krb_proto.data(st, &ctx, dir, p, take);
        if (rc == PROTO_DONE_DIR)
            want[dir] = 0;
        else if (rc == PROTO_DONE)
            want[0] = want[1] = 0;
    }
    krb_proto.end(st, &ctx);
    return 0;
}
