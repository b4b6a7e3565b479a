/*
 * summary: one message into struct msg with GMime 3: addresses, decoded
 * subject (RFC 2047), text in UTF-8 from any charset, links of the HTML and
 * plain text, attachments (RFC 2183/2231 file names)
 *
 * References: RFC 5322, RFC 2045-2049, RFC 2047, RFC 2231, HTML 5 §4.5.1
 * (the a element). GMime does the MIME and the charsets; the HTML link scan
 * is a bounded hand-written pass over the decoded text (no DOM is built).
 * GMime is lenient: a broken boundary or header loses only that part.
 */
#include <ctype.h>
#include <stddef.h>
#include <gmime/gmime.h>
#include <libpsl.h>
#include <stdlib.h>
#include <string.h>

#include "email/email_int.h"
#include "util/log.h"

static char *dup0(const char *s)
{
    return xstrdup(s ? s : "");
}

static char *lower_dup(const char *s)
{
    char *d = dup0(s);
    for (char *p = d; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return d;
}

static char *registrable_psl(const char *host)
{
    static const psl_ctx_t *ctx;
    if (!ctx)
        ctx = psl_builtin();
    if (ctx) {
        const char *r = psl_registrable_domain(ctx, host);
        if (r)
            return xstrdup(r);
    }
    return xstrdup(host);
}

/*
 * The same hosts come again and again (senders' domains, link hosts), and
 * libpsl walks its rules on every call: answers are memoised in a
 * direct-mapped table (REG_SLOTS entries of hosts up to REG_HOST_MAX bytes;
 * a collision replaces the entry), so memory stays bounded (about 2 MB).
 */
#define REG_SLOTS 4096
#define REG_HOST_MAX 253

char *email_registrable(const char *host)
{
    static struct {
        char *host, *reg;
    } memo[REG_SLOTS];
    if (!host || !*host)
        return xstrdup("");
    size_t n = strnlen(host, REG_HOST_MAX + 1);
    if (n > REG_HOST_MAX)
        return registrable_psl(host);
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)host[i]) * 16777619u;
    h &= REG_SLOTS - 1;
    if (memo[h].host && !strcmp(memo[h].host, host))
        return xstrdup(memo[h].reg);
    char *r = registrable_psl(host);
    free(memo[h].host);
    free(memo[h].reg);
    memo[h].host = xstrdup(host);
    memo[h].reg = xstrdup(r);
    return r;
}

static const char *addr_domain(const char *addr)
{
    const char *at = strrchr(addr, '@');
    return at ? at + 1 : "";
}

/* The first mailbox of list: address (lower-case) and display name. */
static void first_mailbox(InternetAddressList *list, char **addr, char **name)
{
    *addr = NULL;
    if (name)
        *name = NULL;
    int n = list ? internet_address_list_length(list) : 0;
    for (int i = 0; i < n; i++) {
        InternetAddress *ia = internet_address_list_get_address(list, i);
        if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
            continue;
        *addr = lower_dup(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)));
        if (name)
            *name = dup0(internet_address_get_name(ia));
        break;
    }
    if (!*addr)
        *addr = xstrdup("");
    if (name && !*name)
        *name = xstrdup("");
}

static void add_rcpts(struct msg *m, InternetAddressList *list)
{
    int n = list ? internet_address_list_length(list) : 0;
    for (int i = 0; i < n && m->n_rcpt < MSG_MAX_RCPT; i++) {
        InternetAddress *ia = internet_address_list_get_address(list, i);
        if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
            const char *a = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
            if (a && *a)
                m->rcpt[m->n_rcpt++] = lower_dup(a);
        } else if (INTERNET_ADDRESS_IS_GROUP(ia)) {
            add_rcpts(m, internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)));
        }
    }
}

/* Appends s (n bytes) to the message text, bounded by MSG_TEXT_MAX. */
static void text_add(struct msg *m, const char *s, size_t n)
{
    if (m->text_len >= MSG_TEXT_MAX)
        return;
    if (n > MSG_TEXT_MAX - m->text_len)
        n = MSG_TEXT_MAX - m->text_len;
    m->text = xrealloc(m->text, m->text_len + n + 2);
    memcpy(m->text + m->text_len, s, n);
    m->text_len += n;
    m->text[m->text_len++] = '\n';
    m->text[m->text_len] = '\0';
}

