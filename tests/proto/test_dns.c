/*
 * summary: DNS parser tests: real captures against tshark, TCP framing, malformed input
 *
 * 1. Real captures go through the whole pipeline (capture file -> sensor ->
 *    app layer -> dns.c); the dns events are checked against values read
 *    with tshark 4.0.17 (each expectation names the command that gave it).
 * 2. The names_learn() side effect: a later connection to an answered
 *    address carries the queried name as resp_name.
 * 3. TCP: real messages of those captures, framed with the RFC 1035
 *    section 4.2.2 length prefix, fed in every chunk size, several per
 *    stream; the events must equal the UDP ones.
 * 4. Malformed input through the parser's own entry points: a real
 *    response cut at every byte, compression loops, forward pointers,
 *    overlong names and labels, lying counts and lengths, garbage.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "event/event.h"
#include "flow/flow.h"
#include "proto/dns.h"
#include "proto/proto.h"
#include "sensor/sensor.h"
#include "proto_run.h"
#include "test.h"
#include "util/json.h"

extern const struct proto_ops dns_proto;

/* ---- recording events ---- */

struct rec {
    enum event_type type;
    char *json;            /* the whole event as vigil prints it */
    struct dns_event *dns; /* copy of the body of a dns event */
};

static struct rec *recs;
static size_t nrec, caprec;
static struct jbuf jb;

static void rec_clear(void)
{
    for (size_t i = 0; i < nrec; i++) {
        free(recs[i].json);
        free(recs[i].dns);
    }
    nrec = 0;
}

static void rec_sink(void *ctx, const struct event *ev)
{
    (void)ctx;
    if (nrec == caprec) {
        caprec = caprec ? caprec * 2 : 256;
        recs = realloc(recs, caprec * sizeof(*recs));
        if (!recs)
            abort();
    }
    struct rec *r = &recs[nrec++];
    memset(r, 0, sizeof(*r));
    r->type = ev->type;
    jb_reset(&jb);
    event_to_json(ev, &jb);
    r->json = malloc(jb.len + 1);
    if (!r->json)
        abort();
    memcpy(r->json, jb.buf, jb.len);
    r->json[jb.len] = '\0';
    if (ev->type == EV_DNS) {
        r->dns = malloc(sizeof(*r->dns));
        if (!r->dns)
            abort();
        memcpy(r->dns, ev->body, sizeof(*r->dns));
    }
}

static int run_file(const char *rel)
{
    char path[1024];
    shared_pcap(path, sizeof(path), rel);
    rec_clear();
    int rc = run_pipeline(path, rec_sink, NULL);
    if (rc < 0)
        fprintf(stderr, "cannot read %s\n", path);
    return rc;
}

/* The first dns event with this transaction id and qtype (0: any), or NULL. */
static const struct dns_event *find_dns(unsigned trans_id, unsigned qtype)
{
    for (size_t i = 0; i < nrec; i++) {
        const struct dns_event *e = recs[i].dns;
        if (e && e->trans_id == trans_id && (!qtype || e->qtype == qtype))
            return e;
    }
    return NULL;
}

static size_t count_dns(void)
{
    size_t n = 0;
    for (size_t i = 0; i < nrec; i++)
        n += recs[i].dns != NULL;
    return n;
}

/* Checks e's answers against a NULL-terminated list. */
static void check_answers(const struct dns_event *e, const char *const *want, const uint32_t *ttls)
{
    size_t n = 0;
    while (want[n])
        n++;
    CHECK_EQ_U(e->n_answers, n);
    for (size_t i = 0; i < n && i < e->n_answers; i++) {
        CHECK_STR(dns_event_answer(e, i), want[i]);
        if (ttls)
            CHECK_EQ_U(e->ttls[i], ttls[i]);
    }
}

/* ---- 1, 2. real captures ---- */

