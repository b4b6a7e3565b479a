/*
 * summary: SSH: identification strings and the negotiated algorithms from KEXINIT
 *
 * RFC 4253 section 4.2: each side first sends "SSH-protoversion-software
 * comments" CR LF (at most 255 bytes); a server may send other lines before
 * it. Section 6: binary packets are uint32 packet_length, byte
 * padding_length, payload, padding. Section 7.1: SSH_MSG_KEXINIT (20) =
 * cookie[16] then ten name-lists (uint32 length + comma-separated names);
 * the algorithm used is the first of the client's list that the server
 * lists too. Everything after KEXINIT is encrypted, so the parser is done.
 */
#include "proto/ssh.h"

#include <stdlib.h>
#include <string.h>

#include "flow/flow.h"
#include "proto/proto.h"
#include "util/json.h"
#include "util/log.h"
#include "util/rd.h"

#define SSH_KEXINIT_MAX (64u * 1024) /* a KEXINIT is a few KB; refuse more */
#define SSH_MAX_PRE_LINES 32         /* lines a server may send before its banner */
#define SSH_NAMELISTS 10

enum ssh_dir_state { SD_BANNER, SD_PACKET, SD_DONE };

struct ssh_dir {
    enum ssh_dir_state state;
    uint32_t lines;
    size_t len; /* bytes in buf */
    uint8_t *buf; /* line (up to 256) or KEXINIT packet (up to SSH_KEXINIT_MAX) */
    size_t cap;
    size_t need; /* total length of the packet being collected, 0 if unknown */
    char *lists[SSH_NAMELISTS]; /* KEXINIT name-lists, NUL-terminated */
};

struct ssh_state {
    struct ssh_event ev;
    struct ssh_dir d[2];
    int have_banner[2];
};

static const uint16_t ssh_ports[] = {22, 0};

static enum probe_result ssh_probe(const uint8_t *data, size_t len, int dir)
{
    (void)dir;
    static const char magic[] = "SSH-";
    size_t n = len < 4 ? len : 4;
    if (memcmp(data, magic, n) != 0)
        return PROBE_NO;
    return len < 4 ? PROBE_MORE : PROBE_YES;
}

static void *ssh_new(struct app_ctx *ctx)
{
    (void)ctx;
    return xcalloc(1, sizeof(struct ssh_state));
}

static int dir_reserve(struct ssh_dir *d, size_t need)
{
    if (need <= d->cap)
        return 0;
    if (need > SSH_KEXINIT_MAX + 8)
        return -1;
    size_t cap = d->cap ? d->cap : 512;
    while (cap < need)
        cap *= 2;
    d->buf = xrealloc(d->buf, cap);
    d->cap = cap;
    return 0;
}

