/*
 * summary: unit tests of fragment reassembly (src/decode/ipfrag.c; RFC 791 section 3.2,
 * RFC 8200 section 4.5), directly and through decode_packet
 */
#include "decode/ipfrag.h"

#include <pcap/dlt.h>
#include <stdlib.h>

#include "decode/decode.h"
#include "test.h"

static struct ipfrag *F;
static struct addr A, B, C;
static uint64_t dropped;
static const uint8_t *out;
static size_t outlen;

static enum ipfrag_result add(int64_t ts, const struct addr *src, uint32_t id, uint8_t proto,
                              uint32_t off, int more, const void *data, size_t len)
{
    out = NULL;
    outlen = 0;
    uint8_t first_next;
    return ipfrag_add(F, ts, src, &B, id, proto, proto, off, more, data, len, &out, &outlen,
                      &first_next, &dropped);
}

static void reset(void)
{
    ipfrag_free(F);
    F = ipfrag_new();
    dropped = 0;
}

static void test_in_order_and_reverse(void)
{
    static const char msg[] = "0123456789abcdefXYZ"; /* 19 bytes: 8 + 8 + 3 */
    reset();
    CHECK_EQ_U(add(0, &A, 1, 17, 0, 1, msg, 8), IPFRAG_HELD);
    CHECK_EQ_U(add(1, &A, 1, 17, 8, 1, msg + 8, 8), IPFRAG_HELD);
    CHECK_EQ_U(add(2, &A, 1, 17, 16, 0, msg + 16, 3), IPFRAG_DONE);
    CHECK_EQ_U(outlen, 19);
    CHECK_MEM(out, msg, 19);
    CHECK_EQ_U(dropped, 0);

    /* the slot is free again: the same fragments start a new datagram */
    CHECK_EQ_U(add(3, &A, 1, 17, 16, 0, msg + 16, 3), IPFRAG_HELD);
    CHECK_EQ_U(add(4, &A, 1, 17, 8, 1, msg + 8, 8), IPFRAG_HELD);
    CHECK_EQ_U(add(5, &A, 1, 17, 0, 1, msg, 8), IPFRAG_DONE);
    CHECK_EQ_U(outlen, 19);
    CHECK_MEM(out, msg, 19);

    /* a last fragment ending on a unit boundary */
    CHECK_EQ_U(add(6, &A, 2, 6, 8, 0, msg + 8, 8), IPFRAG_HELD);
    CHECK_EQ_U(add(7, &A, 2, 6, 0, 1, msg, 8), IPFRAG_DONE);
    CHECK_EQ_U(outlen, 16);
    CHECK_MEM(out, msg, 16);
}

static void test_overlap_first_wins(void)
{
    reset();
    /* A: bytes 0..15, B: 8..23 overlapping A's second unit, C: 24..26 */
    CHECK_EQ_U(add(0, &A, 7, 6, 0, 1, "AAAAAAAABBBBBBBB", 16), IPFRAG_HELD);
    CHECK_EQ_U(add(1, &A, 7, 6, 8, 1, "XXXXXXXXYYYYYYYY", 16), IPFRAG_HELD);
    CHECK_EQ_U(add(2, &A, 7, 6, 24, 0, "ZZZ", 3), IPFRAG_DONE);
    CHECK_EQ_U(outlen, 27);
    CHECK_MEM(out, "AAAAAAAABBBBBBBBYYYYYYYYZZZ", 27);

    /* the other order: the later fragment's bytes arrive first and win */
    CHECK_EQ_U(add(3, &A, 8, 6, 8, 1, "XXXXXXXXYYYYYYYY", 16), IPFRAG_HELD);
    CHECK_EQ_U(add(4, &A, 8, 6, 0, 1, "AAAAAAAABBBBBBBB", 16), IPFRAG_HELD);
    CHECK_EQ_U(add(5, &A, 8, 6, 24, 0, "ZZZ", 3), IPFRAG_DONE);
    CHECK_MEM(out, "AAAAAAAAXXXXXXXXYYYYYYYYZZZ", 27);

    /* a full overwrite attempt (same range, other bytes) changes nothing */
    CHECK_EQ_U(add(6, &A, 9, 6, 0, 1, "original", 8), IPFRAG_HELD);
    CHECK_EQ_U(add(7, &A, 9, 6, 0, 1, "REWRITE!", 8), IPFRAG_HELD);
    CHECK_EQ_U(add(8, &A, 9, 6, 8, 0, "end", 3), IPFRAG_DONE);
    CHECK_MEM(out, "originalend", 11);

    /* a last fragment that overlaps the tail of a middle one */
    CHECK_EQ_U(add(9, &A, 10, 6, 0, 1, "0123456789abcdef", 16), IPFRAG_HELD);
    CHECK_EQ_U(add(10, &A, 10, 6, 8, 0, "QQQQQQQQRR", 10), IPFRAG_DONE);
    CHECK_EQ_U(outlen, 18);
    CHECK_MEM(out, "0123456789abcdefRR", 18);
}

