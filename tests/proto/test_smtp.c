/*
 * summary: SMTP parser tests: real captures against tshark, STARTTLS hand-off, decoding, malformed input
 *
 * 1. Real captures go through the whole pipeline (capture file -> sensor ->
 *    app layer -> smtp.c); the smtp events are checked against values read
 *    with tshark 4.0.17 (each expectation names the command that gave it).
 * 2. STARTTLS: after the 220 the TLS parser takes over ("smtp,ssl").
 * 3. A real session (zeek-smtp.pcap, second connection) fed to the
 *    parser's own entry points in every chunk size, and cut at every byte.
 * 4. Decoding: RFC 2047 words in several charsets, RFC 2231 file names;
 *    the expected strings come from Python's email.header.decode_header()
 *    and urllib (an independent decoder), noted at each case.
 * 5. Malformed input: lying BDAT sizes, endless lines and headers, deep
 *    MIME nesting, huge recipient lists, broken base64, garbage.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "event/event.h"
#include "flow/flow.h"
#include "proto/proto.h"
#include "proto/smtp.h"
#include "sensor/sensor.h"
#include "proto_run.h"
#include "test.h"
#include "util/json.h"

extern const struct proto_ops smtp_proto;

/* ---- recording events: their JSON and a deep copy of smtp bodies ---- */

#define REC_LIST 128

struct smtp_copy {
    struct smtp_event e; /* pointers below point into this copy */
    char *strs;          /* one allocation holding every string */
    const char *rcptto[REC_LIST], *to[REC_LIST], *cc[REC_LIST], *path[REC_LIST];
    const char *names[REC_LIST], *types[REC_LIST];
};

struct rec {
    enum event_type type;
    char *json;
    struct smtp_copy *smtp;
};

static struct rec *recs;
static size_t nrec, caprec;
static struct jbuf jb;

static void rec_clear(void)
{
    for (size_t i = 0; i < nrec; i++) {
        free(recs[i].json);
        if (recs[i].smtp)
            free(recs[i].smtp->strs);
        free(recs[i].smtp);
    }
    nrec = 0;
}

struct strpool {
    char *p;
    size_t len, cap;
};

static const char *pool_add(struct strpool *sp, const char *s)
{
    size_t n = strlen(s) + 1;
    memcpy(sp->p + sp->len, s, n);
    sp->len += n;
    return sp->p + sp->len - n;
}

static size_t list_size(const char *const *v, size_t n)
{
    size_t t = 0;
    for (size_t i = 0; i < n; i++)
        t += strlen(v[i]) + 1;
    return t;
}

static void copy_list(struct strpool *sp, const char *const *v, size_t n, const char **dst)
{
    for (size_t i = 0; i < n && i < REC_LIST; i++)
        dst[i] = pool_add(sp, v[i]);
}

static struct smtp_copy *copy_smtp(const struct smtp_event *e)
{
    struct smtp_copy *c = calloc(1, sizeof(*c));
    if (!c)
        abort();
    c->e = *e;
    const char *const singles[] = {e->helo, e->mailfrom, e->date, e->from, e->reply_to,
                                   e->msg_id, e->in_reply_to, e->subject, e->subject_raw,
                                   e->x_originating_ip, e->first_received, e->second_received,
                                   e->last_reply, e->user_agent, e->auth_mech, e->auth_user};
    size_t total = list_size(singles, sizeof(singles) / sizeof(singles[0]));
    total += list_size(e->rcptto, e->n_rcptto) + list_size(e->to, e->n_to) +
             list_size(e->cc, e->n_cc) + list_size(e->path, e->n_path) +
             list_size(e->attachment_names, e->n_attach) +
             list_size(e->attachment_types, e->n_attach);
    struct strpool sp = {malloc(total + 1), 0, total + 1};
    if (!sp.p)
        abort();
    c->strs = sp.p;
    c->e.helo = pool_add(&sp, e->helo);
    c->e.mailfrom = pool_add(&sp, e->mailfrom);
    c->e.date = pool_add(&sp, e->date);
    c->e.from = pool_add(&sp, e->from);
    c->e.reply_to = pool_add(&sp, e->reply_to);
    c->e.msg_id = pool_add(&sp, e->msg_id);
    c->e.in_reply_to = pool_add(&sp, e->in_reply_to);
    c->e.subject = pool_add(&sp, e->subject);
    c->e.subject_raw = pool_add(&sp, e->subject_raw);
    c->e.x_originating_ip = pool_add(&sp, e->x_originating_ip);
    c->e.first_received = pool_add(&sp, e->first_received);
    c->e.second_received = pool_add(&sp, e->second_received);
    c->e.last_reply = pool_add(&sp, e->last_reply);
    c->e.user_agent = pool_add(&sp, e->user_agent);
    c->e.auth_mech = pool_add(&sp, e->auth_mech);
    c->e.auth_user = pool_add(&sp, e->auth_user);
    copy_list(&sp, e->rcptto, e->n_rcptto, c->rcptto);
    copy_list(&sp, e->to, e->n_to, c->to);
    copy_list(&sp, e->cc, e->n_cc, c->cc);
    copy_list(&sp, e->path, e->n_path, c->path);
    copy_list(&sp, e->attachment_names, e->n_attach, c->names);
    copy_list(&sp, e->attachment_types, e->n_attach, c->types);
    c->e.rcptto = c->rcptto;
    c->e.to = c->to;
    c->e.cc = c->cc;
    c->e.path = c->path;
    c->e.attachment_names = c->names;
    c->e.attachment_types = c->types;
    return c;
}

static void rec_sink(void *ctx, const struct event *ev)
{
    (void)ctx;
    if (nrec == caprec) {
        caprec = caprec ? caprec * 2 : 256;
        recs = realloc(recs, caprec * sizeof(*recs));
        if (!recs)
            abort();
    }
    struct rec *r = &recs[nrec++];
    memset(r, 0, sizeof(*r));
    r->type = ev->type;
    jb_reset(&jb);
    event_to_json(ev, &jb);
    r->json = malloc(jb.len + 1);
    if (!r->json)
        abort();
    memcpy(r->json, jb.buf, jb.len);
    r->json[jb.len] = '\0';
    if (ev->type == EV_SMTP)
        r->smtp = copy_smtp(ev->body);
}

