/*
 * summary: X.509 certificates: DER parsed with OpenSSL into Zeek x509.log fields
 *
 * References: RFC 5280 (certificate profile: section 4.1.2.5 validity,
 * 4.2.1.6 subjectAltName, 4.2.1.9 basicConstraints), RFC 4514 / RFC 2253
 * (string form of distinguished names).
 *
 * The certificate bytes are untrusted; OpenSSL's d2i_X509 is the only
 * parser of them (design.md: prefer a well-kept library for standard
 * formats). Names are printed as Zeek prints them, with
 * X509_NAME_print_ex(..., XN_FLAG_RFC2253): most specific RDN first,
 * comma-separated, RFC 2253 escaping ("CN=example.com,OU=IT Department,
 * O=Global Security,L=London,ST=London,C=GB"), which is also what
 * `openssl x509 -nameopt RFC2253 -subject` prints. OpenSSL's error queue is
 * cleared after every certificate so that hostile input cannot grow it.
 *
 * Events: one "x509" event per certificate (emitted by the TLS parser).
 *   fingerprint                  SHA-256 of the DER, hex (Zeek x509.log fingerprint)
 *   sha1                         SHA-1 of the DER, hex (vigil)
 *   certificate.version          X.509 version, 1..3 (Zeek certificate.version)
 *   certificate.serial           serial in upper-case hex (Zeek certificate.serial)
 *   certificate.subject          subject DN, RFC 2253 form (Zeek certificate.subject)
 *   certificate.issuer           issuer DN, RFC 2253 form (Zeek certificate.issuer)
 *   certificate.not_valid_before epoch seconds (Zeek certificate.not_valid_before)
 *   certificate.not_valid_after  epoch seconds (Zeek certificate.not_valid_after)
 *   certificate.key_alg          public key algorithm, "rsaEncryption" (Zeek)
 *   certificate.sig_alg          signature algorithm, "sha256WithRSAEncryption" (Zeek)
 *   certificate.key_type         "rsa", "dsa" or "ecdsa" (Zeek)
 *   certificate.key_length       key size in bits (Zeek)
 *   certificate.exponent         RSA public exponent, decimal (Zeek)
 *   certificate.curve            EC curve, "prime256v1" (Zeek)
 *   san.dns, san.uri, san.email, san.ip   subject alternative names (Zeek)
 *   basic_constraints.ca, basic_constraints.path_len              (Zeek)
 *   host_cert, client_cert       sent by the server / by the client (Zeek)
 *   self_signed                  issuer equals subject and the signature verifies
 *                                with the certificate's own key (vigil)
 *   expired, not_yet_valid       against the packet time of the connection (vigil)
 *   chain_index                  position in the sender's chain, 0 = leaf (vigil)
 */
#include "proto/x509.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "event/event.h"
#include "util/hash.h"
#include "util/json.h"

void x509_hex(const uint8_t *p, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[p[i] >> 4];
        out[2 * i + 1] = hx[p[i] & 15];
    }
    out[2 * n] = '\0';
}

int x509_digest(enum x509_md alg, const void *p, size_t n, uint8_t *out)
{
    static const char *const names[] = {"MD5", "SHA1", "SHA256"};
    static _Thread_local EVP_MD *mds[3];
    static _Thread_local EVP_MD_CTX *ctx;
    if ((unsigned)alg > X509_MD_SHA256)
        return -1;
    if (!mds[alg])
        mds[alg] = EVP_MD_fetch(NULL, names[alg], NULL);
    if (!ctx)
        ctx = EVP_MD_CTX_new();
    unsigned int len = 0;
    if (!mds[alg] || !ctx || EVP_DigestInit_ex(ctx, mds[alg], NULL) != 1 ||
        EVP_DigestUpdate(ctx, p, n) != 1 || EVP_DigestFinal_ex(ctx, out, &len) != 1) {
        ERR_clear_error();
        return -1;
    }
    return 0;
}