static void test_duplicate_and_missing(void)
{
    reset();
    /* duplicates are harmless */
    CHECK_EQ_U(add(0, &A, 3, 17, 0, 1, "aaaaaaaa", 8), IPFRAG_HELD);
    CHECK_EQ_U(add(0, &A, 3, 17, 0, 1, "aaaaaaaa", 8), IPFRAG_HELD);
    CHECK_EQ_U(add(0, &A, 3, 17, 8, 0, "bb", 2), IPFRAG_DONE);
    CHECK_MEM(out, "aaaaaaaabb", 10);

    /* missing middle: held until it arrives */
    CHECK_EQ_U(add(1, &A, 4, 17, 0, 1, "11111111", 8), IPFRAG_HELD);
    CHECK_EQ_U(add(1, &A, 4, 17, 16, 0, "333", 3), IPFRAG_HELD);
    CHECK_EQ_U(add(1, &A, 4, 17, 16, 0, "333", 3), IPFRAG_HELD); /* duplicate last */
    CHECK(out == NULL);
    CHECK_EQ_U(add(2, &A, 4, 17, 8, 1, "22222222", 8), IPFRAG_DONE);
    CHECK_EQ_U(outlen, 19);
    CHECK_MEM(out, "1111111122222222333", 19);

    /* missing first fragment: never completes */
    CHECK_EQ_U(add(3, &A, 5, 17, 8, 1, "22222222", 8), IPFRAG_HELD);
    CHECK_EQ_U(add(3, &A, 5, 17, 16, 0, "333", 3), IPFRAG_HELD);
    CHECK_EQ_U(dropped, 0);
}

static void test_keys(void)
{
    reset();
    /* same id from other sources or protocols are other datagrams */
    CHECK_EQ_U(add(0, &A, 9, 17, 0, 1, "AAAAAAAA", 8), IPFRAG_HELD);
    CHECK_EQ_U(add(0, &C, 9, 17, 8, 0, "cc", 2), IPFRAG_HELD);
    CHECK_EQ_U(add(0, &A, 9, 6, 8, 0, "tt", 2), IPFRAG_HELD);
    CHECK_EQ_U(add(0, &A, 10, 17, 8, 0, "ii", 2), IPFRAG_HELD);
    CHECK_EQ_U(add(0, &A, 9, 17, 8, 0, "aa", 2), IPFRAG_DONE);
    CHECK_MEM(out, "AAAAAAAAaa", 10);
}

static void test_timeout(void)
{
    reset();
    /* completed exactly at the timeout: still in time */
    CHECK_EQ_U(add(1000, &A, 1, 17, 0, 1, "aaaaaaaa", 8), IPFRAG_HELD);
    CHECK_EQ_U(add(1000 + IPFRAG_TIMEOUT_US, &A, 1, 17, 8, 0, "b", 1), IPFRAG_DONE);
    CHECK_EQ_U(dropped, 0);

    /* one microsecond later: the first fragment was dropped */
    CHECK_EQ_U(add(5000, &A, 2, 17, 0, 1, "aaaaaaaa", 8), IPFRAG_HELD);
    CHECK_EQ_U(add(5000 + IPFRAG_TIMEOUT_US + 1, &A, 2, 17, 8, 0, "b", 1), IPFRAG_HELD);
    CHECK_EQ_U(dropped, 1);

    /* the timeout counts from the first fragment, not the latest */
    reset();
    CHECK_EQ_U(add(0, &A, 3, 17, 0, 1, "aaaaaaaa", 8), IPFRAG_HELD);
    CHECK_EQ_U(add(IPFRAG_TIMEOUT_US - 10, &A, 3, 17, 8, 1, "bbbbbbbb", 8), IPFRAG_HELD);
    CHECK_EQ_U(add(IPFRAG_TIMEOUT_US + 10, &A, 3, 17, 16, 0, "c", 1), IPFRAG_HELD);
    CHECK_EQ_U(dropped, 1);

    /* an unrelated fragment's time also expires stale datagrams */
    reset();
    CHECK_EQ_U(add(0, &A, 4, 17, 0, 1, "aaaaaaaa", 8), IPFRAG_HELD);
    CHECK_EQ_U(add(0, &A, 5, 17, 0, 1, "aaaaaaaa", 8), IPFRAG_HELD);
    CHECK_EQ_U(add(IPFRAG_TIMEOUT_US + 1, &C, 6, 17, 0, 1, "cccccccc", 8), IPFRAG_HELD);
    CHECK_EQ_U(dropped, 2);
}