static int run_file(const char *rel)
{
    char path[1024];
    shared_pcap(path, sizeof(path), rel);
    rec_clear();
    int rc = run_pipeline(path, rec_sink, NULL);
    if (rc < 0)
        fprintf(stderr, "cannot read %s\n", path);
    return rc;
}

static size_t count_smtp(void)
{
    size_t n = 0;
    for (size_t i = 0; i < nrec; i++)
        n += recs[i].smtp != NULL;
    return n;
}

/* The i-th smtp event, or NULL. */
static const struct smtp_event *smtp_at(size_t i)
{
    for (size_t k = 0; k < nrec; k++)
        if (recs[k].smtp && i-- == 0)
            return &recs[k].smtp->e;
    return NULL;
}

static void check_list(const char *const *v, size_t n, const char *const *want)
{
    size_t k = 0;
    while (want[k])
        k++;
    CHECK_EQ_U(n, k);
    for (size_t i = 0; i < n && i < k; i++)
        CHECK_STR(v[i], want[i]);
}

/* Does any recorded JSON line contain s? */
static int any_json(const char *s)
{
    for (size_t i = 0; i < nrec; i++)
        if (strstr(recs[i].json, s))
            return 1;
    return 0;
}

/* ---- 1. real captures ---- */

static void test_zeek_smtp(void)
{
    /*
     * tshark -r benign/zeek-smtp.pcap -Y "smtp.req" -T fields -e tcp.stream
     *   -e smtp.req.command -e smtp.req.parameter -e smtp.auth.username
     * 0 EHLO GP / AUTH LOGIN / (username) Z3VycGFydGFwQHBhdHJpb3RzLmlu
     *   (base64 -d: gurpartap@patriots.in) / MAIL FROM: <gurpartap@patriots.in>
     *   / RCPT TO: <raj_deol2002in@yahoo.co.in> / DATA / QUIT
     * 2 EHLO [192.168.133.100] / MAIL FROM:<albert@example.com> / RCPT TO:<ericlim220@yahoo.com>
     *   / RCPT TO:<felica4uu@hotmail.com> / RCPT TO:<davis_mark1@outlook.com> / DATA
     * tshark -r benign/zeek-smtp.pcap -Y imf -T fields -e imf.from -e imf.to -e imf.cc
     *   -e imf.subject -e imf.date -e imf.message_id -e imf.in_reply_to -e imf.ext.mailer
     * 0 "Gurpartap Singh" <gurpartap@patriots.in> | <raj_deol2002in@yahoo.co.in> | - | SMTP
     *   | Mon, 5 Oct 2009 11:36:07 +0530 | <000301ca4581$ef9e57f0$cedb07d0$@in> | - |
     *   Microsoft Office Outlook 12.0
     * 2 Albert Zaharovits <albert@example.com> | ericlim220@yahoo.com |
     *   felica4uu@hotmail.com,\r\n davis_mark1@outlook.com | Re: Bro SMTP CC Header |
     *   Sat, 25 Jul 2015 16:43:07 +0300 | <A6202DF2-8E58-4E41-BE0B-C8D3989A4AEE@example.com> |
     *   <9ACEE03C-AB98-4046-AEC1-BF4910C61E96@example.com> | Apple Mail (2.2102)
     * tshark -r benign/zeek-smtp.pcap -Y "smtp.response" -T fields -e tcp.stream
     *   -e smtp.response.code -e smtp.rsp.parameter
     *   0: 235 Authentication succeeded; after DATA's content: 250 OK id=1Mugho-0003Dg-Un
     *   2: after the content: 250 Ok
     * tshark -r benign/zeek-smtp.pcap -Y "imf" -O imf,mime_multipart | grep -i filename
     *   Content-Disposition: attachment; filename="NEWS.txt" (Content-Type: text/plain)
     */
    CHECK(run_file("benign/zeek-smtp.pcap") == 0);
    CHECK_EQ_U(count_smtp(), 2);
    const struct smtp_event *e = smtp_at(0);
    CHECK(e != NULL);
    if (e) {
        CHECK_EQ_U(e->trans_depth, 1);
        CHECK_STR(e->helo, "GP");
        CHECK_STR(e->mailfrom, "gurpartap@patriots.in");
        static const char *const rcpt[] = {"raj_deol2002in@yahoo.co.in", NULL};
        check_list(e->rcptto, e->n_rcptto, rcpt);
        CHECK_EQ_U(e->rcpt_count, 1);
        CHECK_STR(e->from, "\"Gurpartap Singh\" <gurpartap@patriots.in>");
        static const char *const to[] = {"<raj_deol2002in@yahoo.co.in>", NULL};
        check_list(e->to, e->n_to, to);
        CHECK_STR(e->subject, "SMTP");
        CHECK_STR(e->subject_raw, "SMTP");
        CHECK_STR(e->date, "Mon, 5 Oct 2009 11:36:07 +0530");
        CHECK_STR(e->msg_id, "<000301ca4581$ef9e57f0$cedb07d0$@in>");
        CHECK_STR(e->user_agent, "Microsoft Office Outlook 12.0");
        CHECK_STR(e->last_reply, "250 OK id=1Mugho-0003Dg-Un");
        CHECK_STR(e->auth_mech, "LOGIN");
        CHECK_STR(e->auth_user, "gurpartap@patriots.in");
        CHECK_EQ_I(e->auth_success, 1);
        CHECK(!e->tls && !e->is_webmail && e->has_message);
        CHECK_EQ_U(e->attachment_count, 1);
        static const char *const names[] = {"NEWS.txt", NULL};
        check_list(e->attachment_names, e->n_attach, names);
        if (e->n_attach)
            CHECK_STR(e->attachment_types[0], "text/plain");
        static const char *const path[] = {"74.53.140.153", "10.10.1.4", NULL};
        check_list(e->path, e->n_path, path);
    }
    e = smtp_at(1);
    CHECK(e != NULL);
    if (e) {
        CHECK_STR(e->helo, "[192.168.133.100]");
        CHECK_STR(e->mailfrom, "albert@example.com");
        static const char *const rcpt[] = {"ericlim220@yahoo.com", "felica4uu@hotmail.com",
                                           "davis_mark1@outlook.com", NULL};
        check_list(e->rcptto, e->n_rcptto, rcpt);
        CHECK_EQ_U(e->rcpt_count, 3);
        CHECK_STR(e->from, "Albert Zaharovits <albert@example.com>");
        static const char *const to[] = {"ericlim220@yahoo.com", NULL};
        check_list(e->to, e->n_to, to);
        static const char *const cc[] = {"felica4uu@hotmail.com", "davis_mark1@outlook.com", NULL};
        check_list(e->cc, e->n_cc, cc);
        CHECK_STR(e->subject, "Re: Bro SMTP CC Header");
        CHECK_STR(e->in_reply_to, "<9ACEE03C-AB98-4046-AEC1-BF4910C61E96@example.com>");
        CHECK_STR(e->msg_id, "<A6202DF2-8E58-4E41-BE0B-C8D3989A4AEE@example.com>");
        CHECK_STR(e->user_agent, "Apple Mail (2.2102)");
        CHECK_STR(e->last_reply, "250 Ok");
        CHECK_STR(e->auth_user, "");
        CHECK_EQ_I(e->auth_success, -1);
        CHECK_EQ_U(e->attachment_count, 0);
    }
    /* the password (base64 cHVuamFiQDEyMw==, tshark smtp.auth.password) is never written */
    CHECK(!any_json("punjab@123") && !any_json("cHVuamFiQDEyMw"));
}

