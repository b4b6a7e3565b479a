/*
 * summary: fragment reassembly with a fixed number of slots and first-wins overlaps
 */
#include "decode/ipfrag.h"

#include <stdlib.h>
#include <string.h>

#include "util/log.h"

#define UNITS ((IPFRAG_MAX_LEN + 7) / 8)

struct frag_slot {
    int used;
    int64_t first_ts;
    struct addr src, dst;
    uint32_t id;
    uint8_t proto;
    uint32_t total; /* payload length once the last fragment is seen, else 0 */
    int have_last;
    int have_first;
    uint8_t first_next; /* protocol / Next Header of the offset-0 fragment */
    uint8_t *buf;   /* IPFRAG_MAX_LEN bytes, allocated on first use */
    uint8_t map[(UNITS + 7) / 8];
};

struct ipfrag {
    struct frag_slot slot[IPFRAG_MAX_PENDING];
    uint8_t out[IPFRAG_MAX_LEN];
};

struct ipfrag *ipfrag_new(void)
{
    return xcalloc(1, sizeof(struct ipfrag));
}

void ipfrag_free(struct ipfrag *f)
{
    if (!f)
        return;
    for (int i = 0; i < IPFRAG_MAX_PENDING; i++)
        free(f->slot[i].buf);
    free(f);
}

static void slot_clear(struct frag_slot *s)
{
    uint8_t *buf = s->buf;
    memset(s, 0, sizeof(*s));
    s->buf = buf;
}

static int unit_set(const struct frag_slot *s, uint32_t u)
{
    return s->map[u / 8] & (1u << (u % 8));
}

static int complete(const struct frag_slot *s)
{
    if (!s->have_last)
        return 0;
    uint32_t units = (s->total + 7) / 8;
    for (uint32_t u = 0; u < units; u++)
        if (!unit_set(s, u))
            return 0;
    return 1;
}

enum ipfrag_result ipfrag_add(struct ipfrag *f, int64_t ts, const struct addr *src,
                              const struct addr *dst, uint32_t id, uint8_t key, uint8_t next,
                              uint32_t off, int more, const uint8_t *data, size_t len,
                              const uint8_t **out, size_t *outlen, uint8_t *first_next,
                              uint64_t *dropped)
{
    uint8_t proto = key;
    if (off % 8 != 0 || off > IPFRAG_MAX_LEN || len > IPFRAG_MAX_LEN - off)
        return IPFRAG_INVALID;
    if (more && (len == 0 || len % 8 != 0))
        return IPFRAG_INVALID;

    struct frag_slot *hit = NULL, *freeslot = NULL, *oldest = NULL;
    for (int i = 0; i < IPFRAG_MAX_PENDING; i++) {
        struct frag_slot *s = &f->slot[i];
        if (s->used && ts - s->first_ts > IPFRAG_TIMEOUT_US) {
            slot_clear(s);
            (*dropped)++;
        }
        if (!s->used) {
            if (!freeslot)
                freeslot = s;
            continue;
        }
        if (s->id == id && s->proto == proto && addr_cmp(&s->src, src) == 0 &&
            addr_cmp(&s->dst, dst) == 0)
            hit = s;
        if (!oldest || s->first_ts < oldest->first_ts)
            oldest = s;
    }
    if (!hit) {
        if (!freeslot) {
            slot_clear(oldest);
            (*dropped)++;
            freeslot = oldest;
        }
        hit = freeslot;
        hit->used = 1;
        hit->first_ts = ts;
        hit->src = *src;
        hit->dst = *dst;
        hit->id = id;
        hit->proto = proto;
        if (!hit->buf)
            hit->buf = xmalloc(IPFRAG_MAX_LEN);
    }

    uint32_t end = off + (uint32_t)len;
    if (off == 0 && !hit->have_first) {
        hit->have_first = 1;
        hit->first_next = next;
    }
    if (!more) {
        if (hit->have_last && hit->total != end)
            return IPFRAG_INVALID; /* two different ends: keep the first */
        hit->have_last = 1;
        hit->total = end;
    } else if (hit->have_last && end > hit->total) {
        return IPFRAG_INVALID;
    }
    /* copy unit by unit, keeping bytes that are already there (first wins) */
    for (uint32_t u = off / 8; u * 8 < end; u++) {
        if (unit_set(hit, u))
            continue;
        uint32_t a = u * 8, b = a + 8 < end ? a + 8 : end;
        memcpy(hit->buf + a, data + (a - off), b - a);
        hit->map[u / 8] |= (uint8_t)(1u << (u % 8));
    }
    if (!complete(hit))
        return IPFRAG_HELD;
    memcpy(f->out, hit->buf, hit->total);
    *out = f->out;
    *outlen = hit->total;
    *first_next = hit->first_next;
    slot_clear(hit);
    return IPFRAG_DONE;
}
