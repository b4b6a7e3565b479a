/*
 * summary: judge one message against the learned correspondence, write its
 * verdict, then learn it (tags, actions and weights: docs/email.md)
 *
 * Every indicator is general logic over what this organisation has seen
 * before: no sender, domain or subject of any corpus is named here. The
 * score is the sum of the weights of the indicators that fired, capped at
 * 100; tags come from the indicators, actions from the policy (policy()).
 */
#include <ctype.h>
#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "email/email_int.h"
#include "life/life.h"
#include "util/json.h"
#include "util/log.h"

#ifndef VIGIL_DEFAULT_MODELS
#define VIGIL_DEFAULT_MODELS "models" /* builds without the top-level definition (fuzzing) */
#endif

#define CAMPAIGN_S (48 * 3600) /* a campaign: messages sharing a mark within 48 hours */
#define MAX_IND 48
#define MAX_KW 1024

/* bit i is email_tag_names[i] (policy.c) */
enum tag { T_NONE = 0, T_LINK = 1, T_NEW = 2, T_NOASSOC = 4, T_SPOOF = 8, T_ATT = 16 };
enum { CAT_PAYMENT, CAT_INVOICE, CAT_TRANSFER, CAT_CREDENTIALS, CAT_URGENCY, CAT__N };
static const char *const cat_names[] = {"payment", "invoice", "transfer", "credentials",
                                        "urgency"};

struct kw {
    char *word; /* case-folded */
    size_t len;
    int cat;
    int whole;  /* short ASCII word: whole-word match */
};

#define TOPIC_MAX_RCPT 8      /* recipients compared with and learned per message */

struct topic_pass {
    float vec[TOPIC_DIM];
    size_t grams;
    const char *who[TOPIC_MAX_RCPT];
    double sim[TOPIC_MAX_RCPT];   /* -1: profile not ready */
    size_t n;
};

struct email {
    struct email_config cfg;
    struct life *life;
    struct facts facts;
    struct kw kw[MAX_KW];
    size_t n_kw;
    /* the keyword scan's index: keywords by first byte (file order), and which first two
     * bytes start any keyword (every pair that starts with a one-byte keyword) */
    uint16_t kw_head[256], kw_tail[256], kw_next[MAX_KW]; /* index + 1; 0: none */
    uint64_t kw_pair[65536 / 64];
    char *scratch; /* the folded subject and text, reused from message to message */
    size_t scratch_cap;
    char **known_doms; /* correspondent domains seen 3+ times (lookalike checks) */
    size_t n_known, cap_known;
    int64_t last_ts;
    struct geo *geo;         /* NULL: no location database, the origin indicator is off */
    struct topics *topics;   /* per-recipient topic profiles */
    struct topic_pass *tp;   /* one message's topic vector and people, reused */
    struct email_stats st;
};

struct ind {
    const char *name;
    char detail[320];
    int weight;
    int tag;
};

struct verdict {
    struct ind ind[MAX_IND];
    size_t n;
    int tags;
};

static void VIGIL_PRINTF(5, 6)
    add(struct verdict *v, const char *name, int weight, int tag, const char *fmt, ...)
{
    if (v->n >= MAX_IND)
        return;
    struct ind *x = &v->ind[v->n++];
    x->name = name;
    x->weight = weight;
    x->tag = tag;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->detail, sizeof(x->detail), fmt, ap);
    va_end(ap);
    v->tags |= tag;
}

void email_config_default(struct email_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    email_policy_default(&cfg->policy);
}

/* Case folding for keyword matching: ASCII, and Latin-1 capitals in UTF-8 (C3 80-9E). */
static void fold(char *s)
{
    unsigned char *p = (unsigned char *)s;
    for (; *p; p++) {
        if (*p < 0x80) {
            *p = (unsigned char)((unsigned)*p - 'A' < 26u ? *p + 0x20 : *p); /* tolower in the C locale */
        } else if (*p == 0xc3 && p[1] >= 0x80 && p[1] <= 0x9e && p[1] != 0x97) {
            p[1] = (unsigned char)(p[1] + 0x20);
            p++;
        }
    }
}

static int load_keywords(struct email *e, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot read the inducement keywords", path);
        return -1;
    }
    char line[512];
    while (fgets(line, sizeof(line), f) && e->n_kw < MAX_KW) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0] || line[0] == '#')
            continue;
        char *t1 = strchr(line, '\t');
        char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (!t2 || !t2[1])
            continue;
        *t1 = '\0';
        int cat = -1;
        for (int i = 0; i < CAT__N; i++)
            if (!strcmp(line, cat_names[i]))
                cat = i;
        if (cat < 0)
            continue;
        struct kw *k = &e->kw[e->n_kw++];
        k->word = xstrdup(t2 + 1);
        fold(k->word);
        k->cat = cat;
        size_t n = strlen(k->word);
        k->len = n;
        uint16_t id = (uint16_t)(e->n_kw); /* index + 1 */
        unsigned char c0 = (unsigned char)k->word[0];
        if (e->kw_tail[c0])
            e->kw_next[e->kw_tail[c0] - 1] = id;
        else
            e->kw_head[c0] = id;
        e->kw_tail[c0] = id;
        if (n == 1) { /* any pair that starts with it */
            for (unsigned pair = (unsigned)c0 << 8; pair < ((unsigned)c0 + 1) << 8; pair++)
                e->kw_pair[pair >> 6] |= (uint64_t)1 << (pair & 63);
        } else {
            unsigned pair = (unsigned)c0 << 8 | (unsigned char)k->word[1];
            e->kw_pair[pair >> 6] |= (uint64_t)1 << (pair & 63);
        }
        k->whole = n < 4;
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)k->word[i] >= 0x80)
                k->whole = 0;
    }
    fclose(f);
    return 0;
}

struct email *email_new(const struct email_config *cfg, struct life *life, char *err,
                        size_t errlen)
{
    g_mime_init();
    attach_global_init();
    struct email *e = xcalloc(1, sizeof(*e));
    e->cfg = *cfg;
    e->life = life;
    facts_init(&e->facts);
    const char *kw = cfg->inducement_path;
    char def[1024];
    if (!kw) {
        const char *env = getenv("VIGIL_MODELS");
        snprintf(def, sizeof(def), "%s/email-inducement.txt",
                 env && *env ? env : VIGIL_DEFAULT_MODELS);
        kw = def;
    }
    if (load_keywords(e, kw, err, errlen) < 0) {
        email_free(e);
        return NULL;
    }
    /* a missing location database is not fatal: one warning, and no origin indicator */
    char gerr[512];
    e->geo = geo_open(cfg->geoip_db ? cfg->geoip_db : EMAIL_GEOIP_DB, gerr, sizeof(gerr));
    if (!e->geo)
        log_msg(LOG_WARN, "email", "%s; the origin country of mail is not judged", gerr);
    e->topics = topics_new();
    e->tp = xcalloc(1, sizeof(*e->tp));
    return e;
}

