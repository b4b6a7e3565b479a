/*
 * summary: internals shared by the files of src/web/: output buffer, HTML, SVG, queries, locks
 */
#ifndef VIGIL_WEB_WEB_INT_H
#define VIGIL_WEB_WEB_INT_H

#include <jansson.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "util/log.h"

/* A growable byte buffer: the body of every response. */
struct hbuf {
    char *p;
    size_t len, cap;
};
void hb_putn(struct hbuf *b, const char *s, size_t n);
void hb_put(struct hbuf *b, const char *s);
void hb_printf(struct hbuf *b, const char *fmt, ...) VIGIL_PRINTF(2, 3);
/* Appends s HTML-escaped (& < > " ' and control bytes): safe in text and quoted attributes. */
void hb_esc(struct hbuf *b, const char *s);
/* Appends s percent-encoded for a URL path segment or query value. */
void hb_url(struct hbuf *b, const char *s);
/* Appends a UTC time "YYYY-MM-DD HH:MM:SS" for seconds since the epoch. */
void hb_time(struct hbuf *b, double ts);
void hb_release(struct hbuf *b);

/* The frame of every page: title escaped; nav marks the current section. */
void html_open(struct hbuf *b, const char *title);
void html_close(struct hbuf *b);

/* jansson helpers: "" / 0 when absent. */
const char *jstr(json_t *o, const char *k);
double jnum(json_t *o, const char *k);

/*
 * SVG charts (svg.c), drawn server-side. counts: n buckets of width bucket_s from t0.
 * marks (may be NULL): breaches as objects with "ts" and "score" drawn over the bars.
 */
void svg_bars(struct hbuf *b, const char *title, double t0, double bucket_s,
              const int64_t *counts, size_t n, json_t *marks);

/*
 * A device's activity (svg.c): connections and bytes sent/received per hour (hours, oldest
 * first, n >= 1) with its breaches (objects with "ts", "score", "model") marked at their time.
 */
struct life_hour;
void svg_activity(struct hbuf *b, const char *title, const struct life_hour *hours, size_t n,
                  json_t *marks);

/* Read-only queries on the state (query.c). Each returns a new reference. */
int q_table_exists(sqlite3 *db, const char *name);
/* Breaches, newest first; device NULL for all; incident < 0 for all. */
json_t *q_breaches(sqlite3 *db, const char *device, int64_t incident, const char *endpoint,
                   int limit);
json_t *q_breach(sqlite3 *db, int64_t id); /* NULL if none */
/* Breach counts per bucket between t0 and t1 (seconds); fills *n. Caller frees. */
int64_t *q_breach_hist(sqlite3 *db, const char *device, double t0, double bucket_s, size_t n);
/* Mail verdicts if the email side has written them: NULL when no table. */
const char *q_email_table(sqlite3 *db);
json_t *q_email_list(sqlite3 *db, int limit);
json_t *q_email_msg(sqlite3 *db, int64_t id);
/*
 * Device ip's hourly history (life/history.h) into hours (LIFE_HIST_HOURS of room); returns the
 * number of hours, 0 if none or ip is not an address.
 */
size_t q_history(sqlite3 *db, const char *ip, struct life_hour *hours);

/* Locked links (lock.c). */
#define WEB_SECRET_LEN 32
int lock_secret(const char *state, unsigned char secret[WEB_SECRET_LEN], char *err,
                size_t errlen) WARN_UNUSED;
/* base64url (no padding) of the HMAC-SHA256 of (mode, dest); out >= 44 bytes. */
void lock_mac(const unsigned char *secret, int mode, const char *dest, char *out, size_t outlen);
/* 1 if mac is the token of (mode, dest), compared in constant time. */
int lock_verify(const unsigned char *secret, int mode, const char *dest, const char *mac);
/* The CSRF token of a double-lock form, bound to the link's token. */
void lock_csrf(const unsigned char *secret, const char *mac, char *out, size_t outlen);
int lock_dest_ok(const char *dest);
void b64url(const unsigned char *in, size_t n, char *out, size_t outlen);
/* Decodes base64url into out (NUL-terminated); returns length or -1. */
long b64url_dec(const char *in, char *out, size_t outlen);
int lock_record_click(const char *state, const char *dest, int mode, const char *ua);

/* Pages and API (pages.c, api.c): the request a handler sees. */
struct web_req {
    const char *method;
    const char *path;       /* decoded by the server */
    const char *state;
    json_t *report;         /* the merged report (borrowed) */
    sqlite3 *db;            /* read-only (borrowed) */
    const unsigned char *secret;
    void *conn;             /* struct MHD_Connection */
    const char *(*arg)(void *conn, const char *name); /* query or form value, NULL if absent */
    const char *user_agent;
    const char *body;       /* POST form body, NUL-terminated */
};
struct web_resp {
    int status;
    const char *ctype;
    struct hbuf body;
};

/* The server as web_handle sees it (route.c); server.c and the fuzz harness embed it. */
struct web_server {
    const char *state;
    const char *token; /* NULL: none */
    unsigned char secret[WEB_SECRET_LEN];
    /* the merged report, a new reference, or NULL with err (the server caches it) */
    json_t *(*report)(struct web_server *s, char *err, size_t errlen);
};

/* One request as the transport decoded it: the path percent-decoded, the query parsed. */
struct web_call {
    const char *method, *url;
    const char *body; /* POST body, NUL-terminated, or NULL */
    int too_big;      /* the body exceeded its cap and was dropped */
    void *conn;       /* passed back to the lookups */
    const char *(*arg)(void *conn, const char *name);    /* query value, NULL if absent */
    const char *(*header)(void *conn, const char *name); /* request header, NULL if absent */
    const char *(*cookie)(void *conn, const char *name); /* cookie value, NULL if absent */
};

/*
 * Answers c into r (status, type, body; r->body starts empty). cookie (cookielen bytes) gets a
 * Set-Cookie value or "", *location a Location (borrowed from c) or NULL. The CSS is web_css.
 */
void web_handle(struct web_server *s, const struct web_call *c, struct web_resp *r,
                char *cookie, size_t cookielen, const char **location);
extern const char web_css[];
/* A read-only connection to the state for one request, NULL if it cannot be opened; put back. */
sqlite3 *web_db_get(struct web_server *s);
void web_db_put(struct web_server *s, sqlite3 *db);

int page_route(struct web_req *q, struct web_resp *r);  /* 1 if handled */
int api_route(struct web_req *q, struct web_resp *r);   /* 1 if handled */
const char *form_get(const char *body, const char *name, char *out, size_t outlen);
void page_error(struct web_resp *r, int status, const char *msg);

#endif
