/*
 * summary: TLS and X.509 parser tests: every hello and certificate of the shared captures
 * against tshark and openssl, hand-computed JA4, STARTTLS hand-over, malformed input
 *
 * Expected values never come from vigil itself. Three sources:
 *  1. tshark 4.0, run by this test on every capture under $SHARED/pcap
 *     (benign/, malware/, protocol/): the JA3 and SNI of every ClientHello,
 *     the JA3S, version, cipher and ALPN of every ServerHello, and every
 *     certificate's DER, whose subject, issuer, serial, validity and SHA-256
 *     come from `openssl x509` (commands in all_captures_vs_tshark()).
 *  2. Values written down here from tshark / openssl runs, with the
 *     command that printed them next to each.
 *  3. JA4, which tshark 4.0 lacks, computed by hand from tshark's lists
 *     (see the comment above check_ja4()).
 * Malformed-input tests drive the parser directly with real streams taken
 * from the captures by `tshark -z follow,tcp,raw`, cut, re-framed and
 * corrupted.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "proto_run.h"
#include "test.h"

#include "capture/capture.h"
#include "event/event.h"
#include "flow/flow.h"
#include "proto/app.h"
#include "proto/names.h"
#include "proto/proto.h"
#include "proto/tls.h"
#include "proto/x509.h"
#include "sensor/sensor.h"
#include "util/addr.h"
#include "util/json.h"
#include "util/log.h"
#include "util/rd.h"

/* ---- recording sink ------------------------------------------------------------------ */

struct rec_tls {
    char orig_h[64];
    unsigned orig_p;
    struct tls_event ev;   /* copied; its pointers are replaced by the copies below */
    char ja3_string[TLS_JA3_STRING_MAX + 1];
    char subject[X509_NAME_MAX], issuer[X509_NAME_MAX];
    char fps[TLS_CHAIN_MAX][X509_FP_HEX];
    size_t n_fps;
    char json[16384];
};

struct rec_x509 {
    char orig_h[64];
    unsigned orig_p;
    struct x509_event ev; /* copied; SAN lists and cert dropped */
    size_t n_san_dns;
    char san_dns0[X509_SAN_LEN_MAX + 1];
};

struct rec_conn {
    char orig_h[64];
    unsigned orig_p;
    char service[64];
};

struct recorder {
    struct rec_tls *tls;
    size_t n_tls, cap_tls;
    struct rec_x509 *x509;
    size_t n_x509, cap_x509;
    struct rec_conn *conn;
    size_t n_conn, cap_conn;
};

static void *grow(void *p, size_t *cap, size_t n, size_t sz)
{
    if (n < *cap)
        return p;
    *cap = *cap ? *cap * 2 : 16;
    return xrealloc(p, *cap * sz);
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

static void on_event(void *vctx, const struct event *e)
{
    struct recorder *r = vctx;
    char ip[64] = "";
    unsigned port = 0;
    if (e->flow) {
        addr_format(&e->flow->orig_h, ip);
        port = e->flow->orig_p;
    }
    if (e->type == EV_TLS) {
        r->tls = grow(r->tls, &r->cap_tls, r->n_tls, sizeof(*r->tls));
        struct rec_tls *t = &r->tls[r->n_tls++];
        memset(t, 0, sizeof(*t));
        const struct tls_event *ev = e->body;
        copy_str(t->orig_h, sizeof(t->orig_h), ip);
        t->orig_p = port;
        t->ev = *ev;
        copy_str(t->ja3_string, sizeof(t->ja3_string), ev->ja3_string);
        copy_str(t->subject, sizeof(t->subject), ev->subject);
        copy_str(t->issuer, sizeof(t->issuer), ev->issuer);
        for (size_t i = 0; i < ev->n_cert_chain_fps && i < TLS_CHAIN_MAX; i++)
            memcpy(t->fps[t->n_fps++], ev->cert_chain_fps[i], X509_FP_HEX);
        t->ev.ja3_string = t->ev.ja3s_string = NULL;
        t->ev.subject = t->ev.issuer = t->ev.client_subject = t->ev.client_issuer = NULL;
        t->ev.cert_chain_fps = t->ev.client_cert_chain_fps = NULL;
        if (e->flow) {
            struct jbuf jb;
            jb_init(&jb);
            event_to_json(e, &jb);
            size_t n = jb.len < sizeof(t->json) - 1 ? jb.len : sizeof(t->json) - 1;
            memcpy(t->json, jb.buf, n);
            t->json[n] = '\0';
            jb_release(&jb);
        }
    } else if (e->type == EV_X509) {
        r->x509 = grow(r->x509, &r->cap_x509, r->n_x509, sizeof(*r->x509));
        struct rec_x509 *x = &r->x509[r->n_x509++];
        memset(x, 0, sizeof(*x));
        const struct x509_event *ev = e->body;
        copy_str(x->orig_h, sizeof(x->orig_h), ip);
        x->orig_p = port;
        x->ev = *ev;
        x->n_san_dns = ev->n_san_dns;
        if (ev->n_san_dns)
            copy_str(x->san_dns0, sizeof(x->san_dns0), ev->san_dns[0]);
        x->ev.san_dns = x->ev.san_ip = x->ev.san_email = x->ev.san_uri = NULL;
        x->ev.cert = NULL;
    } else if (e->type == EV_CONN) {
        r->conn = grow(r->conn, &r->cap_conn, r->n_conn, sizeof(*r->conn));
        struct rec_conn *c = &r->conn[r->n_conn++];
        copy_str(c->orig_h, sizeof(c->orig_h), ip);
        c->orig_p = port;
        copy_str(c->service, sizeof(c->service), app_service(e->flow));
    }
}

static void recorder_free(struct recorder *r)
{
    free(r->tls);
    free(r->x509);
    free(r->conn);
    memset(r, 0, sizeof(*r));
}

/* Runs a capture through the whole pipeline (capture -> sensor -> parsers) into r. */
static int run_capture(const char *path, struct recorder *r)
{
    memset(r, 0, sizeof(*r));
    int rc = run_pipeline(path, on_event, r);
    return rc;
}

static const char *shared(void)
{
    const char *s = getenv("SHARED");
    return s ? s : "../shared/data";
}

static void pcap_path(char *out, size_t n, const char *rel)
{
    snprintf(out, n, "%s/pcap/%s", shared(), rel);
}

/* ---- popen helpers -------------------------------------------------------------------- */

struct lines {
    char **v;
    size_t n, cap;
};

static void lines_add(struct lines *l, const char *s)
{
    l->v = grow(l->v, &l->cap, l->n, sizeof(*l->v));
    l->v[l->n++] = xstrdup(s);
}

static void lines_free(struct lines *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

/* Runs cmd (a fixed string built here from file names) and returns its output lines. */
static int run_cmd(const char *cmd, struct lines *out)
{
    memset(out, 0, sizeof(*out));
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, p)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        lines_add(out, line);
    }
    free(line);
    return pclose(p) == 0 ? 0 : -1;
}

/* Splits s in place at sep; returns the number of fields (at most max). */
static size_t split(char *s, char sep, char **f, size_t max)
{
    size_t n = 0;
    f[n++] = s;
    for (char *p = s; *p && n < max; p++)
        if (*p == sep) {
            *p = '\0';
            f[n++] = p + 1;
        }
    return n;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts both lists and reports elements of one missing from the other. Returns 1 if equal. */
static int same_multiset(struct lines *exp, struct lines *got, const char *what, const char *file)
{
    if (exp->n) /* qsort(NULL, 0, ...) is undefined */
        qsort(exp->v, exp->n, sizeof(char *), cmp_str);
    if (got->n)
        qsort(got->v, got->n, sizeof(char *), cmp_str);
    size_t i = 0, j = 0;
    int ok = 1;
    while (i < exp->n || j < got->n) {
        int c = i == exp->n ? 1 : j == got->n ? -1 : strcmp(exp->v[i], got->v[j]);
        if (c == 0) {
            i++;
            j++;
        } else if (c < 0) {
            fprintf(stderr, "%s: %s: tshark has, vigil lacks: %s\n", file, what, exp->v[i++]);
            ok = 0;
        } else {
            fprintf(stderr, "%s: %s: vigil has, tshark lacks: %s\n", file, what, got->v[j++]);
            ok = 0;
        }
    }
    return ok;
}

static void dedupe(struct lines *l)
{
    if (!l->n)
        return;
    qsort(l->v, l->n, sizeof(char *), cmp_str);
    size_t k = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (k && strcmp(l->v[k - 1], l->v[i]) == 0) {
            free(l->v[i]);
            continue;
        }
        l->v[k++] = l->v[i];
    }
    l->n = k;
}

static int in_lines(const struct lines *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return 1;
    return 0;
}

static int64_t parse_iso(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (!strptime(s, "%Y-%m-%d %H:%M:%SZ", &tm))
        return -1;
    return (int64_t)timegm(&tm);
}

/* ---- 1. every capture against tshark ------------------------------------------------- */

struct totals {
    size_t files, ch, ch_ok, ch_skipped, sh, sh_ok, certs, certs_ok, x509_events;
};

/* "sha256 Fingerprint=1C:72:..." -> "1c72..." */
static void fp_from_openssl(const char *s, char *out)
{
    size_t k = 0;
    for (const char *p = strchr(s, '=') ? strchr(s, '=') + 1 : s; *p && k < 64; p++) {
        if (*p == ':')
            continue;
        out[k++] = (char)(*p >= 'A' && *p <= 'F' ? *p - 'A' + 'a' : *p);
    }
    out[k] = '\0';
}