void email_free(struct email *e)
{
    if (!e)
        return;
    facts_release(&e->facts);
    geo_close(e->geo);
    topics_free(e->topics);
    for (size_t i = 0; i < e->n_kw; i++)
        free(e->kw[i].word);
    free(e->scratch);
    free(e->tp);
    for (size_t i = 0; i < e->n_known; i++)
        free(e->known_doms[i]);
    free(e->known_doms);
    free(e);
}

static void known_add(struct email *e, const char *dom)
{
    if (e->n_known == e->cap_known) {
        e->cap_known = e->cap_known ? e->cap_known * 2 : 64;
        e->known_doms = xrealloc(e->known_doms, e->cap_known * sizeof(char *));
    }
    e->known_doms[e->n_known++] = xstrdup(dom);
}

int email_load(struct email *e, const char *path, char *err, size_t errlen)
{
    if (facts_load(&e->facts, path, err, errlen) < 0 ||
        topics_load(e->topics, path, err, errlen) < 0)
        return -1;
    for (size_t i = 0; i < e->facts.cap; i++) {
        const struct fact *x = &e->facts.v[i];
        if (x->key && !strncmp(x->key, "dom:", 4) && x->n >= 3)
            known_add(e, x->key + 4);
        if (x->key && !strcmp(x->key, "meta:last_ts"))
            e->last_ts = x->last;
    }
    return 0;
}

int email_save(const struct email *e, const char *path, char *err, size_t errlen)
{
    if (facts_save(&e->facts, path, err, errlen) < 0)
        return -1;
    return topics_save(e->topics, path, err, errlen);
}

void email_get_stats(const struct email *e, struct email_stats *st)
{
    *st = e->st;
    st->facts = e->facts.used;
    st->topic_profiles = topics_count(e->topics);
}

/* ---- helpers ---- */

static const char *dom_of(const char *addr)
{
    const char *at = strrchr(addr, '@');
    return at ? at + 1 : "";
}

static int is_internal(const struct email *e, const char *addr)
{
    const char *d = dom_of(addr);
    for (size_t i = 0; i < e->cfg.n_internal; i++) {
        const char *x = e->cfg.internal[i];
        size_t dl = strlen(d), xl = strlen(x);
        if (dl == xl ? !strcasecmp(d, x)
                     : (dl > xl && d[dl - xl - 1] == '.' && !strcasecmp(d + dl - xl, x)))
            return 1;
    }
    return 0;
}

static const struct fact *getf(const struct email *e, const char *a, const char *b)
{
    char key[1300];
    snprintf(key, sizeof(key), "%s%s", a, b);
    return facts_get(&e->facts, key);
}

static void touch(struct email *e, const char *a, const char *b, int64_t ts, const char *val)
{
    char key[1300];
    snprintf(key, sizeof(key), "%s%s", a, b);
    struct fact *x = facts_touch(&e->facts, key, ts, val);
    if (x && x->n == 3 && !strcmp(a, "dom:"))
        known_add(e, b);
}

/* Levenshtein distance of two short strings, capped at 3. */
static int edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 3;
    if ((la > lb ? la - lb : lb - la) > 2)
        return 3;
    int prev[64], cur[64];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int c = prev[j - 1] + (a[i - 1] != b[j - 1]);
            if (prev[j] + 1 < c)
                c = prev[j] + 1;
            if (cur[j - 1] + 1 < c)
                c = cur[j - 1] + 1;
            cur[j] = c;
        }
        memcpy(prev, cur, sizeof(int) * (lb + 1));
    }
    return prev[lb] > 3 ? 3 : prev[lb];
}

/* Domains equal after mapping look-alike characters (0→o, 1→l, rn→m, vv→w, ...). */
static void skeleton(const char *s, char *out, size_t outlen)
{
    size_t k = 0;
    for (; *s && k + 1 < outlen; s++) {
        char c = (char)tolower((unsigned char)*s);
        if (c == 'r' && s[1] == 'n') {
            c = 'm';
            s++;
        } else if (c == 'v' && s[1] == 'v') {
            c = 'w';
            s++;
        } else if (c == '0') {
            c = 'o';
        } else if (c == '1' || c == 'i') {
            c = 'l';
        } else if (c == '5') {
            c = 's';
        } else if (c == '-') {
            continue;
        }
        out[k++] = c;
    }
    out[k] = '\0';
}

/* A domain-like token ("bank.example", "https://x.y/..") in visible text, into out. */
static int text_domain(const char *t, char *out, size_t outlen)
{
    const char *p = t;
    while (*p) {
        while (*p && (isspace((unsigned char)*p) || *p == '(' || *p == '[' || *p == '<'))
            p++;
        const char *s = p;
        while (*p && !isspace((unsigned char)*p))
            p++;
        size_t n = (size_t)(p - s);
        if (n < 4 || n > 250)
            continue;
        char tok[256];
        memcpy(tok, s, n);
        tok[n] = '\0';
        const char *h = strstr(tok, "://");
        h = h ? h + 3 : tok;
        if (strchr(h, '@') && !strstr(tok, "://"))
            continue; /* an e-mail address shown as text */
        size_t k = 0;
        int dots = 0, alpha_tld = 0;
        for (; h[k] && k + 1 < outlen; k++) {
            char c = (char)tolower((unsigned char)h[k]);
            if (!(isalnum((unsigned char)c) || c == '.' || c == '-'))
                break;
            out[k] = c;
        }
        while (k && (out[k - 1] == '.' || out[k - 1] == '-'))
            k--;
        out[k] = '\0';
        const char *last = strrchr(out, '.');
        for (size_t i = 0; i < k; i++)
            dots += out[i] == '.';
        if (last && strlen(last + 1) >= 2) {
            alpha_tld = 1;
            for (const char *q = last + 1; *q; q++)
                if (!isalpha((unsigned char)*q))
                    alpha_tld = 0;
        }
        if (dots >= 1 && alpha_tld && out[0] != '.')
            return 1;
    }
    return 0;
}

static int has_any(const char *hay, const char *const *needles, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strstr(hay, needles[i]))
            return 1;
    return 0;
}

static const char *ext_of(const char *name)
{
    const char *d = strrchr(name, '.');
    return d && d[1] && strlen(d + 1) <= 8 ? d + 1 : "";
}

static int exec_ext(const char *x)
{
    static const char *const ex[] = {"exe", "scr", "com", "pif", "bat", "cmd", "vbs", "vbe",
                                     "js",  "jse", "wsf", "wsh", "hta", "ps1", "msi", "dll",
                                     "lnk", "jar", "cpl", "reg", "iso", "img", "vhd"};
    for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++)
        if (!strcasecmp(x, ex[i]))
            return 1;
    return 0;
}

