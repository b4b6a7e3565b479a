/*
 * summary: SMTP: commands matched to replies, STARTTLS hand-off, AUTH user, message headers, attachments
 *
 * References: RFC 5321 (commands, replies, section 4.5.2 dot-stuffing),
 * RFC 2920 (pipelining), RFC 3030 (BDAT), RFC 3207 (STARTTLS), RFC 4954
 * and RFC 4616 (AUTH, PLAIN), RFC 5322 (header fields, section 2.2.3
 * unfolding), RFC 2045/2046 (MIME, multipart boundaries), RFC 2047
 * (encoded words), RFC 2231 (parameter value continuations and charsets),
 * RFC 2183 (Content-Disposition). Field names follow Zeek's
 * base/protocols/smtp/main.zeek.
 *
 * Events (one "smtp" event per message, when the server answers its end
 * of data; one at a new MAIL FROM for a transaction that never finished;
 * and, at the end of a connection that carried no message, one for the
 * session, so STARTTLS-only and AUTH-only sessions are seen too):
 *   trans_depth      1, 2, ... per message in the connection      Zeek: trans_depth
 *   helo             HELO/EHLO argument                           Zeek: helo
 *   mailfrom         MAIL FROM address without <> and parameters  Zeek: mailfrom
 *   rcptto           RCPT TO addresses (distinct, first 100)      Zeek: rcptto
 *   date, from, reply_to, msg_id, in_reply_to   header values     Zeek: same names
 *   to, cc           header addresses split at commas (first 100) Zeek: to, cc
 *   subject          Subject, RFC 2047 words decoded to UTF-8     Zeek: subject (raw there)
 *   x_originating_ip first address in X-Originating-IP            Zeek: x_originating_ip
 *   first_received, second_received   the last and the one before
 *                    last Received header, as Zeek keeps them     Zeek: same names
 *   last_reply       the server's last reply ("250 2.0.0 Ok")     Zeek: last_reply
 *   path             resp_h, orig_h, then the hops of Received    Zeek: path
 *   user_agent       X-Mailer, User-Agent or X-User-Agent         Zeek: user_agent
 *   tls              STARTTLS accepted (220): TLS follows         Zeek: tls
 *   is_webmail       user agent of a known webmail                Zeek: is_webmail
 *   (vigil) rcpt_count, rcpt_rejected   RCPT commands, refused ones
 *   (vigil) to_count, cc_count          addresses in To/Cc, not capped
 *   (vigil) auth_mech, auth_user, auth_success   AUTH mechanism, the user
 *            named in PLAIN/LOGIN/CRAM-MD5/XOAUTH2/OAUTHBEARER (bounded
 *            base64 decoding; the password is never kept), 235 or not
 *   (vigil) subject_raw      the Subject as written (unfolded)
 *   (vigil) attachment_count, attachment_names, attachment_types
 *            parts with a file name (Content-Disposition filename, RFC
 *            2231 filename*, Content-Type name) or disposition attachment
 *   (vigil) has_message      message content was seen
 * Zeek's fuids is not written (files are not extracted from mail here).
 *
 * Bounds: lines are kept up to SMTP_LINE_MAX (the rest of a longer line is
 * dropped); a header is unfolded into at most SMTP_HDR_VALUE_MAX bytes;
 * at most SMTP_HDR_BLOCK_MAX header bytes are read per message and per
 * MIME part; all strings of a message share one SMTP_TEXT_MAX buffer;
 * lists keep SMTP_LIST_MAX entries; MIME nesting is followed
 * SMTP_MIME_DEPTH deep; at most SMTP_PENDING_MAX pipelined commands wait
 * for replies; RFC 2047 decoding stops after SMTP_WORDS_MAX encoded words
 * per header.
 */
#include "proto/smtp.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "flow/flow.h"
#include "proto/proto.h"
#include "util/addr.h"
#include "util/json.h"
#include "util/log.h"
#include "util/rd.h"

#define SMTP_MIME_DEPTH 8
#define SMTP_BOUNDARY_MAX 200 /* RFC 2046 allows 70; tolerate more, refuse the absurd */
#define SMTP_PENDING_MAX 64
#define SMTP_WORDS_MAX 64
#define SMTP_REPLY_MAX 512
#define SMTP_SMALL_MAX 256  /* helo, auth user */
#define SMTP_NAME_MAX 1024  /* an attachment name */
#define SMTP_CTYPE_MAX 128
#define SMTP_SASL_MAX 1024  /* decoded SASL response */
#define NO_STR UINT32_MAX

/* ---- small text helpers (all length-bounded) ---- */

static char lc(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/* n bytes at s equal the literal lit, ignoring ASCII case. */
static int ci_eq(const char *s, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    return n == m && strncasecmp(s, lit, m) == 0;
}

static int ci_prefix(const char *s, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    return n >= m && strncasecmp(s, lit, m) == 0;
}

/* Does s[0..n) contain lit, ignoring ASCII case? */
static int ci_contains(const char *s, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    for (size_t i = 0; i + m <= n; i++)
        if (strncasecmp(s + i, lit, m) == 0)
            return 1;
    return 0;
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t';
}

static void trim(const char **s, size_t *n)
{
    while (*n && (is_ws(**s) || **s == '\r' || **s == '\n')) {
        (*s)++;
        (*n)--;
    }
    while (*n && (is_ws((*s)[*n - 1]) || (*s)[*n - 1] == '\r' || (*s)[*n - 1] == '\n'))
        (*n)--;
}

/* An output buffer of cap bytes (cap >= 1), always NUL-terminated. */
struct obuf {
    char *p;
    size_t len, cap;
};

/* Appends n bytes, cutting at a UTF-8 character boundary when full. */
static void ob_put(struct obuf *o, const void *src, size_t n)
{
    size_t room = o->cap - 1 - o->len;
    if (n > room) {
        n = room;
        const unsigned char *s = src;
        while (n && (s[n] & 0xc0) == 0x80)
            n--; /* do not split a multi-byte character */
    }
    memcpy(o->p + o->len, src, n);
    o->len += n;
    o->p[o->len] = '\0';
}

static void ob_char(struct obuf *o, char c)
{
    ob_put(o, &c, 1);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = lc(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* ---- base64 (RFC 4648), bounded ---- */

static int b64val(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/*
 * Decodes base64 text (whitespace ignored, decoding stops at '=') into out
 * (cap bytes). Returns the decoded length, or -1 if a byte is not base64
 * or out is too small.
 */
static long b64_decode(const char *in, size_t n, uint8_t *out, size_t cap)
    __attribute__((warn_unused_result));
static long b64_decode(const char *in, size_t n, uint8_t *out, size_t cap)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        if (is_ws(c) || c == '\r' || c == '\n')
            continue;
        if (c == '=')
            break;
        int v = b64val(c);
        if (v < 0)
            return -1;
        acc = (acc << 6 | (uint32_t)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= cap)
                return -1;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    return (long)o;
}

/* ---- charsets ---- */

/* Appends bytes in charset cs (NUL-terminated name) to o as UTF-8. p is scratch (modified). */
static void put_charset(struct obuf *o, const char *cs, char *p, size_t n)
{
    if (!cs[0] || strcasecmp(cs, "utf-8") == 0 || strcasecmp(cs, "utf8") == 0 ||
        strcasecmp(cs, "us-ascii") == 0 || strcasecmp(cs, "ascii") == 0) {
        ob_put(o, p, n);
        return;
    }
    if (strcasecmp(cs, "iso-8859-1") == 0 || strcasecmp(cs, "latin1") == 0) {
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)p[i];
            if (c < 0x80) {
                ob_char(o, (char)c);
            } else {
                char u[2] = {(char)(0xc0 | c >> 6), (char)(0x80 | (c & 0x3f))};
                ob_put(o, u, 2);
            }
        }
        return;
    }
    iconv_t cd = iconv_open("UTF-8", cs);
    if (cd == (iconv_t)-1) {
        ob_put(o, p, n); /* unknown charset: the bytes as they are */
        return;
    }
    char *in = p;
    size_t inleft = n;
    for (;;) {
        char *out = o->p + o->len;
        size_t room = o->cap - 1 - o->len;
        size_t before = room;
        size_t r = iconv(cd, inleft ? &in : NULL, inleft ? &inleft : NULL, &out, &room);
        o->len += before - room;
        o->p[o->len] = '\0';
        if (r != (size_t)-1) {
            if (!inleft)
                break;
            continue;
        }
        if (errno == E2BIG)
            break;
        /* EILSEQ / EINVAL: one bad byte becomes U+FFFD and decoding goes on */
        ob_put(o, "\xef\xbf\xbd", 3);
        if (!inleft)
            break;
        in++;
        inleft--;
    }
    /* the final shift sequence of a stateful charset (ISO-2022-JP) */
    char *out = o->p + o->len;
    size_t room = o->cap - 1 - o->len, before = room;
    (void)iconv(cd, NULL, NULL, &out, &room);
    o->len += before - room;
    o->p[o->len] = '\0';
    iconv_close(cd);
}

/* Copies a charset name (RFC 2047 token; an RFC 2231 "*lang" suffix dropped); -1 if unusable. */
static int charset_name(const char *s, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '*')
            break;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':'))
            return -1;
        if (k + 1 >= cap)
            return -1;
        out[k++] = c;
    }
    out[k] = '\0';
    return 0;
}

