/*
 * summary: one request of `vigil serve` from method, URL, headers, cookies, query and body to a
 * response: authentication, the method and Origin rules, the stylesheet, then the API and pages
 *
 * Split from server.c so that it runs without a socket: server.c calls it from libmicrohttpd's
 * handler, tests/fuzz/fuzz_web.c with requests made from fuzz input. Security rules: server.c.
 */
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>

#include "web/web_int.h"

const char web_css[] =
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

static int bearer_ok(const struct web_call *c, const char *token)
{
    const char *h = c->header(c->conn, "Authorization");
    return h && strncmp(h, "Bearer ", 7) == 0 && token_eq(h + 7, token);
}

void web_handle(struct web_server *s, const struct web_call *c, struct web_resp *r,
                char *cookie, size_t cookielen, const char **location)
{
    const char *url = c->url, *method = c->method;
    int is_post = strcmp(method, "POST") == 0;
    int is_lock = strcmp(url, "/lock") == 0 || strcmp(url, "/lock/confirm") == 0;
    r->status = 200;
    cookie[0] = '\0';
    *location = NULL;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 && !is_post) {
        page_error(r, 405, "method not allowed");
        return;
    }
    if (s->token && !is_lock && strcmp(url, "/static/vigil.css") != 0 && !bearer_ok(c, s->token) &&
        !token_eq(c->cookie(c->conn, "vigil_token"), s->token)) {
        const char *t = c->arg(c->conn, "token");
        if (!is_post && token_eq(t, s->token)) {
            /* ?token= once: set the cookie and drop the token from the address bar */
            snprintf(cookie, cookielen, "vigil_token=%s; Path=/; HttpOnly; SameSite=Strict",
                     s->token);
            r->status = 303;
            r->ctype = "text/plain";
            hb_put(&r->body, "authenticated\n");
            *location = url[0] == '/' && url[1] != '/' ? url : "/";
            return;
        }
        page_error(r, 401, "this vigil needs its token (Authorization: Bearer, or ?token= once)");
        return;
    }
    if (is_post && (strcmp(url, "/lock/confirm") != 0 || c->too_big)) {
        page_error(r, c->too_big ? 413 : 405, "no such form");
        return;
    }
    if (is_post) {
        /* a cross-site form post carries a foreign Origin: refuse it before anything else */
        const char *origin = c->header(c->conn, "Origin");
        const char *host = c->header(c->conn, "Host");
        if (origin && strcmp(origin, "null") != 0 &&
            (!host || strncmp(origin, "http://", 7) != 0 || strcmp(origin + 7, host) != 0)) {
            page_error(r, 403, "cross-site form refused");
            return;
        }
    }
    if (strcmp(url, "/static/vigil.css") == 0) {
        r->ctype = "text/css";
        hb_put(&r->body, web_css);
        return;
    }
    char err[512];
    json_t *report = s->report(s, err, sizeof(err));
    if (!report) {
        page_error(r, 503, err);
        return;
    }
    sqlite3 *db = web_db_get(s);
    if (!db) {
        json_decref(report);
        page_error(r, 503, "cannot open the state");
        return;
    }
    struct web_req q = {
        .method = is_post ? "POST" : "GET",
        .path = url,
        .state = s->state,
        .report = report,
        .db = db,
        .secret = s->secret,
        .conn = c->conn,
        .arg = c->arg,
        .user_agent = c->header(c->conn, "User-Agent"),
        .body = is_post ? (c->body ? c->body : "") : NULL,
    };
    if (!api_route(&q, r) && !page_route(&q, r))
        page_error(r, 404, "no such page");
    web_db_put(s, db);
    json_decref(report);
}

/*
 * One read-only connection per server thread, kept for the thread's life (closed by the key's
 * destructor when the thread ends) and reopened when the state file was replaced (another
 * inode). Opening the state per request cost a third of a page's time (bench/web/README.md).
 */
struct tl_db {
    sqlite3 *db;
    char *state;
    dev_t dev;
    ino_t ino;
};

static pthread_key_t db_key;
static pthread_once_t db_once = PTHREAD_ONCE_INIT;

static void tl_free(void *p)
{
    struct tl_db *t = p;
    sqlite3_close(t->db);
    free(t->state);
    free(t);
}

static void db_key_make(void)
{
    if (pthread_key_create(&db_key, tl_free) != 0)
        BUG("no thread key for the state connections");
}

sqlite3 *web_db_get(struct web_server *s)
{
    pthread_once(&db_once, db_key_make);
    struct stat st;
    if (stat(s->state, &st) < 0)
        return NULL;
    struct tl_db *t = pthread_getspecific(db_key);
    if (t && (strcmp(t->state, s->state) != 0 || t->dev != st.st_dev || t->ino != st.st_ino)) {
        pthread_setspecific(db_key, NULL);
        tl_free(t);
        t = NULL;
    }
    if (!t) {
        sqlite3 *db = NULL;
        if (sqlite3_open_v2(s->state, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
            sqlite3_close(db);
            return NULL;
        }
        sqlite3_busy_timeout(db, 2000);
        t = xcalloc(1, sizeof(*t));
        t->db = db;
        t->state = xstrdup(s->state);
        t->dev = st.st_dev;
        t->ino = st.st_ino;
        pthread_setspecific(db_key, t);
    }
    return t->db;
}

void web_db_put(struct web_server *s, sqlite3 *db)
{
    (void)s, (void)db; /* kept for the thread; nothing a request did stays open on it */
}
