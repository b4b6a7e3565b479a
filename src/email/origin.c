/*
 * summary: where a message came from: the originating IP of its Received
 * chain (the first public address the receiving organisation's own servers
 * recorded) and that IP's country and AS from libloc's offline database
 *
 * References: RFC 5321 §4.4 (trace information: "Received: from HELO
 * (TCP-info) by HOST ..."), RFC 5322 §3.6.7, RFC 6890 and RFC 5737 / 3849
 * (special-purpose and documentation address blocks), libloc (IPFire
 * location database, /usr/share/libloc-location/location.db).
 *
 * Which Received headers can be trusted. Every relay prepends one, so the
 * headers read top-down go back in time. Only a header written by one of the
 * organisation's own servers is evidence: anything below the first hop from
 * outside was written by the sender's side (or made up by it: spammers
 * prepend forged Received headers before sending). So the chain is walked
 * from the top, i.e. from the header the organisation's final server wrote:
 *   - the TCP-info of a header (the parenthesised "(rdns [ip])" or the
 *     bracketed "[ip]" the receiving server wrote itself; never the HELO
 *     name, which the client chose) names the host that handed the message
 *     over;
 *   - if that host is private, loopback, link-local or documentation space
 *     (an internal relay, a local content filter, fetchmail from localhost),
 *     or has no address at all (local pickup, "with IMAP"), the next header
 *     down was still written by the organisation's own machine: go on;
 *   - if its recorded name lies in an --internal-domains domain, or in the
 *     registrable domain of a "by" host of the headers walked so far (the
 *     organisation's own mail infrastructure, e.g. the hops inside Exchange
 *     Online: *.prod.outlook.com, *.outlook.office365.com), it is an own
 *     server with a public address: go on, remembering it. Exchange writes
 *     "from NAME (IP)" without a name of its own; there the HELO name is
 *     used, which the client chose: a sender could name itself after the
 *     receiver's provider to move the origin further down, into headers it
 *     wrote. That only blurs the origin (never a higher score), a trade-off
 *     for reading Exchange Online chains at all;
 *   - otherwise that public address is the originating IP: stop, and read
 *     nothing below.
 * If the walk ends without an outside hop, the last own public address is
 * used (mail that stayed inside one provider). At most MSG_MAX_RECEIVED
 * headers of at most RCV_MAX bytes are read.
 *
 * Every read of a header value is bounded by its length (the fuzz harness
 * reaches this code through email_judge).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <libloc/as.h>
#include <libloc/database.h>
#include <libloc/libloc.h>
#include <libloc/network.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "email/email_int.h"
#include "util/log.h"

struct geo {
    struct loc_ctx *ctx;
    struct loc_database *db;
};

static void geo_quiet(struct loc_ctx *ctx, int priority, const char *file, int line,
                      const char *fn, const char *format, va_list args)
{
    (void)ctx, (void)priority, (void)file, (void)line, (void)fn, (void)format, (void)args;
}

struct geo *geo_open(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot read the location database", path);
        return NULL;
    }
    struct geo *g = xcalloc(1, sizeof(*g));
    if (loc_new(&g->ctx) != 0) {
        snprintf(err, errlen, "%s: cannot start libloc", path);
        goto out_fail;
    }
    loc_set_log_fn(g->ctx, geo_quiet);
    if (loc_database_new(g->ctx, &g->db, f) != 0 || !g->db) {
        snprintf(err, errlen, "%s: not a libloc location database", path);
        goto out_fail;
    }
    fclose(f);
    return g;
out_fail:
    fclose(f);
    geo_close(g);
    return NULL;
}

void geo_close(struct geo *g)
{
    if (!g)
        return;
    if (g->db)
        loc_database_unref(g->db);
    if (g->ctx)
        loc_unref(g->ctx);
    free(g);
}

int geo_lookup(struct geo *g, const char *ip, struct msg_origin *o)
{
    o->country[0] = '\0';
    o->asn = 0;
    o->as_name[0] = '\0';
    if (!g)
        return -1;
    struct loc_network *n = NULL;
    if (loc_database_lookup_from_string(g->db, ip, &n) != 0 || !n)
        return -1;
    const char *cc = loc_network_get_country_code(n);
    if (cc && isalpha((unsigned char)cc[0]) && isalpha((unsigned char)cc[1]))
        snprintf(o->country, sizeof(o->country), "%.2s", cc);
    o->asn = loc_network_get_asn(n);
    loc_network_unref(n);
    struct loc_as *as = NULL;
    if (o->asn && loc_database_get_as(g->db, &as, o->asn) == 0 && as) {
        const char *nm = loc_as_get_name(as);
        snprintf(o->as_name, sizeof(o->as_name), "%s", nm ? nm : "");
        loc_as_unref(as);
    }
    return 0;
}

/* ---- addresses ---- */

