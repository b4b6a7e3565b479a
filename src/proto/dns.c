/*
 * summary: DNS over UDP and TCP: queries matched to responses, answers rendered as Zeek does
 *
 * References: RFC 1035 (sections 4.1 message format, 4.1.4 compression,
 * 4.2.2 TCP length prefix, 3.3 RDATA of CNAME/MX/NS/PTR/SOA/TXT),
 * RFC 3596 (AAAA), RFC 2782 (SRV), RFC 6891 (EDNS: OPT lives in the
 * additional section and is skipped), RFC 6762/4795 (mDNS, LLMNR: same
 * format). Field names and renderings follow Zeek's
 * base/protocols/dns/main.zeek and consts.zeek.
 *
 * Events (one "dns" event per query/response pair, or per lone query or
 * response; a pair's ts is the query's time):
 *   proto          "udp" or "tcp"                                  Zeek: proto
 *   trans_id       16-bit transaction id                           Zeek: trans_id
 *   rtt            seconds from query to response (only when both
 *                  were seen; Zeek gives it only with answers)     Zeek: rtt
 *   query          first question's name, lowercased, with
 *                  non-printable bytes as \xNN ("" for the root)   Zeek: query
 *   original_query the name as sent, only when its case differs   Zeek policy: original_query
 *   qclass, qclass_name   1 / "C_INTERNET", ...                    Zeek: qclass, qclass_name
 *   qtype, qtype_name     28 / "AAAA", ..., "query-N"              Zeek: qtype, qtype_name
 *   rcode, rcode_name     0 / "NOERROR", 3 / "NXDOMAIN", ...       Zeek: rcode, rcode_name
 *   AA, TC, RD, RA  header flags (RD from the query, AA/RA from
 *                   the response, TC from either)                  Zeek: AA, TC, RD, RA
 *   Z              the reserved header bits                        Zeek: Z
 *   answers        answer-section records: A/AAAA address, CNAME/
 *                  NS/PTR/MX/SRV target, SOA mname, "TXT n text",
 *                  "<unknown type=N>" for types not rendered       Zeek: answers
 *   TTLs           their TTLs in seconds                           Zeek: TTLs
 *   rejected       a response with no records at all, or an error
 *                  response without a question                     Zeek: rejected
 *   malformed      (vigil) a message of the pair did not parse to
 *                  its end; written only when true
 *
 * Side effect: every A/AAAA answer of a NOERROR response teaches the
 * sensor's name map (names_learn) that the address belongs to the
 * queried name (not to the CNAME target), so later connections to it
 * carry the name.
 *
 * Bounds: names are decoded into 255 bytes (labels <= 63, RFC 1035
 * section 2.3.4); compression pointers must point strictly backwards and
 * at most DNS_MAX_JUMPS are followed; at most DNS_MAX_QUESTIONS questions
 * are read (Zeek's dns_max_queries); at most DNS_PENDING_MAX unanswered
 * queries are held per connection (the oldest is reported when full); a
 * TCP message is collected in at most 2 + 65535 bytes per direction.
 */
#include "proto/dns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow/flow.h"
#include "proto/names.h"
#include "proto/proto.h"
#include "sensor/sensor.h"
#include "util/addr.h"
#include "util/json.h"
#include "util/log.h"
#include "util/rd.h"

#define DNS_HDR_LEN 12
#define DNS_MAX_JUMPS 64      /* compression pointers followed per name */
#define DNS_MAX_QUESTIONS 25  /* Zeek's dns_max_queries */
#define DNS_PENDING_MAX 32    /* unanswered queries held per connection */
#define DNS_TCP_MSG_MAX 65535 /* RFC 1035 section 4.2.2: 16-bit length */

#define DNS_OPCODE(f) (((f) >> 11) & 0xfu)
#define DNS_QR 0x8000u
#define DNS_AA 0x0400u
#define DNS_TC 0x0200u
#define DNS_RD 0x0100u
#define DNS_RA 0x0080u
#define DNS_Z(f) (((f) >> 4) & 0x7u)
#define DNS_RCODE(f) ((f)&0xfu)

enum dns_status { DNS_OK, DNS_TRUNC, DNS_INVALID };

enum {
    T_A = 1, T_NS = 2, T_CNAME = 5, T_SOA = 6, T_PTR = 12, T_MX = 15, T_TXT = 16,
    T_AAAA = 28, T_SRV = 33, T_OPT = 41, T_DS = 43, T_RRSIG = 46, T_NSEC = 47,
    T_DNSKEY = 48, T_NSEC3 = 50, T_NSEC3PARAM = 51, T_SPF = 99,
};

/* ---- names of codes (Zeek's consts.zeek) ---- */

struct code_name {
    uint16_t code;
    const char *name;
};

