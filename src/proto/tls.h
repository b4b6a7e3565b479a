/*
 * summary: TLS handshake parser: hellos, fingerprints (JA3, JA3S, JA4) and certificates
 *
 * References: RFC 8446 (TLS 1.3), RFC 5246 (TLS 1.2), RFC 6066 (SNI),
 * RFC 7301 (ALPN), RFC 8701 (GREASE), draft-ietf-tls-esni (ECH, 0xfe0d),
 * RFC 9001 (TLS in QUIC Initial packets); JA3/JA3S (salesforce/ja3), JA4
 * (FoxIO-LLC/ja4, technical_details/JA4.md).
 *
 * The body struct of an EV_TLS event is below, so analysis code can read
 * the handshake typed; see tls.c for the JSON field list. Certificates are
 * reported as EV_X509 events (struct x509_event, proto/x509.h).
 */
#ifndef VIGIL_PROTO_TLS_H
#define VIGIL_PROTO_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "proto/x509.h"

#define TLS_HS_MAX (256u * 1024)  /* largest handshake message buffered, per direction */
#define TLS_NAME_MAX 256          /* SNI / ALPN protocol kept, with its NUL */
#define TLS_CHAIN_MAX 16          /* certificate fingerprints kept per chain */
#define TLS_JA3_STRING_MAX 16384  /* JA3 string kept (the hash covers all of it) */
#define TLS_VERSION_STR 24

/* The body of an EV_TLS event: one per connection. Strings are "" when unseen. */
struct tls_event {
    /* from the ClientHello */
    int have_client_hello;
    uint16_t client_version;           /* legacy_version, 0x0303 = TLS 1.2 */
    char client_version_str[TLS_VERSION_STR]; /* "TLSv12" */
    uint16_t client_max_version;       /* highest offered (supported_versions or legacy) */
    char server_name[TLS_NAME_MAX];    /* SNI host_name */
    size_t server_name_len;            /* bytes in server_name (it may hold any byte) */
    int sni_missing;                   /* ClientHello without a server_name */
    int ech;                           /* encrypted_client_hello (0xfe0d) offered */
    int esni;                          /* draft encrypted_server_name (0xffce) offered */
    char ja3[33];                      /* MD5 hex of ja3_string */
    const char *ja3_string;            /* "771,4865-...,0-23-...,29-23-24,0"; borrowed */
    char ja4[40];                      /* "t13d1516h2_8daaf6152771_02713d6af862" */
    /* from the ServerHello */
    int have_server_hello;
    uint16_t version;                  /* negotiated (supported_versions if present) */
    char version_str[TLS_VERSION_STR]; /* Zeek style: "TLSv12", "TLSv13" */
    uint16_t cipher;
    char cipher_str[64];               /* IANA name, or "0x%04x" if not in the table */
    char curve[32];                    /* key exchange group ("x25519"), "" if unknown */
    char next_protocol[TLS_NAME_MAX];  /* ALPN chosen by the server */
    char ja3s[33];
    const char *ja3s_string;           /* "771,4865,51-43"; borrowed */
    int resumed;                       /* session resumed (ID echo, abbreviated, or PSK) */
    int tls13;                         /* TLS 1.3 negotiated; without a ServerHello: offered */
    int established;                   /* handshake completed in both directions */
    /* alerts sent in clear */
    char last_alert[40];               /* "handshake_failure", "" if none */
    int malformed;                     /* a record or hello could not be parsed */
    int truncated;                     /* the connection ended inside a handshake message */
    int quic;                          /* carried in QUIC Initial packets over UDP (JA4 "q...") */
    /* certificates: fingerprints (SHA-256 hex) of the chains, leaf first (borrowed) */
    const char (*cert_chain_fps)[X509_FP_HEX];
    size_t n_cert_chain_fps;
    const char (*client_cert_chain_fps)[X509_FP_HEX];
    size_t n_client_cert_chain_fps;
    /* the server's leaf certificate, if it was seen (have_cert); strings borrowed */
    int have_cert;
    const char *subject;               /* RFC 2253 form, as in the x509 event */
    const char *issuer;
    int self_signed;
    int cert_expired;
    int cert_not_yet_valid;
    int sni_matches_cert;              /* 1, 0, or -1 unknown (no SNI or no certificate) */
    /* the client's leaf certificate, if any (borrowed, NULL if none) */
    const char *client_subject;
    const char *client_issuer;
};

/*
 * Zeek's name of a TLS protocol version: "SSLv3", "TLSv10" ... "TLSv13",
 * "DTLSv12", "TLSv13-draft23", or "unknown-%d". out has TLS_VERSION_STR bytes.
 */
void tls_version_str(uint16_t v, char *out);

/* The IANA name of a cipher suite, or NULL if it is not in vigil's table. */
const char *tls_cipher_name(uint16_t suite);

/* The name of a named group / curve ("x25519", "secp256r1"), or NULL. */
const char *tls_group_name(uint16_t group);

/*
 * Empties the calling thread's fingerprint and certificate-name caches
 * (tls.c) and frees their memory (tests, fuzzers: each input from the same
 * state).
 */
void tls_cache_clear(void);

/* 1 if v is a GREASE value (RFC 8701: 0x0a0a, 0x1a1a, ... 0xfafa). */
static inline int tls_is_grease(uint16_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

#endif