/* Copies one name-list (borrowed bytes) into a NUL-terminated string. */
static char *namelist_dup(const uint8_t *p, size_t n)
{
    char *s = xmalloc(n + 1);
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

/* Parses a complete KEXINIT packet in d->buf. */
static void parse_kexinit(struct ssh_dir *d)
{
    struct rd r = rd_make(d->buf, d->len);
    uint32_t plen = rd_be32(&r);
    uint8_t padlen = rd_u8(&r);
    if (!rd_ok(&r) || plen < (uint32_t)padlen + 1)
        return;
    struct rd pl = rd_sub(&r, plen - padlen - 1);
    if (rd_u8(&pl) != 20) /* SSH_MSG_KEXINIT */
        return;
    rd_skip(&pl, 16); /* cookie */
    for (int i = 0; i < SSH_NAMELISTS; i++) {
        uint32_t n = rd_be32(&pl);
        const uint8_t *p = rd_bytes(&pl, n);
        if (!rd_ok(&pl))
            return;
        d->lists[i] = namelist_dup(p, n);
    }
}

/* The first name in client's comma list that is also in server's; "" if none. */
static void negotiate(const char *client, const char *server, char *out)
{
    out[0] = '\0';
    if (!client || !server)
        return;
    const char *c = client;
    while (*c) {
        size_t n = strcspn(c, ",");
        const char *s = server;
        while (*s) {
            size_t m = strcspn(s, ",");
            if (m == n && memcmp(c, s, n) == 0) {
                size_t k = n < SSH_ALG_MAX - 1 ? n : SSH_ALG_MAX - 1;
                memcpy(out, c, k);
                out[k] = '\0';
                return;
            }
            s += m;
            if (*s == ',')
                s++;
        }
        c += n;
        if (*c == ',')
            c++;
    }
}

/* Handles one complete banner line in d->buf (without CR LF). */
static void banner_line(struct ssh_state *st, int dir)
{
    struct ssh_dir *d = &st->d[dir];
    if (d->len >= 4 && memcmp(d->buf, "SSH-", 4) == 0) {
        char *dst = dir == 0 ? st->ev.client : st->ev.server;
        size_t n = d->len < SSH_BANNER_MAX ? d->len : SSH_BANNER_MAX;
        memcpy(dst, d->buf, n);
        dst[n] = '\0';
        for (size_t i = 0; i < n; i++)
            if (dst[i] == '\0')
                dst[i] = '?'; /* keep the string whole for C consumers */
        st->have_banner[dir] = 1;
        if (d->len >= 8 && memcmp(d->buf, "SSH-2.0-", 8) == 0)
            st->ev.version = 2;
        else if (d->len >= 9 && memcmp(d->buf, "SSH-1.99-", 9) == 0)
            st->ev.version = 2;
        else if (d->len >= 6 && memcmp(d->buf, "SSH-1.", 6) == 0 && st->ev.version == 0)
            st->ev.version = 1;
        d->state = SD_PACKET;
    } else if (++d->lines > SSH_MAX_PRE_LINES) {
        d->state = SD_DONE;
    }
    d->len = 0;
}

static int ssh_data(void *vst, struct app_ctx *ctx, int dir, const uint8_t *data, size_t len)
{
    (void)ctx;
    struct ssh_state *st = vst;
    struct ssh_dir *d = &st->d[dir];
    struct rd r = rd_make(data, len);
    while (rd_left(&r) && d->state != SD_DONE) {
        if (d->state == SD_BANNER) {
            uint8_t c = rd_u8(&r);
            if (c == '\n') {
                if (d->len && d->buf[d->len - 1] == '\r')
                    d->len--;
                banner_line(st, dir);
                continue;
            }
            if (d->len >= SSH_BANNER_MAX + 1) {
                d->state = SD_DONE; /* longer than the RFC allows: not SSH as we know it */
                break;
            }
            if (dir_reserve(d, d->len + 1) < 0)
                break;
            d->buf[d->len++] = c;
            continue;
        }
        /* SD_PACKET: collect the first binary packet (KEXINIT) */
        if (d->len < 5) {
            if (dir_reserve(d, 5) < 0)
                break;
            d->buf[d->len++] = rd_u8(&r);
            if (d->len == 5) {
                struct rd h = rd_make(d->buf, 4);
                uint32_t plen = rd_be32(&h);
                if (plen < 2 || plen > SSH_KEXINIT_MAX) {
                    d->state = SD_DONE;
                    break;
                }
                d->need = (size_t)plen + 4;
                if (dir_reserve(d, d->need) < 0) {
                    d->state = SD_DONE;
                    break;
                }
            }
            continue;
        }
        size_t take = d->need - d->len;
        if (take > rd_left(&r))
            take = rd_left(&r);
        const uint8_t *p = rd_bytes(&r, take);
        memcpy(d->buf + d->len, p, take);
        d->len += take;
        if (d->len == d->need) {
            parse_kexinit(d);
            d->state = SD_DONE;
        }
    }
    return d->state == SD_DONE ? PROTO_DONE_DIR : PROTO_CONTINUE;
}

static void ssh_gap(void *vst, struct app_ctx *ctx, int dir, uint64_t len)
{
    (void)ctx;
    (void)len;
    struct ssh_state *st = vst;
    st->d[dir].state = SD_DONE;
}

static void ssh_fields_json(const struct event *ev, struct jbuf *jb)
{
    const struct ssh_event *e = ev->body;
    if (e->version)
        jb_ku64(jb, "version", (uint64_t)e->version);
    if (e->client[0])
        jb_kstr(jb, "client", e->client);
    if (e->server[0])
        jb_kstr(jb, "server", e->server);
    if (e->cipher_alg[0])
        jb_kstr(jb, "cipher_alg", e->cipher_alg);
    if (e->mac_alg[0])
        jb_kstr(jb, "mac_alg", e->mac_alg);
    if (e->compression_alg[0])
        jb_kstr(jb, "compression_alg", e->compression_alg);
    if (e->kex_alg[0])
        jb_kstr(jb, "kex_alg", e->kex_alg);
    if (e->host_key_alg[0])
        jb_kstr(jb, "host_key_alg", e->host_key_alg);
}

static void ssh_end(void *vst, struct app_ctx *ctx)
{
    struct ssh_state *st = vst;
    char **c = st->d[0].lists, **s = st->d[1].lists;
    /* name-lists: 0 kex, 1 host key, 2/3 cipher c2s/s2c, 4/5 mac, 6/7 compression */
    negotiate(c[0], s[0], st->ev.kex_alg);
    negotiate(c[1], s[1], st->ev.host_key_alg);
    negotiate(c[2], s[2], st->ev.cipher_alg);
    negotiate(c[4], s[4], st->ev.mac_alg);
    negotiate(c[6], s[6], st->ev.compression_alg);
    if (st->have_banner[0] || st->have_banner[1])
        app_emit(ctx, EV_SSH, &st->ev, ssh_fields_json);
    for (int d = 0; d < 2; d++) {
        for (int i = 0; i < SSH_NAMELISTS; i++)
            free(st->d[d].lists[i]);
        free(st->d[d].buf);
    }
    free(st);
}

const struct proto_ops ssh_proto = {
    .name = "ssh",
    .id = PROTO_SSH,
    .transports = PT_TCP,
    .ports = ssh_ports,
    .probe = ssh_probe,
    .state_new = ssh_new,
    .data = ssh_data,
    .gap = ssh_gap,
    .end = ssh_end,
};
