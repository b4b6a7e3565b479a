/*
 * summary: libFuzzer harness for `vigil serve`'s request handling without a socket: one input is
 * one request (method, URL with query, headers, cookies, body) given to web_handle()
 *
 * Input: "METHOD URL\n", then "Name: value\n" header lines up to an empty line, then the body
 * (a POST form). The URL's path is percent-decoded and its query parsed with form_get() (as
 * libmicrohttpd decodes them for the server); "Cookie:" is split into cookies. The first byte
 * of the method line chooses, when it is '!', a server with a token (the rest is the method).
 * The state is a real SQLite file made once: breaches (one with hostile strings), a device's
 * hourly history, the mail log (verdicts.c), the lock secret (fixed, so the seeds hold valid locked links).
 * Checked beyond the sanitizers: a status in 200..503, a body for every page, JSON bodies
 * that parse, and no hostile string unescaped in an HTML body.
 */
#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "life/history.h"
#include "web/web.h"
#include "web/web_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HOSTILE "<script>alert(1)</script>"

static char state[256];
static json_t *report;

static const char report_json[] =
    "{\"first_event\":1700000000,\"last_event\":1700090000,\"events\":12,\"devices\":["
    "{\"device\":\"10.0.0.5\",\"threat\":91,\"connections\":40,\"first_seen\":1700000000,"
    "\"last_seen\":1700090000,\"breaches\":[1,2],\"incidents\":[{\"incident\":1,\"breaches\":2,"
    "\"max_score\":91,\"stages\":\"c2\",\"first\":1700000100,\"last\":1700000200}],"
    "\"usual\":[{\"kind\":\"host\",\"value\":\"" HOSTILE "\",\"connections\":3,\"days\":1,"
    "\"org_devices\":1,\"first_seen\":1700000000,\"org_first_seen\":1700000000}],"
    "\"new\":[{\"kind\":\"ip\",\"value\":\"203.0.113.7\",\"connections\":1,\"days\":1,"
    "\"org_devices\":1,\"first_seen\":1700000100,\"org_first_seen\":1700000100}],"
    "\"beacons\":[{\"kind\":\"ip\",\"value\":\"203.0.113.7\",\"period_s\":60,"
    "\"beacon_score\":0.9}],\"ports_and_services\":[\"tcp/443\",\"" HOSTILE "\"]},"
    "{\"device\":\"fe80::1\",\"threat\":0,\"connections\":1}]}";

static void must(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_web: setup: %s\n", what);
        abort();
    }
}

