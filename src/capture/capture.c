/*
 * summary: libpcap file and live capture loops with progress reporting
 */
#include "capture/capture.h"

#include <errno.h>
#include <poll.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "sensor/sensor.h"
#include "util/log.h"

#define PROGRESS_EVERY_PKTS 8192
#define PROGRESS_INTERVAL_S 0.5

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void capture_progress_init(struct capture_progress *pr, int enabled, char **paths, int n)
{
    memset(pr, 0, sizeof(*pr));
    pr->enabled = enabled;
    for (int i = 0; i < n; i++) {
        struct stat st;
        if (strcmp(paths[i], "-") != 0 && stat(paths[i], &st) == 0 && S_ISREG(st.st_mode))
            pr->total_bytes += (uint64_t)st.st_size;
    }
    pr->start_wall = wall_now();
}

static void progress_print(struct capture_progress *pr, uint64_t pos)
{
    double now = wall_now();
    if (now - pr->last_print < PROGRESS_INTERVAL_S)
        return;
    pr->last_print = now;
    double el = now - pr->start_wall;
    double rate = el > 0 ? (double)pr->packets / el : 0;
    uint64_t done = pr->done_bytes + pos;
    if (pr->total_bytes)
        fprintf(stderr, "\rvigil: %.1f of %.1f MB (%.0f%%), %llu packets, %.0f packets/s   ",
                (double)done / 1e6, (double)pr->total_bytes / 1e6,
                100.0 * (double)done / (double)pr->total_bytes,
                (unsigned long long)pr->packets, rate);
    else
        fprintf(stderr, "\rvigil: %.1f MB, %llu packets, %.0f packets/s   ", (double)done / 1e6,
                (unsigned long long)pr->packets, rate);
    fflush(stderr);
}

void capture_progress_done(struct capture_progress *pr)
{
    if (pr->enabled && pr->last_print > 0) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
}

/*
 * Packet time in microseconds, or 0 when the seconds are out of the range
 * that fits (pcapng allows 64-bit timestamps and offsets; any time past
 * the year 285,000 is a damaged or hostile file, not a packet time).
 */
#define TS_MAX_SEC (INT64_MAX / 1000000 - 1)

static int64_t tv_us(const struct timeval *tv, int *ok)
{
    int64_t sec = (int64_t)tv->tv_sec;
    if (sec > TS_MAX_SEC || sec < -TS_MAX_SEC || tv->tv_usec < 0 || tv->tv_usec >= 1000000) {
        *ok = 0;
        return 0;
    }
    *ok = 1;
    return sec * 1000000 + (int64_t)tv->tv_usec;
}

FILE *capture_open(const char *path, int *is_json)
{
    *is_json = 0;
    if (strcmp(path, "-") != 0) {
        struct stat st;
        if (stat(path, &st) < 0) {
            vigil_error(path, "cannot open: %s", strerror(errno));
            return NULL;
        }
        if (S_ISDIR(st.st_mode)) {
            vigil_error(path, "is a directory, not a capture file");
            return NULL;
        }
        if (S_ISREG(st.st_mode) && st.st_size == 0) {
            vigil_error(path, "empty file, not a pcap or pcapng capture");
            return NULL;
        }
    }
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) {
        vigil_error(path, "cannot open: %s", strerror(errno));
        return NULL;
    }
    /*
     * One byte decides, pushed back so that a pipe loses nothing: '{' (after
     * blanks) starts JSON lines; every capture format starts otherwise (a
     * pcapng section header with 0x0a, which is why a newline is not skipped).
     */
    int c = getc(f);
    while (c == ' ' || c == '\t' || c == '\r')
        c = getc(f);
    if (c == EOF) {
        if (ferror(f))
            vigil_error(path, "read failed: %s", strerror(errno));
        else
            vigil_error(path, "empty input, neither a capture nor JSON lines of events");
        if (f != stdin)
            fclose(f);
        return NULL;
    }
    ungetc(c, f);
    *is_json = c == '{';
    return f;
}

int capture_file(const char *path, struct sensor *s, struct capture_progress *pr)
{
    int is_json;
    FILE *f = capture_open(path, &is_json);
    return f ? capture_stream(f, path, s, pr) : -1;
}

int capture_stream(FILE *f, const char *path, struct sensor *s, struct capture_progress *pr)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    struct stat st;
    if (fstat(fileno(f), &st) < 0)
        memset(&st, 0, sizeof(st));
    pcap_t *pc = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
    if (!pc) {
        if (f != stdin)
            fclose(f);
        if (strstr(errbuf, "unknown file format") || strstr(errbuf, "bad dump file format") ||
            strstr(errbuf, "truncated dump file"))
            vigil_error(path, "not a pcap or pcapng capture (libpcap: %s)", errbuf);
        else
            vigil_error(path, "cannot read capture: %s", errbuf);
        return -1;
    }
    int dlt = pcap_datalink(pc);
    if (sensor_set_linktype(s, dlt) < 0) {
        const char *name = pcap_datalink_val_to_name(dlt);
        vigil_error(path, "unsupported link type %d (%s)", dlt, name ? name : "unknown");
        pcap_close(pc);
        return -1;
    }
    FILE *fp = pcap_file(pc);
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc;
    uint64_t n = 0;
    while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
        int ok;
        int64_t ts = tv_us(&h->ts, &ok);
        if (!ok) {
            sensor_bad_timestamp(s);
            continue;
        }
        sensor_frame(s, ts, data, h->caplen, h->len);
        n++;
        if (pr && pr->enabled && (++pr->packets % PROGRESS_EVERY_PKTS) == 0)
            progress_print(pr, fp ? (uint64_t)ftell(fp) : 0);
    }
    int ret = 0;
    if (rc == PCAP_ERROR) {
        if (pr)
            capture_progress_done(pr);
        vigil_error(path, "capture cut short after %llu packets: %s", (unsigned long long)n,
                    pcap_geterr(pc));
        ret = -1;
    }
    if (pr && S_ISREG(st.st_mode))
        pr->done_bytes += (uint64_t)st.st_size;
    pcap_close(pc);
    return ret;
}