/* Subject with its digits masked and spaces collapsed: the pattern of a campaign. */
static void subject_mask(const char *s, char *out, size_t outlen)
{
    size_t k = 0;
    int prev_d = 0;
    for (; *s && k + 2 < outlen; s++) {
        unsigned char c = (unsigned char)*s;
        if (isdigit(c)) {
            if (!prev_d)
                out[k++] = '#';
            prev_d = 1;
            continue;
        }
        prev_d = 0;
        out[k++] = (char)tolower(c);
    }
    out[k] = '\0';
}

/* ---- the indicators ---- */

/*
 * An address or domain is established when the organisation wrote to it, or
 * when it wrote on several occasions over some days: a burst from a stranger
 * does not make it a correspondent.
 */
static int established(const struct email *e, const char *kind, const char *out_kind,
                       const char *v, int64_t ts)
{
    if (getf(e, out_kind, v))
        return 1;
    const struct fact *a = getf(e, kind, v);
    return a && a->n >= 3 && ts - a->first >= 3 * 86400;
}

static void judge_contacts(struct email *e, const struct msg *m, int inbound, int64_t ts,
                           struct verdict *v)
{
    if (!inbound || !m->from_addr[0])
        return;
    const struct fact *a = getf(e, "addr:", m->from_addr);
    if (!a) {
        add(v, "new contact", 15, T_NEW, "'%s' never corresponded with the organisation before",
            m->from_addr);
    } else if (!established(e, "addr:", "out:", m->from_addr, ts)) {
        add(v, "new contact", 10, T_NEW,
            "'%s' wrote %llu times since %lld but nobody in the organisation ever wrote to it",
            m->from_addr, (unsigned long long)a->n, (long long)a->first);
    } else {
        for (size_t i = 0; i < m->n_rcpt; i++) {
            char k[600];
            snprintf(k, sizeof(k), "%s|%s", m->from_addr, m->rcpt[i]);
            if (e->cfg.n_internal && !is_internal(e, m->rcpt[i]))
                continue;
            if (!getf(e, "pair:", k)) {
                add(v, "new contact for recipient", 5, T_NEW,
                    "'%s' never wrote to '%s' before (known to the organisation since %lld)",
                    m->from_addr, m->rcpt[i], (long long)a->first);
                break;
            }
        }
    }
    if (m->from_domain[0] && !established(e, "dom:", "outdom:", m->from_domain, ts))
        add(v, "no association", 15, T_NOASSOC,
            "nobody in the organisation ever corresponded with the domain '%s'", m->from_domain);
}

static void judge_spoofing(struct email *e, const struct msg *m, struct verdict *v)
{
    const char *fd = m->from_domain;
    /* display name naming a known contact with another address */
    if (m->from_name[0] && m->from_addr[0]) {
        char name[256];
        snprintf(name, sizeof(name), "%s", m->from_name);
        fold(name);
        const struct fact *n = getf(e, "name:", name);
        if (n && n->val && strcmp(n->val, m->from_addr) != 0 && n->n >= 2) {
            char *kd = email_registrable(dom_of(n->val));
            if (strcmp(kd, fd) != 0)
                add(v, "display name of a known contact", 30, T_SPOOF,
                    "the display name '%s' belongs to '%s', but this came from '%s'",
                    m->from_name, n->val, m->from_addr);
            free(kd);
        }
        /* an address in the display name, of another domain */
        char dn[256];
        if (strchr(m->from_name, '@') || strchr(m->from_name, '.')) {
            if (text_domain(name, dn, sizeof(dn))) {
                const char *at = strrchr(name, '@');
                char *rd = email_registrable(at ? at + 1 : dn);
                if (rd[0] && fd[0] && strcmp(rd, fd) != 0 && strchr(rd, '.'))
                    add(v, "display name shows another domain", 25, T_SPOOF,
                        "the display name shows '%s' but the address is at '%s'", rd, fd);
                free(rd);
            }
        }
        for (size_t i = 0; i < e->cfg.n_brands; i++) {
            char b[128];
            snprintf(b, sizeof(b), "%s", e->cfg.brands[i]);
            fold(b);
            if (b[0] && strstr(name, b) && !strstr(fd, b))
                add(v, "brand in display name", 30, T_SPOOF,
                    "the display name names the brand '%s' but the address is at '%s'",
                    e->cfg.brands[i], fd);
        }
    }
    /* look-alike of a known correspondent's domain */
    if (fd[0] && !getf(e, "dom:", fd)) {
        char s1[256], s2[256];
        skeleton(fd, s1, sizeof(s1));
        for (size_t i = 0; i < e->n_known; i++) {
            const char *k = e->known_doms[i];
            if (!strcmp(k, fd) || strlen(k) < 6)
                continue;
            skeleton(k, s2, sizeof(s2));
            int d = edit_distance(fd, k);
            if (d <= 1 || !strcmp(s1, s2)) {
                add(v, "look-alike domain", 30, T_SPOOF,
                    "'%s' looks like '%s', a domain the organisation corresponds with", fd, k);
                break;
            }
        }
        if (!strncmp(fd, "xn--", 4) || strstr(fd, ".xn--"))
            add(v, "internationalised domain", 10, T_SPOOF,
                "the sender's domain '%s' is an IDN (homoglyphs are possible)", fd);
    }
    if (m->reply_to[0] && fd[0] && !m->list) {
        char *rd = email_registrable(dom_of(m->reply_to));
        if (strcmp(rd, fd) != 0)
            add(v, "reply-to differs", 15, T_SPOOF,
                "replies go to '%s', not to the sender's domain '%s'", m->reply_to, fd);
        free(rd);
    }
    if (m->return_path[0] && fd[0] && strchr(m->return_path, '@') && !m->list) {
        char *rd = email_registrable(dom_of(m->return_path));
        if (strcmp(rd, fd) != 0)
            add(v, "return-path differs", 3, T_NONE,
                "bounces go to '%s', not to the sender's domain '%s'", m->return_path, fd);
        free(rd);
    }
    if (m->auth_results[0]) {
        char ar[2048];
        snprintf(ar, sizeof(ar), "%s", m->auth_results);
        fold(ar);
        static const char *const fails[] = {"spf=fail", "spf=softfail", "dkim=fail", "dmarc=fail"};
        int w = 0;
        char what[128] = "";
        for (size_t i = 0; i < 4; i++)
            if (strstr(ar, fails[i])) {
                w += i == 1 ? 8 : 15;
                size_t l = strlen(what);
                snprintf(what + l, sizeof(what) - l, "%s%s", l ? ", " : "", fails[i]);
            }
        if (w)
            add(v, "authentication failed", w > 30 ? 30 : w, T_SPOOF,
                "Authentication-Results: %s", what);
    }
}