/* Certificate facts by openssl from DER given as hex; appends "fp|subject|issuer|serial|nb|na". */
static void openssl_cert(const char *hex, struct lines *exp)
{
    char tmp[] = "/tmp/vigil_test_tls_XXXXXX";
    int fd = mkstemp(tmp);
    if (fd < 0)
        return;
    size_t n = strlen(hex) / 2;
    uint8_t *der = xmalloc(n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        sscanf(hex + 2 * i, "%2x", &v);
        der[i] = (uint8_t)v;
    }
    ssize_t w = write(fd, der, n);
    close(fd);
    free(der);
    if (w != (ssize_t)n) {
        unlink(tmp);
        return;
    }
    char cmd[512];
    snprintf(cmd, sizeof(cmd),
             "openssl x509 -inform DER -in %s -noout -fingerprint -sha256 -subject -issuer "
             "-serial -startdate -enddate -nameopt RFC2253 -dateopt iso_8601",
             tmp);
    struct lines out;
    int rc = run_cmd(cmd, &out);
    unlink(tmp);
    if (rc < 0) {
        lines_free(&out);
        return;
    }
    char fp[65] = "", subject[X509_NAME_MAX] = "", issuer[X509_NAME_MAX] = "", serial[200] = "";
    int64_t nb = -1, na = -1;
    for (size_t i = 0; i < out.n; i++) {
        const char *l = out.v[i];
        if (strncmp(l, "sha256 Fingerprint=", 19) == 0)
            fp_from_openssl(l, fp);
        else if (strncmp(l, "subject=", 8) == 0)
            copy_str(subject, sizeof(subject), l + 8);
        else if (strncmp(l, "issuer=", 7) == 0)
            copy_str(issuer, sizeof(issuer), l + 7);
        else if (strncmp(l, "serial=", 7) == 0)
            copy_str(serial, sizeof(serial), l + 7);
        else if (strncmp(l, "notBefore=", 10) == 0)
            nb = parse_iso(l + 10);
        else if (strncmp(l, "notAfter=", 9) == 0)
            na = parse_iso(l + 9);
    }
    lines_free(&out);
    size_t kn = strlen(subject) + strlen(issuer) + 400;
    char *key = xmalloc(kn);
    snprintf(key, kn, "%s|%s|%s|%s|%lld|%lld", fp, subject, issuer, serial, (long long)nb,
             (long long)na);
    lines_add(exp, key);
    free(key);
}

static int flow_has_tls(const struct recorder *r, const char *ip, unsigned port)
{
    for (size_t i = 0; i < r->n_tls; i++)
        if (r->tls[i].orig_p == port && strcmp(r->tls[i].orig_h, ip) == 0)
            return 1;
    return 0;
}

/*
 * The tshark command run on every capture that could hold TLS (one run per capture, up to four
 * at a time). With sequence analysis off tshark also dissects the data of segments it marks as
 * retransmissions, as ndpi-google_ssl.pcap needs (its ServerHello only arrives retransmitted);
 * comparisons are therefore of sets. Fields, '|'-separated, lists joined by ',':
 *   handshake types, client/server addresses and ports, JA3, SNI, JA3S, hello version,
 *   supported_versions, cipher suite(s), ALPN, certificates (DER hex), SMTP command line.
 * (udp: QUIC Initial packets, which tshark decrypts as vigil does; their ports are udp.*.)
 */
#define TSHARK_CMD                                                                                 \
    "tshark -n -o tcp.analyze_sequence_numbers:FALSE -r '%s' "                                     \
    "-Y '(tcp || udp) && (tls.handshake.type==1 || tls.handshake.type==2 || "                      \
    "tls.handshake.certificate || smtp.command_line contains \"STARTTLS\")' -T fields "           \
    "-E separator='|' -E occurrence=a -E aggregator=',' -e tls.handshake.type -e ip.src "          \
    "-e ipv6.src -e tcp.srcport -e ip.dst -e ipv6.dst -e tcp.dstport -e tls.handshake.ja3 "        \
    "-e tls.handshake.extensions_server_name -e tls.handshake.ja3s -e tls.handshake.version "      \
    "-e tls.handshake.extensions.supported_version -e tls.handshake.ciphersuite "                  \
    "-e tls.handshake.extensions_alpn_str -e tls.handshake.certificate -e smtp.command_line "      \
    "-e udp.srcport -e udp.dstport > '%s' 2>/dev/null"
#define TF_N 18

/* 1 if the comma-separated list has the token t. */
static int has_token(const char *list, const char *t)
{
    size_t n = strlen(t);
    for (const char *p = list; p && *p;) {
        const char *c = strchr(p, ',');
        size_t k = c ? (size_t)(c - p) : strlen(p);
        if (k == n && strncmp(p, t, n) == 0)
            return 1;
        p = c ? c + 1 : NULL;
    }
    return 0;
}

static void compare_file(const char *rel, const char *tsv, struct totals *tot)
{
    char path[1024];
    pcap_path(path, sizeof(path), rel);
    char cmd[1300];
    snprintf(cmd, sizeof(cmd), "cat '%s'", tsv);
    struct lines rows;
    run_cmd(cmd, &rows);
    if (!rows.n) {
        lines_free(&rows);
        return;
    }
    tot->files++;
    struct recorder r;
    CHECK(run_capture(path, &r) == 0);

    /* flows that switch to TLS after SMTP STARTTLS: the hello is only reached if the SMTP
     * parser hands the connection over (PROTO_TO_TLS) */
    struct lines starttls = {0};
    for (size_t i = 0; i < rows.n; i++) {
        char *copy = xstrdup(rows.v[i]), *f[TF_N];
        if (split(copy, '|', f, TF_N) == TF_N && strstr(f[15], "STARTTLS")) {
            char key[128];
            snprintf(key, sizeof(key), "%s|%s", f[1][0] ? f[1] : f[2], f[3]);
            lines_add(&starttls, key);
        }
        free(copy);
    }

    struct lines ch = {0}, sh = {0}, ders = {0}, got = {0};
    size_t skipped = 0;
    for (size_t i = 0; i < rows.n; i++) {
        char *f[TF_N];
        if (split(rows.v[i], '|', f, TF_N) != TF_N)
            continue;
        const char *types = f[0];
        const char *src = f[1][0] ? f[1] : f[2], *dst = f[4][0] ? f[4] : f[5];
        if (!f[3][0]) /* QUIC: UDP ports */
            f[3] = f[16];
        if (!f[6][0])
            f[6] = f[17];
        char key[2048];
        if (has_token(types, "1")) { /* ClientHello: the client is the source */
            snprintf(key, sizeof(key), "%s|%s", src, f[3]);
            if (in_lines(&starttls, key) &&
                !flow_has_tls(&r, src, (unsigned)strtoul(f[3], NULL, 10))) {
                skipped++;
                continue;
            }
            snprintf(key, sizeof(key), "%s|%s|%s|%s", src, f[3], f[7], f[8]);
            lines_add(&ch, key);
        }
        snprintf(key, sizeof(key), "%s|%s", dst, f[6]);
        int skip = in_lines(&starttls, key) && !flow_has_tls(&r, dst, (unsigned)strtoul(f[6], NULL, 10));
        if (has_token(types, "2") && !skip) { /* ServerHello: the client is the destination */
            unsigned long ver = strtoul(f[11][0] ? f[11] : f[10], NULL, 16);
            unsigned long cs = strtoul(f[12], NULL, 16);
            snprintf(key, sizeof(key), "%s|%s|%s|%lu|%lu|%s", dst, f[6], f[9], ver, cs, f[13]);
            lines_add(&sh, key);
        }
        if (f[14][0] && !skip) {
            char *c = f[14];
            while (c && *c) {
                char *comma = strchr(c, ',');
                if (comma)
                    *comma = '\0';
                lines_add(&ders, c);
                c = comma ? comma + 1 : NULL;
            }
        }
    }
    if (skipped) {
        tot->ch_skipped += skipped;
        fprintf(stderr, "%s: note: %zu ClientHello(s) after STARTTLS not reached (the SMTP parser "
                        "did not hand over); not compared\n", rel, skipped);
    }

    /* ClientHellos: (client, port, ja3, sni) */
    dedupe(&ch);
    for (size_t i = 0; i < r.n_tls; i++) {
        const struct rec_tls *t = &r.tls[i];
        if (!t->ev.have_client_hello)
            continue;
        char key[1024];
        snprintf(key, sizeof(key), "%s|%u|%s|%.*s", t->orig_h, t->orig_p, t->ev.ja3,
                 (int)t->ev.server_name_len, t->ev.server_name);
        lines_add(&got, key);
    }
    dedupe(&got);
    tot->ch += ch.n;
    size_t n_exp = ch.n;
    int ok = same_multiset(&ch, &got, "ClientHello (client|port|ja3|sni)", rel);
    CHECK(ok);
    if (ok)
        tot->ch_ok += n_exp;
    lines_free(&got);

    /* ServerHellos: (client, port, ja3s, version, cipher, alpn) */
    dedupe(&sh);
    for (size_t i = 0; i < r.n_tls; i++) {
        const struct rec_tls *t = &r.tls[i];
        if (!t->ev.have_server_hello)
            continue;
        char key[1024];
        snprintf(key, sizeof(key), "%s|%u|%s|%u|%u|%s", t->orig_h, t->orig_p, t->ev.ja3s,
                 (unsigned)t->ev.version, (unsigned)t->ev.cipher, t->ev.next_protocol);
        lines_add(&got, key);
    }
    dedupe(&got);
    tot->sh += sh.n;
    n_exp = sh.n;
    ok = same_multiset(&sh, &got, "ServerHello (client|port|ja3s|version|cipher|alpn)", rel);
    CHECK(ok);
    if (ok)
        tot->sh_ok += n_exp;
    lines_free(&got);

    /* certificates: (sha256, subject, issuer, serial, not_before, not_after) by openssl */
    struct lines expc = {0};
    dedupe(&ders);
    for (size_t i = 0; i < ders.n; i++)
        openssl_cert(ders.v[i], &expc);
    CHECK_EQ_U(expc.n, ders.n);
    for (size_t i = 0; i < r.n_x509; i++) {
        const struct x509_event *x = &r.x509[i].ev;
        size_t kn = strlen(x->subject) + strlen(x->issuer) + 400;
        char *key = xmalloc(kn);
        snprintf(key, kn, "%s|%s|%s|%s|%lld|%lld", x->fingerprint, x->subject, x->issuer,
                 x->serial, (long long)x->not_valid_before, (long long)x->not_valid_after);
        lines_add(&got, key);
        free(key);
    }
    dedupe(&got);
    tot->certs += expc.n;
    n_exp = expc.n;
    ok = same_multiset(&expc, &got,
                       "certificate (sha256|subject|issuer|serial|not_before|not_after)", rel);
    CHECK(ok);
    if (ok)
        tot->certs_ok += n_exp;
    tot->x509_events += r.n_x509;
    lines_free(&expc);
    lines_free(&got);
    lines_free(&ders);
    lines_free(&ch);
    lines_free(&sh);
    lines_free(&starttls);
    lines_free(&rows);
    recorder_free(&r);
}

