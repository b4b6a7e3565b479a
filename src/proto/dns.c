/*
 * summary: DNS parser (being written: recognises nothing yet)
 */
#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"

static const uint16_t dns_ports[] = {53,5353,5355, 0};

static enum probe_result dns_probe(const uint8_t *data, size_t len, int dir)
{
    (void)data;
    (void)len;
    (void)dir;
    return PROBE_NO;
}

static void *dns_new(struct app_ctx *ctx)
{
    (void)ctx;
    return NULL;
}

static int dns_data(void *st, struct app_ctx *ctx, int dir, const uint8_t *data, size_t len)
{
    (void)st;
    (void)ctx;
    (void)dir;
    (void)data;
    (void)len;
    return PROTO_DONE;
}

static void dns_end(void *st, struct app_ctx *ctx)
{
    (void)st;
    (void)ctx;
}

const struct proto_ops dns_proto = {
    .name = "dns",
    .id = PROTO_DNS,
    .transports = PT_TCP | PT_UDP,
    .ports = dns_ports,
    .probe = dns_probe,
    .state_new = dns_new,
    .data = dns_data,
    .gap = NULL,
    .end = dns_end,
};