/* Reads what is pending in a memory BIO into out (cap bytes with the NUL); resets the BIO. */
static void bio_take(BIO *b, char *out, size_t cap)
{
    char *data = NULL;
    long n = BIO_get_mem_data(b, &data);
    size_t k = 0;
    if (n > 0 && data) {
        k = (size_t)n < cap - 1 ? (size_t)n : cap - 1;
        memcpy(out, data, k);
    }
    out[k] = '\0';
    for (size_t i = 0; i < k; i++)
        if (out[i] == '\0' || out[i] == '\n')
            out[i] = '?'; /* keep the C string whole; escaping already happened */
    (void)BIO_reset(b);
}

static int64_t asn1_time_epoch(const ASN1_TIME *t)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        return 0;
    return (int64_t)timegm(&tm);
}

/* Copies an ASN.1 string's bytes (borrowed) to a new C string, at most X509_SAN_LEN_MAX bytes. */
static char *asn1_dup(const ASN1_STRING *s)
{
    const unsigned char *d = ASN1_STRING_get0_data(s);
    int n = ASN1_STRING_length(s);
    size_t k = n > 0 ? (size_t)n : 0;
    if (k > X509_SAN_LEN_MAX)
        k = X509_SAN_LEN_MAX;
    char *out = xmalloc(k + 1);
    if (k)
        memcpy(out, d, k);
    out[k] = '\0';
    for (size_t i = 0; i < k; i++)
        if (out[i] == '\0')
            out[i] = '?';
    return out;
}

static void list_add(char ***list, size_t *n, char *s)
{
    if (*n >= X509_SAN_MAX) {
        free(s);
        return;
    }
    if (!*list)
        *list = xcalloc(X509_SAN_MAX, sizeof(char *));
    (*list)[(*n)++] = s;
}

static void parse_san(X509 *x, struct x509_event *ev)
{
    GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    if (!gens)
        return;
    int n = sk_GENERAL_NAME_num(gens);
    for (int i = 0; i < n; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        if (!g)
            continue;
        switch (g->type) {
        case GEN_DNS:
            list_add(&ev->san_dns, &ev->n_san_dns, asn1_dup(g->d.dNSName));
            break;
        case GEN_EMAIL:
            list_add(&ev->san_email, &ev->n_san_email, asn1_dup(g->d.rfc822Name));
            break;
        case GEN_URI:
            list_add(&ev->san_uri, &ev->n_san_uri, asn1_dup(g->d.uniformResourceIdentifier));
            break;
        case GEN_IPADD: {
            const unsigned char *d = ASN1_STRING_get0_data(g->d.iPAddress);
            int len = ASN1_STRING_length(g->d.iPAddress);
            char buf[INET6_ADDRSTRLEN];
            if ((len == 4 && inet_ntop(AF_INET, d, buf, sizeof(buf))) ||
                (len == 16 && inet_ntop(AF_INET6, d, buf, sizeof(buf))))
                list_add(&ev->san_ip, &ev->n_san_ip, xstrdup(buf));
            break;
        }
        default:
            break;
        }
    }
    GENERAL_NAMES_free(gens);
}

static void parse_key(X509 *x, struct x509_event *ev)
{
    ASN1_OBJECT *obj = NULL; /* borrowed from x */
    X509_PUBKEY *xpk = X509_get_X509_PUBKEY(x);
    if (xpk && X509_PUBKEY_get0_param(&obj, NULL, NULL, NULL, xpk) == 1 && obj)
        OBJ_obj2txt(ev->key_alg, sizeof(ev->key_alg), obj, 0);
    EVP_PKEY *pk = X509_get0_pubkey(x); /* borrowed from x */
    if (!pk)
        return;
    int id = EVP_PKEY_get_base_id(pk);
    if (id == EVP_PKEY_RSA) {
        ev->key_type = "rsa";
        BIGNUM *e = NULL;
        if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e) == 1 && e) {
            char *dec = BN_bn2dec(e);
            if (dec && strlen(dec) < sizeof(ev->exponent))
                memcpy(ev->exponent, dec, strlen(dec) + 1);
            OPENSSL_free(dec);
        }
        BN_free(e);
    } else if (id == EVP_PKEY_DSA) {
        ev->key_type = "dsa";
    } else if (id == EVP_PKEY_EC) {
        ev->key_type = "ecdsa"; /* Zeek's name for EC keys */
        size_t got = 0;
        if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, ev->curve,
                                           sizeof(ev->curve), &got) != 1)
            ev->curve[0] = '\0';
    }
    int bits = EVP_PKEY_get_bits(pk);
    ev->key_length = bits > 0 ? (unsigned)bits : 0;
    /* self-signed: the issuer is the subject and the key of the certificate signed it */
    if (X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0)
        ev->self_signed = X509_verify(x, pk) == 1;
}