/* Host of a URL (lower-case, no userinfo or port) into out; 1 if an IP literal. */
static int url_host(const char *href, char *out, size_t outlen)
{
    out[0] = '\0';
    const char *p = strstr(href, "://");
    if (p)
        p += 3;
    else if (!strncasecmp(href, "www.", 4))
        p = href;
    else
        return 0;
    const char *end = p + strcspn(p, "/?#\\ \t\r\n\"'<>");
    const char *at = memchr(p, '@', (size_t)(end - p));
    if (at)
        p = at + 1;
    size_t n = 0;
    int brack = *p == '[';
    for (const char *q = p; q < end && n + 1 < outlen; q++) {
        if (*q == ':' && !brack)
            break;
        out[n++] = (char)tolower((unsigned char)*q);
        if (*q == ']')
            break;
    }
    out[n] = '\0';
    while (n && out[n - 1] == '.')
        out[--n] = '\0';
    if (brack)
        return 1;
    int digits = 0, other = 0;
    for (size_t i = 0; i < n; i++) {
        if (isdigit((unsigned char)out[i]))
            digits++;
        else if (out[i] != '.')
            other++;
    }
    return n && digits && !other;
}

static void add_link(struct msg *m, const char *text, size_t tlen, const char *href, size_t hlen)
{
    if (m->n_links >= MSG_MAX_LINKS || hlen == 0 || hlen > 4096)
        return;
    struct msg_link *l = &m->links[m->n_links];
    char *h = xmalloc(hlen + 1);
    /* the only entity that matters inside an href for its host: &amp; */
    size_t j = 0;
    for (size_t i = 0; i < hlen; i++) {
        if (href[i] == '&' && i + 4 < hlen + 1 && !strncmp(href + i, "&amp;", 5)) {
            h[j++] = '&';
            i += 4;
        } else if (href[i] != '\r' && href[i] != '\n') {
            h[j++] = href[i];
        }
    }
    h[j] = '\0';
    if (strncasecmp(h, "http", 4) && strncasecmp(h, "www.", 4)) {
        free(h); /* mailto:, cid:, #anchors, javascript: are not links out */
        return;
    }
    char host[256];
    l->href = h;
    l->ip_literal = url_host(h, host, sizeof(host));
    l->host = xstrdup(host);
    l->domain = l->ip_literal ? xstrdup(host) : email_registrable(host);
    /* visible text: tags dropped, whitespace collapsed, bounded */
    char *t = xmalloc(tlen + 1);
    size_t k = 0;
    int in_tag = 0, sp = 0;
    for (size_t i = 0; i < tlen && k < 512; i++) {
        char c = text[i];
        if (c == '<') {
            in_tag = 1;
            continue;
        }
        if (c == '>') {
            in_tag = 0;
            continue;
        }
        if (in_tag)
            continue;
        if (isspace((unsigned char)c)) {
            sp = k > 0;
            continue;
        }
        if (sp)
            t[k++] = ' ';
        sp = 0;
        t[k++] = c;
    }
    t[k] = '\0';
    l->text = t;
    m->n_links++;
}

/* ASCII case-insensitive equality of n bytes (the locale is C: strncasecmp is ASCII). */
static int ci_eq(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
            return 0;
    return 1;
}

/*
 * Case-insensitive search for the ASCII needle in [p, end). Candidates are
 * found with memchr on the needle's first byte (both cases of a letter; the
 * nearer of the two next positions is kept for each), then the rest of the
 * needle is compared: memchr's vector scan replaces a strncasecmp call at
 * every byte. No read leaves [p, end).
 */
