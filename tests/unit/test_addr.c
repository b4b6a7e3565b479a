/*
 * summary: unit tests of addresses and CIDR sets (src/util/addr.c; RFC 4291 section 2.5.5.2,
 * RFC 5952 text form)
 */
#include "util/addr.h"

#include "test.h"

static const char *fmt(const struct addr *a)
{
    static char out[ADDR_STRLEN];
    size_t n = addr_format(a, out);
    if (n != strlen(out))
        return "(length mismatch)";
    return out;
}

/* Parses then formats text; "(parse error)" if it does not parse. */
static const char *roundtrip(const char *s)
{
    struct addr a;
    if (addr_parse(s, &a) < 0)
        return "(parse error)";
    return fmt(&a);
}

static void test_v4(void)
{
    static const uint8_t v4[4] = {192, 0, 2, 33}; /* 192.0.2.33 */
    struct addr a;
    addr_from_v4(&a, v4);
    /* stored as ::ffff:192.0.2.33 */
    static const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 33};
    CHECK_MEM(a.b, mapped, 16);
    CHECK(addr_is_v4(&a));
    CHECK_STR(fmt(&a), "192.0.2.33");
    CHECK_EQ_U(addr_format(&a, (char[ADDR_STRLEN]){0}), 10);

    CHECK_STR(roundtrip("0.0.0.0"), "0.0.0.0");
    CHECK_STR(roundtrip("255.255.255.255"), "255.255.255.255");
    CHECK_STR(roundtrip("10.1.2.3"), "10.1.2.3");
    /* v4-mapped v6 text is the same address as the dotted form */
    CHECK_STR(roundtrip("::ffff:10.1.2.3"), "10.1.2.3");
    struct addr x, y;
    CHECK_EQ_I(addr_parse("10.1.2.3", &x), 0);
    CHECK_EQ_I(addr_parse("::ffff:a01:203", &y), 0);
    CHECK_EQ_I(addr_cmp(&x, &y), 0);
}

