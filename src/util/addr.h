/*
 * summary: IP addresses (v4 stored as v4-mapped v6, RFC 4291 section 2.5.5.2) and CIDR sets
 */
#ifndef VIGIL_UTIL_ADDR_H
#define VIGIL_UTIL_ADDR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct addr {
    uint8_t b[16];
};

#define ADDR_STRLEN 46 /* INET6_ADDRSTRLEN */

static inline void addr_from_v4(struct addr *a, const uint8_t v4[4])
{
    memset(a->b, 0, 10);
    a->b[10] = 0xff;
    a->b[11] = 0xff;
    memcpy(a->b + 12, v4, 4);
}

static inline void addr_from_v6(struct addr *a, const uint8_t v6[16])
{
    memcpy(a->b, v6, 16);
}

static inline int addr_is_v4(const struct addr *a)
{
    static const uint8_t pfx[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return memcmp(a->b, pfx, 12) == 0;
}

static inline int addr_cmp(const struct addr *x, const struct addr *y)
{
    return memcmp(x->b, y->b, 16);
}

/* Formats a into out (at least ADDR_STRLEN bytes); returns the length. */
size_t addr_format(const struct addr *a, char *out);

/* Parses dotted IPv4 or IPv6 text; returns 0 or -1. */
int addr_parse(const char *s, struct addr *a);

struct cidr {
    struct addr net;
    unsigned bits; /* prefix length in the 128-bit space */
};

struct cidr_set {
    struct cidr *v;
    size_t n;
};

/* Parses "A/len,B/len,…" (a bare address is a host route); returns 0 or -1
 * and on error names the bad element in err (errlen bytes). */
int cidr_set_parse(struct cidr_set *set, const char *spec, char *err, size_t errlen);
/* RFC 1918, RFC 4193 (fc00::/7), link-local (169.254/16, fe80::/10). */
void cidr_set_default_internal(struct cidr_set *set);
int cidr_set_contains(const struct cidr_set *set, const struct addr *a);
void cidr_set_release(struct cidr_set *set);

#endif
