/*
 * summary: HTTP/1.x: request/response pairs (pipelined, keep-alive), bodies to file analysis
 *
 * References: RFC 9112 (HTTP/1.1 message syntax: section 3 request line,
 * 4 status line, 5 fields, 6.3 message body length, 7.1 chunked coding),
 * RFC 9110 (semantics: 8.4 content codings, 9.3.6 CONNECT, 15.2 1xx,
 * 15.3.5 204, 15.4.5 304), RFC 6266 (Content-Disposition filename and
 * filename*), RFC 8187 (ext-value), RFC 7617 (Basic authentication).
 *
 * HTTP is recognised by content on any port: a request line (method token,
 * SP, request-target, SP, "HTTP/1.") or a status line ("HTTP/1.x NNN").
 * Each direction is a resumable state machine: start line, header lines,
 * then a body delimited by Content-Length, by the chunked coding, or by the
 * close of the connection (RFC 9112 section 6.3). Requests wait in a FIFO
 * (at most HTTP_PENDING_MAX) and responses are matched to them in order;
 * 1xx responses are interim (info_code), HEAD requests and 204/304
 * responses have no body, a 2xx answer to CONNECT turns the connection into
 * a tunnel (handed to the TLS parser), a 101 ends HTTP on the connection.
 * Bodies stream into proto/files.c, which undoes gzip/deflate, sniffs the
 * true type and hashes; nothing is buffered whole. A gap inside a body of
 * known length is skipped over; elsewhere the direction resynchronises on
 * the next start line (searching at most HTTP_RESYNC_MAX bytes). A stream
 * whose first lines are not HTTP in either direction is given up.
 *
 * Events
 * ------
 * One `http` event per request/response pair, stamped with the request's
 * time (the response's when there was no request), emitted when both are
 * complete (or the connection ends). Fields (Zeek http.log names):
 *   trans_depth        1-based position of the pair in the connection (Zeek: trans_depth)
 *   method, host, uri  request method, Host header, request-target as sent (Zeek: same)
 *   referrer           Referer header (Zeek: referrer)
 *   version            HTTP version of the response, else of the request, "1.1" (Zeek: version)
 *   user_agent         User-Agent header; "" (present, empty) when the request had none,
 *                      so that absence is visible (Zeek: user_agent, which omits it)
 *   origin             Origin header (Zeek: origin)
 *   request_body_len, response_body_len  body bytes after de-chunking and
 *                      decompression, gaps included (Zeek: same)
 *   status_code, status_msg  last response status: the final one, or a 1xx when
 *                      no final one came (Zeek: same)
 *   info_code, info_msg      last 1xx status (100 Continue, 101 Switching) (Zeek: same)
 *   tags               [] (Zeek: tags)
 *   username           user of Basic authentication, never the password (Zeek: username)
 *   orig_fuids, resp_fuids   fuid of the request/response body's files event (Zeek: same)
 *   orig_filenames, resp_filenames  Content-Disposition file names (Zeek: same)
 *   orig_mime_types, resp_mime_types  SNIFFED types of the bodies (Zeek: same)
 *   uri_filename       vigil: last path segment of the URI, percent-decoded, no query
 *                      ("TfBXbg6gEAqeHioMEKOtCAAn73.dll")
 *   resp_content_type  vigil: the response's Content-Type as sent
 *   resp_content_disposition_filename  vigil: filename/filename* of the response
 *   resp_content_length vigil: the response's Content-Length as sent
 *   resp_extension     vigil: real kind of the response body ("exe", "dll", "zip", ...)
 *   true_type_mismatch vigil: the declared Content-Type disagrees with the
 *                      sniffed type (e.g. an exe sent as image/png)
 *   post_body_len      vigil: request_body_len of a POST
 *   malformed_lines    vigil: malformed or over-long lines skipped (when > 0)
 * Fields that were not seen are left out (except user_agent, above).
 */
#include "proto/http.h"

#include <stdlib.h>
#include <string.h>

#include "flow/flow.h"
#include "proto/app.h"
#include "proto/files.h"
#include "proto/proto.h"
#include "util/json.h"
#include "util/log.h"
#include "util/rd.h"

#define HTTP_METHOD_MAX 32
#define HTTP_BAD_HEADERS_MAX 32 /* malformed header lines before a message is abandoned */
#define HTTP_CHUNK_MAX (1ULL << 62)

struct http_txn {
    struct http_event ev;
    int64_t ts;
    uint8_t req_done, resp_done;
    uint8_t detached; /* not in the FIFO: emitted as soon as its own message ends */
    uint8_t is_head, is_connect, is_post;
    uint8_t http09; /* the response is the raw bytes until close, without a status line */
};

enum hstate {
    HS_START,      /* a request or status line (empty lines before it are skipped) */
    HS_HEADERS,
    HS_BODY_LEN,   /* Content-Length body: left bytes to go */
    HS_CHUNK_SIZE,
    HS_CHUNK_DATA, /* left bytes of the chunk to go */
    HS_CHUNK_CRLF,
    HS_TRAILER,
    HS_BODY_CLOSE, /* body until the connection closes */
    HS_RESYNC,     /* skipping lines until a start line, after a gap or garbage */
    HS_DEAD,
};

struct http_dir {
    enum hstate state;
    /* the line being collected; at most HTTP_LINE_MAX bytes are kept */
    uint8_t *line;
    size_t line_len, line_cap;
    uint8_t line_over;
    /* the message being parsed */
    struct http_txn *txn;
    uint8_t interim; /* a 1xx response: headers only, the transaction waits on */
    uint8_t chunked, have_cl;
    enum file_enc enc;
    uint64_t cl;
    uint64_t left;
    unsigned nheaders, bad_headers;
    struct file_tx *file;
    /* the direction as a whole */
    uint64_t fed;      /* bytes handed over, data and gaps */
    uint64_t resync;   /* bytes skipped in HS_RESYNC since the last start line */
    unsigned msgs;     /* start lines parsed */
    unsigned pending_bad; /* malformed lines not yet charged to a transaction */
};