/* ---- RFC 2047 encoded words ---- */

struct eword {
    size_t len; /* bytes of "=?cs?e?text?=" */
    const char *cs;
    size_t cslen;
    char enc; /* 'B' or 'Q' */
    const char *text;
    size_t textlen;
};

/* Is there an encoded word at s[0..n)? */
static int eword_at(const char *s, size_t n, struct eword *w)
{
    if (n < 8 || s[0] != '=' || s[1] != '?')
        return 0;
    size_t i = 2;
    while (i < n && s[i] != '?' && i < 2 + 64)
        i++;
    if (i >= n || s[i] != '?' || i == 2)
        return 0;
    w->cs = s + 2;
    w->cslen = i - 2;
    if (i + 2 >= n || s[i + 2] != '?')
        return 0;
    char e = (char)(s[i + 1] & ~0x20);
    if (e != 'B' && e != 'Q')
        return 0;
    w->enc = e;
    size_t t = i + 3, j = t;
    while (j + 1 < n && !(s[j] == '?' && s[j + 1] == '='))
        if (s[j++] == ' ')
            return 0;
    if (j + 1 >= n)
        return 0;
    w->text = s + t;
    w->textlen = j - t;
    w->len = j + 2;
    return 1;
}

/* Decodes one encoded word's text into o (UTF-8). */
static void eword_put(struct obuf *o, const struct eword *w)
{
    char cs[48];
    char raw[1024];
    size_t n = 0;
    if (charset_name(w->cs, w->cslen, cs, sizeof(cs)) < 0)
        cs[0] = '\0';
    if (w->enc == 'B') {
        /* lenient: stop at the first byte that is not base64 */
        uint32_t acc = 0;
        int bits = 0;
        for (size_t i = 0; i < w->textlen && n < sizeof(raw); i++) {
            int v = b64val(w->text[i]);
            if (v < 0)
                break;
            acc = (acc << 6 | (uint32_t)v) & 0xffffff;
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                raw[n++] = (char)(acc >> bits);
            }
        }
    } else {
        for (size_t i = 0; i < w->textlen && n < sizeof(raw); i++) {
            char c = w->text[i];
            if (c == '_') {
                raw[n++] = ' ';
            } else if (c == '=' && i + 2 < w->textlen && hexval(w->text[i + 1]) >= 0 &&
                       hexval(w->text[i + 2]) >= 0) {
                raw[n++] = (char)(hexval(w->text[i + 1]) << 4 | hexval(w->text[i + 2]));
                i += 2;
            } else {
                raw[n++] = c;
            }
        }
    }
    put_charset(o, cs, raw, n);
}

/*
 * Writes the header value s[0..n) into o with RFC 2047 encoded words
 * decoded to UTF-8; whitespace between two adjacent encoded words is
 * dropped (section 6.2). Other bytes are copied as they are.
 */
static void decode_2047(const char *s, size_t n, struct obuf *o)
{
    if (!memmem(s, n, "=?", 2)) {
        ob_put(o, s, n); /* the common case: nothing encoded */
        return;
    }
    size_t i = 0;
    int prev_word = 0, words = 0;
    struct eword w;
    while (i < n) {
        if (s[i] == '=' && words < SMTP_WORDS_MAX && eword_at(s + i, n - i, &w)) {
            eword_put(o, &w);
            i += w.len;
            prev_word = 1;
            words++;
            continue;
        }
        if (is_ws(s[i]) || s[i] == '\r' || s[i] == '\n') {
            size_t j = i;
            while (j < n && (is_ws(s[j]) || s[j] == '\r' || s[j] == '\n'))
                j++;
            if (!(prev_word && j < n && words < SMTP_WORDS_MAX && eword_at(s + j, n - j, &w)))
                ob_put(o, s + i, j - i);
            i = j;
            continue;
        }
        size_t j = i + 1; /* a run of plain text up to the next '=' or blank */
        while (j < n && s[j] != '=' && !is_ws(s[j]) && s[j] != '\r' && s[j] != '\n')
            j++;
        ob_put(o, s + i, j - i);
        prev_word = 0;
        i = j;
    }
}

/* ---- MIME parameters (RFC 2045 section 5.1, RFC 2231) ---- */

/* The lowercased first token (type/subtype or disposition type) of a header value. */
static void mime_token(const char *v, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && v[i] != ';'; i++) {
        if (is_ws(v[i]) || v[i] == '\r' || v[i] == '\n')
            continue;
        if (k + 1 < cap)
            out[k++] = lc(v[i]);
    }
    out[k] = '\0';
}

#define PARAM_SEGS 16

struct pseg {
    const char *v; /* raw value (inside quotes if quoted) */
    size_t n;
    uint8_t quoted, ext, set;
};

/* Appends a value, undoing quoted-pair escapes when quoted. */
static void put_unquoted(struct obuf *o, const struct pseg *g)
{
    for (size_t i = 0; i < g->n; i++) {
        if (g->quoted && g->v[i] == '\\' && i + 1 < g->n)
            i++;
        ob_char(o, g->v[i]);
    }
}

/*
 * Finds parameter want ("filename", "name", "boundary", lowercase) in a
 * Content-Type or Content-Disposition value and writes its value into o:
 * RFC 2231 extended (name*=charset'lang'%XX) and continued (name*0*=,
 * name*1=) values are joined and converted to UTF-8; a plain value is
 * unquoted and, if decode is set, its RFC 2047 words decoded (common,
 * though not standard, in file names). Returns 1 if found.
 */