static void judge_links(struct email *e, const struct msg *m, struct verdict *v)
{
    static const char *const shorteners[] = {
        "bit.ly", "tinyurl.com", "goo.gl", "t.co", "ow.ly", "is.gd", "buff.ly", "rebrand.ly",
        "cutt.ly", "shorturl.at", "tiny.cc", "rb.gy", "t.ly", "s.id", "bitly.com", "v.gd"};
    static const char *const cms[] = {"/wp-content/", "/wp-includes/", "/wp-admin/",
                                      "/wp-login", "/wp-json/"};
    static const char *const doc_ext[] = {"doc", "docm", "xls", "xlsm", "zip", "rar", "7z",
                                          "iso", "img", "pdf", "one", "html", "htm"};
    int mismatch = 0, ip = 0, shortn = 0, wp = 0, file = 0, rare = 0;
    const char *first_dom = NULL;
    size_t distinct = 0;
    struct life_stats ls = {0};
    if (e->life)
        life_get_stats(e->life, &ls);
    for (size_t i = 0; i < m->n_links; i++) {
        const struct msg_link *l = &m->links[i];
        if (!l->domain[0])
            continue;
        if (!first_dom || strcmp(first_dom, l->domain) != 0) {
            int seen = 0;
            for (size_t j = 0; j < i; j++)
                if (!strcmp(m->links[j].domain, l->domain))
                    seen = 1;
            if (!seen)
                distinct++;
            if (!first_dom)
                first_dom = l->domain;
        }
        char td[256];
        if (!mismatch && l->text[0] && text_domain(l->text, td, sizeof(td))) {
            char *rd = email_registrable(td);
            if (strcmp(rd, l->domain) != 0 && strchr(rd, '.')) {
                mismatch = 1;
                add(v, "link text shows another domain", 35, T_LINK,
                    "the link text shows '%s' but the link goes to '%s'", rd, l->host);
            }
            free(rd);
        }
        if (!ip && l->ip_literal) {
            ip = 1;
            add(v, "IP address link", 25, T_LINK, "a link goes to the bare address '%s'", l->host);
        }
        for (size_t k = 0; !shortn && k < sizeof(shorteners) / sizeof(shorteners[0]); k++)
            if (!strcmp(l->host, shorteners[k]) ||
                (!strncmp(l->host, "www.", 4) && !strcmp(l->host + 4, shorteners[k]))) {
                shortn = 1;
                add(v, "shortened link", 15, T_LINK, "a link hides its target behind '%s'",
                    l->host);
            }
        if (!wp && has_any(l->href, cms, sizeof(cms) / sizeof(cms[0]))) {
            wp = 1;
            add(v, "compromised-CMS path", 20, T_LINK,
                "a link points into a WordPress directory on '%s'", l->host);
        }
        if (!file) {
            char path[512];
            const char *pp = strstr(l->href, "://");
            pp = pp ? strchr(pp + 3, '/') : NULL;
            snprintf(path, sizeof(path), "%s", pp ? pp : "");
            path[strcspn(path, "?#")] = '\0';
            const char *slash = strrchr(path, '/');
            const char *x = ext_of(slash ? slash : path);
            int ex = exec_ext(x);
            int dc = 0;
            for (size_t k = 0; k < sizeof(doc_ext) / sizeof(doc_ext[0]); k++)
                if (!strcasecmp(x, doc_ext[k]))
                    dc = 1;
            if (ex || (dc && strcasecmp(x, "html") && strcasecmp(x, "htm") &&
                       strcasecmp(x, "pdf"))) {
                file = 1;
                add(v, "link to a file", ex ? 25 : 15, T_LINK,
                    "a link downloads '%s' from '%s'", slash ? slash + 1 : path, l->host);
            }
        }
        if (rare < 1 && !l->ip_literal && !getf(e, "ld:", l->domain) &&
            !getf(e, "dom:", l->domain)) {
            struct life_domain_facts df = {0};
            if (e->life)
                life_domain_facts(e->life, l->domain, strlen(l->domain), &df);
            if (!df.in_network && !df.in_mail) {
                rare = 1;
                if (ls.devices > 0)
                    add(v, "link domain 100% unknown", 12, T_LINK,
                        "'%s' never appeared in the organisation's mail nor in its network "
                        "traffic (%zu devices watched)",
                        l->domain, ls.devices);
                else
                    add(v, "link domain unknown", 8, T_NONE,
                        "'%s' never appeared in the organisation's mail", l->domain);
            } else if (!df.in_network && ls.devices > 0 && df.in_mail) {
                rare = 1;
                add(v, "link domain unknown to the network", 4, T_NONE,
                    "'%s' came by mail %llu times but no device ever contacted it", l->domain,
                    (unsigned long long)df.mail_count);
            }
        }
    }
    if (distinct == 1 && m->text_len < 600 && m->n_att == 0 && m->parsed)
        add(v, "single isolated link", 10, T_LINK,
            "the only link of a short mail (%zu characters) goes to '%s'", m->text_len, first_dom);
}

static int ext_matches(const char *x, const char *tt)
{
    static const struct {
        const char *ext, *tt;
    } map[] = {{"pdf", "pdf"},   {"zip", "zip"},   {"jpg", "jpeg"}, {"jpeg", "jpeg"},
               {"png", "png"},   {"gif", "gif"},   {"doc", "msword"}, {"xls", "excel"},
               {"docx", "openxml"}, {"xlsx", "openxml"}, {"pptx", "openxml"},
               {"rar", "rar"},   {"7z", "7z"},     {"gz", "gzip"}};
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (!strcasecmp(x, map[i].ext)) {
            if (strstr(tt, map[i].tt))
                return 1;
            if (!strcmp(map[i].tt, "openxml") && (strstr(tt, "zip") || strstr(tt, "ooxml")))
                return 1;
            if ((!strcmp(map[i].tt, "msword") || !strcmp(map[i].tt, "excel")) &&
                (strstr(tt, "cdf") || strstr(tt, "ole") || strstr(tt, "ms-office") ||
                 strstr(tt, "msword") || strstr(tt, "excel")))
                return 1;
            return 0;
        }
    return -1; /* no expectation for this extension */
}

