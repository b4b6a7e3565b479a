/*
 * summary: libFuzzer harness for the SMB parser's entry points (probe, state_new, data, gap, end)
 *
 * Input: byte 0 is reserved (skipped; keeps the format of the other
 * fuzz_proto_* harnesses). The rest is a sequence of records: one flags byte
 * (bit 0: direction, bit 1: a gap before it, bit 2: the gap is large),
 * a big-endian 16-bit length, then that many bytes (fewer if the input
 * ends), the next piece of that direction's TCP stream. Every record is
 * also probed alone. Checked beyond the sanitizers: every event is one
 * valid JSON line, and the smb_event body keeps its bounds (strings
 * terminated inside their arrays, counts within their caps).
 * Seeds: tests/fuzz/seeds/fuzz_proto_smb/, each one SMB conversation (port 445/139) of the
 * shared captures in this format, from `tshark -T fields -e tcp.payload` (or udp.payload).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event/event.h"
#include "flow/flow.h"
#include "json_check.h"
#include "proto/proto.h"
#include "proto/smb.h"
#include "sensor/sensor.h"
#include "util/json.h"
#include "util/rd.h"

extern const struct proto_ops smb_proto;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void terminated(const char *s, size_t cap)
{
    if (!memchr(s, '\0', cap))
        abort();
}

static void check_smb(const struct smb_event *e)
{
    if ((unsigned)e->action > SMB_EV_SUMMARY)
        abort();
    terminated(e->username, sizeof(e->username));
    terminated(e->domain, sizeof(e->domain));
    terminated(e->hostname, sizeof(e->hostname));
    terminated(e->server_nb_computer_name, sizeof(e->server_nb_computer_name));
    terminated(e->server_dns_computer_name, sizeof(e->server_dns_computer_name));
    terminated(e->server_tree_name, sizeof(e->server_tree_name));
    terminated(e->krb_service, sizeof(e->krb_service));
    terminated(e->krb_realm, sizeof(e->krb_realm));
    terminated(e->path, sizeof(e->path));
    terminated(e->name, sizeof(e->name));
    if (e->dialect && strlen(e->dialect) >= 64)
        abort();
    if (e->counts) {
        if (e->counts->n_usernames > SMB_SUMMARY_USERS)
            abort();
        for (size_t i = 0; i < e->counts->n_usernames; i++)
            if (strlen(e->counts->usernames[i]) >= SMB_USER_MAX)
                abort();
    }
}

static void harness_check(const struct event *ev)
{
    if (ev->type != EV_SMB)
        abort();
    check_smb(ev->body);
}

#include "proto_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready)
        setup();
    struct rd r = rd_make(data, size);
    (void)rd_u8(&r);
    if (!rd_ok(&r))
        return 0;
    struct flow f;
    memset(&f, 0, sizeof(f));
    f.proto = IPPROTO_TCP_;
    f.orig_p = 40000;
    f.resp_p = 445;
    memcpy(f.uid, "Cfuzz", 6);
    struct app_ctx ctx = {.flow = &f, .ts = 1000000, .sensor = &sensor};

    (void)smb_proto.probe(data, size, 0);
    void *st = smb_proto.state_new(&ctx);
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
            (void)smb_proto.probe(p, take, dir);
        if (!want[dir])
            continue;
        if (flags & 2)
            smb_proto.gap(st, &ctx, dir, (flags & 4) ? 100000 : (uint64_t)(flags >> 3) + 1);
        if (!take)
            continue;
        int rc = smb_proto.data(st, &ctx, dir, p, take);
        if (rc == PROTO_DONE_DIR)
            want[dir] = 0;
        else if (rc == PROTO_DONE)
            want[0] = want[1] = 0;
    }
    smb_proto.end(st, &ctx);
    return 0;
}
