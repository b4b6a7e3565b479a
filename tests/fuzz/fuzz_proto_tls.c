/*
 * summary: libFuzzer harness for the TLS parser's entry points (probe, state_new, data, gap, end)
 *
 * Input: a sequence of pieces, each one flags byte (bit 0: direction,
 * bit 1: a gap of that direction before it, bit 2: advance the packet
 * clock by a year, so certificate validity flips; bit 3 of the first
 * piece: the connection is UDP, i.e. QUIC), a big-endian 16-bit length,
 * then that many bytes (fewer if the input ends). Over TCP each piece is
 * the next part of its direction's stream, as the application layer hands
 * it over after reassembly; over UDP it is one datagram. Every piece is
 * also probed alone, and so is the whole input. Checked beyond the sanitizers: every event is one
 * valid JSON line, and the tls / x509 bodies keep their bounds (strings
 * terminated inside their arrays, counts within their caps).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event/event.h"
#include "flow/flow.h"
#include "json_check.h"
#include "proto/names.h"
#include "proto/proto.h"
#include "proto/tls.h"
#include "proto/x509.h"
#include "sensor/sensor.h"
#include "util/json.h"
#include "util/rd.h"

extern const struct proto_ops tls_proto;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


#define TERMINATED(a) (memchr((a), '\0', sizeof(a)) != NULL)

static void check_tls(const struct tls_event *e)
{
    if (!TERMINATED(e->server_name) || !TERMINATED(e->next_protocol) || !TERMINATED(e->ja3) ||
        !TERMINATED(e->ja3s) || !TERMINATED(e->ja4) || !TERMINATED(e->cipher_str) ||
        !TERMINATED(e->curve) || !TERMINATED(e->last_alert) || !TERMINATED(e->version_str) ||
        !TERMINATED(e->client_version_str))
        abort();
    if (e->server_name_len >= TLS_NAME_MAX || e->n_cert_chain_fps > TLS_CHAIN_MAX ||
        e->n_client_cert_chain_fps > TLS_CHAIN_MAX)
        abort();
    if (e->ja3_string && strlen(e->ja3_string) > TLS_JA3_STRING_MAX)
        abort();
    if (e->ja3[0] && strlen(e->ja3) != 32)
        abort();
    if (e->ja4[0] && strlen(e->ja4) != 36)
        abort();
    for (size_t i = 0; i < e->n_cert_chain_fps; i++)
        if (!TERMINATED(e->cert_chain_fps[i]))
            abort();
}

static void check_x509(const struct x509_event *x)
{
    if (!TERMINATED(x->fingerprint) || !TERMINATED(x->sha1) || !TERMINATED(x->serial) ||
        !TERMINATED(x->subject) || !TERMINATED(x->issuer) || !TERMINATED(x->key_alg) ||
        !TERMINATED(x->sig_alg) || !TERMINATED(x->exponent) || !TERMINATED(x->curve))
        abort();
    if (x->n_san_dns > X509_SAN_MAX || x->n_san_ip > X509_SAN_MAX ||
        x->n_san_email > X509_SAN_MAX || x->n_san_uri > X509_SAN_MAX)
        abort();
    for (size_t i = 0; i < x->n_san_dns; i++)
        if (strlen(x->san_dns[i]) > X509_SAN_LEN_MAX)
            abort();
    if (x->chain_index < 0 || x->chain_index >= (int)TLS_CHAIN_MAX)
        abort();
}

static void harness_check(const struct event *ev)
{
    if (ev->type == EV_TLS)
        check_tls(ev->body);
    else if (ev->type == EV_X509)
        check_x509(ev->body);
}

#include "proto_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready)
        setup();
    x509_cache_clear(); /* each input starts from the same state */
    tls_cache_clear();
    struct flow f;
    memset(&f, 0, sizeof(f));
    f.proto = size && (data[0] & 8) ? IPPROTO_UDP_ : IPPROTO_TCP_;
    f.orig_p = 40000;
    f.resp_p = 443;
    memcpy(f.uid, "Cfuzz", 6);
    /* 2020-09-13: between the validity dates of most certificates in the seeds */
    struct app_ctx ctx = {.flow = &f, .ts = 1600000000000000, .sensor = &sensor};

    (void)tls_proto.probe(data, size, 0);
    void *st = tls_proto.state_new(&ctx);
    int want[2] = {1, 1};
    struct rd r = rd_make(data, size);
    while (rd_left(&r)) {
        uint8_t flags = rd_u8(&r);
        uint16_t n = rd_be16(&r);
        if (!rd_ok(&r))
            break;
        size_t take = n < rd_left(&r) ? n : rd_left(&r);
        const uint8_t *p = rd_bytes(&r, take);
        int dir = flags & 1;
        ctx.ts += (flags & 4) ? 365LL * 86400 * 1000000 : 1000;
        if (take)
            (void)tls_proto.probe(p, take, dir);
        if (!want[dir])
            continue;
        if ((flags & 2) && f.proto == IPPROTO_TCP_) {
            tls_proto.gap(st, &ctx, dir, 10);
            continue;
        }
        if (!take)
            continue;
        int rc = tls_proto.data(st, &ctx, dir, p, take);
        if (rc == PROTO_DONE_DIR)
            want[dir] = 0;
        else if (rc == PROTO_DONE)
            want[0] = want[1] = 0;
        if (!want[0] && !want[1])
            break;
    }
    tls_proto.end(st, &ctx);
    return 0;
}