static void test_ndpi_smtp(void)
{
    /*
     * tshark -r protocol/ndpi-smtp.pcap -Y smtp.req -T fields -e smtp.req.command
     *   -e smtp.req.parameter
     *   EHLO delta.peach.mil (answered 500), HELO delta.peach.mil,
     *   MAIL From:<coreys@delta.peach.mil>, 30 x RCPT (first To:<camronm@pigeon.eyrie.af.mil>,
     *   ... | tail -1 -> To:<channinm@pigeon.eyrie.af.mil>, | wc -l -> 30), DATA, QUIT
     * tshark -r protocol/ndpi-smtp.pcap -Y imf -T fields -e imf.to | tr ',' '\n' | wc -l -> 345
     *   (first suzannaa@eagle.eyrie.af.mil); -e imf.subject: Take into The would, for;
     *   -e imf.date: "Sat,  7 Aug 1999 08:20:10 -0400"; -e imf.message_id: <19990807082010.CAA3135>
     *   no From header; -e smtp.rsp.parameter after the content: "Mail accepted" (250)
     */
    CHECK(run_file("protocol/ndpi-smtp.pcap") == 0);
    CHECK_EQ_U(count_smtp(), 1);
    const struct smtp_event *e = smtp_at(0);
    CHECK(e != NULL);
    if (!e)
        return;
    CHECK_STR(e->helo, "delta.peach.mil");
    CHECK_STR(e->mailfrom, "coreys@delta.peach.mil");
    CHECK_EQ_U(e->rcpt_count, 30);
    CHECK_EQ_U(e->n_rcptto, 30);
    if (e->n_rcptto == 30) {
        CHECK_STR(e->rcptto[0], "camronm@pigeon.eyrie.af.mil");
        CHECK_STR(e->rcptto[29], "channinm@pigeon.eyrie.af.mil");
    }
    CHECK_EQ_U(e->to_count, 345);
    CHECK_EQ_U(e->n_to, SMTP_LIST_MAX);
    if (e->n_to)
        CHECK_STR(e->to[0], "suzannaa@eagle.eyrie.af.mil");
    CHECK_STR(e->subject, "Take into The would, for");
    CHECK_STR(e->date, "Sat,  7 Aug 1999 08:20:10 -0400");
    CHECK_STR(e->msg_id, "<19990807082010.CAA3135>");
    CHECK_STR(e->from, "");
    CHECK_STR(e->last_reply, "250 Mail accepted");
    CHECK(strncmp(e->first_received, "(from mail@localhost) by delta.peach.mil", 40) == 0);
}