static void judge_attachments(struct email *e, const struct msg *m, struct verdict *v)
{
    const struct fact *nseen = facts_get(&e->facts, "meta:attachments");
    for (size_t i = 0; i < m->n_att; i++) {
        const struct msg_att *a = &m->att[i];
        const char *x = ext_of(a->name);
        const char *nm = a->name[0] ? a->name : "(unnamed)";
        int exec_tt = strstr(a->true_type, "dosexec") || strstr(a->true_type, "msdownload") ||
                      strstr(a->true_type, "x-executable") ||
                      strstr(a->true_type, "x-sharedlib");
        if (exec_ext(x) || exec_tt)
            add(v, "executable attachment", 35, T_ATT, "'%s' is a program or script (%s)", nm,
                a->true_type);
        /* double extension: name.doc.exe, name.pdf.js */
        const char *last = strrchr(a->name, '.');
        if (last && last > a->name) {
            const char *prev = last - 1;
            while (prev > a->name && *prev != '.')
                prev--;
            if (*prev == '.' && last - prev - 1 >= 2 && last - prev - 1 <= 4 && exec_ext(x))
                add(v, "double extension", 30, T_ATT, "'%s' hides its real extension '.%s'", nm,
                    x);
        }
        int mt = x[0] ? ext_matches(x, a->true_type) : -1;
        if (mt == 0 && a->size > 0)
            add(v, "attachment type mismatch", 20, T_ATT,
                "'%s' is named .%s but its content is %s (declared %s)", nm, x, a->true_type,
                a->declared);
        if (a->macro)
            add(v, "macro document", 40, T_ATT, "'%s' carries VBA macros", nm);
        if (a->archive_exec)
            add(v, "archive with executable", 40, T_ATT, "'%s' holds the program or script '%s'",
                nm, a->archive_member ? a->archive_member : "?");
        if (a->archive_encrypted)
            add(v, "encrypted archive", 25, T_ATT,
                "'%s' is an encrypted archive (content hidden from inspection)", nm);
        if (strstr(a->true_type, "html") && !strstr(a->declared, "text/plain"))
            add(v, "HTML attachment", 15, T_ATT,
                "'%s' is an HTML page sent as a file (a local page can harvest credentials)", nm);
        if (nseen && nseen->n >= 1) {
            int known_ext = x[0] ? getf(e, "ext:", x) != NULL : 1;
            if (!known_ext)
                add(v, "unusual attachment kind", 10, T_ATT,
                    "the organisation never exchanged a .%s file before (%llu attachments "
                    "learned)",
                    x, (unsigned long long)nseen->n);
            else if (!getf(e, "tt:", a->true_type))
                add(v, "unusual attachment content", 5, T_ATT,
                    "no attachment of type %s was exchanged before", a->true_type);
        }
        if (a->sha256[0] && !getf(e, "h:", a->sha256))
            add(v, "new attachment hash", 2, T_NONE, "SHA-256 %s never seen before", a->sha256);
    }
}

/*
 * Count of keyword categories met in the subject and text; names into what.
 *
 * One pass over the folded text: at each byte whose pair with the next byte
 * starts a keyword (kw_pair), the keywords with that first byte are compared.
 * The result is that of a strstr pass per keyword in file order: a category's
 * keyword is the first one in the file that occurs (whole, for short ASCII
 * words), and after an occurrence that is not whole the next is looked for
 * past its end (next_ok), as the strstr loop resumed there.
 */
static int inducement(struct email *e, const struct msg *m, char *what, size_t wl)
{
    size_t sl = strlen(m->subject), tl = strnlen(m->text, m->text_len);
    size_t n = sl + 1 + tl;
    if (e->scratch_cap < n + 1) {
        e->scratch_cap = n + 1 > 2 * e->scratch_cap ? n + 1 : 2 * e->scratch_cap;
        free(e->scratch);
        e->scratch = xmalloc(e->scratch_cap);
    }
    char *t = e->scratch;
    memcpy(t, m->subject, sl);
    t[sl] = '\n';
    memcpy(t + sl + 1, m->text, tl);
    t[n] = '\0';
    fold(t);
    const unsigned char *u = (const unsigned char *)t;
    int best[CAT__N]; /* index of the category's first keyword (file order) met; -1: none */
    for (int c = 0; c < CAT__N; c++)
        best[c] = -1;
    size_t next_ok[MAX_KW];
    memset(next_ok, 0, e->n_kw * sizeof(next_ok[0]));
    for (size_t i = 0; i < n; i++) {
        unsigned pair = (unsigned)u[i] << 8 | u[i + 1]; /* u[n] is the terminator */
        if (!(e->kw_pair[pair >> 6] >> (pair & 63) & 1))
            continue;
        for (uint16_t id = e->kw_head[u[i]]; id; id = e->kw_next[id - 1]) {
            size_t x = id - 1u;
            const struct kw *k = &e->kw[x];
            if (best[k->cat] >= 0 && (size_t)best[k->cat] <= x)
                continue; /* an earlier keyword of its category is met already */
            if (i < next_ok[x] || k->len > n - i ||
                (k->len > 1 && (k->word[1] != t[i + 1] ||
                                memcmp(t + i + 2, k->word + 2, k->len - 2) != 0)))
                continue;
            if (!k->whole ||
                ((i == 0 || !isalnum(u[i - 1])) && !isalnum(u[i + k->len])))
                best[k->cat] = (int)x;
            else
                next_ok[x] = i + k->len;
        }
    }
    int c = 0;
    what[0] = '\0';
    for (int i = 0; i < CAT__N; i++)
        if (best[i] >= 0) {
            size_t l = strlen(what);
            snprintf(what + l, wl - l, "%s%s ('%.63s')", c ? ", " : "", cat_names[i],
                     e->kw[best[i]].word);
            c++;
        }
    return c;
}

static void judge_campaign(struct email *e, const struct msg *m, int64_t ts, struct verdict *v)
{
    char mask[300];
    subject_mask(m->subject, mask, sizeof(mask));
    const struct fact *s = mask[0] && strchr(mask, '#') ? getf(e, "subj:", mask) : NULL;
    if (s && s->val && strcmp(s->val, m->from_addr) != 0 && ts - s->last <= CAMPAIGN_S)
        add(v, "campaign: subject pattern", 15, T_NONE,
            "the subject pattern '%s' came %llu times within 48 h from other senders", mask,
            (unsigned long long)s->n);
    for (size_t i = 0; i < m->n_att; i++) {
        const struct fact *h = getf(e, "h:", m->att[i].sha256);
        if (h && h->val && strcmp(h->val, m->from_addr) != 0 && ts - h->last <= CAMPAIGN_S) {
            add(v, "campaign: same attachment", 20, T_ATT,
                "the attachment '%s' came from other senders within 48 h",
                m->att[i].name[0] ? m->att[i].name : m->att[i].sha256);
            break;
        }
    }
    for (size_t i = 0; i < m->n_links; i++) {
        const struct fact *l = getf(e, "ld:", m->links[i].domain);
        if (l && l->val && strcmp(l->val, m->from_addr) != 0 && ts - l->first <= CAMPAIGN_S &&
            !getf(e, "dom:", m->links[i].domain)) {
            add(v, "campaign: young link domain", 10, T_LINK,
                "'%s' first came by mail under 48 h ago and now from another sender",
                m->links[i].domain);
            break;
        }
    }
}