static int mime_param(const char *v, size_t n, const char *want, int decode, struct obuf *o)
{
    struct pseg plain = {0}, seg[PARAM_SEGS];
    memset(seg, 0, sizeof(seg));
    size_t wl = strlen(want);
    size_t i = 0;
    /* skip the type token */
    while (i < n && v[i] != ';')
        i++;
    while (i < n) {
        i++; /* ';' */
        while (i < n && (is_ws(v[i]) || v[i] == '\r' || v[i] == '\n'))
            i++;
        size_t ns = i;
        while (i < n && v[i] != '=' && v[i] != ';')
            i++;
        size_t ne = i;
        while (ne > ns && is_ws(v[ne - 1]))
            ne--;
        if (i >= n || v[i] != '=')
            continue;
        i++;
        while (i < n && is_ws(v[i]))
            i++;
        struct pseg g = {0};
        if (i < n && v[i] == '"') {
            size_t vs = ++i;
            while (i < n && v[i] != '"') {
                if (v[i] == '\\' && i + 1 < n)
                    i++;
                i++;
            }
            g.v = v + vs;
            g.n = (i < n ? i : n) - vs;
            g.quoted = 1;
            if (i < n)
                i++;
            while (i < n && v[i] != ';')
                i++;
        } else {
            size_t vs = i;
            while (i < n && v[i] != ';')
                i++;
            size_t ve = i;
            while (ve > vs && is_ws(v[ve - 1]))
                ve--;
            g.v = v + vs;
            g.n = ve - vs;
        }
        g.set = 1;
        const char *nm = v + ns;
        size_t nl = ne - ns;
        if (nl < wl || strncasecmp(nm, want, wl) != 0)
            continue;
        if (nl == wl) {
            plain = g;
            continue;
        }
        if (nm[wl] != '*')
            continue;
        if (nl == wl + 1) { /* name*= : one extended value */
            g.ext = 1;
            seg[0] = g;
            continue;
        }
        size_t k = 0, j = wl + 1;
        int digits = 0;
        while (j < nl && nm[j] >= '0' && nm[j] <= '9' && digits < 3) {
            k = k * 10 + (size_t)(nm[j] - '0');
            j++;
            digits++;
        }
        if (!digits || k >= PARAM_SEGS)
            continue;
        if (j < nl && nm[j] == '*' && j + 1 == nl)
            g.ext = 1;
        else if (j != nl)
            continue;
        seg[k] = g;
    }
    if (seg[0].set) {
        /* RFC 2231: charset'language'value in the first extended segment */
        char cs[48] = "";
        char raw[SMTP_NAME_MAX];
        struct obuf r = {raw, 0, sizeof(raw)};
        raw[0] = '\0';
        for (size_t k = 0; k < PARAM_SEGS && seg[k].set; k++) {
            struct pseg g = seg[k];
            if (k == 0 && g.ext) {
                const char *q1 = memchr(g.v, '\'', g.n);
                const char *q2 = q1 ? memchr(q1 + 1, '\'', g.n - (size_t)(q1 + 1 - g.v)) : NULL;
                if (q1 && q2) {
                    if (charset_name(g.v, (size_t)(q1 - g.v), cs, sizeof(cs)) < 0)
                        cs[0] = '\0';
                    g.n -= (size_t)(q2 + 1 - g.v);
                    g.v = q2 + 1;
                }
            }
            if (!g.ext) {
                put_unquoted(&r, &g);
                continue;
            }
            for (size_t x = 0; x < g.n; x++) {
                if (g.v[x] == '%' && x + 2 < g.n + 0 && hexval(g.v[x + 1]) >= 0 &&
                    hexval(g.v[x + 2]) >= 0) {
                    ob_char(&r, (char)(hexval(g.v[x + 1]) << 4 | hexval(g.v[x + 2])));
                    x += 2;
                } else {
                    ob_char(&r, g.v[x]);
                }
            }
        }
        put_charset(o, cs, raw, r.len);
        return 1;
    }
    if (!plain.set)
        return 0;
    if (!decode) {
        put_unquoted(o, &plain);
        return 1;
    }
    char tmp[SMTP_NAME_MAX];
    struct obuf t = {tmp, 0, sizeof(tmp)};
    tmp[0] = '\0';
    put_unquoted(&t, &plain);
    decode_2047(tmp, t.len, o);
    return 1;
}

/* ---- addresses ---- */

/*
 * The first e-mail address in s, as Zeek's extract_first_email_addr(): a
 * run of bytes around an '@' delimited by <,: and blanks on the left and
 * >,; and blanks on the right. Returns its length (0 if none) and start.
 */
static size_t first_email(const char *s, size_t n, const char **out)
{
    for (size_t at = 0; at < n; at++) {
        if (s[at] != '@')
            continue;
        size_t l = at;
        while (l > 0 && !strchr("<,: \t@", s[l - 1]))
            l--;
        size_t r = at + 1;
        while (r < n && !strchr(">,; \t", s[r]))
            r++;
        if (l == at || r == at + 1)
            continue;
        *out = s + l;
        return r - l;
    }
    return 0;
}

/* Finds up to max IP addresses (IPv4 or IPv6 text) in s; returns how many. */
static size_t find_ips(const char *s, size_t n, struct addr *out, size_t max)
{
    size_t found = 0, i = 0;
    while (i < n && found < max) {
        size_t j = i;
        while (j < n && (hexval(s[j]) >= 0 || s[j] == '.' || s[j] == ':'))
            j++;
        if (j > i + 2 && j - i < 46) {
            char tok[48];
            memcpy(tok, s + i, j - i);
            tok[j - i] = '\0';
            if ((memchr(tok, '.', j - i) || memchr(tok, ':', j - i)) && addr_parse(tok, &out[found]) == 0)
                found++;
        }
        i = j > i ? j : i + 1;
    }
    return found;
}

/* ---- per-message strings ---- */

struct text {
    char *buf;
    size_t len, cap;
};

static uint32_t text_add(struct text *t, const char *s, size_t n)
{
    if (n >= SMTP_TEXT_MAX || t->len + n + 1 > SMTP_TEXT_MAX)
        return NO_STR;
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (cap < t->len + n + 1)
            cap *= 2;
        if (cap > SMTP_TEXT_MAX)
            cap = SMTP_TEXT_MAX;
        t->buf = xrealloc(t->buf, cap);
        t->cap = cap;
    }
    uint32_t off = (uint32_t)t->len;
    memcpy(t->buf + t->len, s, n);
    t->buf[t->len + n] = '\0';
    t->len += n + 1;
    return off;
}

struct slist {
    uint16_t n;
    uint32_t total;
    uint32_t off[SMTP_LIST_MAX];
    uint32_t len[SMTP_LIST_MAX];
    uint32_t hash[SMTP_LIST_MAX];
};