static void test_pcapng_multi_interface(void)
{
    /*
     * tshark -r protocol/zeek-pcapng-multi-interface.pcapng -T fields -e frame.number
     *   -e dns.id -e dns.flags.response -e dns.qry.name -e dns.qry.type -e dns.flags.rcode
     *   -e dns.a -e dns.aaaa -e dns.cname -e dns.resp.ttl -e dns.time
     * 1 0x4fe8 0 www.apple.com 1
     * 2 0x4fe8 1 www.apple.com 1 0 23.194.101.24 - www-apple-com.v.aaplimg.com,
     *   www.apple.com.edgekey.net,e6858.dsce9.akamaiedge.net  271,271,271,9  0.013961447
     * 3 0x0004 0 google.com 1
     * 4 0x0004 1 google.com 1 0 142.251.181.138,.139,.113,.100,.101,.102  137 x6  0.014563
     * 5 0x0005 0 google.com 28
     * 6 0x0005 1 google.com 28 0 2607:f8b0:4023:2007::66,::8b,::71,::8a  112 x4
     * (dns.flags.recavail 1, dns.flags.authoritative 0, dns.flags.recdesired 1 in all)
     */
    CHECK(run_file("protocol/zeek-pcapng-multi-interface.pcapng") == 0);
    CHECK_EQ_U(count_dns(), 3);
    const struct dns_event *e = find_dns(0x4fe8, 1);
    CHECK(e != NULL);
    if (e) {
        CHECK_STR(e->query, "www.apple.com");
        CHECK_EQ_U(e->qtype, 1);
        CHECK_EQ_U(e->qclass, 1);
        CHECK(e->saw_query && e->saw_reply);
        CHECK_EQ_U(e->rcode, 0);
        CHECK_EQ_U(e->proto, 17);
        CHECK(e->RD && e->RA && !e->AA && !e->TC && !e->rejected && !e->malformed);
        CHECK_EQ_I(e->rtt_us, 13961); /* dns.time 0.013961447 s, at microsecond precision */
        static const char *const want[] = {"www-apple-com.v.aaplimg.com",
                                           "www.apple.com.edgekey.net",
                                           "e6858.dsce9.akamaiedge.net", "23.194.101.24", NULL};
        static const uint32_t ttl[] = {271, 271, 271, 9};
        check_answers(e, want, ttl);
    }
    e = find_dns(0x0004, 1);
    CHECK(e != NULL);
    if (e) {
        CHECK_STR(e->query, "google.com");
        static const char *const want[] = {"142.251.181.138", "142.251.181.139",
                                           "142.251.181.113", "142.251.181.100",
                                           "142.251.181.101", "142.251.181.102", NULL};
        static const uint32_t ttl[] = {137, 137, 137, 137, 137, 137};
        check_answers(e, want, ttl);
    }
    e = find_dns(0x0005, 28);
    CHECK(e != NULL);
    if (e) {
        CHECK_STR(e->query, "google.com");
        static const char *const want[] = {"2607:f8b0:4023:2007::66", "2607:f8b0:4023:2007::8b",
                                           "2607:f8b0:4023:2007::71", "2607:f8b0:4023:2007::8a",
                                           NULL};
        static const uint32_t ttl[] = {112, 112, 112, 112};
        check_answers(e, want, ttl);
    }
}

static void test_ndpi_dns_pppoe_vlan(void)
{
    /*
     * tshark -r protocol/ndpi-dns.pcap -T fields -e frame.number -e dns.id
     *   -e dns.flags.response -e dns.qry.name -e dns.qry.type -e dns.flags.rcode
     *   -e dns.count.answers -e dns.a
     * 1 0xdca2 1 www.l.google.com 28 0 0              (a response whose query is not captured)
     * 2 0xbc1f 0 www.example.com 28
     * 3 0xbc1f 1 www.example.com 28 0 0
     * 4 0x7843 0 e7.whatsapp.net 1
     * 5 0x7843 1 e7.whatsapp.net 1 0 8 169.45.219.235,169.47.40.142,169.45.248.121,
     *   108.168.176.234,169.45.248.189,169.45.248.180,169.53.81.79,169.45.219.232
     * (frames 4-5 are in PPPoE inside two VLAN tags; ttl 491: -e dns.resp.ttl)
     */
    CHECK(run_file("protocol/ndpi-dns.pcap") == 0);
    CHECK_EQ_U(count_dns(), 3);
    const struct dns_event *e = find_dns(0xdca2, 0);
    CHECK(e != NULL);
    if (e) {
        CHECK(!e->saw_query && e->saw_reply);
        CHECK_STR(e->query, "www.l.google.com");
        CHECK_EQ_U(e->qtype, 28);
        CHECK_EQ_U(e->n_answers, 0);
        CHECK(e->rejected); /* Zeek: a response with no records at all */
        CHECK_EQ_I(e->rtt_us, -1);
    }
    e = find_dns(0xbc1f, 0);
    CHECK(e != NULL);
    if (e) {
        CHECK(e->saw_query && e->saw_reply);
        CHECK_STR(e->query, "www.example.com");
        CHECK_EQ_U(e->qtype, 28);
    }
    e = find_dns(0x7843, 0);
    CHECK(e != NULL);
    if (e) {
        CHECK_STR(e->query, "e7.whatsapp.net");
        static const char *const want[] = {"169.45.219.235", "169.47.40.142", "169.45.248.121",
                                           "108.168.176.234", "169.45.248.189", "169.45.248.180",
                                           "169.53.81.79", "169.45.219.232", NULL};
        static const uint32_t ttl[] = {491, 491, 491, 491, 491, 491, 491, 491};
        check_answers(e, want, ttl);
    }
}