static int v4_public(const unsigned char *a)
{
    static const struct {
        unsigned char net[4];
        int bits;
    } special[] = {
        {{0, 0, 0, 0}, 8},       {{10, 0, 0, 0}, 8},      {{100, 64, 0, 0}, 10},
        {{127, 0, 0, 0}, 8},     {{169, 254, 0, 0}, 16},  {{172, 16, 0, 0}, 12},
        {{192, 0, 0, 0}, 24},    {{192, 0, 2, 0}, 24},    {{192, 168, 0, 0}, 16},
        {{198, 18, 0, 0}, 15},   {{198, 51, 100, 0}, 24}, {{203, 0, 113, 0}, 24},
        {{224, 0, 0, 0}, 4},     {{240, 0, 0, 0}, 4},
    };
    uint32_t x = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
    for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
        const unsigned char *n = special[i].net;
        uint32_t y = (uint32_t)n[0] << 24 | (uint32_t)n[1] << 16 | (uint32_t)n[2] << 8 | n[3];
        uint32_t mask = ~0u << (32 - special[i].bits);
        if ((x & mask) == (y & mask))
            return 0;
    }
    return 1;
}

/* 1 for a public (globally routed) address, 0 otherwise; -1 if text is no address. */
int email_ip_public(const char *text)
{
    unsigned char a[16];
    if (inet_pton(AF_INET, text, a) == 1)
        return v4_public(a);
    if (inet_pton(AF_INET6, text, a) != 1)
        return -1;
    static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (!memcmp(a, v4mapped, 12))
        return v4_public(a + 12);
    if ((a[0] & 0xe0) != 0x20)
        return 0; /* outside 2000::/3: ::, ::1, fc00::/7, fe80::/10, ff00::/8, ... */
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8)
        return 0; /* 2001:db8::/32 documentation */
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0 && a[3] == 0)
        return 0; /* 2001::/32 Teredo */
    return 1;
}

/* ---- one Received header ---- */

struct rcv {
    char ip[INET6_ADDRSTRLEN];  /* the client address the receiving server recorded */
    char rdns[256];             /* its reverse name, as recorded; "" if none */
    char helo[256];             /* the name the client gave (HELO/EHLO) */
    char by[256];               /* the receiving host */
};

static int is_delim(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '(' || c == ')' || c == '[' ||
           c == ']' || c == '=' || c == ';' || c == ',' || c == '<' || c == '>';
}

static void lower_copy(char *out, size_t outlen, const char *p, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < outlen; i++)
        out[k++] = (char)tolower((unsigned char)p[i]);
    while (k && out[k - 1] == '.')
        k--;
    out[k] = '\0';
}

/* Token text as an address (an "IPv6:" prefix dropped) into ip; 1 if it is one. */
static int token_ip(const char *p, size_t n, char *ip, size_t iplen)
{
    if (n > 5 && !strncasecmp(p, "IPv6:", 5)) {
        p += 5;
        n -= 5;
    }
    if (n < 2 || n >= 46 || n >= iplen)
        return 0;
    if (!memchr(p, '.', n) && !memchr(p, ':', n))
        return 0;
    char t[48];
    memcpy(t, p, n);
    t[n] = '\0';
    unsigned char a[16];
    if (inet_pton(AF_INET, t, a) != 1 && inet_pton(AF_INET6, t, a) != 1)
        return 0;
    memcpy(ip, t, n + 1);
    return 1;
}

/*
 * Parses one Received value (v, n bytes, not NUL-terminated) into r:
 * "from HELO (RDNS [IP]) by HOST ...", with the variants of Postfix,
 * Sendmail, Exim ("[IP] (helo=...)"), qmail ("(HELO x) (IP)") and
 * Exchange ("HOST (IP) by ..."). The address chosen is the first one inside
 * parentheses, else the first bracketed one, else the first one at all.
 */