static void test_slot_exhaustion(void)
{
    reset();
    /* fill every slot, ids 0..63 at times 0..63 */
    for (uint32_t id = 0; id < IPFRAG_MAX_PENDING; id++)
        CHECK_EQ_U(add(id, &A, id, 17, 0, 1, "aaaaaaaa", 8), IPFRAG_HELD);
    CHECK_EQ_U(dropped, 0);
    /* one more: the oldest (id 0) is dropped and counted */
    CHECK_EQ_U(add(100, &A, 1000, 17, 0, 1, "aaaaaaaa", 8), IPFRAG_HELD);
    CHECK_EQ_U(dropped, 1);
    /* id 0 is gone, its last fragment starts over */
    CHECK_EQ_U(add(101, &A, 0, 17, 8, 0, "z", 1), IPFRAG_HELD);
    CHECK_EQ_U(dropped, 2); /* which in turn pushed out id 1 */
    /* id 2 is still there */
    CHECK_EQ_U(add(102, &A, 2, 17, 8, 0, "z", 1), IPFRAG_DONE);
    CHECK_MEM(out, "aaaaaaaaz", 9);
    CHECK_EQ_U(dropped, 2);
    /* its slot is free now: a new datagram takes it without dropping */
    CHECK_EQ_U(add(103, &A, 2000, 17, 0, 1, "aaaaaaaa", 8), IPFRAG_HELD);
    CHECK_EQ_U(dropped, 2);
}

static void test_invalid(void)
{
    static uint8_t buf[IPFRAG_MAX_LEN];
    reset();
    /* offset not a multiple of 8 */
    CHECK_EQ_U(add(0, &A, 1, 17, 4, 1, buf, 8), IPFRAG_INVALID);
    CHECK_EQ_U(add(0, &A, 1, 17, 12, 0, buf, 3), IPFRAG_INVALID);
    /* a middle fragment whose length is not a multiple of 8, or empty */
    CHECK_EQ_U(add(0, &A, 1, 17, 0, 1, buf, 12), IPFRAG_INVALID);
    CHECK_EQ_U(add(0, &A, 1, 17, 8, 1, buf, 0), IPFRAG_INVALID);
    /* ends past 65535 */
    CHECK_EQ_U(add(0, &A, 1, 17, 65528, 0, buf, 8), IPFRAG_INVALID);
    CHECK_EQ_U(add(0, &A, 1, 17, 65536, 0, buf, 0), IPFRAG_INVALID);
    CHECK_EQ_U(add(0, &A, 1, 17, 0xfffffff8u, 0, buf, 16), IPFRAG_INVALID); /* no wrap */
    CHECK_EQ_U(add(0, &A, 1, 17, 0, 0, buf, IPFRAG_MAX_LEN + 1), IPFRAG_INVALID);
    /* exactly 65535 is the largest datagram */
    CHECK_EQ_U(add(0, &A, 1, 17, 65528, 0, buf, 7), IPFRAG_HELD);

    /* two different ends: the second is refused, the first stays */
    reset();
    CHECK_EQ_U(add(0, &A, 2, 17, 8, 0, "end", 3), IPFRAG_HELD);
    CHECK_EQ_U(add(0, &A, 2, 17, 16, 0, "later", 5), IPFRAG_INVALID);
    /* a middle fragment beyond the known end */
    CHECK_EQ_U(add(0, &A, 2, 17, 8, 1, "xxxxxxxx", 8), IPFRAG_INVALID);
    CHECK_EQ_U(add(0, &A, 2, 17, 0, 1, "12345678", 8), IPFRAG_DONE);
    CHECK_MEM(out, "12345678end", 11);

    /* a 65535-byte datagram in 1480-byte fragments, last one first */
    reset();
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 7 + i / 251);
    uint32_t last = (IPFRAG_MAX_LEN / 1480) * 1480;
    CHECK_EQ_U(add(0, &A, 3, 17, last, 0, buf + last, IPFRAG_MAX_LEN - last), IPFRAG_HELD);
    enum ipfrag_result r = IPFRAG_HELD;
    for (uint32_t off = 0; off < last; off += 1480)
        r = add(0, &A, 3, 17, off, 1, buf + off, 1480);
    CHECK_EQ_U(r, IPFRAG_DONE);
    CHECK_EQ_U(outlen, IPFRAG_MAX_LEN);
    CHECK_MEM(out, buf, IPFRAG_MAX_LEN);
}

