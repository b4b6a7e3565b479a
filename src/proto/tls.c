/*
 * summary: TLS: hellos, JA3/JA3S/JA4 fingerprints, certificate chains, alerts
 *
 * References: RFC 8446 (TLS 1.3: sections 4.1.2 ClientHello, 4.1.3
 * ServerHello and HelloRetryRequest, 4.2.1 supported_versions, 4.2.8
 * key_share, 5.1 record layer), RFC 5246 (TLS 1.2: 6.2 records, 7.4
 * handshake messages, 7.4.3 ServerKeyExchange), RFC 4492 / 8422 (named
 * curves), RFC 6066 section 3 (server_name), RFC 7301 (ALPN), RFC 8701
 * (GREASE), draft-ietf-tls-esni (encrypted_client_hello 0xfe0d), SSL 2.0
 * (draft-hickman-netscape-ssl-00, for the SSLv2-compatible ClientHello);
 * RFC 9000 / 9001 / 9369 and draft-ietf-quic-tls-29 (hellos in QUIC Initial
 * packets, see the QUIC section below).
 * JA3 / JA3S: github.com/salesforce/ja3 (GREASE excluded, as Wireshark's
 * tls.handshake.ja3). JA4: github.com/FoxIO-LLC/ja4 technical_details/JA4.md.
 *
 * Layout (per direction):
 *   record:    type(1) version(2) length(2) fragment[length]   (length <= 2^14 + 2048)
 *   handshake: msg_type(1) length(3) body[length]              (may span records;
 *              several may share one record)
 * The parser reassembles handshake messages of each direction in a buffer
 * (at most TLS_HS_MAX + 4 bytes; a longer message is skipped, not
 * buffered) until that direction starts encrypting (ChangeCipherSpec in
 * TLS <= 1.2; in TLS 1.3 encrypted records are application_data records).
 * Records of other types are only counted. Once the handshake is complete
 * in both directions (or a fatal alert was sent in clear) the tls event is
 * emitted and the parser asks for no more bytes; otherwise it is emitted
 * when the connection ends. Certificates (TLS <= 1.2, in clear) are parsed
 * with OpenSSL (proto/x509.c) and reported as they arrive, one x509 event
 * each. A record header that is not TLS, or a gap in the stream, ends the
 * parsing of that direction (no resynchronisation).
 *
 * Over UDP the same handshake parser is fed from the CRYPTO frames of
 * QUIC Initial packets, whose protection is removed with the keys RFC 9001
 * derives from the client's first Destination Connection ID.
 *
 * Bounds: per direction one handshake buffer of at most TLS_HS_MAX + 4
 * bytes, freed as soon as that direction encrypts; for QUIC, per direction
 * a CRYPTO reassembly buffer of QUIC_CRYPTO_MAX bytes plus a bitmap of an
 * eighth of that; JA3 strings kept up to TLS_JA3_STRING_MAX bytes (hashes
 * cover the whole string); at most TLS_CHAIN_MAX certificates per chain
 * are parsed and reported; the state is about 1.4 KB plus those buffers,
 * and is freed as soon as the handshake is complete.
 *
 * Events: one "tls" event per connection (Zeek ssl.log names where Zeek has the field):
 *   version          negotiated version, "TLSv12", "TLSv13" (Zeek version)
 *   cipher           chosen cipher suite, IANA name or "0x%04x" (Zeek cipher)
 *   curve            key exchange group, "x25519" (Zeek curve)
 *   server_name      SNI host name (Zeek server_name)
 *   resumed          session resumed: ID echoed, abbreviated handshake, or PSK (Zeek resumed)
 *   last_alert       last alert seen in clear, "handshake_failure" (Zeek last_alert)
 *   next_protocol    ALPN protocol chosen by the server (Zeek next_protocol)
 *   established      handshake completed in both directions (Zeek established)
 *   cert_chain_fps   SHA-256 of the server's certificates, leaf first (Zeek cert_chain_fps)
 *   client_cert_chain_fps  the same for the client's (Zeek client_cert_chain_fps)
 *   subject, issuer  of the server's leaf certificate (Zeek subject, issuer)
 *   client_subject, client_issuer  of the client's leaf certificate (Zeek)
 *   sni_matches_cert the leaf certificate is valid for server_name (Zeek sni_matches_cert)
 *   ja3, ja3_string  JA3 of the ClientHello: MD5 hex and the string hashed (Zeek ja3 package)
 *   ja3s, ja3s_string  JA3S of the ServerHello (Zeek ja3 package)
 *   ja4              FoxIO JA4 of the ClientHello, "t13d1516h2_8daaf6152771_02713d6af862"
 *   client_version   legacy version of the ClientHello, "TLSv12" (vigil)
 *   sni_missing      ClientHello without server_name (vigil)
 *   self_signed      leaf is self-signed (signature verifies with its own key) (vigil)
 *   cert_expired, cert_not_yet_valid  leaf validity at the packet time (vigil)
 *   tls13            TLS 1.3 negotiated; without a ServerHello, offered by the client (vigil)
 *   ech, esni        encrypted_client_hello (0xfe0d) / draft ESNI (0xffce) offered (vigil)
 *   quic             the handshake travelled in QUIC Initial packets (UDP) (vigil)
 *   malformed        a record or handshake message could not be parsed (vigil)
 *   truncated        the connection ended inside a handshake message (vigil)
 * and one "x509" event per certificate: see proto/x509.c.
 */
#include "proto/tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "event/event.h"
#include "flow/flow.h"
#include "proto/proto.h"
#include "util/hash.h"
#include "util/json.h"
#include "util/log.h"
#include "util/rd.h"

#define TLS_REC_MAX (16384u + 2048) /* RFC 5246 6.2.3: TLSCiphertext.length */
#define TLS_HS_INIT 4096u           /* first size of a handshake buffer */

enum {
    CT_CCS = 20,
    CT_ALERT = 21,
    CT_HANDSHAKE = 22,
    CT_APPDATA = 23,
    CT_HEARTBEAT = 24,
    CT_SSL2 = 0x100, /* an SSLv2-format record (2-byte header) */
};

enum {
    HS_CLIENT_HELLO = 1,
    HS_SERVER_HELLO = 2,
    HS_CERTIFICATE = 11,
    HS_SERVER_KEY_EXCHANGE = 12,
    HS_SERVER_HELLO_DONE = 14,
};

enum {
    EXT_SERVER_NAME = 0,
    EXT_SUPPORTED_GROUPS = 10,
    EXT_EC_POINT_FORMATS = 11,
    EXT_SIGNATURE_ALGORITHMS = 13,
    EXT_ALPN = 16,
    EXT_PRE_SHARED_KEY = 41,
    EXT_SUPPORTED_VERSIONS = 43,
    EXT_KEY_SHARE = 51,
    EXT_ECH = 0xfe0d,
    EXT_ESNI = 0xffce,
};

struct tls_dir {
    uint8_t hdr[5];
    uint8_t hdr_len;      /* bytes of the record header collected */
    uint8_t in_body;      /* the header is complete: body bytes follow */
    uint8_t started;      /* a record header was seen */
    uint8_t dead;         /* not parseable any more: ignore the rest */
    uint8_t encrypted;    /* handshake records of this direction are ciphertext */
    uint8_t small_len;
    uint8_t small[3];     /* alert body, or the start of an SSLv2 hello */
    unsigned rtype;       /* content type of the current record */
    size_t rlen;          /* its length */
    size_t rleft;         /* its body bytes still to come */
    uint8_t *hs;          /* handshake bytes not yet parsed (owned), or NULL */
    size_t hs_len, hs_cap;
    size_t hs_skip;       /* bytes of an oversized handshake message still to drop */
    uint64_t ccs;         /* ChangeCipherSpec records */
    uint64_t appdata;     /* application_data records */
    unsigned certs;       /* Certificate messages */
};

struct tls_chain {
    char (*fps)[X509_FP_HEX]; /* owned, TLS_CHAIN_MAX entries, or NULL */
    size_t n;
    char *subject, *issuer;   /* of the leaf, owned */
};

struct quic_version;

struct quic_keys {
    uint8_t key[16], iv[12], hp[16];
    int ok;
};

struct quic_dir {
    uint8_t *buf;      /* CRYPTO stream of the Initial space (owned), QUIC_CRYPTO_MAX bytes */
    uint8_t *have;     /* one bit per byte of buf received (owned) */
    size_t contig;     /* bytes [0, contig) received and handed to the handshake parser */
    int short_seen;    /* a 1-RTT (short header) packet was sent */
};

struct tls_state {
    struct tls_event ev;
    struct tls_dir d[2];
    int client_dir, server_dir; /* -1 until the hellos say */
    int emitted;
    int hrr;                    /* the last ServerHello was a HelloRetryRequest */
    int server_hs_after_sh;     /* server sent Certificate/ServerKeyExchange/Done after its hello */
    int64_t ts_first;           /* time of the first handshake bytes */
    uint8_t ch_sid_len;
    uint8_t ch_sid[32];
    char *ja3_string, *ja3s_string; /* owned */
    struct tls_chain chain[2];  /* 0: server's, 1: client's */
    /* QUIC (UDP) only */
    const struct quic_version *quic_v;
    int quic_rederive;          /* a Retry was seen: the next client Initial sets the keys */
    struct quic_keys qk[2];     /* 0: client's Initial keys, 1: server's */
    struct quic_dir q[2];
};

/* RFC 8446 4.1.3: the random of a HelloRetryRequest, SHA-256("HelloRetryRequest") */
static const uint8_t hrr_random[32] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* ---- names ---------------------------------------------------------------------------- */

struct code_name {
    uint16_t code;
    const char *name;
};