/* ---- origin: the country a sender domain's mail usually comes from ---- */

#define ORIGIN_HIST_MAX 8   /* countries (or ASNs) kept per domain; more: "many", not judged */
#define ORIGIN_MIN_MSGS 5   /* messages of a domain with a known origin before judging ... */
#define ORIGIN_MIN_DAYS 2   /* ... over at least this many days */

/*
 * A histogram in a fact's value: "DE:14 US:2" (at most ORIGIN_HIST_MAX
 * entries; "*" once more were met). hist_count: the count of key, 0 if none.
 */
static uint64_t hist_count(const char *h, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = h; p && *p;) {
        if (!strncmp(p, key, kl) && p[kl] == ':')
            return strtoull(p + kl + 1, NULL, 10);
        p = strchr(p, ' ');
        p = p ? p + 1 : NULL;
    }
    return 0;
}

static void hist_add(const char *h, const char *key, char *out, size_t outlen)
{
    size_t k = 0, entries = 0;
    int found = 0;
    out[0] = '\0';
    if (h && !strcmp(h, "*")) {
        snprintf(out, outlen, "*");
        return;
    }
    size_t kl = strlen(key);
    for (const char *p = h; p && *p;) {
        const char *sp = strchr(p, ' ');
        size_t n = sp ? (size_t)(sp - p) : strlen(p);
        const char *colon = memchr(p, ':', n);
        if (colon) {
            unsigned long long c = strtoull(colon + 1, NULL, 10);
            if ((size_t)(colon - p) == kl && !strncmp(p, key, kl)) {
                c++;
                found = 1;
            }
            int w = snprintf(out + k, outlen - k, "%s%.*s:%llu", k ? " " : "",
                             (int)(colon - p), p, c);
            if (w < 0 || (size_t)w >= outlen - k)
                break;
            k += (size_t)w;
            entries++;
        }
        p = sp ? sp + 1 : NULL;
    }
    if (!found) {
        if (entries >= ORIGIN_HIST_MAX) {
            snprintf(out, outlen, "*");
            return;
        }
        snprintf(out + k, outlen - k, "%s%s:1", k ? " " : "", key);
    }
}

/* "DE in 14, US in 2" from a histogram, the largest first (at most 3 named). */
static void hist_words(const char *h, char *out, size_t outlen)
{
    struct {
        char key[24];
        unsigned long long c;
    } e[ORIGIN_HIST_MAX];
    size_t n = 0;
    for (const char *p = h; p && *p && n < ORIGIN_HIST_MAX;) {
        const char *sp = strchr(p, ' ');
        size_t l = sp ? (size_t)(sp - p) : strlen(p);
        const char *colon = memchr(p, ':', l);
        if (colon && (size_t)(colon - p) < sizeof(e[0].key)) {
            snprintf(e[n].key, sizeof(e[n].key), "%.*s", (int)(colon - p), p);
            e[n].c = strtoull(colon + 1, NULL, 10);
            n++;
        }
        p = sp ? sp + 1 : NULL;
    }
    out[0] = '\0';
    for (size_t shown = 0; shown < 3 && shown < n; shown++) {
        size_t best = shown;
        for (size_t i = shown + 1; i < n; i++)
            if (e[i].c > e[best].c)
                best = i;
        if (best != shown) {
            char tk[24];
            unsigned long long tc = e[best].c;
            memcpy(tk, e[best].key, sizeof(tk));
            e[best] = e[shown];
            memcpy(e[shown].key, tk, sizeof(tk));
            e[shown].c = tc;
        }
        size_t l = strlen(out);
        snprintf(out + l, outlen - l, "%s%.23s in %llu", shown ? ", " : "", e[shown].key,
                 e[shown].c);
    }
    if (n > 3) {
        size_t l = strlen(out);
        snprintf(out + l, outlen - l, " and %zu more countries", n - 3);
    }
}

static void find_origin(struct email *e, const struct msg *m, struct msg_origin *o)
{
    memset(o, 0, sizeof(*o));
    if (!email_origin_ip(m, e->cfg.internal, e->cfg.n_internal, o->ip, sizeof(o->ip)))
        return;
    (void)geo_lookup(e->geo, o->ip, o);
}

static void judge_origin(struct email *e, const struct msg *m, const struct msg_origin *o,
                         struct verdict *v)
{
    if (!o->country[0] || !m->from_domain[0] || m->list)
        return; /* list mail comes from the list's server, not from the sender's */
    const struct fact *h = getf(e, "cc:", m->from_domain);
    if (!h || !h->val || !strcmp(h->val, "*") || h->n < ORIGIN_MIN_MSGS)
        return;
    if (h->last / 86400 - h->first / 86400 + 1 < ORIGIN_MIN_DAYS)
        return;
    if (hist_count(h->val, o->country))
        return;
    char words[160];
    hist_words(h->val, words, sizeof(words));
    add(v, "origin country unusual for the sender", 15, T_SPOOF,
        "mail from %s came from %s of %llu earlier messages; this one from %s (%s, AS %u%s%s)",
        m->from_domain, words, (unsigned long long)h->n, o->country, o->ip, o->asn,
        o->as_name[0] ? " " : "", o->as_name);
}

/* ---- topic: how unusual the text is for its recipients ---- */

#define TOPIC_MIN_GRAMS 40    /* shorter texts are neither judged nor learned */
#define TOPIC_MIN_RING 10     /* similarities behind the median before judging */

/* The organisation's people a message concerns: its internal recipients (inbound), its sender
 * (outbound), up to TOPIC_MAX_RCPT. */
static void topic_people(const struct email *e, const struct msg *m, int inbound,
                         struct topic_pass *tp)
{
    tp->n = 0;
    if (m->list)
        return; /* list traffic is not the person's own correspondence */
    if (!inbound && m->from_addr[0])
        tp->who[tp->n++] = m->from_addr;
    for (size_t i = 0; i < m->n_rcpt && tp->n < TOPIC_MAX_RCPT; i++)
        if (!e->cfg.n_internal || is_internal(e, m->rcpt[i]))
            tp->who[tp->n++] = m->rcpt[i];
}

/*
 * The lowest similarity among the recipients whose profiles can judge; an
 * indicator when it is under half the recipient's median. It only scores
 * beside other evidence (inducement words: 10, a new contact: 5): an odd
 * topic alone is how a new project starts.
 */
