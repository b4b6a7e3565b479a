/*
 * summary: HTTP parser (being written: recognises nothing yet)
 */
#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"

static const uint16_t http_ports[] = {80,8000,8008,8080,8888,3128, 0};

static enum probe_result http_probe(const uint8_t *data, size_t len, int dir)
{
    (void)data;
    (void)len;
    (void)dir;
    return PROBE_NO;
}

static void *http_new(struct app_ctx *ctx)
{
    (void)ctx;
    return NULL;
}

static int http_data(void *st, struct app_ctx *ctx, int dir, const uint8_t *data, size_t len)
{
    (void)st;
    (void)ctx;
    (void)dir;
    (void)data;
    (void)len;
    return PROTO_DONE;
}

static void http_end(void *st, struct app_ctx *ctx)
{
    (void)st;
    (void)ctx;
}

const struct proto_ops http_proto = {
    .name = "http",
    .id = PROTO_HTTP,
    .transports = PT_TCP,
    .ports = http_ports,
    .probe = http_probe,
    .state_new = http_new,
    .data = http_data,
    .gap = NULL,
    .end = http_end,
};
