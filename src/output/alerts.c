/*
 * summary: breach output: JSON lines, CEF and RFC 5424 syslog
 */
#include "output/alerts.h"

#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "util/json.h"
#include "util/log.h"
#include "version.h"

int alert_out_open(struct alert_out *o, enum alert_format fmt, const char *dest)
{
    memset(o, 0, sizeof(*o));
    o->fmt = fmt;
    o->sock = -1;
    if (fmt != ALERT_SYSLOG) {
        if (strcmp(dest, "-") == 0) {
            o->f = stdout;
            return 0;
        }
        o->f = fopen(dest, "a");
        if (!o->f) {
            vigil_error(dest, "cannot write alerts: %s", strerror(errno));
            return -1;
        }
        o->owns_f = 1;
        return 0;
    }
    if (gethostname(o->host, sizeof(o->host)) != 0 || !o->host[0])
        snprintf(o->host, sizeof(o->host), "-");
    o->host[sizeof(o->host) - 1] = '\0';
    if (strncmp(dest, "unix:", 5) == 0) {
        struct sockaddr_un sun;
        memset(&sun, 0, sizeof(sun));
        sun.sun_family = AF_UNIX;
        if (strlen(dest + 5) >= sizeof(sun.sun_path)) {
            vigil_error(dest, "socket path too long");
            return -1;
        }
        memcpy(sun.sun_path, dest + 5, strlen(dest + 5) + 1);
        o->sock = socket(AF_UNIX, SOCK_DGRAM, 0);
        if (o->sock < 0 || connect(o->sock, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
            vigil_error(dest, "cannot connect to syslog: %s", strerror(errno));
            if (o->sock >= 0)
                close(o->sock);
            o->sock = -1;
            return -1;
        }
        return 0;
    }
    if (strncmp(dest, "udp:", 4) == 0) {
        char host[256];
        snprintf(host, sizeof(host), "%s", dest + 4);
        char *colon = strrchr(host, ':');
        if (!colon || !colon[1]) {
            vigil_error(dest, "syslog destination wants udp:HOST:PORT");
            return -1;
        }
        *colon = '\0';
        const char *h = host;
        size_t hl = strlen(host);
        if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
            host[hl - 1] = '\0';
            h = host + 1;
        }
        struct addrinfo hints, *res = NULL;
        memset(&hints, 0, sizeof(hints));
        hints.ai_socktype = SOCK_DGRAM;
        int rc = getaddrinfo(h, colon + 1, &hints, &res);
        if (rc != 0) {
            vigil_error(dest, "cannot resolve syslog host: %s", gai_strerror(rc));
            return -1;
        }
        o->sock = socket(res->ai_family, SOCK_DGRAM, 0);
        if (o->sock < 0 || connect(o->sock, res->ai_addr, res->ai_addrlen) < 0) {
            vigil_error(dest, "cannot reach syslog: %s", strerror(errno));
            if (o->sock >= 0)
                close(o->sock);
            o->sock = -1;
            freeaddrinfo(res);
            return -1;
        }
        freeaddrinfo(res);
        return 0;
    }
    vigil_error(dest, "syslog destination wants udp:HOST:PORT or unix:PATH");
    return -1;
}

int alert_out_close(struct alert_out *o)
{
    int bad = o->write_error;
    if (o->f) {
        if (fflush(o->f) != 0)
            bad = 1;
        if (o->owns_f && fclose(o->f) != 0)
            bad = 1;
        o->f = NULL;
    }
    if (o->sock >= 0)
        close(o->sock);
    o->sock = -1;
    return bad ? -1 : 0;
}

/* CEF escaping: headers escape | and \; extension values escape = and \ and newlines. */
static size_t cef_escape(char *out, size_t outlen, const char *s, int header)
{
    size_t o = 0;
    for (; *s && o + 3 < outlen; s++) {
        char c = *s;
        if (c == '\\' || (header && c == '|') || (!header && c == '=')) {
            out[o++] = '\\';
            out[o++] = c;
        } else if (c == '\n' || c == '\r') {
            if (header) {
                out[o++] = ' ';
            } else {
                out[o++] = '\\';
                out[o++] = c == '\n' ? 'n' : 'r';
            }
        } else if ((unsigned char)c < 0x20) {
            out[o++] = ' ';
        } else {
            out[o++] = c;
        }
    }
    out[o] = '\0';
    return o;
}