/* ---- IPv6 fragments end to end ---- */

#define V6_SRC 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01 /* 2001:db8::1 */
#define V6_DST 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02 /* 2001:db8::2 */

/* A UDP datagram of 8 + 12 bytes, [2001:db8::1]:53 -> [2001:db8::2]:54321, as 16 + 4. */
static const uint8_t v6_frag1[] = {
    0x60, 0x00, 0x00, 0x00,
    0x00, 0x18, 0x2c, 0x40, /* payload length 24 (8 + 16), next header 44 (fragment) */
    V6_SRC, V6_DST,
    0x11, 0x00,             /* fragment: next header 17 (UDP), reserved */
    0x00, 0x01,             /* offset 0, M 1 */
    0x00, 0x00, 0x00, 0x2a, /* identification 42 */
    0x00, 0x35, 0xd4, 0x31, /* UDP sport 53, dport 54321 */
    0x00, 0x14, 0x00, 0x00, /* UDP length 20 */
    'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o'};
static const uint8_t v6_frag2[] = {
    0x60, 0x00, 0x00, 0x00,
    0x00, 0x0c, 0x2c, 0x40, /* payload length 12 (8 + 4) */
    V6_SRC, V6_DST,
    0x11, 0x00,
    0x00, 0x10,             /* offset 2 (16 bytes), M 0 */
    0x00, 0x00, 0x00, 0x2a, /* identification 42 */
    'r', 'l', 'd', '!'};

static void test_ipv6_end_to_end(void)
{
    struct decoder d;
    struct packet p;
    CHECK_EQ_I(decoder_init(&d, DLT_RAW), 0);
    CHECK_EQ_U(decode_packet(&d, 10, v6_frag1, sizeof(v6_frag1), sizeof(v6_frag1), &p),
               DECODE_HELD);
    CHECK_EQ_U(decode_packet(&d, 11, v6_frag2, sizeof(v6_frag2), sizeof(v6_frag2), &p),
               DECODE_OK);
    CHECK_EQ_U(p.reassembled, 1);
    CHECK_EQ_U(p.ipver, 6);
    CHECK_EQ_U(p.proto, IPPROTO_UDP_);
    CHECK_EQ_U(p.sport, 53);
    CHECK_EQ_U(p.dport, 54321);
    CHECK_EQ_U(p.ip_len, 60); /* 40 + the 20-byte reassembled payload */
    CHECK_EQ_U(p.payload_len, 12);
    CHECK_EQ_U(p.payload_wire, 12);
    CHECK(p.payload && memcmp(p.payload, "hello world!", 12) == 0);
    CHECK_EQ_I(p.ts, 11);
    CHECK_EQ_U(d.counters[DC_FRAGMENTS], 2);
    CHECK_EQ_U(d.counters[DC_FRAG_REASSEMBLED], 1);
    CHECK_EQ_U(d.counters[DC_UDP], 1);

    /* reverse order */
    CHECK_EQ_U(decode_packet(&d, 12, v6_frag2, sizeof(v6_frag2), sizeof(v6_frag2), &p),
               DECODE_HELD);
    CHECK_EQ_U(decode_packet(&d, 13, v6_frag1, sizeof(v6_frag1), sizeof(v6_frag1), &p),
               DECODE_OK);
    CHECK(p.payload && memcmp(p.payload, "hello world!", 12) == 0);

    /* a first fragment of 15 bytes with M set is invalid */
    uint8_t f[sizeof(v6_frag1)];
    memcpy(f, v6_frag1, sizeof(f));
    f[5] = 0x17; /* payload length 23 */
    CHECK_EQ_U(decode_packet(&d, 14, f, sizeof(f) - 1, sizeof(f) - 1, &p), DECODE_INVALID);
    CHECK_EQ_U(d.counters[DC_FRAG_INVALID], 1);

    /* a fragment cut by the snap length cannot be reassembled */
    CHECK_EQ_U(decode_packet(&d, 15, v6_frag1, 60, sizeof(v6_frag1), &p), DECODE_TRUNC);
    decoder_release(&d);
}

