/*
 * summary: TLS parser (being written: recognises nothing yet)
 */
#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"

static const uint16_t tls_ports[] = {443,465,563,636,853,989,990,992,993,994,995,5061,8443, 0};

static enum probe_result tls_probe(const uint8_t *data, size_t len, int dir)
{
    (void)data;
    (void)len;
    (void)dir;
    return PROBE_NO;
}

static void *tls_new(struct app_ctx *ctx)
{
    (void)ctx;
    return NULL;
}

static int tls_data(void *st, struct app_ctx *ctx, int dir, const uint8_t *data, size_t len)
{
    (void)st;
    (void)ctx;
    (void)dir;
    (void)data;
    (void)len;
    return PROTO_DONE;
}

static void tls_end(void *st, struct app_ctx *ctx)
{
    (void)st;
    (void)ctx;
}

const struct proto_ops tls_proto = {
    .name = "ssl",
    .id = PROTO_TLS,
    .transports = PT_TCP,
    .ports = tls_ports,
    .probe = tls_probe,
    .state_new = tls_new,
    .data = tls_data,
    .gap = NULL,
    .end = tls_end,
};