struct http_state {
    struct http_dir d[2];
    int cdir;          /* the client's direction, -1 until a start line tells */
    struct http_txn *q[HTTP_PENDING_MAX]; /* requests in order, oldest at qhead */
    unsigned qhead, qlen;
    unsigned depth;    /* transactions created */
    unsigned files;    /* files opened, for distinct fuids */
    int switched;      /* 0, or PROTO_TO_TLS / PROTO_DONE once HTTP ended on the connection */
    int saw09;         /* an HTTP/0.9 request was seen: answers may lack a status line */
};

static const uint16_t http_ports[] = {80, 8000, 8008, 8080, 8888, 3128, 0};

/* ---- small bounded text helpers over struct rd ---- */

static int is_tchar(uint8_t c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
        return 1;
    default:
        return 0;
    }
}

static uint8_t lower8(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

static void trim(struct rd *r)
{
    while (rd_left(r) && (r->p[0] == ' ' || r->p[0] == '\t'))
        r->p++;
    while (rd_left(r) && (r->end[-1] == ' ' || r->end[-1] == '\t'))
        r->end--;
}

/* The reader's bytes equal the lowercase literal, ignoring case. */
static int eq_ci(const struct rd *r, const char *lit)
{
    size_t n = strlen(lit);
    if (rd_left(r) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (lower8(r->p[i]) != (uint8_t)lit[i])
            return 0;
    return 1;
}

static int starts_ci(const struct rd *r, const char *lit)
{
    size_t n = strlen(lit);
    if (rd_left(r) < n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (lower8(r->p[i]) != (uint8_t)lit[i])
            return 0;
    return 1;
}

/* Splits off the bytes before the first c (c is consumed); the whole rest if there is none. */
static struct rd split(struct rd *r, uint8_t c)
{
    const uint8_t *q = memchr(r->p, c, rd_left(r));
    size_t n = q ? (size_t)(q - r->p) : rd_left(r);
    struct rd s = rd_sub(r, n);
    if (q)
        rd_skip(r, 1);
    return s;
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = lower8(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Percent-decodes src into out (room for rd_left(src) bytes); returns the length. */
static size_t pct_decode(struct rd src, uint8_t *out)
{
    size_t n = 0;
    while (rd_left(&src)) {
        uint8_t c = rd_u8(&src);
        if (c == '%' && rd_left(&src) >= 2) {
            int h = hexval(rd_peek(&src, 0)), l = hexval(rd_peek(&src, 1));
            if (h >= 0 && l >= 0) {
                rd_skip(&src, 2);
                c = (uint8_t)(h << 4 | l);
            }
        }
        out[n++] = c;
    }
    return n;
}

/* Parses a decimal number of at most 18 digits (so it cannot overflow); -1 if not one. */
static int parse_dec(struct rd r, uint64_t *out)
{
    trim(&r);
    if (!rd_left(&r) || rd_left(&r) > 18)
        return -1;
    uint64_t v = 0;
    while (rd_left(&r)) {
        uint8_t c = rd_u8(&r);
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (uint64_t)(c - '0');
    }
    *out = v;
    return 0;
}

/* ---- strings and transactions ---- */

/* Copies n bytes (borrowed) into s, at most max of them. */
static void str_set_max(struct http_str *s, const uint8_t *p, size_t n, size_t max)
{
    if (n > max)
        n = max;
    free(s->s);
    s->s = xmalloc(n + 1);
    if (n)
        memcpy(s->s, p, n);
    s->s[n] = '\0';
    s->n = n;
}

/* Header values and the like: at most HTTP_VALUE_MAX bytes are kept. */
static void str_set(struct http_str *s, const uint8_t *p, size_t n)
{
    str_set_max(s, p, n, HTTP_VALUE_MAX);
}

static void str_set_rd(struct http_str *s, struct rd r)
{
    str_set(s, r.p, rd_left(&r));
}

static void str_free(struct http_str *s)
{
    free(s->s);
    s->s = NULL;
    s->n = 0;
}

#define TXN_NSTR 15

static void txn_strs(struct http_txn *t, struct http_str *strs[TXN_NSTR])
{
    struct http_event *e = &t->ev;
    struct http_str *all[TXN_NSTR] = {&e->method, &e->host, &e->uri, &e->referrer, &e->version,
                                      &e->user_agent, &e->origin, &e->username,
                                      &e->req_content_type, &e->status_msg, &e->info_msg,
                                      &e->resp_content_type, &e->resp_cd_filename,
                                      &e->req_cd_filename, &e->uri_filename};
    memcpy(strs, all, sizeof(all));
}

static size_t txn_bytes(struct http_txn *t)
{
    struct http_str *strs[TXN_NSTR];
    txn_strs(t, strs);
    size_t n = sizeof(*t);
    for (size_t i = 0; i < TXN_NSTR; i++)
        n += strs[i]->n;
    return n;
}

static void txn_free(struct http_txn *t)
{
    struct http_str *strs[TXN_NSTR];
    txn_strs(t, strs);
    for (size_t i = 0; i < TXN_NSTR; i++)
        str_free(strs[i]);
    free(t);
}

static void kstr(struct jbuf *jb, const char *key, const struct http_str *s)
{
    if (s->s)
        jb_kstrn(jb, key, s->s, s->n);
}

static void karr1(struct jbuf *jb, const char *key, const char *s, size_t n)
{
    jb_key(jb, key);
    jb_arr_open(jb);
    jb_strn(jb, s, n);
    jb_arr_close(jb);
}

static void http_fields_json(const struct event *ev, struct jbuf *jb)
{
    const struct http_event *e = ev->body;
    jb_ku64(jb, "trans_depth", e->trans_depth);
    kstr(jb, "method", &e->method);
    kstr(jb, "host", &e->host);
    kstr(jb, "uri", &e->uri);
    kstr(jb, "referrer", &e->referrer);
    kstr(jb, "version", &e->version);
    if (e->have_request) {
        if (e->user_agent.s)
            jb_kstrn(jb, "user_agent", e->user_agent.s, e->user_agent.n);
        else
            jb_kstr(jb, "user_agent", "");
    }
    kstr(jb, "origin", &e->origin);
    jb_ku64(jb, "request_body_len", e->request_body_len);
    jb_ku64(jb, "response_body_len", e->response_body_len);
    if (e->status_code) {
        jb_ku64(jb, "status_code", e->status_code);
        kstr(jb, "status_msg", &e->status_msg);
    }
    if (e->info_code) {
        jb_ku64(jb, "info_code", e->info_code);
        kstr(jb, "info_msg", &e->info_msg);
    }
    jb_key(jb, "tags");
    jb_arr_open(jb);
    jb_arr_close(jb);
    kstr(jb, "username", &e->username);
    if (e->orig_file.fuid[0]) {
        karr1(jb, "orig_fuids", e->orig_file.fuid, strlen(e->orig_file.fuid));
        if (e->req_cd_filename.s)
            karr1(jb, "orig_filenames", e->req_cd_filename.s, e->req_cd_filename.n);
        if (e->orig_file.type.mime)
            karr1(jb, "orig_mime_types", e->orig_file.type.mime, strlen(e->orig_file.type.mime));
    }
    if (e->resp_file.fuid[0]) {
        karr1(jb, "resp_fuids", e->resp_file.fuid, strlen(e->resp_file.fuid));
        if (e->resp_cd_filename.s)
            karr1(jb, "resp_filenames", e->resp_cd_filename.s, e->resp_cd_filename.n);
        if (e->resp_file.type.mime)
            karr1(jb, "resp_mime_types", e->resp_file.type.mime, strlen(e->resp_file.type.mime));
    }
    kstr(jb, "uri_filename", &e->uri_filename);
    kstr(jb, "resp_content_type", &e->resp_content_type);
    kstr(jb, "resp_content_disposition_filename", &e->resp_cd_filename);
    if (e->have_resp_content_length)
        jb_ku64(jb, "resp_content_length", e->resp_content_length);
    if (e->resp_file.type.extension)
        jb_kstr(jb, "resp_extension", e->resp_file.type.extension);
    if (e->have_response)
        jb_kbool(jb, "true_type_mismatch", e->true_type_mismatch);
    if (e->method.s && e->method.n == 4 && memcmp(e->method.s, "POST", 4) == 0)
        jb_ku64(jb, "post_body_len", e->request_body_len);
    if (e->malformed)
        jb_ku64(jb, "malformed_lines", e->malformed);
}

static void txn_emit(struct http_txn *t, struct app_ctx *ctx)
{
    struct app_ctx c = *ctx;
    c.ts = t->ts;
    app_emit(&c, EV_HTTP, &t->ev, http_fields_json);
}

static struct http_txn *txn_new(struct http_state *st, struct http_dir *d, int64_t ts)
{
    struct http_txn *t = xcalloc(1, sizeof(*t));
    t->ev.trans_depth = ++st->depth;
    t->ts = ts;
    t->ev.malformed = d->pending_bad;
    d->pending_bad = 0;
    size_t queued = 0;
    for (unsigned i = 0; i < st->qlen; i++)
        queued += txn_bytes(st->q[(st->qhead + i) % HTTP_PENDING_MAX]);
    if (st->qlen < HTTP_PENDING_MAX && queued <= HTTP_PENDING_BYTES)
        st->q[(st->qhead + st->qlen++) % HTTP_PENDING_MAX] = t;
    else
        t->detached = 1; /* too many pending: reported on its own, never matched */
    return t;
}

/* Emits and frees the finished transactions at the head of the FIFO, in order. */
static void retire(struct http_state *st, struct app_ctx *ctx)
{
    while (st->qlen) {
        struct http_txn *t = st->q[st->qhead];
        if (!t->req_done || !t->resp_done)
            break;
        st->qhead = (st->qhead + 1) % HTTP_PENDING_MAX;
        st->qlen--;
        txn_emit(t, ctx);
        txn_free(t);
    }
}

/* ---- lines ---- */

/* Appends to the direction's line, keeping at most HTTP_LINE_MAX bytes. */
static void line_append(struct http_dir *d, const uint8_t *p, size_t n)
{
    size_t room = HTTP_LINE_MAX - d->line_len;
    if (n > room) {
        d->line_over = 1;
        n = room;
    }
    if (!n)
        return;
    if (d->line_len + n > d->line_cap) {
        size_t cap = d->line_cap ? d->line_cap : 256;
        while (cap < d->line_len + n)
            cap *= 2;
        if (cap > HTTP_LINE_MAX)
            cap = HTTP_LINE_MAX;
        d->line = xrealloc(d->line, cap);
        d->line_cap = cap;
    }
    memcpy(d->line + d->line_len, p, n);
    d->line_len += n;
}

/*
 * Takes the next complete line from r: 1 with *line (without CR LF;
 * borrowed from r or from the direction's buffer, valid until the next call)
 * and *cut (it was longer than HTTP_LINE_MAX and cut there), or 0 when r
 * ended first (the partial line is kept).
 */
static int next_line(struct http_dir *d, struct rd *r, struct rd *line, int *cut)
{
    size_t left = rd_left(r);
    const uint8_t *nl = memchr(r->p, '\n', left);
    if (!nl) {
        line_append(d, rd_bytes(r, left), left);
        return 0;
    }
    size_t n = (size_t)(nl - r->p);
    const uint8_t *p = rd_bytes(r, n + 1);
    if (d->line_len == 0 && !d->line_over && n <= HTTP_LINE_MAX) {
        *line = rd_make(p, n);
        *cut = 0;
    } else {
        line_append(d, p, n);
        *line = rd_make(d->line, d->line_len);
        *cut = d->line_over;
        d->line_len = 0;
        d->line_over = 0;
    }
    if (rd_left(line) && line->end[-1] == '\r')
        line->end--;
    return 1;
}

/* ---- start lines ---- */

/* "HTTP/" DIGIT "." DIGIT: the version digits, or an empty reader. */
static int parse_version(struct rd *r, struct rd *version)
{
    if (rd_left(r) < 8 || memcmp(r->p, "HTTP/", 5) != 0)
        return -1;
    uint8_t a = rd_peek(r, 5), dot = rd_peek(r, 6), b = rd_peek(r, 7);
    if (a < '0' || a > '9' || dot != '.' || b < '0' || b > '9')
        return -1;
    rd_skip(r, 5);
    *version = rd_sub(r, 3);
    return 0;
}

struct req_line {
    struct rd method, uri, version;
    int http09; /* RFC 1945 section 4.1 Simple-Request: "GET" SP Request-URI, no version */
};

/* RFC 9112 section 3: method SP request-target SP HTTP-version; a cut line has no version. */
static int parse_request_line(struct rd line, int cut, struct req_line *rl)
{
    struct rd r = line;
    size_t m = 0;
    rl->http09 = 0;
    while (m < rd_left(&r) && is_tchar(r.p[m]))
        m++;
    if (m == 0 || m > HTTP_METHOD_MAX || m == rd_left(&r) || r.p[m] != ' ')
        return -1;
    rl->method = rd_sub(&r, m);
    trim(&r);
    /* the version is the last word; the target is everything between (spaces and all) */
    const uint8_t *sp = NULL;
    for (const uint8_t *q = r.end; q > r.p; q--)
        if (q[-1] == ' ' || q[-1] == '\t') {
            sp = q - 1;
            break;
        }
    if (sp) {
        struct rd v = rd_make(sp + 1, (size_t)(r.end - sp - 1));
        if (parse_version(&v, &rl->version) == 0 && !rd_left(&v)) {
            rl->uri = rd_make(r.p, (size_t)(sp - r.p));
            trim(&rl->uri);
            return rd_left(&rl->uri) ? 0 : -1;
        }
    }
    if (!rd_left(&r))
        return -1;
    if (!cut) {
        if (rd_left(&rl->method) != 3 || memcmp(rl->method.p, "GET", 3) != 0 || sp)
            return -1;
        rl->http09 = 1;
    }
    rl->uri = r;
    rl->version = rd_make(r.end, 0);
    return 0;
}

struct status_line {
    struct rd version, reason;
    unsigned code;
};

/* RFC 9112 section 4: HTTP-version SP 3DIGIT SP [reason-phrase] (the last SP tolerated absent). */
static int parse_status_line(struct rd line, struct status_line *sl)
{
    struct rd r = line;
    if (parse_version(&r, &sl->version) < 0 || rd_left(&r) < 4)
        return -1;
    if (rd_peek(&r, 0) != ' ')
        return -1;
    trim(&r);
    unsigned code = 0;
    for (int i = 0; i < 3; i++) {
        uint8_t c = rd_u8(&r);
        if (!rd_ok(&r) || c < '0' || c > '9')
            return -1;
        code = code * 10 + (unsigned)(c - '0');
    }
    if (code < 100)
        return -1;
    if (rd_left(&r) && r.p[0] != ' ' && r.p[0] != '\t')
        return -1;
    trim(&r);
    sl->code = code;
    sl->reason = r;
    return 0;
}

/* uri_filename: the last segment of the URI's path, percent-decoded, without query. */
static void set_uri_filename(struct http_txn *t, struct rd uri)
{
    if (starts_ci(&uri, "http://") || starts_ci(&uri, "https://")) {
        rd_skip(&uri, starts_ci(&uri, "http://") ? 7 : 8);
        const uint8_t *slash = memchr(uri.p, '/', rd_left(&uri));
        if (!slash)
            return;
        rd_skip(&uri, (size_t)(slash - uri.p));
    }
    if (!rd_left(&uri) || uri.p[0] != '/')
        return; /* authority-form (CONNECT) or asterisk-form (OPTIONS *) */
    struct rd path = split(&uri, '?');
    path = split(&path, '#');
    const uint8_t *last = path.p;
    for (const uint8_t *q = path.p; q < path.end; q++)
        if (*q == '/')
            last = q + 1;
    struct rd seg = rd_make(last, (size_t)(path.end - last));
    if (!rd_left(&seg))
        return;
    uint8_t *buf = xmalloc(rd_left(&seg) + 1);
    size_t n = pct_decode(seg, buf);
    str_set_max(&t->ev.uri_filename, buf, n, HTTP_LINE_MAX);
    free(buf);
}

/* ---- header values ---- */

/* RFC 6266 section 4.1: filename*=charset'lang'pct-encoded wins over filename="...". */
static void parse_content_disposition(struct rd v, struct http_str *out)
{
    struct rd ext = rd_make(v.p, 0);
    int have_plain = 0, have_ext = 0;
    uint8_t *buf = xmalloc(rd_left(&v) + 1);
    (void)split(&v, ';'); /* the disposition type */
    while (rd_left(&v)) {
        struct rd name = split(&v, '=');
        trim(&name);
        while (rd_left(&v) && (rd_peek(&v, 0) == ' ' || rd_peek(&v, 0) == '\t'))
            rd_skip(&v, 1);
        if (rd_left(&v) && rd_peek(&v, 0) == '"') {
            /* quoted-string: a backslash escapes one character */
            rd_skip(&v, 1);
            size_t n = 0;
            while (rd_left(&v)) {
                uint8_t c = rd_u8(&v);
                if (c == '"')
                    break;
                if (c == '\\' && rd_left(&v))
                    c = rd_u8(&v);
                buf[n++] = c;
            }
            (void)split(&v, ';');
            if (eq_ci(&name, "filename") && !have_plain) {
                have_plain = 1;
                str_set(out, buf, n);
            }
            continue;
        }
        struct rd val = split(&v, ';');
        trim(&val);
        if (eq_ci(&name, "filename*")) {
            struct rd x = val;
            (void)split(&x, '\''); /* charset */
            (void)split(&x, '\''); /* language */
            ext = x;
            have_ext = 1;
        } else if (eq_ci(&name, "filename") && !have_plain) {
            have_plain = 1;
            str_set_rd(out, val);
        }
    }
    if (have_ext && rd_left(&ext)) {
        size_t n = pct_decode(ext, buf);
        str_set(out, buf, n);
    }
    free(buf);
}

static int b64val(uint8_t c)
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

/* RFC 7617: Basic base64(user ":" password); keeps the user only. */
static void parse_basic_auth(struct rd v, struct http_str *user)
{
    trim(&v);
    if (!starts_ci(&v, "basic "))
        return;
    rd_skip(&v, 6);
    trim(&v);
    uint8_t out[HTTP_USERNAME_MAX];
    size_t n = 0;
    uint32_t acc = 0;
    int bits = 0;
    while (rd_left(&v) && n < sizeof(out)) {
        int x = b64val(rd_u8(&v));
        if (x < 0)
            break;
        acc = (acc << 6 | (uint32_t)x) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            uint8_t c = (uint8_t)(acc >> bits);
            if (c == ':') {
                str_set(user, out, n);
                return;
            }
            out[n++] = c;
        }
    }
    str_set(user, out, n); /* no ':' seen (or a user longer than the cap): what there is */
}

static enum file_enc parse_content_encoding(struct rd v)
{
    trim(&v);
    if (eq_ci(&v, "gzip") || eq_ci(&v, "x-gzip"))
        return FILE_ENC_GZIP;
    if (eq_ci(&v, "deflate"))
        return FILE_ENC_DEFLATE;
    if (!rd_left(&v) || eq_ci(&v, "identity"))
        return FILE_ENC_IDENTITY;
    return FILE_ENC_OTHER;
}

/* RFC 9112 section 6.1: chunked is the final transfer coding. */
static int te_chunked(struct rd v)
{
    struct rd last = v;
    while (rd_left(&v)) {
        struct rd tok = split(&v, ',');
        trim(&tok);
        if (rd_left(&tok))
            last = tok;
    }
    trim(&last);
    return starts_ci(&last, "chunked") &&
           (rd_left(&last) == 7 || last.p[7] == ';' || last.p[7] == ' ');
}

/* ---- messages ---- */

static int is_client(const struct http_state *st, int dir)
{
    return st->cdir == dir;
}

static void msg_reset(struct http_dir *d)
{
    d->txn = NULL;
    d->interim = 0;
    d->chunked = 0;
    d->have_cl = 0;
    d->enc = FILE_ENC_IDENTITY;
    d->cl = 0;
    d->left = 0;
    d->nheaders = 0;
    d->bad_headers = 0;
}

static void bad_line(struct http_dir *d)
{
    if (d->txn)
        d->txn->ev.malformed++;
    else
        d->pending_bad++;
}

static void open_file(struct http_state *st, struct app_ctx *ctx, int dir)
{
    struct http_dir *d = &st->d[dir];
    struct http_txn *t = d->txn;
    d->file = file_tx_new("HTTP", ctx->flow ? ctx->flow->uid : "", st->files++, dir == 0,
                          t ? t->ev.trans_depth : 0, d->enc, ctx->ts);
    if (d->have_cl && !d->chunked && d->enc == FILE_ENC_IDENTITY)
        file_tx_set_total(d->file, d->cl);
    if (t) {
        const struct http_str *fn = is_client(st, dir) ? &t->ev.req_cd_filename
                                                        : &t->ev.resp_cd_filename;
        if (fn->s)
            file_tx_set_filename(d->file, (const uint8_t *)fn->s, fn->n);
    }
}

static void body_data(struct http_state *st, struct app_ctx *ctx, int dir, const uint8_t *p,
                      size_t n)
{
    if (!n)
        return;
    if (!st->d[dir].file)
        open_file(st, ctx, dir);
    file_tx_data(st->d[dir].file, p, n, ctx->ts);
}

static void body_gap(struct http_state *st, struct app_ctx *ctx, int dir, uint64_t n)
{
    if (!n)
        return;
    if (!st->d[dir].file)
        open_file(st, ctx, dir);
    file_tx_gap(st->d[dir].file, n);
}

/*
 * The message of dir ended (whole: at its proper end). Ends and reports its
 * body's file, marks its half of the transaction done and retires what is
 * finished. The direction then expects a new start line.
 */
static void msg_end(struct http_state *st, struct app_ctx *ctx, int dir, int whole)
{
    struct http_dir *d = &st->d[dir];
    struct http_txn *t = d->txn;
    int client = is_client(st, dir);
    if (d->file) {
        file_tx_end(d->file, whole);
        file_tx_emit(d->file, ctx);
        const struct files_event *fe = file_tx_event(d->file);
        if (t) {
            struct http_body_file *bf = client ? &t->ev.orig_file : &t->ev.resp_file;
            memcpy(bf->fuid, fe->fuid, sizeof(bf->fuid));
            bf->type = fe->type;
            bf->complete = fe->complete;
            uint64_t len = fe->seen_bytes + fe->overflow_bytes + fe->missing_bytes;
            if (client)
                t->ev.request_body_len = len;
            else
                t->ev.response_body_len = len;
            if (!client && t->ev.resp_content_type.s && !fe->decode_error)
                t->ev.true_type_mismatch =
                    file_type_mismatch((const uint8_t *)t->ev.resp_content_type.s,
                                       t->ev.resp_content_type.n, fe->type.mime);
        }
        file_tx_free(d->file);
        d->file = NULL;
    }
    int interim = d->interim;
    msg_reset(d);
    d->state = HS_START;
    if (!t || interim)
        return;
    if (client)
        t->req_done = 1;
    else
        t->resp_done = 1;
    if (t->detached) {
        txn_emit(t, ctx);
        txn_free(t);
        return;
    }
    retire(st, ctx);
}

/* Abandons the message of dir (it cannot be followed) and looks for the next start line. */
static void msg_abort(struct http_state *st, struct app_ctx *ctx, int dir)
{
    msg_end(st, ctx, dir, 0);
    st->d[dir].state = HS_RESYNC;
    st->d[dir].resync = 0;
}

static void start_request(struct http_state *st, struct app_ctx *ctx, int dir,
                          const struct req_line *rl)
{
    struct http_dir *d = &st->d[dir];
    struct http_txn *t = txn_new(st, d, ctx->ts);
    t->ev.have_request = 1;
    str_set_rd(&t->ev.method, rl->method);
    str_set_max(&t->ev.uri, rl->uri.p, rd_left(&rl->uri), HTTP_LINE_MAX);
    if (rd_left(&rl->version))
        str_set_rd(&t->ev.version, rl->version);
    set_uri_filename(t, rl->uri);
    t->is_head = (uint8_t)eq_ci(&rl->method, "head");
    t->is_connect = (uint8_t)eq_ci(&rl->method, "connect");
    d->txn = t;
    d->state = HS_HEADERS;
    if (rl->http09) {
        t->http09 = 1;
        st->saw09 = 1;
        str_set(&t->ev.version, (const uint8_t *)"0.9", 3);
        msg_end(st, ctx, dir, 1); /* a Simple-Request has no headers */
    }
}

/* The next response is the answer to an HTTP/0.9 request: no status line, body until close. */
static int expect_http09(const struct http_state *st, int dir)
{
    if (!st->saw09 || st->cdir != !dir || st->d[dir].line_len || st->d[dir].line_over)
        return 0;
    for (unsigned i = 0; i < st->qlen; i++) {
        const struct http_txn *t = st->q[(st->qhead + i) % HTTP_PENDING_MAX];
        if (!t->resp_done)
            return t->http09;
    }
    return 0;
}

/* The transaction a response belongs to: the oldest without one, or a new one. */
static struct http_txn *response_txn(struct http_state *st, struct app_ctx *ctx, int dir)
{
    for (unsigned i = 0; i < st->qlen; i++) {
        struct http_txn *t = st->q[(st->qhead + i) % HTTP_PENDING_MAX];
        if (!t->resp_done)
            return t;
    }
    struct http_txn *t = txn_new(st, &st->d[dir], ctx->ts);
    t->req_done = 1; /* the request was not seen */
    return t;
}

static void start_response(struct http_state *st, struct app_ctx *ctx, int dir,
                           const struct status_line *sl)
{
    struct http_dir *d = &st->d[dir];
    struct http_txn *t = response_txn(st, ctx, dir);
    t->ev.malformed += d->pending_bad;
    d->pending_bad = 0;
    t->ev.have_response = 1;
    /* as Zeek: every status sets status_code (a final one overwrites an interim one) */
    t->ev.status_code = sl->code;
    str_set_rd(&t->ev.status_msg, sl->reason);
    if (sl->code < 200) {
        t->ev.info_code = sl->code;
        str_set_rd(&t->ev.info_msg, sl->reason);
        d->interim = sl->code != 101; /* 101 ends HTTP on the connection after its headers */
    }
    str_set_rd(&t->ev.version, sl->version);
    d->txn = t;
    d->state = HS_HEADERS;
}

/* A line where a start line was expected. */
static void start_line(struct http_state *st, struct app_ctx *ctx, int dir, struct rd line, int cut)
{
    struct http_dir *d = &st->d[dir];
    if (!rd_left(&line) && !cut)
        return; /* RFC 9112 section 2.2: empty lines before a request are ignored */
    struct req_line rl;
    struct status_line sl;
    if (st->cdir != !dir && parse_request_line(line, cut, &rl) == 0) {
        st->cdir = dir;
        d->msgs++;
        d->resync = 0;
        start_request(st, ctx, dir, &rl);
        if (cut)
            d->txn->ev.malformed++;
        return;
    }
    if (st->cdir != dir && !cut && parse_status_line(line, &sl) == 0) {
        st->cdir = !dir;
        d->msgs++;
        d->resync = 0;
        start_response(st, ctx, dir, &sl);
        return;
    }
    if (d->state == HS_RESYNC)
        return;
    d->pending_bad++;
    const struct http_dir *o = &st->d[!dir];
    if (d->msgs == 0 && o->msgs == 0 && o->fed > 0) {
        /* neither side ever spoke HTTP: this is not HTTP */
        st->d[0].state = st->d[1].state = HS_DEAD;
        return;
    }
    d->state = HS_RESYNC;
    d->resync = 0;
}

static void header_line(struct http_state *st, int dir, struct rd line, int cut)
{
    struct http_dir *d = &st->d[dir];
    struct http_txn *t = d->txn;
    uint8_t first = rd_peek(&line, 0);
    if (first == ' ' || first == '\t')
        return; /* obs-fold continuation (RFC 9112 section 5.2): not followed */
    if (cut || ++d->nheaders > HTTP_HEADERS_MAX) {
        bad_line(d);
        d->bad_headers += !cut; /* an endless header section is no header section */
        return;
    }
    struct rd value = line;
    struct rd name = split(&value, ':');
    int has_colon = rd_left(&name) < rd_left(&line);
    if (name.p < name.end && (name.end[-1] == ' ' || name.end[-1] == '\t')) {
        bad_line(d); /* RFC 9112 section 5.1 forbids it; tolerated as most servers do */
        trim(&name);
    }
    int token = has_colon && rd_left(&name);
    for (const uint8_t *q = name.p; token && q < name.end; q++)
        token = is_tchar(*q); /* RFC 9110 section 5.1: field-name = token */
    if (!token) {
        bad_line(d);
        d->bad_headers++;
        return;
    }
    trim(&value);
    if (d->interim || !t)
        return;
    struct http_event *e = &t->ev;
    int client = is_client(st, dir);
    if (eq_ci(&name, "content-length")) {
        uint64_t v;
        /* a list of equal values ("5, 5") is allowed: take the last */
        struct rd last = value;
        while (rd_left(&value)) {
            struct rd tok = split(&value, ',');
            trim(&tok);
            if (rd_left(&tok))
                last = tok;
        }
        if (parse_dec(last, &v) == 0) {
            d->have_cl = 1;
            d->cl = v;
            if (!client) {
                e->resp_content_length = v;
                e->have_resp_content_length = 1;
            }
        } else {
            bad_line(d);
        }
    } else if (eq_ci(&name, "transfer-encoding")) {
        d->chunked = (uint8_t)te_chunked(value);
    } else if (eq_ci(&name, "content-encoding")) {
        d->enc = parse_content_encoding(value);
    } else if (eq_ci(&name, "content-type")) {
        str_set_rd(client ? &e->req_content_type : &e->resp_content_type, value);
    } else if (eq_ci(&name, "content-disposition")) {
        parse_content_disposition(value, client ? &e->req_cd_filename : &e->resp_cd_filename);
    } else if (!client) {
        return;
    } else if (eq_ci(&name, "host")) {
        str_set_rd(&e->host, value);
    } else if (eq_ci(&name, "user-agent")) {
        str_set_rd(&e->user_agent, value);
    } else if (eq_ci(&name, "referer")) {
        str_set_rd(&e->referrer, value);
    } else if (eq_ci(&name, "origin")) {
        str_set_rd(&e->origin, value);
    } else if (eq_ci(&name, "authorization")) {
        parse_basic_auth(value, &e->username);
    }
}

/* The empty line after the headers: RFC 9112 section 6.3 decides how the body is delimited. */
static void headers_done(struct http_state *st, struct app_ctx *ctx, int dir)
{
    struct http_dir *d = &st->d[dir];
    struct http_txn *t = d->txn;
    if (!is_client(st, dir)) {
        if (d->interim) {
            msg_end(st, ctx, dir, 1); /* 100 Continue and friends: the final status follows */
            return;
        }
        unsigned code = t ? t->ev.status_code : 0;
        if (code == 101) {
            msg_end(st, ctx, dir, 1);
            st->switched = PROTO_DONE; /* another protocol follows (WebSocket, h2c) */
            return;
        }
        int connect_ok = t && t->is_connect && code >= 200 && code < 300;
        if ((t && t->is_head) || code == 204 || code == 304 || connect_ok) {
            msg_end(st, ctx, dir, 1);
            if (connect_ok)
                st->switched = PROTO_TO_TLS; /* a tunnel: usually TLS, the TLS parser decides */
            return;
        }
        if (d->chunked) {
            d->state = HS_CHUNK_SIZE;
        } else if (d->have_cl) {
            d->left = d->cl;
            d->state = HS_BODY_LEN;
            if (!d->left)
                msg_end(st, ctx, dir, 1);
        } else {
            d->state = HS_BODY_CLOSE;
        }
        return;
    }
    /* a request has a body only with Content-Length or Transfer-Encoding */
    if (d->chunked) {
        d->state = HS_CHUNK_SIZE;
    } else if (d->have_cl && d->cl) {
        d->left = d->cl;
        d->state = HS_BODY_LEN;
    } else {
        msg_end(st, ctx, dir, 1);
    }
}

/* RFC 9112 section 7.1: chunk-size [ chunk-ext ] CRLF, hex. */
static void chunk_size_line(struct http_state *st, struct app_ctx *ctx, int dir, struct rd line,
                            int cut)
{
    struct http_dir *d = &st->d[dir];
    struct rd sz = split(&line, ';');
    trim(&sz);
    uint64_t v = 0;
    size_t digits = 0;
    while (rd_left(&sz)) {
        int h = hexval(rd_u8(&sz));
        if (h < 0 || ++digits > 16 || v > (HTTP_CHUNK_MAX >> 4)) {
            digits = 0;
            break;
        }
        v = v << 4 | (uint64_t)h;
    }
    if (!digits || cut) {
        bad_line(d);
        msg_abort(st, ctx, dir);
        return;
    }
    if (v == 0) {
        d->state = HS_TRAILER;
        d->nheaders = 0;
        return;
    }
    d->left = v;
    d->state = HS_CHUNK_DATA;
}

static void on_line(struct http_state *st, struct app_ctx *ctx, int dir, struct rd line, int cut)
{
    struct http_dir *d = &st->d[dir];
    switch (d->state) {
    case HS_START:
    case HS_RESYNC:
        start_line(st, ctx, dir, line, cut);
        break;
    case HS_HEADERS:
        if (!rd_left(&line) && !cut) {
            headers_done(st, ctx, dir);
            break;
        }
        header_line(st, dir, line, cut);
        if (d->bad_headers > HTTP_BAD_HEADERS_MAX)
            msg_abort(st, ctx, dir); /* not headers: lost track of this stream */
        break;
    case HS_CHUNK_SIZE:
        chunk_size_line(st, ctx, dir, line, cut);
        break;
    case HS_CHUNK_CRLF:
        if (rd_left(&line) || cut)
            bad_line(d); /* the chunk was longer than its size said */
        d->state = HS_CHUNK_SIZE;
        break;
    case HS_TRAILER:
        if (!rd_left(&line) && !cut)
            msg_end(st, ctx, dir, 1);
        else if (++d->nheaders > HTTP_HEADERS_MAX)
            msg_abort(st, ctx, dir);
        break;
    default:
        break;
    }
}

static int dir_result(const struct http_state *st, int dir)
{
    if (st->switched)
        return st->switched;
    if (st->d[0].state == HS_DEAD && st->d[1].state == HS_DEAD)
        return PROTO_DONE;
    return st->d[dir].state == HS_DEAD ? PROTO_DONE_DIR : PROTO_CONTINUE;
}

/* Takes the next line of r (or what there is of it) in a line-based state. */
static void line_step(struct http_state *st, struct app_ctx *ctx, int dir, struct rd *r)
{
    struct http_dir *d = &st->d[dir];
    struct rd line;
    int cut;
    size_t before = rd_left(r);
    int resync = d->state == HS_RESYNC;
    int got = next_line(d, r, &line, &cut);
    if (resync) {
        d->resync += before - rd_left(r);
        if (d->resync > HTTP_RESYNC_MAX) {
            d->state = HS_DEAD;
            return;
        }
    }
    if (got)
        on_line(st, ctx, dir, line, cut);
}

static int http_data(void *vst, struct app_ctx *ctx, int dir, const uint8_t *data, size_t len)
{
    struct http_state *st = vst;
    struct http_dir *d = &st->d[dir];
    d->fed += len;
    struct rd r = rd_make(data, len);
    while (rd_left(&r) && d->state != HS_DEAD && !st->switched) {
        size_t take;
        switch (d->state) {
        case HS_BODY_LEN:
        case HS_CHUNK_DATA:
            take = rd_left(&r) < d->left ? rd_left(&r) : (size_t)d->left;
            body_data(st, ctx, dir, rd_bytes(&r, take), take);
            d->left -= take;
            if (!d->left) {
                if (d->state == HS_CHUNK_DATA)
                    d->state = HS_CHUNK_CRLF;
                else
                    msg_end(st, ctx, dir, 1);
            }
            break;
        case HS_BODY_CLOSE:
            take = rd_left(&r);
            body_data(st, ctx, dir, rd_bytes(&r, take), take);
            break;
        case HS_START:
            if (expect_http09(st, dir)) {
                d->txn = response_txn(st, ctx, dir);
                d->txn->ev.have_response = 1;
                d->state = HS_BODY_CLOSE;
                break;
            }
            line_step(st, ctx, dir, &r);
            break;
        default:
            line_step(st, ctx, dir, &r);
            break;
        }
    }
    return dir_result(st, dir);
}

static void http_gap(void *vst, struct app_ctx *ctx, int dir, uint64_t len)
{
    struct http_state *st = vst;
    struct http_dir *d = &st->d[dir];
    d->fed += len;
    d->line_len = 0;
    d->line_over = 0;
    uint64_t k;
    switch (d->state) {
    case HS_BODY_LEN:
    case HS_CHUNK_DATA:
        k = len < d->left ? len : d->left;
        body_gap(st, ctx, dir, k);
        d->left -= k;
        if (len > k) {
            msg_abort(st, ctx, dir); /* the gap runs past the body: the next start is lost */
        } else if (!d->left) {
            if (d->state == HS_CHUNK_DATA)
                d->state = HS_CHUNK_CRLF;
            else
                msg_end(st, ctx, dir, 1);
        }
        break;
    case HS_BODY_CLOSE:
        body_gap(st, ctx, dir, len);
        break;
    case HS_HEADERS:
    case HS_CHUNK_SIZE:
    case HS_CHUNK_CRLF:
    case HS_TRAILER:
        msg_abort(st, ctx, dir);
        break;
    case HS_START:
        d->state = HS_RESYNC;
        d->resync = 0;
        break;
    default:
        break;
    }
}

/* A body "until close" is whole if the sender closed and every byte of the direction came. */
static int close_complete(const struct http_state *st, const struct app_ctx *ctx, int dir)
{
    const struct flow *f = ctx->flow;
    if (!f)
        return 0;
    return f->dir[dir].fin_seen && st->d[dir].fed >= flow_payload_bytes(f, dir);
}

static void *http_new(struct app_ctx *ctx)
{
    (void)ctx;
    struct http_state *st = xcalloc(1, sizeof(*st));
    st->cdir = -1;
    return st;
}

static void http_end(void *vst, struct app_ctx *ctx)
{
    struct http_state *st = vst;
    for (int dir = 0; dir < 2; dir++) {
        struct http_dir *d = &st->d[dir];
        switch (d->state) {
        case HS_BODY_CLOSE:
            msg_end(st, ctx, dir, close_complete(st, ctx, dir));
            break;
        case HS_TRAILER:
            msg_end(st, ctx, dir, 1); /* the last chunk came: the body is whole */
            break;
        case HS_HEADERS:
        case HS_BODY_LEN:
        case HS_CHUNK_SIZE:
        case HS_CHUNK_DATA:
        case HS_CHUNK_CRLF:
            msg_end(st, ctx, dir, 0);
            break;
        default:
            if (d->file || d->txn)
                msg_end(st, ctx, dir, 0);
            break;
        }
    }
    /* what is still pending: requests never answered, answers cut short */
    while (st->qlen) {
        struct http_txn *t = st->q[st->qhead];
        st->qhead = (st->qhead + 1) % HTTP_PENDING_MAX;
        st->qlen--;
        txn_emit(t, ctx);
        txn_free(t);
    }
    for (int dir = 0; dir < 2; dir++) {
        free(st->d[dir].line);
        if (st->d[dir].txn && st->d[dir].txn->detached)
            txn_free(st->d[dir].txn);
        file_tx_free(st->d[dir].file);
    }
    free(st);
}

/* ---- recognition ---- */

static int known_method(const uint8_t *p, size_t n)
{
    static const char *const m[] = {"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS",
                                    "CONNECT", "TRACE", "PATCH", "PROPFIND"};
    for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
        if (strlen(m[i]) == n && memcmp(p, m[i], n) == 0)
            return 1;
    return 0;
}

/*
 * A request line (token SP target SP "HTTP/1.") or a status line
 * ("HTTP/1.x" SP digit), after optional empty lines; in either direction.
 * A known method whose target fills the whole probe buffer is taken too.
 */
static enum probe_result http_probe(const uint8_t *data, size_t len, int dir)
{
    (void)dir;
    static const char ver[] = "HTTP/1.";
    struct rd r = rd_make(data, len);
    while (rd_left(&r) && (rd_peek(&r, 0) == '\r' || rd_peek(&r, 0) == '\n'))
        rd_skip(&r, 1);
    size_t left = rd_left(&r);
    if (!left)
        return len >= 16 ? PROBE_NO : PROBE_MORE;
    size_t k = left < 7 ? left : 7;
    if (memcmp(r.p, ver, k) == 0) {
        if (left < 9)
            return PROBE_MORE;
        uint8_t minor = rd_peek(&r, 7), sp = rd_peek(&r, 8);
        return minor >= '0' && minor <= '9' && sp == ' ' ? PROBE_YES : PROBE_NO;
    }
    size_t m = 0;
    while (m < left && m <= HTTP_METHOD_MAX && is_tchar(rd_peek(&r, m)))
        m++;
    if (m == left)
        return m <= HTTP_METHOD_MAX ? PROBE_MORE : PROBE_NO;
    if (m == 0 || m > HTTP_METHOD_MAX || rd_peek(&r, m) != ' ')
        return PROBE_NO;
    int known = known_method(r.p, m);
    int get09 = m == 3 && memcmp(r.p, "GET", 3) == 0; /* HTTP/0.9 "GET /" CRLF */
    rd_skip(&r, m);
    while (rd_left(&r) && rd_peek(&r, 0) == ' ')
        rd_skip(&r, 1);
    size_t u = 0;
    while (u < rd_left(&r) && rd_peek(&r, u) > 0x20 && rd_peek(&r, u) != 0x7f)
        u++;
    if (u == rd_left(&r))
        return known && len >= APP_PROBE_BUF ? PROBE_YES : PROBE_MORE;
    if (u == 0 || rd_peek(&r, u) != ' ')
        return (u && get09 && (rd_peek(&r, u) == '\r' || rd_peek(&r, u) == '\n')) ? PROBE_YES
                                                                                   : PROBE_NO;
    rd_skip(&r, u + 1);
    left = rd_left(&r);
    k = left < 7 ? left : 7;
    if (memcmp(r.p, ver, k) != 0)
        return PROBE_NO;
    return left < 7 ? PROBE_MORE : PROBE_YES;
}

const struct proto_ops http_proto = {
    .name = "http",
    .id = PROTO_HTTP,
    .transports = PT_TCP,
    .ports = http_ports,
    .probe = http_probe,
    .state_new = http_new,
    .data = http_data,
    .gap = http_gap,
    .end = http_end,
};
