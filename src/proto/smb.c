/*
 * summary: SMB parser (being written: recognises nothing yet)
 */
#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"

static const uint16_t smb_ports[] = {139,445, 0};

static enum probe_result smb_probe(const uint8_t *data, size_t len, int dir)
{
    (void)data;
    (void)len;
    (void)dir;
    return PROBE_NO;
}

static void *smb_new(struct app_ctx *ctx)
{
    (void)ctx;
    return NULL;
}

static int smb_data(void *st, struct app_ctx *ctx, int dir, const uint8_t *data, size_t len)
{
    (void)st;
    (void)ctx;
    (void)dir;
    (void)data;
    (void)len;
    return PROTO_DONE;
}

static void smb_end(void *st, struct app_ctx *ctx)
{
    (void)st;
    (void)ctx;
}

const struct proto_ops smb_proto = {
    .name = "smb",
    .id = PROTO_SMB,
    .transports = PT_TCP,
    .ports = smb_ports,
    .probe = smb_probe,
    .state_new = smb_new,
    .data = smb_data,
    .gap = NULL,
    .end = smb_end,
};