static void rcv_parse(const char *v, size_t n, struct rcv *r)
{
    memset(r, 0, sizeof(*r));
    size_t i = 0;
    int depth = 0, in_from = 0, after_by = 0, have_paren = 0, have_brack = 0, have_any = 0;
    size_t prev_s = 0, prev_n = 0; /* the previous hostname-like token in a comment */
    while (i < n) {
        char c = v[i];
        if (c == '(') {
            depth++;
            i++;
            prev_n = 0;
            continue;
        }
        if (c == ')') {
            if (depth)
                depth--;
            i++;
            continue;
        }
        if (c == ';' && !depth)
            break; /* the date follows */
        if (is_delim(c)) {
            i++;
            continue;
        }
        size_t s = i;
        while (i < n && !is_delim(v[i]))
            i++;
        size_t tl = i - s;
        int bracketed = s > 0 && v[s - 1] == '[';
        if (!depth && tl == 4 && !strncasecmp(v + s, "from", 4) && !in_from && !after_by) {
            in_from = 1;
            continue;
        }
        if (in_from == 1 && !depth) {
            lower_copy(r->helo, sizeof(r->helo), v + s, tl);
            in_from = 2;
        }
        if (!depth && tl == 2 && !strncasecmp(v + s, "by", 2)) {
            in_from = 0;
            after_by = 1;
            continue;
        }
        if (after_by == 1) {
            lower_copy(r->by, sizeof(r->by), v + s, tl);
            after_by = 2;
            continue;
        }
        if (!in_from)
            continue;
        char ip[INET6_ADDRSTRLEN];
        if (token_ip(v + s, tl, ip, sizeof(ip))) {
            int take = depth ? !have_paren : bracketed ? !have_paren && !have_brack
                                                       : !have_paren && !have_brack && !have_any;
            if (take) {
                memcpy(r->ip, ip, sizeof(ip));
                if (depth && prev_n)
                    lower_copy(r->rdns, sizeof(r->rdns), v + prev_s, prev_n);
            }
            have_any = 1;
            have_brack |= bracketed;
            have_paren |= depth > 0;
        } else if (depth && memchr(v + s, '.', tl) && strncasecmp(v + s, "helo", 4) != 0) {
            prev_s = s;
            prev_n = tl;
        }
    }
}

/* host equals dom or ends in ".dom" */
static int host_in(const char *host, const char *dom)
{
    size_t hl = strlen(host), dl = strlen(dom);
    if (!dl || hl < dl)
        return 0;
    return hl == dl ? !strcasecmp(host, dom)
                    : host[hl - dl - 1] == '.' && !strcasecmp(host + hl - dl, dom);
}

int email_origin_ip(const struct msg *m, const char *const *internal, size_t n_internal,
                    char *ip, size_t iplen)
{
    ip[0] = '\0';
    char own_dom[MSG_MAX_RECEIVED][128], fallback[INET6_ADDRSTRLEN] = "";
    size_t n_own = 0;
    for (size_t h = 0; h < m->n_received; h++) {
        struct rcv r;
        const char *v = m->received[h];
        rcv_parse(v, strlen(v), &r);
        char tmp[INET6_ADDRSTRLEN];
        if (r.by[0] && !token_ip(r.by, strlen(r.by), tmp, sizeof(tmp))) {
            char *d = email_registrable(r.by);
            int known = 0;
            for (size_t k = 0; k < n_own; k++)
                known |= !strcmp(own_dom[k], d);
            if (!known && strchr(d, '.') && strlen(d) < sizeof(own_dom[0]))
                snprintf(own_dom[n_own++], sizeof(own_dom[0]), "%s", d);
            free(d);
        }
        if (!r.ip[0] || email_ip_public(r.ip) != 1)
            continue; /* local pickup or an internal relay: the next header is ours too */
        const char *name = r.rdns[0] ? r.rdns : r.helo;
        int own = 0;
        for (size_t k = 0; name[0] && !own && k < n_own; k++)
            own = host_in(name, own_dom[k]);
        for (size_t k = 0; name[0] && !own && k < n_internal; k++)
            own = host_in(name, internal[k]);
        if (own) {
            snprintf(fallback, sizeof(fallback), "%s", r.ip);
            continue;
        }
        snprintf(ip, iplen, "%s", r.ip);
        return 1;
    }
    if (fallback[0] && email_ip_public(fallback) == 1) {
        snprintf(ip, iplen, "%s", fallback);
        return 1;
    }
    return 0;
}