/* 1 if the file holds bytes that could start a TLS handshake record carrying a ClientHello or
 * ServerHello (16 03 0x, a plausible length, then 01 or 02), or a QUIC long header: a cheap filter that spares tshark
 * runs on captures that cannot hold a TLS handshake. A capture whose every hello record header
 * is split across TCP segments would be missed; the totals checked at the end guard that. */
static int may_hold_tls(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    static uint8_t buf[65536 + 8];
    size_t keep = 0, n;
    int found = 0;
    while (!found && (n = fread(buf + keep, 1, sizeof(buf) - keep, f)) > 0) {
        size_t len = keep + n;
        for (size_t i = 0; i + 5 < len && !found; i++) {
            if ((buf[i] & 0xf0) == 0xc0 &&
                ((buf[i + 1] == 0 && buf[i + 2] == 0 && buf[i + 3] == 0 && buf[i + 4] == 1) ||
                 (buf[i + 1] == 0xff && buf[i + 2] == 0 && buf[i + 3] == 0) ||
                 (buf[i + 1] == 0x6b && buf[i + 2] == 0x33 && buf[i + 3] == 0x43))) {
                found = 1; /* a QUIC long header: v1, a draft, or v2 */
                break;
            }
            if (buf[i] != 0x16 || buf[i + 1] != 3 || buf[i + 2] > 4)
                continue;
            size_t rec = (size_t)buf[i + 3] << 8 | buf[i + 4];
            found = rec >= 4 && rec <= 18432 && (buf[i + 5] == 1 || buf[i + 5] == 2);
        }
        keep = len < 5 ? len : 5;
        memmove(buf, buf + len - keep, keep);
    }
    fclose(f);
    return found;
}

static void all_captures_vs_tshark(void)
{
    if (system("tshark -v >/dev/null 2>&1") != 0 || system("openssl version >/dev/null 2>&1") != 0) {
        fprintf(stderr, "tshark and openssl are needed for the capture comparison\n");
        CHECK(0);
        return;
    }
    char tmpdir[] = "/tmp/vigil_test_tls_dir_XXXXXX";
    if (!mkdtemp(tmpdir)) {
        CHECK(0);
        return;
    }
    static const char *const dirs[] = {"benign", "malware", "protocol"};
    struct lines rels = {0};
    for (size_t d = 0; d < 3; d++) {
        char dir[1024];
        snprintf(dir, sizeof(dir), "%s/pcap/%s", shared(), dirs[d]);
        DIR *dp = opendir(dir);
        CHECK(dp != NULL);
        if (!dp)
            continue;
        struct dirent *de;
        while ((de = readdir(dp)) != NULL) {
            if (de->d_name[0] == '.')
                continue;
            char rel[512];
            snprintf(rel, sizeof(rel), "%s/%s", dirs[d], de->d_name);
            lines_add(&rels, rel);
        }
        closedir(dp);
    }
    if (rels.n > 1)
        qsort(rels.v, rels.n, sizeof(char *), cmp_str);
    /* one script line per capture that may hold TLS, run four at a time */
    char script[1100];
    snprintf(script, sizeof(script), "%s/cmds", tmpdir);
    FILE *sf = fopen(script, "w");
    CHECK(sf != NULL);
    if (!sf)
        return;
    size_t candidates = 0;
    for (size_t i = 0; i < rels.n; i++) {
        char path[1024], out[1200];
        pcap_path(path, sizeof(path), rels.v[i]);
        snprintf(out, sizeof(out), "%s/%zu.tsv", tmpdir, i);
        if (!may_hold_tls(path))
            continue;
        candidates++;
        fprintf(sf, TSHARK_CMD "\n", path, out);
    }
    fclose(sf);
    char cmd[1300];
    snprintf(cmd, sizeof(cmd), "xargs -d '\\n' -n 1 -P 4 sh -c < '%s'", script);
    CHECK(system(cmd) == 0);

    struct totals tot;
    memset(&tot, 0, sizeof(tot));
    for (size_t i = 0; i < rels.n; i++) {
        char out[1200];
        snprintf(out, sizeof(out), "%s/%zu.tsv", tmpdir, i);
        struct stat stt;
        if (stat(out, &stt) == 0) {
            compare_file(rels.v[i], out, &tot);
            unlink(out);
        }
    }
    unlink(script);
    rmdir(tmpdir);
    lines_free(&rels);
    printf("vs tshark: %zu captures scanned, %zu with TLS; ClientHellos %zu/%zu equal (JA3, SNI), "
           "%zu after STARTTLS not reached; ServerHellos %zu/%zu equal (JA3S, version, cipher, "
           "ALPN); distinct certificates %zu/%zu equal (SHA-256, subject, issuer, serial, "
           "validity) in %zu x509 events\n",
           candidates, tot.files, tot.ch_ok, tot.ch, tot.ch_skipped, tot.sh_ok, tot.sh,
           tot.certs_ok, tot.certs, tot.x509_events);
    CHECK(tot.ch >= 400); /* the shared captures hold 411 ClientHellos over TCP */
    CHECK(tot.certs >= 70);
}

/* ---- 2. named facts ------------------------------------------------------------------- */

static const struct rec_tls *find_tls(const struct recorder *r, unsigned orig_p)
{
    for (size_t i = 0; i < r->n_tls; i++)
        if (r->tls[i].orig_p == orig_p)
            return &r->tls[i];
    return NULL;
}

static const struct rec_x509 *find_x509(const struct recorder *r, unsigned orig_p, int idx)
{
    for (size_t i = 0; i < r->n_x509; i++)
        if (r->x509[i].orig_p == orig_p && r->x509[i].ev.chain_index == idx &&
            !r->x509[i].ev.client_cert)
            return &r->x509[i];
    return NULL;
}

static void load(const char *rel, struct recorder *r)
{
    char path[1024];
    pcap_path(path, sizeof(path), rel);
    CHECK(run_capture(path, r) == 0);
}