static const struct code_name qtype_names[] = {
    {1, "A"}, {2, "NS"}, {3, "MD"}, {4, "MF"}, {5, "CNAME"}, {6, "SOA"}, {7, "MB"}, {8, "MG"},
    {9, "MR"}, {10, "NULL"}, {11, "WKS"}, {12, "PTR"}, {13, "HINFO"}, {14, "MINFO"}, {15, "MX"},
    {16, "TXT"}, {17, "RP"}, {18, "AFSDB"}, {19, "X25"}, {20, "ISDN"}, {21, "RT"}, {22, "NSAP"},
    {23, "NSAP-PTR"}, {24, "SIG"}, {25, "KEY"}, {26, "PX"}, {27, "GPOS"}, {28, "AAAA"},
    {29, "LOC"}, {30, "NXT"}, {31, "EID"}, {32, "NIMLOC"}, {33, "SRV"}, {34, "ATMA"},
    {35, "NAPTR"}, {36, "KX"}, {37, "CERT"}, {38, "A6"}, {39, "DNAME"}, {40, "SINK"},
    {41, "OPT"}, {42, "APL"}, {43, "DS"}, {44, "SSHFP"}, {45, "IPSECKEY"}, {46, "RRSIG"},
    {47, "NSEC"}, {48, "DNSKEY"}, {49, "DHCID"}, {50, "NSEC3"}, {51, "NSEC3PARAM"},
    {52, "TLSA"}, {53, "SMIMEA"}, {55, "HIP"}, {56, "NINFO"}, {57, "RKEY"}, {58, "TALINK"},
    {59, "CDS"}, {60, "CDNSKEY"}, {61, "OPENPGPKEY"}, {62, "CSYNC"}, {63, "ZONEMD"},
    {64, "SVCB"}, {65, "HTTPS"}, {99, "SPF"}, {100, "UINFO"}, {101, "UID"}, {102, "GID"},
    {103, "UNSPEC"}, {104, "NID"}, {105, "L32"}, {106, "L64"}, {107, "LP"}, {108, "EUI48"},
    {109, "EUI64"}, {249, "TKEY"}, {250, "TSIG"}, {251, "IXFR"}, {252, "AXFR"},
    {253, "MAILB"}, {254, "MAILA"}, {255, "*"}, {256, "URI"}, {257, "CAA"}, {32768, "TA"},
    {32769, "DLV"}, {65281, "WINS"}, {65282, "WINS-R"}, {65422, "XPF"}, {65521, "INTEGRITY"},
};

static const char *const rcode_names[] = {
    "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
    "NXRRSet", "NOTAUTH", "NOTZONE", "unassigned-11", "unassigned-12", "unassigned-13",
    "unassigned-14", "unassigned-15",
};

static const struct code_name class_names[] = {
    {1, "C_INTERNET"}, {2, "C_CSNET"}, {3, "C_CHAOS"}, {4, "C_HESIOD"}, {254, "C_NONE"},
    {255, "C_ANY"},
};

static const char *code_lookup(const struct code_name *t, size_t n, unsigned code)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].code == code)
            return t[i].name;
    return NULL;
}

const char *dns_qtype_name(unsigned qtype, char *out)
{
    const char *s = code_lookup(qtype_names, sizeof(qtype_names) / sizeof(qtype_names[0]), qtype);
    if (s)
        return s;
    snprintf(out, DNS_TYPE_NAME_MAX, "query-%u", qtype);
    return out;
}

const char *dns_rcode_name(unsigned rcode, char *out)
{
    if (rcode < sizeof(rcode_names) / sizeof(rcode_names[0]))
        return rcode_names[rcode];
    snprintf(out, DNS_TYPE_NAME_MAX, "rcode-%u", rcode);
    return out;
}

const char *dns_qclass_name(unsigned qclass, char *out)
{
    const char *s = code_lookup(class_names, sizeof(class_names) / sizeof(class_names[0]), qclass);
    if (s)
        return s;
    snprintf(out, DNS_TYPE_NAME_MAX, "qclass-%u", qclass);
    return out;
}

/* ---- reading a message ---- */

/*
 * A cursor over msg[from, end) that knows its offset in the message
 * (needed for compression pointers): the offset is end - rd_left().
 */
struct mcur {
    struct rd r;
    size_t end;
};

static struct mcur mc_at(const uint8_t *msg, size_t from, size_t end)
{
    struct mcur c;
    c.r = rd_make(msg, end);
    rd_skip(&c.r, from);
    c.end = end;
    return c;
}

static size_t mc_pos(const struct mcur *c)
{
    return c->end - rd_left(&c->r);
}

/* A decoded name: the label bytes joined by '.', without the final dot. */
struct dns_name {
    size_t len;
    int toolong; /* over 255 bytes on the wire: cut, and the message is malformed */
    uint8_t b[DNS_NAME_MAX + 1];
};

/*
 * Reads the (possibly compressed) name at c into out and advances c past
 * it. msg is the whole message (borrowed). A compression pointer must point
 * before its own position, and the name it leads to may only use bytes
 * before that position, so every jump shrinks the readable range and loops
 * are impossible; DNS_MAX_JUMPS bounds the work as well. A name longer
 * than 255 bytes is walked to its end (so the records after it can still
 * be read, as tshark does) but kept cut, with out->toolong set. Returns DNS_OK,
 * DNS_TRUNC (the message ends inside the name) or DNS_INVALID.
 */
static enum dns_status read_name(const uint8_t *msg, struct mcur *c, struct dns_name *out)
    __attribute__((warn_unused_result));
