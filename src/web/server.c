/*
 * summary: the HTTP server of `vigil serve` (libmicrohttpd): binding, authentication, headers,
 * the cached report, routing to the pages and the API
 *
 * Security (docs/web.md): loopback by default; any other address needs a token, then every
 * request must carry it (Authorization: Bearer, or the cookie set once from ?token=), except
 * the locked-link pages, which carry their own HMAC. GET never changes state; the only POST is
 * the double-lock confirmation, checked by a CSRF token bound to the link. Every response
 * forbids scripts and framing through Content-Security-Policy.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "web/web.h"
#include "web/web_int.h"

/* cli/cmd_analyze.c: the merged report `vigil report --json` prints. */
json_t *report_build(const char *state, char *err, size_t errlen);

#define MAX_BODY 16384

static const char CSP[] = "default-src 'none'; style-src 'self'; img-src 'self'; "
                          "script-src 'self'; form-action 'self'; base-uri 'none'; "
                          "frame-ancestors 'none'";

static const char CSS[] =
    "body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}"
    "header{background:#1d2330;color:#fff;padding:8px 20px;display:flex;gap:24px;"
    "align-items:center}header a{color:#fff;text-decoration:none;margin-right:16px}"
    ".brand{font-weight:700;font-size:18px}main{padding:8px 20px 40px;max-width:1200px}"
    "table{border-collapse:collapse;width:100%;background:#fff;margin:6px 0 16px}"
    "th,td{border-bottom:1px solid #e3e6ea;padding:4px 8px;text-align:left;vertical-align:top}"
    "th{background:#eef0f3;font-weight:600}td.reason,.reason{color:#444;word-break:break-word}"
    ".score{display:inline-block;min-width:28px;text-align:center;border-radius:3px;color:#fff;"
    "padding:0 4px}.score.hi{background:#c62828}.score.mid{background:#ef8f00}"
    ".score.lo{background:#5b7083}.none{color:#777;font-style:italic}"
    ".chart{width:100%;height:auto;background:#fff;border:1px solid #e3e6ea}"
    ".chart .bar{fill:#8fb3d9}.chart .axis{stroke:#555}.chart .lbl{font-size:11px;fill:#555}"
    ".chart .stem{stroke-width:1.5}.chart .hi{stroke:#c62828;fill:#c62828}"
    ".chart .mid{stroke:#ef8f00;fill:#ef8f00}.chart .lo{stroke:#5b7083;fill:#5b7083}"
    ".chart .conn{fill:#8fb3d9}.chart .out{fill:#3f6fb5}.chart .in{fill:#9ccc65}"
    ".chart .day{stroke:#c9ced6;stroke-dasharray:3 3}.chart text.day{fill:#333;stroke:none}"
    ".chart .ttl{font-weight:600;fill:#333}"
    "figcaption{color:#666;font-size:12px}ol.timeline{list-style:none;padding-left:0;"
    "border-left:3px solid #1d2330;margin-left:8px}ol.timeline li{padding:4px 12px}"
    "li.stage{font-weight:700;text-transform:uppercase;color:#c62828;margin-top:10px}"
    ".tag{background:#e8eaf6;border-radius:3px;padding:0 5px;margin-right:3px}"
    ".warn{background:#fff3cd;border:1px solid #e0b000;padding:10px}.dest code{font-size:16px;"
    "word-break:break-all}.err{color:#c62828}a.go,button{font-size:15px;padding:6px 12px}"
    "footer{color:#888;font-size:12px;padding:10px 20px}";

struct server {
    const char *state;
    const char *token;
    unsigned char secret[WEB_SECRET_LEN];
    pthread_mutex_t lock;
    json_t *report; /* cached; rebuilt when the state file changes */
    struct timespec mtime;
    off_t size;
};

/* The current report, a new reference; NULL (err) if the state cannot be read. */
static json_t *current_report(struct server *s, char *err, size_t errlen)
{
    struct stat st;
    if (stat(s->state, &st) < 0) {
        snprintf(err, errlen, "cannot read the state");
        return NULL;
    }
    pthread_mutex_lock(&s->lock);
    if (!s->report || st.st_mtim.tv_sec != s->mtime.tv_sec ||
        st.st_mtim.tv_nsec != s->mtime.tv_nsec || st.st_size != s->size) {
        json_t *r = report_build(s->state, err, errlen);
        if (r) {
            json_decref(s->report);
            s->report = r;
            s->mtime = st.st_mtim;
            s->size = st.st_size;
        }
    }
    json_t *r = s->report ? json_incref(s->report) : NULL;
    pthread_mutex_unlock(&s->lock);
    return r;
}