/* ---- live ---- */

struct live_ctx {
    struct sensor *s;
    int64_t last_pkt_ts;
    double last_pkt_wall;
};

static void live_cb(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    struct live_ctx *lc = (struct live_ctx *)user;
    int ok;
    int64_t ts = tv_us(&h->ts, &ok);
    if (!ok) {
        sensor_bad_timestamp(lc->s);
        return;
    }
    sensor_frame(lc->s, ts, data, h->caplen, h->len);
    lc->last_pkt_ts = ts;
    lc->last_pkt_wall = wall_now();
}

int capture_live(const struct live_options *opt, struct sensor *s)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    pcap_t *pc = pcap_create(opt->iface, errbuf);
    if (!pc) {
        vigil_error(opt->iface, "cannot open interface: %s", errbuf);
        return -1;
    }
    int snap = opt->snaplen > 0 ? opt->snaplen : 262144;
    if (pcap_set_snaplen(pc, snap) != 0 || pcap_set_promisc(pc, opt->promisc) != 0 ||
        pcap_set_timeout(pc, 500) != 0 || pcap_set_buffer_size(pc, 32 << 20) != 0) {
        vigil_error(opt->iface, "cannot configure capture: %s", pcap_geterr(pc));
        pcap_close(pc);
        return -1;
    }
    int rc = pcap_activate(pc);
    if (rc < 0) {
        vigil_error(opt->iface, "cannot start capture: %s%s%s", pcap_statustostr(rc),
                    pcap_geterr(pc)[0] ? ": " : "", pcap_geterr(pc));
        pcap_close(pc);
        return -1;
    }
    if (sensor_set_linktype(s, pcap_datalink(pc)) < 0) {
        const char *name = pcap_datalink_val_to_name(pcap_datalink(pc));
        vigil_error(opt->iface, "unsupported link type %d (%s)", pcap_datalink(pc),
                    name ? name : "unknown");
        pcap_close(pc);
        return -1;
    }
    if (opt->filter && *opt->filter) {
        struct bpf_program prog;
        if (pcap_compile(pc, &prog, opt->filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
            vigil_error(opt->iface, "bad capture filter '%s': %s", opt->filter, pcap_geterr(pc));
            pcap_close(pc);
            return -1;
        }
        rc = pcap_setfilter(pc, &prog);
        pcap_freecode(&prog);
        if (rc < 0) {
            vigil_error(opt->iface, "cannot set capture filter: %s", pcap_geterr(pc));
            pcap_close(pc);
            return -1;
        }
    }
    /*
     * libpcap's read timeout on Linux only runs once a packet has arrived, so
     * a blocking read could wait forever with a filter nothing matches: poll
     * the descriptor ourselves, a quarter second at a time, so a stop signal
     * is seen and idle flows end on time.
     */
    int fd = pcap_get_selectable_fd(pc);
    if (fd < 0 || pcap_setnonblock(pc, 1, errbuf) < 0) {
        vigil_error(opt->iface, "cannot poll the capture: %s", errbuf[0] ? errbuf : "no descriptor");
        pcap_close(pc);
        return -1;
    }
    struct live_ctx lc = {.s = s, .last_pkt_ts = 0, .last_pkt_wall = wall_now()};
    int ret = 0;
    while (!*opt->stop) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int pr = poll(&pfd, 1, 250);
        if (pr < 0 && errno != EINTR) {
            vigil_error(opt->iface, "poll failed: %s", strerror(errno));
            ret = -1;
            break;
        }
        rc = pr > 0 ? pcap_dispatch(pc, 256, live_cb, (u_char *)&lc) : 0;
        if (rc == PCAP_ERROR) {
            vigil_error(opt->iface, "capture failed: %s", pcap_geterr(pc));
            ret = -1;
            break;
        }
        if (rc == PCAP_ERROR_BREAK)
            break;
        if (rc == 0 && lc.last_pkt_ts) {
            /* no traffic: let packet time run on with the wall clock so idle flows end */
            double idle = wall_now() - lc.last_pkt_wall;
            sensor_tick(s, lc.last_pkt_ts + (int64_t)(idle * 1e6));
        }
        fflush(stdout);
    }
    struct pcap_stat ps;
    if (pcap_stats(pc, &ps) == 0 && ps.ps_drop)
        log_msg(LOG_WARN, "capture", "kernel dropped %u packets on '%s'", ps.ps_drop, opt->iface);
    pcap_close(pc);
    return ret;
}