static void test_emotet(void)
{
    struct recorder r;
    load("malware/ndpi-emotet-epoch4-extract.pcap", &r);
    CHECK_EQ_U(r.n_tls, 2);
    /* tshark -r malware/ndpi-emotet-epoch4-extract.pcap -Y tls.handshake.type==1 -T fields
     *   -e tcp.srcport -e tls.handshake.ja3 -e tls.handshake.extensions_server_name
     *   49803 51c64c77e60f3980eea90869b68c58a8 (no SNI)
     *   49804 51c64c77e60f3980eea90869b68c58a8 (no SNI) */
    const struct rec_tls *t = find_tls(&r, 49803);
    CHECK(t != NULL);
    if (t) {
        CHECK_STR(t->ev.ja3, "51c64c77e60f3980eea90869b68c58a8");
        /* ... -e tls.handshake.ja3_full */
        CHECK_STR(t->ja3_string, "771,49196-49195-49200-49199-49188-49187-49192-49191-49162-"
                                 "49161-49172-49171-157-156-61-60-53-47-10,10-11-13-35-23-65281,"
                                 "29-23-24,0");
        CHECK(t->ev.sni_missing);
        CHECK(t->ev.self_signed);
        CHECK(!t->ev.cert_expired);
        CHECK(!t->ev.tls13);
        CHECK(t->ev.established);
        CHECK_STR(t->ev.version_str, "TLSv12");
        /* tshark ... -Y tls.handshake.type==2 -e tls.handshake.ciphersuite: 0xc030 */
        CHECK_STR(t->ev.cipher_str, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
        /* -e tls.handshake.ja3s: ec74a5c51106f0419184d0dd08fb05bc; ja3s_full 771,49200,65281-11-35-23 */
        CHECK_STR(t->ev.ja3s, "ec74a5c51106f0419184d0dd08fb05bc");
        /* tshark -Y tls.handshake.type==12 -e tls.handshake.server_named_curve: 0x001d (x25519) */
        CHECK_STR(t->ev.curve, "x25519");
        CHECK_STR(t->subject, "CN=example.com,OU=IT Department,O=Global Security,L=London,"
                              "ST=London,C=GB");
        CHECK_STR(t->issuer, t->subject);
        CHECK_EQ_U(t->n_fps, 1);
        CHECK(strstr(t->json, "\"type\":\"tls\"") != NULL);
        CHECK(strstr(t->json, "\"ja3\":\"51c64c77e60f3980eea90869b68c58a8\"") != NULL);
        CHECK(strstr(t->json, "\"sni_missing\":true") != NULL);
        CHECK(strstr(t->json, "\"self_signed\":true") != NULL);
        CHECK(strstr(t->json, "\"id.resp_p\":443") != NULL);
    }
    /*
     * tshark -r malware/ndpi-emotet-epoch4-extract.pcap -Y tls.handshake.certificate -T fields
     *   -e tls.handshake.certificate | xxd -r -p > c.der
     * openssl x509 -inform DER -in c.der -noout -fingerprint -sha256 -subject -issuer -serial
     *   -dates -nameopt RFC2253 -dateopt iso_8601 ; openssl x509 ... -text
     *   sha256 Fingerprint=1C:72:F7:DD:C0:06:26:87:E1:3E:66:57:E8:26:6A:0B:FA:E2:B4:03:32:4A:4D:AC:B4:92:A0:91:9F:3D:38:30
     *   subject=issuer=CN=example.com,OU=IT Department,O=Global Security,L=London,ST=London,C=GB
     *   serial=4BC8EDDAC012557904BA44CF4A09F81E7ED3AD06
     *   notBefore=2022-04-21 10:08:46Z (1650535726) notAfter=2023-04-21 10:08:46Z (1682071726)
     *   Public-Key: (2048 bit) rsaEncryption, Exponent: 65537, sha256WithRSAEncryption
     */
    const struct rec_x509 *x = find_x509(&r, 49803, 0);
    CHECK(x != NULL);
    if (x) {
        CHECK_STR(x->ev.fingerprint, "1c72f7ddc0062687e13e6657e8266a0bfae2b403324a4dacb492a0919f3d3830");
        CHECK_STR(x->ev.serial, "4BC8EDDAC012557904BA44CF4A09F81E7ED3AD06");
        CHECK_EQ_I(x->ev.not_valid_before, 1650535726);
        CHECK_EQ_I(x->ev.not_valid_after, 1682071726);
        CHECK_STR(x->ev.key_alg, "rsaEncryption");
        CHECK_STR(x->ev.sig_alg, "sha256WithRSAEncryption");
        CHECK_STR(x->ev.key_type, "rsa");
        CHECK_EQ_U(x->ev.key_length, 2048);
        CHECK_STR(x->ev.exponent, "65537");
        CHECK(x->ev.self_signed);
        CHECK(!x->ev.expired);
        CHECK(!x->ev.not_yet_valid);
        CHECK_EQ_I(x->ev.chain_index, 0);
    }
    /* the second connection resumes the session (abbreviated handshake, no certificate) */
    t = find_tls(&r, 49804);
    CHECK(t != NULL);
    if (t) {
        CHECK(t->ev.resumed);
        CHECK(!t->ev.have_cert);
        CHECK_STR(t->ev.ja3s, "fd4bc6cea4877646ccd62f0792ec0b62"); /* tshark -e tls.handshake.ja3s */
    }
    recorder_free(&r);
}

static void test_icedid(void)
{
    struct recorder r;
    load("malware/2021-03-15-IcedID-infection-traffic.pcap", &r);
    /* tshark -r ... -Y tls.handshake.type==1 -T fields -e tcp.stream -e tls.handshake.ja3
     *   -e tls.handshake.extensions_server_name: 9 hellos, 3 to aws.amazon.com, 6 to the C2
     *   names twotoiletsr.space / iporumuski.fun. The C2 certificate, per
     *   openssl x509 -nameopt RFC2253 -subject -issuer on the DER tshark extracts:
     *   subject=issuer=O=Internet Widgits Pty Ltd,ST=Some-State,C=AU,CN=localhost
     *   (its RDNs are encoded CN, C, ST, O; RFC 2253 prints them last to first, so this is
     *   the name the manifest writes CN=localhost,O=Internet Widgits Pty Ltd,ST=Some-State,C=AU) */
    size_t c2 = 0, aws = 0;
    for (size_t i = 0; i < r.n_tls; i++) {
        const struct rec_tls *t = &r.tls[i];
        if (strcmp(t->ev.server_name, "aws.amazon.com") == 0) {
            aws++;
            CHECK(t->ev.have_cert && !t->ev.self_signed);
        } else {
            c2++;
            CHECK(t->ev.have_cert && t->ev.self_signed);
            CHECK_STR(t->subject, "O=Internet Widgits Pty Ltd,ST=Some-State,C=AU,CN=localhost");
            CHECK_STR(t->issuer, t->subject);
            CHECK(!t->ev.cert_expired); /* 2021-03-11 .. 2022-03-11, seen 2021-03-15 */
        }
    }
    CHECK_EQ_U(aws, 3);
    CHECK_EQ_U(c2, 6);
    recorder_free(&r);
}

static void test_self_signed_and_ca(void)
{
    struct recorder r;
    /* nDPI's loopback test certificate: O=ntop.org,ST=Some-State,C=IT, 2015-10-10..2016-10-09
     * (openssl x509 -dates on the DER from tshark -e tls.handshake.certificate); seen 2020-05-08 */
    load("protocol/ndpi-selfsigned.pcap", &r);
    CHECK_EQ_U(r.n_tls, 1);
    if (r.n_tls) {
        CHECK(r.tls[0].ev.self_signed);
        CHECK(r.tls[0].ev.cert_expired);
        CHECK_STR(r.tls[0].ev.server_name, "localhost");
        CHECK_STR(r.tls[0].subject, "O=ntop.org,ST=Some-State,C=IT");
    }
    recorder_free(&r);
    /* ordinary CA chains: the leaf is not self-signed */
    static const char *const ca[] = {
        "protocol/zeek-tls_tls1.2.pcap",
        "protocol/ndpi-443-curl.pcap",
        "protocol/zeek-tls_chrome-34-google.pcap",
        "protocol/ndpi-tls_malicious_sha1.pcapng",
        "benign/unit42-workshop-part-02-web-browsing.pcap",
    };
    for (size_t i = 0; i < sizeof(ca) / sizeof(ca[0]); i++) {
        load(ca[i], &r);
        size_t with_cert = 0;
        for (size_t k = 0; k < r.n_tls; k++) {
            if (!r.tls[k].ev.have_cert)
                continue;
            with_cert++;
            CHECK(!r.tls[k].ev.self_signed);
            CHECK(r.tls[k].n_fps >= 2); /* leaf and at least one CA */
        }
        CHECK(with_cert >= 1);
        recorder_free(&r);
    }
    /* zeek-tls_chrome-34-google.pcap: the leaf, by openssl on tshark's DER:
     *   subject=CN=*.google.de,O=Google Inc,L=Mountain View,ST=California,C=US
     *   issuer=CN=Google Internet Authority G2,O=Google Inc,C=US
     *   (-ext subjectAltName: DNS:*.google.de, DNS:google.de) ; SNI google.de
     *   ALPN chosen (tshark -Y tls.handshake.type==2 -e tls.handshake.extensions_alpn_str) spdy/3.1 */
    load("protocol/zeek-tls_chrome-34-google.pcap", &r);
    CHECK_EQ_U(r.n_tls, 1);
    if (r.n_tls) {
        CHECK_STR(r.tls[0].subject, "CN=*.google.de,O=Google Inc,L=Mountain View,ST=California,C=US");
        CHECK_STR(r.tls[0].issuer, "CN=Google Internet Authority G2,O=Google Inc,C=US");
        CHECK_STR(r.tls[0].ev.next_protocol, "spdy/3.1");
        CHECK_STR(r.tls[0].ev.curve, "secp256r1"); /* server_named_curve 0x0017 */
        CHECK_EQ_I(r.tls[0].ev.sni_matches_cert, 1);
    }
    recorder_free(&r);
    /* nDPI's name-mismatch capture: SNI wrong.host.badssl.com, certificate for *.badssl.com
     * (openssl x509 -ext subjectAltName: DNS:*.badssl.com, DNS:badssl.com) */
    load("protocol/ndpi-ssl-cert-name-mismatch.pcap", &r);
    CHECK_EQ_U(r.n_tls, 1);
    if (r.n_tls)
        CHECK_EQ_I(r.tls[0].ev.sni_matches_cert, 0);
    recorder_free(&r);
}

static void test_expired(void)
{
    struct recorder r;
    load("protocol/zeek-tls_tls-expired-cert.pcap", &r);
    /*
     * openssl x509 -subject -dates on tshark's DERs (packet times from tshark -e frame.time_epoch):
     *   CN=www.spidh.org,...        notAfter=2014-03-04 23:59:59Z (1393977599); seen 1394745603
     *   CN=www.tobu-estate.com,...  notAfter=2014-03-14 23:59:59Z (1394841599); seen 1394745619
     * so only the first leaf is expired at the time of its connection.
     */
    size_t expired = 0;
    for (size_t i = 0; i < r.n_x509; i++) {
        const struct x509_event *x = &r.x509[i].ev;
        if (strncmp(x->subject, "CN=www.spidh.org,", 17) == 0) {
            CHECK(x->expired);
            CHECK_EQ_I(x->not_valid_after, 1393977599);
        }
        if (strncmp(x->subject, "CN=www.tobu-estate.com,", 23) == 0) {
            CHECK(!x->expired);
            CHECK_EQ_I(x->not_valid_after, 1394841599);
        }
        expired += x->expired;
    }
    CHECK_EQ_U(expired, 1);
    size_t tls_expired = 0;
    for (size_t i = 0; i < r.n_tls; i++)
        tls_expired += r.tls[i].ev.cert_expired;
    CHECK_EQ_U(tls_expired, 1);
    recorder_free(&r);
}

static void test_no_sni_tls13_ech_alert(void)
{
    struct recorder r;
    /* tshark -r protocol/ndpi-no_sni.pcap -Y tls.handshake.type==1 -T fields -e tcp.stream
     *   -e tls.handshake.extensions_server_name: 7 hellos, 4 without a name (streams 2, 5, 6, 7) */
    load("protocol/ndpi-no_sni.pcap", &r);
    size_t missing = 0;
    for (size_t i = 0; i < r.n_tls; i++) {
        CHECK_EQ_I(r.tls[i].ev.sni_missing, r.tls[i].ev.server_name_len == 0);
        missing += r.tls[i].ev.sni_missing;
        CHECK(r.tls[i].ev.tls13); /* supported_version 0x0304 in every ServerHello */
    }
    CHECK_EQ_U(r.n_tls, 7);
    CHECK_EQ_U(missing, 4);
    recorder_free(&r);

    /* tshark -Y tls.handshake.type==2 -e tls.handshake.extensions.supported_version -e
     * tls.handshake.ciphersuite: 0x0304 0x1302 (TLS_AES_256_GCM_SHA384); key_share group 0x0017 */
    load("protocol/zeek-tls_tls13_wolfssl.pcap", &r);
    CHECK_EQ_U(r.n_tls, 1);
    if (r.n_tls) {
        CHECK(r.tls[0].ev.tls13);
        CHECK_STR(r.tls[0].ev.version_str, "TLSv13");
        CHECK_STR(r.tls[0].ev.cipher_str, "TLS_AES_256_GCM_SHA384");
        CHECK_STR(r.tls[0].ev.curve, "secp256r1");
        CHECK(r.tls[0].ev.established);
    }
    recorder_free(&r);
    /* only the client side: TLS 1.3 offered (supported_versions 0x0304,0x0303,0x0302,0x0301) */
    load("protocol/ndpi-tls_1.3_unidirectional_client.pcapng", &r);
    CHECK_EQ_U(r.n_tls, 1);
    if (r.n_tls) {
        CHECK(r.tls[0].ev.tls13);
        CHECK(!r.tls[0].ev.have_server_hello);
        CHECK(!r.tls[0].ev.established);
    }
    recorder_free(&r);
    /* only the server side: ServerHello with supported_version 0x0304 */
    load("protocol/ndpi-tls_1.3_unidirectional_server.pcapng", &r);
    CHECK_EQ_U(r.n_tls, 1);
    if (r.n_tls) {
        CHECK(r.tls[0].ev.tls13);
        CHECK_STR(r.tls[0].ev.version_str, "TLSv13");
        CHECK(!r.tls[0].ev.have_client_hello);
    }
    recorder_free(&r);

    /* tshark -Y tls.handshake.type==1 -e tls.handshake.extension.type: 65037 (0xfe0d) present */
    static const char *const ech[] = {"protocol/zeek-tls_tls13-ech.pcap", "protocol/ndpi-tls_ech.pcapng"};
    for (size_t i = 0; i < 2; i++) {
        load(ech[i], &r);
        CHECK(r.n_tls >= 1);
        for (size_t k = 0; k < r.n_tls; k++) {
            CHECK(r.tls[k].ev.ech);
            CHECK(r.tls[k].ev.tls13);
        }
        recorder_free(&r);
    }
    /* ... and absent elsewhere, e.g. TLS 1.2 */
    load("protocol/zeek-tls_tls1.2.pcap", &r);
    CHECK_EQ_U(r.n_tls, 1);
    if (r.n_tls) {
        CHECK(!r.tls[0].ev.ech);
        CHECK(!r.tls[0].ev.tls13);
        CHECK_STR(r.tls[0].ev.version_str, "TLSv12");
        CHECK_STR(r.tls[0].ev.cipher_str, "TLS_RSA_WITH_RC4_128_MD5"); /* ciphersuite 0x0004 */
    }
    recorder_free(&r);

    /* tshark -r protocol/ndpi-tls_alert.pcap -Y tls.alert_message -T fields
     *   -e tls.alert_message.level -e tls.alert_message.desc: 2 70 (fatal, protocol_version) */
    load("protocol/ndpi-tls_alert.pcap", &r);
    CHECK_EQ_U(r.n_tls, 1);
    if (r.n_tls) {
        CHECK_STR(r.tls[0].ev.last_alert, "protocol_version");
        CHECK(!r.tls[0].ev.established);
    }
    recorder_free(&r);
}

/*
 * JA4, computed by hand from tshark's lists (tshark 4.0 has no JA4):
 *   tshark -r F -Y tls.handshake.type==1 -T fields -E occurrence=a -E aggregator=,
 *     -e tls.handshake.ciphersuite -e tls.handshake.extension.type -e tls.handshake.sig_hash_alg
 *     -e tls.handshake.extensions.supported_version -e tls.handshake.extensions_alpn_str
 * then per JA4.md: GREASE dropped; ciphers sorted as 4-digit hex; extensions sorted without
 * 0000 (SNI) and 0010 (ALPN), then "_" and the signature algorithms in order; each list
 * hashed with `printf '%s' LIST | sha256sum | cut -c1-12`.
 *
 * protocol/ndpi-tls_ech.pcapng: ciphers 0xaaaa(GREASE),1301,1302,1303,c02b,c02f,c02c,c030,
 *   cca9,cca8,c013,c014,009c,009d,002f,0035 = 15; extensions 27242(GREASE),51,35,65281,45,27,
 *   10,23,5,18,43,13,16,0,65037,11,17513,64250(GREASE) = 16; versions dada,0304,0303 -> 13;
 *   SNI -> d; ALPN h2,http/1.1 -> h2.
 *   sha256("002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9")
 *     -> 8daaf6152771
 *   sha256("0005,000a,000b,000d,0012,0017,001b,0023,002b,002d,0033,4469,fe0d,ff01_0403,0804,
 *     0401,0503,0805,0501,0806,0601") -> 02713d6af862
 *   JA4 = t13d1516h2_8daaf6152771_02713d6af862
 * malware/ndpi-emotet-epoch4-extract.pcap: 19 ciphers c02c,c02b,c030,c02f,c024,c023,c028,c027,
 *   c00a,c009,c014,c013,009d,009c,003d,003c,0035,002f,000a; extensions 10,11,13,35,23,65281 = 6;
 *   no supported_versions, legacy 0x0303 -> 12; no SNI -> i; no ALPN -> 00.
 *   sha256("000a,002f,0035,003c,003d,009c,009d,c009,c00a,c013,c014,c023,c024,c027,c028,c02b,
 *     c02c,c02f,c030") -> d83cc789557e
 *   sha256("000a,000b,000d,0017,0023,ff01_0804,0805,0806,0401,0501,0201,0403,0503,0203,0202,
 *     0601,0603") -> 2dae41c691ec
 *   JA4 = t12i190600_d83cc789557e_2dae41c691ec
 * protocol/zeek-tls_chrome-34-google.pcap: 20 ciphers c02b,c02f,009e,cc14,cc13,c00a,c009,c013,
 *   c014,c007,c011,0033,0032,0039,009c,002f,0035,000a,0005,0004; extensions 0,65281,10,11,35,
 *   13172,16,30032,5,13,18 = 11; legacy 0x0303 -> 12; SNI -> d; ALPN spdy/3 -> s3.
 *   sha256("0004,0005,000a,002f,0032,0033,0035,0039,009c,009e,c007,c009,c00a,c011,c013,c014,
 *     c02b,c02f,cc13,cc14") -> 8dd61975155f
 *   sha256("0005,000a,000b,000d,0012,0023,3374,7550,ff01_0401,0501,0201,0403,0503,0203,0402,
 *     0202") -> 06a4338d0495
 *   JA4 = t12d2011s3_8dd61975155f_06a4338d0495
 * protocol/ndpi-tls_1.3_unidirectional_client.pcapng: 17 ciphers 1301,1302,1303,c02b,c02c,cca9,
 *   c02f,c030,cca8,c009,c00a,c013,c014,009c,009d,002f,0035; extensions 0,23,65281,10,11,35,16,5,
 *   13,51,45,43,41 = 13; versions 0304.. -> 13; SNI -> d; ALPN http/1.1 -> h1.
 *   sha256("002f,0035,009c,009d,1301,1302,1303,c009,c00a,c013,c014,c02b,c02c,c02f,c030,cca8,
 *     cca9") -> 5b57614c22b0
 *   sha256("0005,000a,000b,000d,0017,0023,0029,002b,002d,0033,ff01_0403,0804,0401,0503,0805,
 *     0501,0806,0601,0201") -> 352634941f3a
 *   JA4 = t13d1713h1_5b57614c22b0_352634941f3a
 * benign/unit42-workshop-part-02-02-web-browsing.pcap, QUIC (draft-29) from UDP port 63907
 *   (tshark decrypts the Initial; add -Y 'tls.handshake.type==1 && udp'): ciphers 1301,1302,
 *   1303 = 3; extensions 0,10,16,13,51,45,43,65445,27 = 9; versions 0304 -> 13; SNI -> d;
 *   ALPN h3-29 -> h9; QUIC -> q.
 *   sha256("1301,1302,1303") -> 55b375c5d22e
 *   sha256("000a,000d,001b,002b,002d,0033,ffa5_0403,0804,0401,0503,0805,0501,0806,0601,0201")
 *     -> ffa47a0ca9b4
 *   JA4 = q13d0309h9_55b375c5d22e_ffa47a0ca9b4
 */
static void check_ja4(void)
{
    static const struct {
        const char *file, *ja4;
    } cases[] = {
        {"protocol/ndpi-tls_ech.pcapng", "t13d1516h2_8daaf6152771_02713d6af862"},
        {"malware/ndpi-emotet-epoch4-extract.pcap", "t12i190600_d83cc789557e_2dae41c691ec"},
        {"protocol/zeek-tls_chrome-34-google.pcap", "t12d2011s3_8dd61975155f_06a4338d0495"},
        {"protocol/ndpi-tls_1.3_unidirectional_client.pcapng", "t13d1713h1_5b57614c22b0_352634941f3a"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct recorder r;
        load(cases[i].file, &r);
        CHECK(r.n_tls >= 1);
        if (r.n_tls)
            CHECK_STR(r.tls[0].ev.ja4, cases[i].ja4);
        recorder_free(&r);
    }
    struct recorder r;
    load("benign/unit42-workshop-part-02-02-web-browsing.pcap", &r);
    const struct rec_tls *t = find_tls(&r, 63907);
    CHECK(t != NULL);
    if (t)
        CHECK_STR(t->ev.ja4, "q13d0309h9_55b375c5d22e_ffa47a0ca9b4");
    recorder_free(&r);
}


/* ---- 3. driving the parser directly with real streams --------------------------------- */

struct chunk {
    int dir;
    uint8_t *p;
    size_t n;
};

struct stream {
    struct chunk *c;
    size_t n, cap;
};

static void stream_add(struct stream *s, int dir, const uint8_t *p, size_t n)
{
    s->c = grow(s->c, &s->cap, s->n, sizeof(*s->c));
    uint8_t *copy = xmalloc(n ? n : 1);
    memcpy(copy, p, n);
    s->c[s->n++] = (struct chunk){.dir = dir, .p = copy, .n = n};
}

static void stream_free(struct stream *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->c[i].p);
    free(s->c);
    memset(s, 0, sizeof(*s));
}

/* The segments of one TCP stream (or the datagrams of one UDP flow) in capture order:
 *   tshark -r F -q -z follow,tcp,raw,N   (server lines start with a tab) */
static int load_follow(const char *rel, const char *proto, int idx, struct stream *s)
{
    memset(s, 0, sizeof(*s));
    char path[1024], cmd[1400];
    pcap_path(path, sizeof(path), rel);
    snprintf(cmd, sizeof(cmd), "tshark -r '%s' -q -z follow,%s,raw,%d 2>/dev/null", path, proto,
             idx);
    struct lines out;
    if (run_cmd(cmd, &out) < 0) {
        lines_free(&out);
        return -1;
    }
    for (size_t i = 0; i < out.n; i++) {
        const char *l = out.v[i];
        int dir = 0;
        if (*l == '\t') {
            dir = 1;
            l++;
        }
        size_t n = strlen(l);
        if (n == 0 || n % 2 || strspn(l, "0123456789abcdef") != n)
            continue;
        uint8_t *b = xmalloc(n / 2);
        for (size_t k = 0; k < n / 2; k++) {
            unsigned v = 0;
            sscanf(l + 2 * k, "%2x", &v);
            b[k] = (uint8_t)v;
        }
        stream_add(s, dir, b, n / 2);
        free(b);
    }
    lines_free(&out);
    return s->n ? 0 : -1;
}

static int load_stream(const char *rel, int idx, struct stream *s)
{
    return load_follow(rel, "tcp", idx, s);
}

/* A fake sensor whose bus records into a recorder, and a flow for the context. */
struct direct {
    struct event_bus bus;
    struct sensor s;
    struct flow f;
    struct recorder r;
};

static void direct_init(struct direct *d)
{
    memset(d, 0, sizeof(*d));
    event_bus_init(&d->bus);
    if (event_bus_add(&d->bus, (struct event_sink){.emit = on_event, .ctx = &d->r}) < 0)
        BUG("bus full");
    d->s.bus = &d->bus;
    static struct names *names; /* one for all runs: making one is costly */
    if (!names)
        names = names_new();
    d->s.names = names;
    snprintf(d->f.uid, sizeof(d->f.uid), "Ctest");
    d->f.orig_p = 1;
    d->f.resp_p = 443;
}

/*
 * Feeds chunks to the TLS parser as the application layer would (honouring
 * DONE and DONE_DIR), each chunk cut into pieces of at most `piece` bytes
 * (0: whole), stopping after `limit` bytes in all (SIZE_MAX: no limit).
 */
static void direct_run(struct direct *d, const struct stream *s, size_t piece, size_t limit,
                       int64_t ts)
{
    const struct proto_ops *ops = proto_by_id(PROTO_TLS);
    struct app_ctx ctx = {.flow = &d->f, .ts = ts, .sensor = &d->s};
    void *st = ops->state_new(&ctx);
    int want[2] = {1, 1};
    size_t fed = 0;
    for (size_t i = 0; i < s->n && fed < limit; i++) {
        const struct chunk *c = &s->c[i];
        size_t n = c->n;
        if (n > limit - fed)
            n = limit - fed;
        fed += n;
        size_t off = 0;
        while (off < n && want[c->dir]) {
            size_t k = piece && n - off > piece ? piece : n - off;
            int rc = ops->data(st, &ctx, c->dir, c->p + off, k);
            off += k;
            if (rc == PROTO_DONE_DIR)
                want[c->dir] = 0;
            else if (rc == PROTO_DONE)
                want[0] = want[1] = 0;
        }
    }
    ops->end(st, &ctx);
}

static size_t stream_len(const struct stream *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        n += s->c[i].n;
    return n;
}

/* Expected values for zeek-tls_tls1.2.pcap stream 0 (tshark -e tls.handshake.ja3 / ja3s;
 * three certificates in the server's chain per -e tls.handshake.certificate). */
#define T12_JA3 "bd9c99b3a0f752c3ab8b052a79e9de3e"
#define T12_JA3S "c253ec3ad88e42f8da4032682892f9a0"

static void test_segmentation(void)
{
    struct stream s;
    CHECK(load_stream("protocol/zeek-tls_tls1.2.pcap", 0, &s) == 0);
    if (!s.n)
        return;
    /* whole, as captured */
    struct direct d;
    direct_init(&d);
    direct_run(&d, &s, 0, SIZE_MAX, 1357328848000000);
    CHECK_EQ_U(d.r.n_tls, 1);
    CHECK_EQ_U(d.r.n_x509, 3);
    char fps[3][X509_FP_HEX];
    memset(fps, 0, sizeof(fps));
    if (d.r.n_tls) {
        CHECK_STR(d.r.tls[0].ev.ja3, T12_JA3);
        CHECK_STR(d.r.tls[0].ev.ja3s, T12_JA3S);
        CHECK(d.r.tls[0].ev.established);
        CHECK_EQ_U(d.r.tls[0].n_fps, 3);
        memcpy(fps, d.r.tls[0].fps, sizeof(fps));
    }
    recorder_free(&d.r);
    /* byte by byte, and in pieces of every size up to 64: the same result */
    for (size_t piece = 1; piece <= 64; piece++) {
        direct_init(&d);
        direct_run(&d, &s, piece, SIZE_MAX, 1357328848000000);
        int ok = d.r.n_tls == 1 && d.r.n_x509 == 3 && strcmp(d.r.tls[0].ev.ja3, T12_JA3) == 0 &&
                 strcmp(d.r.tls[0].ev.ja3s, T12_JA3S) == 0 && d.r.tls[0].n_fps == 3 &&
                 memcmp(d.r.tls[0].fps, fps, sizeof(fps)) == 0 && d.r.tls[0].ev.established;
        CHECK(ok);
        recorder_free(&d.r);
    }
    /* truncated at every cut point: never more than one tls event, and the hello
     * fingerprints appear exactly when the hello is complete */
    size_t total = stream_len(&s);
    size_t ch_end = s.c[0].dir == 0 ? s.c[0].n : 0; /* the ClientHello is the first segment */
    int bad = 0;
    for (size_t cut = 0; cut <= total; cut++) {
        direct_init(&d);
        direct_run(&d, &s, 0, cut, 1357328848000000);
        if (d.r.n_tls > 1)
            bad++;
        if (cut >= ch_end && ch_end && (d.r.n_tls != 1 || strcmp(d.r.tls[0].ev.ja3, T12_JA3) != 0))
            bad++;
        if (cut < ch_end && d.r.n_tls == 1 && d.r.tls[0].ev.ja3[0])
            bad++;
        /* cut inside the hello (after its record header): reported as truncated */
        if (cut >= 5 && cut < ch_end && (d.r.n_tls != 1 || !d.r.tls[0].ev.truncated))
            bad++;
        if (cut == ch_end && (d.r.n_tls != 1 || d.r.tls[0].ev.truncated))
            bad++;
        if (d.r.n_x509 > 3)
            bad++;
        recorder_free(&d.r);
    }
    CHECK_EQ_I(bad, 0);
    stream_free(&s);
}

/* Splits the handshake records of one direction into their handshake bytes. */
static size_t handshake_bytes(const struct stream *s, int dir, uint8_t *out, size_t cap)
{
    size_t all = 0, n = 0;
    uint8_t *buf = xmalloc(stream_len(s) + 1);
    for (size_t i = 0; i < s->n; i++)
        if (s->c[i].dir == dir) {
            memcpy(buf + all, s->c[i].p, s->c[i].n);
            all += s->c[i].n;
        }
    struct rd r = rd_make(buf, all);
    while (rd_left(&r) >= 5) {
        uint8_t type = rd_u8(&r);
        rd_skip(&r, 2);
        uint16_t len = rd_be16(&r);
        const uint8_t *p = rd_bytes(&r, len);
        if (!rd_ok(&r) || type != 22)
            break;
        if (n + len <= cap) {
            memcpy(out + n, p, len);
            n += len;
        }
    }
    free(buf);
    return n;
}

/* Re-frames handshake bytes into records of at most rec bytes each (one chunk per record). */
static void reframe(struct stream *out, int dir, const uint8_t *hs, size_t n, size_t rec)
{
    for (size_t off = 0; off < n; off += rec) {
        size_t k = n - off < rec ? n - off : rec;
        uint8_t *b = xmalloc(k + 5);
        b[0] = 22;
        b[1] = 3;
        b[2] = 1;
        b[3] = (uint8_t)(k >> 8);
        b[4] = (uint8_t)k;
        memcpy(b + 5, hs + off, k);
        stream_add(out, dir, b, k + 5);
        free(b);
    }
}

static void test_reframing(void)
{
    struct stream s;
    CHECK(load_stream("protocol/zeek-tls_tls1.2.pcap", 0, &s) == 0);
    if (!s.n)
        return;
    static uint8_t c[65536], sv[65536];
    size_t nc = handshake_bytes(&s, 0, c, sizeof(c));
    size_t ns = handshake_bytes(&s, 1, sv, sizeof(sv));
    CHECK(nc > 0 && ns > 1000);
    /* a handshake message split across records of 1..40 bytes, and all messages in one record */
    static const size_t sizes[] = {1, 2, 3, 5, 7, 13, 40, 100, 16384};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        struct stream f = {0};
        reframe(&f, 0, c, nc, sizes[i]);
        reframe(&f, 1, sv, ns, sizes[i]);
        struct direct d;
        direct_init(&d);
        direct_run(&d, &f, 0, SIZE_MAX, 1357328848000000);
        CHECK_EQ_U(d.r.n_tls, 1);
        CHECK_EQ_U(d.r.n_x509, 3);
        if (d.r.n_tls) {
            CHECK_STR(d.r.tls[0].ev.ja3, T12_JA3);
            CHECK_STR(d.r.tls[0].ev.ja3s, T12_JA3S);
            CHECK(!d.r.tls[0].ev.malformed);
        }
        recorder_free(&d.r);
        stream_free(&f);
    }
    stream_free(&s);
}