static void judge_topic(struct email *e, const struct msg *m, int inbound, struct topic_pass *tp,
                        struct verdict *v)
{
    topic_people(e, m, inbound, tp);
    if (!tp->n)
        return;
    tp->grams = topics_vector(m->subject, m->text, m->text_len, tp->vec);
    topics_prepare(e->topics);
    struct topic_judgement worst = {.sim = -1};
    const char *worst_who = NULL;
    for (size_t i = 0; i < tp->n; i++) {
        struct topic_judgement j;
        tp->sim[i] = -1;
        if (tp->grams < TOPIC_MIN_GRAMS || !topics_judge(e->topics, tp->who[i], tp->vec, &j))
            continue;
        tp->sim[i] = j.sim;
        if (j.nring < TOPIC_MIN_RING || !(j.sim < j.median / 2))
            continue;
        if (!worst_who || j.sim / (j.median > 0 ? j.median : 1) <
                              worst.sim / (worst.median > 0 ? worst.median : 1)) {
            worst = j;
            worst_who = tp->who[i];
        }
    }
    if (!inbound || !worst_who)
        return;
    int induce = 0, stranger = 0;
    for (size_t i = 0; i < v->n; i++) {
        induce |= !strcmp(v->ind[i].name, "inducement");
        stranger |= (v->ind[i].tag & (T_NEW | T_NOASSOC)) != 0;
    }
    add(v, "topic unusual for recipient", induce ? 10 : stranger ? 5 : 0, T_NONE,
        "similarity %.2f to %u earlier messages to %s; median %.2f", worst.sim, worst.n,
        worst_who, worst.median);
}

/* ---- learning ---- */

static void learn_origin(struct email *e, const char *prefix, const char *who, int64_t ts,
                         const char *key)
{
    char hv[256];
    const struct fact *h = getf(e, prefix, who);
    hist_add(h ? h->val : NULL, key, hv, sizeof(hv));
    touch(e, prefix, who, ts, hv);
}

static void learn(struct email *e, const struct msg *m, int64_t ts, int inbound,
                  const struct msg_origin *o, const struct topic_pass *tp)
{
    const char *from = m->from_addr;
    if (tp->grams >= TOPIC_MIN_GRAMS && tp->n) {
        topics_learn_df(e->topics, tp->vec);
        for (size_t i = 0; i < tp->n; i++)
            topics_learn(e->topics, tp->who[i], tp->vec, ts, tp->sim[i]);
    }
    if (!from[0])
        return;
    if (inbound && o->country[0] && m->from_domain[0] && !m->list) {
        char asn[16];
        snprintf(asn, sizeof(asn), "%u", o->asn);
        learn_origin(e, "cc:", m->from_domain, ts, o->country);
        learn_origin(e, "as:", m->from_domain, ts, asn);
        learn_origin(e, "cca:", from, ts, o->country);
    }
    if (inbound) {
        touch(e, "addr:", from, ts, NULL);
        if (m->from_domain[0])
            touch(e, "dom:", m->from_domain, ts, NULL);
        for (size_t i = 0; i < m->n_rcpt; i++) {
            char k[600];
            snprintf(k, sizeof(k), "%s|%s", from, m->rcpt[i]);
            touch(e, "pair:", k, ts, NULL);
        }
    } else {
        touch(e, "addr:", from, ts, NULL);
        for (size_t i = 0; i < m->n_rcpt; i++) {
            const char *r = m->rcpt[i];
            char k[600];
            /* both directions: an answer from r to from is not a new contact */
            snprintf(k, sizeof(k), "%s|%s", r, from);
            touch(e, "pair:", k, ts, NULL);
            touch(e, "addr:", r, ts, NULL);
            touch(e, "out:", r, ts, NULL);
            char *rd = email_registrable(dom_of(r));
            if (rd[0]) {
                touch(e, "dom:", rd, ts, NULL);
                touch(e, "outdom:", rd, ts, NULL);
            }
            free(rd);
        }
    }
    if (m->from_name[0]) {
        char name[256];
        snprintf(name, sizeof(name), "%s", m->from_name);
        fold(name);
        const struct fact *n = getf(e, "name:", name);
        if (!n || !n->val || !strcmp(n->val, from))
            touch(e, "name:", name, ts, from);
    }
    if (m->from_domain[0]) {
        char k[600];
        snprintf(k, sizeof(k), "%s|%s", m->from_domain, m->mailer);
        touch(e, "mailer:", k, ts, NULL);
        snprintf(k, sizeof(k), "%s|%s", m->from_domain, m->first_hop);
        touch(e, "hop:", k, ts, NULL);
        if (e->life)
            life_note_mail_domain(e->life, m->from_domain, strlen(m->from_domain), ts * 1000000);
    }
    for (size_t i = 0; i < m->n_links; i++) {
        const char *d = m->links[i].domain;
        if (!d[0])
            continue;
        const struct fact *prev = getf(e, "ld:", d);
        touch(e, "ld:", d, ts, prev && prev->val && strcmp(prev->val, from) ? prev->val : from);
        if (e->life && !m->links[i].ip_literal)
            life_note_mail_domain(e->life, d, strlen(d), ts * 1000000);
    }
    for (size_t i = 0; i < m->n_att; i++) {
        const struct msg_att *a = &m->att[i];
        const char *x = ext_of(a->name);
        char lx[16];
        snprintf(lx, sizeof(lx), "%s", x);
        fold(lx);
        if (lx[0])
            touch(e, "ext:", lx, ts, NULL);
        touch(e, "mime:", a->declared, ts, NULL);
        touch(e, "tt:", a->true_type, ts, NULL);
        touch(e, "h:", a->sha256, ts, from);
        facts_touch(&e->facts, "meta:attachments", ts, NULL);
    }
    char mask[300];
    subject_mask(m->subject, mask, sizeof(mask));
    if (mask[0] && strchr(mask, '#'))
        touch(e, "subj:", mask, ts, from);
    facts_touch(&e->facts, "meta:last_ts", ts, NULL);
}

/* ---- verdict ---- */

