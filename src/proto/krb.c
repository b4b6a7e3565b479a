/*
 * summary: Kerberos 5: AS and TGS exchanges with the KDC and their errors, one event per exchange
 *
 * RFC 4120 section 5.4.1 (KDC-REQ: AS-REQ [APPLICATION 10], TGS-REQ [12]),
 * 5.4.2 (KDC-REP: AS-REP [11], TGS-REP [13]), 5.9.1 (KRB-ERROR [30]),
 * 5.3 (Ticket), 5.2.9 (EncryptedData), 7.2.1 (UDP: one message per
 * datagram), 7.2.2 (TCP: each message preceded by a 4-byte big-endian
 * length whose high bit is reserved), 7.5.9 (error codes); RFC 3961/3962/
 * 4757/8009 (encryption type numbers). The messages are DER (X.690 8.1):
 * every element is tag, length, contents; context tags [n] are explicit.
 *
 * The DER reader below is a flat walk over the fixed message structures:
 * no recursion, every length checked against the enclosing element through
 * the rd cursor, only the definite short and long (up to 4 bytes) length
 * forms, low tag numbers only.
 *
 * Bounds: a TCP message is buffered up to KRB_MSG_MAX bytes (larger ones
 * are skipped, counted as oversized); at most KRB_PENDING_MAX requests
 * wait for their response per connection (the oldest is emitted alone when
 * more arrive); each request waiting costs one struct krb_event (~900 bytes).
 *
 * Events: one "kerberos" event per request/response pair, as Zeek's
 * kerberos.log; a request without response is emitted at the end of the
 * connection, a response without request when it arrives. Fields:
 *   request_type  "AS" or "TGS" (Zeek: request_type)
 *   client        client principal "name@REALM": from the AS-REQ cname and
 *                 realm, else from the reply's cname@crealm, else the
 *                 error's (Zeek: client, which writes "name/REALM")
 *   service       server principal, name components joined by '/', e.g.
 *                 "krbtgt/EXAMPLE.COM" or "cifs/host.example.com" (Zeek: service)
 *   realm         the realm named by the request (req-body realm), or by the error
 *   success       true on AS-REP/TGS-REP, false on KRB-ERROR (Zeek: success)
 *   error_code    KRB-ERROR error-code, e.g. 25 (Zeek: error_code)
 *   error_msg     its RFC 4120 name, e.g. "KDC_ERR_PREAUTH_REQUIRED" (Zeek: error_msg)
 *   cipher        encryption type of the ticket returned, e.g. "rc4-hmac"
 *                 (Zeek: cipher); rc4 service tickets are what Kerberoasting wants
 *   from, till    requested validity, epoch seconds (Zeek: from, till)
 *   forwardable, renewable   KDC options of the request (Zeek: same names)
 *   request_ciphers  the etypes the client offered, its order (no Zeek field):
 *                 a TGS-REQ offering only "rc4-hmac" is a Kerberoasting hint
 *   preauth       AS-REQ only: it carried PA-ENC-TIMESTAMP (no Zeek field);
 *                 an AS-REP to a request without it is AS-REP-roastable
 */
#include "proto/krb.h"

#include <stdlib.h>
#include <string.h>

#include "flow/flow.h"
#include "proto/proto.h"
#include "util/json.h"
#include "util/log.h"
#include "util/rd.h"

#define KRB_MSG_MAX (64u * 1024) /* largest TCP message buffered (tickets with big PACs fit) */
#define KRB_PENDING_MAX 8        /* requests awaiting a response per connection */
#define KRB_MAX_ELEMS 64         /* elements walked per SEQUENCE OF (padata, etypes, names) */

enum {
    KRB_AS_REQ = 10,
    KRB_AS_REP = 11,
    KRB_TGS_REQ = 12,
    KRB_TGS_REP = 13,
    KRB_ERROR = 30,
};

/* DER universal tags used here */
#define DER_INT 0x02
#define DER_BITSTR 0x03
#define DER_OCTSTR 0x04
#define DER_SEQ 0x30
#define DER_GENTIME 0x18
#define DER_CTX(n) (0xa0 | (n)) /* context-specific, constructed, [n] */
#define DER_APP(n) (0x60 | (n)) /* application, constructed, [APPLICATION n] */

/* ---- DER reader ---- */

/*
 * Reads one element's tag and length from r and returns its contents as a
 * reader of their own (r advances past the element). On a malformed or
 * truncated header, or a length beyond what r holds, r's err is set and
 * the returned reader is empty with err set.
 */
static struct rd der_elem(struct rd *r, uint8_t *tag)
{
    uint8_t t = rd_u8(r);
    uint8_t l = rd_u8(r);
    size_t len = 0;
    if (rd_ok(r) && (t & 0x1f) == 0x1f)
        r->err = 1; /* high tag numbers: not used by Kerberos */
    if (rd_ok(r) && l >= 0x80) {
        unsigned n = l & 0x7fu;
        if (n == 0 || n > 4) /* indefinite form (not DER) or absurd */
            r->err = 1;
        for (unsigned i = 0; i < n && rd_ok(r); i++)
            len = len << 8 | rd_u8(r);
    } else {
        len = l;
    }
    *tag = t;
    if (!rd_ok(r)) {
        struct rd bad = {r->p, r->p, 1};
        return bad;
    }
    return rd_sub(r, len);
}