/* The TLS part of an SMTP STARTTLS session, handed to the parser as smtp.c does with
 * PROTO_TO_TLS: zeek-tls_smtp-starttls.pcap stream 0; tshark -Y tls.handshake.type==1/2 -e
 * tls.handshake.ja3 / ja3s: 13020a4ccb11b2d3c9c0e6c285c3c415 / ccc514751b175866924439bdbb5bba34;
 * leaf (openssl -subject on tshark's DER): CN=mx.google.com,O=Google Inc,L=Mountain View,... */
static void test_starttls(void)
{
    struct stream s;
    CHECK(load_stream("protocol/zeek-tls_smtp-starttls.pcap", 0, &s) == 0);
    if (!s.n)
        return;
    struct stream t = {0};
    int tls[2] = {0, 0};
    for (size_t i = 0; i < s.n; i++) {
        const struct chunk *c = &s.c[i];
        if (!tls[c->dir] && c->n && c->p[0] == 0x16)
            tls[c->dir] = 1;
        if (tls[c->dir])
            stream_add(&t, c->dir, c->p, c->n);
    }
    struct direct d;
    direct_init(&d);
    direct_run(&d, &t, 0, SIZE_MAX, 1400168396000000);
    CHECK_EQ_U(d.r.n_tls, 1);
    if (d.r.n_tls) {
        CHECK_STR(d.r.tls[0].ev.ja3, "13020a4ccb11b2d3c9c0e6c285c3c415");
        CHECK_STR(d.r.tls[0].ev.ja3s, "ccc514751b175866924439bdbb5bba34");
        CHECK(strncmp(d.r.tls[0].subject, "CN=mx.google.com,O=Google Inc,", 30) == 0);
        CHECK(d.r.tls[0].ev.established);
    }
    CHECK_EQ_U(d.r.n_x509, 3);
    recorder_free(&d.r);
    stream_free(&t);
    stream_free(&s);
}