static void test_names_learned(void)
{
    /*
     * tshark -r benign/zeek-smtp.pcap -Y dns -T fields -e dns.qry.name -e dns.cname -e dns.a
     *   mail.patriots.in  patriots.in  74.53.140.153
     * tshark -r benign/zeek-smtp.pcap -Y "tcp.flags==0x002" -T fields -e ip.dst -e tcp.dstport
     *   74.53.140.153 25   (the SMTP connection that follows the lookup)
     * The answer is for the CNAME target, the name learned is the queried one.
     */
    CHECK(run_file("benign/zeek-smtp.pcap") == 0);
    const struct dns_event *e = find_dns(0x7956, 1);
    CHECK(e != NULL);
    if (e) {
        CHECK_STR(e->query, "mail.patriots.in");
        static const char *const want[] = {"patriots.in", "74.53.140.153", NULL};
        check_answers(e, want, NULL);
    }
    int found = 0;
    for (size_t i = 0; i < nrec; i++)
        if (recs[i].type == EV_CONN && strstr(recs[i].json, "\"id.resp_h\":\"74.53.140.153\"") &&
            strstr(recs[i].json, "\"id.resp_p\":25,"))
            found = strstr(recs[i].json, "\"resp_name\":\"mail.patriots.in\"") != NULL;
    CHECK(found);
}

static void test_record_types(void)
{
    /*
     * tshark -r benign/elcab-ad-host-signin.pcap -Y "dns.flags.response==1 &&
     *   dns.count.answers>0 && (dns.qry.type==33 || dns.qry.type==6 || dns.qry.type==2)"
     *   -T fields -e frame.number -e dns.id -e dns.qry.name -e dns.srv.target
     *   -e dns.soa.mname -e dns.ns -e dns.resp.ttl
     * 163 0xd92f _ldap._tcp.Default-First-Site-Name._sites.dc._msdcs.picklesworth.local
     *     snicklefritz.picklesworth.local (SRV) 600,...
     * 196 0xd632 picklesworth.local  NS snicklefritz.picklesworth.local 3600,...
     * 198 0x23de picklesworth.local  SOA mname snicklefritz.picklesworth.local 3600,...
     * 508 0x75c4 192.in-addr.arpa    SOA mname z.arin.net, then an RRSIG covering SOA (6)
     *     signed by 192.in-addr.arpa (-O dns), ttl 23427,23427
     */
    CHECK(run_file("benign/elcab-ad-host-signin.pcap") == 0);
    const struct dns_event *e = find_dns(0xd92f, 33);
    CHECK(e != NULL);
    if (e) {
        CHECK_STR(e->original_query,
                  "_ldap._tcp.Default-First-Site-Name._sites.dc._msdcs.picklesworth.local");
        CHECK_STR(e->query,
                  "_ldap._tcp.default-first-site-name._sites.dc._msdcs.picklesworth.local");
        static const char *const want[] = {"snicklefritz.picklesworth.local", NULL};
        static const uint32_t ttl[] = {600};
        check_answers(e, want, ttl);
        CHECK(e->AA);
    }
    e = find_dns(0xd632, 2);
    CHECK(e != NULL);
    if (e) {
        static const char *const want[] = {"snicklefritz.picklesworth.local", NULL};
        static const uint32_t ttl[] = {3600};
        check_answers(e, want, ttl);
    }
    e = find_dns(0x23de, 6);
    CHECK(e != NULL);
    if (e) {
        static const char *const want[] = {"snicklefritz.picklesworth.local", NULL};
        check_answers(e, want, NULL);
    }
    e = find_dns(0x75c4, 6);
    CHECK(e != NULL);
    if (e) {
        static const char *const want[] = {"z.arin.net", "RRSIG 6 192.in-addr.arpa", NULL};
        static const uint32_t ttl[] = {23427, 23427};
        check_answers(e, want, ttl);
    }
    /*
     * Message counts, standard queries only (opcode 0; 19 dynamic updates are not tracked):
     * tshark -r benign/elcab-ad-host-signin.pcap -Y "dns.flags.opcode==0 &&
     *   dns.flags.response==0 && udp.port==53" | wc -l   -> 113
     * ... dns.flags.response==1 ...                     -> 65
     */
    size_t q = 0, r = 0;
    for (size_t i = 0; i < nrec; i++) {
        const struct dns_event *d = recs[i].dns;
        if (!d || !strstr(recs[i].json, "\"id.resp_p\":53,"))
            continue;
        q += d->saw_query;
        r += d->saw_reply;
    }
    CHECK_EQ_U(q, 113);
    CHECK_EQ_U(r, 65);
}