/* Reads one element that must carry tag want; its contents, or an empty reader with err. */
static struct rd der_expect(struct rd *r, uint8_t want)
{
    uint8_t t;
    struct rd c = der_elem(r, &t);
    if (rd_ok(&c) && t != want) {
        c.err = 1;
        r->err = 1;
    }
    return c;
}

/* The INTEGER element at r (at most 8 content bytes, sign-extended); 0 and err otherwise. */
static int64_t der_int(struct rd *r)
{
    struct rd c = der_expect(r, DER_INT);
    size_t n = rd_left(&c);
    if (!rd_ok(&c) || n == 0 || n > 8) {
        r->err = 1;
        return 0;
    }
    uint64_t v = (rd_peek(&c, 0) & 0x80) ? ~(uint64_t)0 : 0;
    while (rd_left(&c))
        v = v << 8 | rd_u8(&c);
    return (int64_t)v;
}

/* Copies n bytes of a string element into out (cap bytes), NUL-terminated; NULs become '?'. */
static size_t str_put(char *out, size_t cap, size_t at, const uint8_t *p, size_t n)
{
    if (at >= cap)
        return at;
    size_t room = cap - 1 - at;
    size_t k = n < room ? n : room;
    for (size_t i = 0; i < k; i++)
        out[at + i] = p[i] ? (char)p[i] : '?';
    out[at + k] = '\0';
    return at + k;
}

/* Reads a KerberosString (any string tag) element into out; 0 on success. */
static int der_string(struct rd *r, char *out, size_t cap)
{
    uint8_t t;
    struct rd c = der_elem(r, &t);
    if (!rd_ok(&c) || (t & 0x20)) /* strings are primitive */
        return -1;
    size_t n = rd_left(&c);
    const uint8_t *p = rd_bytes(&c, n);
    out[0] = '\0';
    str_put(out, cap, 0, p, n);
    return 0;
}