static void test_emotet(void)
{
    /*
     * tshark -r malware/ndpi-emotet-epoch4-extract.pcap -Y smtp.req -T fields
     *   -e smtp.req.command -e smtp.req.parameter -e smtp.auth.username
     *   EHLO [173.66.46.97] / AUTH LOGIN / cmF1bHBhcmVkZXNAd2FuYWRvby5mcg== (base64 -d:
     *   raulparedes@wanadoo.fr) / MAIL FROM: <raulparedes@wanadoo.fr> /
     *   RCPT TO: <mitzy.torres@2080.cl> / DATA
     * The capture ends inside the content (no "." line), so tshark dissects no IMF; the
     * header lines are read from tshark -r ... -qz follow,tcp,ascii,0 and the raw bytes
     * from -T fields -e tcp.payload:
     *   From: "2080" <raulparedes@wanadoo.fr> / To: "" <mitzy.torres@2080.cl> /
     *   Subject: "Re: " / Date: Fri, 25 Feb 2022 23:01:14 +0000 /
     *   Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;
     *   name="documentaci\xc3\xb3n_455.xlsm" / Content-Disposition: attachment;
     *   filename="documentaci\xc3\xb3n_455.xlsm"
     *   last reply seen: 354 OK; the password (-e smtp.auth.password) Y3VsdHVtZXhmcjE=
     */
    CHECK(run_file("malware/ndpi-emotet-epoch4-extract.pcap") == 0);
    const struct smtp_event *e = smtp_at(0);
    CHECK(e != NULL);
    if (!e)
        return;
    CHECK_STR(e->helo, "[173.66.46.97]");
    CHECK_STR(e->mailfrom, "raulparedes@wanadoo.fr");
    static const char *const rcpt[] = {"mitzy.torres@2080.cl", NULL};
    check_list(e->rcptto, e->n_rcptto, rcpt);
    CHECK_STR(e->auth_mech, "LOGIN");
    CHECK_STR(e->auth_user, "raulparedes@wanadoo.fr");
    CHECK_EQ_I(e->auth_success, 1);
    CHECK_STR(e->from, "\"2080\" <raulparedes@wanadoo.fr>");
    static const char *const to[] = {"\"\" <mitzy.torres@2080.cl>", NULL};
    check_list(e->to, e->n_to, to);
    CHECK_STR(e->subject, "Re: ");
    CHECK_STR(e->date, "Fri, 25 Feb 2022 23:01:14 +0000");
    CHECK_STR(e->last_reply, "354 OK");
    CHECK_EQ_U(e->attachment_count, 1);
    static const char *const names[] = {"documentaci\xc3\xb3n_455.xlsm", NULL};
    check_list(e->attachment_names, e->n_attach, names);
    if (e->n_attach)
        CHECK_STR(e->attachment_types[0],
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    CHECK(!any_json("Y3VsdHVtZXhmcjE") && !any_json("cultumexfr1"));
}

static void test_starttls(void)
{
    /*
     * tshark -r protocol/zeek-tls_smtp-starttls.pcap -Y smtp -T fields -e smtp.req.command
     *   -e smtp.req.parameter -e smtp.response.code
     *   220 greeting, EHLO openssl.client.net, 250, STARTTLS, 220 (2.0.0 Ready to start TLS),
     *   then tshark -Y tls.handshake.type==1 shows the ClientHello on the same stream.
     * tshark -r protocol/ndpi-smtp-starttls.pcap: two such sessions, EHLO xxxxxxxxxxxxx.xxx.com
     *   and EHLO [IPv6:2003:de:2016:125:fc36:8317:4e86:cb72].
     */
    CHECK(run_file("protocol/zeek-tls_smtp-starttls.pcap") == 0);
    CHECK_EQ_U(count_smtp(), 1);
    const struct smtp_event *e = smtp_at(0);
    if (e) {
        CHECK(e->tls);
        CHECK_STR(e->helo, "openssl.client.net");
        CHECK_STR(e->last_reply, "220 2.0.0 Ready to start TLS");
        CHECK(!e->has_message);
    }
    CHECK(any_json("\"service\":\"smtp,ssl\""));
    CHECK(any_json("\"type\":\"tls\""));

    CHECK(run_file("protocol/ndpi-smtp-starttls.pcap") == 0);
    CHECK_EQ_U(count_smtp(), 2);
    size_t tls = 0, ssl_conns = 0;
    for (size_t i = 0; i < nrec; i++) {
        if (recs[i].smtp)
            tls += recs[i].smtp->e.tls;
        if (recs[i].type == EV_CONN && strstr(recs[i].json, "\"service\":\"smtp,ssl\""))
            ssl_conns++;
    }
    CHECK_EQ_U(tls, 2);
    CHECK_EQ_U(ssl_conns, 2);
    e = smtp_at(0);
    const struct smtp_event *e2 = smtp_at(1);
    if (e && e2) {
        CHECK(strcmp(e->helo, "xxxxxxxxxxxxx.xxx.com") == 0 ||
              strcmp(e2->helo, "xxxxxxxxxxxxx.xxx.com") == 0);
        CHECK(strcmp(e->helo, "[IPv6:2003:de:2016:125:fc36:8317:4e86:cb72]") == 0 ||
              strcmp(e2->helo, "[IPv6:2003:de:2016:125:fc36:8317:4e86:cb72]") == 0);
    }
}

/* ---- direct parser calls ---- */

/* One sensor for every direct call: its bus records, its name map is shared. */
static struct sensor g_sensor;
static struct event_bus g_bus;
static int g_ready;

static struct sensor *shared_sensor(void)
{
    if (!g_ready) {
        struct sensor_config cfg;
        memset(&cfg, 0, sizeof(cfg));
        flow_config_default(&cfg.flow);
        cfg.flow.max_flows = 16;
        event_bus_init(&g_bus);
        struct event_sink sink = {rec_sink, NULL};
        if (event_bus_add(&g_bus, sink) < 0 || sensor_init(&g_sensor, &cfg, &g_bus) < 0)
            abort();
        g_ready = 1;
    }
    return &g_sensor;
}

struct direct {
    struct flow f;
    struct app_ctx ctx;
    void *st;
    int tls; /* data() asked for the TLS hand-off */
};

static void direct_open(struct direct *d)
{
    memset(d, 0, sizeof(*d));
    rec_clear();
    d->f.proto = 6;
    d->f.orig_p = 49648;
    d->f.resp_p = 25;
    memcpy(d->f.uid, "Ctest", 6);
    d->ctx.flow = &d->f;
    d->ctx.sensor = shared_sensor();
    d->ctx.ts = 1000000;
    d->st = smtp_proto.state_new(&d->ctx);
}

static void direct_feed(struct direct *d, int dir, const void *p, size_t n)
{
    if (d->tls || !n)
        return;
    d->ctx.ts += 1000;
    uint8_t *copy = malloc(n); /* exact size: ASan catches any over-read */
    memcpy(copy, p, n);
    if (smtp_proto.data(d->st, &d->ctx, dir, copy, n) == PROTO_TO_TLS)
        d->tls = 1;
    free(copy);
}

static void direct_str(struct direct *d, int dir, const char *s)
{
    direct_feed(d, dir, s, strlen(s));
}

static void direct_close(struct direct *d)
{
    smtp_proto.end(d->st, &d->ctx);
}

/*
 * The second connection of benign/zeek-smtp.pcap, packet by packet:
 * tshark -r benign/zeek-smtp.pcap -Y "tcp.stream==2 && tcp.len>0" -T fields -e tcp.srcport
 *   -e tcp.payload   (dir 0: from 49648, the client)
 */
struct seg {
    int dir;
    const char *s;
};

static const struct seg albert[] = {
    {1, "220 uprise ESMTP SubEthaSMTP null\r\n"},
    {0, "EHLO [192.168.133.100]\r\n"},
    {1, "250-uprise\r\n250-8BITMIME\r\n250-AUTH LOGIN\r\n250 Ok\r\n"},
    {0, "MAIL FROM:<albert@example.com>\r\n"},
    {1, "250 Ok\r\n"},
    {0, "RCPT TO:<ericlim220@yahoo.com>\r\n"},
    {1, "250 Ok\r\n"},
    {0, "RCPT TO:<felica4uu@hotmail.com>\r\n"},
    {1, "250 Ok\r\n"},
    {0, "RCPT TO:<davis_mark1@outlook.com>\r\n"},
    {1, "250 Ok\r\n"},
    {0, "DATA\r\n"},
    {1, "354 End data with <CR><LF>.<CR><LF>\r\n"},
    {0, "Content-Type: text/plain; charset=us-ascii\r\n"
        "Mime-Version: 1.0 (Mac OS X Mail 8.2 \\(2102\\))\r\n"
        "Subject: Re: Bro SMTP CC Header\r\n"
        "From: Albert Zaharovits <albert@example.com>\r\n"
        "In-Reply-To: <9ACEE03C-AB98-4046-AEC1-BF4910C61E96@example.com>\r\n"
        "Date: Sat, 25 Jul 2015 16:43:07 +0300\r\n"
        "Cc: felica4uu@hotmail.com,\r\n"
        " davis_mark1@outlook.com\r\n"
        "Content-Transfer-Encoding: 7bit\r\n"
        "Message-Id: <A6202DF2-8E58-4E41-BE0B-C8D3989A4AEE@example.com>\r\n"
        "References: <FA60128E-63CF-4C4E-8241-C5805EA0F66E@example.com> "
        "<9ACEE03C-AB98-4046-AEC1-BF4910C61E96@example.com>\r\n"
        "To: ericlim220@yahoo.com\r\n"
        "X-Mailer: Apple Mail (2.2102)\r\n"
        "\r\n"
        "\r\n"
        "> On 25 Jul 2015, at 16:38, Albert Zaharovits <albert@example.com> wrote:\r\n"
        "> \r\n"
        "> \r\n"
        ">> On 25 Jul 2015, at 16:21, Albert Zaharovits <albert@example.com> wrote:\r\n"
        ">> \r\n"
        ">> Bro SMTP CC Header\r\n"
        ">> TEST\r\n"
        "> \r\n"
        "\r\n"
        ".\r\n"},
    {1, "250 Ok\r\n"},
};
#define NALBERT (sizeof(albert) / sizeof(albert[0]))

static int albert_ok(const struct smtp_event *e)
{
    return e && strcmp(e->helo, "[192.168.133.100]") == 0 &&
           strcmp(e->mailfrom, "albert@example.com") == 0 && e->n_rcptto == 3 &&
           strcmp(e->subject, "Re: Bro SMTP CC Header") == 0 && e->n_cc == 2 &&
           strcmp(e->cc[1], "davis_mark1@outlook.com") == 0 &&
           strcmp(e->user_agent, "Apple Mail (2.2102)") == 0 &&
           strcmp(e->last_reply, "250 Ok") == 0 && e->has_message;
}

static void test_chunks(void)
{
    /* every chunk size, the packets' own order kept */
    int ok = 1;
    for (size_t chunk = 1; chunk <= 64; chunk++) {
        struct direct d;
        direct_open(&d);
        for (size_t i = 0; i < NALBERT; i++) {
            size_t n = strlen(albert[i].s);
            for (size_t off = 0; off < n; off += chunk)
                direct_feed(&d, albert[i].dir, albert[i].s + off, n - off < chunk ? n - off : chunk);
        }
        direct_close(&d);
        if (count_smtp() != 1 || !albert_ok(smtp_at(0)))
            ok = 0;
    }
    CHECK(ok);
    /* pipelined: the client's commands all in one segment, the replies in another */
    struct direct d;
    direct_open(&d);
    direct_str(&d, 1, albert[0].s);
    direct_str(&d, 0, albert[1].s);
    direct_str(&d, 1, albert[2].s);
    direct_str(&d, 0, "MAIL FROM:<albert@example.com>\r\nRCPT TO:<ericlim220@yahoo.com>\r\n"
                      "RCPT TO:<felica4uu@hotmail.com>\r\nRCPT TO:<davis_mark1@outlook.com>\r\n"
                      "DATA\r\n");
    direct_str(&d, 1, "250 Ok\r\n250 Ok\r\n250 Ok\r\n250 Ok\r\n354 go\r\n");
    direct_str(&d, 0, albert[13].s);
    direct_str(&d, 1, "250 Ok\r\n");
    direct_close(&d);
    CHECK_EQ_U(count_smtp(), 1);
    CHECK(albert_ok(smtp_at(0)));
}

static void test_cuts(void)
{
    /* the whole session as one client stream and one server stream, cut at every byte */
    static char cli[4096], srv[1024];
    size_t cl = 0, sl = 0;
    for (size_t i = 0; i < NALBERT; i++) {
        size_t n = strlen(albert[i].s);
        if (albert[i].dir == 0) {
            memcpy(cli + cl, albert[i].s, n);
            cl += n;
        } else {
            memcpy(srv + sl, albert[i].s, n);
            sl += n;
        }
    }
    int sane = 1;
    for (size_t cut = 0; cut <= cl; cut++) {
        struct direct d;
        direct_open(&d);
        direct_feed(&d, 0, cli, cut);
        direct_feed(&d, 1, srv, sl);
        direct_close(&d);
        /* the server's replies alone already make a session: exactly one event */
        if (count_smtp() != 1)
            sane = 0;
    }
    CHECK(sane);
    sane = 1;
    for (size_t cut = 0; cut <= sl; cut++) {
        struct direct d;
        direct_open(&d);
        for (size_t i = 0, s_off = 0; i < NALBERT; i++) {
            size_t n = strlen(albert[i].s);
            if (albert[i].dir == 0) {
                direct_str(&d, 0, albert[i].s);
            } else {
                size_t take = s_off >= cut ? 0 : (cut - s_off < n ? cut - s_off : n);
                direct_feed(&d, 1, albert[i].s, take);
                s_off += n;
            }
        }
        direct_close(&d);
        const struct smtp_event *e = smtp_at(0);
        if (count_smtp() != 1 || !e || strcmp(e->mailfrom, "albert@example.com") != 0 ||
            strcmp(e->subject, "Re: Bro SMTP CC Header") != 0)
            sane = 0;
    }
    CHECK(sane);
}

static void test_data_refused_and_lost_354(void)
{
    struct direct d;
    /* DATA refused: what follows are commands, not content */
    direct_open(&d);
    direct_str(&d, 0, "EHLO a\r\nMAIL FROM:<x@a.example>\r\nRCPT TO:<y@b.example>\r\nDATA\r\n");
    direct_str(&d, 1, "250 ok\r\n250 ok\r\n550 no such user\r\n554 no valid recipients\r\n");
    direct_str(&d, 0, "MAIL FROM:<z@a.example>\r\nRCPT TO:<w@b.example>\r\nQUIT\r\n");
    direct_str(&d, 1, "250 ok\r\n250 ok\r\n221 bye\r\n");
    direct_close(&d);
    CHECK_EQ_U(count_smtp(), 2);
    const struct smtp_event *e = smtp_at(0);
    if (e) {
        CHECK_STR(e->mailfrom, "x@a.example");
        CHECK_EQ_U(e->rcpt_rejected, 1);
        CHECK(!e->has_message);
    }
    e = smtp_at(1);
    if (e) {
        CHECK_STR(e->mailfrom, "z@a.example");
        CHECK_EQ_U(e->rcpt_count, 1);
        CHECK_STR(e->last_reply, "221 bye");
    }
    /* the 354 is never seen: the content is still recognised */
    direct_open(&d);
    direct_str(&d, 0, "HELO a\r\nMAIL FROM:<x@a.example>\r\nRCPT TO:<y@b.example>\r\nDATA\r\n"
                      "Subject: lost\r\n\r\nbody\r\n..stuffed\r\n.\r\n");
    direct_close(&d);
    CHECK_EQ_U(count_smtp(), 1);
    e = smtp_at(0);
    if (e) {
        CHECK_STR(e->subject, "lost");
        CHECK(e->has_message);
    }
}

/* ---- 4. decoding ---- */

static const struct smtp_event *one_message(const char *headers_and_body)
{
    struct direct d;
    direct_open(&d);
    direct_str(&d, 1, "220 mx ESMTP\r\n");
    direct_str(&d, 0, "EHLO c\r\n");
    direct_str(&d, 1, "250 mx\r\n");
    direct_str(&d, 0, "MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n");
    direct_str(&d, 1, "250 ok\r\n250 ok\r\n354 go\r\n");
    direct_str(&d, 0, headers_and_body);
    direct_str(&d, 0, "\r\n.\r\n");
    direct_str(&d, 1, "250 queued\r\n");
    direct_close(&d);
    return count_smtp() == 1 ? smtp_at(0) : NULL;
}

static void test_encoded_words(void)
{
    const struct smtp_event *e;
    /*
     * python3: email.header.decode_header("=?ISO-2022-JP?B?GyRCQEE1YT1xJE43byRHJDkhIxsoQg==?=
     *   0484111-2020_07_30") -> "請求書の件です。 0484111-2020_07_30"
     *   ("請求書の件です。".encode("iso-2022-jp"), base64)
     */
    e = one_message("Subject: =?ISO-2022-JP?B?GyRCQEE1YT1xJE43byRHJDkhIxsoQg==?= "
                    "0484111-2020_07_30\r\n"
                    "From: =?UTF-8?B?6Jek5rKiIOaYreW9puanmA==?= <x@y.jp>\r\n");
    CHECK(e != NULL);
    if (e) {
        CHECK_STR(e->subject, "請求書の件です。 0484111-2020_07_30");
        CHECK_STR(e->subject_raw,
                  "=?ISO-2022-JP?B?GyRCQEE1YT1xJE43byRHJDkhIxsoQg==?= 0484111-2020_07_30");
        /* python3: decode_header("=?UTF-8?B?6Jek5rKiIOaYreW9puanmA==?= <x@y.jp>") */
        CHECK_STR(e->from, "藤沢 昭彦様 <x@y.jp>");
    }
    /* python3: decode_header("=?shift_jis?B?kL+LgY+R?=") -> "請求書" */
    e = one_message("Subject: =?shift_jis?B?kL+LgY+R?=\r\n");
    CHECK(e && strcmp(e->subject, "請求書") == 0);
    /* python3: decode_header("=?iso-8859-1?Q?Av=EDs_de_transfer=E8ncia?=") -> "Avís de transferència" */
    e = one_message("Subject: =?iso-8859-1?Q?Av=EDs_de_transfer=E8ncia?=\r\n");
    CHECK(e && strcmp(e->subject, "Avís de transferència") == 0);
    /* python3: decode_header("=?windows-1252?Q?Price_=80100?=") -> "Price €100" */
    e = one_message("Subject: =?windows-1252?Q?Price_=80100?=\r\n");
    CHECK(e && strcmp(e->subject, "Price €100") == 0);
    /*
     * python3: decode_header("=?utf-8?B?UmU6?= =?utf-8?Q?_hello?= world") -> "Re: hello world"
     * (the blank between two encoded words goes, RFC 2047 section 6.2); folded over two lines
     */
    e = one_message("Subject: =?utf-8?B?UmU6?=\r\n =?utf-8?Q?_hello?= world\r\n");
    CHECK(e && strcmp(e->subject, "Re: hello world") == 0);
    /* a base64 string in a subject (the 2022 malspam): decoded once, kept raw too */
    e = one_message("Subject: Re: =?utf-8?B?U0dWc2JHOD0=?=\r\n");
    if (e) {
        CHECK_STR(e->subject, "Re: SGVsbG8=");
        CHECK_STR(e->subject_raw, "Re: =?utf-8?B?U0dWc2JHOD0=?=");
    }
    /* an unknown charset, a broken word, a word without its end: bytes kept, no crash */
    e = one_message("Subject: =?x-nonexistent-9?Q?abc?= =?utf-8?B?####?= =?utf-8?Q?open\r\n");
    CHECK(e && strstr(e->subject, "abc") && strstr(e->subject, "=?utf-8?Q?open"));
    /* invalid bytes in a declared charset become U+FFFD, the rest survives */
    e = one_message("Subject: =?ISO-2022-JP?B?GyRCgIA=?=ok\r\n");
    CHECK(e && strstr(e->subject, "ok") != NULL);
}

static void test_attachments(void)
{
    /*
     * RFC 2231 values: urllib.parse.quote("請求書.doc".encode()) ->
     * "%E8%AB%8B%E6%B1%82%E6%9B%B8.doc"; "Electronic form.zip" split over two segments;
     * an RFC 2047 word inside a quoted name (python3 decode_header of
     * "=?UTF-8?B?6Jek5rKiIOaYreW9puanmA==?=" -> "藤沢 昭彦様"); a nested multipart.
     */
    const struct smtp_event *e = one_message(
        "From: a@example.com\r\n"
        "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
        "\r\n"
        "preamble\r\n"
        "--outer\r\n"
        "Content-Type: multipart/alternative;\r\n"
        "\tboundary=inner\r\n"
        "\r\n"
        "--inner\r\n"
        "Content-Type: text/plain\r\n"
        "\r\n"
        "text\r\n"
        "--inner--\r\n"
        "--outer\r\n"
        "Content-Type: application/msword; name=\"x.doc\"\r\n"
        "Content-Disposition: attachment;\r\n"
        " filename*=UTF-8''%E8%AB%8B%E6%B1%82%E6%9B%B8.doc\r\n"
        "\r\n"
        "AAAA\r\n"
        "--outer\r\n"
        "Content-Type: application/zip\r\n"
        "Content-Disposition: attachment; filename*0*=UTF-8''Electronic%20;\r\n"
        " filename*1=\"form.zip\"\r\n"
        "\r\n"
        "UEsDBA==\r\n"
        "--outer\r\n"
        "Content-Type: application/octet-stream; name=\"=?UTF-8?B?6Jek5rKiIOaYreW9puanmA==?=\"\r\n"
        "\r\n"
        "AAAA\r\n"
        "--outer\r\n"
        "Content-Disposition: attachment\r\n"
        "\r\n"
        "nameless\r\n"
        "--outer--\r\n"
        "epilogue\r\n");
    CHECK(e != NULL);
    if (!e)
        return;
    CHECK_EQ_U(e->attachment_count, 4);
    static const char *const names[] = {"請求書.doc", "Electronic form.zip", "藤沢 昭彦様", "",
                                        NULL};
    check_list(e->attachment_names, e->n_attach, names);
    static const char *const types[] = {"application/msword", "application/zip",
                                        "application/octet-stream", "", NULL};
    check_list(e->attachment_types, e->n_attach, types);
}

static void test_auth_variants(void)
{
    struct direct d;
    /* AUTH PLAIN with an initial response: base64("\0alice\0secret") */
    direct_open(&d);
    direct_str(&d, 0, "EHLO c\r\nAUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n");
    direct_str(&d, 1, "250 mx\r\n535 5.7.8 bad credentials\r\n");
    direct_close(&d);
    const struct smtp_event *e = smtp_at(0);
    CHECK(e != NULL);
    if (e) {
        CHECK_STR(e->auth_mech, "PLAIN");
        CHECK_STR(e->auth_user, "alice");
        CHECK_EQ_I(e->auth_success, 0);
    }
    CHECK(!any_json("secret") && !any_json("AGFsaWNlAHNlY3JldA"));
    /* AUTH PLAIN after a 334; an authzid only */
    direct_open(&d);
    direct_str(&d, 0, "EHLO c\r\nAUTH plain\r\n");
    direct_str(&d, 1, "250 mx\r\n334 \r\n");
    direct_str(&d, 0, "Ym9iAAB4\r\n"); /* "bob\0\0x" */
    direct_str(&d, 1, "235 ok\r\n");
    direct_str(&d, 0, "MAIL FROM:<bob@example.com>\r\n");
    direct_close(&d);
    e = smtp_at(0);
    if (e) {
        CHECK_STR(e->auth_user, "bob");
        CHECK_EQ_I(e->auth_success, 1);
        CHECK_STR(e->mailfrom, "bob@example.com");
    }
    /* LOGIN where the server asks for the password first: the challenge decides */
    direct_open(&d);
    direct_str(&d, 0, "EHLO c\r\nAUTH LOGIN\r\n");
    direct_str(&d, 1, "250 mx\r\n334 UGFzc3dvcmQ6\r\n"); /* "Password:" */
    direct_str(&d, 0, "aHVudGVyMg==\r\n");                 /* "hunter2" */
    direct_str(&d, 1, "334 VXNlcm5hbWU6\r\n");            /* "Username:" */
    direct_str(&d, 0, "Y2Fyb2w=\r\n");                     /* "carol" */
    direct_str(&d, 1, "235 ok\r\n");
    direct_close(&d);
    e = smtp_at(0);
    if (e)
        CHECK_STR(e->auth_user, "carol");
    CHECK(!any_json("hunter2"));
    /* CRAM-MD5 ("dave 0123456789abcdef"), a cancelled exchange, broken base64 */
    direct_open(&d);
    direct_str(&d, 0, "EHLO c\r\nAUTH CRAM-MD5\r\n");
    direct_str(&d, 1, "250 mx\r\n334 PDEyMzQ1QGV4YW1wbGU+\r\n");
    direct_str(&d, 0, "ZGF2ZSAwMTIzNDU2Nzg5YWJjZGVm\r\n");
    direct_str(&d, 1, "235 ok\r\n");
    direct_str(&d, 0, "AUTH LOGIN\r\n*\r\n");
    direct_str(&d, 1, "334 VXNlcm5hbWU6\r\n501 cancelled\r\n");
    direct_str(&d, 0, "AUTH LOGIN !!!notbase64!!!\r\nQUIT\r\n");
    direct_str(&d, 1, "501 bad\r\n221 bye\r\n");
    direct_close(&d);
    e = smtp_at(0);
    if (e) {
        CHECK_STR(e->auth_user, "dave");
        CHECK_EQ_I(e->auth_success, 0); /* the last exchange failed */
    }
    /* XOAUTH2: "user=erin@example.com\1auth=Bearer tok\1\1" */
    direct_open(&d);
    direct_str(&d, 0, "EHLO c\r\nAUTH XOAUTH2 dXNlcj1lcmluQGV4YW1wbGUuY29tAWF1dGg9QmVhcmVyIHRvawEB\r\n");
    direct_str(&d, 1, "250 mx\r\n235 ok\r\n");
    direct_close(&d);
    e = smtp_at(0);
    if (e)
        CHECK_STR(e->auth_user, "erin@example.com");
    CHECK(!any_json("Bearer"));
}

/* ---- 5. malformed input ---- */

static void test_hostile(void)
{
    struct direct d;
    /* BDAT: two chunks, the first split inside a header line; then a lying size */
    direct_open(&d);
    direct_str(&d, 0, "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n");
    direct_str(&d, 1, "250 mx\r\n250 ok\r\n250 ok\r\n");
    direct_str(&d, 0, "BDAT 20\r\nSubject: chunked hea");
    direct_str(&d, 0, "BDAT 13 LAST\r\nder\r\n\r\nbody\r\n");
    direct_str(&d, 1, "250 ok\r\n250 done\r\n");
    direct_str(&d, 0, "MAIL FROM:<e@b.example>\r\nBDAT 99999999999999999999 LAST\r\nxyz");
    direct_close(&d);
    CHECK_EQ_U(count_smtp(), 2);
    const struct smtp_event *e = smtp_at(0);
    if (e) {
        CHECK_STR(e->subject, "chunked header");
        CHECK_STR(e->last_reply, "250 done");
    }
    /* a 1 MB line, a 200 KB header, 150 recipients, deep nesting, long boundaries */
    char *big = malloc(1 << 20);
    memset(big, 'x', (1 << 20) - 2);
    big[(1 << 20) - 2] = '\r';
    big[(1 << 20) - 1] = '\n';
    direct_open(&d);
    direct_str(&d, 0, "EHLO ");
    direct_feed(&d, 0, big, 1 << 20);
    direct_str(&d, 0, "MAIL FROM:<a@b.example>\r\n");
    for (int i = 0; i < 150; i++) {
        char r[64];
        snprintf(r, sizeof(r), "RCPT TO:<u%d@d.example>\r\n", i);
        direct_str(&d, 0, r);
    }
    direct_str(&d, 0, "DATA\r\n");
    direct_str(&d, 1, "354 go\r\n");
    direct_str(&d, 0, "Subject: ");
    direct_feed(&d, 0, big, 1 << 20); /* a 1 MB subject line: kept to the line cap */
    for (int i = 0; i < 4000; i++)
        direct_str(&d, 0, " folded continuation line of a header that never ends\r\n");
    direct_str(&d, 0, "Content-Type: multipart/mixed; boundary=b0\r\n\r\n");
    for (int i = 0; i < 20; i++) {
        char b[128];
        snprintf(b, sizeof(b), "--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n", i,
                 i + 1);
        direct_str(&d, 0, b);
    }
    direct_str(&d, 0, "--b20\r\nContent-Disposition: attachment; filename=deep.zip\r\n\r\nx\r\n");
    memcpy(big, "Content-Type: multipart/mixed; boundary=", 40);
    direct_feed(&d, 0, big, 5000);
    direct_str(&d, 0, "\r\n.\r\n");
    direct_str(&d, 1, "250 ok\r\n");
    direct_close(&d);
    CHECK_EQ_U(count_smtp(), 1);
    e = smtp_at(0);
    if (e) {
        CHECK_EQ_U(e->rcpt_count, 150);
        CHECK_EQ_U(e->n_rcptto, SMTP_LIST_MAX);
        CHECK(strlen(e->helo) < 256);
        CHECK(strlen(e->subject) <= SMTP_HDR_VALUE_MAX);
        CHECK_STR(e->last_reply, "250 ok");
    }
    free(big);
    /* garbage both ways, a gap, replies without commands; nothing may crash */
    uint64_t x = 0x243f6a8885a308d3ull;
    uint8_t buf[512];
    for (int round = 0; round < 300; round++) {
        direct_open(&d);
        for (int k = 0; k < 8; k++) {
            size_t n = (size_t)(x % sizeof(buf)) + 1;
            for (size_t i = 0; i < n; i++) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                buf[i] = (uint8_t)(x % 5 == 0 ? '\n' : x);
            }
            direct_feed(&d, k & 1, buf, n);
            if (k == 5)
                smtp_proto.gap(d.st, &d.ctx, 0, 77);
        }
        direct_close(&d);
    }
    CHECK(1);
}