/* Parses der (borrowed) into ev, whose fingerprint is already set. Returns 0 or -1. */
static int parse_der(const uint8_t *der, size_t len, struct x509_event *ev)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    if (!x) {
        ERR_clear_error();
        return -1;
    }
    ev->cert = x;
    uint8_t md[20];
    if (x509_digest(X509_MD_SHA1, der, len, md) == 0)
        x509_hex(md, 20, ev->sha1);
    long v = X509_get_version(x);
    ev->version = v >= 0 && v < 3 ? (unsigned)v + 1 : 0;

    BIO *b = BIO_new(BIO_s_mem());
    if (b) {
        if (i2a_ASN1_INTEGER(b, X509_get0_serialNumber(x)) > 0)
            bio_take(b, ev->serial, sizeof(ev->serial));
        else
            (void)BIO_reset(b);
        if (X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_RFC2253) >= 0)
            bio_take(b, ev->subject, sizeof(ev->subject));
        else
            (void)BIO_reset(b);
        if (X509_NAME_print_ex(b, X509_get_issuer_name(x), 0, XN_FLAG_RFC2253) >= 0)
            bio_take(b, ev->issuer, sizeof(ev->issuer));
        BIO_free(b);
    }
    ev->not_valid_before = asn1_time_epoch(X509_get0_notBefore(x));
    ev->not_valid_after = asn1_time_epoch(X509_get0_notAfter(x));

    const X509_ALGOR *sig = NULL;
    X509_get0_signature(NULL, &sig, x);
    if (sig) {
        const ASN1_OBJECT *obj = NULL;
        X509_ALGOR_get0(&obj, NULL, NULL, sig);
        if (obj)
            OBJ_obj2txt(ev->sig_alg, sizeof(ev->sig_alg), obj, 0);
    }
    parse_key(x, ev);

    int crit = 0;
    BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(x, NID_basic_constraints, &crit, NULL);
    if (bc) {
        ev->ca = bc->ca ? 1 : 0;
        if (bc->pathlen) {
            long pl = ASN1_INTEGER_get(bc->pathlen);
            ev->path_len = pl >= 0 && pl < INT32_MAX ? (int)pl : -1;
        }
        BASIC_CONSTRAINTS_free(bc);
    }
    parse_san(x, ev);
    ERR_clear_error();
    return 0;
}

/*
 * A cache of parsed certificates, keyed by their DER bytes: the same
 * certificates come back in connection after connection (a beacon's C2, a
 * CDN), and d2i_X509 costs hundreds of microseconds in OpenSSL 3. The set
 * is chosen by a cheap hash of the length and the first and last bytes
 * (the signature); a hit needs the whole DER to be equal (memcmp), so a
 * hit gives exactly what parsing would, without even the SHA-256 of the
 * fingerprint (kept in the entry). X509_CACHE_SETS sets of X509_CACHE_WAYS
 * entries, least recently used replaced; an entry (about 9 KB plus its DER,
 * at most X509_CACHE_DER_MAX: larger certificates are not cached) is
 * allocated when first filled, so the cache holds at most 512
 * certificates, at most about 13 MB (4.5 MB plus typically 1-2 KB of DER
 * each). One cache per thread: parsers on different threads never share it.
 */
#define X509_CACHE_SETS 128
#define X509_CACHE_WAYS 4
#define X509_CACHE_DER_MAX (16u * 1024)

struct x509_cache_entry {
    size_t len;
    uint64_t last_use;
    uint8_t *der;         /* owned: len bytes */
    struct x509_event ev; /* owned: SAN lists and the X509 */
};

