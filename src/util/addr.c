/*
 * summary: address formatting and CIDR membership
 */
#include "util/addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/log.h"

/* Writes v (0-255) in decimal at o; returns the digits written. */
static size_t put_octet(char *o, unsigned v)
{
    if (v >= 100) {
        o[0] = (char)('0' + v / 100);
        o[1] = (char)('0' + v / 10 % 10);
        o[2] = (char)('0' + v % 10);
        return 3;
    }
    if (v >= 10) {
        o[0] = (char)('0' + v / 10);
        o[1] = (char)('0' + v % 10);
        return 2;
    }
    o[0] = (char)('0' + v);
    return 1;
}

size_t addr_format(const struct addr *a, char *out)
{
    if (addr_is_v4(a)) {
        /* by hand: this runs for every address of every event written */
        const uint8_t *p = a->b + 12;
        size_t n = 0;
        for (int i = 0; i < 4; i++) {
            if (i)
                out[n++] = '.';
            n += put_octet(out + n, p[i]);
        }
        out[n] = '\0';
        return n;
    }
    if (!inet_ntop(AF_INET6, a->b, out, ADDR_STRLEN)) {
        out[0] = '\0';
        return 0;
    }
    return strlen(out);
}

int addr_parse(const char *s, struct addr *a)
{
    uint8_t buf[16];
    if (inet_pton(AF_INET, s, buf) == 1) {
        addr_from_v4(a, buf);
        return 0;
    }
    if (inet_pton(AF_INET6, s, buf) == 1) {
        addr_from_v6(a, buf);
        return 0;
    }
    return -1;
}

static int cidr_parse_one(const char *s, size_t n, struct cidr *c)
{
    char tmp[64];
    if (n == 0 || n >= sizeof(tmp))
        return -1;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    char *slash = strchr(tmp, '/');
    long bits = -1;
    if (slash) {
        *slash = '\0';
        const char *d = slash + 1;
        if (!*d || strlen(d) > 3)
            return -1;
        bits = 0;
        for (; *d; d++) {
            if (*d < '0' || *d > '9')
                return -1;
            bits = bits * 10 + (*d - '0');
        }
    }
    if (addr_parse(tmp, &c->net) < 0)
        return -1;
    /* the family is the text's: "::ffff:10.0.0.0/104" is IPv6 notation, prefix in 128 bits */
    int v4 = strchr(tmp, ':') == NULL;
    long maxbits = v4 ? 32 : 128;
    if (bits < 0)
        bits = maxbits;
    if (bits > maxbits)
        return -1;
    c->bits = (unsigned)(v4 ? bits + 96 : bits);
    /* clear host bits so membership is a plain prefix compare */
    for (unsigned i = c->bits; i < 128; i++)
        c->net.b[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
    return 0;
}

int cidr_set_parse(struct cidr_set *set, const char *spec, char *err, size_t errlen)
{
    set->v = NULL;
    set->n = 0;
    const char *p = spec;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        struct cidr c;
        if (cidr_parse_one(p, n, &c) < 0) {
            snprintf(err, errlen, "'%.*s' is not an address or CIDR prefix", (int)(n > 60 ? 60 : n), p);
            cidr_set_release(set);
            return -1;
        }
        set->v = xrealloc(set->v, (set->n + 1) * sizeof(*set->v));
        set->v[set->n++] = c;
        p += n;
        if (*p == ',')
            p++;
    }
    if (set->n == 0) {
        snprintf(err, errlen, "empty network list");
        return -1;
    }
    return 0;
}

void cidr_set_default_internal(struct cidr_set *set)
{
    char err[128];
    if (cidr_set_parse(set, "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,169.254.0.0/16,"
                            "fc00::/7,fe80::/10", err, sizeof(err)) < 0)
        BUG("default internal networks: %s", err);
}

int cidr_set_contains(const struct cidr_set *set, const struct addr *a)
{
    for (size_t i = 0; i < set->n; i++) {
        const struct cidr *c = &set->v[i];
        unsigned full = c->bits / 8, rest = c->bits % 8;
        if (memcmp(a->b, c->net.b, full) != 0)
            continue;
        if (rest) {
            uint8_t mask = (uint8_t)(0xffu << (8 - rest));
            if ((a->b[full] & mask) != c->net.b[full])
                continue;
        }
        return 1;
    }
    return 0;
}

void cidr_set_release(struct cidr_set *set)
{
    free(set->v);
    set->v = NULL;
    set->n = 0;
}