static const char *ci_find(const char *p, const char *end, const char *needle)
{
    size_t n = strlen(needle);
    if (p >= end || (size_t)(end - p) < n || n == 0)
        return n == 0 && p <= end ? p : NULL;
    const char *last = end - n; /* the last possible start */
    unsigned char lo = (unsigned char)tolower((unsigned char)needle[0]);
    unsigned char up = (unsigned char)toupper((unsigned char)needle[0]);
    size_t span = (size_t)(last - p) + 1; /* starts are in [p, last] */
    const char *nl = memchr(p, lo, span);
    const char *nu = up != lo ? memchr(p, up, span) : NULL;
    while (nl || nu) {
        const char *c = !nu || (nl && nl < nu) ? nl : nu;
        if (ci_eq(c + 1, needle + 1, n - 1))
            return c;
        const char *from = c + 1;
        size_t left = from <= last ? (size_t)(last - from) + 1 : 0;
        if (c == nl)
            nl = left ? memchr(from, lo, left) : NULL;
        else
            nu = left ? memchr(from, up, left) : NULL;
    }
    return NULL;
}

/* The <a href=...>text</a> links of html, and its text without tags. */
static void scan_html(struct msg *m, const char *s, size_t n)
{
    const char *end = s + n, *p = s;
    while (p < end && m->n_links < MSG_MAX_LINKS) {
        const char *a = ci_find(p, end, "<a");
        if (!a)
            break;
        p = a + 2;
        if (p < end && !isspace((unsigned char)*p))
            continue;
        const char *gt = memchr(p, '>', (size_t)(end - p));
        if (!gt)
            break;
        const char *hr = ci_find(p, gt, "href");
        if (!hr) {
            p = gt + 1;
            continue;
        }
        const char *q = hr + 4;
        while (q < gt && (isspace((unsigned char)*q) || *q == '='))
            q++;
        char quote = (q < gt && (*q == '"' || *q == '\'')) ? *q++ : 0;
        const char *he = q;
        while (he < gt && (quote ? *he != quote : !isspace((unsigned char)*he)))
            he++;
        const char *close = ci_find(gt + 1, end, "</a");
        const char *te = close ? close : (gt + 1 + 512 < end ? gt + 1 + 512 : end);
        const char *hs = q;
        while (hs < he && isspace((unsigned char)*hs))
            hs++;
        add_link(m, gt + 1, (size_t)(te - (gt + 1)), hs, (size_t)(he - hs));
        p = te;
    }
    /* text for the keyword scan: tags, style and script dropped */
    char *t = xmalloc(n + 1);
    size_t k = 0;
    int in_tag = 0;
    for (const char *c = s; c < end; c++) {
        if (*c == '<') {
            const char *cl = NULL;
            if (end - c > 6 && !strncasecmp(c, "<style", 6))
                cl = ci_find(c, end, "</style");
            else if (end - c > 7 && !strncasecmp(c, "<script", 7))
                cl = ci_find(c, end, "</script");
            if (cl)
                c = cl;
            in_tag = 1;
        } else if (*c == '>') {
            in_tag = 0;
            t[k++] = ' ';
        } else if (!in_tag) {
            t[k++] = *c;
        }
    }
    text_add(m, t, k);
    free(t);
}

/* URLs written in plain text. */
static void scan_text_urls(struct msg *m, const char *s, size_t n)
{
    const char *end = s + n, *p = s;
    while (p < end && m->n_links < MSG_MAX_LINKS) {
        const char *u = ci_find(p, end, "http");
        if (!u)
            break;
        const char *e = u;
        while (e < end && !isspace((unsigned char)*e) && *e != '>' && *e != '"' && *e != '<' &&
               *e != ')')
            e++;
        if (e - u > 10 && (u[4] == ':' || ((u[4] == 's' || u[4] == 'S') && u[5] == ':')))
            add_link(m, "", 0, u, (size_t)(e - u));
        p = e > u ? e : u + 4;
    }
}

static GByteArray *part_bytes(GMimePart *part, GMimeStream **keep)
{
    GMimeDataWrapper *w = g_mime_part_get_content(part);
    *keep = NULL;
    if (!w)
        return NULL;
    GMimeStream *out = g_mime_stream_mem_new();
    g_mime_data_wrapper_write_to_stream(w, out);
    *keep = out;
    return g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
}