struct x509_cache {
    struct x509_cache_entry *e[X509_CACHE_SETS][X509_CACHE_WAYS]; /* owned, or NULL */
    uint64_t clock;
};

static _Thread_local struct x509_cache *x509_cache;

static char **list_copy(char *const *src, size_t n)
{
    if (!n)
        return NULL;
    char **dst = xmalloc(n * sizeof(*dst));
    for (size_t i = 0; i < n; i++)
        dst[i] = xstrdup(src[i]);
    return dst;
}

/* Makes dst an independent copy of src (its own SAN lists, a reference to the X509). */
static void event_copy(struct x509_event *dst, const struct x509_event *src)
{
    *dst = *src;
    dst->san_dns = list_copy(src->san_dns, src->n_san_dns);
    dst->san_ip = list_copy(src->san_ip, src->n_san_ip);
    dst->san_email = list_copy(src->san_email, src->n_san_email);
    dst->san_uri = list_copy(src->san_uri, src->n_san_uri);
    if (dst->cert && X509_up_ref(dst->cert) != 1)
        dst->cert = NULL;
}

void x509_cache_clear(void)
{
    struct x509_cache *c = x509_cache;
    if (!c)
        return;
    for (size_t i = 0; i < X509_CACHE_SETS; i++)
        for (size_t w = 0; w < X509_CACHE_WAYS; w++)
            if (c->e[i][w]) {
                x509_event_release(&c->e[i][w]->ev);
                free(c->e[i][w]->der);
                free(c->e[i][w]);
            }
    free(c);
    x509_cache = NULL;
}

static size_t cache_set(const uint8_t *der, size_t len)
{
    size_t k = len < 64 ? len : 64;
    uint64_t h = hash_bytes(der, k, (uint64_t)len);
    h = hash_bytes(der + len - k, k, h);
    return (size_t)(h % X509_CACHE_SETS);
}

/* The cached entry for exactly these DER bytes (borrowed), or NULL. */
static struct x509_cache_entry *cache_find(const uint8_t *der, size_t len)
{
    struct x509_cache *c = x509_cache;
    if (!c)
        return NULL;
    struct x509_cache_entry **set = c->e[cache_set(der, len)];
    for (size_t w = 0; w < X509_CACHE_WAYS; w++)
        if (set[w] && set[w]->len == len && memcmp(set[w]->der, der, len) == 0) {
            set[w]->last_use = ++c->clock;
            return set[w];
        }
    return NULL;
}

/* Keeps a copy of ev (borrowed) under its DER (borrowed, copied), replacing the LRU entry. */
static void cache_store(const uint8_t *der, size_t len, const struct x509_event *ev)
{
    if (len > X509_CACHE_DER_MAX)
        return;
    if (!x509_cache)
        x509_cache = xcalloc(1, sizeof(*x509_cache));
    struct x509_cache *c = x509_cache;
    struct x509_cache_entry **set = c->e[cache_set(der, len)];
    size_t victim = 0;
    for (size_t w = 0; w < X509_CACHE_WAYS; w++) {
        if (!set[w]) {
            victim = w;
            break;
        }
        if (set[w]->last_use < set[victim]->last_use)
            victim = w;
    }
    struct x509_cache_entry *ce = set[victim];
    if (ce) {
        x509_event_release(&ce->ev);
        free(ce->der);
    } else {
        ce = set[victim] = xmalloc(sizeof(*ce));
    }
    ce->len = len;
    ce->last_use = ++c->clock;
    ce->der = xmalloc(len);
    memcpy(ce->der, der, len);
    event_copy(&ce->ev, ev);
}

static void set_validity(struct x509_event *ev, int64_t now_us)
{
    int64_t now = now_us / 1000000;
    ev->expired = ev->not_valid_after && now > ev->not_valid_after;
    ev->not_yet_valid = ev->not_valid_before && now < ev->not_valid_before;
}

