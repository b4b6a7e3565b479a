/*
 * summary: libFuzzer harness for the HTTP parser and file analysis (probe, state_new, data, gap, end)
 *
 * Input: byte 0 sets the connection: bit 0 the server's FIN was seen (a body
 * until close may be whole), bit 1 the client is the responder (requests
 * arrive as direction 1). The rest is a sequence of records: one flags byte
 * (bit 0: direction; bit 1: a gap of (flags >> 2) * 97 + 1 bytes before the
 * record), a big-endian 16-bit length, then that many bytes (fewer if the
 * input ends). Each record is the next piece of that direction's stream,
 * and is also probed alone. The parser's answers are honoured as app.c
 * honours them (PROTO_DONE_DIR, PROTO_DONE, PROTO_TO_TLS end the feeding).
 * Checked beyond the sanitizers: every event is one valid JSON line; the
 * typed bodies keep their promises (strings NUL-terminated at their length,
 * hashes only for whole, gap-free, bounded files; decoded bytes capped).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event/event.h"
#include "flow/flow.h"
#include "json_check.h"
#include "proto/files.h"
#include "proto/http.h"
#include "proto/names.h"
#include "proto/proto.h"
#include "sensor/sensor.h"
#include "util/json.h"
#include "util/rd.h"

extern const struct proto_ops http_proto;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void check_str(const struct http_str *s)
{
    if (s->s && (s->s[s->n] != '\0' || s->n > HTTP_LINE_MAX))
        abort();
    if (!s->s && s->n)
        abort();
}

static void check_http(const struct http_event *e)
{
    const struct http_str *strs[] = {&e->method, &e->host, &e->uri, &e->referrer, &e->version,
                                     &e->user_agent, &e->origin, &e->username,
                                     &e->req_content_type, &e->status_msg, &e->info_msg,
                                     &e->resp_content_type, &e->resp_cd_filename,
                                     &e->req_cd_filename, &e->uri_filename};
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        check_str(strs[i]);
    if (e->username.n > HTTP_USERNAME_MAX || e->status_code > 999 || e->info_code > 199)
        abort();
    if (e->have_request && !e->method.s)
        abort();
}

static int is_hex(const char *s, size_t n)
{
    if (strlen(s) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

static void check_files(const struct files_event *e)
{
    if (e->seen_bytes > FILE_DECODED_MAX || e->filename_len > FILE_NAME_MAX)
        abort();
    if (strlen(e->fuid) != FILE_FUID_LEN || e->fuid[0] != 'F')
        abort();
    if (e->complete) {
        if (e->missing_bytes || e->overflow_bytes || e->decode_error)
            abort();
        if (!is_hex(e->md5, 32) || !is_hex(e->sha1, 40) || !is_hex(e->sha256, 64))
            abort();
    } else if (e->md5[0] || e->sha1[0] || e->sha256[0]) {
        abort();
    }
}

static void harness_check(const struct event *ev)
{
    if (ev->type == EV_HTTP)
        check_http(ev->body);
    else if (ev->type == EV_FILES)
        check_files(ev->body);
}

#include "proto_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready)
        setup();
    file_memo_clear(); /* each input starts from the same state */
    struct rd r = rd_make(data, size);
    uint8_t mode = rd_u8(&r);
    if (!rd_ok(&r))
        return 0;
    struct flow f;
    memset(&f, 0, sizeof(f));
    f.proto = IPPROTO_TCP_;
    f.orig_p = 40000;
    f.resp_p = 80;
    memcpy(f.uid, "Cfuzz", 6);
    int swap = (mode >> 1) & 1;
    struct app_ctx ctx = {.flow = &f, .ts = 1000000, .sensor = &sensor};

    (void)http_proto.probe(data, size, 0);
    void *st = http_proto.state_new(&ctx);
    int want[2] = {1, 1};
    while (rd_left(&r) && st) {
        uint8_t flags = rd_u8(&r);
        uint16_t n = rd_be16(&r);
        if (!rd_ok(&r))
            break;
        size_t take = n < rd_left(&r) ? n : rd_left(&r);
        const uint8_t *p = rd_bytes(&r, take);
        int dir = (flags & 1) ^ swap;
        ctx.ts += 1000;
        if (take)
            (void)http_proto.probe(p, take, dir);
        if ((flags & 2) && want[dir])
            http_proto.gap(st, &ctx, dir, (uint64_t)(flags >> 2) * 97 + 1);
        if (!want[dir] || !take)
            continue;
        int rc = http_proto.data(st, &ctx, dir, p, take);
        if (rc == PROTO_DONE_DIR) {
            want[dir] = 0;
        } else if (rc == PROTO_DONE) {
            want[0] = want[1] = 0;
        } else if (rc == PROTO_TO_TLS) {
            http_proto.end(st, &ctx);
            st = NULL;
        } else if (rc != PROTO_CONTINUE) {
            abort();
        }
    }
    f.dir[swap ? 0 : 1].fin_seen = mode & 1;
    if (st)
        http_proto.end(st, &ctx);
    return 0;
}