/*
 * RFC 8200 section 4.5: the Fragmentable Part may begin with extension
 * headers that only the destination processes (Destination Options,
 * Routing). After reassembly they must be walked like any other, so the
 * transport header beneath is found.
 */
static void test_ipv6_frag_then_ext_header(void)
{
    static const uint8_t frag1[] = {
        0x60, 0x00, 0x00, 0x00,
        0x00, 0x20, 0x2c, 0x40, /* payload length 32 (8 + 24), next header 44 */
        V6_SRC, V6_DST,
        0x3c, 0x00, 0x00, 0x01, /* fragment: next 60 (destination options), offset 0, M 1 */
        0x00, 0x00, 0x00, 0x07, /* identification 7 */
        0x11, 0x00, 0x01, 0x04, /* destination options: next 17 (UDP), length 0, PadN 4 */
        0x00, 0x00, 0x00, 0x00,
        0x00, 0x35, 0xd4, 0x31, /* UDP 53 -> 54321 */
        0x00, 0x14, 0x00, 0x00, /* UDP length 20 */
        'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o'};
    static const uint8_t frag2[] = {
        0x60, 0x00, 0x00, 0x00,
        0x00, 0x0c, 0x2c, 0x40,
        V6_SRC, V6_DST,
        0x3c, 0x00, 0x00, 0x18, /* next 60, offset 3 (24 bytes), M 0 */
        0x00, 0x00, 0x00, 0x07,
        'r', 'l', 'd', '!'};
    struct decoder d;
    struct packet p;
    CHECK_EQ_I(decoder_init(&d, DLT_RAW), 0);
    CHECK_EQ_U(decode_packet(&d, 1, frag1, sizeof(frag1), sizeof(frag1), &p), DECODE_HELD);
    CHECK_EQ_U(decode_packet(&d, 2, frag2, sizeof(frag2), sizeof(frag2), &p), DECODE_OK);
    CHECK_EQ_U(p.reassembled, 1);
    CHECK_EQ_U(p.proto, IPPROTO_UDP_);
    CHECK_EQ_U(p.sport, 53);
    CHECK_EQ_U(p.dport, 54321);
    CHECK_EQ_U(p.payload_len, 12);
    CHECK(p.payload && p.payload_len == 12 && memcmp(p.payload, "hello world!", 12) == 0);
    decoder_release(&d);
}

/*
 * RFC 8200 section 4.5: "The Next Header values in the Fragment headers of
 * different fragments of the same original packet may differ. Only the
 * value from the Offset zero Fragment packet is used for reassembly." The
 * datagram is identified by source, destination and Identification only.
 */
static void test_ipv6_frag_next_header_differs(void)
{
    uint8_t f2[sizeof(v6_frag2)];
    memcpy(f2, v6_frag2, sizeof(f2));
    f2[40] = 0x3b; /* this fragment's header says next 59 */
    struct decoder d;
    struct packet p;
    CHECK_EQ_I(decoder_init(&d, DLT_RAW), 0);
    CHECK_EQ_U(decode_packet(&d, 1, v6_frag1, sizeof(v6_frag1), sizeof(v6_frag1), &p),
               DECODE_HELD);
    CHECK_EQ_U(decode_packet(&d, 2, f2, sizeof(f2), sizeof(f2), &p), DECODE_OK);
    CHECK_EQ_U(p.proto, IPPROTO_UDP_);
    CHECK(p.payload && p.payload_len == 12 && memcmp(p.payload, "hello world!", 12) == 0);
    decoder_release(&d);
}

int main(void)
{
    static const uint8_t a[4] = {10, 0, 0, 1}, c[4] = {10, 0, 0, 3};
    static const uint8_t b6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    addr_from_v4(&A, a);
    addr_from_v6(&B, b6);
    addr_from_v4(&C, c);
    test_in_order_and_reverse();
    test_overlap_first_wins();
    test_duplicate_and_missing();
    test_keys();
    test_timeout();
    test_slot_exhaustion();
    test_invalid();
    test_ipv6_end_to_end();
    test_ipv6_frag_then_ext_header();
    test_ipv6_frag_next_header_differs();
    ipfrag_free(F);
    return test_done();
}
