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

struct server {
    struct web_server w; /* first: web_handle's view */
    const char *state;
    pthread_mutex_t lock;
    json_t *report; /* cached; rebuilt when the state file changes */
    struct timespec mtime;
    off_t size;
};

/* The current report, a new reference; NULL (err) if the state cannot be read. */
static json_t *current_report(struct web_server *w, char *err, size_t errlen)
{
    struct server *s = (struct server *)w;
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

static const char *get_header(void *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

static const char *get_cookie(void *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, name);
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
    if (!*con_cls) {
        *con_cls = xcalloc(1, sizeof(struct upload));
        return MHD_YES;
    }
    struct upload *u = *con_cls;
    int is_post = strcmp(method, "POST") == 0;
    if (is_post && *upload_size) {
        if (u->body.len + *upload_size > MAX_BODY)
            u->too_big = 1;
        else
            hb_putn(&u->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    struct web_call call = {
        .method = method,
        .url = url,
        .body = u->body.p,
        .too_big = u->too_big,
        .conn = c,
        .arg = get_arg,
        .header = get_header,
        .cookie = get_cookie,
    };
    struct web_resp r = {.status = 200};
    char cookie[512];
    const char *location;
    web_handle(&s->w, &call, &r, cookie, sizeof(cookie), &location);
    enum MHD_Result ret = respond(c, &r, cookie[0] ? cookie : NULL, location);
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
    struct server s = {.state = cfg->state};
    s.w.state = cfg->state;
    s.w.token = cfg->token && *cfg->token ? cfg->token : NULL;
    s.w.report = current_report;
    pthread_mutex_init(&s.lock, NULL);
    char err[512];
    if (lock_secret(cfg->state, s.w.secret, err, sizeof(err)) < 0) {
        vigil_error(cfg->state, "%s", err);
        return 1;
    }
    json_t *first = current_report(&s.w, err, sizeof(err));
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
    OPENSSL_cleanse(s.w.secret, sizeof(s.w.secret));
    pthread_mutex_destroy(&s.lock);
    return 0;
}