static void test_probe(void)
{
    static const char *const yes0[] = {"EHLO mail.example.com\r\n", "helo x\r\n", "EHLO\r\n"};
    for (size_t i = 0; i < 3; i++)
        CHECK(smtp_proto.probe((const uint8_t *)yes0[i], strlen(yes0[i]), 0) == PROBE_YES);
    static const char *const yes1[] = {"220 mx.google.com ESMTP s4si9696358qcc.63 - gsmtp\r\n",
                                       "220-xc90.websitewelcome.com ESMTP Exim 4.69\r\n",
                                       "220 opmta1mto02nd1 smtp.orange.fr ESMTP server ready\r\n"};
    for (size_t i = 0; i < 3; i++)
        CHECK(smtp_proto.probe((const uint8_t *)yes1[i], strlen(yes1[i]), 1) == PROBE_YES);
    CHECK(smtp_proto.probe((const uint8_t *)"EH", 2, 0) == PROBE_MORE);
    CHECK(smtp_proto.probe((const uint8_t *)"22", 2, 1) == PROBE_MORE);
    CHECK(smtp_proto.probe((const uint8_t *)"220 host ready\r\n", 16, 1) == PROBE_MORE);
    static const char *const no[] = {"220 ProFTPD Server ready\r\n", "220 (vsFTPd 3.0.3)\r\n",
                                     "HTTP/1.1 200 OK\r\n", "SSH-2.0-x\r\n", "230 x\r\n"};
    for (size_t i = 0; i < 5; i++)
        CHECK(smtp_proto.probe((const uint8_t *)no[i], strlen(no[i]), 1) == PROBE_NO);
    CHECK(smtp_proto.probe((const uint8_t *)"GET / HTTP/1.1\r\n", 16, 0) == PROBE_NO);
    CHECK(smtp_proto.probe((const uint8_t *)"USER anonymous\r\n", 16, 0) == PROBE_NO);
}

int main(void)
{
    jb_init(&jb);
    test_zeek_smtp();
    test_ndpi_smtp();
    test_emotet();
    test_starttls();
    test_chunks();
    test_cuts();
    test_data_refused_and_lost_354();
    test_encoded_words();
    test_attachments();
    test_auth_variants();
    test_hostile();
    test_probe();
    rec_clear();
    free(recs);
    jb_release(&jb);
    if (g_ready)
        sensor_release(&g_sensor);
    return test_done();
}