static void make_state(void)
{
    snprintf(state, sizeof(state), "/tmp/vigil-fuzz-web-%d.db", (int)getpid());
    unlink(state);
    sqlite3 *db;
    must(sqlite3_open(state, &db) == SQLITE_OK, "open");
    must(sqlite3_exec(db,
                      "CREATE TABLE breaches(id INTEGER PRIMARY KEY, ts INTEGER, device TEXT,"
                      " model TEXT, score INTEGER, stage TEXT, endpoint TEXT, hostname TEXT,"
                      " reason TEXT, metrics TEXT, uid TEXT, incident INTEGER, threat REAL);"
                      "INSERT INTO breaches VALUES(1, 1700000100000000, '10.0.0.5',"
                      " 'Compromise / Beaconing Activity To External Rare', 91, 'c2',"
                      " '203.0.113.7:443', '" HOSTILE "', 'reason \"><img src=x onerror=y>',"
                      " '{\"n\":3,\"s\":\"" HOSTILE "\"}', 'C1', 1, 91);"
                      "INSERT INTO breaches VALUES(2, 1700000200000000, '10.0.0.5',"
                      " 'Device / Suspicious Domain', 40, 'c2', '[2001:db8::1]:80', '', '',"
                      " 'not json', 'C2', 1, 50);"
                      "CREATE TABLE web_secret(id INTEGER PRIMARY KEY CHECK(id = 1),"
                      " key BLOB NOT NULL);"
                      "INSERT INTO web_secret VALUES(1, x'6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b"
                      "6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b6b');"
                      "CREATE TABLE web_clicks(ts INTEGER, mode INTEGER, dest TEXT,"
                      " user_agent TEXT);" LIFE_HISTORY_SCHEMA,
                      NULL, NULL, NULL) == SQLITE_OK,
         "schema");
    /* a device history: 30 hours with traffic, hour h at slot h % LIFE_HIST_HOURS */
    static struct life_history h;
    h.last_hour = 1700090000 / 3600;
    for (int64_t x = h.last_hour - 29; x <= h.last_hour; x++) {
        size_t s = (size_t)(x % LIFE_HIST_HOURS);
        h.conns[s] = (uint32_t)(x % 7);
        h.out[s] = (uint64_t)(x % 5) * 100000;
        h.in[s] = (uint64_t)(x % 3) * 7000000000ULL;
    }
    sqlite3_stmt *st;
    must(sqlite3_prepare_v2(db, "INSERT INTO device_history VALUES(0, ?, ?, ?, ?, ?)", -1, &st,
                            NULL) == SQLITE_OK,
         "history");
    struct addr a;
    must(addr_parse("10.0.0.5", &a) == 0, "addr");
    sqlite3_bind_blob(st, 1, a.b, 16, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, h.last_hour);
    sqlite3_bind_blob(st, 3, h.conns, sizeof(h.conns), SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, h.out, sizeof(h.out), SQLITE_STATIC);
    sqlite3_bind_blob(st, 5, h.in, sizeof(h.in), SQLITE_STATIC);
    must(sqlite3_step(st) == SQLITE_DONE, "history row");
    sqlite3_finalize(st);
    sqlite3_close(db);
    /* the mail log as `vigil email --state` writes it */
    static const char verdict[] =
        "{\"path\":\"" HOSTILE "\",\"mbox_index\":0,\"message_id\":\"" HOSTILE "\","
        "\"time\":\"2023-11-14T09:00:00Z\",\"from\":\"" HOSTILE "\",\"to\":[\"" HOSTILE "\"],"
        "\"subject\":\"" HOSTILE "\",\"score\":100,\"tags\":[\"" HOSTILE "\"],"
        "\"actions\":[\"Lock Link\"],\"indicators\":[{\"name\":\"" HOSTILE "\","
        "\"detail\":\"" HOSTILE "\",\"weight\":35}],\"links\":[{\"text\":\"" HOSTILE "\","
        "\"href\":\"javascript:alert(1)\",\"domain\":\"x\"}],\"attachments\":[{\"name\":"
        "\"" HOSTILE "\",\"declared_type\":\"" HOSTILE "\",\"true_type\":\"" HOSTILE "\","
        "\"sha256\":\"00\"}]}";
    char err[256];
    struct web_verdicts *v = web_verdicts_open(state, err, sizeof(err));
    must(v != NULL, "mail log");
    must(web_verdicts_add(v, verdict, sizeof(verdict) - 1) == 0, "a verdict");
    must(web_verdicts_add(v, "{}", 2) == 0, "an empty verdict");
    must(web_verdicts_close(v, err, sizeof(err)) == 0, "mail log close");
    report = json_loads(report_json, 0, NULL);
    must(report != NULL, "report");
}

static json_t *get_report(struct web_server *s, char *err, size_t errlen)
{
    (void)s, (void)err, (void)errlen;
    return json_incref(report);
}

/* The request as the transport would hand it over. */
struct req {
    char *query;  /* after '?', or NULL */
    char *hdr[32][2];
    size_t nhdr;
    char *cookies; /* the Cookie header, split on "; " when looked up */
    char scratch[4096];
};

static const char *arg(void *conn, const char *name)
{
    struct req *q = conn;
    return q->query ? form_get(q->query, name, q->scratch, sizeof(q->scratch)) : NULL;
}