static enum dns_status read_name(const uint8_t *msg, struct mcur *c, struct dns_name *out)
{
    struct mcur cur = *c;
    size_t wire = 1; /* the final zero octet */
    int jumps = 0, jumped = 0;
    out->len = 0;
    out->toolong = 0;
    for (;;) {
        size_t label_pos = mc_pos(&cur);
        uint8_t b = rd_u8(&cur.r);
        if (!rd_ok(&cur.r))
            return DNS_TRUNC;
        if (b == 0) {
            if (!jumped)
                *c = cur;
            return DNS_OK;
        }
        if ((b & 0xc0) == 0xc0) {
            uint8_t lo = rd_u8(&cur.r);
            if (!rd_ok(&cur.r))
                return DNS_TRUNC;
            if (!jumped) {
                *c = cur; /* the name ends, in the record, after its first pointer */
                jumped = 1;
            }
            size_t off = (size_t)(b & 0x3f) << 8 | lo;
            if (off >= label_pos || ++jumps > DNS_MAX_JUMPS)
                return DNS_INVALID;
            cur = mc_at(msg, off, label_pos);
            continue;
        }
        if (b & 0xc0)
            return DNS_INVALID; /* 0x40 / 0x80: extended label types (RFC 6891 section 5) */
        wire += (size_t)b + 1;
        const uint8_t *lab = rd_bytes(&cur.r, b);
        if (!lab)
            return DNS_TRUNC;
        if (wire > DNS_NAME_MAX) {
            /* longer than RFC 1035 allows: keep the first 255 bytes, walk to its end */
            out->toolong = 1;
            continue;
        }
        if (out->len)
            out->b[out->len++] = '.';
        memcpy(out->b + out->len, lab, b);
        out->len += b;
    }
}

/*
 * Writes n bytes as text into out (cap >= 1 bytes, NUL-terminated):
 * printable ASCII as is (A-Z lowercased if lower), a backslash and every
 * other byte as \xNN, as Zeek escapes log strings. Stops before an escape
 * that would not fit. Returns the length written.
 */
static size_t render(const uint8_t *p, size_t n, int lower, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = p[i];
        if (ch >= 0x20 && ch < 0x7f && ch != '\\') {
            if (o + 1 >= cap)
                break;
            out[o++] = (char)(lower && ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
        } else {
            if (o + 4 >= cap)
                break;
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        }
    }
    out[o] = '\0';
    return o;
}

struct dns_hdr {
    uint16_t id, flags, qd, an, ns, ar;
};

/* A parsed message head: header and first question. */
struct dns_msg {
    struct dns_hdr h;
    int has_q;
    int toolong; /* a question name was over 255 bytes */
    struct dns_name qname;
    uint16_t qtype, qclass;
};

/* Reads the header and every question; c is left after the questions. */
static enum dns_status parse_head(const uint8_t *msg, size_t len, struct dns_msg *m,
                                  struct mcur *c) __attribute__((warn_unused_result));
static enum dns_status parse_head(const uint8_t *msg, size_t len, struct dns_msg *m,
                                  struct mcur *c)
{
    *c = mc_at(msg, 0, len);
    m->h.id = rd_be16(&c->r);
    m->h.flags = rd_be16(&c->r);
    m->h.qd = rd_be16(&c->r);
    m->h.an = rd_be16(&c->r);
    m->h.ns = rd_be16(&c->r);
    m->h.ar = rd_be16(&c->r);
    m->has_q = 0;
    m->toolong = 0;
    m->qname.len = 0;
    m->qname.toolong = 0;
    m->qtype = m->qclass = 0;
    if (!rd_ok(&c->r))
        return DNS_TRUNC;
    if (m->h.qd > DNS_MAX_QUESTIONS)
        return DNS_INVALID;
    for (unsigned i = 0; i < m->h.qd; i++) {
        struct dns_name tmp;
        struct dns_name *nm = i == 0 ? &m->qname : &tmp;
        enum dns_status st = read_name(msg, c, nm);
        if (st != DNS_OK)
            return st;
        m->toolong |= nm->toolong;
        uint16_t qtype = rd_be16(&c->r);
        uint16_t qclass = rd_be16(&c->r);
        if (!rd_ok(&c->r))
            return DNS_TRUNC;
        if (i == 0) {
            m->has_q = 1;
            m->qtype = qtype;
            m->qclass = qclass;
        }
    }
    return DNS_OK;
}

/* Skips n resource records at c (name, fixed part, RDATA within the message). */
static enum dns_status skip_rrs(const uint8_t *msg, struct mcur *c, unsigned n)
    __attribute__((warn_unused_result));
static enum dns_status skip_rrs(const uint8_t *msg, struct mcur *c, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        struct dns_name nm;
        enum dns_status st = read_name(msg, c, &nm);
        if (st != DNS_OK)
            return st;
        rd_skip(&c->r, 8); /* type, class, ttl */
        uint16_t rdlen = rd_be16(&c->r);
        rd_skip(&c->r, rdlen);
        if (!rd_ok(&c->r))
            return DNS_TRUNC;
    }
    return DNS_OK;
}

/* ---- answers ---- */

/* Builds one answer's text in ev->abuf; answer_done() keeps it. */
struct abuild {
    char *p;    /* start of this answer in ev->abuf */
    size_t len; /* bytes written */
    size_t cap; /* room for it, including the NUL */
};

