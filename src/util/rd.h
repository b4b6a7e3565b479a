/*
 * summary: rd — the one bounds-checked cursor through which all wire bytes are read
 *
 * Every dissector reads untrusted bytes only through these helpers (style.md
 * point 5). A reader holds {p, end, err}. A read past the end returns 0 (or
 * NULL), leaves the cursor where it was and sets the sticky err flag; the
 * caller checks rd_ok() once per record instead of after every field.
 * Lengths are size_t and are compared to the remaining bytes before any
 * pointer is formed, so no subtraction can underflow (style.md point 6).
 */
#ifndef VIGIL_UTIL_RD_H
#define VIGIL_UTIL_RD_H

#include <stddef.h>
#include <stdint.h>

struct rd {
    const uint8_t *p;
    const uint8_t *end;
    int err;
};

static inline struct rd rd_make(const void *buf, size_t len)
{
    struct rd r;
    r.p = (const uint8_t *)buf;
    r.end = len ? r.p + len : r.p; /* (NULL, 0) is an empty reader: no arithmetic on NULL */
    r.err = 0;
    return r;
}

static inline size_t rd_left(const struct rd *r)
{
    return (size_t)(r->end - r->p);
}

static inline int rd_ok(const struct rd *r)
{
    return !r->err;
}

/* True when at least n bytes remain; sets err otherwise. */
static inline int rd_need(struct rd *r, size_t n)
{
    if (r->err || n > rd_left(r)) {
        r->err = 1;
        return 0;
    }
    return 1;
}

static inline uint8_t rd_u8(struct rd *r)
{
    if (!rd_need(r, 1))
        return 0;
    return *r->p++;
}

static inline uint16_t rd_be16(struct rd *r)
{
    if (!rd_need(r, 2))
        return 0;
    uint16_t v = (uint16_t)((unsigned)r->p[0] << 8 | r->p[1]);
    r->p += 2;
    return v;
}

static inline uint32_t rd_be24(struct rd *r)
{
    if (!rd_need(r, 3))
        return 0;
    uint32_t v = (uint32_t)r->p[0] << 16 | (uint32_t)r->p[1] << 8 | r->p[2];
    r->p += 3;
    return v;
}

static inline uint32_t rd_be32(struct rd *r)
{
    if (!rd_need(r, 4))
        return 0;
    uint32_t v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 |
                 (uint32_t)r->p[2] << 8 | r->p[3];
    r->p += 4;
    return v;
}

static inline uint16_t rd_le16(struct rd *r)
{
    if (!rd_need(r, 2))
        return 0;
    uint16_t v = (uint16_t)((unsigned)r->p[1] << 8 | r->p[0]);
    r->p += 2;
    return v;
}

static inline uint32_t rd_le32(struct rd *r)
{
    if (!rd_need(r, 4))
        return 0;
    uint32_t v = (uint32_t)r->p[3] << 24 | (uint32_t)r->p[2] << 16 |
                 (uint32_t)r->p[1] << 8 | r->p[0];
    r->p += 4;
    return v;
}

static inline uint64_t rd_le64(struct rd *r)
{
    if (!rd_need(r, 8))
        return 0;
    uint64_t lo = rd_le32(r);
    uint64_t hi = rd_le32(r);
    return hi << 32 | lo;
}

/* Returns a pointer to the next n bytes and advances, or NULL (and err). */
static inline const uint8_t *rd_bytes(struct rd *r, size_t n)
{
    if (!rd_need(r, n))
        return NULL;
    const uint8_t *q = r->p;
    if (n)
        r->p += n;
    return q;
}

static inline void rd_skip(struct rd *r, size_t n)
{
    if (rd_need(r, n) && n)
        r->p += n;
}

/*
 * Splits off the next n bytes as a reader of their own and advances past
 * them. On overrun the parent's err is set and the child is empty with err.
 */
static inline struct rd rd_sub(struct rd *r, size_t n)
{
    struct rd s;
    if (!rd_need(r, n)) {
        s.p = s.end = r->p;
        s.err = 1;
        return s;
    }
    s.p = r->p;
    s.end = n ? r->p + n : r->p;
    s.err = 0;
    if (n)
        r->p += n;
    return s;
}

/* Peeks at the byte at offset off without advancing; 0 and err if absent. */
static inline uint8_t rd_peek(struct rd *r, size_t off)
{
    if (r->err || off >= rd_left(r)) {
        r->err = 1;
        return 0;
    }
    return r->p[off];
}

#endif