/* SSLv2-format ClientHello (ndpi-google_ssl.pcap): recognised, no fingerprints (tshark
 * gives none either: tls.handshake.ja3 is empty for it), the TLS 1.0 server side parsed. */
static void test_sslv2(void)
{
    struct recorder r;
    load("protocol/ndpi-google_ssl.pcap", &r);
    CHECK_EQ_U(r.n_tls, 1);
    if (r.n_tls) {
        CHECK(r.tls[0].ev.have_client_hello);
        CHECK_EQ_U(r.tls[0].ev.client_version, 0x0301); /* tshark: Version: TLS 1.0 (0x0301) */
        CHECK(r.tls[0].ev.ja3[0] == '\0');
        CHECK_STR(r.tls[0].ev.ja3s, "9aeeb84942a46257594025306635f0ff");
        CHECK_STR(r.tls[0].ev.version_str, "TLSv10");
    }
    recorder_free(&r);
}

/*
 * QUIC: the two draft-29 connections of unit42-workshop-part-02-02-web-browsing.pcap, as tshark
 * decrypts them:
 *   tshark -r F -Y 'tls.handshake && udp' -T fields -e udp.srcport -e udp.dstport
 *     -e tls.handshake.ja3 -e tls.handshake.extensions_server_name -e tls.handshake.ja3s
 *     -e tls.handshake.ciphersuite
 *   63907 443 e7002676efb9aa49d5d4fbcaad15197d fusa.be
 *   443 63907 eb1d94daa7e0344597e756a1fb6e7054 0x1301
 *   63908 443 e7002676efb9aa49d5d4fbcaad15197d cdnjs.cloudflare.com
 *   443 63908 eb1d94daa7e0344597e756a1fb6e7054 0x1301
 */
