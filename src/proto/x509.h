/*
 * summary: X.509 certificates from the wire: parsing with OpenSSL into a typed event body
 *
 * Reference: RFC 5280 (certificate profile), RFC 4514 (string form of
 * names). A certificate is parsed from its DER bytes with d2i_X509 and
 * described in the fields of Zeek's x509.log, plus vigil's own verdicts
 * (self_signed, expired, not_yet_valid) taken at the packet time of the
 * connection that carried it, never at the wall clock.
 *
 * Bounds: names are kept up to X509_NAME_MAX - 1 bytes (longer ones are
 * truncated), at most X509_SAN_MAX subject alternative names of each kind
 * are kept, each up to X509_SAN_LEN_MAX bytes; the cache of parsed
 * certificates holds at most 512 of them per thread (about 4.5 MB).
 */
#ifndef VIGIL_PROTO_X509_H
#define VIGIL_PROTO_X509_H

#include <stddef.h>
#include <stdint.h>

#include "util/log.h"

struct event;
struct jbuf;

#define X509_NAME_MAX 4096   /* subject / issuer text, with its NUL */
#define X509_SERIAL_MAX 132  /* 64 serial bytes as hex, a sign and a NUL */
#define X509_ALG_MAX 64      /* algorithm names ("sha256WithRSAEncryption") */
#define X509_SAN_MAX 256     /* SAN entries kept per kind */
#define X509_SAN_LEN_MAX 255 /* bytes kept of one SAN entry */
#define X509_FP_HEX 65       /* SHA-256 as lowercase hex, with its NUL */
#define X509_SHA1_HEX 41

/* The body of an EV_X509 event: one per certificate seen on the wire. */
struct x509_event {
    char fingerprint[X509_FP_HEX]; /* SHA-256 of the DER, lowercase hex (Zeek "fingerprint") */
    char sha1[X509_SHA1_HEX];      /* SHA-1 of the DER, lowercase hex */
    unsigned version;              /* 1, 2 or 3 */
    char serial[X509_SERIAL_MAX];  /* upper-case hex, as i2a_ASN1_INTEGER / openssl -serial */
    char subject[X509_NAME_MAX];   /* RFC 2253 form, most specific RDN first: "CN=a,O=b,C=GB" */
    char issuer[X509_NAME_MAX];
    int64_t not_valid_before;      /* epoch seconds */
    int64_t not_valid_after;
    char key_alg[X509_ALG_MAX];    /* "rsaEncryption", "id-ecPublicKey", ... */
    char sig_alg[X509_ALG_MAX];    /* "sha256WithRSAEncryption", ... */
    const char *key_type;          /* "rsa", "dsa", "ecdsa" (as Zeek), or NULL if other */
    unsigned key_length;           /* bits: RSA modulus, DSA p, EC group order; 0 if unknown */
    char exponent[24];             /* RSA public exponent in decimal, or "" */
    char curve[32];                /* EC curve short name ("prime256v1"), or "" */
    int ca;                        /* basic constraints cA: 1, 0, or -1 if absent */
    int path_len;                  /* basic constraints pathLenConstraint, or -1 */
    /* subject alternative names (owned; freed by x509_event_release) */
    char **san_dns;
    size_t n_san_dns;
    char **san_ip;                 /* addresses in text form */
    size_t n_san_ip;
    char **san_email;
    size_t n_san_email;
    char **san_uri;
    size_t n_san_uri;
    /* vigil's own fields */
    int self_signed;   /* issuer equals subject and the signature verifies with its own key */
    int expired;       /* packet time is after not_valid_after */
    int not_yet_valid; /* packet time is before not_valid_before */
    /* where it was seen (filled by the TLS parser) */
    int chain_index;   /* 0 = the sender's own (leaf) certificate */
    int client_cert;   /* sent by the client (1) or by the server (0) */
    void *cert;        /* the parsed OpenSSL X509 (owned); NULL after release */
};

/*
 * Parses one DER certificate (der: borrowed, len bytes) and fills *ev
 * (which it first clears). now_us is the packet time in microseconds since
 * the epoch, for expired / not_yet_valid. Returns 0, or -1 if OpenSSL does
 * not accept the bytes as a certificate (ev then holds only the
 * fingerprint and owns nothing). On success ev owns memory: call
 * x509_event_release(). Certificates seen before are answered from a
 * per-thread cache of 512 parsed certificates (keyed by the
 * SHA-256 of the DER), with expired / not_yet_valid taken anew at now_us.
 */
int x509_parse(const uint8_t *der, size_t len, int64_t now_us, struct x509_event *ev) WARN_UNUSED;

/* Empties the calling thread's certificate cache and frees its memory (tests, fuzzers, exit). */
void x509_cache_clear(void);

/* Frees what ev owns (its SAN lists and the OpenSSL certificate); ev may be reused. */
void x509_event_release(struct x509_event *ev);

/*
 * 1 if the certificate in ev is valid for the DNS name host (SAN dNSName,
 * or the subject CN when there are no dNSNames; wildcards as RFC 6125),
 * 0 if not, -1 if ev holds no certificate. host is borrowed.
 */
int x509_matches_host(const struct x509_event *ev, const char *host, size_t host_len) WARN_UNUSED;

/* Writes the fields of an EV_X509 event whose body is a struct x509_event. */
void x509_fields_json(const struct event *ev, struct jbuf *jb);

enum x509_md { X509_MD_MD5, X509_MD_SHA1, X509_MD_SHA256 };

/*
 * Digest of n bytes at p (borrowed) into out (16, 20 or 32 bytes). Returns
 * 0, or -1 if OpenSSL cannot compute it. The algorithm implementations are
 * fetched once per thread (an implicit fetch per call costs more than
 * hashing a ClientHello).
 */
int x509_digest(enum x509_md alg, const void *p, size_t n, uint8_t *out) WARN_UNUSED;

/* Lowercase hex of n bytes into out (2n + 1 bytes, NUL-terminated). */
void x509_hex(const uint8_t *p, size_t n, char *out);

#endif