static uint32_t fnv1a(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

/* Adds s to l (if distinct: unless already there); at most max entries are kept. */
static void list_add(struct text *t, struct slist *l, const char *s, size_t n, int distinct,
                     size_t max)
{
    l->total++;
    if (l->n >= max)
        return; /* full: only counted (no scan, so a long list stays linear) */
    uint32_t h = fnv1a(s, n);
    if (distinct)
        for (size_t i = 0; i < l->n; i++)
            if (l->hash[i] == h && l->len[i] == n && memcmp(t->buf + l->off[i], s, n) == 0)
                return;
    uint32_t off = text_add(t, s, n);
    if (off == NO_STR)
        return;
    l->off[l->n] = off;
    l->len[l->n] = (uint32_t)n;
    l->hash[l->n] = h;
    l->n++;
}

/* One mail transaction: MAIL FROM to the reply after its content. */
struct txn {
    struct text t;
    uint32_t mailfrom, date, from, reply_to, msg_id, in_reply_to, subject, subject_raw;
    uint32_t xoip, recv1, recv2, user_agent;
    struct slist rcptto, to, cc, path, att_names, att_types;
    uint32_t rcpt_count, rcpt_rejected, attachment_count;
    uint8_t active;      /* MAIL, RCPT or content seen: worth an event */
    uint8_t has_message; /* content seen */
};

static void txn_reset(struct txn *x)
{
    struct text t = x->t;
    memset(x, 0, sizeof(*x));
    x->t = t;
    x->t.len = 0;
    x->mailfrom = x->date = x->from = x->reply_to = x->msg_id = x->in_reply_to = NO_STR;
    x->subject = x->subject_raw = x->xoip = x->recv1 = x->recv2 = x->user_agent = NO_STR;
}

static void txn_set(struct txn *x, uint32_t *field, const char *s, size_t n)
{
    *field = text_add(&x->t, s, n);
}

/* ---- per-connection state ---- */

enum cstate { C_CMD, C_DATA_WAIT, C_DATA, C_BDAT, C_AUTH };

enum ccmd {
    CMD_OTHER, CMD_HELO, CMD_MAIL, CMD_RCPT, CMD_DATA, CMD_DOT, CMD_BDAT, CMD_BDAT_LAST,
    CMD_STARTTLS, CMD_AUTH,
};

enum mphase { MP_HEADERS, MP_BODY, MP_PART_HEADERS };

/* A line being assembled from stream pieces. */
struct lbuf {
    char buf[SMTP_LINE_MAX];
    size_t len;
    uint8_t overflow; /* the line was longer than the buffer: the rest is dropped */
};

/* The MIME structure of the message being read (a light scan: headers and boundaries). */
struct mime {
    enum mphase phase;
    uint8_t top;      /* in the message's own header block */
    uint8_t hdr_skip; /* this header block passed SMTP_HDR_BLOCK_MAX */
    size_t hdr_bytes;
    /* the header being unfolded: "Name: value" */
    char *hv;
    size_t hvlen;
    uint8_t have_hdr;
    /* the part (or top-level entity) whose headers are being read */
    char ctype[SMTP_CTYPE_MAX];
    char fname[SMTP_NAME_MAX];
    uint8_t has_fname, attach_disp;
    char pbnd[SMTP_BOUNDARY_MAX + 1];
    size_t pbndlen;
    /* open multiparts, outermost first */
    char bnd[SMTP_MIME_DEPTH][SMTP_BOUNDARY_MAX + 1];
    size_t bndlen[SMTP_MIME_DEPTH];
    int nb;
};

struct smtp_state {
    struct lbuf dir[2];
    struct lbuf mline; /* BDAT content lines */
    enum cstate cs;
    uint64_t bdat_left;
    uint8_t bdat_last;
    uint8_t pending[SMTP_PENDING_MAX];
    size_t phead, pcount;
    /* session */
    char helo[SMTP_SMALL_MAX];
    char auth_mech[32];
    char auth_user[SMTP_SMALL_MAX];
    int8_t auth_success;
    uint8_t auth_step;   /* client responses so far */
    uint8_t auth_expect; /* LOGIN: 1 the next response is the user, 2 the password */
    uint8_t tls;
    uint8_t banner;
    uint8_t emitted;
    uint32_t replies; /* final replies seen */
    uint32_t depth;
    char last_reply[SMTP_REPLY_MAX];
    /* message */
    struct txn x;
    struct mime m;
};

static void *smtp_new(struct app_ctx *ctx)
{
    (void)ctx;
    struct smtp_state *st = xcalloc(1, sizeof(*st));
    st->auth_success = -1;
    txn_reset(&st->x);
    return st;
}

static void pending_push(struct smtp_state *st, enum ccmd c)
{
    if (st->pcount == SMTP_PENDING_MAX) {
        st->phead = (st->phead + 1) % SMTP_PENDING_MAX; /* the oldest is forgotten */
        st->pcount--;
    }
    st->pending[(st->phead + st->pcount) % SMTP_PENDING_MAX] = (uint8_t)c;
    st->pcount++;
}

static int pending_head(const struct smtp_state *st)
{
    return st->pcount ? st->pending[st->phead] : -1;
}

static void pending_pop(struct smtp_state *st)
{
    if (st->pcount) {
        st->phead = (st->phead + 1) % SMTP_PENDING_MAX;
        st->pcount--;
    }
}

/* ---- events ---- */

static const char *xs(const struct txn *x, uint32_t off)
{
    return off == NO_STR ? "" : x->t.buf + off;
}

static void put_list(struct jbuf *jb, const char *key, const char *const *v, size_t n)
{
    if (!n)
        return;
    jb_key(jb, key);
    jb_arr_open(jb);
    for (size_t i = 0; i < n; i++)
        jb_str(jb, v[i]);
    jb_arr_close(jb);
}

static void put_str(struct jbuf *jb, const char *key, const char *s)
{
    if (s[0])
        jb_kstr(jb, key, s);
}

static void smtp_fields_json(const struct event *ev, struct jbuf *jb)
{
    const struct smtp_event *e = ev->body;
    jb_ku64(jb, "trans_depth", e->trans_depth);
    put_str(jb, "helo", e->helo);
    put_str(jb, "mailfrom", e->mailfrom);
    put_list(jb, "rcptto", e->rcptto, e->n_rcptto);
    put_str(jb, "date", e->date);
    put_str(jb, "from", e->from);
    put_list(jb, "to", e->to, e->n_to);
    put_list(jb, "cc", e->cc, e->n_cc);
    put_str(jb, "reply_to", e->reply_to);
    put_str(jb, "msg_id", e->msg_id);
    put_str(jb, "in_reply_to", e->in_reply_to);
    put_str(jb, "subject", e->subject);
    put_str(jb, "x_originating_ip", e->x_originating_ip);
    put_str(jb, "first_received", e->first_received);
    put_str(jb, "second_received", e->second_received);
    put_str(jb, "last_reply", e->last_reply);
    put_list(jb, "path", e->path, e->n_path);
    put_str(jb, "user_agent", e->user_agent);
    jb_kbool(jb, "tls", e->tls);
    jb_kbool(jb, "is_webmail", e->is_webmail);
    jb_ku64(jb, "rcpt_count", e->rcpt_count);
    if (e->rcpt_rejected)
        jb_ku64(jb, "rcpt_rejected", e->rcpt_rejected);
    if (e->to_count)
        jb_ku64(jb, "to_count", e->to_count);
    if (e->cc_count)
        jb_ku64(jb, "cc_count", e->cc_count);
    put_str(jb, "auth_mech", e->auth_mech);
    put_str(jb, "auth_user", e->auth_user);
    if (e->auth_success >= 0)
        jb_kbool(jb, "auth_success", e->auth_success);
    put_str(jb, "subject_raw", e->subject_raw);
    jb_kbool(jb, "has_message", e->has_message);
    jb_ku64(jb, "attachment_count", e->attachment_count);
    put_list(jb, "attachment_names", e->attachment_names, e->n_attach);
    put_list(jb, "attachment_types", e->attachment_types, e->n_attach);
}

/* Zeek's SMTP::webmail_user_agents (base/protocols/smtp/software.zeek). */
static int webmail_agent(const char *ua)
{
    size_t n = strlen(ua);
    return strncmp(ua, "iPlanet Messenger", 17) == 0 ||
           strncmp(ua, "Sun Java(tm) System Messenger Express", 37) == 0 ||
           memmem(ua, n, "(IMP)", 5) != NULL || strncmp(ua, "SquirrelMail", 12) == 0 ||
           strncmp(ua, "NeoMail", 7) == 0 || memmem(ua, n, "ZimbraWebClient", 15) != NULL;
}

static void fill_list(const struct txn *x, const struct slist *l, const char **v)
{
    for (size_t i = 0; i < l->n; i++)
        v[i] = x->t.buf + l->off[i];
}

/* Reports the current transaction (or the bare session) and starts a new one. */
static void emit_txn(struct smtp_state *st, struct app_ctx *ctx)
{
    const struct txn *x = &st->x;
    const char *rcptto[SMTP_LIST_MAX], *to[SMTP_LIST_MAX], *cc[SMTP_LIST_MAX];
    const char *names[SMTP_ATTACH_MAX], *types[SMTP_ATTACH_MAX];
    const char *path[SMTP_PATH_MAX + 2];
    char hop0[ADDR_STRLEN] = "", hop1[ADDR_STRLEN] = "";
    struct smtp_event e;
    memset(&e, 0, sizeof(e));
    e.trans_depth = ++st->depth;
    e.helo = st->helo;
    e.mailfrom = xs(x, x->mailfrom);
    fill_list(x, &x->rcptto, rcptto);
    e.rcptto = rcptto;
    e.n_rcptto = x->rcptto.n;
    e.rcpt_count = x->rcpt_count;
    e.rcpt_rejected = x->rcpt_rejected;
    e.date = xs(x, x->date);
    e.from = xs(x, x->from);
    e.reply_to = xs(x, x->reply_to);
    e.msg_id = xs(x, x->msg_id);
    e.in_reply_to = xs(x, x->in_reply_to);
    e.subject = xs(x, x->subject);
    e.subject_raw = xs(x, x->subject_raw);
    fill_list(x, &x->to, to);
    e.to = to;
    e.n_to = x->to.n;
    e.to_count = x->to.total;
    fill_list(x, &x->cc, cc);
    e.cc = cc;
    e.n_cc = x->cc.n;
    e.cc_count = x->cc.total;
    e.x_originating_ip = xs(x, x->xoip);
    e.first_received = xs(x, x->recv1);
    e.second_received = xs(x, x->recv2);
    e.last_reply = st->last_reply;
    /* Zeek's path: the server, the client, then each Received hop unless equal to the last */
    size_t np = 0;
    if (ctx->flow) {
        addr_format(&ctx->flow->resp_h, hop0);
        addr_format(&ctx->flow->orig_h, hop1);
        path[np++] = hop0;
        path[np++] = hop1;
    }
    for (size_t i = 0; i < x->path.n; i++) {
        const char *h = x->t.buf + x->path.off[i];
        if (np && strcmp(path[np - 1], h) == 0)
            continue;
        path[np++] = h;
    }
    e.path = path;
    e.n_path = np;
    e.user_agent = xs(x, x->user_agent);
    e.is_webmail = (uint8_t)webmail_agent(e.user_agent);
    e.tls = st->tls;
    e.has_message = x->has_message;
    e.auth_success = st->auth_success;
    e.auth_mech = st->auth_mech;
    e.auth_user = st->auth_user;
    fill_list(x, &x->att_names, names);
    fill_list(x, &x->att_types, types);
    e.attachment_names = names;
    e.attachment_types = types;
    e.n_attach = x->att_names.n < x->att_types.n ? x->att_names.n : x->att_types.n;
    e.attachment_count = x->attachment_count;
    app_emit(ctx, EV_SMTP, &e, smtp_fields_json);
    st->emitted = 1;
    txn_reset(&st->x);
}

/* ---- message content ---- */

static void mime_part_reset(struct mime *m)
{
    m->ctype[0] = '\0';
    m->fname[0] = '\0';
    m->has_fname = m->attach_disp = 0;
    m->pbndlen = 0;
    m->hdr_bytes = 0;
    m->hdr_skip = 0;
    m->have_hdr = 0;
    m->hvlen = 0;
}

static void mime_begin(struct mime *m)
{
    char *hv = m->hv;
    memset(m, 0, offsetof(struct mime, bnd));
    m->hv = hv;
    m->nb = 0;
    m->phase = MP_HEADERS;
    m->top = 1;
}

/* Content-Type or Content-Disposition of the entity being read. */
static void mime_entity_header(struct mime *m, const char *name, size_t nl, const char *v,
                               size_t n)
{
    if (ci_eq(name, nl, "content-type")) {
        mime_token(v, n, m->ctype, sizeof(m->ctype));
        char b[SMTP_BOUNDARY_MAX + 2];
        struct obuf o = {b, 0, sizeof(b)};
        b[0] = '\0';
        if (strncmp(m->ctype, "multipart/", 10) == 0 && mime_param(v, n, "boundary", 0, &o) &&
            o.len && o.len <= SMTP_BOUNDARY_MAX) {
            memcpy(m->pbnd, b, o.len);
            m->pbndlen = o.len;
        }
        if (!m->has_fname) {
            struct obuf f = {m->fname, 0, sizeof(m->fname)};
            m->fname[0] = '\0';
            if (mime_param(v, n, "name", 1, &f))
                m->has_fname = 1;
        }
    } else if (ci_eq(name, nl, "content-disposition")) {
        char disp[32];
        mime_token(v, n, disp, sizeof(disp));
        if (strcmp(disp, "attachment") == 0)
            m->attach_disp = 1;
        char tmp[SMTP_NAME_MAX];
        struct obuf f = {tmp, 0, sizeof(tmp)};
        tmp[0] = '\0';
        if (mime_param(v, n, "filename", 1, &f)) {
            /* the disposition's file name wins over Content-Type's name (RFC 2183) */
            memcpy(m->fname, tmp, f.len + 1);
            m->has_fname = 1;
        }
    }
}

/* A complete top-level header of the message. */
static void top_header(struct smtp_state *st, const char *name, size_t nl, const char *v, size_t n)
{
    struct txn *x = &st->x;
    char out[SMTP_HDR_VALUE_MAX];
    struct obuf o = {out, 0, sizeof(out)};
    out[0] = '\0';
    if (ci_eq(name, nl, "subject")) {
        txn_set(x, &x->subject_raw, v, n);
        decode_2047(v, n, &o);
        txn_set(x, &x->subject, out, o.len);
    } else if (ci_eq(name, nl, "from")) {
        decode_2047(v, n, &o);
        txn_set(x, &x->from, out, o.len);
    } else if (ci_eq(name, nl, "reply-to")) {
        decode_2047(v, n, &o);
        txn_set(x, &x->reply_to, out, o.len);
    } else if (ci_eq(name, nl, "date")) {
        txn_set(x, &x->date, v, n);
    } else if (ci_eq(name, nl, "message-id")) {
        txn_set(x, &x->msg_id, v, n);
    } else if (ci_eq(name, nl, "in-reply-to")) {
        txn_set(x, &x->in_reply_to, v, n);
    } else if (ci_eq(name, nl, "x-mailer") || ci_eq(name, nl, "user-agent") ||
               ci_eq(name, nl, "x-user-agent")) {
        txn_set(x, &x->user_agent, v, n);
    } else if (ci_eq(name, nl, "to") || ci_eq(name, nl, "cc")) {
        /* Zeek's split_mime_email_addresses(): commas outside quotes and <> */
        struct slist *l = lc(name[0]) == 't' ? &x->to : &x->cc;
        int encoded = memmem(v, n, "=?", 2) != NULL;
        size_t i = 0;
        while (i < n) {
            size_t s0 = i;
            int q = 0, angle = 0;
            while (i < n) {
                char c = v[i];
                if (c == '"')
                    q = !q;
                else if (!q && c == '<')
                    angle = 1;
                else if (!q && c == '>')
                    angle = 0;
                else if (!q && !angle && c == ',')
                    break;
                if (c == '\\' && q && i + 1 < n)
                    i++;
                i++;
            }
            const char *p = v + s0;
            size_t pn = (i < n ? i : n) - s0;
            trim(&p, &pn);
            if (pn && !encoded) {
                list_add(&x->t, l, p, pn, 1, SMTP_LIST_MAX);
            } else if (pn) {
                o.len = 0;
                out[0] = '\0';
                decode_2047(p, pn, &o);
                list_add(&x->t, l, out, o.len, 1, SMTP_LIST_MAX);
            }
            i++;
        }
    } else if (ci_eq(name, nl, "x-originating-ip")) {
        struct addr a;
        if (find_ips(v, n, &a, 1) == 1) {
            char t[ADDR_STRLEN];
            size_t tl = addr_format(&a, t);
            txn_set(x, &x->xoip, t, tl);
        }
    } else if (ci_eq(name, nl, "received")) {
        x->recv2 = x->recv1;
        txn_set(x, &x->recv1, v, n);
        struct addr a[2];
        size_t k = find_ips(v, n, a, 2);
        if (k) {
            char t[ADDR_STRLEN];
            size_t tl = addr_format(&a[k > 1 ? 1 : 0], t);
            if (x->path.n == 0 || strcmp(x->t.buf + x->path.off[x->path.n - 1], t) != 0)
                list_add(&x->t, &x->path, t, tl, 0, SMTP_PATH_MAX);
        }
    }
}

/* The header in m->hv is complete: dispatch it. */
static void header_done(struct smtp_state *st)
{
    struct mime *m = &st->m;
    if (!m->have_hdr)
        return;
    m->have_hdr = 0;
    const char *h = m->hv;
    const char *colon = memchr(h, ':', m->hvlen);
    if (!colon)
        return;
    const char *name = h;
    size_t nl = (size_t)(colon - h);
    while (nl && is_ws(name[nl - 1]))
        nl--;
    const char *v = colon + 1;
    size_t n = m->hvlen - (size_t)(colon - h) - 1;
    while (n && (is_ws(*v) || *v == '\r' || *v == '\n')) { /* leading blanks only, as Zeek */
        v++;
        n--;
    }
    mime_entity_header(m, name, nl, v, n);
    if (m->top)
        top_header(st, name, nl, v, n);
}

/* The blank line after a header block (top level or part). */
static void headers_end(struct smtp_state *st)
{
    struct mime *m = &st->m;
    struct txn *x = &st->x;
    header_done(st);
    if (m->pbndlen && m->nb < SMTP_MIME_DEPTH) {
        memcpy(m->bnd[m->nb], m->pbnd, m->pbndlen);
        m->bndlen[m->nb] = m->pbndlen;
        m->nb++;
    } else if (m->has_fname || m->attach_disp) {
        x->attachment_count++;
        if (x->att_names.n < SMTP_ATTACH_MAX && x->att_types.n < SMTP_ATTACH_MAX) {
            list_add(&x->t, &x->att_names, m->fname, strlen(m->fname), 0, SMTP_ATTACH_MAX);
            list_add(&x->t, &x->att_types, m->ctype, strlen(m->ctype), 0, SMTP_ATTACH_MAX);
        }
    }
    m->top = 0;
    m->phase = MP_BODY;
}

/* A body line: only boundaries matter. */
static void body_line(struct smtp_state *st, const char *l, size_t n)
{
    struct mime *m = &st->m;
    if (!m->nb || n < 3 || l[0] != '-' || l[1] != '-')
        return;
    while (n && is_ws(l[n - 1]))
        n--;
    for (int k = m->nb - 1; k >= 0; k--) {
        size_t bl = m->bndlen[k];
        if (n < 2 + bl || memcmp(l + 2, m->bnd[k], bl) != 0)
            continue;
        size_t rest = n - 2 - bl;
        if (rest == 0) {
            m->nb = k + 1; /* inner multiparts left open end here */
            mime_part_reset(m);
            m->phase = MP_PART_HEADERS;
            return;
        }
        if (rest == 2 && l[2 + bl] == '-' && l[3 + bl] == '-') {
            m->nb = k; /* close delimiter */
            return;
        }
    }
}

/* One line of message content (dot-unstuffed, without CR LF). */
static void msg_line(struct smtp_state *st, const char *l, size_t n)
{
    struct mime *m = &st->m;
    st->x.has_message = 1;
    st->x.active = 1;
    if (m->phase == MP_BODY) {
        body_line(st, l, n);
        return;
    }
    if (n == 0) {
        headers_end(st);
        return;
    }
    if (m->hdr_skip)
        return;
    m->hdr_bytes += n + 2;
    if (m->hdr_bytes > SMTP_HDR_BLOCK_MAX) {
        header_done(st);
        m->hdr_skip = 1; /* the rest of this block is not read */
        return;
    }
    if (is_ws(l[0])) {
        /* RFC 5322 section 2.2.3: a folded line continues the header */
        if (m->have_hdr) {
            size_t take = n < SMTP_HDR_VALUE_MAX - m->hvlen ? n : SMTP_HDR_VALUE_MAX - m->hvlen;
            memcpy(m->hv + m->hvlen, l, take);
            m->hvlen += take;
        }
        return;
    }
    header_done(st);
    if (!memchr(l, ':', n)) {
        /* not a header line: the headers ended without their blank line */
        headers_end(st);
        body_line(st, l, n);
        return;
    }
    if (!m->hv)
        m->hv = xmalloc(SMTP_HDR_VALUE_MAX);
    m->hvlen = n < SMTP_HDR_VALUE_MAX ? n : SMTP_HDR_VALUE_MAX;
    memcpy(m->hv, l, m->hvlen);
    m->have_hdr = 1;
}

/* The end of message content (the "." line, or the last BDAT chunk). */
static void msg_end(struct smtp_state *st)
{
    if (st->m.phase != MP_BODY)
        headers_end(st);
}

/* ---- AUTH (RFC 4954) ---- */

static void set_small(char *dst, size_t cap, const void *src, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* One client SASL response (base64 text); keeps the user name, never the secret. */
static void sasl_response(struct smtp_state *st, const char *l, size_t n)
{
    uint8_t buf[SMTP_SASL_MAX];
    unsigned step = st->auth_step++;
    if (n == 1 && l[0] == '*')
        return; /* the client cancels */
    long k = b64_decode(l, n, buf, sizeof(buf));
    if (k <= 0)
        return;
    size_t len = (size_t)k;
    const char *mech = st->auth_mech;
    if (strcmp(mech, "LOGIN") == 0) {
        int user = st->auth_expect ? st->auth_expect == 1 : step == 0;
        if (user)
            set_small(st->auth_user, sizeof(st->auth_user), buf, len);
    } else if (strcmp(mech, "PLAIN") == 0 && step == 0) {
        /* RFC 4616: authzid NUL authcid NUL passwd */
        const uint8_t *z1 = memchr(buf, 0, len);
        if (z1) {
            size_t a = (size_t)(z1 - buf);
            const uint8_t *z2 = memchr(z1 + 1, 0, len - a - 1);
            if (z2) {
                size_t cl = (size_t)(z2 - z1 - 1);
                if (cl)
                    set_small(st->auth_user, sizeof(st->auth_user), z1 + 1, cl);
                else
                    set_small(st->auth_user, sizeof(st->auth_user), buf, a);
            }
        }
    } else if (strcmp(mech, "CRAM-MD5") == 0 && step == 0) {
        /* RFC 2195: "user digest" */
        size_t sp = len;
        while (sp && buf[sp - 1] != ' ')
            sp--;
        if (sp > 1)
            set_small(st->auth_user, sizeof(st->auth_user), buf, sp - 1);
    } else if (strcmp(mech, "XOAUTH2") == 0 && step == 0) {
        if (len > 5 && memcmp(buf, "user=", 5) == 0) {
            const uint8_t *e = memchr(buf + 5, 1, len - 5);
            set_small(st->auth_user, sizeof(st->auth_user), buf + 5,
                      e ? (size_t)(e - buf - 5) : len - 5);
        }
    } else if (strcmp(mech, "OAUTHBEARER") == 0 && step == 0) {
        /* RFC 7628: gs2 header "n,a=user," */
        const uint8_t *a = memmem(buf, len, ",a=", 3);
        if (a) {
            size_t off = (size_t)(a - buf) + 3;
            const uint8_t *e = memchr(buf + off, ',', len - off);
            set_small(st->auth_user, sizeof(st->auth_user), buf + off,
                      e ? (size_t)(e - buf) - off : len - off);
        }
    }
    explicit_bzero(buf, sizeof(buf));
}

/* ---- client commands ---- */

static const char *const known_verbs[] = {
    "HELO", "EHLO", "MAIL", "RCPT", "DATA", "BDAT", "RSET", "VRFY", "EXPN", "HELP", "NOOP",
    "QUIT", "STARTTLS", "AUTH", "TURN", "ETRN", "ATRN", "XCLIENT", "XFORWARD", "LHLO",
};

static int known_verb(const char *v, size_t n)
{
    for (size_t i = 0; i < sizeof(known_verbs) / sizeof(known_verbs[0]); i++)
        if (ci_eq(v, n, known_verbs[i]))
            return 1;
    return 0;
}

/* Splits a command line into verb and argument. */
static void split_cmd(const char *l, size_t n, const char **verb, size_t *vn, const char **arg,
                      size_t *an)
{
    size_t i = 0;
    while (i < n && l[i] != ' ')
        i++;
    *verb = l;
    *vn = i;
    while (i < n && is_ws(l[i]))
        i++;
    *arg = l + i;
    *an = n - i;
    trim(arg, an);
}

static void client_command(struct smtp_state *st, struct app_ctx *ctx, const char *l, size_t n)
{
    const char *verb, *arg;
    size_t vn, an;
    split_cmd(l, n, &verb, &vn, &arg, &an);
    struct txn *x = &st->x;
    if (ci_eq(verb, vn, "HELO") || ci_eq(verb, vn, "EHLO") || ci_eq(verb, vn, "LHLO")) {
        set_small(st->helo, sizeof(st->helo), arg, an);
        pending_push(st, CMD_HELO);
    } else if (ci_eq(verb, vn, "MAIL") && ci_prefix(arg, an, "FROM:")) {
        if (x->active)
            emit_txn(st, ctx); /* the last transaction never got its reply */
        const char *a;
        size_t al = first_email(arg + 5, an - 5, &a);
        if (al)
            txn_set(x, &x->mailfrom, a, al);
        x->active = 1;
        pending_push(st, CMD_MAIL);
    } else if (ci_eq(verb, vn, "RCPT") && ci_prefix(arg, an, "TO:")) {
        const char *a;
        size_t al = first_email(arg + 3, an - 3, &a);
        x->rcpt_count++;
        if (al)
            list_add(&x->t, &x->rcptto, a, al, 1, SMTP_LIST_MAX);
        x->active = 1;
        pending_push(st, CMD_RCPT);
    } else if (ci_eq(verb, vn, "DATA")) {
        mime_begin(&st->m);
        st->cs = C_DATA_WAIT;
        pending_push(st, CMD_DATA);
    } else if (ci_eq(verb, vn, "BDAT")) {
        /* RFC 3030: BDAT size [LAST], then exactly size bytes */
        uint64_t size = 0;
        size_t i = 0;
        while (i < an && arg[i] >= '0' && arg[i] <= '9' && i < 12)
            size = size * 10 + (uint64_t)(arg[i++] - '0');
        int last = ci_contains(arg + i, an - i, "LAST");
        if (!x->has_message)
            mime_begin(&st->m);
        x->has_message = 1;
        x->active = 1;
        st->bdat_left = size;
        st->bdat_last = (uint8_t)last;
        st->cs = size ? C_BDAT : C_CMD;
        if (!size && last)
            msg_end(st);
        pending_push(st, last ? CMD_BDAT_LAST : CMD_BDAT);
    } else if (ci_eq(verb, vn, "STARTTLS")) {
        pending_push(st, CMD_STARTTLS);
    } else if (ci_eq(verb, vn, "AUTH")) {
        const char *mech = arg;
        size_t ml = 0;
        while (ml < an && !is_ws(mech[ml]))
            ml++;
        size_t k = 0;
        for (size_t i = 0; i < ml && k + 1 < sizeof(st->auth_mech); i++)
            st->auth_mech[k++] = (char)(mech[i] >= 'a' && mech[i] <= 'z' ? mech[i] - 32 : mech[i]);
        st->auth_mech[k] = '\0';
        st->auth_step = 0;
        st->auth_expect = 0;
        st->cs = C_AUTH;
        const char *ir = mech + ml;
        size_t irn = an - ml;
        trim(&ir, &irn);
        if (irn && !(irn == 1 && ir[0] == '='))
            sasl_response(st, ir, irn);
        pending_push(st, CMD_AUTH);
    } else {
        pending_push(st, CMD_OTHER);
    }
}

/* One complete client line (without CR LF). */
static void client_line(struct smtp_state *st, struct app_ctx *ctx, const char *l, size_t n)
{
    const char *verb, *arg;
    size_t vn, an;
    switch (st->cs) {
    case C_DATA:
        if (n == 1 && l[0] == '.') {
            msg_end(st);
            st->cs = C_CMD;
            pending_push(st, CMD_DOT);
            return;
        }
        if (n && l[0] == '.') { /* RFC 5321 section 4.5.2: dot-stuffing */
            l++;
            n--;
        }
        msg_line(st, l, n);
        return;
    case C_DATA_WAIT:
        split_cmd(l, n, &verb, &vn, &arg, &an);
        if (known_verb(verb, vn)) {
            st->cs = C_CMD; /* DATA was refused, or never answered */
            client_command(st, ctx, l, n);
            return;
        }
        st->cs = C_DATA; /* the 354 went by unseen: this is content */
        client_line(st, ctx, l, n);
        return;
    case C_AUTH:
        split_cmd(l, n, &verb, &vn, &arg, &an);
        if (an && known_verb(verb, vn)) {
            st->cs = C_CMD; /* base64 has no spaces: this is a command again */
            client_command(st, ctx, l, n);
            return;
        }
        sasl_response(st, l, n);
        return;
    case C_BDAT: /* handled by the caller */
    case C_CMD:
        client_command(st, ctx, l, n);
        return;
    }
}

/* ---- server replies ---- */

/* One complete server line; returns PROTO_TO_TLS when STARTTLS was accepted. */
static int server_line(struct smtp_state *st, struct app_ctx *ctx, const char *l, size_t n)
{
    if (n < 3 || l[0] < '0' || l[0] > '9' || l[1] < '0' || l[1] > '9' || l[2] < '0' || l[2] > '9')
        return PROTO_CONTINUE;
    unsigned code = (unsigned)(l[0] - '0') * 100 + (unsigned)(l[1] - '0') * 10 +
                    (unsigned)(l[2] - '0');
    if (n > 3 && l[3] == '-')
        return PROTO_CONTINUE; /* continuation: the final line carries the reply */
    const char *text = l + 3;
    size_t tn = n - 3;
    trim(&text, &tn);
    snprintf(st->last_reply, sizeof(st->last_reply), "%u %.*s", code, (int)tn, text);
    int head = pending_head(st);
    int first = !st->replies++;
    if (head < 0 || (first && (code == 220 || code == 554) && head != CMD_STARTTLS)) {
        /* the greeting (RFC 5321 section 4.3.1) answers no command */
        if (code == 220)
            st->banner = 1;
        return PROTO_CONTINUE;
    }
    if (head == CMD_AUTH && code == 334) {
        /* a challenge: the exchange goes on; LOGIN says what it wants next */
        uint8_t ch[64];
        long k = b64_decode(text, tn, ch, sizeof(ch));
        if (k > 0) {
            if (ci_contains((const char *)ch, (size_t)k, "user"))
                st->auth_expect = 1;
            else if (ci_contains((const char *)ch, (size_t)k, "pass"))
                st->auth_expect = 2;
        }
        return PROTO_CONTINUE;
    }
    pending_pop(st);
    switch (head) {
    case CMD_AUTH:
        st->auth_success = code == 235;
        if (st->cs == C_AUTH)
            st->cs = C_CMD;
        break;
    case CMD_RCPT:
        if (code >= 400)
            st->x.rcpt_rejected++;
        break;
    case CMD_DATA:
        if (st->cs == C_DATA_WAIT)
            st->cs = code == 354 ? C_DATA : C_CMD;
        break;
    case CMD_DOT:
    case CMD_BDAT_LAST:
        emit_txn(st, ctx);
        break;
    case CMD_STARTTLS:
        if (code == 220) {
            st->tls = 1;
            return PROTO_TO_TLS;
        }
        break;
    default:
        break;
    }
    return PROTO_CONTINUE;
}

/* ---- stream handling ---- */

/* Offset of the next LF in r, or rd_left(r) if there is none. */
static size_t next_lf(const struct rd *r)
{
    const uint8_t *q = memchr(r->p, '\n', rd_left(r));
    return q ? (size_t)(q - r->p) : rd_left(r);
}

/*
 * Takes the next line from r into b (or in place, when it is whole in r).
 * Returns 1 with *line and *len set (CR LF removed) when a line is complete,
 * 0 when r ran out first (the piece is kept in b, up to SMTP_LINE_MAX).
 */
static int take_line(struct lbuf *b, struct rd *r, const char **line, size_t *len)
{
    size_t k = next_lf(r);
    int whole = k < rd_left(r);
    const uint8_t *p = rd_bytes(r, k);
    if (whole)
        rd_skip(r, 1);
    if (whole && b->len == 0 && !b->overflow) {
        *line = (const char *)p;
        *len = k;
    } else {
        size_t room = SMTP_LINE_MAX - b->len;
        size_t take = k < room ? k : room;
        memcpy(b->buf + b->len, p, take);
        b->len += take;
        if (take < k)
            b->overflow = 1;
        if (!whole)
            return 0;
        *line = b->buf;
        *len = b->len;
    }
    b->len = 0;
    b->overflow = 0;
    if (*len && (*line)[*len - 1] == '\r')
        (*len)--;
    return 1;
}

/* BDAT content: exactly the announced bytes, as message lines (no dot-stuffing). */
static void bdat_bytes(struct smtp_state *st, struct rd *r)
{
    size_t take = rd_left(r) < st->bdat_left ? rd_left(r) : (size_t)st->bdat_left;
    struct rd c = rd_sub(r, take);
    st->bdat_left -= take;
    const char *l;
    size_t n;
    while (rd_left(&c))
        if (take_line(&st->mline, &c, &l, &n))
            msg_line(st, l, n);
    if (st->bdat_left == 0) {
        st->cs = C_CMD;
        if (st->bdat_last) {
            if (st->mline.len) {
                msg_line(st, st->mline.buf, st->mline.len);
                st->mline.len = 0;
            }
            msg_end(st);
        }
    }
}

static int smtp_data(void *vst, struct app_ctx *ctx, int dir, const uint8_t *data, size_t len)
{
    struct smtp_state *st = vst;
    struct rd r = rd_make(data, len);
    const char *l;
    size_t n;
    while (rd_left(&r)) {
        if (dir == 0 && st->cs == C_BDAT) {
            bdat_bytes(st, &r);
            continue;
        }
        if (!take_line(&st->dir[dir], &r, &l, &n))
            break;
        if (dir == 0) {
            client_line(st, ctx, l, n);
        } else if (server_line(st, ctx, l, n) == PROTO_TO_TLS) {
            return PROTO_TO_TLS;
        }
    }
    return PROTO_CONTINUE;
}

static void smtp_gap(void *vst, struct app_ctx *ctx, int dir, uint64_t len)
{
    (void)ctx;
    struct smtp_state *st = vst;
    if (dir == 0 && st->cs == C_BDAT) {
        if (len < st->bdat_left) {
            st->bdat_left -= len;
            st->mline.len = 0;
            st->mline.overflow = 1;
            return;
        }
        st->bdat_left = 0;
        st->cs = C_CMD;
    }
    /* the line being assembled lost bytes: drop it up to the next line end */
    st->dir[dir].len = 0;
    st->dir[dir].overflow = 1;
}

static void smtp_end(void *vst, struct app_ctx *ctx)
{
    struct smtp_state *st = vst;
    if (st->cs == C_DATA || st->cs == C_BDAT)
        msg_end(st); /* the connection ended inside the content */
    if (st->x.active || (!st->emitted && (st->banner || st->helo[0] || st->tls)))
        emit_txn(st, ctx);
    free(st->m.hv);
    free(st->x.t.buf);
    free(st);
}

/* ---- probing ---- */

/*
 * Server: a 220 greeting ("220 " or "220-", RFC 5321 section 4.3.1). FTP
 * greets with 220 as well, so the greeting must name SMTP or mail and
 * must not name FTP; otherwise the client's EHLO/HELO decides.
 * Client: EHLO or HELO.
 */
static enum probe_result smtp_probe(const uint8_t *data, size_t len, int dir)
{
    const char *s = (const char *)data;
    if (dir == 0) {
        static const char *const hello[] = {"EHLO", "HELO"};
        for (size_t i = 0; i < 2; i++) {
            if (len < 5) {
                if (len && strncasecmp(s, hello[i], len < 4 ? len : 4) == 0)
                    return PROBE_MORE;
                continue;
            }
            if (strncasecmp(s, hello[i], 4) == 0 && (s[4] == ' ' || s[4] == '\r' || s[4] == '\n'))
                return PROBE_YES;
        }
        return PROBE_NO;
    }
    static const char greet[] = "220";
    size_t m = len < 3 ? len : 3;
    if (memcmp(s, greet, m) != 0)
        return PROBE_NO;
    if (len < 4)
        return PROBE_MORE;
    if (s[3] != ' ' && s[3] != '-' && s[3] != '\r')
        return PROBE_NO;
    const char *eol = memchr(s, '\n', len);
    size_t seen = eol ? (size_t)(eol - s) : len;
    if (ci_contains(s, len, "FTP"))
        return PROBE_NO;
    if (ci_contains(s, seen, "SMTP") || ci_contains(s, seen, "mail"))
        return PROBE_YES;
    return PROBE_MORE;
}

static const uint16_t smtp_ports[] = {25, 587, 2525, 0};

const struct proto_ops smtp_proto = {
    .name = "smtp",
    .id = PROTO_SMTP,
    .transports = PT_TCP,
    .ports = smtp_ports,
    .probe = smtp_probe,
    .state_new = smtp_new,
    .data = smtp_data,
    .gap = smtp_gap,
    .end = smtp_end,
};
