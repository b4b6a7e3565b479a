/*
 * summary: DNS query/response parser over UDP and TCP (RFC 1035, RFC 3596, RFC 6891)
 *
 * One EV_DNS event per query/response pair of a connection (or per lone
 * query or response), with Zeek's dns.log field names. The body is a
 * struct dns_event, readable typed by analysis code; see the "Events"
 * block at the top of dns.c for the JSON fields.
 */
#ifndef VIGIL_PROTO_DNS_H
#define VIGIL_PROTO_DNS_H

#include <stddef.h>
#include <stdint.h>

#define DNS_NAME_MAX 255       /* RFC 1035 section 2.3.4: octets of a name on the wire */
#define DNS_LABEL_MAX 63       /* RFC 1035 section 2.3.4 */
#define DNS_NAME_TEXT_MAX 1024 /* a rendered name: 255 bytes, each at most "\xNN" */
#define DNS_ANSWERS_MAX 64     /* answers kept per event (the rest are counted only) */
#define DNS_ANSWER_TEXT_MAX 2048 /* one rendered answer (a long TXT is cut here) */
#define DNS_ANSWERS_BUF 8192   /* all rendered answers of one event */

/* The body of an EV_DNS event. Strings are NUL-terminated, printable ASCII. */
struct dns_event {
    uint8_t proto;     /* 17 (udp) or 6 (tcp) */
    uint8_t saw_query; /* the query message was seen */
    uint8_t saw_reply; /* the response message was seen */
    uint8_t has_question;
    uint8_t nbns; /* NetBIOS name service (port 137): query decoded as Zeek does */
    uint16_t trans_id;
    int64_t rtt_us; /* response time minus query time; -1 unless both were seen */
    /* first question: lowercased (as Zeek's query) and as sent; non-printable bytes as \xNN */
    char query[DNS_NAME_TEXT_MAX];
    char original_query[DNS_NAME_TEXT_MAX];
    uint16_t qclass;
    uint16_t qtype;
    uint8_t rcode; /* valid when saw_reply */
    uint8_t AA, TC, RD, RA, Z;
    uint8_t rejected;  /* as Zeek: a response without records, or an error without a question */
    uint8_t malformed; /* a message of the pair did not parse to its end */
    uint16_t total_answers; /* answer RRs the response announced */
    uint16_t total_replies; /* answer + authority + additional RRs announced */
    /* answer section, rendered as Zeek's dns.log "answers", with their TTLs */
    uint16_t n_answers;
    uint16_t answer_off[DNS_ANSWERS_MAX]; /* offsets into abuf */
    uint32_t ttls[DNS_ANSWERS_MAX];
    size_t abuf_len;
    char abuf[DNS_ANSWERS_BUF];
};

/* Answer i (< e->n_answers) of e, as text. */
static inline const char *dns_event_answer(const struct dns_event *e, size_t i)
{
    return e->abuf + e->answer_off[i];
}

#define DNS_TYPE_NAME_MAX 24

/*
 * Zeek's names (base/protocols/dns/consts.zeek): the QTYPE ("A", "AAAA", or
 * "query-N"), the response code ("NOERROR", "NXDOMAIN", or "rcode-N") and
 * the class ("C_INTERNET", or "qclass-N"). Returns a static string for a
 * known code, else out (at least DNS_TYPE_NAME_MAX bytes) filled in; the
 * result is valid as long as out is.
 */
const char *dns_qtype_name(unsigned qtype, char *out);
const char *dns_rcode_name(unsigned rcode, char *out);
const char *dns_qclass_name(unsigned qclass, char *out);

#endif