static void test_txt_ptr_counts(void)
{
    /*
     * tshark -r malware/slips-beacon-semiperiodic-2-3s.pcap -Y "dns.id==0x3065 ||
     *   dns.id==0xb648" -T fields -e dns.flags.response -e dns.qry.name -e dns.txt
     *   -e dns.txt.length -e dns.ptr.domain_name -e dns.resp.ttl -e dns.time
     * 1 154.151.86.117.origin.asn.cymru.com "4134 | 117.80.0.0/12 | CN | apnic | 2007-07-04"
     *   46  ttl 14400  0.252732
     * 1 35.136.97.202.in-addr.arpa  PTR 35.136.97.202.adsl-pool.sx.cn  ttl 86400  3.032115
     * Counts: -Y "dns.flags.response==0" | wc -l -> 247 queries, response==1 -> 248 responses
     * (tshark -2 ... "dns.flags.response==1 && !dns.response_to" -> 1 lone response)
     */
    CHECK(run_file("malware/slips-beacon-semiperiodic-2-3s.pcap") == 0);
    const struct dns_event *e = find_dns(0x3065, 16);
    CHECK(e != NULL);
    if (e) {
        static const char *const want[] = {"TXT 46 4134 | 117.80.0.0/12 | CN | apnic | 2007-07-04",
                                           NULL};
        static const uint32_t ttl[] = {14400};
        check_answers(e, want, ttl);
        CHECK_EQ_I(e->rtt_us, 252732);
    }
    e = find_dns(0xb648, 12);
    CHECK(e != NULL);
    if (e) {
        static const char *const want[] = {"35.136.97.202.adsl-pool.sx.cn", NULL};
        static const uint32_t ttl[] = {86400};
        check_answers(e, want, ttl);
        CHECK_EQ_I(e->rtt_us, 3032115);
    }
    size_t q = 0, r = 0, lone_r = 0;
    for (size_t i = 0; i < nrec; i++) {
        const struct dns_event *d = recs[i].dns;
        if (!d)
            continue;
        q += d->saw_query;
        r += d->saw_reply;
        lone_r += d->saw_reply && !d->saw_query;
    }
    CHECK_EQ_U(q, 247);
    CHECK_EQ_U(r, 248);
    CHECK_EQ_U(lone_r, 1);
}

static void test_malformed_captures(void)
{
    /*
     * tshark -r protocol/ndpi-malformed_dns.pcap -T fields -e dns.id -e dns.flags.response
     *   -e dns.qry.name -e dns.a -e dns.cname
     * 0x84b4 0 www.xt.com                                    (frames 1 and 4)
     * 0x84b4 1 www.xt.com,<Name too long> 66.66.66.66 <Name too long>   (frames 2,3,5,6)
     * Two queries, four responses: two pairs and two lone responses, all marked malformed
     * (their second question and their CNAME target are longer than 255 bytes).
     */
    CHECK(run_file("protocol/ndpi-malformed_dns.pcap") == 0);
    CHECK_EQ_U(count_dns(), 4);
    size_t pairs = 0;
    for (size_t i = 0; i < nrec; i++) {
        const struct dns_event *d = recs[i].dns;
        if (!d)
            continue;
        pairs += d->saw_query && d->saw_reply;
        CHECK(d->malformed);
        CHECK_STR(d->query, "www.xt.com");
        CHECK(d->n_answers == 2);
        if (d->n_answers >= 1)
            CHECK_STR(dns_event_answer(d, 0), "66.66.66.66");
        if (d->n_answers >= 2)
            CHECK(strlen(dns_event_answer(d, 1)) < DNS_NAME_TEXT_MAX);
    }
    CHECK_EQ_U(pairs, 2);
    /*
     * ndpi-badpackets.pcap: 93 DNS responses cut by the snap length inside IP fragments;
     * the decoder drops them (truncated IPv4), so nothing reaches the parser. No crash.
     */
    CHECK(run_file("protocol/ndpi-badpackets.pcap") == 0);
    CHECK_EQ_U(count_dns(), 0);
}

/* ---- direct parser calls ---- */

/* One sensor for every direct call: its bus records, its name map is shared. */
static struct sensor g_sensor;
static struct event_bus g_bus;
static int g_ready;

static struct sensor *shared_sensor(void)
{
    if (!g_ready) {
        struct sensor_config cfg;
        memset(&cfg, 0, sizeof(cfg));
        flow_config_default(&cfg.flow);
        cfg.flow.max_flows = 16;
        event_bus_init(&g_bus);
        struct event_sink sink = {rec_sink, NULL};
        if (event_bus_add(&g_bus, sink) < 0 || sensor_init(&g_sensor, &cfg, &g_bus) < 0)
            abort();
        g_ready = 1;
    }
    return &g_sensor;
}

struct direct {
    struct flow f;
    struct app_ctx ctx;
    void *st;
};

static void direct_open(struct direct *d, uint8_t proto)
{
    memset(d, 0, sizeof(*d));
    rec_clear();
    d->f.proto = proto;
    d->f.orig_p = 40000;
    d->f.resp_p = 53;
    memcpy(d->f.uid, "Ctest", 6);
    d->ctx.flow = &d->f;
    d->ctx.sensor = shared_sensor();
    d->ctx.ts = 1000000;
    d->st = dns_proto.state_new(&d->ctx);
}

static void direct_feed(struct direct *d, int dir, const uint8_t *p, size_t n)
{
    d->ctx.ts += 1000;
    (void)dns_proto.data(d->st, &d->ctx, dir, p, n);
}

static void direct_close(struct direct *d)
{
    dns_proto.end(d->st, &d->ctx);
}

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
    size_t n = 0;
    while (h[0] && h[1] && n < cap) {
        unsigned v;
        if (sscanf(h, "%2x", &v) != 1)
            break;
        out[n++] = (uint8_t)v;
        h += 2;
    }
    return n;
}