static void on_part(GMimeObject *parent, GMimeObject *part, gpointer data)
{
    (void)parent;
    struct msg *m = data;
    if (GMIME_IS_MESSAGE_PART(part)) {
        GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(part));
        if (inner)
            g_mime_message_foreach(inner, on_part, m);
        return;
    }
    if (!GMIME_IS_PART(part))
        return;
    GMimeContentType *ct = g_mime_object_get_content_type(part);
    const char *fname = g_mime_part_get_filename(GMIME_PART(part));
    int attachment = fname && *fname;
    GMimeContentDisposition *cd = g_mime_object_get_content_disposition(part);
    if (cd && g_mime_content_disposition_is_attachment(cd))
        attachment = 1;
    if (!attachment && GMIME_IS_TEXT_PART(part) &&
        (g_mime_content_type_is_type(ct, "text", "plain") ||
         g_mime_content_type_is_type(ct, "text", "html"))) {
        char *txt = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
        if (txt) {
            size_t n = strlen(txt);
            if (g_mime_content_type_is_type(ct, "text", "html")) {
                scan_html(m, txt, n);
            } else {
                text_add(m, txt, n);
                scan_text_urls(m, txt, n);
            }
            g_free(txt);
        }
        return;
    }
    if (!attachment && ct && g_mime_content_type_is_type(ct, "text", "*"))
        return; /* text/calendar, text/rfc822-headers inline: not a file */
    if (m->n_att >= MSG_MAX_ATT)
        return;
    struct msg_att *a = &m->att[m->n_att++];
    memset(a, 0, sizeof(*a));
    a->name = dup0(fname);
    char *mt = ct ? g_mime_content_type_get_mime_type(ct) : NULL;
    a->declared = lower_dup(mt ? mt : "application/octet-stream");
    g_free(mt);
    GMimeStream *keep;
    GByteArray *b = part_bytes(GMIME_PART(part), &keep);
    attach_inspect(a, b ? b->data : (const unsigned char *)"", b ? b->len : 0);
    if (keep)
        g_object_unref(keep);
}

/* Appends v (cut at 4,096 bytes) and a newline to the string *out of *len bytes. */
static void join_add(char **out, size_t *len, const char *v)
{
    size_t vl = strnlen(v, 4096);
    *out = xrealloc(*out, *len + vl + 2);
    memcpy(*out + *len, v, vl);
    *len += vl;
    (*out)[(*len)++] = '\n';
    (*out)[*len] = '\0';
}

/* "from HOST" of a Received value (the earliest hop: the last header), lower-case. */
static char *first_hop(const char *v)
{
    char host[256] = "";
    const char *p = v ? v : "";
    const char *end = p + strnlen(p, 4096); /* as much as header_join kept */
    while (p < end && isspace((unsigned char)*p))
        p++;
    if ((size_t)(end - p) >= 4 && !strncasecmp(p, "from", 4)) {
        p += 4;
        while (p < end && isspace((unsigned char)*p))
            p++;
        size_t n = 0;
        while (p + n < end && !isspace((unsigned char)p[n]) && p[n] != '(' && p[n] != ';' &&
               n + 1 < sizeof(host)) {
            host[n] = (char)tolower((unsigned char)p[n]);
            n++;
        }
        host[n] = '\0';
    }
    return xstrdup(host);
}

/*
 * One walk over the top-level headers: every Received value, top first, each
 * cut at RCV_MAX bytes (origin.c reads them), the first hop from the last
 * one, and the Authentication-Results values joined. A value is unfolded and
 * decoded by GMime (g_mime_header_get_value) only for the names wanted.
 */
static void headers_walk(struct msg *m, GMimeObject *o)
{
    GMimeHeaderList *hl = g_mime_object_get_header_list(o);
    int n = hl ? g_mime_header_list_get_count(hl) : 0;
    const char *last_rcv = NULL;
    char *ar = xstrdup("");
    size_t ar_len = 0;
    for (int i = 0; i < n; i++) {
        GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
        const char *name = g_mime_header_get_name(h);
        if (!name)
            continue;
        if (!strcasecmp(name, "Received")) {
            const char *v = g_mime_header_get_value(h);
            if (!v)
                continue;
            last_rcv = v;
            if (m->n_received < MSG_MAX_RECEIVED) {
                size_t vl = strnlen(v, RCV_MAX);
                char *c = xmalloc(vl + 1);
                memcpy(c, v, vl);
                c[vl] = '\0';
                m->received[m->n_received++] = c;
            }
        } else if (!strcasecmp(name, "Authentication-Results")) {
            const char *v = g_mime_header_get_value(h);
            if (v)
                join_add(&ar, &ar_len, v);
        }
    }
    m->auth_results = ar;
    m->first_hop = first_hop(last_rcv);
}