int x509_parse(const uint8_t *der, size_t len, int64_t now_us, struct x509_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    ev->ca = -1;
    ev->path_len = -1;
    if (len == 0 || len > INT32_MAX)
        return -1;
    const struct x509_cache_entry *ce = cache_find(der, len);
    if (ce) {
        event_copy(ev, &ce->ev); /* the fingerprint too */
        set_validity(ev, now_us);
        return 0;
    }
    uint8_t md[32];
    if (x509_digest(X509_MD_SHA256, der, len, md) < 0)
        return -1;
    x509_hex(md, 32, ev->fingerprint);
    if (parse_der(der, len, ev) < 0) {
        x509_event_release(ev);
        return -1;
    }
    cache_store(der, len, ev);
    set_validity(ev, now_us);
    return 0;
}

static void list_free(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

void x509_event_release(struct x509_event *ev)
{
    list_free(ev->san_dns, ev->n_san_dns);
    list_free(ev->san_ip, ev->n_san_ip);
    list_free(ev->san_email, ev->n_san_email);
    list_free(ev->san_uri, ev->n_san_uri);
    ev->san_dns = ev->san_ip = ev->san_email = ev->san_uri = NULL;
    ev->n_san_dns = ev->n_san_ip = ev->n_san_email = ev->n_san_uri = 0;
    X509_free(ev->cert);
    ev->cert = NULL;
}

int x509_matches_host(const struct x509_event *ev, const char *host, size_t host_len)
{
    if (!ev->cert)
        return -1;
    int r = X509_check_host(ev->cert, host, host_len, 0, NULL);
    ERR_clear_error();
    return r == 1;
}

static void json_list(struct jbuf *jb, const char *key, char *const *list, size_t n)
{
    if (!n)
        return;
    jb_key(jb, key);
    jb_arr_open(jb);
    for (size_t i = 0; i < n; i++)
        jb_str(jb, list[i]);
    jb_arr_close(jb);
}

void x509_fields_json(const struct event *ev, struct jbuf *jb)
{
    const struct x509_event *x = ev->body;
    jb_kstr(jb, "fingerprint", x->fingerprint);
    jb_kstr(jb, "sha1", x->sha1);
    if (x->version)
        jb_ku64(jb, "certificate.version", x->version);
    jb_kstr(jb, "certificate.serial", x->serial);
    jb_kstr(jb, "certificate.subject", x->subject);
    jb_kstr(jb, "certificate.issuer", x->issuer);
    jb_kts(jb, "certificate.not_valid_before", x->not_valid_before * 1000000);
    jb_kts(jb, "certificate.not_valid_after", x->not_valid_after * 1000000);
    if (x->key_alg[0])
        jb_kstr(jb, "certificate.key_alg", x->key_alg);
    if (x->sig_alg[0])
        jb_kstr(jb, "certificate.sig_alg", x->sig_alg);
    if (x->key_type)
        jb_kstr(jb, "certificate.key_type", x->key_type);
    if (x->key_length)
        jb_ku64(jb, "certificate.key_length", x->key_length);
    if (x->exponent[0])
        jb_kstr(jb, "certificate.exponent", x->exponent);
    if (x->curve[0])
        jb_kstr(jb, "certificate.curve", x->curve);
    json_list(jb, "san.dns", x->san_dns, x->n_san_dns);
    json_list(jb, "san.uri", x->san_uri, x->n_san_uri);
    json_list(jb, "san.email", x->san_email, x->n_san_email);
    json_list(jb, "san.ip", x->san_ip, x->n_san_ip);
    if (x->ca >= 0)
        jb_kbool(jb, "basic_constraints.ca", x->ca);
    if (x->path_len >= 0)
        jb_ku64(jb, "basic_constraints.path_len", (uint64_t)x->path_len);
    jb_kbool(jb, "host_cert", !x->client_cert);
    jb_kbool(jb, "client_cert", x->client_cert);
    jb_kbool(jb, "self_signed", x->self_signed);
    jb_kbool(jb, "expired", x->expired);
    jb_kbool(jb, "not_yet_valid", x->not_yet_valid);
    jb_ku64(jb, "chain_index", (uint64_t)x->chain_index);
}