/*
 * Frames 1 and 2 of protocol/zeek-pcapng-multi-interface.pcapng:
 * tshark -r protocol/zeek-pcapng-multi-interface.pcapng -T fields -e udp.payload -c 2
 * (www.apple.com A query with an EDNS OPT; the response: 3 CNAMEs, then A 23.194.101.24)
 */
static const char apple_q_hex[] =
    "4fe80120000100000000000103777777056170706c6503636f6d000001000100002904d000000000000c000a"
    "000853d4fe03d5bc8577";
static const char apple_r_hex[] =
    "4fe88180000100040000000103777777056170706c6503636f6d0000010001c00c000500010000010f001a0d"
    "7777772d6170706c652d636f6d0176076161706c696d67c016c02b000500010000010f001b03777777056170"
    "706c6503636f6d07656467656b6579036e657400c051000500010000010f00190565363835380564736365390a"
    "616b616d616965646765c067c0780001000100000009000417c2651800002904d0000000000000";

static uint8_t apple_q[256], apple_r[512];
static size_t apple_q_len, apple_r_len;

static void check_apple(const struct dns_event *e)
{
    CHECK(e != NULL);
    if (!e)
        return;
    CHECK(e->saw_query && e->saw_reply && !e->malformed);
    CHECK_STR(e->query, "www.apple.com");
    static const char *const want[] = {"www-apple-com.v.aaplimg.com", "www.apple.com.edgekey.net",
                                       "e6858.dsce9.akamaiedge.net", "23.194.101.24", NULL};
    check_answers(e, want, NULL);
}

/* ---- 3. TCP framing ---- */

static void test_tcp_framing(void)
{
    uint8_t qs[600], rs[600];
    /* one message per direction, framed */
    qs[0] = (uint8_t)(apple_q_len >> 8);
    qs[1] = (uint8_t)apple_q_len;
    memcpy(qs + 2, apple_q, apple_q_len);
    rs[0] = (uint8_t)(apple_r_len >> 8);
    rs[1] = (uint8_t)apple_r_len;
    memcpy(rs + 2, apple_r, apple_r_len);
    size_t ql = apple_q_len + 2, rl = apple_r_len + 2;

    CHECK(dns_proto.probe(qs, ql, 0) == PROBE_YES);
    CHECK(dns_proto.probe(rs, rl, 1) == PROBE_YES);
    CHECK(dns_proto.probe(qs, 1, 0) == PROBE_MORE);
    CHECK(dns_proto.probe(qs, 20, 0) == PROBE_MORE); /* header, question not yet complete */

    int all_ok = 1;
    for (size_t chunk = 1; chunk <= rl; chunk++) {
        struct direct d;
        direct_open(&d, 6);
        for (size_t off = 0; off < ql; off += chunk)
            direct_feed(&d, 0, qs + off, ql - off < chunk ? ql - off : chunk);
        for (size_t off = 0; off < rl; off += chunk)
            direct_feed(&d, 1, rs + off, rl - off < chunk ? rl - off : chunk);
        direct_close(&d);
        if (count_dns() != 1 || !recs[0].dns || recs[0].dns->proto != 6 ||
            recs[0].dns->n_answers != 4 || strcmp(recs[0].dns->query, "www.apple.com") != 0)
            all_ok = 0;
    }
    CHECK(all_ok);
    struct direct d;
    direct_open(&d, 6);
    direct_feed(&d, 0, qs, ql);
    direct_feed(&d, 1, rs, rl);
    direct_close(&d);
    CHECK_EQ_U(count_dns(), 1);
    if (nrec)
        check_apple(recs[0].dns);

    /* three queries and three responses, back to back in one segment each way */
    uint8_t q3[1800], r3[1800];
    size_t q3l = 0, r3l = 0;
    for (int i = 0; i < 3; i++) {
        memcpy(q3 + q3l, qs, ql);
        q3[q3l + 3] = (uint8_t)(0xe8 + i); /* distinct transaction ids */
        q3l += ql;
        memcpy(r3 + r3l, rs, rl);
        r3[r3l + 3] = (uint8_t)(0xe8 + i);
        r3l += rl;
    }
    direct_open(&d, 6);
    direct_feed(&d, 0, q3, q3l);
    direct_feed(&d, 1, r3, r3l);
    direct_close(&d);
    CHECK_EQ_U(count_dns(), 3);
    for (size_t i = 0; i < nrec; i++)
        check_apple(recs[i].dns);

    /* the same, cut into 7-byte pieces alternating directions */
    direct_open(&d, 6);
    for (size_t off = 0; off < q3l || off < r3l; off += 7) {
        if (off < q3l)
            direct_feed(&d, 0, q3 + off, q3l - off < 7 ? q3l - off : 7);
        if (off < r3l)
            direct_feed(&d, 1, r3 + off, r3l - off < 7 ? r3l - off : 7);
    }
    direct_close(&d);
    CHECK_EQ_U(count_dns(), 3);
    for (size_t i = 0; i < nrec; i++)
        check_apple(recs[i].dns);

    /* a lying length prefix (5: shorter than a header) ends the direction; no event from it */
    static const uint8_t liar[] = {0x00, 0x05, 1, 2, 3, 4, 5, 0x00, 0x20};
    direct_open(&d, 6);
    CHECK(dns_proto.data(d.st, &d.ctx, 0, liar, sizeof(liar)) == PROTO_DONE_DIR);
    direct_close(&d);
    CHECK_EQ_U(count_dns(), 0);

    /* a 65535-byte frame that never completes: held within its cap, nothing emitted */
    static const uint8_t big[] = {0xff, 0xff, 0x12, 0x34, 0x01, 0x00, 0x00, 0x01};
    direct_open(&d, 6);
    direct_feed(&d, 0, big, sizeof(big));
    direct_close(&d);
    CHECK_EQ_U(count_dns(), 0);

    /* a gap in the stream loses the framing: the direction is given up, no crash */
    direct_open(&d, 6);
    direct_feed(&d, 0, qs, 10);
    dns_proto.gap(d.st, &d.ctx, 0, 100);
    direct_feed(&d, 0, qs, ql);
    direct_close(&d);
    CHECK_EQ_U(count_dns(), 0);
}