static void test_quic(void)
{
    struct recorder r;
    load("benign/unit42-workshop-part-02-02-web-browsing.pcap", &r);
    size_t quic = 0;
    for (size_t i = 0; i < r.n_tls; i++) {
        const struct rec_tls *t = &r.tls[i];
        if (!t->ev.quic)
            continue;
        quic++;
        CHECK_STR(t->ev.ja3, "e7002676efb9aa49d5d4fbcaad15197d");
        CHECK_STR(t->ev.ja3s, "eb1d94daa7e0344597e756a1fb6e7054");
        CHECK_STR(t->ev.cipher_str, "TLS_AES_128_GCM_SHA256");
        CHECK(t->ev.tls13);
        CHECK(t->ev.established);
        CHECK(strcmp(t->ev.server_name, t->orig_p == 63907 ? "fusa.be" : "cdnjs.cloudflare.com") == 0);
        CHECK(strstr(t->json, "\"quic\":true") != NULL);
    }
    CHECK_EQ_U(quic, 2);
    recorder_free(&r);

    /* the datagrams of that flow, corrupted byte by byte: no crash, at most one event, and a
     * fingerprint only from a hello whose AEAD tag still verifies (so: the original one) */
    struct stream s;
    CHECK(load_follow("benign/unit42-workshop-part-02-02-web-browsing.pcap", "udp", 23, &s) == 0);
    if (!s.n)
        return;
    struct direct d;
    direct_init(&d);
    d.f.proto = IPPROTO_UDP_;
    direct_run(&d, &s, 0, SIZE_MAX, 1619663584000000);
    CHECK_EQ_U(d.r.n_tls, 1);
    if (d.r.n_tls)
        CHECK_STR(d.r.tls[0].ev.ja3, "e7002676efb9aa49d5d4fbcaad15197d");
    recorder_free(&d.r);
    int bad = 0;
    for (size_t ci = 0; ci < s.n && ci < 4; ci++) {
        for (size_t i = 0; i < s.c[ci].n; i += (i < 64 ? 1 : 5)) {
            uint8_t orig = s.c[ci].p[i];
            s.c[ci].p[i] = (uint8_t)(orig ^ 0x41);
            direct_init(&d);
            d.f.proto = IPPROTO_UDP_;
            direct_run(&d, &s, 0, SIZE_MAX, 1619663584000000);
            if (d.r.n_tls > 1)
                bad++;
            if (ci == 0 && d.r.n_tls == 1 && d.r.tls[0].ev.ja3[0] &&
                strcmp(d.r.tls[0].ev.ja3, "e7002676efb9aa49d5d4fbcaad15197d") != 0)
                bad++;
            recorder_free(&d.r);
            s.c[ci].p[i] = orig;
        }
    }
    CHECK_EQ_I(bad, 0);
    stream_free(&s);
}

/* ---- 4. malformed input --------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void run_bytes(int dir, const uint8_t *p, size_t n, struct recorder *out)
{
    struct stream s = {0};
    stream_add(&s, dir, p, n);
    struct direct d;
    direct_init(&d);
    direct_run(&d, &s, 0, SIZE_MAX, 1600000000000000);
    stream_free(&s);
    *out = d.r;
}

static void test_lying_lengths(void)
{
    struct stream s;
    CHECK(load_stream("protocol/zeek-tls_tls1.2.pcap", 0, &s) == 0);
    if (!s.n)
        return;
    /* every byte of the whole conversation set to 0x00, 0xff, 0x80 and flipped: no crash, at
     * most one tls event, at most three certificates */
    static const int vals[] = {0x00, 0xff, 0x80, -1};
    int bad = 0;
    size_t runs = 0;
    for (size_t ci = 0; ci < s.n; ci++) {
        for (size_t i = 0; i < s.c[ci].n; i++) {
            if (ci > 0 && i >= 64 && i + 64 < s.c[ci].n && i % 7)
                continue; /* inside certificates, every 7th byte is enough */
            uint8_t orig = s.c[ci].p[i];
            for (size_t v = 0; v < 4; v++) {
                s.c[ci].p[i] = (uint8_t)(vals[v] < 0 ? orig ^ 1 : vals[v]);
                struct direct d;
                direct_init(&d);
                direct_run(&d, &s, 0, SIZE_MAX, 1357328848000000);
                if (d.r.n_tls > 1 || d.r.n_x509 > 3)
                    bad++;
                runs++;
                recorder_free(&d.r);
            }
            s.c[ci].p[i] = orig;
        }
    }
    CHECK_EQ_I(bad, 0);
    CHECK(runs > 1000);

    const struct chunk *ch = &s.c[0];
    uint8_t *b = xmalloc(ch->n);
    struct recorder r;
    /* record length beyond 2^14 + 2048: not TLS, nothing reported, flagged malformed */
    memcpy(b, ch->p, ch->n);
    b[3] = 0xff;
    b[4] = 0xff;
    run_bytes(0, b, ch->n, &r);
    CHECK(r.n_tls == 0 || !r.tls[0].ev.have_client_hello);
    recorder_free(&r);
    /* handshake length 0xffffff: skipped, never buffered; the stream ends inside it */
    memcpy(b, ch->p, ch->n);
    b[6] = b[7] = b[8] = 0xff;
    run_bytes(0, b, ch->n, &r);
    CHECK(r.n_tls == 1 && r.tls[0].ev.truncated && !r.tls[0].ev.have_client_hello);
    recorder_free(&r);
    /* handshake length shorter than the hello: a truncated hello, flagged malformed */
    memcpy(b, ch->p, ch->n);
    b[6] = 0;
    b[7] = 0;
    b[8] = 40;
    run_bytes(0, b, ch->n, &r);
    CHECK(r.n_tls <= 1);
    if (r.n_tls)
        CHECK(r.tls[0].ev.malformed && !r.tls[0].ev.ja3[0]);
    recorder_free(&r);
    /* cipher suites length 0xfffe: malformed, no fingerprint */
    memcpy(b, ch->p, ch->n);
    size_t sid = b[5 + 4 + 34];
    b[5 + 4 + 35 + sid] = 0xff;
    b[5 + 4 + 36 + sid] = 0xfe;
    run_bytes(0, b, ch->n, &r);
    CHECK(r.n_tls == 1 && r.tls[0].ev.malformed && !r.tls[0].ev.ja3[0]);
    recorder_free(&r);
    free(b);
    stream_free(&s);
}

/* Appends a 16-bit big-endian value. */
static size_t put16(uint8_t *b, size_t n, unsigned v)
{
    b[n] = (uint8_t)(v >> 8);
    b[n + 1] = (uint8_t)v;
    return n + 2;
}