static int answer_begin(struct dns_event *ev, struct abuild *b)
{
    if (ev->n_answers >= DNS_ANSWERS_MAX)
        return -1;
    size_t room = DNS_ANSWERS_BUF - ev->abuf_len;
    if (room < 2)
        return -1;
    b->p = ev->abuf + ev->abuf_len;
    b->len = 0;
    b->cap = room < DNS_ANSWER_TEXT_MAX ? room : DNS_ANSWER_TEXT_MAX;
    b->p[0] = '\0';
    return 0;
}

static void ab_text(struct abuild *b, const char *s)
{
    size_t n = strlen(s);
    if (n > b->cap - 1 - b->len)
        n = b->cap - 1 - b->len;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void ab_bytes(struct abuild *b, const uint8_t *p, size_t n, int lower)
{
    b->len += render(p, n, lower, b->p + b->len, b->cap - b->len);
}

static void answer_done(struct dns_event *ev, struct abuild *b, uint32_t ttl)
{
    if (b->len == 0)
        return; /* Zeek logs no empty answer (an empty TXT, the root as a target) */
    ev->answer_off[ev->n_answers] = (uint16_t)ev->abuf_len;
    ev->ttls[ev->n_answers] = ttl;
    ev->n_answers++;
    ev->abuf_len += b->len + 1;
}

/* Where learned names go (NULL: learn nothing). */
struct learn {
    struct names *names;
    const char *query;
    int64_t ts;
};

/*
 * Renders the RDATA of one answer-section record (rd covers exactly the
 * RDATA; names in it may point anywhere before it). Returns DNS_OK or the
 * failure; on failure nothing is added.
 */
static enum dns_status answer_rdata(const uint8_t *msg, struct mcur *rd, uint16_t type,
                                    uint32_t ttl, const struct dns_name *owner,
                                    struct dns_event *ev, const struct learn *ln)
{
    struct abuild b;
    struct dns_name nm;
    enum dns_status st;
    nm.toolong = 0;
    char tmp[64]; /* an address (ADDR_STRLEN) or a short label */
    if (type == T_OPT)
        return DNS_OK; /* OPT belongs in the additional section; never an answer */
    if (type == T_SRV && ev->nbns)
        return DNS_OK; /* NBSTAT node status, not parsed (as Zeek) */
    if (answer_begin(ev, &b) < 0)
        return DNS_OK; /* full: counted in total_answers only */
    switch (type) {
    case T_A:
    case T_AAAA: {
        size_t alen = type == T_A ? 4 : 16;
        if (rd_left(&rd->r) != alen)
            return DNS_INVALID;
        const uint8_t *p = rd_bytes(&rd->r, alen);
        if (!p)
            return DNS_TRUNC;
        struct addr a;
        if (type == T_A)
            addr_from_v4(&a, p);
        else
            addr_from_v6(&a, p);
        addr_format(&a, tmp);
        ab_text(&b, tmp);
        if (ln && ln->names && ln->query && ln->query[0])
            names_learn(ln->names, &a, ln->query, ln->ts);
        break;
    }
    case T_NS:
    case T_CNAME:
    case T_PTR:
    case T_SOA: /* Zeek shows the SOA's mname */
        st = read_name(msg, rd, &nm);
        if (st != DNS_OK)
            return st;
        ab_bytes(&b, nm.b, nm.len, 1);
        break;
    case T_MX:
        rd_skip(&rd->r, 2); /* preference */
        if (!rd_ok(&rd->r))
            return DNS_TRUNC;
        st = read_name(msg, rd, &nm);
        if (st != DNS_OK)
            return st;
        ab_bytes(&b, nm.b, nm.len, 1);
        break;
    case T_SRV:
        rd_skip(&rd->r, 6); /* priority, weight, port */
        if (!rd_ok(&rd->r))
            return DNS_TRUNC;
        st = read_name(msg, rd, &nm);
        if (st != DNS_OK)
            return st;
        ab_bytes(&b, nm.b, nm.len, 1);
        break;
    case T_TXT:
    case T_SPF: {
        /* one or more <character-string>s: "TXT 5 hello TXT 3 abc" as Zeek writes them */
        int first = 1;
        while (rd_left(&rd->r)) {
            uint8_t n = rd_u8(&rd->r);
            const uint8_t *p = rd_bytes(&rd->r, n);
            if (!p)
                return DNS_TRUNC;
            snprintf(tmp, sizeof(tmp), "%s%s %u ", first ? "" : " ", type == T_TXT ? "TXT" : "SPF",
                     (unsigned)n);
            ab_text(&b, tmp);
            ab_bytes(&b, p, n, 0);
            first = 0;
        }
        break;
    }
    case T_DS: {
        rd_skip(&rd->r, 2); /* key tag */
        uint8_t alg = rd_u8(&rd->r), dig = rd_u8(&rd->r);
        if (!rd_ok(&rd->r))
            return DNS_TRUNC;
        snprintf(tmp, sizeof(tmp), "DS %u %u", (unsigned)alg, (unsigned)dig);
        ab_text(&b, tmp);
        break;
    }
    case T_DNSKEY: {
        rd_skip(&rd->r, 3); /* flags, protocol */
        uint8_t alg = rd_u8(&rd->r);
        if (!rd_ok(&rd->r))
            return DNS_TRUNC;
        snprintf(tmp, sizeof(tmp), "DNSKEY %u", (unsigned)alg);
        ab_text(&b, tmp);
        break;
    }
    case T_RRSIG: {
        uint16_t covered = rd_be16(&rd->r);
        rd_skip(&rd->r, 16); /* algorithm .. key tag */
        if (!rd_ok(&rd->r))
            return DNS_TRUNC;
        st = read_name(msg, rd, &nm);
        if (st != DNS_OK)
            return st;
        snprintf(tmp, sizeof(tmp), "RRSIG %u ", (unsigned)covered);
        ab_text(&b, tmp);
        if (nm.len)
            ab_bytes(&b, nm.b, nm.len, 1);
        else
            ab_text(&b, "<Root>");
        break;
    }
    case T_NSEC:
        st = read_name(msg, rd, &nm);
        if (st != DNS_OK)
            return st;
        ab_text(&b, "NSEC ");
        ab_bytes(&b, owner->b, owner->len, 1);
        ab_text(&b, " ");
        ab_bytes(&b, nm.b, nm.len, 1);
        break;
    case T_NSEC3:
        ab_text(&b, "NSEC3");
        break;
    case T_NSEC3PARAM:
        ab_text(&b, "NSEC3PARAM");
        break;
    default:
        snprintf(tmp, sizeof(tmp), "<unknown type=%u>", (unsigned)type);
        ab_text(&b, tmp);
        break;
    }
    if (nm.toolong)
        ev->malformed = 1;
    answer_done(ev, &b, ttl);
    return DNS_OK;
}

/* Reads the answer section at c into ev (and teaches ln); then skips the other sections. */
static enum dns_status parse_answers(const uint8_t *msg, size_t len, struct mcur *c,
                                     const struct dns_hdr *h, struct dns_event *ev,
                                     const struct learn *ln)
{
    for (unsigned i = 0; i < h->an; i++) {
        struct dns_name owner;
        enum dns_status st = read_name(msg, c, &owner);
        if (st != DNS_OK)
            return st;
        if (owner.toolong)
            ev->malformed = 1;
        uint16_t type = rd_be16(&c->r);
        rd_skip(&c->r, 2); /* class */
        uint32_t ttl = rd_be32(&c->r);
        uint16_t rdlen = rd_be16(&c->r);
        if (!rd_ok(&c->r) || rdlen > rd_left(&c->r))
            return DNS_TRUNC;
        size_t start = mc_pos(c);
        struct mcur rdc = mc_at(msg, start, start + rdlen);
        st = answer_rdata(msg, &rdc, type, ttl, &owner, ev, ln);
        if (st != DNS_OK)
            return st;
        *c = mc_at(msg, start + rdlen, len);
    }
    enum dns_status st = skip_rrs(msg, c, h->ns);
    if (st != DNS_OK)
        return st;
    return skip_rrs(msg, c, h->ar);
}

/* ---- per-connection state ---- */

/* A query waiting for its response: what the event needs from it. */
struct dns_pending {
    int64_t ts;
    uint16_t trans_id, qtype, qclass;
    uint16_t flags;
    uint8_t has_q;
    uint8_t malformed;
    struct dns_name name;
};

struct dns_tcp_dir {
    uint8_t hdr[2];
    uint8_t hdr_got; /* bytes of the length prefix seen */
    uint8_t dead;    /* lost framing: ignore this direction */
    size_t need;     /* length of the message being collected */
    size_t got;      /* bytes of it in buf */
    uint8_t *buf;    /* grows to at most DNS_TCP_MSG_MAX */
    size_t cap;
};

struct dns_state {
    struct dns_pending *pend; /* oldest first; grows to DNS_PENDING_MAX */
    size_t npend, pcap;
    struct dns_tcp_dir tcp[2];
    uint8_t nbns; /* NetBIOS name service (port 137): same format, its own name encoding */
};

static void *dns_new(struct app_ctx *ctx)
{
    struct dns_state *st = xcalloc(1, sizeof(struct dns_state));
    st->nbns = ctx->flow && ctx->flow->resp_p == 137;
    return st;
}

static const char *proto_text(uint8_t proto)
{
    return proto == IPPROTO_TCP_ ? "tcp" : "udp";
}

static void dns_fields_json(const struct event *evt, struct jbuf *jb)
{
    const struct dns_event *e = evt->body;
    char name[DNS_TYPE_NAME_MAX];
    jb_kstr(jb, "proto", proto_text(e->proto));
    jb_ku64(jb, "trans_id", e->trans_id);
    if (e->rtt_us >= 0) {
        jb_key(jb, "rtt");
        jb_fixed(jb, (double)e->rtt_us / 1e6, 6);
    }
    if (e->has_question) {
        jb_kstr(jb, "query", e->query);
        if (strcmp(e->query, e->original_query) != 0)
            jb_kstr(jb, "original_query", e->original_query);
        jb_ku64(jb, "qclass", e->qclass);
        jb_kstr(jb, "qclass_name", dns_qclass_name(e->qclass, name));
        jb_ku64(jb, "qtype", e->qtype);
        /* NBNS reuses SRV's number for NBSTAT, as Zeek names it */
        jb_kstr(jb, "qtype_name",
                e->nbns && e->qtype == T_SRV ? "NBSTAT" : dns_qtype_name(e->qtype, name));
    }
    if (e->saw_reply) {
        jb_ku64(jb, "rcode", e->rcode);
        jb_kstr(jb, "rcode_name", dns_rcode_name(e->rcode, name));
    }
    jb_kbool(jb, "AA", e->AA);
    jb_kbool(jb, "TC", e->TC);
    jb_kbool(jb, "RD", e->RD);
    jb_kbool(jb, "RA", e->RA);
    jb_ku64(jb, "Z", e->Z);
    if (e->n_answers) {
        jb_key(jb, "answers");
        jb_arr_open(jb);
        for (size_t i = 0; i < e->n_answers; i++)
            jb_str(jb, dns_event_answer(e, i));
        jb_arr_close(jb);
        jb_key(jb, "TTLs");
        jb_arr_open(jb);
        for (size_t i = 0; i < e->n_answers; i++)
            jb_u64(jb, e->ttls[i]);
        jb_arr_close(jb);
    }
    jb_kbool(jb, "rejected", e->rejected);
    if (e->malformed)
        jb_kbool(jb, "malformed", 1);
}

static void emit_at(struct app_ctx *ctx, const struct dns_event *ev, int64_t ts)
{
    struct app_ctx c = *ctx;
    c.ts = ts;
    app_emit(&c, EV_DNS, ev, dns_fields_json);
}

static void ev_init(struct dns_event *ev, uint8_t proto, uint8_t nbns)
{
    memset(ev, 0, offsetof(struct dns_event, abuf));
    ev->abuf[0] = '\0';
    ev->proto = proto;
    ev->nbns = nbns;
    ev->rtt_us = -1;
}

/*
 * NetBIOS first-level decoding (RFC 1001 section 14.1) as Zeek's
 * decode_netbios_name(): 32 letters A-P give 16 bytes; the first 15 are
 * kept up to the first that is not alphanumeric, punctuation or < 3.
 * Returns 0 (out untouched) when n is not an encoded name (Zeek would
 * decode any 32 bytes; letters outside A-P are shown as they are here).
 */
static int nbns_decode(const struct dns_name *n, struct dns_name *out)
{
    if (n->len != 32)
        return 0;
    uint8_t buf[16];
    for (size_t i = 0; i < 16; i++) {
        unsigned c0 = n->b[2 * i], c1 = n->b[2 * i + 1];
        if (c0 >= 'a' && c0 <= 'p')
            c0 -= 32;
        if (c1 >= 'a' && c1 <= 'p')
            c1 -= 32;
        if (c0 < 'A' || c0 > 'P' || c1 < 'A' || c1 > 'P')
            return 0; /* not first-level encoded: shown as it is */
        buf[i] = (uint8_t)((c0 - 'A') << 4 | (c1 - 'A'));
    }
    size_t k = 0;
    while (k < 15) {
        uint8_t ch = buf[k];
        int alnum = (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
        int punct = ch > 0x20 && ch < 0x7f && !alnum;
        if (!(alnum || punct || ch < 3))
            break;
        k++;
    }
    memcpy(out->b, buf, k);
    out->len = k;
    out->toolong = 0;
    return 1;
}

static void ev_question(struct dns_event *ev, const struct dns_name *n, uint16_t qtype,
                        uint16_t qclass)
{
    struct dns_name nb;
    ev->has_question = 1;
    if (ev->nbns && nbns_decode(n, &nb))
        n = &nb;
    render(n->b, n->len, 1, ev->query, sizeof(ev->query));
    render(n->b, n->len, 0, ev->original_query, sizeof(ev->original_query));
    ev->qtype = qtype;
    ev->qclass = qclass;
}

static void ev_from_query(struct dns_event *ev, const struct dns_pending *q)
{
    ev->saw_query = 1;
    ev->trans_id = q->trans_id;
    if (q->has_q)
        ev_question(ev, &q->name, q->qtype, q->qclass);
    ev->RD = !!(q->flags & DNS_RD);
    ev->TC = !!(q->flags & DNS_TC);
    ev->Z = (uint8_t)DNS_Z(q->flags);
    ev->malformed = q->malformed;
}

/* Reports a query that got no response. */
static void emit_lone_query(struct app_ctx *ctx, const struct dns_state *st,
                            const struct dns_pending *q, uint8_t proto)
{
    struct dns_event ev;
    ev_init(&ev, proto, st->nbns);
    ev_from_query(&ev, q);
    emit_at(ctx, &ev, q->ts);
}

static int name_eq_nocase(const struct dns_name *a, const struct dns_name *b)
{
    if (a->len != b->len)
        return 0;
    for (size_t i = 0; i < a->len; i++) {
        uint8_t x = a->b[i], y = b->b[i];
        if (x >= 'A' && x <= 'Z')
            x = (uint8_t)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (uint8_t)(y + 32);
        if (x != y)
            return 0;
    }
    return 1;
}

static void pending_add(struct dns_state *st, struct app_ctx *ctx, const struct dns_msg *m,
                        int malformed, uint8_t proto)
{
    if (st->npend == DNS_PENDING_MAX) {
        emit_lone_query(ctx, st, &st->pend[0], proto);
        memmove(st->pend, st->pend + 1, (st->npend - 1) * sizeof(st->pend[0]));
        st->npend--;
    }
    if (st->npend == st->pcap) {
        size_t ncap = st->pcap ? st->pcap * 2 : 1;
        if (ncap > DNS_PENDING_MAX)
            ncap = DNS_PENDING_MAX;
        st->pend = xrealloc(st->pend, ncap * sizeof(st->pend[0]));
        st->pcap = ncap;
    }
    struct dns_pending *q = &st->pend[st->npend++];
    q->ts = ctx->ts;
    q->trans_id = m->h.id;
    q->flags = m->h.flags;
    q->has_q = (uint8_t)m->has_q;
    q->qtype = m->qtype;
    q->qclass = m->qclass;
    q->name = m->qname;
    q->malformed = (uint8_t)malformed;
}

/* The oldest pending query this response answers, or -1. */
static long pending_match(const struct dns_state *st, const struct dns_msg *m)
{
    for (size_t i = 0; i < st->npend; i++) {
        const struct dns_pending *q = &st->pend[i];
        if (q->trans_id != m->h.id)
            continue;
        if (m->has_q && q->has_q && !name_eq_nocase(&q->name, &m->qname))
            continue;
        return (long)i;
    }
    return -1;
}

/* One whole DNS message (borrowed) from either side. */
static void dns_message(struct dns_state *st, struct app_ctx *ctx, const uint8_t *msg, size_t len,
                        uint8_t proto)
{
    struct dns_msg m;
    struct mcur c;
    enum dns_status hs = parse_head(msg, len, &m, &c);
    if (hs != DNS_OK && !m.has_q)
        return; /* not even a header and one question: nothing to report */
    if (DNS_OPCODE(m.h.flags) != 0)
        return; /* as Zeek, only standard queries are tracked */
    if (!(m.h.flags & DNS_QR)) {
        int malformed = hs != DNS_OK || m.toolong;
        if (!malformed) {
            struct mcur t = c;
            malformed = skip_rrs(msg, &t, (unsigned)m.h.an + m.h.ns + m.h.ar) != DNS_OK;
        }
        pending_add(st, ctx, &m, malformed, proto);
        return;
    }

    struct dns_event evb; /* about 11 KB: on the stack, no allocation per message */
    struct dns_event *ev = &evb;
    ev_init(ev, proto, st->nbns);
    long qi = pending_match(st, &m);
    int64_t ts = ctx->ts;
    if (qi >= 0) {
        const struct dns_pending *q = &st->pend[qi];
        ev_from_query(ev, q);
        ev->rtt_us = ctx->ts - q->ts;
        if (ev->rtt_us < 0)
            ev->rtt_us = 0;
        ts = q->ts;
        memmove(st->pend + qi, st->pend + qi + 1, (st->npend - (size_t)qi - 1) * sizeof(*q));
        st->npend--;
    } else {
        ev->trans_id = m.h.id;
        ev->RD = !!(m.h.flags & DNS_RD);
        ev->Z = (uint8_t)DNS_Z(m.h.flags);
        if (m.has_q)
            ev_question(ev, &m.qname, m.qtype, m.qclass);
    }
    ev->saw_reply = 1;
    ev->rcode = (uint8_t)DNS_RCODE(m.h.flags);
    ev->AA = !!(m.h.flags & DNS_AA);
    ev->RA = !!(m.h.flags & DNS_RA);
    if (m.h.flags & DNS_TC)
        ev->TC = 1;
    ev->total_answers = m.h.an;
    unsigned replies = (unsigned)m.h.an + m.h.ns + m.h.ar;
    ev->total_replies = (uint16_t)(replies > 0xffff ? 0xffff : replies);
    if ((m.h.qd && replies == 0) || (ev->rcode != 0 && m.h.qd == 0))
        ev->rejected = 1;
    if (m.toolong)
        ev->malformed = 1;
    if (hs == DNS_OK) {
        struct learn ln = {
            .names = ev->rcode == 0 && ctx->sensor ? ctx->sensor->names : NULL,
            .query = ev->has_question ? ev->query : NULL,
            .ts = ctx->ts,
        };
        if (parse_answers(msg, len, &c, &m.h, ev, &ln) != DNS_OK)
            ev->malformed = 1;
    } else {
        ev->malformed = 1;
    }
    emit_at(ctx, ev, ts);
}

/* ---- probing ---- */

/*
 * Does msg (len bytes) look like a DNS message? complete: the message is
 * all there (a datagram, or a whole TCP frame); otherwise only the header
 * and questions are judged and a cut inside them asks for more.
 */
static enum probe_result probe_msg(const uint8_t *msg, size_t len, int complete)
{
    struct dns_msg m;
    struct mcur c;
    if (len < DNS_HDR_LEN)
        return complete ? PROBE_NO : PROBE_MORE;
    enum dns_status st = parse_head(msg, len, &m, &c);
    const struct dns_hdr *h = &m.h;
    if (DNS_OPCODE(h->flags) != 0 || h->qd > 16)
        return PROBE_NO;
    unsigned rrs = (unsigned)h->an + h->ns + h->ar;
    if (!(h->flags & DNS_QR)) {
        if (h->qd == 0 || DNS_RCODE(h->flags) != 0 || h->an > 16 || h->ns > 16 || h->ar > 16)
            return PROBE_NO;
    } else {
        if ((h->qd == 0 && h->an == 0) || rrs > 768)
            return PROBE_NO;
    }
    /* every question takes at least 5 bytes and every record at least 11 */
    if (complete && DNS_HDR_LEN + 5u * h->qd + 11u * rrs > len)
        return PROBE_NO;
    if (st == DNS_INVALID)
        return PROBE_NO;
    if (st == DNS_TRUNC)
        return complete ? PROBE_NO : PROBE_MORE;
    if (m.toolong || (m.has_q && (m.qtype == 0 || m.qclass == 0)))
        return PROBE_NO;
    if (!complete)
        return h->qd ? PROBE_YES : PROBE_MORE; /* no question to judge: wait for the records */
    st = skip_rrs(msg, &c, rrs);
    if (st == DNS_OK || (st == DNS_TRUNC && (h->flags & DNS_TC)))
        return PROBE_YES;
    return PROBE_NO;
}

/* A TCP stream: 2-byte length, then the message (RFC 1035 section 4.2.2). */
static enum probe_result probe_tcp(const uint8_t *data, size_t len)
{
    struct rd r = rd_make(data, len);
    uint16_t mlen = rd_be16(&r);
    if (!rd_ok(&r))
        return PROBE_MORE;
    if (mlen < DNS_HDR_LEN)
        return PROBE_NO;
    size_t have = rd_left(&r);
    const uint8_t *msg = rd_bytes(&r, have < mlen ? have : mlen);
    if (!msg)
        return PROBE_NO;
    return probe_msg(msg, have < mlen ? have : mlen, have >= mlen);
}

/* Content only, either direction: a datagram that is a whole message, or a TCP frame. */
static enum probe_result dns_probe(const uint8_t *data, size_t len, int dir)
{
    (void)dir;
    if (probe_msg(data, len, 1) == PROBE_YES)
        return PROBE_YES;
    return probe_tcp(data, len);
}

/* ---- feeding ---- */

static int tcp_data(struct dns_state *st, struct app_ctx *ctx, int dir, const uint8_t *data,
                    size_t len)
{
    struct dns_tcp_dir *d = &st->tcp[dir];
    struct rd r = rd_make(data, len);
    while (rd_left(&r) && !d->dead) {
        if (d->hdr_got < 2) {
            d->hdr[d->hdr_got++] = rd_u8(&r);
            if (d->hdr_got < 2)
                continue;
            struct rd h = rd_make(d->hdr, 2);
            d->need = rd_be16(&h);
            d->got = 0;
            if (d->need < DNS_HDR_LEN) {
                d->dead = 1; /* no DNS message is this short: framing is lost */
                break;
            }
            continue;
        }
        if (d->got == 0 && rd_left(&r) >= d->need) {
            /* the whole message is in this chunk: parse it in place */
            const uint8_t *msg = rd_bytes(&r, d->need);
            dns_message(st, ctx, msg, d->need, IPPROTO_TCP_);
            d->hdr_got = 0;
            continue;
        }
        if (d->cap < d->need) {
            d->buf = xrealloc(d->buf, d->need);
            d->cap = d->need;
        }
        size_t take = d->need - d->got;
        if (take > rd_left(&r))
            take = rd_left(&r);
        const uint8_t *p = rd_bytes(&r, take);
        memcpy(d->buf + d->got, p, take);
        d->got += take;
        if (d->got == d->need) {
            dns_message(st, ctx, d->buf, d->need, IPPROTO_TCP_);
            d->hdr_got = 0;
            d->got = 0;
        }
    }
    if (d->dead) {
        free(d->buf);
        d->buf = NULL;
        d->cap = 0;
        return PROTO_DONE_DIR;
    }
    return PROTO_CONTINUE;
}

static int dns_data(void *vst, struct app_ctx *ctx, int dir, const uint8_t *data, size_t len)
{
    struct dns_state *st = vst;
    if (ctx->flow && ctx->flow->proto == IPPROTO_TCP_)
        return tcp_data(st, ctx, dir, data, len);
    dns_message(st, ctx, data, len, IPPROTO_UDP_);
    return PROTO_CONTINUE;
}

static void dns_gap(void *vst, struct app_ctx *ctx, int dir, uint64_t len)
{
    (void)ctx;
    (void)len;
    struct dns_state *st = vst;
    /* a lost piece of a length-prefixed stream leaves no way to find the next message */
    st->tcp[dir].dead = 1;
}

static void dns_end(void *vst, struct app_ctx *ctx)
{
    struct dns_state *st = vst;
    uint8_t proto = ctx->flow && ctx->flow->proto == IPPROTO_TCP_ ? IPPROTO_TCP_ : IPPROTO_UDP_;
    for (size_t i = 0; i < st->npend; i++)
        emit_lone_query(ctx, st, &st->pend[i], proto);
    free(st->pend);
    free(st->tcp[0].buf);
    free(st->tcp[1].buf);
    free(st);
}

static const uint16_t dns_ports[] = {53, 137, 5353, 5355, 0};

const struct proto_ops dns_proto = {
    .name = "dns",
    .id = PROTO_DNS,
    .transports = PT_TCP | PT_UDP,
    .ports = dns_ports,
    .probe = dns_probe,
    .state_new = dns_new,
    .data = dns_data,
    .gap = dns_gap,
    .end = dns_end,
};
