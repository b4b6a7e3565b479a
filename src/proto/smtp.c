/*
 * summary: SMTP parser (being written: recognises nothing yet)
 */
#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"

static const uint16_t smtp_ports[] = {25,587,2525, 0};

static enum probe_result smtp_probe(const uint8_t *data, size_t len, int dir)
{
    (void)data;
    (void)len;
    (void)dir;
    return PROBE_NO;
}

static void *smtp_new(struct app_ctx *ctx)
{
    (void)ctx;
    return NULL;
}

static int smtp_data(void *st, struct app_ctx *ctx, int dir, const uint8_t *data, size_t len)
{
    (void)st;
    (void)ctx;
    (void)dir;
    (void)data;
    (void)len;
    return PROTO_DONE;
}

static void smtp_end(void *st, struct app_ctx *ctx)
{
    (void)st;
    (void)ctx;
}

const struct proto_ops smtp_proto = {
    .name = "smtp",
    .id = PROTO_SMTP,
    .transports = PT_TCP,
    .ports = smtp_ports,
    .probe = smtp_probe,
    .state_new = smtp_new,
    .data = smtp_data,
    .gap = NULL,
    .end = smtp_end,
};
