/*
 * summary: the table of application parsers and the helpers they share
 */
#include "proto/proto.h"

#include "flow/flow.h"
#include "proto/names.h"
#include "sensor/sensor.h"

extern const struct proto_ops tls_proto;
extern const struct proto_ops http_proto;
extern const struct proto_ops smtp_proto;
extern const struct proto_ops smb_proto;
extern const struct proto_ops krb_proto;
extern const struct proto_ops dns_proto;
extern const struct proto_ops ssh_proto;

/*
 * Probe order matters only where two probes could both match; each probe
 * looks for a protocol's own magic (a TLS record header, an HTTP method,
 * "SSH-", an SMB header, a banner), so the order is by how cheap the probe is.
 */
const struct proto_ops *const proto_table[] = {
    &tls_proto,
    &http_proto,
    &ssh_proto,
    &smtp_proto,
    &smb_proto,
    &krb_proto,
    &dns_proto,
    NULL,
};

const struct proto_ops *proto_by_id(enum proto_id id)
{
    for (int i = 0; proto_table[i]; i++)
        if (proto_table[i]->id == id)
            return proto_table[i];
    return NULL;
}

int proto_port_usual(const struct proto_ops *p, uint16_t port)
{
    for (const uint16_t *q = p->ports; q && *q; q++)
        if (*q == port)
            return 1;
    return 0;
}

void app_emit(struct app_ctx *ctx, enum event_type type, const void *body,
              void (*fields_json)(const struct event *ev, struct jbuf *jb))
{
    struct event ev = {
        .type = type,
        .ts = ctx->ts,
        .flow = ctx->flow,
        .body = body,
        .fields_json = fields_json,
        .resp_name = ctx->flow ? names_lookup(ctx->sensor->names, &ctx->flow->resp_h) : NULL,
    };
    event_emit(ctx->sensor->bus, &ev);
}