/* Reads a PrincipalName SEQUENCE (the contents reader pn) as "a/b/c" into out; 0 on success. */
static int der_principal(struct rd pn, char *out, size_t cap)
{
    struct rd seq = der_expect(&pn, DER_SEQ);
    size_t at = 0;
    out[0] = '\0';
    while (rd_ok(&seq) && rd_left(&seq)) {
        uint8_t t;
        struct rd f = der_elem(&seq, &t);
        if (t != DER_CTX(1))
            continue; /* [0] name-type */
        struct rd names = der_expect(&f, DER_SEQ);
        for (int i = 0; i < KRB_MAX_ELEMS && rd_ok(&names) && rd_left(&names); i++) {
            char part[KRB_NAME_MAX];
            if (der_string(&names, part, sizeof(part)) < 0)
                return -1;
            if (i > 0)
                at = str_put(out, cap, at, (const uint8_t *)"/", 1);
            at = str_put(out, cap, at, (const uint8_t *)part, strlen(part));
        }
        return rd_ok(&names) ? 0 : -1;
    }
    return -1;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* Parses the two-digit field at s; -1 if not digits. */
static int two_digits(const uint8_t *s)
{
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
        return -1;
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* KerberosTime (GeneralizedTime "YYYYMMDDHHMMSSZ") element → microseconds since the epoch; 0 on success. */
static int der_time(struct rd *r, int64_t *out)
{
    struct rd c = der_expect(r, DER_GENTIME);
    size_t n = rd_left(&c);
    const uint8_t *s = rd_bytes(&c, n);
    if (!s || n < 15 || s[n - 1] != 'Z')
        return -1;
    int cy = two_digits(s), yy = two_digits(s + 2), mo = two_digits(s + 4), d = two_digits(s + 6);
    int h = two_digits(s + 8), mi = two_digits(s + 10), se = two_digits(s + 12);
    if (cy < 0 || yy < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 ||
        mi > 59 || se < 0 || se > 60)
        return -1;
    int64_t days = days_from_civil(cy * 100 + yy, (unsigned)mo, (unsigned)d);
    *out = ((days * 24 + h) * 60 + mi) * 60 * 1000000LL + (int64_t)se * 1000000LL;
    return 0;
}

/* ---- names ---- */

const char *krb_etype_name(int32_t etype)
{
    switch (etype) {
    case 1: return "des-cbc-crc";
    case 2: return "des-cbc-md4";
    case 3: return "des-cbc-md5";
    case 5: return "des3-cbc-md5";
    case 7: return "des3-cbc-sha1";
    case 9: return "dsaWithSHA1-CmsOID";
    case 10: return "md5WithRSAEncryption-CmsOID";
    case 11: return "sha1WithRSAEncryption-CmsOID";
    case 12: return "rc2CBC-EnvOID";
    case 13: return "rsaEncryption-EnvOID";
    case 14: return "rsaES-OAEP-ENV-OID";
    case 15: return "des-ede3-cbc-Env-OID";
    case 16: return "des3-cbc-sha1-kd";
    case 17: return "aes128-cts-hmac-sha1-96";
    case 18: return "aes256-cts-hmac-sha1-96";
    case 19: return "aes128-cts-hmac-sha256-128";
    case 20: return "aes256-cts-hmac-sha384-192";
    case 23: return "rc4-hmac";
    case 24: return "rc4-hmac-exp";
    case 25: return "camellia128-cts-cmac";
    case 26: return "camellia256-cts-cmac";
    case 65: return "subkey-keymaterial";
    case -128: return "rc4-hmac-old";
    case -133: return "rc4-hmac-old-exp";
    case -135: return "rc4-hmac-md5";
    default: return NULL;
    }
}

static const char *const krb_errors[] = {
    [0] = "KDC_ERR_NONE",
    [1] = "KDC_ERR_NAME_EXP",
    [2] = "KDC_ERR_SERVICE_EXP",
    [3] = "KDC_ERR_BAD_PVNO",
    [4] = "KDC_ERR_C_OLD_MAST_KVNO",
    [5] = "KDC_ERR_S_OLD_MAST_KVNO",
    [6] = "KDC_ERR_C_PRINCIPAL_UNKNOWN",
    [7] = "KDC_ERR_S_PRINCIPAL_UNKNOWN",
    [8] = "KDC_ERR_PRINCIPAL_NOT_UNIQUE",
    [9] = "KDC_ERR_NULL_KEY",
    [10] = "KDC_ERR_CANNOT_POSTDATE",
    [11] = "KDC_ERR_NEVER_VALID",
    [12] = "KDC_ERR_POLICY",
    [13] = "KDC_ERR_BADOPTION",
    [14] = "KDC_ERR_ETYPE_NOSUPP",
    [15] = "KDC_ERR_SUMTYPE_NOSUPP",
    [16] = "KDC_ERR_PADATA_TYPE_NOSUPP",
    [17] = "KDC_ERR_TRTYPE_NOSUPP",
    [18] = "KDC_ERR_CLIENT_REVOKED",
    [19] = "KDC_ERR_SERVICE_REVOKED",
    [20] = "KDC_ERR_TGT_REVOKED",
    [21] = "KDC_ERR_CLIENT_NOTYET",
    [22] = "KDC_ERR_SERVICE_NOTYET",
    [23] = "KDC_ERR_KEY_EXPIRED",
    [24] = "KDC_ERR_PREAUTH_FAILED",
    [25] = "KDC_ERR_PREAUTH_REQUIRED",
    [26] = "KDC_ERR_SERVER_NOMATCH",
    [27] = "KDC_ERR_MUST_USE_USER2USER",
    [28] = "KDC_ERR_PATH_NOT_ACCEPTED",
    [29] = "KDC_ERR_SVC_UNAVAILABLE",
    [31] = "KRB_AP_ERR_BAD_INTEGRITY",
    [32] = "KRB_AP_ERR_TKT_EXPIRED",
    [33] = "KRB_AP_ERR_TKT_NYV",
    [34] = "KRB_AP_ERR_REPEAT",
    [35] = "KRB_AP_ERR_NOT_US",
    [36] = "KRB_AP_ERR_BADMATCH",
    [37] = "KRB_AP_ERR_SKEW",
    [38] = "KRB_AP_ERR_BADADDR",
    [39] = "KRB_AP_ERR_BADVERSION",
    [40] = "KRB_AP_ERR_MSG_TYPE",
    [41] = "KRB_AP_ERR_MODIFIED",
    [42] = "KRB_AP_ERR_BADORDER",
    [44] = "KRB_AP_ERR_BADKEYVER",
    [45] = "KRB_AP_ERR_NOKEY",
    [46] = "KRB_AP_ERR_MUT_FAIL",
    [47] = "KRB_AP_ERR_BADDIRECTION",
    [48] = "KRB_AP_ERR_METHOD",
    [49] = "KRB_AP_ERR_BADSEQ",
    [50] = "KRB_AP_ERR_INAPP_CKSUM",
    [51] = "KRB_AP_PATH_NOT_ACCEPTED",
    [52] = "KRB_ERR_RESPONSE_TOO_BIG",
    [60] = "KRB_ERR_GENERIC",
    [61] = "KRB_ERR_FIELD_TOOLONG",
    [62] = "KDC_ERROR_CLIENT_NOT_TRUSTED",
    [63] = "KDC_ERROR_KDC_NOT_TRUSTED",
    [64] = "KDC_ERROR_INVALID_SIG",
    [65] = "KDC_ERR_KEY_TOO_WEAK",
    [66] = "KDC_ERR_CERTIFICATE_MISMATCH",
    [67] = "KRB_AP_ERR_NO_TGT",
    [68] = "KDC_ERR_WRONG_REALM",
    [69] = "KRB_AP_ERR_USER_TO_USER_REQUIRED",
    [70] = "KDC_ERR_CANT_VERIFY_CERTIFICATE",
    [71] = "KDC_ERR_INVALID_CERTIFICATE",
    [72] = "KDC_ERR_REVOKED_CERTIFICATE",
    [73] = "KDC_ERR_REVOCATION_STATUS_UNKNOWN",
    [74] = "KDC_ERR_REVOCATION_STATUS_UNAVAILABLE",
    [75] = "KDC_ERR_CLIENT_NAME_MISMATCH",
    [76] = "KDC_ERR_KDC_NAME_MISMATCH",
    [90] = "KDC_ERR_PREAUTH_EXPIRED",                /* RFC 6113 */
    [91] = "KDC_ERR_MORE_PREAUTH_DATA_REQUIRED",
    [92] = "KDC_ERR_PREAUTH_BAD_AUTHENTICATION_SET",
    [93] = "KDC_ERR_UNKNOWN_CRITICAL_FAST_OPTIONS",
};

const char *krb_error_name(int32_t code)
{
    if (code < 0 || (size_t)code >= sizeof(krb_errors) / sizeof(krb_errors[0]))
        return NULL;
    return krb_errors[code];
}

/* ---- message parsing ---- */

/* What one parsed message contributes; strings "" when absent. */
struct krb_msg {
    int type;               /* KRB_AS_REQ, ... */
    struct krb_event ev;    /* request fields, or the response's own */
    char cname[KRB_NAME_MAX];  /* reply/error cname */
    char crealm[KRB_NAME_MAX]; /* reply/error crealm */
};

/* "name@realm" into out; "" if name is empty. */
static void principal_join(char *out, const char *name, const char *realm)
{
    out[0] = '\0';
    if (!name[0])
        return;
    size_t at = str_put(out, KRB_NAME_MAX, 0, (const uint8_t *)name, strlen(name));
    if (realm[0]) {
        at = str_put(out, KRB_NAME_MAX, at, (const uint8_t *)"@", 1);
        str_put(out, KRB_NAME_MAX, at, (const uint8_t *)realm, strlen(realm));
    }
}

/* KDC-REQ-BODY contents (section 5.4.1); 0 or -1. */
static int parse_req_body(struct rd body, struct krb_msg *m)
{
    struct krb_event *e = &m->ev;
    char cname[KRB_NAME_MAX] = "";
    struct rd seq = der_expect(&body, DER_SEQ);
    while (rd_ok(&seq) && rd_left(&seq)) {
        uint8_t t;
        struct rd f = der_elem(&seq, &t);
        if (!rd_ok(&f))
            return -1;
        switch (t) {
        case DER_CTX(0): { /* kdc-options BIT STRING: unused-bits byte, then bits 0.. MSB first */
            struct rd bs = der_expect(&f, DER_BITSTR);
            rd_skip(&bs, 1);
            uint8_t b0 = rd_u8(&bs), b1 = rd_u8(&bs);
            if (rd_ok(&bs)) {
                e->has_options = 1;
                e->forwardable = !!(b0 & 0x40); /* bit 1 */
                e->renewable = !!(b1 & 0x80);   /* bit 8 */
            }
            break;
        }
        case DER_CTX(1):
            if (der_principal(f, cname, sizeof(cname)) < 0)
                return -1;
            break;
        case DER_CTX(2):
            if (der_string(&f, e->realm, sizeof(e->realm)) < 0)
                return -1;
            break;
        case DER_CTX(3):
            if (der_principal(f, e->service, sizeof(e->service)) < 0)
                return -1;
            break;
        case DER_CTX(4):
            e->has_from = der_time(&f, &e->from) == 0;
            break;
        case DER_CTX(5):
            e->has_till = der_time(&f, &e->till) == 0;
            break;
        case DER_CTX(8): {
            struct rd et = der_expect(&f, DER_SEQ);
            for (int i = 0; i < KRB_MAX_ELEMS && rd_ok(&et) && rd_left(&et); i++) {
                int64_t v = der_int(&et);
                if (rd_ok(&et) && e->n_req_etypes < KRB_REQ_ETYPES_MAX && v >= INT32_MIN &&
                    v <= INT32_MAX)
                    e->req_etypes[e->n_req_etypes++] = (int32_t)v;
            }
            break;
        }
        default:
            break; /* rtime, nonce, addresses, authorization data, tickets */
        }
    }
    if (!rd_ok(&seq))
        return -1;
    if (m->type == KRB_AS_REQ)
        principal_join(e->client, cname, e->realm);
    return 0;
}

/* KDC-REQ SEQUENCE contents (section 5.4.1); 0 or -1. */
static int parse_kdc_req(struct rd seq, struct krb_msg *m)
{
    int have_body = 0;
    m->ev.request_type = m->type == KRB_AS_REQ ? "AS" : "TGS";
    if (m->type == KRB_AS_REQ) {
        m->ev.has_preauth = 1;
        m->ev.preauth = 0;
    }
    while (rd_ok(&seq) && rd_left(&seq)) {
        uint8_t t;
        struct rd f = der_elem(&seq, &t);
        if (!rd_ok(&f))
            return -1;
        if (t == DER_CTX(3)) { /* padata SEQUENCE OF PA-DATA */
            struct rd pas = der_expect(&f, DER_SEQ);
            for (int i = 0; i < KRB_MAX_ELEMS && rd_ok(&pas) && rd_left(&pas); i++) {
                struct rd pa = der_expect(&pas, DER_SEQ);
                uint8_t pt;
                struct rd typ = der_elem(&pa, &pt);
                if (rd_ok(&typ) && pt == DER_CTX(1) && der_int(&typ) == 2 && rd_ok(&typ))
                    m->ev.preauth = 1; /* PA-ENC-TIMESTAMP */
            }
        } else if (t == DER_CTX(4)) {
            if (parse_req_body(f, m) < 0)
                return -1;
            have_body = 1;
        }
    }
    return rd_ok(&seq) && have_body ? 0 : -1;
}

/* Ticket ([APPLICATION 1] SEQUENCE) element at r: its enc-part etype into m; 0 or -1. */
static int parse_ticket(struct rd *r, struct krb_msg *m)
{
    struct rd app = der_expect(r, DER_APP(1));
    struct rd seq = der_expect(&app, DER_SEQ);
    while (rd_ok(&seq) && rd_left(&seq)) {
        uint8_t t;
        struct rd f = der_elem(&seq, &t);
        if (t == DER_CTX(3)) { /* enc-part EncryptedData */
            struct rd ed = der_expect(&f, DER_SEQ);
            uint8_t et;
            struct rd etf = der_elem(&ed, &et);
            if (et != DER_CTX(0))
                return -1;
            int64_t v = der_int(&etf);
            if (!rd_ok(&etf) || v < INT32_MIN || v > INT32_MAX)
                return -1;
            m->ev.has_cipher = 1;
            m->ev.cipher = (int32_t)v;
            return 0;
        }
    }
    return -1;
}

/* KDC-REP SEQUENCE contents (section 5.4.2); 0 or -1. */
static int parse_kdc_rep(struct rd seq, struct krb_msg *m)
{
    while (rd_ok(&seq) && rd_left(&seq)) {
        uint8_t t;
        struct rd f = der_elem(&seq, &t);
        if (!rd_ok(&f))
            return -1;
        if (t == DER_CTX(3)) {
            if (der_string(&f, m->crealm, sizeof(m->crealm)) < 0)
                return -1;
        } else if (t == DER_CTX(4)) {
            if (der_principal(f, m->cname, sizeof(m->cname)) < 0)
                return -1;
        } else if (t == DER_CTX(5)) {
            if (parse_ticket(&f, m) < 0)
                return -1;
        }
    }
    if (!rd_ok(&seq))
        return -1;
    m->ev.has_success = 1;
    m->ev.success = 1;
    return 0;
}

/* KRB-ERROR SEQUENCE contents (section 5.9.1); 0 or -1. */
static int parse_error(struct rd seq, struct krb_msg *m)
{
    int have_code = 0;
    while (rd_ok(&seq) && rd_left(&seq)) {
        uint8_t t;
        struct rd f = der_elem(&seq, &t);
        if (!rd_ok(&f))
            return -1;
        switch (t) {
        case DER_CTX(6): {
            int64_t v = der_int(&f);
            if (!rd_ok(&f) || v < INT32_MIN || v > INT32_MAX)
                return -1;
            m->ev.error_code = (int32_t)v;
            have_code = 1;
            break;
        }
        case DER_CTX(7):
            if (der_string(&f, m->crealm, sizeof(m->crealm)) < 0)
                return -1;
            break;
        case DER_CTX(8):
            if (der_principal(f, m->cname, sizeof(m->cname)) < 0)
                return -1;
            break;
        case DER_CTX(9):
            if (der_string(&f, m->ev.realm, sizeof(m->ev.realm)) < 0)
                return -1;
            break;
        case DER_CTX(10):
            if (der_principal(f, m->ev.service, sizeof(m->ev.service)) < 0)
                return -1;
            break;
        default:
            break; /* times, e-text, e-data */
        }
    }
    if (!rd_ok(&seq) || !have_code)
        return -1;
    m->ev.has_error = 1;
    m->ev.error_msg = krb_error_name(m->ev.error_code);
    m->ev.has_success = 1;
    m->ev.success = 0;
    return 0;
}

/*
 * Parses one whole KDC message (borrowed bytes) into m. Returns 0, or -1 if
 * it is not a well-formed AS/TGS request, reply or error.
 */
static int krb_parse(const uint8_t *data, size_t len, struct krb_msg *m)
{
    memset(m, 0, sizeof(*m));
    struct rd r = rd_make(data, len);
    uint8_t t;
    struct rd app = der_elem(&r, &t);
    if (!rd_ok(&r))
        return -1;
    struct rd seq = der_expect(&app, DER_SEQ);
    if (!rd_ok(&app))
        return -1;
    switch (t) {
    case DER_APP(KRB_AS_REQ):
    case DER_APP(KRB_TGS_REQ):
        m->type = t & 0x1f;
        return parse_kdc_req(seq, m);
    case DER_APP(KRB_AS_REP):
    case DER_APP(KRB_TGS_REP):
        m->type = t & 0x1f;
        return parse_kdc_rep(seq, m);
    case DER_APP(KRB_ERROR):
        m->type = KRB_ERROR;
        return parse_error(seq, m);
    default:
        return -1;
    }
}

/* AP-REQ ([APPLICATION 14] SEQUENCE) element at r: its ticket's sname and realm. */
static int parse_ap_req(struct rd *r, char *service, size_t scap, char *realm, size_t rcap)
{
    struct rd app = der_expect(r, DER_APP(14));
    struct rd seq = der_expect(&app, DER_SEQ);
    while (rd_ok(&seq) && rd_left(&seq)) {
        uint8_t t;
        struct rd f = der_elem(&seq, &t);
        if (t != DER_CTX(3))
            continue;
        struct rd tapp = der_expect(&f, DER_APP(1)); /* Ticket */
        struct rd tseq = der_expect(&tapp, DER_SEQ);
        int got = 0;
        while (rd_ok(&tseq) && rd_left(&tseq)) {
            uint8_t tt;
            struct rd tf = der_elem(&tseq, &tt);
            if (tt == DER_CTX(1) && der_string(&tf, realm, rcap) == 0)
                got |= 1;
            else if (tt == DER_CTX(2) && der_principal(tf, service, scap) == 0)
                got |= 2;
        }
        return got == 3 ? 0 : -1;
    }
    return -1;
}

int krb_gss_ap_req(const uint8_t *blob, size_t len, char *service, size_t service_cap,
                   char *realm, size_t realm_cap)
{
    /* DER of OID 1.2.840.113554.1.2.2 (krb5) and 1.2.840.48018.1.2.2 (Microsoft's krb5) */
    static const uint8_t oid_krb5[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
                                       0x12, 0x01, 0x02, 0x02};
    static const uint8_t oid_mskrb5[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x82, 0xf7,
                                         0x12, 0x01, 0x02, 0x02};
    const size_t olen = sizeof(oid_krb5);
    if (service_cap == 0 || realm_cap == 0)
        return -1;
    service[0] = realm[0] = '\0';
    struct rd r = rd_make(blob, len);
    /* the OID followed by TOK_ID 01 00 and the AP-REQ tag, anywhere in the blob */
    while (rd_left(&r) >= olen + 3) {
        const uint8_t *p = r.p;
        if ((memcmp(p, oid_krb5, olen) == 0 || memcmp(p, oid_mskrb5, olen) == 0)) {
            struct rd t = rd_make(p + olen, rd_left(&r) - olen);
            if (rd_u8(&t) == 0x01 && rd_u8(&t) == 0x00 && rd_peek(&t, 0) == DER_APP(14))
                return parse_ap_req(&t, service, service_cap, realm, realm_cap);
        }
        rd_skip(&r, 1);
    }
    return -1;
}

/* ---- probing ---- */

/*
 * Does data start like a KDC message: an application tag of AS/TGS
 * request, reply or KRB-ERROR, a DER length, a SEQUENCE, and pvno 5 as the
 * first field ([1] in requests, [0] in replies and errors)?
 * *total receives the element's full length.
 */
static enum probe_result probe_msg(const uint8_t *data, size_t len, size_t *total)
{
    struct rd r = rd_make(data, len);
    uint8_t t = rd_u8(&r);
    if (!rd_ok(&r))
        return PROBE_MORE;
    if (t != DER_APP(KRB_AS_REQ) && t != DER_APP(KRB_AS_REP) && t != DER_APP(KRB_TGS_REQ) &&
        t != DER_APP(KRB_TGS_REP) && t != DER_APP(KRB_ERROR))
        return PROBE_NO;
    uint8_t l = rd_u8(&r);
    size_t clen = 0;
    if (l >= 0x80) {
        unsigned n = l & 0x7fu;
        if (n == 0 || n > 3)
            return rd_ok(&r) ? PROBE_NO : PROBE_MORE;
        for (unsigned i = 0; i < n; i++)
            clen = clen << 8 | rd_u8(&r);
    } else {
        clen = l;
    }
    if (!rd_ok(&r))
        return PROBE_MORE;
    *total = (size_t)(r.p - data) + clen;
    /* SEQUENCE header, then [0]/[1] { INTEGER 5 } */
    uint8_t s = rd_u8(&r);
    if (rd_ok(&r) && s != DER_SEQ)
        return PROBE_NO;
    uint8_t sl = rd_u8(&r);
    if (rd_ok(&r) && sl >= 0x80) {
        unsigned n = sl & 0x7fu;
        if (n == 0 || n > 3)
            return PROBE_NO;
        rd_skip(&r, n);
    }
    static const uint8_t pvno_req[] = {0xa1, 0x03, 0x02, 0x01, 0x05};
    static const uint8_t pvno_rep[] = {0xa0, 0x03, 0x02, 0x01, 0x05};
    const uint8_t *want = (t == DER_APP(KRB_AS_REQ) || t == DER_APP(KRB_TGS_REQ)) ? pvno_req
                                                                                   : pvno_rep;
    for (size_t i = 0; i < sizeof(pvno_req); i++) {
        uint8_t b = rd_u8(&r);
        if (!rd_ok(&r))
            return PROBE_MORE;
        if (b != want[i])
            return PROBE_NO;
    }
    return PROBE_YES;
}

/*
 * UDP: the datagram is exactly one message. TCP: a 4-byte length (high bit
 * clear) then exactly that many bytes of one message. Both are tried, the
 * datagram form first; app.c asks only the parsers of the flow's transport.
 */
static enum probe_result krb_probe(const uint8_t *data, size_t len, int dir)
{
    (void)dir;
    size_t total = 0;
    if (len && data[0] != 0) {
        enum probe_result p = probe_msg(data, len, &total);
        if (p == PROBE_YES && total != len)
            return total > len ? PROBE_MORE : PROBE_NO;
        return p;
    }
    struct rd r = rd_make(data, len);
    uint32_t rec = rd_be32(&r);
    if (!rd_ok(&r))
        return PROBE_MORE;
    if (rec & 0x80000000u || rec < 16 || rec > KRB_MSG_MAX * 16)
        return PROBE_NO;
    enum probe_result p = probe_msg(r.p, rd_left(&r), &total);
    if (p == PROBE_YES && total != rec)
        return PROBE_NO;
    return p;
}

/* ---- per-connection state ---- */

struct krb_pending {
    struct krb_event ev; /* the request's fields */
    int64_t ts;
};

struct krb_tcp_dir {
    uint8_t hdr[4];
    size_t hdr_len;
    size_t need;   /* length of the message being collected */
    size_t len;    /* bytes of it in buf */
    size_t skip;   /* bytes of an oversized message still to discard */
    uint8_t *buf;  /* KRB_MSG_MAX at most, allocated on first use */
    size_t cap;
    int dead;      /* framing lost: ignore the rest of this direction */
};

struct krb_state {
    int tcp;
    struct krb_pending *pend[KRB_PENDING_MAX]; /* oldest first */
    size_t n_pend;
    uint64_t malformed; /* messages that looked like Kerberos but did not parse */
    struct krb_tcp_dir d[2];
};

static void krb_fields_json(const struct event *ev, struct jbuf *jb)
{
    const struct krb_event *e = ev->body;
    if (e->request_type)
        jb_kstr(jb, "request_type", e->request_type);
    if (e->client[0])
        jb_kstr(jb, "client", e->client);
    if (e->service[0])
        jb_kstr(jb, "service", e->service);
    if (e->realm[0])
        jb_kstr(jb, "realm", e->realm);
    if (e->has_success)
        jb_kbool(jb, "success", e->success);
    if (e->has_error) {
        jb_ki64(jb, "error_code", e->error_code);
        if (e->error_msg)
            jb_kstr(jb, "error_msg", e->error_msg);
    }
    if (e->has_cipher) {
        const char *c = krb_etype_name(e->cipher);
        if (c)
            jb_kstr(jb, "cipher", c);
        else
            jb_ki64(jb, "cipher", e->cipher);
    }
    if (e->has_from)
        jb_kts(jb, "from", e->from);
    if (e->has_till)
        jb_kts(jb, "till", e->till);
    if (e->has_options) {
        jb_kbool(jb, "forwardable", e->forwardable);
        jb_kbool(jb, "renewable", e->renewable);
    }
    if (e->n_req_etypes) {
        jb_key(jb, "request_ciphers");
        jb_arr_open(jb);
        for (size_t i = 0; i < e->n_req_etypes; i++) {
            const char *c = krb_etype_name(e->req_etypes[i]);
            if (c)
                jb_str(jb, c);
            else
                jb_i64(jb, e->req_etypes[i]);
        }
        jb_arr_close(jb);
    }
    if (e->has_preauth)
        jb_kbool(jb, "preauth", e->preauth);
}

/* Emits ev with the time ts (the request's, as Zeek). */
static void emit_at(struct app_ctx *ctx, const struct krb_event *ev, int64_t ts)
{
    struct app_ctx c = *ctx;
    c.ts = ts;
    app_emit(&c, EV_KERBEROS, ev, krb_fields_json);
}

static void emit_oldest(struct krb_state *st, struct app_ctx *ctx)
{
    struct krb_pending *p = st->pend[0];
    emit_at(ctx, &p->ev, p->ts);
    free(p);
    memmove(st->pend, st->pend + 1, (st->n_pend - 1) * sizeof(st->pend[0]));
    st->n_pend--;
}

/* Merges a reply or error into the oldest waiting request (or emits it alone). */
static void on_response(struct krb_state *st, struct app_ctx *ctx, struct krb_msg *m)
{
    struct krb_event *rsp = &m->ev;
    char who[KRB_NAME_MAX];
    principal_join(who, m->cname, m->crealm);
    if (!st->n_pend) {
        memcpy(rsp->client, who, sizeof(who));
        emit_at(ctx, rsp, ctx->ts);
        return;
    }
    struct krb_pending *p = st->pend[0];
    struct krb_event *e = &p->ev;
    if (!e->client[0])
        memcpy(e->client, who, sizeof(who));
    if (!e->service[0])
        memcpy(e->service, rsp->service, sizeof(e->service));
    if (!e->realm[0])
        memcpy(e->realm, rsp->realm, sizeof(e->realm));
    e->has_success = rsp->has_success;
    e->success = rsp->success;
    e->has_error = rsp->has_error;
    e->error_code = rsp->error_code;
    e->error_msg = rsp->error_msg;
    e->has_cipher = rsp->has_cipher;
    e->cipher = rsp->cipher;
    emit_oldest(st, ctx);
}

/* One whole message (borrowed) of dir. */
static void krb_message(struct krb_state *st, struct app_ctx *ctx, const uint8_t *data,
                        size_t len)
{
    struct krb_msg m;
    if (krb_parse(data, len, &m) < 0) {
        st->malformed++;
        return;
    }
    if (m.type == KRB_AS_REQ || m.type == KRB_TGS_REQ) {
        if (st->n_pend == KRB_PENDING_MAX)
            emit_oldest(st, ctx);
        struct krb_pending *p = xmalloc(sizeof(*p));
        p->ev = m.ev;
        p->ts = ctx->ts;
        st->pend[st->n_pend++] = p;
    } else {
        on_response(st, ctx, &m);
    }
}

static void *krb_new(struct app_ctx *ctx)
{
    struct krb_state *st = xcalloc(1, sizeof(*st));
    st->tcp = ctx->flow && ctx->flow->proto == IPPROTO_TCP_;
    return st;
}

/* TCP: collects length-prefixed messages of one direction across segments. */
static int krb_tcp_data(struct krb_state *st, struct app_ctx *ctx, int dir, const uint8_t *data,
                        size_t len)
{
    struct krb_tcp_dir *d = &st->d[dir];
    struct rd r = rd_make(data, len);
    while (rd_left(&r) && !d->dead) {
        if (d->skip) {
            size_t k = d->skip < rd_left(&r) ? d->skip : rd_left(&r);
            rd_skip(&r, k);
            d->skip -= k;
            continue;
        }
        if (d->hdr_len < 4) {
            d->hdr[d->hdr_len++] = rd_u8(&r);
            if (d->hdr_len < 4)
                continue;
            struct rd h = rd_make(d->hdr, 4);
            uint32_t n = rd_be32(&h);
            if (n & 0x80000000u || n == 0) { /* extension negotiation or nonsense */
                d->dead = 1;
                break;
            }
            if (n > KRB_MSG_MAX) {
                d->skip = n;
                d->hdr_len = 0;
                continue;
            }
            d->need = n;
            d->len = 0;
            continue; /* the loop checks that bytes remain */
        }
        /* the whole message in this chunk and nothing buffered: parse in place */
        if (d->len == 0 && rd_left(&r) >= d->need) {
            const uint8_t *p = rd_bytes(&r, d->need);
            krb_message(st, ctx, p, d->need);
            d->hdr_len = 0;
            continue;
        }
        size_t k = d->need - d->len;
        if (k > rd_left(&r))
            k = rd_left(&r);
        if (d->cap < d->len + k) { /* grows with what arrived, not with what is announced */
            size_t cap = d->cap ? d->cap : 2048;
            while (cap < d->len + k)
                cap *= 2;
            if (cap > d->need)
                cap = d->need;
            d->buf = xrealloc(d->buf, cap);
            d->cap = cap;
        }
        if (k) {
            memcpy(d->buf + d->len, rd_bytes(&r, k), k);
            d->len += k;
        }
        if (d->len == d->need) {
            krb_message(st, ctx, d->buf, d->len);
            d->hdr_len = 0;
            d->len = 0;
        }
    }
    return d->dead ? PROTO_DONE_DIR : PROTO_CONTINUE;
}

static int krb_data(void *vst, struct app_ctx *ctx, int dir, const uint8_t *data, size_t len)
{
    struct krb_state *st = vst;
    if (st->tcp)
        return krb_tcp_data(st, ctx, dir, data, len);
    krb_message(st, ctx, data, len);
    return PROTO_CONTINUE;
}

static void krb_gap(void *vst, struct app_ctx *ctx, int dir, uint64_t len)
{
    (void)ctx;
    (void)len;
    struct krb_state *st = vst;
    st->d[dir].dead = 1; /* no resynchronisation: KDC connections carry one or two messages */
}

static void krb_end(void *vst, struct app_ctx *ctx)
{
    struct krb_state *st = vst;
    while (st->n_pend)
        emit_oldest(st, ctx);
    free(st->d[0].buf);
    free(st->d[1].buf);
    free(st);
}

static const uint16_t krb_ports[] = {88, 0};

const struct proto_ops krb_proto = {
    .name = "krb",
    .id = PROTO_KRB,
    .transports = PT_TCP | PT_UDP,
    .ports = krb_ports,
    .probe = krb_probe,
    .state_new = krb_new,
    .data = krb_data,
    .gap = krb_gap,
    .end = krb_end,
};