/* A ClientHello record with one server_name of sni_len bytes and one ALPN of alpn_len bytes. */
static size_t build_hello(uint8_t *b, size_t sni_len, size_t alpn_len)
{
    uint8_t body[4096];
    size_t n = 0;
    n = put16(body, n, 0x0303);
    memset(body + n, 0x11, 32);
    n += 32;
    body[n++] = 0;          /* session id */
    n = put16(body, n, 4);  /* two cipher suites: GREASE and one real */
    n = put16(body, n, 0x0a0a);
    n = put16(body, n, 0x1301);
    body[n++] = 1;
    body[n++] = 0;
    size_t ext_start = n;
    n += 2;
    n = put16(body, n, 0);  /* server_name */
    n = put16(body, n, sni_len + 5);
    n = put16(body, n, sni_len + 3);
    body[n++] = 0;
    n = put16(body, n, sni_len);
    memset(body + n, 'a', sni_len);
    n += sni_len;
    n = put16(body, n, 16); /* ALPN */
    n = put16(body, n, alpn_len + 3);
    n = put16(body, n, alpn_len + 1);
    body[n++] = (uint8_t)alpn_len;
    memset(body + n, 'x', alpn_len);
    n += alpn_len;
    put16(body, ext_start, n - ext_start - 2);
    b[0] = 22;
    b[1] = 3;
    b[2] = 1;
    put16(b, 3, n + 4);
    b[5] = 1;
    b[6] = 0;
    put16(b, 7, n);
    memcpy(b + 9, body, n);
    return n + 9;
}

static void test_oversized_and_garbage(void)
{
    uint8_t b[8192];
    struct recorder r;
    /* a 1000-byte SNI: kept to TLS_NAME_MAX - 1 bytes, hashes over everything */
    size_t n = build_hello(b, 1000, 255);
    run_bytes(0, b, n, &r);
    CHECK_EQ_U(r.n_tls, 1);
    if (r.n_tls) {
        CHECK_EQ_U(r.tls[0].ev.server_name_len, TLS_NAME_MAX - 1);
        CHECK_STR(r.tls[0].ja3_string, "771,4865,0-16,,");
        /* ALPN of 255 'x': alphanumeric first and last: "xx"; one cipher, two extensions */
        CHECK(strncmp(r.tls[0].ev.ja4, "t12d0102xx_", 11) == 0);
        CHECK(!r.tls[0].ev.malformed);
    }
    recorder_free(&r);
    /* a handshake message of exactly TLS_HS_MAX bytes (junk) is buffered and parsed; one byte
     * more is skipped: neither crashes, and memory stays within the cap */
    for (int extra = 0; extra <= 1; extra++) {
        size_t len = TLS_HS_MAX + (size_t)extra;
        struct stream s = {0};
        /* a server hello first, so the direction is known; then the big message in records */
        size_t hn = build_hello(b, 3, 2);
        stream_add(&s, 0, b, hn);
        uint8_t *msg = xcalloc(len + 4, 1);
        msg[0] = 11;
        msg[1] = (uint8_t)(len >> 16);
        msg[2] = (uint8_t)(len >> 8);
        msg[3] = (uint8_t)len;
        reframe(&s, 1, msg, len + 4, 16384);
        free(msg);
        struct direct d;
        direct_init(&d);
        direct_run(&d, &s, 0, SIZE_MAX, 1600000000000000);
        CHECK_EQ_U(d.r.n_tls, 1);
        CHECK_EQ_U(d.r.n_x509, 0);
        recorder_free(&d.r);
        stream_free(&s);
    }
    /* garbage after a valid record header, in both directions, in random pieces */
    int bad = 0;
    for (int i = 0; i < 3000; i++) {
        size_t len = (size_t)(rng() % 3000) + 1;
        uint8_t *g = xmalloc(len + 9);
        for (size_t k = 0; k < len + 9; k++)
            g[k] = (uint8_t)rng();
        if (i % 2) {
            g[0] = 22;
            g[1] = 3;
            g[2] = (uint8_t)(rng() % 5);
            g[5] = (uint8_t)(1 + rng() % 2);
        }
        struct stream s = {0};
        size_t off = 0;
        while (off < len + 9) {
            size_t k = (size_t)(rng() % 200) + 1;
            if (k > len + 9 - off)
                k = len + 9 - off;
            stream_add(&s, (int)(rng() % 2), g + off, k);
            off += k;
        }
        free(g);
        struct direct d;
        direct_init(&d);
        direct_run(&d, &s, 0, SIZE_MAX, 1600000000000000);
        if (d.r.n_tls > 1)
            bad++;
        recorder_free(&d.r);
        stream_free(&s);
    }
    CHECK_EQ_I(bad, 0);
    /* the cache of parsed certificates answers as a fresh parse does, with validity taken at
     * the time given: the Emotet C2 certificate (valid 2022-04-21 .. 2023-04-21) */
    {
        struct stream es;
        CHECK(load_stream("malware/ndpi-emotet-epoch4-extract.pcap", 4, &es) == 0);
        static uint8_t hs[65536];
        size_t hn = handshake_bytes(&es, 1, hs, sizeof(hs));
        /* ServerHello, then Certificate: 0b len(3) list_len(3) cert_len(3) DER */
        struct rd rr = rd_make(hs, hn);
        const uint8_t *der = NULL;
        uint32_t dlen = 0;
        while (rd_left(&rr) >= 4 && !der) {
            uint8_t type = rd_u8(&rr);
            uint32_t len = rd_be24(&rr);
            struct rd m = rd_sub(&rr, len);
            if (type == 11) {
                rd_skip(&m, 3);
                dlen = rd_be24(&m);
                der = rd_bytes(&m, dlen);
            }
        }
        CHECK(der != NULL);
        if (der) {
            struct x509_event a, c;
            x509_cache_clear();
            CHECK(x509_parse(der, dlen, 1650905467000000, &a) == 0); /* 2022-04-25: valid */
            CHECK(x509_parse(der, dlen, 1700000000000000, &c) == 0); /* 2023-11-14: expired */
            CHECK_STR(a.subject, c.subject);
            CHECK_STR(a.fingerprint, c.fingerprint);
            CHECK_STR(a.sha1, c.sha1);
            CHECK_STR(a.serial, c.serial);
            CHECK(a.self_signed && c.self_signed);
            CHECK(!a.expired && c.expired);
            CHECK(a.cert != NULL && c.cert != NULL);
            x509_event_release(&a);
            x509_event_release(&c);
            CHECK(x509_parse(der, dlen, 1600000000000000, &a) == 0); /* 2020-09-13: too early */
            CHECK(a.not_yet_valid && !a.expired);
            x509_event_release(&a);
        }
        stream_free(&es);
    }
    /* x509_parse on garbage and on truncated DER: -1, nothing owned */
    struct x509_event xe;
    uint8_t junk[64];
    memset(junk, 0x30, sizeof(junk));
    CHECK(x509_parse(junk, sizeof(junk), 0, &xe) == -1);
    CHECK(xe.cert == NULL && xe.n_san_dns == 0);
    x509_event_release(&xe);
}

static void test_probe(void)
{
    const struct proto_ops *ops = proto_by_id(PROTO_TLS);
    uint8_t b[512];
    size_t n = build_hello(b, 11, 2);
    for (size_t k = 0; k < 6; k++)
        CHECK(ops->probe(b, k, 0) == PROBE_MORE);
    CHECK(ops->probe(b, n, 0) == PROBE_YES);
    b[5] = 2; /* ServerHello: also TLS (a capture that starts with the server side) */
    CHECK(ops->probe(b, n, 1) == PROBE_YES);
    b[5] = 11; /* a record starting with a Certificate: not a connection start */
    CHECK(ops->probe(b, n, 0) == PROBE_NO);
    b[5] = 1;
    b[2] = 5; /* version 3.5 */
    CHECK(ops->probe(b, n, 0) == PROBE_NO);
    b[2] = 1;
    b[0] = 23; /* application data */
    CHECK(ops->probe(b, n, 0) == PROBE_NO);
    static const char http[] = "GET / HTTP/1.1\r\n";
    CHECK(ops->probe((const uint8_t *)http, sizeof(http) - 1, 0) == PROBE_NO);
    static const char ssh[] = "SSH-2.0-OpenSSH_9.2\r\n";
    CHECK(ops->probe((const uint8_t *)ssh, sizeof(ssh) - 1, 0) == PROBE_NO);
    /* SSLv2-format hello offering TLS 1.0 (first bytes of ndpi-google_ssl.pcap frame 4) */
    static const uint8_t v2[] = {0x80, 0x7c, 0x01, 0x03, 0x01, 0x00, 0x63};
    CHECK(ops->probe(v2, sizeof(v2), 0) == PROBE_YES);
    CHECK(ops->probe(v2, 3, 0) == PROBE_MORE);
    static const uint8_t v2bad[] = {0x80, 0x7c, 0x04, 0x03, 0x01};
    CHECK(ops->probe(v2bad, sizeof(v2bad), 0) == PROBE_NO);
}

static void test_names(void)
{
    char v[TLS_VERSION_STR];
    tls_version_str(0x0303, v);
    CHECK_STR(v, "TLSv12");
    tls_version_str(0x0304, v);
    CHECK_STR(v, "TLSv13");
    tls_version_str(0x7f17, v);
    CHECK_STR(v, "TLSv13-draft23");
    tls_version_str(0x1234, v);
    CHECK_STR(v, "unknown-4660");
    /* tshark -G values | awk -F'\t' '$2=="tls.handshake.ciphersuite" && $3==49199' */
    CHECK_STR(tls_cipher_name(0xc02f), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    CHECK_STR(tls_cipher_name(0x1301), "TLS_AES_128_GCM_SHA256");
    CHECK(tls_cipher_name(0x0a0a) == NULL);
    CHECK_STR(tls_group_name(29), "x25519");
    CHECK(tls_is_grease(0x0a0a) && tls_is_grease(0xfafa) && !tls_is_grease(0x0a1a));
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

#define RUN(fn)                                                                                    \
    do {                                                                                           \
        double t0_ = now_s();                                                                      \
        fn();                                                                                      \
        fprintf(stderr, "%-28s %.1f s\n", #fn, now_s() - t0_);                                     \
    } while (0)

int main(void)
{
    RUN(test_names);
    RUN(test_probe);
    RUN(test_emotet);
    RUN(test_icedid);
    RUN(test_self_signed_and_ca);
    RUN(test_expired);
    RUN(test_no_sni_tls13_ech_alert);
    RUN(check_ja4);
    RUN(test_sslv2);
    RUN(test_quic);
    RUN(test_starttls);
    RUN(test_segmentation);
    RUN(test_reframing);
    RUN(test_lying_lengths);
    RUN(test_oversized_and_garbage);
    RUN(all_captures_vs_tshark);
    return test_done();
}