/* ---- 4. malformed input ---- */

static void test_cut_everywhere(void)
{
    /* the real response cut at every byte, after the real query */
    int sane = 1;
    for (size_t cut = 0; cut <= apple_r_len; cut++) {
        struct direct d;
        direct_open(&d, 17);
        direct_feed(&d, 0, apple_q, apple_q_len);
        uint8_t *copy = malloc(cut ? cut : 1); /* exact size: ASan catches any over-read */
        memcpy(copy, apple_r, cut);
        direct_feed(&d, 1, copy, cut);
        free(copy);
        direct_close(&d);
        if (count_dns() != 1) {
            sane = 0;
            continue;
        }
        const struct dns_event *e = recs[0].dns;
        if (cut == apple_r_len) {
            if (e->malformed || e->n_answers != 4)
                sane = 0;
        } else if (e->saw_reply && !e->malformed) {
            sane = 0; /* a cut response must say so */
        }
        if (strcmp(e->query, "www.apple.com") != 0)
            sane = 0;
    }
    CHECK(sane);
    /* and the query cut at every byte, alone */
    for (size_t cut = 0; cut < apple_q_len; cut++) {
        struct direct d;
        direct_open(&d, 17);
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, apple_q, cut);
        CHECK(dns_proto.probe(copy, cut, 0) != PROBE_YES);
        direct_feed(&d, 0, copy, cut);
        free(copy);
        direct_close(&d);
    }
    CHECK(dns_proto.probe(apple_q, apple_q_len, 0) == PROBE_YES);
    CHECK(dns_proto.probe(apple_r, apple_r_len, 1) == PROBE_YES);
}

/* Feeds one crafted datagram as a response and returns the event (or NULL). */
static const struct dns_event *one_msg(const uint8_t *m, size_t n)
{
    struct direct d;
    direct_open(&d, 17);
    direct_feed(&d, 1, m, n);
    direct_close(&d);
    return count_dns() == 1 ? recs[0].dns : NULL;
}