static void test_v6(void)
{
    /* 2001:db8::1 */
    static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    struct addr a;
    addr_from_v6(&a, v6);
    CHECK(!addr_is_v4(&a));
    CHECK_STR(fmt(&a), "2001:db8::1");

    /* RFC 5952: lowercase, longest zero run compressed, no leading zeros */
    CHECK_STR(roundtrip("2001:0DB8:0000:0000:0000:0000:0000:0001"), "2001:db8::1");
    CHECK_STR(roundtrip("::"), "::");
    CHECK_STR(roundtrip("::1"), "::1");
    CHECK_STR(roundtrip("fe80::1:2"), "fe80::1:2");
    CHECK_STR(roundtrip("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
    CHECK_STR(roundtrip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
              "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    /* the longest possible text fits ADDR_STRLEN */
    CHECK_STR(roundtrip("1111:2222:3333:4444:5555:6666:123.123.123.123"),
              "1111:2222:3333:4444:5555:6666:7b7b:7b7b");
    /* v4-compatible (deprecated ::a.b.c.d) is v6, not v4 */
    struct addr c;
    CHECK_EQ_I(addr_parse("::10.1.2.3", &c), 0);
    CHECK(!addr_is_v4(&c));

    /* ordering is bytewise: every v4 sorts between :: and ::1:0:0:0 */
    struct addr lo, v4, hi;
    CHECK_EQ_I(addr_parse("::1", &lo), 0);
    CHECK_EQ_I(addr_parse("1.2.3.4", &v4), 0);
    CHECK_EQ_I(addr_parse("2001:db8::", &hi), 0);
    CHECK(addr_cmp(&lo, &v4) < 0);
    CHECK(addr_cmp(&v4, &hi) < 0);
}

static void test_parse_errors(void)
{
    static const char *const bad[] = {
        "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.-1", " 1.2.3.4", "1.2.3.4 ",
        "1.2.3.4/8", "a.b.c.d", ":::", "1::2::3", "12345::", "2001:db8::g", "fe80::1%eth0",
        "localhost",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct addr a;
        int rc = addr_parse(bad[i], &a);
        CHECK_EQ_I(rc, -1);
        if (rc != -1)
            fprintf(stderr, "  accepted '%s'\n", bad[i]);
    }
}

/* cidr_set_contains for text a in the set parsed from spec. */
static int in(const struct cidr_set *set, const char *a)
{
    struct addr x;
    if (addr_parse(a, &x) < 0)
        return -1;
    return cidr_set_contains(set, &x);
}

static void test_cidr_parse_errors(void)
{
    static const char *const bad[] = {
        "",               /* empty list */
        "10.0.0.0/33",    /* v4 prefix beyond 32 */
        "::/129",         /* v6 prefix beyond 128 */
        "10.0.0.0/",      /* missing length */
        "10.0.0.0/8/8",   /* two slashes */
        "10.0.0.0/-1",    /* sign */
        "10.0.0.0/+8",
        "10.0.0.0/1000",  /* four digits */
        "10.0.0.0/ 8",
        "10.0.0/8",       /* short address */
        "/8",             /* no address */
        "10.0.0.0/8,,192.168.0.0/16", /* empty element */
        ",10.0.0.0/8",
        "10.0.0.0/8 ,192.168.0.0/16",
        "10.0.0.0/8,nonsense",
        "1111:2222:3333:4444:5555:6666:7777:8888:9999/64", /* too long for the element buffer */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct cidr_set set = {(struct cidr *)1, 99}; /* garbage: parse must overwrite */
        char err[128] = "";
        int rc = cidr_set_parse(&set, bad[i], err, sizeof(err));
        CHECK_EQ_I(rc, -1);
        CHECK(err[0] != '\0');
        CHECK(set.v == NULL && set.n == 0);
        if (rc != -1) {
            fprintf(stderr, "  accepted '%s'\n", bad[i]);
            cidr_set_release(&set);
        }
    }
    /* the message names the bad element */
    struct cidr_set set;
    char err[128];
    CHECK_EQ_I(cidr_set_parse(&set, "10.0.0.0/8,10.0.0.0/40", err, sizeof(err)), -1);
    CHECK_STR(err, "'10.0.0.0/40' is not an address or CIDR prefix");
    CHECK_EQ_I(cidr_set_parse(&set, "", err, sizeof(err)), -1);
    CHECK_STR(err, "empty network list");
    /* a small error buffer is not overrun */
    char small[8];
    memset(small, 'X', sizeof(small));
    CHECK_EQ_I(cidr_set_parse(&set, "bogus", small, 5), -1);
    CHECK_EQ_U(strlen(small), 4);
    CHECK(small[5] == 'X');
}

static void test_cidr_membership(void)
{
    struct cidr_set set;
    char err[128];

    /* a /24 with host bits set in the text: host bits are ignored */
    CHECK_EQ_I(cidr_set_parse(&set, "192.0.2.77/24", err, sizeof(err)), 0);
    CHECK_EQ_U(set.n, 1);
    CHECK_EQ_U(set.v[0].bits, 96 + 24);
    CHECK_EQ_I(in(&set, "192.0.2.0"), 1);
    CHECK_EQ_I(in(&set, "192.0.2.255"), 1);
    CHECK_EQ_I(in(&set, "192.0.3.0"), 0);
    CHECK_EQ_I(in(&set, "192.0.1.255"), 0);
    CHECK_EQ_I(in(&set, "::ffff:192.0.2.9"), 1);
    CHECK_EQ_I(in(&set, "::192.0.2.9"), 0); /* v4-compatible is not v4 */
    cidr_set_release(&set);
    CHECK(set.v == NULL && set.n == 0);

    /* /32 and a bare address: exactly one host */
    CHECK_EQ_I(cidr_set_parse(&set, "198.51.100.7/32,203.0.113.9", err, sizeof(err)), 0);
    CHECK_EQ_U(set.n, 2);
    CHECK_EQ_U(set.v[1].bits, 128);
    CHECK_EQ_I(in(&set, "198.51.100.7"), 1);
    CHECK_EQ_I(in(&set, "198.51.100.6"), 0);
    CHECK_EQ_I(in(&set, "198.51.100.8"), 0);
    CHECK_EQ_I(in(&set, "203.0.113.9"), 1);
    CHECK_EQ_I(in(&set, "203.0.113.10"), 0);
    cidr_set_release(&set);

    /* v4 /0 is all of IPv4 and nothing of IPv6 */
    CHECK_EQ_I(cidr_set_parse(&set, "0.0.0.0/0", err, sizeof(err)), 0);
    CHECK_EQ_U(set.v[0].bits, 96);
    CHECK_EQ_I(in(&set, "0.0.0.0"), 1);
    CHECK_EQ_I(in(&set, "255.255.255.255"), 1);
    CHECK_EQ_I(in(&set, "8.8.8.8"), 1);
    CHECK_EQ_I(in(&set, "::1"), 0);
    CHECK_EQ_I(in(&set, "2001:db8::1"), 0);
    cidr_set_release(&set);

    /* v6 /0 is everything, IPv4 included (v4 lives in ::ffff:0:0/96) */
    CHECK_EQ_I(cidr_set_parse(&set, "::/0", err, sizeof(err)), 0);
    CHECK_EQ_U(set.v[0].bits, 0);
    CHECK_EQ_I(in(&set, "::"), 1);
    CHECK_EQ_I(in(&set, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 1);
    CHECK_EQ_I(in(&set, "10.0.0.1"), 1);
    cidr_set_release(&set);

    /* /128 */
    CHECK_EQ_I(cidr_set_parse(&set, "2001:db8::1/128", err, sizeof(err)), 0);
    CHECK_EQ_I(in(&set, "2001:db8::1"), 1);
    CHECK_EQ_I(in(&set, "2001:db8::"), 0);
    CHECK_EQ_I(in(&set, "2001:db8::2"), 0);
    cidr_set_release(&set);

    /* prefixes not on a byte boundary, v4 and v6 */
    CHECK_EQ_I(cidr_set_parse(&set, "100.64.0.0/10,2001:db8:8000::/33", err, sizeof(err)), 0);
    CHECK_EQ_I(in(&set, "100.64.0.0"), 1);
    CHECK_EQ_I(in(&set, "100.127.255.255"), 1);
    CHECK_EQ_I(in(&set, "100.128.0.0"), 0);
    CHECK_EQ_I(in(&set, "100.63.255.255"), 0);
    CHECK_EQ_I(in(&set, "2001:db8:8000::1"), 1);
    CHECK_EQ_I(in(&set, "2001:db8:ffff:ffff::"), 1);
    CHECK_EQ_I(in(&set, "2001:db8:7fff:ffff::"), 0);
    cidr_set_release(&set);

    /* a trailing comma is tolerated */
    CHECK_EQ_I(cidr_set_parse(&set, "10.0.0.0/8,", err, sizeof(err)), 0);
    CHECK_EQ_U(set.n, 1);
    cidr_set_release(&set);

    /*
     * The v4-mapped IPv6 spelling of a v4 network with its IPv6 prefix
     * length: ::ffff:10.0.0.0/104 is 10.0.0.0/8, and ::ffff:0:0/96 is all
     * of IPv4. Both are valid IPv6 CIDR text (see FINDINGS.md).
     */
    CHECK_EQ_I(cidr_set_parse(&set, "::ffff:10.0.0.0/104", err, sizeof(err)), 0);
    CHECK_EQ_I(in(&set, "10.200.0.1"), 1);
    CHECK_EQ_I(in(&set, "11.0.0.1"), 0);
    cidr_set_release(&set);
    CHECK_EQ_I(cidr_set_parse(&set, "::ffff:0:0/96", err, sizeof(err)), 0);
    CHECK_EQ_I(in(&set, "8.8.8.8"), 1);
    CHECK_EQ_I(in(&set, "2001:db8::1"), 0);
    cidr_set_release(&set);
}

static void test_default_internal(void)
{
    struct cidr_set set;
    cidr_set_default_internal(&set);
    CHECK_EQ_U(set.n, 6);
    static const char *const inside[] = {
        "10.0.0.0", "10.255.255.255", "172.16.0.0", "172.31.255.255", "192.168.0.1",
        "192.168.255.255", "169.254.0.1", "169.254.255.254", "fc00::1", "fd12:3456::1",
        "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe80::1", "febf:ffff::1",
    };
    static const char *const outside[] = {
        "8.8.8.8", "172.32.0.1", "172.15.255.255", "11.0.0.0", "9.255.255.255", "192.169.0.0",
        "192.167.255.255", "169.253.255.255", "169.255.0.0", "127.0.0.1", "0.0.0.0",
        "255.255.255.255", "100.64.0.1", "fbff:ffff::1", "fe00::1", "fec0::1", "2001:db8::1",
        "::1", "::", "::ffff:0:0", "ff02::1",
    };
    for (size_t i = 0; i < sizeof(inside) / sizeof(inside[0]); i++) {
        int r = in(&set, inside[i]);
        CHECK_EQ_I(r, 1);
        if (r != 1)
            fprintf(stderr, "  '%s' should be internal\n", inside[i]);
    }
    for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
        int r = in(&set, outside[i]);
        CHECK_EQ_I(r, 0);
        if (r != 0)
            fprintf(stderr, "  '%s' should be external\n", outside[i]);
    }
    cidr_set_release(&set);
}

int main(void)
{
    test_v4();
    test_v6();
    test_parse_errors();
    test_cidr_parse_errors();
    test_cidr_membership();
    test_default_internal();
    return test_done();
}