static const char *get_arg(void *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

const char *form_get(const char *body, const char *name, char *out, size_t outlen)
{
    size_t nl = strlen(name);
    for (const char *p = body; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            size_t o = 0;
            for (size_t i = nl + 1; i < len; i++) {
                char c = p[i];
                if (c == '+') {
                    c = ' ';
                } else if (c == '%' && i + 2 < len + 1 && hexval(p[i + 1]) >= 0 &&
                           hexval(p[i + 2]) >= 0) {
                    c = (char)(hexval(p[i + 1]) << 4 | hexval(p[i + 2]));
                    i += 2;
                }
                if (o + 1 >= outlen || c == '\0')
                    return NULL;
                out[o++] = c;
            }
            out[o] = '\0';
            return out;
        }
        p = amp ? amp + 1 : NULL;
    }
    return NULL;
}

static int token_eq(const char *a, const char *b)
{
    size_t n = strlen(b);
    return a && strlen(a) == n && CRYPTO_memcmp(a, b, n) == 0;
}

static int cookie_token_ok(struct MHD_Connection *c, const char *token)
{
    return token_eq(MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "vigil_token"), token);
}

static int bearer_ok(struct MHD_Connection *c, const char *token)
{
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    return h && strncmp(h, "Bearer ", 7) == 0 && token_eq(h + 7, token);
}

static enum MHD_Result respond(struct MHD_Connection *c, struct web_resp *r, const char *cookie,
                            const char *location)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        r->body.len, r->body.p ? r->body.p : (char *)(uintptr_t) "", MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", r->ctype ? r->ctype : "text/plain");
    MHD_add_response_header(resp, "Content-Security-Policy", CSP);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (cookie)
        MHD_add_response_header(resp, "Set-Cookie", cookie);
    if (location)
        MHD_add_response_header(resp, "Location", location);
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

struct upload {
    struct hbuf body;
    int too_big;
};

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)c, (void)toe;
    struct upload *u = *con_cls;
    if (u) {
        hb_release(&u->body);
        free(u);
        *con_cls = NULL;
    }
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    (void)version;
    struct server *s = cls;
    int is_post = strcmp(method, "POST") == 0;
    if (!*con_cls) {
        *con_cls = xcalloc(1, sizeof(struct upload));
        return MHD_YES;
    }
    struct upload *u = *con_cls;
    if (is_post && *upload_size) {
        if (u->body.len + *upload_size > MAX_BODY)
            u->too_big = 1;
        else
            hb_putn(&u->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    struct web_resp r = {.status = 200};
    enum MHD_Result ret;
    int is_lock = strcmp(url, "/lock") == 0 || strcmp(url, "/lock/confirm") == 0;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 && !is_post) {
        page_error(&r, 405, "method not allowed");
        goto out;
    }
    if (s->token && !is_lock && strcmp(url, "/static/vigil.css") != 0 &&
        !bearer_ok(c, s->token) && !cookie_token_ok(c, s->token)) {
        const char *t = get_arg(c, "token");
        if (!is_post && token_eq(t, s->token)) {
            /* ?token= once: set the cookie and drop the token from the address bar */
            char cookie[512];
            snprintf(cookie, sizeof(cookie),
                     "vigil_token=%s; Path=/; HttpOnly; SameSite=Strict", s->token);
            r.status = 303;
            r.ctype = "text/plain";
            hb_put(&r.body, "authenticated\n");
            ret = respond(c, &r, cookie, url[0] == '/' && url[1] != '/' ? url : "/");
            hb_release(&r.body);
            return ret;
        }
        page_error(&r, 401, "this vigil needs its token (Authorization: Bearer, or ?token= once)");
        goto out;
    }
    if (is_post && (strcmp(url, "/lock/confirm") != 0 || u->too_big)) {
        page_error(&r, u->too_big ? 413 : 405, "no such form");
        goto out;
    }
    if (is_post) {
        /* a cross-site form post carries a foreign Origin: refuse it before anything else */
        const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
        const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
        if (origin && strcmp(origin, "null") != 0 &&
            (!host || strncmp(origin, "http://", 7) != 0 || strcmp(origin + 7, host) != 0)) {
            page_error(&r, 403, "cross-site form refused");
            goto out;
        }
    }
    if (strcmp(url, "/static/vigil.css") == 0) {
        r.ctype = "text/css";
        hb_put(&r.body, CSS);
        goto out;
    }
    char err[512];
    json_t *report = current_report(s, err, sizeof(err));
    if (!report) {
        page_error(&r, 503, err);
        goto out;
    }
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(s->state, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        json_decref(report);
        page_error(&r, 503, "cannot open the state");
        goto out;
    }
    sqlite3_busy_timeout(db, 2000);
    struct web_req q = {
        .method = is_post ? "POST" : "GET",
        .path = url,
        .state = s->state,
        .report = report,
        .db = db,
        .secret = s->secret,
        .conn = c,
        .arg = get_arg,
        .user_agent = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "User-Agent"),
        .body = is_post ? (u->body.p ? u->body.p : "") : NULL,
    };
    if (!api_route(&q, &r) && !page_route(&q, &r))
        page_error(&r, 404, "no such page");
    sqlite3_close(db);
    json_decref(report);