static void test_crafted(void)
{
    const struct dns_event *e;
    /* header: id 1, flags 0x8180 (response, RD, RA), qd 1, an 1 */
#define HDR_R1 0x00, 0x01, 0x81, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00

    /* the question name is a pointer to itself (offset 12): a loop, refused */
    static const uint8_t self_ptr[] = {HDR_R1, 0xc0, 0x0c, 0, 1, 0, 1};
    CHECK(one_msg(self_ptr, sizeof(self_ptr)) == NULL);
    CHECK(dns_proto.probe(self_ptr, sizeof(self_ptr), 1) == PROBE_NO);

    /* a forward pointer (to offset 14): refused */
    static const uint8_t fwd_ptr[] = {HDR_R1, 0xc0, 0x0e, 0x01, 'a', 0, 0, 1, 0, 1};
    CHECK(one_msg(fwd_ptr, sizeof(fwd_ptr)) == NULL);

    /*
     * two pointers pointing at each other through the answer: "x" then a pointer to 12;
     * answer name at 21 points to 17 (the question's own pointer) which points back to 12:
     * allowed (backwards), terminates at the root of "x".
     */
    static const uint8_t chain[] = {HDR_R1, 0x01, 'x', 0x00, 0, 1, 0, 1, /* question x A IN */
                                    0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1};
    e = one_msg(chain, sizeof(chain));
    CHECK(e != NULL);
    if (e) {
        CHECK_STR(e->query, "x");
        CHECK(!e->malformed);
        CHECK_EQ_U(e->n_answers, 1);
        if (e->n_answers)
            CHECK_STR(dns_event_answer(e, 0), "10.0.0.1");
    }

    /* 0x40 and 0x80 label types (RFC 6891 section 5): refused */
    static const uint8_t ext_label[] = {HDR_R1, 0x41, 'a', 0, 0, 1, 0, 1};
    CHECK(one_msg(ext_label, sizeof(ext_label)) == NULL);

    /* a name of five 63-byte labels (320 bytes): cut at 255, malformed, still parsed through */
    uint8_t longname[12 + 5 * 64 + 1 + 4 + 16];
    size_t n = 0;
    static const uint8_t h1[] = {HDR_R1};
    memcpy(longname, h1, sizeof(h1));
    n = sizeof(h1);
    for (int l = 0; l < 5; l++) {
        longname[n++] = 63;
        memset(longname + n, 'A' + l, 63);
        n += 63;
    }
    longname[n++] = 0;
    static const uint8_t tail[] = {0, 1, 0, 1, 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 9, 0, 4, 1, 2, 3, 4};
    memcpy(longname + n, tail, sizeof(tail));
    n += sizeof(tail);
    e = one_msg(longname, n);
    CHECK(e != NULL);
    if (e) {
        CHECK(e->malformed);
        CHECK(strlen(e->query) <= 255);
        CHECK(strncmp(e->query, "aaaa", 4) == 0);
        CHECK_EQ_U(e->n_answers, 1);
    }
    CHECK(dns_proto.probe(longname, n, 1) == PROBE_NO);

    /* qdcount 0xffff: over Zeek's 25, nothing to report */
    static const uint8_t many_q[] = {0, 1, 0x81, 0x80, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1};
    CHECK(one_msg(many_q, sizeof(many_q)) == NULL);
    CHECK(dns_proto.probe(many_q, sizeof(many_q), 1) == PROBE_NO);

    /* ancount says 3, only one record present: the one is kept, the event is malformed */
    static const uint8_t few_an[] = {0, 1, 0x81, 0x80, 0, 1, 0, 3, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0,
                                     1, 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 9, 0, 4, 9, 9, 9, 9};
    e = one_msg(few_an, sizeof(few_an));
    CHECK(e != NULL);
    if (e) {
        CHECK(e->malformed);
        CHECK_EQ_U(e->n_answers, 1);
        CHECK_EQ_U(e->total_answers, 3);
    }

    /* rdlength 0xffff: past the end, no answer, malformed */
    static const uint8_t big_rd[] = {HDR_R1, 1, 'a', 0, 0, 1, 0, 1, 0xc0, 0x0c, 0, 1, 0, 1,
                                     0, 0, 0, 9, 0xff, 0xff, 1, 2, 3, 4};
    e = one_msg(big_rd, sizeof(big_rd));
    CHECK(e != NULL);
    if (e) {
        CHECK(e->malformed);
        CHECK_EQ_U(e->n_answers, 0);
    }

    /* an A record with 5 bytes of data: refused, malformed */
    static const uint8_t bad_a[] = {HDR_R1, 1, 'a', 0, 0, 1, 0, 1, 0xc0, 0x0c, 0, 1, 0, 1,
                                    0, 0, 0, 9, 0, 5, 1, 2, 3, 4, 5};
    e = one_msg(bad_a, sizeof(bad_a));
    CHECK(e != NULL && e->malformed && e->n_answers == 0);

    /*
     * Escaping as Zeek: the label bytes 'A', 0x01, '\' give "a\x01\x5c" (query, lowercased)
     * and "A\x01\x5c" as sent; the MX and SRV targets, the SOA mname, an empty TXT (not
     * logged, as Zeek) and an unknown type 99 ("SPF 2 hi"), type 4660 "<unknown type=4660>".
     */
    static const uint8_t types[] = {
        0, 1, 0x81, 0x80, 0, 1, 0, 6, 0, 0, 0, 0,
        3, 'A', 0x01, '\\', 0, 0, 16, 0, 1,                           /* question at 12 */
        0xc0, 0x0c, 0, 15, 0, 1, 0, 0, 0, 1, 0, 7, 0, 10, 2, 'm', 'x', 0xc0, 0x0c,  /* MX */
        0xc0, 0x0c, 0, 33, 0, 1, 0, 0, 0, 2, 0, 10, 0, 1, 0, 2, 0, 3, 2, 's', 'v', 0, /* SRV */
        0xc0, 0x0c, 0, 6, 0, 1, 0, 0, 0, 3, 0, 25, 2, 'n', 's', 0, 0,    /* SOA mname ns */
        0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5,
        0xc0, 0x0c, 0, 16, 0, 1, 0, 0, 0, 4, 0, 0,                    /* empty TXT */
        0xc0, 0x0c, 0, 99, 0, 1, 0, 0, 0, 5, 0, 3, 2, 'h', 'i',       /* SPF */
        0xc0, 0x0c, 0x12, 0x34, 0, 1, 0, 0, 0, 6, 0, 1, 0xaa,         /* unknown */
    };
    e = one_msg(types, sizeof(types));
    CHECK(e != NULL);
    if (e) {
        CHECK(!e->malformed);
        CHECK_STR(e->query, "a\\x01\\x5c");
        CHECK_STR(e->original_query, "A\\x01\\x5c");
        static const char *const want[] = {"mx.a\\x01\\x5c", "sv", "ns", "SPF 2 hi",
                                           "<unknown type=4660>", NULL};
        static const uint32_t ttl[] = {1, 2, 3, 5, 6};
        check_answers(e, want, ttl);
    }
    /* the JSON of that event escapes the backslashes once more, as Zeek's JSON logs do */
    if (nrec)
        CHECK(strstr(recs[0].json, "\"query\":\"a\\\\x01\\\\x5c\"") != NULL);

    /* rcode names, as Zeek's consts.zeek */
    char nm[DNS_TYPE_NAME_MAX];
    CHECK_STR(dns_rcode_name(3, nm), "NXDOMAIN");
    CHECK_STR(dns_rcode_name(8, nm), "NXRRSet");
    CHECK_STR(dns_rcode_name(16, nm), "rcode-16");
    CHECK_STR(dns_qtype_name(255, nm), "*");
    CHECK_STR(dns_qtype_name(65, nm), "HTTPS");
    CHECK_STR(dns_qtype_name(4660, nm), "query-4660");
    CHECK_STR(dns_qclass_name(32769, nm), "qclass-32769");
}