/* IANA TLS Cipher Suites registry, sorted by code. */
static const struct code_name cipher_names[] = {
    {0x0000, "TLS_NULL_WITH_NULL_NULL"},
    {0x0001, "TLS_RSA_WITH_NULL_MD5"},
    {0x0002, "TLS_RSA_WITH_NULL_SHA"},
    {0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5"},
    {0x0004, "TLS_RSA_WITH_RC4_128_MD5"},
    {0x0005, "TLS_RSA_WITH_RC4_128_SHA"},
    {0x0006, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5"},
    {0x0007, "TLS_RSA_WITH_IDEA_CBC_SHA"},
    {0x0008, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA"},
    {0x0009, "TLS_RSA_WITH_DES_CBC_SHA"},
    {0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"},
    {0x000b, "TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA"},
    {0x000c, "TLS_DH_DSS_WITH_DES_CBC_SHA"},
    {0x000d, "TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA"},
    {0x000e, "TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA"},
    {0x000f, "TLS_DH_RSA_WITH_DES_CBC_SHA"},
    {0x0010, "TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA"},
    {0x0011, "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA"},
    {0x0012, "TLS_DHE_DSS_WITH_DES_CBC_SHA"},
    {0x0013, "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA"},
    {0x0014, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA"},
    {0x0015, "TLS_DHE_RSA_WITH_DES_CBC_SHA"},
    {0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA"},
    {0x0017, "TLS_DH_anon_EXPORT_WITH_RC4_40_MD5"},
    {0x0018, "TLS_DH_anon_WITH_RC4_128_MD5"},
    {0x0019, "TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA"},
    {0x001a, "TLS_DH_anon_WITH_DES_CBC_SHA"},
    {0x001b, "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA"},
    {0x001e, "TLS_KRB5_WITH_DES_CBC_SHA"},
    {0x001f, "TLS_KRB5_WITH_3DES_EDE_CBC_SHA"},
    {0x0020, "TLS_KRB5_WITH_RC4_128_SHA"},
    {0x0021, "TLS_KRB5_WITH_IDEA_CBC_SHA"},
    {0x0022, "TLS_KRB5_WITH_DES_CBC_MD5"},
    {0x0023, "TLS_KRB5_WITH_3DES_EDE_CBC_MD5"},
    {0x0024, "TLS_KRB5_WITH_RC4_128_MD5"},
    {0x0025, "TLS_KRB5_WITH_IDEA_CBC_MD5"},
    {0x0026, "TLS_KRB5_EXPORT_WITH_DES_CBC_40_SHA"},
    {0x0027, "TLS_KRB5_EXPORT_WITH_RC2_CBC_40_SHA"},
    {0x0028, "TLS_KRB5_EXPORT_WITH_RC4_40_SHA"},
    {0x0029, "TLS_KRB5_EXPORT_WITH_DES_CBC_40_MD5"},
    {0x002a, "TLS_KRB5_EXPORT_WITH_RC2_CBC_40_MD5"},
    {0x002b, "TLS_KRB5_EXPORT_WITH_RC4_40_MD5"},
    {0x002c, "TLS_PSK_WITH_NULL_SHA"},
    {0x002d, "TLS_DHE_PSK_WITH_NULL_SHA"},
    {0x002e, "TLS_RSA_PSK_WITH_NULL_SHA"},
    {0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA"},
    {0x0030, "TLS_DH_DSS_WITH_AES_128_CBC_SHA"},
    {0x0031, "TLS_DH_RSA_WITH_AES_128_CBC_SHA"},
    {0x0032, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA"},
    {0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"},
    {0x0034, "TLS_DH_anon_WITH_AES_128_CBC_SHA"},
    {0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA"},
    {0x0036, "TLS_DH_DSS_WITH_AES_256_CBC_SHA"},
    {0x0037, "TLS_DH_RSA_WITH_AES_256_CBC_SHA"},
    {0x0038, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA"},
    {0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"},
    {0x003a, "TLS_DH_anon_WITH_AES_256_CBC_SHA"},
    {0x003b, "TLS_RSA_WITH_NULL_SHA256"},
    {0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256"},
    {0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256"},
    {0x003e, "TLS_DH_DSS_WITH_AES_128_CBC_SHA256"},
    {0x003f, "TLS_DH_RSA_WITH_AES_128_CBC_SHA256"},
    {0x0040, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256"},
    {0x0041, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA"},
    {0x0042, "TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA"},
    {0x0043, "TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA"},
    {0x0044, "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA"},
    {0x0045, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA"},
    {0x0046, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA"},
    {0x0060, "TLS_RSA_EXPORT1024_WITH_RC4_56_MD5"},
    {0x0061, "TLS_RSA_EXPORT1024_WITH_RC2_CBC_56_MD5"},
    {0x0062, "TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA"},
    {0x0063, "TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA"},
    {0x0064, "TLS_RSA_EXPORT1024_WITH_RC4_56_SHA"},
    {0x0065, "TLS_DHE_DSS_EXPORT1024_WITH_RC4_56_SHA"},
    {0x0066, "TLS_DHE_DSS_WITH_RC4_128_SHA"},
    {0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"},
    {0x0068, "TLS_DH_DSS_WITH_AES_256_CBC_SHA256"},
    {0x0069, "TLS_DH_RSA_WITH_AES_256_CBC_SHA256"},
    {0x006a, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256"},
    {0x006b, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"},
    {0x006c, "TLS_DH_anon_WITH_AES_128_CBC_SHA256"},
    {0x006d, "TLS_DH_anon_WITH_AES_256_CBC_SHA256"},
    {0x0080, "TLS_GOSTR341094_WITH_28147_CNT_IMIT"},
    {0x0081, "TLS_GOSTR341001_WITH_28147_CNT_IMIT"},
    {0x0082, "TLS_GOSTR341094_WITH_NULL_GOSTR3411"},
    {0x0083, "TLS_GOSTR341001_WITH_NULL_GOSTR3411"},
    {0x0084, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA"},
    {0x0085, "TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA"},
    {0x0086, "TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA"},
    {0x0087, "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA"},
    {0x0088, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA"},
    {0x0089, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA"},
    {0x008a, "TLS_PSK_WITH_RC4_128_SHA"},
    {0x008b, "TLS_PSK_WITH_3DES_EDE_CBC_SHA"},
    {0x008c, "TLS_PSK_WITH_AES_128_CBC_SHA"},
    {0x008d, "TLS_PSK_WITH_AES_256_CBC_SHA"},
    {0x008e, "TLS_DHE_PSK_WITH_RC4_128_SHA"},
    {0x008f, "TLS_DHE_PSK_WITH_3DES_EDE_CBC_SHA"},
    {0x0090, "TLS_DHE_PSK_WITH_AES_128_CBC_SHA"},
    {0x0091, "TLS_DHE_PSK_WITH_AES_256_CBC_SHA"},
    {0x0092, "TLS_RSA_PSK_WITH_RC4_128_SHA"},
    {0x0093, "TLS_RSA_PSK_WITH_3DES_EDE_CBC_SHA"},
    {0x0094, "TLS_RSA_PSK_WITH_AES_128_CBC_SHA"},
    {0x0095, "TLS_RSA_PSK_WITH_AES_256_CBC_SHA"},
    {0x0096, "TLS_RSA_WITH_SEED_CBC_SHA"},
    {0x0097, "TLS_DH_DSS_WITH_SEED_CBC_SHA"},
    {0x0098, "TLS_DH_RSA_WITH_SEED_CBC_SHA"},
    {0x0099, "TLS_DHE_DSS_WITH_SEED_CBC_SHA"},
    {0x009a, "TLS_DHE_RSA_WITH_SEED_CBC_SHA"},
    {0x009b, "TLS_DH_anon_WITH_SEED_CBC_SHA"},
    {0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256"},
    {0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384"},
    {0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"},
    {0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"},
    {0x00a0, "TLS_DH_RSA_WITH_AES_128_GCM_SHA256"},
    {0x00a1, "TLS_DH_RSA_WITH_AES_256_GCM_SHA384"},
    {0x00a2, "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256"},
    {0x00a3, "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384"},
    {0x00a4, "TLS_DH_DSS_WITH_AES_128_GCM_SHA256"},
    {0x00a5, "TLS_DH_DSS_WITH_AES_256_GCM_SHA384"},
    {0x00a6, "TLS_DH_anon_WITH_AES_128_GCM_SHA256"},
    {0x00a7, "TLS_DH_anon_WITH_AES_256_GCM_SHA384"},
    {0x00a8, "TLS_PSK_WITH_AES_128_GCM_SHA256"},
    {0x00a9, "TLS_PSK_WITH_AES_256_GCM_SHA384"},
    {0x00aa, "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256"},
    {0x00ab, "TLS_DHE_PSK_WITH_AES_256_GCM_SHA384"},
    {0x00ac, "TLS_RSA_PSK_WITH_AES_128_GCM_SHA256"},
    {0x00ad, "TLS_RSA_PSK_WITH_AES_256_GCM_SHA384"},
    {0x00ae, "TLS_PSK_WITH_AES_128_CBC_SHA256"},
    {0x00af, "TLS_PSK_WITH_AES_256_CBC_SHA384"},
    {0x00b0, "TLS_PSK_WITH_NULL_SHA256"},
    {0x00b1, "TLS_PSK_WITH_NULL_SHA384"},
    {0x00b2, "TLS_DHE_PSK_WITH_AES_128_CBC_SHA256"},
    {0x00b3, "TLS_DHE_PSK_WITH_AES_256_CBC_SHA384"},
    {0x00b4, "TLS_DHE_PSK_WITH_NULL_SHA256"},
    {0x00b5, "TLS_DHE_PSK_WITH_NULL_SHA384"},
    {0x00b6, "TLS_RSA_PSK_WITH_AES_128_CBC_SHA256"},
    {0x00b7, "TLS_RSA_PSK_WITH_AES_256_CBC_SHA384"},
    {0x00b8, "TLS_RSA_PSK_WITH_NULL_SHA256"},
    {0x00b9, "TLS_RSA_PSK_WITH_NULL_SHA384"},
    {0x00ba, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256"},
    {0x00bb, "TLS_DH_DSS_WITH_CAMELLIA_128_CBC_SHA256"},
    {0x00bc, "TLS_DH_RSA_WITH_CAMELLIA_128_CBC_SHA256"},
    {0x00bd, "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256"},
    {0x00be, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256"},
    {0x00bf, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256"},
    {0x00c0, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256"},
    {0x00c1, "TLS_DH_DSS_WITH_CAMELLIA_256_CBC_SHA256"},
    {0x00c2, "TLS_DH_RSA_WITH_CAMELLIA_256_CBC_SHA256"},
    {0x00c3, "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256"},
    {0x00c4, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256"},
    {0x00c5, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256"},
    {0x00c6, "TLS_SM4_GCM_SM3"},
    {0x00c7, "TLS_SM4_CCM_SM3"},
    {0x00ff, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"},
    {0x1301, "TLS_AES_128_GCM_SHA256"},
    {0x1302, "TLS_AES_256_GCM_SHA384"},
    {0x1303, "TLS_CHACHA20_POLY1305_SHA256"},
    {0x1304, "TLS_AES_128_CCM_SHA256"},
    {0x1305, "TLS_AES_128_CCM_8_SHA256"},
    {0x5600, "TLS_FALLBACK_SCSV"},
    {0xc001, "TLS_ECDH_ECDSA_WITH_NULL_SHA"},
    {0xc002, "TLS_ECDH_ECDSA_WITH_RC4_128_SHA"},
    {0xc003, "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA"},
    {0xc004, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA"},
    {0xc005, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA"},
    {0xc006, "TLS_ECDHE_ECDSA_WITH_NULL_SHA"},
    {0xc007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA"},
    {0xc008, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA"},
    {0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"},
    {0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"},
    {0xc00b, "TLS_ECDH_RSA_WITH_NULL_SHA"},
    {0xc00c, "TLS_ECDH_RSA_WITH_RC4_128_SHA"},
    {0xc00d, "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA"},
    {0xc00e, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA"},
    {0xc00f, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA"},
    {0xc010, "TLS_ECDHE_RSA_WITH_NULL_SHA"},
    {0xc011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA"},
    {0xc012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"},
    {0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"},
    {0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"},
    {0xc015, "TLS_ECDH_anon_WITH_NULL_SHA"},
    {0xc016, "TLS_ECDH_anon_WITH_RC4_128_SHA"},
    {0xc017, "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA"},
    {0xc018, "TLS_ECDH_anon_WITH_AES_128_CBC_SHA"},
    {0xc019, "TLS_ECDH_anon_WITH_AES_256_CBC_SHA"},
    {0xc01a, "TLS_SRP_SHA_WITH_3DES_EDE_CBC_SHA"},
    {0xc01b, "TLS_SRP_SHA_RSA_WITH_3DES_EDE_CBC_SHA"},
    {0xc01c, "TLS_SRP_SHA_DSS_WITH_3DES_EDE_CBC_SHA"},
    {0xc01d, "TLS_SRP_SHA_WITH_AES_128_CBC_SHA"},
    {0xc01e, "TLS_SRP_SHA_RSA_WITH_AES_128_CBC_SHA"},
    {0xc01f, "TLS_SRP_SHA_DSS_WITH_AES_128_CBC_SHA"},
    {0xc020, "TLS_SRP_SHA_WITH_AES_256_CBC_SHA"},
    {0xc021, "TLS_SRP_SHA_RSA_WITH_AES_256_CBC_SHA"},
    {0xc022, "TLS_SRP_SHA_DSS_WITH_AES_256_CBC_SHA"},
    {0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"},
    {0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"},
    {0xc025, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256"},
    {0xc026, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384"},
    {0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"},
    {0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"},
    {0xc029, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256"},
    {0xc02a, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384"},
    {0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
    {0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
    {0xc02d, "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256"},
    {0xc02e, "TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384"},
    {0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
    {0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
    {0xc031, "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256"},
    {0xc032, "TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384"},
    {0xc033, "TLS_ECDHE_PSK_WITH_RC4_128_SHA"},
    {0xc034, "TLS_ECDHE_PSK_WITH_3DES_EDE_CBC_SHA"},
    {0xc035, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA"},
    {0xc036, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA"},
    {0xc037, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256"},
    {0xc038, "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384"},
    {0xc039, "TLS_ECDHE_PSK_WITH_NULL_SHA"},
    {0xc03a, "TLS_ECDHE_PSK_WITH_NULL_SHA256"},
    {0xc03b, "TLS_ECDHE_PSK_WITH_NULL_SHA384"},
    {0xc03c, "TLS_RSA_WITH_ARIA_128_CBC_SHA256"},
    {0xc03d, "TLS_RSA_WITH_ARIA_256_CBC_SHA384"},
    {0xc03e, "TLS_DH_DSS_WITH_ARIA_128_CBC_SHA256"},
    {0xc03f, "TLS_DH_DSS_WITH_ARIA_256_CBC_SHA384"},
    {0xc040, "TLS_DH_RSA_WITH_ARIA_128_CBC_SHA256"},
    {0xc041, "TLS_DH_RSA_WITH_ARIA_256_CBC_SHA384"},
    {0xc042, "TLS_DHE_DSS_WITH_ARIA_128_CBC_SHA256"},
    {0xc043, "TLS_DHE_DSS_WITH_ARIA_256_CBC_SHA384"},
    {0xc044, "TLS_DHE_RSA_WITH_ARIA_128_CBC_SHA256"},
    {0xc045, "TLS_DHE_RSA_WITH_ARIA_256_CBC_SHA384"},
    {0xc046, "TLS_DH_anon_WITH_ARIA_128_CBC_SHA256"},
    {0xc047, "TLS_DH_anon_WITH_ARIA_256_CBC_SHA384"},
    {0xc048, "TLS_ECDHE_ECDSA_WITH_ARIA_128_CBC_SHA256"},
    {0xc049, "TLS_ECDHE_ECDSA_WITH_ARIA_256_CBC_SHA384"},
    {0xc04a, "TLS_ECDH_ECDSA_WITH_ARIA_128_CBC_SHA256"},
    {0xc04b, "TLS_ECDH_ECDSA_WITH_ARIA_256_CBC_SHA384"},
    {0xc04c, "TLS_ECDHE_RSA_WITH_ARIA_128_CBC_SHA256"},
    {0xc04d, "TLS_ECDHE_RSA_WITH_ARIA_256_CBC_SHA384"},
    {0xc04e, "TLS_ECDH_RSA_WITH_ARIA_128_CBC_SHA256"},
    {0xc04f, "TLS_ECDH_RSA_WITH_ARIA_256_CBC_SHA384"},
    {0xc050, "TLS_RSA_WITH_ARIA_128_GCM_SHA256"},
    {0xc051, "TLS_RSA_WITH_ARIA_256_GCM_SHA384"},
    {0xc052, "TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256"},
    {0xc053, "TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384"},
    {0xc054, "TLS_DH_RSA_WITH_ARIA_128_GCM_SHA256"},
    {0xc055, "TLS_DH_RSA_WITH_ARIA_256_GCM_SHA384"},
    {0xc056, "TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256"},
    {0xc057, "TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384"},
    {0xc058, "TLS_DH_DSS_WITH_ARIA_128_GCM_SHA256"},
    {0xc059, "TLS_DH_DSS_WITH_ARIA_256_GCM_SHA384"},
    {0xc05a, "TLS_DH_anon_WITH_ARIA_128_GCM_SHA256"},
    {0xc05b, "TLS_DH_anon_WITH_ARIA_256_GCM_SHA384"},
    {0xc05c, "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256"},
    {0xc05d, "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384"},
    {0xc05e, "TLS_ECDH_ECDSA_WITH_ARIA_128_GCM_SHA256"},
    {0xc05f, "TLS_ECDH_ECDSA_WITH_ARIA_256_GCM_SHA384"},
    {0xc060, "TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256"},
    {0xc061, "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384"},
    {0xc062, "TLS_ECDH_RSA_WITH_ARIA_128_GCM_SHA256"},
    {0xc063, "TLS_ECDH_RSA_WITH_ARIA_256_GCM_SHA384"},
    {0xc064, "TLS_PSK_WITH_ARIA_128_CBC_SHA256"},
    {0xc065, "TLS_PSK_WITH_ARIA_256_CBC_SHA384"},
    {0xc066, "TLS_DHE_PSK_WITH_ARIA_128_CBC_SHA256"},
    {0xc067, "TLS_DHE_PSK_WITH_ARIA_256_CBC_SHA384"},
    {0xc068, "TLS_RSA_PSK_WITH_ARIA_128_CBC_SHA256"},
    {0xc069, "TLS_RSA_PSK_WITH_ARIA_256_CBC_SHA384"},
    {0xc06a, "TLS_PSK_WITH_ARIA_128_GCM_SHA256"},
    {0xc06b, "TLS_PSK_WITH_ARIA_256_GCM_SHA384"},
    {0xc06c, "TLS_DHE_PSK_WITH_ARIA_128_GCM_SHA256"},
    {0xc06d, "TLS_DHE_PSK_WITH_ARIA_256_GCM_SHA384"},
    {0xc06e, "TLS_RSA_PSK_WITH_ARIA_128_GCM_SHA256"},
    {0xc06f, "TLS_RSA_PSK_WITH_ARIA_256_GCM_SHA384"},
    {0xc070, "TLS_ECDHE_PSK_WITH_ARIA_128_CBC_SHA256"},
    {0xc071, "TLS_ECDHE_PSK_WITH_ARIA_256_CBC_SHA384"},
    {0xc072, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256"},
    {0xc073, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384"},
    {0xc074, "TLS_ECDH_ECDSA_WITH_CAMELLIA_128_CBC_SHA256"},
    {0xc075, "TLS_ECDH_ECDSA_WITH_CAMELLIA_256_CBC_SHA384"},
    {0xc076, "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256"},
    {0xc077, "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384"},
    {0xc078, "TLS_ECDH_RSA_WITH_CAMELLIA_128_CBC_SHA256"},
    {0xc079, "TLS_ECDH_RSA_WITH_CAMELLIA_256_CBC_SHA384"},
    {0xc07a, "TLS_RSA_WITH_CAMELLIA_128_GCM_SHA256"},
    {0xc07b, "TLS_RSA_WITH_CAMELLIA_256_GCM_SHA384"},
    {0xc07c, "TLS_DHE_RSA_WITH_CAMELLIA_128_GCM_SHA256"},
    {0xc07d, "TLS_DHE_RSA_WITH_CAMELLIA_256_GCM_SHA384"},
    {0xc07e, "TLS_DH_RSA_WITH_CAMELLIA_128_GCM_SHA256"},
    {0xc07f, "TLS_DH_RSA_WITH_CAMELLIA_256_GCM_SHA384"},
    {0xc080, "TLS_DHE_DSS_WITH_CAMELLIA_128_GCM_SHA256"},
    {0xc081, "TLS_DHE_DSS_WITH_CAMELLIA_256_GCM_SHA384"},
    {0xc082, "TLS_DH_DSS_WITH_CAMELLIA_128_GCM_SHA256"},
    {0xc083, "TLS_DH_DSS_WITH_CAMELLIA_256_GCM_SHA384"},
    {0xc084, "TLS_DH_anon_WITH_CAMELLIA_128_GCM_SHA256"},
    {0xc085, "TLS_DH_anon_WITH_CAMELLIA_256_GCM_SHA384"},
    {0xc086, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_GCM_SHA256"},
    {0xc087, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_GCM_SHA384"},
    {0xc088, "TLS_ECDH_ECDSA_WITH_CAMELLIA_128_GCM_SHA256"},
    {0xc089, "TLS_ECDH_ECDSA_WITH_CAMELLIA_256_GCM_SHA384"},
    {0xc08a, "TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256"},
    {0xc08b, "TLS_ECDHE_RSA_WITH_CAMELLIA_256_GCM_SHA384"},
    {0xc08c, "TLS_ECDH_RSA_WITH_CAMELLIA_128_GCM_SHA256"},
    {0xc08d, "TLS_ECDH_RSA_WITH_CAMELLIA_256_GCM_SHA384"},
    {0xc08e, "TLS_PSK_WITH_CAMELLIA_128_GCM_SHA256"},
    {0xc08f, "TLS_PSK_WITH_CAMELLIA_256_GCM_SHA384"},
    {0xc090, "TLS_DHE_PSK_WITH_CAMELLIA_128_GCM_SHA256"},
    {0xc091, "TLS_DHE_PSK_WITH_CAMELLIA_256_GCM_SHA384"},
    {0xc092, "TLS_RSA_PSK_WITH_CAMELLIA_128_GCM_SHA256"},
    {0xc093, "TLS_RSA_PSK_WITH_CAMELLIA_256_GCM_SHA384"},
    {0xc094, "TLS_PSK_WITH_CAMELLIA_128_CBC_SHA256"},
    {0xc095, "TLS_PSK_WITH_CAMELLIA_256_CBC_SHA384"},
    {0xc096, "TLS_DHE_PSK_WITH_CAMELLIA_128_CBC_SHA256"},
    {0xc097, "TLS_DHE_PSK_WITH_CAMELLIA_256_CBC_SHA384"},
    {0xc098, "TLS_RSA_PSK_WITH_CAMELLIA_128_CBC_SHA256"},
    {0xc099, "TLS_RSA_PSK_WITH_CAMELLIA_256_CBC_SHA384"},
    {0xc09a, "TLS_ECDHE_PSK_WITH_CAMELLIA_128_CBC_SHA256"},
    {0xc09b, "TLS_ECDHE_PSK_WITH_CAMELLIA_256_CBC_SHA384"},
    {0xc09c, "TLS_RSA_WITH_AES_128_CCM"},
    {0xc09d, "TLS_RSA_WITH_AES_256_CCM"},
    {0xc09e, "TLS_DHE_RSA_WITH_AES_128_CCM"},
    {0xc09f, "TLS_DHE_RSA_WITH_AES_256_CCM"},
    {0xc0a0, "TLS_RSA_WITH_AES_128_CCM_8"},
    {0xc0a1, "TLS_RSA_WITH_AES_256_CCM_8"},
    {0xc0a2, "TLS_DHE_RSA_WITH_AES_128_CCM_8"},
    {0xc0a3, "TLS_DHE_RSA_WITH_AES_256_CCM_8"},
    {0xc0a4, "TLS_PSK_WITH_AES_128_CCM"},
    {0xc0a5, "TLS_PSK_WITH_AES_256_CCM"},
    {0xc0a6, "TLS_DHE_PSK_WITH_AES_128_CCM"},
    {0xc0a7, "TLS_DHE_PSK_WITH_AES_256_CCM"},
    {0xc0a8, "TLS_PSK_WITH_AES_128_CCM_8"},
    {0xc0a9, "TLS_PSK_WITH_AES_256_CCM_8"},
    {0xc0aa, "TLS_PSK_DHE_WITH_AES_128_CCM_8"},
    {0xc0ab, "TLS_PSK_DHE_WITH_AES_256_CCM_8"},
    {0xc0ac, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM"},
    {0xc0ad, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM"},
    {0xc0ae, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8"},
    {0xc0af, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8"},
    {0xc0b0, "TLS_ECCPWD_WITH_AES_128_GCM_SHA256"},
    {0xc0b1, "TLS_ECCPWD_WITH_AES_256_GCM_SHA384"},
    {0xc0b2, "TLS_ECCPWD_WITH_AES_128_CCM_SHA256"},
    {0xc0b3, "TLS_ECCPWD_WITH_AES_256_CCM_SHA384"},
    {0xc0b4, "TLS_SHA256_SHA256"},
    {0xc0b5, "TLS_SHA384_SHA384"},
    {0xc0ff, "TLS_ECJPAKE_WITH_AES_128_CCM_8"},
    {0xc100, "TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC"},
    {0xc101, "TLS_GOSTR341112_256_WITH_MAGMA_CTR_OMAC"},
    {0xc102, "TLS_GOSTR341112_256_WITH_28147_CNT_IMIT"},
    {0xc103, "TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_L"},
    {0xc104, "TLS_GOSTR341112_256_WITH_MAGMA_MGM_L"},
    {0xc105, "TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_S"},
    {0xc106, "TLS_GOSTR341112_256_WITH_MAGMA_MGM_S"},
    {0xcc13, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0xcc14, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0xcc15, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0xccab, "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256"},
    {0xccac, "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256"},
    {0xccad, "TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256"},
    {0xccae, "TLS_RSA_PSK_WITH_CHACHA20_POLY1305_SHA256"},
    {0xd001, "TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256"},
    {0xd002, "TLS_ECDHE_PSK_WITH_AES_256_GCM_SHA384"},
    {0xd003, "TLS_ECDHE_PSK_WITH_AES_128_CCM_8_SHA256"},
    {0xd005, "TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256"},
    {0xe410, "TLS_RSA_WITH_ESTREAM_SALSA20_SHA1"},
    {0xe411, "TLS_RSA_WITH_SALSA20_SHA1"},
    {0xe412, "TLS_ECDHE_RSA_WITH_ESTREAM_SALSA20_SHA1"},
    {0xe413, "TLS_ECDHE_RSA_WITH_SALSA20_SHA1"},
    {0xe414, "TLS_ECDHE_ECDSA_WITH_ESTREAM_SALSA20_SHA1"},
    {0xe415, "TLS_ECDHE_ECDSA_WITH_SALSA20_SHA1"},
    {0xe416, "TLS_PSK_WITH_ESTREAM_SALSA20_SHA1"},
    {0xe417, "TLS_PSK_WITH_SALSA20_SHA1"},
    {0xe418, "TLS_ECDHE_PSK_WITH_ESTREAM_SALSA20_SHA1"},
    {0xe419, "TLS_ECDHE_PSK_WITH_SALSA20_SHA1"},
    {0xe41a, "TLS_RSA_PSK_WITH_ESTREAM_SALSA20_SHA1"},
    {0xe41b, "TLS_RSA_PSK_WITH_SALSA20_SHA1"},
    {0xe41c, "TLS_DHE_PSK_WITH_ESTREAM_SALSA20_SHA1"},
    {0xe41d, "TLS_DHE_PSK_WITH_SALSA20_SHA1"},
    {0xe41e, "TLS_DHE_RSA_WITH_ESTREAM_SALSA20_SHA1"},
    {0xe41f, "TLS_DHE_RSA_WITH_SALSA20_SHA1"},
};

/* IANA TLS Supported Groups registry (the names Zeek uses), sorted by code. */
static const struct code_name group_names[] = {
    {1, "sect163k1"},        {2, "sect163r1"},        {3, "sect163r2"},
    {4, "sect193r1"},        {5, "sect193r2"},        {6, "sect233k1"},
    {7, "sect233r1"},        {8, "sect239k1"},        {9, "sect283k1"},
    {10, "sect283r1"},       {11, "sect409k1"},       {12, "sect409r1"},
    {13, "sect571k1"},       {14, "sect571r1"},       {15, "secp160k1"},
    {16, "secp160r1"},       {17, "secp160r2"},       {18, "secp192k1"},
    {19, "secp192r1"},       {20, "secp224k1"},       {21, "secp224r1"},
    {22, "secp256k1"},       {23, "secp256r1"},       {24, "secp384r1"},
    {25, "secp521r1"},       {26, "brainpoolP256r1"}, {27, "brainpoolP384r1"},
    {28, "brainpoolP512r1"}, {29, "x25519"},          {30, "x448"},
    {31, "brainpoolP256r1tls13"}, {32, "brainpoolP384r1tls13"}, {33, "brainpoolP512r1tls13"},
    {34, "GC256A"},          {35, "GC256B"},          {36, "GC256C"},
    {37, "GC256D"},          {38, "GC512A"},          {39, "GC512B"},
    {40, "GC512C"},          {41, "curveSM2"},
    {256, "ffdhe2048"},      {257, "ffdhe3072"},      {258, "ffdhe4096"},
    {259, "ffdhe6144"},      {260, "ffdhe8192"},
    {512, "MLKEM512"},       {513, "MLKEM768"},       {514, "MLKEM1024"},
    {4587, "SecP256r1MLKEM768"}, {4588, "X25519MLKEM768"}, {4589, "SecP384r1MLKEM1024"},
    {25497, "X25519Kyber768Draft00"}, {25498, "SecP256r1Kyber768Draft00"},
    {65281, "arbitrary_explicit_prime_curves"}, {65282, "arbitrary_explicit_char2_curves"},
};

/* RFC 8446 6 and the IANA TLS Alerts registry. */
static const struct code_name alert_names[] = {
    {0, "close_notify"},
    {1, "end_of_early_data"},
    {10, "unexpected_message"},
    {20, "bad_record_mac"},
    {21, "decryption_failed"},
    {22, "record_overflow"},
    {30, "decompression_failure"},
    {40, "handshake_failure"},
    {41, "no_certificate"},
    {42, "bad_certificate"},
    {43, "unsupported_certificate"},
    {44, "certificate_revoked"},
    {45, "certificate_expired"},
    {46, "certificate_unknown"},
    {47, "illegal_parameter"},
    {48, "unknown_ca"},
    {49, "access_denied"},
    {50, "decode_error"},
    {51, "decrypt_error"},
    {60, "export_restriction"},
    {70, "protocol_version"},
    {71, "insufficient_security"},
    {80, "internal_error"},
    {86, "inappropriate_fallback"},
    {90, "user_canceled"},
    {100, "no_renegotiation"},
    {109, "missing_extension"},
    {110, "unsupported_extension"},
    {111, "certificate_unobtainable"},
    {112, "unrecognized_name"},
    {113, "bad_certificate_status_response"},
    {114, "bad_certificate_hash_value"},
    {115, "unknown_psk_identity"},
    {116, "certificate_required"},
    {120, "no_application_protocol"},
    {121, "ech_required"},
};

static const char *code_lookup(const struct code_name *t, size_t n, uint16_t code)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t[mid].code == code)
            return t[mid].name;
        if (t[mid].code < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *tls_cipher_name(uint16_t suite)
{
    return code_lookup(cipher_names, NELEM(cipher_names), suite);
}

const char *tls_group_name(uint16_t group)
{
    return code_lookup(group_names, NELEM(group_names), group);
}

void tls_version_str(uint16_t v, char *out)
{
    const char *s = NULL;
    switch (v) {
    case 0x0002: s = "SSLv2"; break;
    case 0x0300: s = "SSLv3"; break;
    case 0x0301: s = "TLSv10"; break;
    case 0x0302: s = "TLSv11"; break;
    case 0x0303: s = "TLSv12"; break;
    case 0x0304: s = "TLSv13"; break;
    case 0xfeff: s = "DTLSv10"; break;
    case 0xfefd: s = "DTLSv12"; break;
    case 0xfefc: s = "DTLSv13"; break;
    default: break;
    }
    if (s)
        snprintf(out, TLS_VERSION_STR, "%s", s);
    else if ((v >> 8) == 0x7f)
        snprintf(out, TLS_VERSION_STR, "TLSv13-draft%u", (unsigned)(v & 0xff));
    else
        snprintf(out, TLS_VERSION_STR, "unknown-%u", (unsigned)v);
}

static int is_tls13(uint16_t v)
{
    return v == 0x0304 || (v >> 8) == 0x7f;
}

/* ---- string building and hashing ------------------------------------------------------ */

/* A growable string; bounded by its callers' inputs (a hello of at most TLS_HS_MAX bytes). */
struct sbuf {
    char *p;
    size_t len, cap;
};

static void sb_putn(struct sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->p = xrealloc(b->p, cap);
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_u16(struct sbuf *b, unsigned v)
{
    char tmp[8];
    size_t n = sizeof(tmp);
    do {
        tmp[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v && n);
    sb_putn(b, tmp + n, sizeof(tmp) - n);
}

static void sb_hex4(struct sbuf *b, unsigned v)
{
    static const char hx[] = "0123456789abcdef";
    char tmp[4] = {hx[(v >> 12) & 15], hx[(v >> 8) & 15], hx[(v >> 4) & 15], hx[v & 15]};
    sb_putn(b, tmp, 4);
}

/* The first hexlen hex digits of the digest of data (borrowed); "" if it cannot be computed. */
static void digest_hex(enum x509_md alg, const void *data, size_t len, char *out, size_t hexlen)
{
    uint8_t h[32];
    char full[65];
    size_t n = alg == X509_MD_MD5 ? 16 : alg == X509_MD_SHA1 ? 20 : 32;
    out[0] = '\0';
    if (x509_digest(alg, data, len, h) < 0 || n * 2 < hexlen)
        return;
    x509_hex(h, n, full);
    memcpy(out, full, hexlen);
    out[hexlen] = '\0';
}

/* Keeps s (owned by the caller) as a NUL-terminated copy of at most TLS_JA3_STRING_MAX bytes. */
static char *keep_string(const struct sbuf *b)
{
    size_t n = b->len < TLS_JA3_STRING_MAX ? b->len : TLS_JA3_STRING_MAX;
    char *s = xmalloc(n + 1);
    if (n)
        memcpy(s, b->p, n);
    s[n] = '\0';
    return s;
}

/* Appends the non-GREASE 16-bit values of r (to its end) as "a-b-c". */
static void sb_u16_list(struct sbuf *b, struct rd r)
{
    int first = 1;
    while (rd_left(&r) >= 2) {
        uint16_t v = rd_be16(&r);
        if (tls_is_grease(v))
            continue;
        if (!first)
            sb_putn(b, "-", 1);
        sb_u16(b, v);
        first = 0;
    }
}

static int cmp_u16(const void *a, const void *b)
{
    uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
    return (x > y) - (x < y);
}

/* JA4 part b or c: the first 12 hex digits of SHA-256 of s, or "000000000000" if empty. */
static void ja4_hash12(const struct sbuf *s, char *out)
{
    if (!s->len) {
        memcpy(out, "000000000000", 13);
        return;
    }
    digest_hex(X509_MD_SHA256, s->p, s->len, out, 12);
}

/* Appends v (sorted in place) as comma-separated 4-digit lowercase hex. */
static void sb_hex_list(struct sbuf *b, uint16_t *v, size_t n, int sort)
{
    if (sort && n > 1)
        qsort(v, n, sizeof(*v), cmp_u16);
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_putn(b, ",", 1);
        sb_hex4(b, v[i]);
    }
}

static char ja4_version_code_hi(uint16_t v)
{
    switch (v) {
    case 0x0304: return '1';
    case 0x0303: return '1';
    case 0x0302: return '1';
    case 0x0301: return '1';
    case 0x0300: return 's';
    case 0x0002: return 's';
    case 0xfeff: return 'd';
    case 0xfefd: return 'd';
    case 0xfefc: return 'd';
    default: return '0';
    }
}

static char ja4_version_code_lo(uint16_t v)
{
    switch (v) {
    case 0x0304: return '3';
    case 0x0303: return '2';
    case 0x0302: return '1';
    case 0x0301: return '0';
    case 0x0300: return '3';
    case 0x0002: return '2';
    case 0xfeff: return '1';
    case 0xfefd: return '2';
    case 0xfefc: return '3';
    default: return '0';
    }
}

static int is_alnum(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* ---- ClientHello ---------------------------------------------------------------------- */

/* What one pass over a ClientHello's extensions finds (pointers borrow the message). */
struct ch_ext {
    struct rd groups, points, sigalgs, versions, alpn_first;
    int have_groups, have_points, have_sigalgs, have_versions, have_alpn, have_sni;
    size_t n_ext;      /* non-GREASE extensions */
    size_t n_ext_hash; /* ... without server_name and ALPN */
};

static void ch_server_name(struct tls_state *st, struct rd r)
{
    struct rd list = rd_sub(&r, rd_be16(&r));
    while (rd_ok(&list) && rd_left(&list) >= 3) {
        uint8_t type = rd_u8(&list);
        uint16_t n = rd_be16(&list);
        const uint8_t *name = rd_bytes(&list, n);
        if (!rd_ok(&list))
            break;
        if (type != 0) /* host_name */
            continue;
        size_t k = n < TLS_NAME_MAX - 1 ? n : TLS_NAME_MAX - 1;
        if (k)
            memcpy(st->ev.server_name, name, k);
        st->ev.server_name[k] = '\0';
        st->ev.server_name_len = k;
        return;
    }
}

/* The first protocol of an ALPN extension body: a reader over its bytes (empty if none). */
static struct rd alpn_first(struct rd r, int *ok)
{
    struct rd list = rd_sub(&r, rd_be16(&r));
    uint8_t n = rd_u8(&list);
    struct rd p = rd_sub(&list, n);
    *ok = rd_ok(&list) && n > 0;
    return p;
}

static void ch_extensions(struct tls_state *st, struct rd exts, struct ch_ext *x)
{
    while (rd_left(&exts) >= 4) {
        uint16_t type = rd_be16(&exts);
        uint16_t len = rd_be16(&exts);
        struct rd body = rd_sub(&exts, len);
        if (!rd_ok(&exts)) {
            st->ev.malformed = 1;
            break;
        }
        if (tls_is_grease(type))
            continue;
        x->n_ext++;
        if (type != EXT_SERVER_NAME && type != EXT_ALPN)
            x->n_ext_hash++;
        switch (type) {
        case EXT_SERVER_NAME:
            x->have_sni = 1;
            ch_server_name(st, body);
            break;
        case EXT_SUPPORTED_GROUPS:
            if (!x->have_groups) {
                x->groups = rd_sub(&body, rd_be16(&body));
                x->have_groups = rd_ok(&x->groups);
            }
            break;
        case EXT_EC_POINT_FORMATS:
            if (!x->have_points) {
                x->points = rd_sub(&body, rd_u8(&body));
                x->have_points = rd_ok(&x->points);
            }
            break;
        case EXT_SIGNATURE_ALGORITHMS:
            if (!x->have_sigalgs) {
                x->sigalgs = rd_sub(&body, rd_be16(&body));
                x->have_sigalgs = rd_ok(&x->sigalgs);
            }
            break;
        case EXT_SUPPORTED_VERSIONS:
            if (!x->have_versions) {
                x->versions = rd_sub(&body, rd_u8(&body));
                x->have_versions = rd_ok(&x->versions);
            }
            break;
        case EXT_ALPN:
            if (!x->have_alpn) {
                int ok = 0;
                x->alpn_first = alpn_first(body, &ok);
                x->have_alpn = ok;
            }
            break;
        case EXT_ECH:
            st->ev.ech = 1;
            break;
        case EXT_ESNI:
            st->ev.esni = 1;
            break;
        default:
            break;
        }
    }
}

/* JA3 (salesforce/ja3): version,ciphers,extensions,groups,point formats; GREASE left out. */
static void ch_ja3(struct tls_state *st, uint16_t version, struct rd ciphers, struct rd exts,
                   const struct ch_ext *x)
{
    struct sbuf b = {0};
    sb_u16(&b, version);
    sb_putn(&b, ",", 1);
    sb_u16_list(&b, ciphers);
    sb_putn(&b, ",", 1);
    int first = 1;
    while (rd_left(&exts) >= 4) {
        uint16_t type = rd_be16(&exts);
        uint16_t len = rd_be16(&exts);
        rd_skip(&exts, len);
        if (!rd_ok(&exts))
            break;
        if (tls_is_grease(type))
            continue;
        if (!first)
            sb_putn(&b, "-", 1);
        sb_u16(&b, type);
        first = 0;
    }
    sb_putn(&b, ",", 1);
    if (x->have_groups)
        sb_u16_list(&b, x->groups);
    sb_putn(&b, ",", 1);
    if (x->have_points) {
        struct rd p = x->points;
        first = 1;
        while (rd_left(&p)) {
            if (!first)
                sb_putn(&b, "-", 1);
            sb_u16(&b, rd_u8(&p));
            first = 0;
        }
    }
    digest_hex(X509_MD_MD5, b.p, b.len, st->ev.ja3, 32);
    st->ja3_string = keep_string(&b);
    st->ev.ja3_string = st->ja3_string;
    free(b.p);
}

/* Non-GREASE 16-bit values of r into a new array (owned by the caller); *n gets the count. */
static uint16_t *u16_collect(struct rd r, size_t *n)
{
    size_t cap = rd_left(&r) / 2;
    uint16_t *v = xmalloc((cap ? cap : 1) * sizeof(*v));
    size_t k = 0;
    while (rd_left(&r) >= 2) {
        uint16_t x = rd_be16(&r);
        if (!tls_is_grease(x))
            v[k++] = x;
    }
    *n = k;
    return v;
}

/* JA4 (FoxIO): t<version><d|i><#ciphers><#extensions><alpn>_<sha12 ciphers>_<sha12 exts_sigalgs> */
static void ch_ja4(struct tls_state *st, uint16_t legacy, struct rd ciphers, struct rd exts,
                   const struct ch_ext *x)
{
    uint16_t ver = legacy;
    if (x->have_versions) {
        struct rd v = x->versions;
        uint16_t best = 0;
        while (rd_left(&v) >= 2) {
            uint16_t c = rd_be16(&v);
            if (!tls_is_grease(c) && c > best)
                best = c;
        }
        ver = best;
    }
    size_t nc = 0;
    uint16_t *cs = u16_collect(ciphers, &nc);
    char alpn[2] = {'0', '0'};
    if (x->have_alpn) {
        struct rd a = x->alpn_first;
        size_t n = rd_left(&a);
        const uint8_t *p = rd_bytes(&a, n);
        if (p && n) {
            uint8_t c0 = p[0], c1 = p[n - 1];
            if (is_alnum(c0) && is_alnum(c1)) {
                alpn[0] = (char)c0;
                alpn[1] = (char)c1;
            } else {
                static const char hx[] = "0123456789abcdef";
                alpn[0] = hx[c0 >> 4];
                alpn[1] = hx[c1 & 15];
            }
        }
    }
    size_t ne = x->n_ext > 99 ? 99 : x->n_ext;
    size_t ncc = nc > 99 ? 99 : nc;
    char a[11];
    a[0] = st->ev.quic ? 'q' : 't';
    a[1] = ja4_version_code_hi(ver);
    a[2] = ja4_version_code_lo(ver);
    a[3] = x->have_sni ? 'd' : 'i';
    a[4] = (char)('0' + ncc / 10);
    a[5] = (char)('0' + ncc % 10);
    a[6] = (char)('0' + ne / 10);
    a[7] = (char)('0' + ne % 10);
    a[8] = alpn[0];
    a[9] = alpn[1];
    a[10] = '\0';

    struct sbuf b = {0};
    sb_hex_list(&b, cs, nc, 1);
    char hb[13];
    ja4_hash12(&b, hb);
    free(cs);

    /* extensions without GREASE, server_name and ALPN, sorted; then the signature algorithms */
    size_t cap = x->n_ext_hash ? x->n_ext_hash : 1, ne_h = 0;
    uint16_t *es = xmalloc(cap * sizeof(*es));
    while (rd_left(&exts) >= 4) {
        uint16_t type = rd_be16(&exts);
        uint16_t len = rd_be16(&exts);
        rd_skip(&exts, len);
        if (!rd_ok(&exts))
            break;
        if (tls_is_grease(type) || type == EXT_SERVER_NAME || type == EXT_ALPN)
            continue;
        if (ne_h < cap)
            es[ne_h++] = type;
    }
    b.len = 0;
    sb_hex_list(&b, es, ne_h, 1);
    free(es);
    char hc[13];
    if (ne_h == 0) {
        memcpy(hc, "000000000000", 13);
    } else {
        if (x->have_sigalgs) {
            size_t ns = 0;
            uint16_t *sa = u16_collect(x->sigalgs, &ns);
            if (ns) {
                sb_putn(&b, "_", 1);
                sb_hex_list(&b, sa, ns, 0);
            }
            free(sa);
        }
        ja4_hash12(&b, hc);
    }
    free(b.p);
    snprintf(st->ev.ja4, sizeof(st->ev.ja4), "%s_%s_%s", a, hb, hc);
}

/*
 * The fingerprint cache
 * ---------------------
 * JA3 and JA4 depend only on a few fields of a ClientHello: the version,
 * the cipher list, the sequence of extension types, the bodies of
 * supported_groups, ec_point_formats, signature_algorithms and
 * supported_versions, the first ALPN protocol, whether there is an SNI, and
 * QUIC or not. A client program sends the same such fields on every
 * connection (that is what makes JA3/JA4 fingerprints), while its random,
 * session id and key shares differ. So the fields are laid out in a key and
 * the strings computed for an earlier identical key are reused: no string
 * building, sorting or MD5/SHA-256 per hello. The whole key is compared
 * (never a hash alone), so a reused answer is exactly what computing it
 * would give.
 *
 * Bounds, per thread: JA_CACHE_SETS sets of JA_CACHE_WAYS entries, least
 * recently used replaced; keys longer than JA_KEY_MAX bytes are not cached;
 * an entry is at most JA_KEY_MAX + TLS_JA3_STRING_MAX + 100 bytes (a few
 * hundred in practice), so at most 512 entries, about 9 MB in the worst
 * case.
 */
#define JA_CACHE_SETS 128
#define JA_CACHE_WAYS 4
#define JA_KEY_MAX 2048

struct ja_entry {
    uint64_t last_use;
    size_t key_len;
    uint8_t *key;     /* owned */
    char ja3[33];
    char *ja3_string; /* owned, as keep_string made it */
    char ja4[40];
};

struct ja_cache {
    struct ja_entry *e[JA_CACHE_SETS][JA_CACHE_WAYS]; /* owned, or NULL */
    uint64_t clock;
};

static _Thread_local struct ja_cache *ja_cache;

/*
 * Whether a certificate is valid for a host name, memoised per thread:
 * X509_check_host walks the SAN list (and the subject) on every call, and
 * the same server certificate is checked against the same SNI connection
 * after connection. Keyed by the certificate's SHA-256 fingerprint and the
 * whole host name (both compared in full). HOST_MEMO_SLOTS entries (about
 * 330 bytes each, 84 KB), direct-mapped: a new pair replaces the old one in
 * its slot.
 */
#define HOST_MEMO_SLOTS 256

struct host_memo {
    char fp[X509_FP_HEX]; /* "" while the slot is empty */
    char host[TLS_NAME_MAX];
    size_t host_len;
    int result;
};

static _Thread_local struct host_memo *host_memo;

/* x509_matches_host(xe, host) == 1, memoised by xe's fingerprint and host (borrowed). */
static int cert_matches_host(const struct x509_event *xe, const char *host, size_t host_len)
{
    if (host_len >= TLS_NAME_MAX || !xe->fingerprint[0])
        return x509_matches_host(xe, host, host_len) == 1;
    if (!host_memo)
        host_memo = xcalloc(HOST_MEMO_SLOTS, sizeof(*host_memo));
    uint64_t h = hash_bytes(xe->fingerprint, X509_FP_HEX - 1, 0x686f7374ULL);
    h = hash_bytes(host, host_len, h);
    struct host_memo *m = &host_memo[h % HOST_MEMO_SLOTS];
    if (m->host_len == host_len && memcmp(m->fp, xe->fingerprint, X509_FP_HEX) == 0 &&
        memcmp(m->host, host, host_len) == 0)
        return m->result;
    int r = x509_matches_host(xe, host, host_len) == 1;
    memcpy(m->fp, xe->fingerprint, X509_FP_HEX);
    memcpy(m->host, host, host_len);
    m->host_len = host_len;
    m->result = r;
    return r;
}

void tls_cache_clear(void)
{
    free(host_memo);
    host_memo = NULL;
    struct ja_cache *c = ja_cache;
    if (!c)
        return;
    for (size_t i = 0; i < JA_CACHE_SETS; i++)
        for (size_t w = 0; w < JA_CACHE_WAYS; w++)
            if (c->e[i][w]) {
                free(c->e[i][w]->key);
                free(c->e[i][w]->ja3_string);
                free(c->e[i][w]);
            }
    free(c);
    ja_cache = NULL;
}

/* Appends a flag, a length and the bytes of r (when have) to the key k; 0 if it would overflow. */
static int ja_key_put(uint8_t *k, size_t *n, int have, struct rd r)
{
    size_t len = have ? rd_left(&r) : 0;
    if (len > JA_KEY_MAX - 3 - *n)
        return 0;
    k[(*n)++] = (uint8_t)!!have;
    k[(*n)++] = (uint8_t)(len >> 8);
    k[(*n)++] = (uint8_t)len;
    if (len)
        memcpy(k + *n, r.p, len);
    *n += len;
    return 1;
}

/*
 * The cache key of a hello's fingerprint inputs (see above) into k
 * (JA_KEY_MAX bytes); its length, or 0 if it does not fit.
 */
static size_t ja_key(const struct tls_state *st, uint16_t version, struct rd ciphers,
                     struct rd exts, const struct ch_ext *x, uint8_t *k)
{
    size_t n = 0;
    k[n++] = (uint8_t)!!st->ev.quic;
    k[n++] = (uint8_t)(version >> 8);
    k[n++] = (uint8_t)version;
    k[n++] = (uint8_t)!!x->have_sni;
    k[n++] = (uint8_t)(x->n_ext > 255 ? 255 : x->n_ext);
    k[n++] = (uint8_t)(x->n_ext_hash > 255 ? 255 : x->n_ext_hash);
    if (x->n_ext > 255 || x->n_ext_hash > 255)
        return 0;
    if (!ja_key_put(k, &n, 1, ciphers))
        return 0;
    /* the extension types as ch_ja3/ch_ja4 walk them (bodies left out) */
    size_t at = n;
    n += 2;
    while (rd_left(&exts) >= 4) {
        uint16_t type = rd_be16(&exts);
        uint16_t len = rd_be16(&exts);
        rd_skip(&exts, len);
        if (!rd_ok(&exts))
            break;
        if (n + 2 > JA_KEY_MAX)
            return 0;
        k[n++] = (uint8_t)(type >> 8);
        k[n++] = (uint8_t)type;
    }
    size_t tl = n - at - 2;
    k[at] = (uint8_t)(tl >> 8);
    k[at + 1] = (uint8_t)tl;
    if (!ja_key_put(k, &n, x->have_groups, x->groups) ||
        !ja_key_put(k, &n, x->have_points, x->points) ||
        !ja_key_put(k, &n, x->have_sigalgs, x->sigalgs) ||
        !ja_key_put(k, &n, x->have_versions, x->versions) ||
        !ja_key_put(k, &n, x->have_alpn, x->alpn_first))
        return 0;
    return n;
}

static size_t ja_set(const uint8_t *k, size_t n)
{
    return (size_t)(hash_bytes(k, n, 0x6a6133ULL) % JA_CACHE_SETS);
}

static struct ja_entry *ja_find(const uint8_t *k, size_t n)
{
    struct ja_cache *c = ja_cache;
    if (!c)
        return NULL;
    struct ja_entry **set = c->e[ja_set(k, n)];
    for (size_t w = 0; w < JA_CACHE_WAYS; w++)
        if (set[w] && set[w]->key_len == n && memcmp(set[w]->key, k, n) == 0) {
            set[w]->last_use = ++c->clock;
            return set[w];
        }
    return NULL;
}

/* Keeps the fingerprints just computed into st->ev under the key k (borrowed, copied). */
static void ja_store(const uint8_t *k, size_t n, const struct tls_state *st)
{
    if (!ja_cache)
        ja_cache = xcalloc(1, sizeof(*ja_cache));
    struct ja_cache *c = ja_cache;
    struct ja_entry **set = c->e[ja_set(k, n)];
    size_t victim = 0;
    for (size_t w = 0; w < JA_CACHE_WAYS; w++) {
        if (!set[w]) {
            victim = w;
            break;
        }
        if (set[w]->last_use < set[victim]->last_use)
            victim = w;
    }
    struct ja_entry *e = set[victim];
    if (e) {
        free(e->key);
        free(e->ja3_string);
    } else {
        e = set[victim] = xmalloc(sizeof(*e));
    }
    e->last_use = ++c->clock;
    e->key_len = n;
    e->key = xmalloc(n);
    memcpy(e->key, k, n);
    memcpy(e->ja3, st->ev.ja3, sizeof(e->ja3));
    e->ja3_string = xstrdup(st->ja3_string ? st->ja3_string : "");
    memcpy(e->ja4, st->ev.ja4, sizeof(e->ja4));
}

/* JA3 and JA4 of a hello, from the cache or computed (and then cached). */
static void ch_fingerprints(struct tls_state *st, uint16_t version, struct rd ciphers,
                            struct rd exts, const struct ch_ext *x)
{
    uint8_t k[JA_KEY_MAX];
    size_t n = ja_key(st, version, ciphers, exts, x, k);
    const struct ja_entry *e = n ? ja_find(k, n) : NULL;
    if (e) {
        memcpy(st->ev.ja3, e->ja3, sizeof(e->ja3));
        free(st->ja3_string);
        st->ja3_string = xstrdup(e->ja3_string);
        st->ev.ja3_string = st->ja3_string;
        memcpy(st->ev.ja4, e->ja4, sizeof(e->ja4));
        return;
    }
    ch_ja3(st, version, ciphers, exts, x);
    ch_ja4(st, version, ciphers, exts, x);
    if (n)
        ja_store(k, n, st);
}

static void parse_client_hello(struct tls_state *st, struct rd r)
{
    struct tls_event *ev = &st->ev;
    uint16_t version = rd_be16(&r);
    rd_skip(&r, 32); /* random */
    uint8_t sid_len = rd_u8(&r);
    const uint8_t *sid = rd_bytes(&r, sid_len);
    uint16_t cs_len = rd_be16(&r);
    struct rd ciphers = rd_sub(&r, cs_len);
    uint8_t comp_len = rd_u8(&r);
    rd_skip(&r, comp_len);
    if (!rd_ok(&r) || sid_len > 32) {
        ev->malformed = 1;
        return;
    }
    struct rd exts = rd_make(NULL, 0);
    if (rd_left(&r) >= 2) {
        uint16_t ext_len = rd_be16(&r);
        exts = rd_sub(&r, ext_len);
        if (!rd_ok(&r)) {
            /* a list longer than the message: use what is there */
            ev->malformed = 1;
            exts = rd_make(r.p, rd_left(&r));
        }
    }
    ev->have_client_hello = 1;
    ev->client_version = version;
    tls_version_str(version, ev->client_version_str);
    st->ch_sid_len = sid_len;
    if (sid_len)
        memcpy(st->ch_sid, sid, sid_len);

    struct ch_ext x;
    memset(&x, 0, sizeof(x));
    ch_extensions(st, exts, &x);
    ev->sni_missing = ev->server_name_len == 0;
    ev->client_max_version = version;
    if (x.have_versions) {
        struct rd v = x.versions;
        while (rd_left(&v) >= 2) {
            uint16_t c = rd_be16(&v);
            if (!tls_is_grease(c) && c > ev->client_max_version && c < 0xfe00)
                ev->client_max_version = c;
        }
    }
    ch_fingerprints(st, version, ciphers, exts, &x);
}

/* SSL 2.0 CLIENT-HELLO (msg type 1, version): no extensions, so no fingerprints. */
static void parse_ssl2_hello(struct tls_state *st, const uint8_t *b, size_t n)
{
    struct rd r = rd_make(b, n);
    uint8_t type = rd_u8(&r);
    uint16_t version = rd_be16(&r);
    if (!rd_ok(&r) || type != 1 || st->ev.have_client_hello)
        return;
    st->ev.have_client_hello = 1;
    st->ev.client_version = version;
    st->ev.client_max_version = version;
    tls_version_str(version, st->ev.client_version_str);
    st->ev.sni_missing = 1;
}

/* ---- ServerHello ---------------------------------------------------------------------- */

static void parse_server_hello(struct tls_state *st, struct rd r)
{
    struct tls_event *ev = &st->ev;
    uint16_t version = rd_be16(&r);
    const uint8_t *random = rd_bytes(&r, 32);
    uint8_t sid_len = rd_u8(&r);
    const uint8_t *sid = rd_bytes(&r, sid_len);
    uint16_t cipher = rd_be16(&r);
    rd_skip(&r, 1); /* compression method */
    if (!rd_ok(&r) || sid_len > 32) {
        ev->malformed = 1;
        return;
    }
    struct rd exts = rd_make(NULL, 0);
    if (rd_left(&r) >= 2) {
        uint16_t ext_len = rd_be16(&r);
        exts = rd_sub(&r, ext_len);
        if (!rd_ok(&r)) {
            ev->malformed = 1;
            exts = rd_make(r.p, rd_left(&r));
        }
    }
    st->hrr = memcmp(random, hrr_random, 32) == 0;
    ev->have_server_hello = 1;
    ev->cipher = cipher;
    const char *cn = tls_cipher_name(cipher);
    if (cn)
        snprintf(ev->cipher_str, sizeof(ev->cipher_str), "%s", cn);
    else
        snprintf(ev->cipher_str, sizeof(ev->cipher_str), "0x%04x", (unsigned)cipher);

    struct sbuf b = {0};
    sb_u16(&b, version);
    sb_putn(&b, ",", 1);
    sb_u16(&b, cipher);
    sb_putn(&b, ",", 1);
    uint16_t selected = 0;
    int psk = 0, first = 1;
    while (rd_left(&exts) >= 4) {
        uint16_t type = rd_be16(&exts);
        uint16_t len = rd_be16(&exts);
        struct rd body = rd_sub(&exts, len);
        if (!rd_ok(&exts)) {
            ev->malformed = 1;
            break;
        }
        if (tls_is_grease(type))
            continue;
        if (!first)
            sb_putn(&b, "-", 1);
        sb_u16(&b, type);
        first = 0;
        switch (type) {
        case EXT_SUPPORTED_VERSIONS:
            selected = rd_be16(&body);
            if (!rd_ok(&body))
                selected = 0;
            break;
        case EXT_ALPN: {
            int ok = 0;
            struct rd p = alpn_first(body, &ok);
            if (ok) {
                size_t n = rd_left(&p);
                const uint8_t *s = rd_bytes(&p, n);
                size_t k = n < TLS_NAME_MAX - 1 ? n : TLS_NAME_MAX - 1;
                memcpy(ev->next_protocol, s, k);
                ev->next_protocol[k] = '\0';
                for (size_t i = 0; i < k; i++)
                    if (ev->next_protocol[i] == '\0')
                        ev->next_protocol[i] = '?';
            }
            break;
        }
        case EXT_KEY_SHARE: {
            uint16_t g = rd_be16(&body);
            if (rd_ok(&body)) {
                const char *gn = tls_group_name(g);
                if (gn)
                    snprintf(ev->curve, sizeof(ev->curve), "%s", gn);
                else
                    snprintf(ev->curve, sizeof(ev->curve), "0x%04x", (unsigned)g);
            }
            break;
        }
        case EXT_PRE_SHARED_KEY:
            psk = 1;
            break;
        default:
            break;
        }
    }
    digest_hex(X509_MD_MD5, b.p, b.len, ev->ja3s, 32);
    free(st->ja3s_string);
    st->ja3s_string = keep_string(&b);
    ev->ja3s_string = st->ja3s_string;
    free(b.p);

    ev->version = selected ? selected : version;
    tls_version_str(ev->version, ev->version_str);
    ev->tls13 = is_tls13(ev->version);
    if (ev->tls13)
        ev->resumed = psk;
    else
        ev->resumed = sid_len > 0 && sid_len == st->ch_sid_len && memcmp(sid, st->ch_sid, sid_len) == 0;
    st->server_hs_after_sh = 0;
}

/* ECDHE ServerKeyExchange (RFC 8422 5.4): curve_type 3 (named_curve), then the group. */
static void parse_server_key_exchange(struct tls_state *st, struct rd r)
{
    const char *c = st->ev.cipher_str;
    if (!strstr(c, "_ECDHE_") && !strstr(c, "_ECDH_anon_"))
        return;
    uint8_t curve_type = rd_u8(&r);
    uint16_t g = rd_be16(&r);
    if (!rd_ok(&r) || curve_type != 3)
        return;
    const char *gn = tls_group_name(g);
    if (gn)
        snprintf(st->ev.curve, sizeof(st->ev.curve), "%s", gn);
    else
        snprintf(st->ev.curve, sizeof(st->ev.curve), "0x%04x", (unsigned)g);
}

/* ---- Certificate ---------------------------------------------------------------------- */

/*
 * TLS <= 1.2 Certificate (RFC 5246 7.4.2): certificate_list<0..2^24-1> of
 * ASN.1Cert<1..2^24-1>. One x509 event per certificate (the first
 * TLS_CHAIN_MAX), fingerprints kept for the tls event.
 */
static void parse_certificate(struct tls_state *st, struct app_ctx *ctx, int dir, struct rd r)
{
    int client = st->server_dir >= 0 ? dir != st->server_dir : dir == st->client_dir;
    struct tls_chain *ch = &st->chain[client];
    if (ch->fps) /* a second chain from the same side (renegotiation in clear): keep the first */
        return;
    struct rd list = rd_sub(&r, rd_be24(&r));
    if (!rd_ok(&r)) {
        st->ev.malformed = 1;
        return;
    }
    ch->fps = xcalloc(TLS_CHAIN_MAX, sizeof(*ch->fps));
    int idx = 0;
    while (rd_left(&list) >= 3 && idx < (int)TLS_CHAIN_MAX) {
        uint32_t n = rd_be24(&list);
        const uint8_t *der = rd_bytes(&list, n);
        if (!rd_ok(&list)) {
            st->ev.malformed = 1;
            break;
        }
        struct x509_event xe;
        int ok = x509_parse(der, n, ctx->ts, &xe) == 0;
        memcpy(ch->fps[ch->n++], xe.fingerprint, X509_FP_HEX);
        if (ok) {
            xe.chain_index = idx;
            xe.client_cert = client;
            app_emit(ctx, EV_X509, &xe, x509_fields_json);
            if (idx == 0) {
                ch->subject = xstrdup(xe.subject);
                ch->issuer = xstrdup(xe.issuer);
                if (!client) {
                    st->ev.have_cert = 1;
                    st->ev.self_signed = xe.self_signed;
                    st->ev.cert_expired = xe.expired;
                    st->ev.cert_not_yet_valid = xe.not_yet_valid;
                    if (st->ev.server_name_len)
                        st->ev.sni_matches_cert = cert_matches_host(
                            &xe, st->ev.server_name, st->ev.server_name_len);
                }
            }
            x509_event_release(&xe);
        } else {
            st->ev.malformed = 1;
        }
        idx++;
    }
    if (client) {
        st->ev.client_cert_chain_fps = (const char (*)[X509_FP_HEX])ch->fps;
        st->ev.n_client_cert_chain_fps = ch->n;
        st->ev.client_subject = ch->subject;
        st->ev.client_issuer = ch->issuer;
    } else {
        st->ev.cert_chain_fps = (const char (*)[X509_FP_HEX])ch->fps;
        st->ev.n_cert_chain_fps = ch->n;
        st->ev.subject = ch->subject;
        st->ev.issuer = ch->issuer;
    }
}

/* ---- handshake messages --------------------------------------------------------------- */

static void handshake_msg(struct tls_state *st, struct app_ctx *ctx, int dir, uint8_t type,
                          struct rd body)
{
    if (!st->ts_first)
        st->ts_first = ctx->ts;
    switch (type) {
    case HS_CLIENT_HELLO:
        if (st->client_dir < 0)
            st->client_dir = dir;
        if (!st->ev.have_client_hello && dir == st->client_dir)
            parse_client_hello(st, body); /* a second one (after HelloRetryRequest) is not */
        break;
    case HS_SERVER_HELLO:
        if (st->server_dir < 0)
            st->server_dir = dir;
        if (dir == st->server_dir)
            parse_server_hello(st, body);
        break;
    case HS_CERTIFICATE:
        st->d[dir].certs++;
        if (dir == st->server_dir)
            st->server_hs_after_sh = 1;
        if (!st->ev.tls13)
            parse_certificate(st, ctx, dir, body);
        break;
    case HS_SERVER_KEY_EXCHANGE:
        if (dir == st->server_dir) {
            st->server_hs_after_sh = 1;
            parse_server_key_exchange(st, body);
        }
        break;
    case HS_SERVER_HELLO_DONE:
        if (dir == st->server_dir)
            st->server_hs_after_sh = 1;
        break;
    default:
        break;
    }
}

/* Parses the complete handshake messages in d->hs and keeps the incomplete rest. */
static void hs_parse(struct tls_state *st, struct app_ctx *ctx, int dir)
{
    struct tls_dir *d = &st->d[dir];
    struct rd r = rd_make(d->hs, d->hs_len);
    while (rd_left(&r) >= 4) {
        struct rd m = r;
        uint8_t type = rd_u8(&m);
        uint32_t len = rd_be24(&m);
        if (len > TLS_HS_MAX) {
            /* too long to buffer: drop it, including the bytes still to come */
            size_t have = rd_left(&m);
            d->hs_skip = have < len ? len - have : 0;
            rd_skip(&m, have < len ? have : len);
            r = m;
            continue;
        }
        if (rd_left(&m) < len)
            break;
        struct rd body = rd_sub(&m, len);
        r = m;
        handshake_msg(st, ctx, dir, type, body);
        if (d->dead)
            return;
    }
    size_t rest = rd_left(&r);
    if (rest && r.p != d->hs)
        memmove(d->hs, r.p, rest);
    d->hs_len = rest;
}

/* Appends handshake bytes (borrowed) of dir, parsing each message once complete. */
static void hs_append(struct tls_state *st, struct app_ctx *ctx, int dir, struct rd in)
{
    struct tls_dir *d = &st->d[dir];
    while (rd_left(&in) && !d->dead && !d->encrypted) {
        if (d->hs_skip) {
            size_t k = d->hs_skip < rd_left(&in) ? d->hs_skip : rd_left(&in);
            rd_skip(&in, k);
            d->hs_skip -= k;
            continue;
        }
        size_t want = TLS_HS_MAX + 4 - d->hs_len; /* the buffer never holds more */
        size_t k = rd_left(&in) < want ? rd_left(&in) : want;
        if (d->hs_len + k > d->hs_cap) {
            size_t cap = d->hs_cap ? d->hs_cap : TLS_HS_INIT;
            while (cap < d->hs_len + k)
                cap *= 2;
            if (cap > TLS_HS_MAX + 4)
                cap = TLS_HS_MAX + 4;
            d->hs = xrealloc(d->hs, cap);
            d->hs_cap = cap;
        }
        const uint8_t *p = rd_bytes(&in, k);
        memcpy(d->hs + d->hs_len, p, k);
        d->hs_len += k;
        hs_parse(st, ctx, dir);
    }
}

static void hs_free(struct tls_dir *d)
{
    free(d->hs);
    d->hs = NULL;
    d->hs_len = d->hs_cap = 0;
}

/* ---- records -------------------------------------------------------------------------- */

static void tls_emit(struct tls_state *st, struct app_ctx *ctx);

static void check_established(struct tls_state *st, struct app_ctx *ctx)
{
    if (st->client_dir < 0 || st->server_dir < 0 || !st->ev.have_server_hello)
        return;
    const struct tls_dir *c = &st->d[st->client_dir], *s = &st->d[st->server_dir];
    int done = st->ev.tls13 ? c->appdata && s->appdata : c->ccs && s->ccs;
    if (done) {
        st->ev.established = 1;
        tls_emit(st, ctx);
    }
}

static void record_end(struct tls_state *st, struct app_ctx *ctx, int dir)
{
    struct tls_dir *d = &st->d[dir];
    switch (d->rtype) {
    case CT_CCS:
        d->ccs++;
        /* in TLS 1.3 ChangeCipherSpec is a no-op for middleboxes (RFC 8446 D.4) */
        if (!st->ev.tls13) {
            d->encrypted = 1;
            hs_free(d);
            if (dir == st->server_dir && st->ev.have_server_hello && !st->server_hs_after_sh)
                st->ev.resumed = 1; /* abbreviated handshake (RFC 5246 7.3) */
        }
        check_established(st, ctx);
        break;
    case CT_ALERT:
        /* in clear: exactly level and description (an encrypted alert carries a MAC) */
        if (d->rlen == 2 && d->small_len == 2) {
            const char *n = code_lookup(alert_names, NELEM(alert_names), d->small[1]);
            if (n)
                snprintf(st->ev.last_alert, sizeof(st->ev.last_alert), "%s", n);
            else
                snprintf(st->ev.last_alert, sizeof(st->ev.last_alert), "unknown-%u",
                         (unsigned)d->small[1]);
            if (d->small[0] == 2) /* fatal: the connection is over */
                tls_emit(st, ctx);
        }
        break;
    case CT_APPDATA:
        d->appdata++;
        check_established(st, ctx);
        break;
    case CT_SSL2:
        parse_ssl2_hello(st, d->small, d->small_len);
        if (st->client_dir < 0)
            st->client_dir = dir;
        if (!st->ts_first)
            st->ts_first = ctx->ts;
        break;
    default:
        break;
    }
    d->in_body = 0;
    d->hdr_len = 0;
    d->small_len = 0;
}

/* Validates a complete record header; returns 0, or -1 if these are not TLS records. */
static int record_header(struct tls_dir *d)
{
    struct rd h = rd_make(d->hdr, d->hdr_len);
    if (d->rtype == CT_SSL2) {
        uint16_t len = rd_be16(&h) & 0x7fff;
        d->rlen = d->rleft = len;
        return len >= 3 ? 0 : -1;
    }
    uint8_t type = rd_u8(&h);
    uint16_t version = rd_be16(&h);
    uint16_t len = rd_be16(&h);
    if (type < CT_CCS || type > CT_HEARTBEAT)
        return -1;
    if ((version >> 8) != 3 || (version & 0xff) > 4)
        return -1;
    if (len > TLS_REC_MAX)
        return -1;
    d->rtype = type;
    d->rlen = d->rleft = len;
    return 0;
}

static void dir_feed(struct tls_state *st, struct app_ctx *ctx, int dir, const uint8_t *data,
                     size_t len)
{
    struct tls_dir *d = &st->d[dir];
    struct rd r = rd_make(data, len);
    while (rd_left(&r) && !d->dead && !st->emitted) {
        if (!d->in_body) {
            if (d->hdr_len == 0) {
                uint8_t b0 = rd_u8(&r);
                d->hdr[d->hdr_len++] = b0;
                /* an SSLv2-format ClientHello can only open the stream */
                d->rtype = !d->started && (b0 & 0x80) ? CT_SSL2 : 0;
                continue;
            }
            size_t need = d->rtype == CT_SSL2 ? 2 : 5;
            while (d->hdr_len < need && rd_left(&r))
                d->hdr[d->hdr_len++] = rd_u8(&r);
            if (d->hdr_len < need)
                break;
            if (record_header(d) < 0) {
                d->dead = 1;
                st->ev.malformed = 1;
                break;
            }
            d->started = 1;
            d->in_body = 1;
            if (d->rleft == 0)
                record_end(st, ctx, dir);
            continue;
        }
        size_t n = d->rleft < rd_left(&r) ? d->rleft : rd_left(&r);
        struct rd body = rd_sub(&r, n);
        d->rleft -= n;
        switch (d->rtype) {
        case CT_HANDSHAKE:
            if (!d->encrypted)
                hs_append(st, ctx, dir, body);
            break;
        case CT_ALERT:
        case CT_SSL2:
            while (rd_left(&body) && d->small_len < sizeof(d->small))
                d->small[d->small_len++] = rd_u8(&body);
            break;
        default:
            break;
        }
        if (d->rleft == 0)
            record_end(st, ctx, dir);
    }
}

/* ---- QUIC Initial packets ------------------------------------------------------------- */

/*
 * RFC 9000 17.2 (long header), 17.2.2 (Initial), 19.6 (CRYPTO frames);
 * RFC 9001 5.2 (Initial secrets), 5.3 (AEAD), 5.4 (header protection);
 * RFC 9369 (QUIC v2). The handshake messages of QUIC travel in CRYPTO
 * frames of Initial packets, protected with keys anyone can derive from
 * the client's first Destination Connection ID; they are decrypted here
 * and handed to the same handshake parser as TLS over TCP. Layout:
 *   first(1: 1 1 type(2) reserved(2) pn_len(2)) version(4) dcid_len(1) dcid
 *   scid_len(1) scid token_len(varint) token length(varint) pn(1..4) payload
 * Bounds: per direction the CRYPTO stream is reassembled in a buffer of
 * QUIC_CRYPTO_MAX bytes (and a bitmap of one bit per byte), allocated on
 * first use; bytes beyond are ignored.
 */
#define QUIC_CRYPTO_MAX (16u * 1024)

struct quic_version {
    uint32_t version;
    unsigned initial_type, retry_type;
    const char *key_label, *iv_label, *hp_label;
    uint8_t salt[20];
};

static const struct quic_version quic_versions[] = {
    {0x00000001, 0, 3, "quic key", "quic iv", "quic hp",
     {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
      0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a}},
    {0x6b3343cf, 1, 0, "quicv2 key", "quicv2 iv", "quicv2 hp", /* RFC 9369 3.3.1 */
     {0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
      0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9}},
    {0xff00001d, 0, 3, "quic key", "quic iv", "quic hp", /* draft-ietf-quic-tls-29 5.2 */
     {0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
      0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99}},
};

static const struct quic_version *quic_version_find(uint32_t v)
{
    for (size_t i = 0; i < NELEM(quic_versions); i++)
        if (quic_versions[i].version == v)
            return &quic_versions[i];
    return NULL;
}

/* RFC 9000 16: a variable-length integer; 0 and err when the bytes run out. */
static uint64_t rd_varint(struct rd *r)
{
    uint8_t b = rd_u8(r);
    unsigned extra = (1u << (b >> 6)) - 1;
    uint64_t v = b & 0x3f;
    for (unsigned i = 0; i < extra; i++)
        v = v << 8 | rd_u8(r);
    return rd_ok(r) ? v : 0;
}

static int hmac_sha256(const uint8_t *key, size_t klen, const uint8_t *data, size_t dlen,
                       uint8_t out[32])
{
    size_t n = 0;
    if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, klen, data, dlen, out, 32, &n) ||
        n != 32) {
        ERR_clear_error();
        return -1;
    }
    return 0;
}

/* RFC 8446 7.1 HKDF-Expand-Label with an empty context, for outputs of at most 32 bytes. */
static int hkdf_expand_label(const uint8_t secret[32], const char *label, uint8_t *out, size_t n)
{
    uint8_t info[64];
    size_t ll = strlen(label), k = 0;
    if (n > 32 || ll + 6 > 255 || ll + 11 > sizeof(info))
        return -1;
    info[k++] = 0;
    info[k++] = (uint8_t)n;
    info[k++] = (uint8_t)(ll + 6);
    memcpy(info + k, "tls13 ", 6);
    k += 6;
    memcpy(info + k, label, ll);
    k += ll;
    info[k++] = 0;    /* context */
    info[k++] = 0x01; /* HKDF-Expand's first block counter */
    uint8_t t[32];
    if (hmac_sha256(secret, 32, info, k, t) < 0)
        return -1;
    memcpy(out, t, n);
    return 0;
}

/* Derives both directions' Initial keys from the client's Destination Connection ID. */
static void quic_derive(struct tls_state *st, const uint8_t *dcid, size_t dlen)
{
    const struct quic_version *qv = st->quic_v;
    uint8_t initial[32], secret[32];
    st->qk[0].ok = st->qk[1].ok = 0;
    if (!qv || hmac_sha256(qv->salt, sizeof(qv->salt), dcid, dlen, initial) < 0)
        return;
    for (int side = 0; side < 2; side++) { /* 0: client, 1: server */
        struct quic_keys *k = &st->qk[side];
        if (hkdf_expand_label(initial, side ? "server in" : "client in", secret, 32) < 0 ||
            hkdf_expand_label(secret, qv->key_label, k->key, 16) < 0 ||
            hkdf_expand_label(secret, qv->iv_label, k->iv, 12) < 0 ||
            hkdf_expand_label(secret, qv->hp_label, k->hp, 16) < 0)
            return;
        k->ok = 1;
    }
}

static const EVP_CIPHER *cipher_fetch(int gcm)
{
    static _Thread_local EVP_CIPHER *c[2];
    if (!c[gcm])
        c[gcm] = EVP_CIPHER_fetch(NULL, gcm ? "AES-128-GCM" : "AES-128-ECB", NULL);
    return c[gcm];
}

/* AES-128-ECB of one block: the header protection mask (RFC 9001 5.4.3). */
static int hp_mask(const uint8_t key[16], const uint8_t sample[16], uint8_t mask[16])
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n = 0, ok = c && cipher_fetch(0) && EVP_EncryptInit_ex(c, cipher_fetch(0), NULL, key, NULL) == 1 &&
                    EVP_CIPHER_CTX_set_padding(c, 0) == 1 &&
                    EVP_EncryptUpdate(c, mask, &n, sample, 16) == 1 && n == 16;
    EVP_CIPHER_CTX_free(c);
    if (!ok)
        ERR_clear_error();
    return ok ? 0 : -1;
}

/* AES-128-GCM open; out gets ct_len bytes. Returns 0, or -1 if the tag does not verify. */
static int aead_open(const struct quic_keys *k, const uint8_t nonce[12], const uint8_t *aad,
                     size_t aad_len, const uint8_t *ct, size_t ct_len, const uint8_t tag[16],
                     uint8_t *out)
{
    if (aad_len > INT32_MAX || ct_len > INT32_MAX)
        return -1;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n = 0, ok = c && cipher_fetch(1) &&
                    EVP_DecryptInit_ex(c, cipher_fetch(1), NULL, NULL, NULL) == 1 &&
                    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) == 1 &&
                    EVP_DecryptInit_ex(c, NULL, NULL, k->key, nonce) == 1 &&
                    EVP_DecryptUpdate(c, NULL, &n, aad, (int)aad_len) == 1 &&
                    EVP_DecryptUpdate(c, out, &n, ct, (int)ct_len) == 1 &&
                    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, (void *)(uintptr_t)tag) == 1 &&
                    EVP_DecryptFinal_ex(c, out + n, &n) == 1;
    EVP_CIPHER_CTX_free(c);
    if (!ok)
        ERR_clear_error();
    return ok ? 0 : -1;
}

/* CRYPTO frame data (borrowed) at offset off of dir's stream: reassembled, then parsed. */
static void quic_crypto(struct tls_state *st, struct app_ctx *ctx, int dir, uint64_t off,
                        const uint8_t *p, size_t n)
{
    struct quic_dir *q = &st->q[dir];
    if (off >= QUIC_CRYPTO_MAX || !n)
        return;
    if (n > QUIC_CRYPTO_MAX - off)
        n = (size_t)(QUIC_CRYPTO_MAX - off);
    if (!q->buf) {
        q->buf = xmalloc(QUIC_CRYPTO_MAX);
        q->have = xcalloc(QUIC_CRYPTO_MAX / 8, 1);
    }
    memcpy(q->buf + off, p, n);
    for (size_t i = (size_t)off; i < off + n; i++)
        q->have[i / 8] = (uint8_t)(q->have[i / 8] | 1u << (i % 8));
    size_t old = q->contig;
    while (q->contig < QUIC_CRYPTO_MAX && (q->have[q->contig / 8] >> (q->contig % 8) & 1))
        q->contig++;
    if (q->contig > old)
        hs_append(st, ctx, dir, rd_make(q->buf + old, q->contig - old));
}

/* The frames of a decrypted Initial packet (RFC 9000 19; only these may appear in one). */
static void quic_frames(struct tls_state *st, struct app_ctx *ctx, int dir, struct rd r)
{
    while (rd_left(&r) && rd_ok(&r)) {
        uint64_t type = rd_varint(&r);
        switch (type) {
        case 0x00: /* PADDING */
        case 0x01: /* PING */
            break;
        case 0x02:
        case 0x03: { /* ACK */
            rd_varint(&r);
            rd_varint(&r);
            uint64_t count = rd_varint(&r);
            rd_varint(&r);
            for (uint64_t i = 0; i < count && rd_ok(&r); i++) {
                rd_varint(&r);
                rd_varint(&r);
            }
            if (type == 0x03)
                for (int i = 0; i < 3; i++)
                    rd_varint(&r);
            break;
        }
        case 0x06: { /* CRYPTO */
            uint64_t off = rd_varint(&r);
            uint64_t len = rd_varint(&r);
            if (!rd_ok(&r) || len > rd_left(&r)) {
                st->ev.malformed = 1;
                return;
            }
            const uint8_t *p = rd_bytes(&r, (size_t)len);
            quic_crypto(st, ctx, dir, off, p, (size_t)len);
            break;
        }
        case 0x1c:
        case 0x1d: { /* CONNECTION_CLOSE: a TLS alert travels as error 0x0100 + alert */
            uint64_t code = rd_varint(&r);
            if (type == 0x1c)
                rd_varint(&r);
            uint64_t reason = rd_varint(&r);
            if (!rd_ok(&r) || reason > rd_left(&r))
                return;
            rd_skip(&r, (size_t)reason);
            if (type == 0x1c && code >= 0x100 && code <= 0x1ff) {
                const char *an = code_lookup(alert_names, NELEM(alert_names), (uint16_t)(code - 0x100));
                if (an)
                    snprintf(st->ev.last_alert, sizeof(st->ev.last_alert), "%s", an);
            }
            return;
        }
        default:
            return; /* not allowed in Initial packets: stop */
        }
    }
}

/* Removes the protection of one Initial packet (pkt: its first plen bytes after hdr_len). */
static void quic_initial(struct tls_state *st, struct app_ctx *ctx, int dir, const uint8_t *pkt,
                         size_t hdr_len, size_t plen)
{
    const struct quic_keys *k = &st->qk[dir == st->client_dir ? 0 : 1];
    if (!k->ok || plen < 4 + 16 + 16)
        return; /* too short for a sample and a tag */
    uint8_t mask[16];
    if (hp_mask(k->hp, pkt + hdr_len + 4, mask) < 0)
        return;
    uint8_t first = (uint8_t)(pkt[0] ^ (mask[0] & 0x0f));
    size_t pn_len = (size_t)(first & 3) + 1;
    uint8_t *buf = xmalloc(hdr_len + plen);
    memcpy(buf, pkt, hdr_len + pn_len);
    buf[0] = first;
    uint64_t pn = 0;
    for (size_t i = 0; i < pn_len; i++) {
        buf[hdr_len + i] = (uint8_t)(pkt[hdr_len + i] ^ mask[1 + i]);
        pn = pn << 8 | buf[hdr_len + i];
    }
    uint8_t nonce[12];
    memcpy(nonce, k->iv, 12);
    for (size_t i = 0; i < 8; i++)
        nonce[11 - i] = (uint8_t)(nonce[11 - i] ^ (pn >> (8 * i)));
    size_t ct_len = plen - pn_len - 16;
    const uint8_t *ct = pkt + hdr_len + pn_len;
    uint8_t *pt = buf + hdr_len + pn_len;
    if (aead_open(k, nonce, buf, hdr_len + pn_len, ct, ct_len, ct + ct_len, pt) == 0)
        quic_frames(st, ctx, dir, rd_make(pt, ct_len));
    free(buf);
}

/* One UDP datagram of a QUIC connection: its coalesced long-header packets (RFC 9000 12.2). */
static void quic_datagram(struct tls_state *st, struct app_ctx *ctx, int dir, const uint8_t *data,
                          size_t len)
{
    struct rd r = rd_make(data, len);
    while (rd_left(&r) && !st->emitted) {
        const uint8_t *pkt = r.p;
        uint8_t first = rd_u8(&r);
        if (!(first & 0x80)) { /* short header: a 1-RTT packet, the handshake is done */
            st->q[dir].short_seen = 1;
            break;
        }
        uint32_t version = rd_be32(&r);
        uint8_t dl = rd_u8(&r);
        const uint8_t *dcid = rd_bytes(&r, dl);
        uint8_t sl = rd_u8(&r);
        rd_skip(&r, sl);
        if (!rd_ok(&r) || dl > 20 || sl > 20) {
            st->ev.malformed = 1;
            break;
        }
        const struct quic_version *qv = quic_version_find(version);
        if (!qv || (st->quic_v && qv != st->quic_v))
            break; /* version negotiation, or a version vigil cannot unprotect */
        unsigned type = (first >> 4) & 3;
        if (type == qv->retry_type) {
            st->quic_rederive = 1; /* the client's next Initial carries new keys */
            break;
        }
        if (type == qv->initial_type) {
            uint64_t tl = rd_varint(&r);
            if (!rd_ok(&r) || tl > rd_left(&r)) {
                st->ev.malformed = 1;
                break;
            }
            rd_skip(&r, (size_t)tl);
        }
        uint64_t plen = rd_varint(&r);
        if (!rd_ok(&r) || plen > rd_left(&r)) {
            st->ev.malformed = 1;
            break;
        }
        size_t hdr_len = (size_t)(r.p - pkt);
        rd_skip(&r, (size_t)plen);
        if (type != qv->initial_type)
            continue; /* 0-RTT and Handshake packets: keys not known */
        if (st->client_dir < 0)
            st->client_dir = dir; /* the client speaks first */
        if (!st->quic_v || (dir == st->client_dir && st->quic_rederive)) {
            st->quic_v = qv;
            st->quic_rederive = 0;
            if (dir == st->client_dir)
                quic_derive(st, dcid, dl);
        }
        if (!st->ts_first)
            st->ts_first = ctx->ts;
        quic_initial(st, ctx, dir, pkt, hdr_len, (size_t)plen);
    }
    if (st->q[0].short_seen && st->q[1].short_seen && st->ev.have_server_hello) {
        st->ev.established = 1;
        tls_emit(st, ctx);
    }
}

/* A QUIC long-header Initial of a version vigil can unprotect, in a datagram of at least
 * 1200 bytes as a client's first must be (RFC 9000 14.1). */
static enum probe_result quic_probe(struct rd r, uint8_t b0)
{
    uint32_t v = rd_be32(&r);
    if (!rd_ok(&r))
        return PROBE_MORE;
    const struct quic_version *qv = quic_version_find(v);
    if (!qv || ((b0 >> 4) & 3) != qv->initial_type || rd_left(&r) + 5 < 1200)
        return PROBE_NO;
    return PROBE_YES;
}

/* ---- parser interface ----------------------------------------------------------------- */

static const uint16_t tls_ports[] = {443, 465, 563, 636, 853, 989, 990, 992, 993, 994, 995, 5061, 8443, 0};

/*
 * A TLS record header of a handshake record (type 22, version 3.0 to 3.4,
 * a plausible length) whose first message is a ClientHello or ServerHello;
 * or an SSLv2-format ClientHello offering SSL 3.0 or later.
 */
static enum probe_result tls_probe(const uint8_t *data, size_t len, int dir)
{
    (void)dir;
    struct rd r = rd_make(data, len);
    uint8_t b0 = rd_u8(&r);
    if (!rd_ok(&r))
        return PROBE_MORE;
    if ((b0 & 0xc0) == 0xc0) /* a QUIC long header (an SSLv2 hello is shorter than 16 KB) */
        return quic_probe(r, b0);
    if (b0 & 0x80) {
        /* SSLv2 header: length(2, high bit set), msg_type 1, version major 3, minor <= 3 */
        uint8_t b1 = rd_u8(&r);
        if (rd_ok(&r) && (((size_t)(b0 & 0x7f) << 8) | b1) < 9)
            return PROBE_NO;
        uint8_t type = rd_u8(&r);
        if (rd_ok(&r) && type != HS_CLIENT_HELLO)
            return PROBE_NO;
        uint8_t vmajor = rd_u8(&r);
        if (rd_ok(&r) && vmajor != 3)
            return PROBE_NO;
        uint8_t vminor = rd_u8(&r);
        if (!rd_ok(&r))
            return PROBE_MORE;
        return vminor <= 3 ? PROBE_YES : PROBE_NO;
    }
    if (b0 != CT_HANDSHAKE)
        return PROBE_NO;
    uint8_t major = rd_u8(&r);
    if (rd_ok(&r) && major != 3)
        return PROBE_NO;
    uint8_t minor = rd_u8(&r);
    if (rd_ok(&r) && minor > 4)
        return PROBE_NO;
    uint16_t rec = rd_be16(&r);
    if (rd_ok(&r) && (rec < 4 || rec > TLS_REC_MAX))
        return PROBE_NO;
    uint8_t hs = rd_u8(&r);
    if (!rd_ok(&r))
        return PROBE_MORE;
    return hs == HS_CLIENT_HELLO || hs == HS_SERVER_HELLO ? PROBE_YES : PROBE_NO;
}

static void *tls_new(struct app_ctx *ctx)
{
    (void)ctx;
    struct tls_state *st = xcalloc(1, sizeof(*st));
    st->client_dir = st->server_dir = -1;
    st->ev.sni_matches_cert = -1;
    return st;
}

static int tls_data(void *vst, struct app_ctx *ctx, int dir, const uint8_t *data, size_t len)
{
    struct tls_state *st = vst;
    if (ctx->flow && ctx->flow->proto == IPPROTO_UDP_) {
        st->ev.quic = 1;
        if (!st->emitted)
            quic_datagram(st, ctx, dir, data, len);
        return st->emitted ? PROTO_DONE : PROTO_CONTINUE;
    }
    if (!st->emitted)
        dir_feed(st, ctx, dir, data, len);
    if (st->emitted || (st->d[0].dead && st->d[1].dead))
        return PROTO_DONE;
    if (st->d[dir].dead) {
        hs_free(&st->d[dir]);
        return PROTO_DONE_DIR;
    }
    return PROTO_CONTINUE;
}

static void tls_gap(void *vst, struct app_ctx *ctx, int dir, uint64_t len)
{
    (void)ctx;
    (void)len;
    struct tls_state *st = vst;
    st->d[dir].dead = 1; /* record boundaries are lost */
    hs_free(&st->d[dir]);
}

static void json_fps(struct jbuf *jb, const char *key, const char (*fps)[X509_FP_HEX], size_t n)
{
    if (!n)
        return;
    jb_key(jb, key);
    jb_arr_open(jb);
    for (size_t i = 0; i < n; i++)
        jb_str(jb, fps[i]);
    jb_arr_close(jb);
}

static void tls_fields_json(const struct event *e, struct jbuf *jb)
{
    const struct tls_event *ev = e->body;
    if (ev->have_server_hello) {
        jb_kstr(jb, "version", ev->version_str);
        jb_kstr(jb, "cipher", ev->cipher_str);
    }
    if (ev->curve[0])
        jb_kstr(jb, "curve", ev->curve);
    if (ev->server_name_len)
        jb_kstrn(jb, "server_name", ev->server_name, ev->server_name_len);
    if (ev->have_server_hello)
        jb_kbool(jb, "resumed", ev->resumed);
    if (ev->last_alert[0])
        jb_kstr(jb, "last_alert", ev->last_alert);
    if (ev->next_protocol[0])
        jb_kstr(jb, "next_protocol", ev->next_protocol);
    jb_kbool(jb, "established", ev->established);
    json_fps(jb, "cert_chain_fps", ev->cert_chain_fps, ev->n_cert_chain_fps);
    json_fps(jb, "client_cert_chain_fps", ev->client_cert_chain_fps, ev->n_client_cert_chain_fps);
    if (ev->subject)
        jb_kstr(jb, "subject", ev->subject);
    if (ev->issuer)
        jb_kstr(jb, "issuer", ev->issuer);
    if (ev->client_subject)
        jb_kstr(jb, "client_subject", ev->client_subject);
    if (ev->client_issuer)
        jb_kstr(jb, "client_issuer", ev->client_issuer);
    if (ev->sni_matches_cert >= 0)
        jb_kbool(jb, "sni_matches_cert", ev->sni_matches_cert);
    if (ev->ja3[0]) {
        jb_kstr(jb, "ja3", ev->ja3);
        jb_kstr(jb, "ja3_string", ev->ja3_string ? ev->ja3_string : "");
    }
    if (ev->ja3s[0]) {
        jb_kstr(jb, "ja3s", ev->ja3s);
        jb_kstr(jb, "ja3s_string", ev->ja3s_string ? ev->ja3s_string : "");
    }
    if (ev->ja4[0])
        jb_kstr(jb, "ja4", ev->ja4);
    if (ev->have_client_hello) {
        jb_kstr(jb, "client_version", ev->client_version_str);
        jb_kbool(jb, "sni_missing", ev->sni_missing);
    }
    if (ev->have_cert) {
        jb_kbool(jb, "self_signed", ev->self_signed);
        jb_kbool(jb, "cert_expired", ev->cert_expired);
        jb_kbool(jb, "cert_not_yet_valid", ev->cert_not_yet_valid);
    }
    jb_kbool(jb, "tls13", ev->tls13);
    if (ev->have_client_hello) {
        jb_kbool(jb, "ech", ev->ech);
        jb_kbool(jb, "esni", ev->esni);
    }
    if (ev->quic)
        jb_kbool(jb, "quic", 1);
    jb_kbool(jb, "malformed", ev->malformed);
    jb_kbool(jb, "truncated", ev->truncated);
}

/* Emits the tls event once, stamped with the time of the first hello. */
static void tls_emit(struct tls_state *st, struct app_ctx *ctx)
{
    if (st->emitted)
        return;
    st->emitted = 1;
    struct tls_event *ev = &st->ev;
    if (!ev->have_client_hello && !ev->have_server_hello && !ev->malformed && !ev->truncated)
        return; /* no handshake seen: nothing to report */
    if (!ev->have_server_hello)
        ev->tls13 = is_tls13(ev->client_max_version);
    struct app_ctx c = *ctx;
    if (st->ts_first)
        c.ts = st->ts_first;
    app_emit(&c, EV_TLS, ev, tls_fields_json);
}

static void tls_end(void *vst, struct app_ctx *ctx)
{
    struct tls_state *st = vst;
    for (int i = 0; i < 2; i++) {
        const struct tls_dir *d = &st->d[i];
        if (!d->dead && !d->encrypted &&
            (d->hs_len || d->hs_skip || (d->in_body && d->rtype == CT_HANDSHAKE)))
            st->ev.truncated = 1;
    }
    tls_emit(st, ctx);
    for (int i = 0; i < 2; i++) {
        hs_free(&st->d[i]);
        free(st->q[i].buf);
        free(st->q[i].have);
        free(st->chain[i].fps);
        free(st->chain[i].subject);
        free(st->chain[i].issuer);
    }
    free(st->ja3_string);
    free(st->ja3s_string);
    free(st);
}

const struct proto_ops tls_proto = {
    .name = "ssl",
    .id = PROTO_TLS,
    .transports = PT_TCP | PT_UDP,
    .ports = tls_ports,
    .probe = tls_probe,
    .state_new = tls_new,
    .data = tls_data,
    .gap = tls_gap,
    .end = tls_end,
};