static const char *header(void *conn, const char *name)
{
    struct req *q = conn;
    for (size_t i = 0; i < q->nhdr; i++)
        if (strcasecmp(q->hdr[i][0], name) == 0)
            return q->hdr[i][1];
    return NULL;
}

static const char *cookie(void *conn, const char *name)
{
    struct req *q = conn;
    size_t nl = strlen(name);
    for (const char *p = q->cookies; p && *p;) {
        while (*p == ' ')
            p++;
        const char *e = strchr(p, ';');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            size_t n = len - nl - 1 < sizeof(q->scratch) - 1 ? len - nl - 1 : sizeof(q->scratch) - 1;
            memcpy(q->scratch, p + nl + 1, n);
            q->scratch[n] = '\0';
            return q->scratch;
        }
        p = e ? e + 1 : NULL;
    }
    return NULL;
}

static int hexv(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Percent-decodes s in place (as libmicrohttpd does the path); stops at a decoded NUL. */
static void unescape(char *s)
{
    char *o = s;
    for (char *p = s; *p; p++) {
        if (p[0] == '%' && hexv(p[1]) >= 0 && hexv(p[2]) >= 0) {
            *o++ = (char)(hexv(p[1]) << 4 | hexv(p[2]));
            p += 2;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!report)
        make_state();
    if (size > 65536)
        return 0;
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = '\0';
    struct req q = {0};
    char *line = buf, *nl = strchr(line, '\n');
    if (nl)
        *nl = '\0';
    char *rest = nl ? nl + 1 : NULL;
    int with_token = line[0] == '!';
    if (with_token)
        line++;
    char *sp = strchr(line, ' ');
    const char *method = line;
    static char root[] = "/";
    char *u = root;
    if (sp) {
        *sp = '\0';
        u = sp + 1;
    }
    char *qm = strchr(u, '?');
    if (qm) {
        *qm = '\0';
        q.query = qm + 1;
    }
    unescape(u);
    const char *body = NULL;
    while (rest) {
        nl = strchr(rest, '\n');
        if (nl)
            *nl = '\0';
        if (!*rest) {
            body = nl ? nl + 1 : "";
            break;
        }
        char *colon = strchr(rest, ':');
        if (colon && q.nhdr < 32) {
            *colon = '\0';
            char *v = colon + 1;
            while (*v == ' ')
                v++;
            q.hdr[q.nhdr][0] = rest;
            q.hdr[q.nhdr][1] = v;
            if (strcasecmp(rest, "Cookie") == 0)
                q.cookies = v;
            q.nhdr++;
        }
        rest = nl ? nl + 1 : NULL;
    }
    struct web_server s = {.state = state, .report = get_report};
    if (with_token)
        s.token = "0123456789abcdef-token";
    memset(s.secret, 'k', sizeof(s.secret));
    struct web_call c = {
        .method = method,
        .url = u,
        .body = strcmp(method, "POST") == 0 ? (body ? body : "") : NULL,
        .too_big = body && strlen(body) > 16384,
        .conn = &q,
        .arg = arg,
        .header = header,
        .cookie = cookie,
    };
    struct web_resp r = {.status = 200};
    char ck[512];
    const char *loc;
    web_handle(&s, &c, &r, ck, sizeof(ck), &loc);
    if (r.status < 200 || r.status > 503)
        abort();
    if (r.ctype && strcmp(r.ctype, "application/json") == 0) {
        json_error_t e;
        json_t *j = json_loadb(r.body.p, r.body.len, JSON_DECODE_ANY, &e);
        if (!j)
            abort(); /* the API answered something that is not JSON */
        json_decref(j);
    } else if (r.ctype && strncmp(r.ctype, "text/html", 9) == 0) {
        if (!r.body.len || strstr(r.body.p, HOSTILE) || strstr(r.body.p, "<img"))
            abort(); /* a hostile string reached the page unescaped */
    }
    hb_release(&r.body);
    free(buf);
    return 0;
}