out:
    ret = respond(c, &r, NULL, NULL);
    hb_release(&r.body);
    return ret;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

/* Parses HOST:PORT or [V6]:PORT into a socket address; 1 if it is a loopback address. */
static int parse_listen(const char *spec, struct sockaddr_storage *ss, int *loopback)
{
    char host[256];
    const char *port;
    if (spec[0] == '[') {
        const char *e = strchr(spec, ']');
        if (!e || e[1] != ':' || (size_t)(e - spec - 1) >= sizeof(host))
            return -1;
        memcpy(host, spec + 1, (size_t)(e - spec - 1));
        host[e - spec - 1] = '\0';
        port = e + 2;
    } else {
        const char *e = strrchr(spec, ':');
        if (!e || (size_t)(e - spec) >= sizeof(host))
            return -1;
        memcpy(host, spec, (size_t)(e - spec));
        host[e - spec] = '\0';
        port = e + 1;
    }
    struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
                             .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai;
    if (!*port || getaddrinfo(host, port, &hints, &ai) != 0)
        return -1;
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    freeaddrinfo(ai);
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
        *loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    } else {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
        *loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
    }
    return 0;
}

int web_serve(const struct web_config *cfg)
{
    struct sockaddr_storage ss;
    int loopback = 0;
    if (parse_listen(cfg->listen, &ss, &loopback) < 0) {
        vigil_error("serve", "'%s' is not a numeric HOST:PORT to listen on", cfg->listen);
        return 1;
    }
    if (!loopback && (!cfg->token || !*cfg->token)) {
        vigil_error("serve", "listening on '%s' (not loopback) needs --token", cfg->listen);
        return 1;
    }
    if (cfg->token && strlen(cfg->token) < 16) {
        vigil_error("serve", "the token must have at least 16 characters");
        return 1;
    }
    struct server s = {.state = cfg->state, .token = cfg->token && *cfg->token ? cfg->token : NULL};
    pthread_mutex_init(&s.lock, NULL);
    char err[512];
    if (lock_secret(cfg->state, s.secret, err, sizeof(err)) < 0) {
        vigil_error(cfg->state, "%s", err);
        return 1;
    }
    json_t *first = current_report(&s, err, sizeof(err));
    if (!first) {
        vigil_error(cfg->state, "%s", err);
        return 1;
    }
    json_decref(first);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, handle, &s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)2, MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)256, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
        MHD_OPTION_END);
    if (!d) {
        vigil_error("serve", "cannot listen on '%s'", cfg->listen);
        return 1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    char host[INET6_ADDRSTRLEN] = "";
    if (ss.ss_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
    else
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof(host));
    fprintf(stderr, ss.ss_family == AF_INET6 ? "vigil: listening on http://[%s]:%u/\n"
                                             : "vigil: listening on http://%s:%u/\n",
            host, di ? di->port : 0);
    fflush(stderr);
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    while (!stop)
        pause();
    MHD_stop_daemon(d);
    json_decref(s.report);
    OPENSSL_cleanse(s.secret, sizeof(s.secret));
    pthread_mutex_destroy(&s.lock);
    return 0;
}
