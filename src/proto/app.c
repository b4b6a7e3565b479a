/*
 * summary: per-flow application state: probing, reassembly and dispatch to parsers
 */
#include "proto/app.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "flow/flow.h"
#include "flow/reasm.h"
#include "proto/proto.h"
#include "sensor/sensor.h"
#include "util/log.h"

#define SERVICE_MAX 32

struct app_flow {
    struct reasm rs[2];
    const struct proto_ops *proto;
    const struct proto_ops *first; /* the protocol recognised first (SMTP before STARTTLS's TLS) */
    void *st;
    uint64_t fed[2];      /* bytes handed to the parser per direction */
    uint8_t want[2];      /* direction still wanted by the parser or the probes */
    uint8_t probe_no[2];  /* direction's first bytes matched nothing */
    uint8_t off;          /* nothing more to do for this flow */
    uint16_t pbuf_len[2];
    char service[SERVICE_MAX];
    uint8_t pbuf[2][APP_PROBE_BUF];
};

/* Shared by every flow whose protocol is not recognised: no memory per flow. */
static struct app_flow app_off = {.off = 1};

struct deliver_ctx {
    struct sensor *s;
    struct flow *f;
    struct app_flow *af;
    int dir;
    int64_t ts;
};

static void service_add(struct app_flow *af, const char *name)
{
    size_t n = strlen(af->service);
    size_t m = strlen(name);
    if (n + m + 2 > SERVICE_MAX)
        return;
    if (n)
        af->service[n++] = ',';
    memcpy(af->service + n, name, m + 1);
}

static void parser_end(struct app_flow *af, struct app_ctx *ctx)
{
    if (af->proto && af->st) {
        af->proto->end(af->st, ctx);
    }
    af->st = NULL;
}

/* Feeds bytes of dir to the parser, honouring its answer and the stream cap. */
static void feed(struct app_flow *af, struct app_ctx *ctx, int dir, const uint8_t *data, size_t len)
{
    if (!af->want[dir] || !af->proto || !af->st || !len)
        return;
    if (af->fed[dir] >= APP_STREAM_CAP) {
        af->want[dir] = 0;
        return;
    }
    if (len > APP_STREAM_CAP - af->fed[dir])
        len = (size_t)(APP_STREAM_CAP - af->fed[dir]);
    af->fed[dir] += len;
    int rc = af->proto->data(af->st, ctx, dir, data, len);
    switch (rc) {
    case PROTO_DONE_DIR:
        af->want[dir] = 0;
        break;
    case PROTO_DONE:
        af->want[0] = af->want[1] = 0;
        break;
    case PROTO_TO_TLS: {
        const struct proto_ops *tls = proto_by_id(PROTO_TLS);
        parser_end(af, ctx);
        af->proto = tls;
        if (tls) {
            service_add(af, tls->name);
            af->st = tls->state_new(ctx);
            af->want[0] = af->want[1] = 1;
        }
        break;
    }
    default:
        break;
    }
}

static void select_proto(struct app_flow *af, struct app_ctx *ctx, const struct proto_ops *p)
{
    af->proto = p;
    af->first = p;
    service_add(af, p->name);
    af->st = p->state_new(ctx);
    af->want[0] = af->want[1] = 1;
}

/* Runs the probes over buffered bytes of dir; returns the match or NULL. */
static const struct proto_ops *probe(const uint8_t *data, size_t len, int dir, unsigned transport,
                                     int *more)
{
    *more = 0;
    for (int i = 0; proto_table[i]; i++) {
        const struct proto_ops *p = proto_table[i];
        if (!(p->transports & transport))
            continue;
        enum probe_result r = p->probe(data, len, dir);
        if (r == PROBE_YES)
            return p;
        if (r == PROBE_MORE)
            *more = 1;
    }
    return NULL;
}

/* In-order stream bytes (or a gap) of one direction, from the reassembler. */
static void on_stream(void *vctx, const uint8_t *data, size_t len, uint64_t gap)
{
    struct deliver_ctx *dc = vctx;
    struct app_flow *af = dc->af;
    struct app_ctx ctx = {.flow = dc->f, .ts = dc->ts, .sensor = dc->s};
    int dir = dc->dir;

    if (gap) {
        if (af->proto && af->st && af->want[dir] && af->proto->gap)
            af->proto->gap(af->st, &ctx, dir, gap);
        else if (!af->proto)
            af->probe_no[dir] = 1; /* cannot recognise a stream whose start is lost */
        return;
    }
    if (af->proto) {
        feed(af, &ctx, dir, data, len);
        return;
    }
    if (af->probe_no[dir])
        return;
    /* still recognising: buffer and probe */
    size_t room = APP_PROBE_BUF - af->pbuf_len[dir];
    size_t take = len < room ? len : room;
    memcpy(af->pbuf[dir] + af->pbuf_len[dir], data, take);
    af->pbuf_len[dir] = (uint16_t)(af->pbuf_len[dir] + take);
    int more;
    const struct proto_ops *p = probe(af->pbuf[dir], af->pbuf_len[dir], dir, PT_TCP, &more);
    if (!p) {
        if (!more || af->pbuf_len[dir] >= APP_PROBE_BUF)
            af->probe_no[dir] = 1;
        return;
    }
    select_proto(af, &ctx, p);
    /* the other direction's buffered bytes came first: hand them over too */
    feed(af, &ctx, !dir, af->pbuf[!dir], af->pbuf_len[!dir]);
    feed(af, &ctx, dir, af->pbuf[dir], af->pbuf_len[dir]);
    if (take < len)
        feed(af, &ctx, dir, data + take, len - take);
}