void msg_init(struct msg *m)
{
    memset(m, 0, offsetof(struct msg, links));
    m->n_links = 0;
    m->n_att = 0;
    m->html_only = 0;
    m->list = 0;
}

void msg_parse(struct msg *m, const char *raw, size_t len)
{
    GMimeStream *s = g_mime_stream_mem_new_with_buffer(raw, len);
    GMimeParser *p = g_mime_parser_new_with_stream(s);
    GMimeMessage *gm = g_mime_parser_construct_message(p, NULL);
    if (!gm) {
        m->message_id = dup0("");
        m->from_addr = dup0("");
        m->from_name = dup0("");
        m->from_domain = dup0("");
        m->reply_to = dup0("");
        m->return_path = dup0("");
        m->subject = dup0("");
        m->auth_results = dup0("");
        m->mailer = dup0("");
        m->first_hop = dup0("");
        goto out;
    }
    m->parsed = 1;
    GMimeObject *o = GMIME_OBJECT(gm);
    m->message_id = dup0(g_mime_message_get_message_id(gm));
    GDateTime *d = g_mime_message_get_date(gm);
    m->date = d ? (int64_t)g_date_time_to_unix(d) : 0;
    first_mailbox(g_mime_message_get_from(gm), &m->from_addr, &m->from_name);
    const char *dom = addr_domain(m->from_addr);
    m->from_domain = email_registrable(dom);
    char *rt_name;
    first_mailbox(g_mime_message_get_reply_to(gm), &m->reply_to, &rt_name);
    free(rt_name);
    const char *rp = g_mime_object_get_header(o, "Return-Path");
    char *rpl = lower_dup(rp);
    /* strip <> */
    char *b = strchr(rpl, '<');
    if (b) {
        memmove(rpl, b + 1, strlen(b + 1) + 1);
        char *e = strchr(rpl, '>');
        if (e)
            *e = '\0';
    }
    m->return_path = rpl;
    m->subject = dup0(g_mime_message_get_subject(gm));
    headers_walk(m, o);
    const char *xm = g_mime_object_get_header(o, "X-Mailer");
    if (!xm)
        xm = g_mime_object_get_header(o, "User-Agent");
    m->mailer = dup0(xm);
    const char *prec = g_mime_object_get_header(o, "Precedence");
    m->list = g_mime_object_get_header(o, "List-Id") ||
              g_mime_object_get_header(o, "List-Unsubscribe") ||
              (prec && (strcasestr(prec, "list") || strcasestr(prec, "bulk")));
    add_rcpts(m, g_mime_message_get_addresses(gm, GMIME_ADDRESS_TYPE_TO));
    add_rcpts(m, g_mime_message_get_addresses(gm, GMIME_ADDRESS_TYPE_CC));
    g_mime_message_foreach(gm, on_part, m);
    if (!m->text)
        m->text = dup0("");
    g_object_unref(gm);
out:
    if (!m->text)
        m->text = dup0("");
    g_object_unref(p);
    g_object_unref(s);
}

void msg_release(struct msg *m)
{
    free(m->message_id);
    free(m->from_addr);
    free(m->from_name);
    free(m->from_domain);
    free(m->reply_to);
    free(m->return_path);
    free(m->subject);
    free(m->auth_results);
    free(m->mailer);
    free(m->first_hop);
    for (size_t i = 0; i < m->n_received; i++)
        free(m->received[i]);
    for (size_t i = 0; i < m->n_rcpt; i++)
        free(m->rcpt[i]);
    free(m->text);
    for (size_t i = 0; i < m->n_links; i++) {
        free(m->links[i].text);
        free(m->links[i].href);
        free(m->links[i].host);
        free(m->links[i].domain);
    }
    for (size_t i = 0; i < m->n_att; i++) {
        free(m->att[i].name);
        free(m->att[i].declared);
        free(m->att[i].true_type);
        free(m->att[i].archive_member);
    }
    msg_init(m);
}