static void test_matching(void)
{
    struct direct d;
    /* a response with another id does not complete the query: two lone events */
    uint8_t r2[512];
    memcpy(r2, apple_r, apple_r_len);
    r2[1] ^= 0x55;
    direct_open(&d, 17);
    direct_feed(&d, 0, apple_q, apple_q_len);
    direct_feed(&d, 1, r2, apple_r_len);
    direct_close(&d);
    CHECK_EQ_U(count_dns(), 2);
    /* the same id but another question name: not matched either */
    memcpy(r2, apple_r, apple_r_len);
    r2[13] = 'W' + 1;
    direct_open(&d, 17);
    direct_feed(&d, 0, apple_q, apple_q_len);
    direct_feed(&d, 1, r2, apple_r_len);
    direct_close(&d);
    CHECK_EQ_U(count_dns(), 2);
    /* the same name in another case matches (0x20 randomisation) */
    memcpy(r2, apple_r, apple_r_len);
    r2[13] = 'W';
    direct_open(&d, 17);
    direct_feed(&d, 0, apple_q, apple_q_len);
    direct_feed(&d, 1, r2, apple_r_len);
    direct_close(&d);
    CHECK_EQ_U(count_dns(), 1);
    /* 40 unanswered queries: the oldest are reported as the table fills, all 40 in the end */
    direct_open(&d, 17);
    for (int i = 0; i < 40; i++) {
        uint8_t q[256];
        memcpy(q, apple_q, apple_q_len);
        q[0] = (uint8_t)i;
        direct_feed(&d, 0, q, apple_q_len);
    }
    size_t before_end = count_dns();
    direct_close(&d);
    CHECK_EQ_U(before_end, 8);
    CHECK_EQ_U(count_dns(), 40);
}

static void test_garbage(void)
{
    /* a fixed pseudo-random stream: nothing of it may be taken for DNS, nothing may crash */
    uint64_t x = 0x9e3779b97f4a7c15ull;
    size_t yes = 0;
    uint8_t buf[600];
    for (int i = 0; i < 20000; i++) {
        size_t n = (size_t)(i % 599) + 1;
        for (size_t k = 0; k < n; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            buf[k] = (uint8_t)x;
        }
        yes += dns_proto.probe(buf, n, i & 1) == PROBE_YES;
        if (i % 50 == 0) {
            struct direct d;
            direct_open(&d, (i & 2) ? 6 : 17);
            direct_feed(&d, i & 1, buf, n);
            direct_close(&d);
        }
    }
    CHECK_EQ_U(yes, 0);
    static const char *const other[] = {
        "GET / HTTP/1.1\r\nHost: x\r\n\r\n", "220 mail.example.com ESMTP\r\n",
        "SSH-2.0-OpenSSH_9.2\r\n", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
    };
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
        CHECK(dns_proto.probe((const uint8_t *)other[i], strlen(other[i]), 0) != PROBE_YES);
}

int main(void)
{
    jb_init(&jb);
    apple_q_len = unhex(apple_q_hex, apple_q, sizeof(apple_q));
    apple_r_len = unhex(apple_r_hex, apple_r, sizeof(apple_r));
    test_pcapng_multi_interface();
    test_ndpi_dns_pppoe_vlan();
    test_names_learned();
    test_record_types();
    test_txt_ptr_counts();
    test_malformed_captures();
    test_tcp_framing();
    test_cut_everywhere();
    test_crafted();
    test_matching();
    test_garbage();
    rec_clear();
    free(recs);
    jb_release(&jb);
    if (g_ready)
        sensor_release(&g_sensor);
    return test_done();
}
