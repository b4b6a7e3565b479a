/*
 * summary: KRB parser (being written: recognises nothing yet)
 */
#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"

static const uint16_t krb_ports[] = {88, 0};

static enum probe_result krb_probe(const uint8_t *data, size_t len, int dir)
{
    (void)data;
    (void)len;
    (void)dir;
    return PROBE_NO;
}

static void *krb_new(struct app_ctx *ctx)
{
    (void)ctx;
    return NULL;
}

static int krb_data(void *st, struct app_ctx *ctx, int dir, const uint8_t *data, size_t len)
{
    (void)st;
    (void)ctx;
    (void)dir;
    (void)data;
    (void)len;
    return PROTO_DONE;
}

static void krb_end(void *st, struct app_ctx *ctx)
{
    (void)st;
    (void)ctx;
}

const struct proto_ops krb_proto = {
    .name = "krb",
    .id = PROTO_KRB,
    .transports = PT_TCP | PT_UDP,
    .ports = krb_ports,
    .probe = krb_probe,
    .state_new = krb_new,
    .data = krb_data,
    .gap = NULL,
    .end = krb_end,
};