static void iso_time(int64_t ts, char *out, size_t n)
{
    time_t t = (time_t)ts;
    struct tm tm;
    if (!ts || !gmtime_r(&t, &tm)) {
        snprintf(out, n, "%s", "");
        return;
    }
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int cmp_ind(const void *a, const void *b)
{
    const struct ind *x = a, *y = b;
    if (x->weight != y->weight)
        return y->weight - x->weight;
    return strcmp(x->name, y->name);
}

int64_t email_peek_date(const char *raw, size_t len)
{
    if (len > 65536)
        len = 65536;
    const char *end = raw + len;
    for (const char *p = raw; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        if (le == p || (le == p + 1 && *p == '\r'))
            break; /* end of the header */
        if (le - p > 5 && !strncasecmp(p, "Date:", 5)) {
            char val[256];
            size_t n = (size_t)(le - p - 5);
            if (n >= sizeof(val))
                n = sizeof(val) - 1;
            memcpy(val, p + 5, n);
            val[n] = '\0';
            g_mime_init();
            GDateTime *d = g_mime_utils_header_decode_date(val);
            int64_t t = d ? (int64_t)g_date_time_to_unix(d) : 0;
            if (d)
                g_date_time_unref(d);
            return t;
        }
        p = nl ? nl + 1 : end;
    }
    return 0;
}

int email_judge(struct email *e, const char *raw, size_t len, const char *path, long mbox_index,
                struct jbuf *jb)
{
    struct msg m;
    msg_init(&m);
    if (len > EMAIL_MAX_BYTES)
        len = EMAIL_MAX_BYTES;
    msg_parse(&m, raw, len);
    e->st.messages++;
    int64_t ts = m.date ? m.date : e->last_ts;
    if (ts > e->last_ts)
        e->last_ts = ts;
    struct verdict v; /* the entries of ind[] count only up to n */
    v.n = 0;
    v.tags = 0;
    int inbound = !(e->cfg.n_internal && is_internal(e, m.from_addr));
    struct msg_origin origin;
    memset(&origin, 0, sizeof(origin));
    struct topic_pass *tp = e->tp; /* vec is read only once computed for this message */
    tp->n = 0;
    tp->grams = 0;
    if (!m.parsed) {
        e->st.unparsed++;
        add(&v, "unparseable", 0, T_NONE, "the message could not be parsed as RFC 5322/MIME");
    } else {
        judge_contacts(e, &m, inbound, ts, &v);
        find_origin(e, &m, &origin);
        if (inbound) {
            judge_spoofing(e, &m, &v);
            judge_origin(e, &m, &origin, &v);
        }
        judge_links(e, &m, &v);
        judge_attachments(e, &m, &v);
        char what[300];
        int cats = inducement(e, &m, what, sizeof(what));
        if (cats)
            add(&v, "inducement", cats >= 3 ? 20 : cats == 2 ? 12 : 5, T_NONE,
                "the text speaks of %s", what);
        judge_topic(e, &m, inbound, tp, &v);
        judge_campaign(e, &m, ts, &v);
        /* a stranger with suspicious content: the two together tell more than each */
        int content = 0, stranger = 0;
        for (size_t i = 0; i < v.n; i++) {
            if (v.ind[i].tag & (T_NEW | T_NOASSOC))
                stranger = 1;
            else if (!strcmp(v.ind[i].name, "origin country unusual for the sender"))
                continue; /* where the mail was sent from is no content evidence */
            else if (v.ind[i].tag & (T_LINK | T_ATT | T_SPOOF) || !strcmp(v.ind[i].name, "inducement"))
                content += v.ind[i].weight;
        }
        if (stranger && content >= 10)
            add(&v, "stranger with suspicious content", 15, T_NONE,
                "a sender without history with the organisation, and %d points of content "
                "evidence", content);
    }
    int score = 0;
    for (size_t i = 0; i < v.n; i++)
        score += v.ind[i].weight;
    if (!inbound && score > 0)
        score /= 2; /* outbound and internal mail: the org's own people wrote it */
    if (score > 100)
        score = 100;
    qsort(v.ind, v.n, sizeof(v.ind[0]), cmp_ind);

    jb_obj_open(jb);
    jb_kstr(jb, "path", path ? path : "");
    if (mbox_index >= 0)
        jb_ki64(jb, "mbox_index", mbox_index);
    jb_kstr(jb, "message_id", m.message_id);
    char tbuf[32];
    iso_time(m.date, tbuf, sizeof(tbuf));
    jb_kstr(jb, "time", tbuf);
    jb_kstr(jb, "from", m.from_addr);
    jb_key(jb, "to");
    jb_arr_open(jb);
    for (size_t i = 0; i < m.n_rcpt; i++)
        jb_str(jb, m.rcpt[i]);
    jb_arr_close(jb);
    jb_kstr(jb, "subject", m.subject);
    jb_ki64(jb, "score", score);
    jb_key(jb, "tags");
    jb_arr_open(jb);
    int tags = 0;
    for (size_t i = 0; i < v.n; i++)
        tags |= v.ind[i].tag;
    for (int i = 0; i < EMAIL_TAG__N; i++)
        if (tags & (1 << i))
            jb_str(jb, email_tag_names[i]);
    jb_arr_close(jb);
    /* the policy (policy.c, models/email-policy.txt) */
    jb_key(jb, "actions");
    jb_arr_open(jb);
    unsigned acts = email_policy_actions(&e->cfg.policy, score, (unsigned)tags);
    for (int i = 0; i < EMAIL_ACT__N; i++)
        if (acts & (1u << i))
            jb_str(jb, email_action_names[i]);
    jb_arr_close(jb);
    jb_key(jb, "indicators");
    jb_arr_open(jb);
    for (size_t i = 0; i < v.n; i++) {
        jb_obj_open(jb);
        jb_kstr(jb, "name", v.ind[i].name);
        jb_kstr(jb, "detail", v.ind[i].detail);
        jb_ki64(jb, "weight", v.ind[i].weight);
        jb_obj_close(jb);
    }
    jb_arr_close(jb);
    jb_key(jb, "links");
    jb_arr_open(jb);
    for (size_t i = 0; i < m.n_links; i++) {
        jb_obj_open(jb);
        jb_kstr(jb, "text", m.links[i].text);
        jb_kstr(jb, "href", m.links[i].href);
        jb_kstr(jb, "domain", m.links[i].domain);
        jb_obj_close(jb);
    }
    jb_arr_close(jb);
    jb_key(jb, "attachments");
    jb_arr_open(jb);
    for (size_t i = 0; i < m.n_att; i++) {
        jb_obj_open(jb);
        jb_kstr(jb, "name", m.att[i].name);
        jb_kstr(jb, "declared_type", m.att[i].declared);
        jb_kstr(jb, "true_type", m.att[i].true_type);
        jb_kstr(jb, "sha256", m.att[i].sha256);
        jb_obj_close(jb);
    }
    jb_arr_close(jb);
    if (origin.ip[0]) {
        jb_key(jb, "origin");
        jb_obj_open(jb);
        jb_kstr(jb, "ip", origin.ip);
        jb_kstr(jb, "country", origin.country);
        jb_ki64(jb, "asn", origin.asn);
        jb_kstr(jb, "as_name", origin.as_name);
        jb_obj_close(jb);
    }
    jb_obj_close(jb);

    if (m.parsed)
        learn(e, &m, ts, inbound, &origin, tp);
    msg_release(&m);
    return score;
}