void breach_to_cef(const struct breach *b, char *out, size_t outlen)
{
    char name[256], reason[2100], host[600], ep[160], sig[64];
    cef_escape(name, sizeof(name), b->model->name, 1);
    cef_escape(reason, sizeof(reason), b->reason, 0);
    cef_escape(host, sizeof(host), b->hostname, 0);
    /* signature id: a stable short form of the model name */
    size_t k = 0;
    for (const char *p = b->model->name; *p && k + 1 < sizeof(sig); p++) {
        char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
            sig[k++] = (char)(c | 0x20);
        else if (k && sig[k - 1] != '-')
            sig[k++] = '-';
    }
    sig[k] = '\0';
    char dev[ADDR_STRLEN];
    addr_format(&b->device, dev);
    char dst[sizeof(ep)] = "";
    char dpt[8] = "";
    snprintf(ep, sizeof(ep), "%s", b->endpoint);
    char *colon = strrchr(ep, ':');
    if (colon && ep[0]) {
        *colon = '\0';
        const char *h = ep;
        if (h[0] == '[') {
            h++;
            char *rb = strchr(ep, ']');
            if (rb)
                *rb = '\0';
        }
        snprintf(dst, sizeof(dst), "%s", h);
        snprintf(dpt, sizeof(dpt), "%.5s", colon + 1);
    } else if (ep[0]) {
        snprintf(dst, sizeof(dst), "%s", ep);
    }
    int sev = (b->score + 5) / 10;
    snprintf(out, outlen,
             "CEF:0|vigil|vigil|%s|%s|%s|%d|rt=%lld src=%s%s%s%s%s%s%s cs1Label=incident "
             "cs1=%llu cn1Label=score cn1=%d msg=%s",
             VIGIL_VERSION, sig, name, sev, (long long)(b->ts / 1000), dev, dst[0] ? " dst=" : "",
             dst, dpt[0] ? " dpt=" : "", dpt, host[0] ? " dhost=" : "", host,
             (unsigned long long)b->incident, b->score, reason);
}

static void emit(void *ctx, const struct breach *b)
{
    struct alert_out *o = ctx;
    if (o->fmt == ALERT_JSON) {
        struct jbuf jb;
        jb_init(&jb);
        breach_to_json(b, &jb);
        if (jb_flush_line(&jb, o->f) < 0)
            o->write_error = 1;
        jb_release(&jb);
    } else if (o->fmt == ALERT_CEF) {
        char line[4096];
        breach_to_cef(b, line, sizeof(line));
        if (fprintf(o->f, "%s\n", line) < 0)
            o->write_error = 1;
    } else {
        /* RFC 5424: <PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG; facility local0 */
        int sev = b->score >= 80 ? 2 : b->score >= 60 ? 3 : b->score >= 40 ? 4 : 5;
        char t[40];
        time_t sec = (time_t)(b->ts / 1000000);
        struct tm tm;
        gmtime_r(&sec, &tm);
        size_t n = strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(t + n, sizeof(t) - n, ".%06lldZ", (long long)(b->ts % 1000000));
        struct jbuf jb;
        jb_init(&jb);
        breach_to_json(b, &jb);
        char head[200];
        int hl = snprintf(head, sizeof(head), "<%d>1 %s %s vigil %d breach - ", 16 * 8 + sev, t,
                          o->host, (int)getpid());
        char *msg = xmalloc((size_t)hl + jb.len + 1);
        memcpy(msg, head, (size_t)hl);
        memcpy(msg + hl, jb.buf, jb.len);
        if (send(o->sock, msg, (size_t)hl + jb.len, 0) < 0)
            o->write_error = 1;
        free(msg);
        jb_release(&jb);
    }
    o->sent++;
}

struct breach_sink alert_out_sink(struct alert_out *o)
{
    struct breach_sink s = {.emit = emit, .ctx = o};
    return s;
}