/*
 * Freed app_flow blocks (about 1.2 KB each) kept for reuse: one is taken
 * and given back for nearly every TCP connection and UDP exchange, and
 * malloc's bin handling of blocks that size showed in profiles. At most
 * APP_FREE_MAX blocks (about 1.2 MB) per thread; beyond that they go back
 * to malloc. Chained through their first bytes.
 */
#define APP_FREE_MAX 1024u

static _Thread_local void *app_free_head;
static _Thread_local unsigned app_free_n;

static struct app_flow *app_alloc(void)
{
    void *b = app_free_head;
    if (!b)
        return xmalloc(sizeof(struct app_flow));
    memcpy(&app_free_head, b, sizeof(void *));
    app_free_n--;
    return b;
}

static void app_release(struct app_flow *af)
{
    if (app_free_n >= APP_FREE_MAX) {
        free(af);
        return;
    }
    memcpy(af, &app_free_head, sizeof(void *));
    app_free_head = af;
    app_free_n++;
}

static struct app_flow *app_new(void)
{
    struct app_flow *af = app_alloc();
    memset(af, 0, offsetof(struct app_flow, pbuf));
    reasm_init(&af->rs[0]);
    reasm_init(&af->rs[1]);
    af->want[0] = af->want[1] = 1;
    return af;
}

/* Gives up on a flow: frees its state and points it at the shared "off" marker. */
static void app_turn_off(struct sensor *s, struct flow *f, struct app_flow *af)
{
    if (af == &app_off)
        return;
    struct app_ctx ctx = {.flow = f, .ts = f->last_ts, .sensor = s};
    parser_end(af, &ctx);
    reasm_release(&af->rs[0]);
    reasm_release(&af->rs[1]);
    if (af->service[0] || af->rs[0].missed || af->rs[1].missed) {
        /* keep the small summary the conn event needs */
        af->off = 1;
        return;
    }
    app_release(af);
    f->app = &app_off;
}

static void app_packet_udp(struct sensor *s, struct flow *f, int dir, const struct packet *p)
{
    struct app_flow *af = f->app;
    if (af == &app_off || !p->payload_len)
        return;
    struct app_ctx ctx = {.flow = f, .ts = p->ts, .sensor = s};
    if (!af) {
        int more;
        const struct proto_ops *pr = probe(p->payload, p->payload_len, dir, PT_UDP, &more);
        if (!pr) {
            f->app = &app_off;
            return;
        }
        af = app_new();
        f->app = af;
        select_proto(af, &ctx, pr);
    }
    if (af->off)
        return;
    /* datagrams are not capped by the stream cap: each is parsed alone */
    if (af->want[dir] && af->st) {
        int rc = af->proto->data(af->st, &ctx, dir, p->payload, p->payload_len);
        if (rc == PROTO_DONE_DIR)
            af->want[dir] = 0;
        else if (rc == PROTO_DONE)
            af->want[0] = af->want[1] = 0;
    }
}

void app_packet(struct sensor *s, struct flow *f, int dir, const struct packet *p)
{
    if (f->proto == IPPROTO_UDP_) {
        app_packet_udp(s, f, dir, p);
        return;
    }
    if (f->proto != IPPROTO_TCP_)
        return;
    struct app_flow *af = f->app;
    if (af == &app_off || (af && af->off))
        return;
    int syn = !!(p->tcp_flags & TH_SYN), fin = !!(p->tcp_flags & TH_FIN);
    if (p->tcp_flags & TH_RST)
        return;
    if (!af) {
        if (!p->payload_len && !syn)
            return;
        af = app_new();
        f->app = af;
    }
    struct deliver_ctx dc = {.s = s, .f = f, .af = af, .dir = dir, .ts = p->ts};
    if (af->want[dir])
        reasm_segment(&af->rs[dir], p->seq, syn, fin, p->payload, p->payload_len, on_stream, &dc);
    if ((p->tcp_flags & TH_ACK) && af->want[!dir]) {
        dc.dir = !dir;
        reasm_ack(&af->rs[!dir], p->ack, on_stream, &dc);
    }
    /* nothing recognised in either direction that spoke, and nothing left to try */
    int done0 = !af->want[0] || af->probe_no[0], done1 = !af->want[1] || af->probe_no[1];
    if (!af->proto && done0 && done1)
        app_turn_off(s, f, af);
    else if (af->proto && !af->want[0] && !af->want[1])
        app_turn_off(s, f, af);
}

void app_flow_end(struct sensor *s, struct flow *f)
{
    struct app_flow *af = f->app;
    if (!af || af == &app_off)
        return;
    if (!af->off) {
        for (int d = 0; d < 2; d++) {
            struct deliver_ctx dc = {.s = s, .f = f, .af = af, .dir = d, .ts = f->last_ts};
            if (af->want[d])
                reasm_flush(&af->rs[d], on_stream, &dc);
        }
        struct app_ctx ctx = {.flow = f, .ts = f->last_ts, .sensor = s};
        parser_end(af, &ctx);
        reasm_release(&af->rs[0]);
        reasm_release(&af->rs[1]);
    }
    /* the conn event (emitted after this) still reads service and missed bytes */
    af->off = 1;
}

const char *app_service(const struct flow *f)
{
    const struct app_flow *af = f->app;
    return af ? af->service : "";
}

const struct proto_ops *app_proto(const struct flow *f)
{
    const struct app_flow *af = f->app;
    return af ? af->first : NULL;
}

uint64_t app_missed_bytes(const struct flow *f)
{
    const struct app_flow *af = f->app;
    return af ? af->rs[0].missed + af->rs[1].missed : 0;
}

void app_flow_free(struct flow *f)
{
    struct app_flow *af = f->app;
    if (af && af != &app_off)
        app_release(af);
    f->app = NULL;
}
