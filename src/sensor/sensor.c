/*
 * summary: wiring of decoder, flow table and event bus; conn events
 */
#include "sensor/sensor.h"

#include <string.h>

#include "proto/app.h"
#include "proto/names.h"
#include "proto/proto.h"
#include "util/json.h"

static const char *proto_name(uint8_t proto)
{
    switch (proto) {
    case IPPROTO_TCP_: return "tcp";
    case IPPROTO_UDP_: return "udp";
    case IPPROTO_ICMP_:
    case IPPROTO_ICMPV6_: return "icmp";
    default: return "unknown_transport";
    }
}

/* conn.log fields, named as Zeek names them. */
static void conn_fields_json(const struct event *ev, struct jbuf *jb)
{
    const struct flow *f = ev->flow;
    const struct conn_event *ce = ev->body;
    const char *pn = proto_name(f->proto);
    jb_kstr_plain(jb, "proto", pn, strlen(pn)); /* own names, history letters: no escaping */
    if (f->proto != IPPROTO_TCP_ && f->proto != IPPROTO_UDP_ && f->proto != IPPROTO_ICMP_ &&
        f->proto != IPPROTO_ICMPV6_)
        jb_ku64(jb, "ip_proto", f->proto);
    const char *svc = app_service(f);
    if (svc[0]) {
        jb_kstr(jb, "service", svc);
        const struct proto_ops *pr = app_proto(f);
        if (pr)
            jb_kbool(jb, "service_port_usual", proto_port_usual(pr, f->resp_p));
    }
    jb_kts(jb, "duration", f->last_ts - f->first_ts); /* seconds with 6 decimals, as ts */
    jb_ku64(jb, "orig_bytes", flow_payload_bytes(f, 0));
    jb_ku64(jb, "resp_bytes", flow_payload_bytes(f, 1));
    const char *cs = flow_conn_state(f);
    jb_kstr_plain(jb, "conn_state", cs, strlen(cs));
    if (ce->internal) {
        jb_kbool(jb, "local_orig", cidr_set_contains(ce->internal, &f->orig_h));
        jb_kbool(jb, "local_resp", cidr_set_contains(ce->internal, &f->resp_h));
    }
    jb_ku64(jb, "missed_bytes", app_missed_bytes(f));
    jb_kstr_plain(jb, "history", f->history, f->hist_len);
    jb_ku64(jb, "orig_pkts", f->dir[0].pkts);
    jb_ku64(jb, "orig_ip_bytes", f->dir[0].ip_bytes);
    jb_ku64(jb, "resp_pkts", f->dir[1].pkts);
    jb_ku64(jb, "resp_ip_bytes", f->dir[1].ip_bytes);
    if (f->vlan)
        jb_ku64(jb, "vlan", f->vlan);
    if (f->inner_vlan)
        jb_ku64(jb, "inner_vlan", f->inner_vlan);
}

static void on_packet(void *ctx, struct flow *f, int dir, const struct packet *p)
{
    app_packet(ctx, f, dir, p);
}

static void on_flow_end(void *ctx, struct flow *f, enum flow_end why)
{
    struct sensor *s = ctx;
    app_flow_end(s, f);
    struct conn_event ce = {.why = why, .internal = &s->cfg.internal, .names = s->names};
    struct event ev = {
        .type = EV_CONN,
        .ts = f->first_ts,
        .flow = f,
        .body = &ce,
        .fields_json = conn_fields_json,
        .resp_name = names_lookup(s->names, &f->resp_h),
    };
    event_emit(s->bus, &ev);
    app_flow_free(f);
}

int sensor_init(struct sensor *s, const struct sensor_config *cfg, struct event_bus *bus)
{
    memset(s, 0, sizeof(*s));
    s->cfg = *cfg;
    s->bus = bus;
    struct flow_hooks hooks = {.ctx = s, .packet = on_packet, .end = on_flow_end};
    s->flows = flow_table_new(&cfg->flow, &hooks);
    if (!s->flows)
        return -1;
    if (decoder_init(&s->dec, 1 /* DLT_EN10MB until told otherwise */) < 0) {
        flow_table_free(s->flows);
        return -1;
    }
    s->names = names_new();
    return 0;
}

void sensor_release(struct sensor *s)
{
    flow_table_free(s->flows);
    decoder_release(&s->dec);
    names_free(s->names);
    s->flows = NULL;
    s->names = NULL;
}

int sensor_set_linktype(struct sensor *s, int linktype)
{
    return decoder_set_linktype(&s->dec, linktype);
}

void sensor_frame(struct sensor *s, int64_t ts, const uint8_t *data, uint32_t caplen,
                  uint32_t wirelen)
{
    struct packet p;
    s->frames++;
    if (ts > s->last_ts)
        s->last_ts = ts;
    if (decode_packet(&s->dec, ts, data, caplen, wirelen, &p) != DECODE_OK)
        return;
    flow_table_packet(s->flows, &p);
}

void sensor_bad_timestamp(struct sensor *s)
{
    s->dec.counters[DC_PACKETS]++;
    s->dec.counters[DC_BAD_TIMESTAMP]++;
}

void sensor_tick(struct sensor *s, int64_t now)
{
    if (now > s->last_ts) {
        s->last_ts = now;
        flow_table_expire(s->flows, now);
    }
}

void sensor_finish(struct sensor *s)
{
    flow_table_flush(s->flows);
}

void sensor_print_stats(const struct sensor *s, FILE *out)
{
    for (int i = 0; i < DC__COUNT; i++)
        if (s->dec.counters[i] || i == DC_PACKETS)
            fprintf(out, "%-28s %llu\n", decode_counter_name((enum decode_counter)i),
                    (unsigned long long)s->dec.counters[i]);
    const uint64_t *st = flow_table_stats(s->flows);
    for (int i = 0; i < FS__COUNT; i++)
        fprintf(out, "%-28s %llu\n", flow_stat_name((enum flow_stat)i),
                (unsigned long long)st[i]);
}
