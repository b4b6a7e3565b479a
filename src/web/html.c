/*
 * summary: response buffer, HTML escaping and the page frame of the web UI
 *
 * Every attacker-derived string (hostnames, user agents, reasons, subjects) reaches a page
 * only through hb_esc or hb_url; the page frame loads only vigil's own stylesheet, no script.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "web/web_int.h"

static void hb_grow(struct hbuf *b, size_t n)
{
    if (b->len + n + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n + 1)
        cap *= 2;
    b->p = xrealloc(b->p, cap);
    b->cap = cap;
}

void hb_putn(struct hbuf *b, const char *s, size_t n)
{
    hb_grow(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void hb_put(struct hbuf *b, const char *s)
{
    hb_putn(b, s, strlen(s));
}

void hb_printf(struct hbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    hb_grow(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void hb_esc(struct hbuf *b, const char *s)
{
    if (!s)
        return;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '&': hb_put(b, "&amp;"); break;
        case '<': hb_put(b, "&lt;"); break;
        case '>': hb_put(b, "&gt;"); break;
        case '"': hb_put(b, "&quot;"); break;
        case '\'': hb_put(b, "&#39;"); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                hb_printf(b, "&#%u;", *p == '\t' || *p == '\n' ? *p : 0xfffdu);
            else
                hb_putn(b, (const char *)p, 1);
        }
    }
}

void hb_url(struct hbuf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~' || *p == ':') {
            hb_putn(b, (const char *)p, 1);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            hb_putn(b, e, 3);
        }
    }
}

void hb_time(struct hbuf *b, double ts)
{
    time_t t = (time_t)ts;
    struct tm tm;
    char s[32];
    if (!gmtime_r(&t, &tm) || !strftime(s, sizeof(s), "%Y-%m-%d %H:%M:%S", &tm))
        snprintf(s, sizeof(s), "%.0f", ts);
    hb_put(b, s);
}

void hb_release(struct hbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

const char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

double jnum(json_t *o, const char *k)
{
    return json_number_value(json_object_get(o, k));
}

void html_open(struct hbuf *b, const char *title)
{
    hb_put(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
              "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
              "<link rel=\"stylesheet\" href=\"/static/vigil.css\"><title>");
    hb_esc(b, title);
    hb_put(b, " · vigil</title></head><body><header><a class=\"brand\" href=\"/\">vigil</a>"
              "<nav><a href=\"/\">Devices</a><a href=\"/incidents\">Incidents</a>"
              "<a href=\"/email\">Email</a></nav></header><main><h1>");
    hb_esc(b, title);
    hb_put(b, "</h1>\n");
}

void html_close(struct hbuf *b)
{
    hb_put(b, "</main><footer>vigil · the learned pattern of life, read from the state</footer>"
              "</body></html>\n");
}
