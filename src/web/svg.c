/*
 * summary: server-side SVG charts: counts per time bucket with breaches marked over them
 *
 * Only numbers and fixed labels go into the SVG; nothing attacker-controlled is drawn except
 * through hb_esc (titles of marks).
 */
#include <math.h>
#include <stdio.h>
#include <time.h>

#include "life/history.h"
#include "web/web_int.h"

#define W 900
#define H 220
#define PADL 48
#define PADR 12
#define PADT 14
#define PADB 36

static const char *score_class(double s)
{
    return s >= 80 ? "hi" : s >= 50 ? "mid" : "lo";
}

void svg_bars(struct hbuf *b, const char *title, double t0, double bucket_s,
              const int64_t *counts, size_t n, json_t *marks)
{
    int64_t max = 1;
    for (size_t i = 0; i < n; i++)
        if (counts[i] > max)
            max = counts[i];
    double pw = W - PADL - PADR, ph = H - PADT - PADB;
    double bw = n ? pw / (double)n : pw;
    hb_printf(b, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", W, H);
    hb_esc(b, title);
    hb_printf(b, "\"><title>");
    hb_esc(b, title);
    hb_printf(b, "</title><line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>", PADL,
              H - PADB, W - PADR, H - PADB);
    hb_printf(b, "<text class=\"lbl\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%lld</text>",
              PADL - 6, PADT + 10, (long long)max);
    hb_printf(b, "<text class=\"lbl\" x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>", PADL - 6,
              H - PADB);
    for (size_t i = 0; i < n; i++) {
        if (!counts[i])
            continue;
        double h = ph * (double)counts[i] / (double)max;
        hb_printf(b, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
                     "<title>%lld</title></rect>",
                  PADL + bw * (double)i + bw * 0.1, H - PADB - h, bw * 0.8 > 1 ? bw * 0.8 : 1,
                  h, (long long)counts[i]);
    }
    /* time labels: first, middle, last bucket */
    for (int k = 0; k < 3 && n; k++) {
        size_t i = k == 0 ? 0 : k == 1 ? n / 2 : n - 1;
        if (k == 1 && n < 8)
            continue; /* too narrow for a middle label */
        hb_printf(b, "<text class=\"lbl\" x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">",
                  PADL + bw * (double)i + (k == 2 ? bw : 0), H - PADB + 16,
                  k == 0 ? "start" : k == 1 ? "middle" : "end");
        hb_time(b, t0 + bucket_s * (double)(k == 2 ? i + 1 : i));
        hb_put(b, "</text>");
    }
    /* breaches: a stem to their score (0-100 on the full height) */
    double span = bucket_s * (double)n;
    for (size_t i = 0; i < json_array_size(marks) && span > 0; i++) {
        json_t *m = json_array_get(marks, i);
        double x = PADL + pw * (jnum(m, "ts") - t0) / span;
        double s = jnum(m, "score");
        double y = H - PADB - ph * fmin(s, 100) / 100;
        hb_printf(b, "<line class=\"stem %s\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\"/>"
                     "<circle class=\"mark %s\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\"><title>",
                  score_class(s), x, H - PADB, x, y, score_class(s), x, y);
        hb_printf(b, "%.0f ", s);
        hb_esc(b, jstr(m, "model"));
        hb_put(b, "</title></circle>");
    }
    hb_put(b, "</svg>\n");
}

/* n bytes in a short unit: "930 B", "12.4 KB", "3.1 MB" */
static void human_bytes(char *out, size_t outlen, double n)
{
    static const char *const u[] = {"B", "KB", "MB", "GB", "TB", "PB"};
    int i = 0;
    while (n >= 1000 && i < 5) {
        n /= 1000;
        i++;
    }
    snprintf(out, outlen, i == 0 || n >= 100 ? "%.0f %s" : "%.1f %s", n, u[i]);
}

#define AW 900
#define AH 300
#define AL 64       /* left margin: axis labels */
#define AR 12
#define A_TOP 18    /* connections panel */
#define A_BOT 150
#define B_TOP 172   /* bytes panel */
#define B_BOT 252
#define MIN_HOURS 12

void svg_activity(struct hbuf *b, const char *title, const struct life_hour *hours, size_t n,
                  json_t *marks)
{
    /* at least MIN_HOURS wide: a device with one hour of history is a narrow bar at the right */
    size_t pad = n < MIN_HOURS ? MIN_HOURS - n : 0, nb = n + pad;
    int64_t h0 = n ? hours[0].hour - (int64_t)pad : 0;
    uint64_t maxc = 1, maxb = 1;
    for (size_t i = 0; i < n; i++) {
        maxc = hours[i].conns > maxc ? hours[i].conns : maxc;
        maxb = hours[i].out > maxb ? hours[i].out : maxb;
        maxb = hours[i].in > maxb ? hours[i].in : maxb;
    }
    double pw = AW - AL - AR, bw = pw / (double)(nb ? nb : 1);
    double t0 = (double)h0 * 3600, span = (double)nb * 3600;
    hb_printf(b, "<svg class=\"chart activity\" viewBox=\"0 0 %d %d\" role=\"img\" "
                 "aria-label=\"", AW, AH);
    hb_esc(b, title);
    hb_put(b, "\"><title>");
    hb_esc(b, title);
    hb_put(b, "</title>");
    char lbl[32];
    /* axes and their scales */
    hb_printf(b, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
                 "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>",
              AL, A_BOT, AW - AR, A_BOT, AL, B_BOT, AW - AR, B_BOT);
    hb_printf(b, "<text class=\"lbl\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%llu</text>"
                 "<text class=\"lbl\" x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>"
                 "<text class=\"lbl ttl\" x=\"%d\" y=\"%d\">connections per hour</text>",
              AL - 6, A_TOP + 8, (unsigned long long)maxc, AL - 6, A_BOT, AL + 4, A_TOP - 6);
    human_bytes(lbl, sizeof(lbl), (double)maxb);
    hb_printf(b, "<text class=\"lbl\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>"
                 "<text class=\"lbl\" x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>"
                 "<text class=\"lbl ttl\" x=\"%d\" y=\"%d\">bytes per hour: "
                 "<tspan class=\"out\">■ sent</tspan> <tspan class=\"in\">■ received</tspan>"
                 "</text>",
              AL - 6, B_TOP + 8, lbl, AL - 6, B_BOT, AL + 4, B_TOP - 6);
    /* midnights (UTC) as day boundaries with the date; hour labels when the span is short */
    int every = nb <= 16 ? 2 : nb <= 36 ? 6 : 0;
    for (size_t i = 0; i < nb; i++) {
        int64_t hr = h0 + (int64_t)i;
        int hod = (int)(((hr % 24) + 24) % 24);
        double x = AL + bw * (double)i;
        if (hod == 0 || i == 0) {
            if (hod == 0)
                hb_printf(b, "<line class=\"day\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>",
                          x, A_TOP, x, B_BOT + 4);
            if (hod == 0 || nb - i > 12 || i == 0) {
                time_t t = (time_t)(hr * 3600);
                struct tm tm;
                char d[16] = "";
                if (gmtime_r(&t, &tm))
                    strftime(d, sizeof(d), "%Y-%m-%d", &tm);
                hb_printf(b, "<text class=\"lbl day\" x=\"%.1f\" y=\"%d\">%s</text>", x + 2,
                          B_BOT + 30, d);
            }
        }
        if (every && hod % every == 0)
            hb_printf(b, "<text class=\"lbl\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">"
                         "%02d:00</text>",
                      x, B_BOT + 15, hod);
    }
    /* bars: connections above, bytes sent and received side by side below */
    double ha = A_BOT - A_TOP, hbp = B_BOT - B_TOP;
    for (size_t i = 0; i < n; i++) {
        const struct life_hour *h = &hours[i];
        double x = AL + bw * (double)(i + pad);
        char when[32];
        time_t t = (time_t)(h->hour * 3600);
        struct tm tm;
        if (!gmtime_r(&t, &tm) || !strftime(when, sizeof(when), "%Y-%m-%d %H:00", &tm))
            snprintf(when, sizeof(when), "%lld", (long long)h->hour);
        if (h->conns) {
            double y = ha * (double)h->conns / (double)maxc;
            hb_printf(b, "<rect class=\"bar conn\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
                         "height=\"%.2f\"><title>%s UTC: %llu connections</title></rect>",
                      x + bw * 0.1, A_BOT - y, bw * 0.8 > 0.8 ? bw * 0.8 : 0.8, y, when,
                      (unsigned long long)h->conns);
        }
        for (int k = 0; k < 2; k++) {
            uint64_t v = k ? h->in : h->out;
            if (!v)
                continue;
            double y = hbp * (double)v / (double)maxb;
            human_bytes(lbl, sizeof(lbl), (double)v);
            hb_printf(b, "<rect class=\"%s\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
                         "height=\"%.2f\"><title>%s UTC: %s %s</title></rect>",
                      k ? "in" : "out", x + bw * (k ? 0.5 : 0.1), B_BOT - y,
                      bw * 0.4 > 0.5 ? bw * 0.4 : 0.5, y, when, lbl, k ? "received" : "sent");
        }
    }
    /* breaches at their time: a stem to their score (0-100 on the panel), through both panels */
    size_t shown = 0;
    for (size_t i = 0; i < json_array_size(marks) && nb; i++) {
        json_t *m = json_array_get(marks, i);
        double ts = jnum(m, "ts");
        if (ts < t0 || ts >= t0 + span)
            continue;
        shown++;
        double x = AL + pw * (ts - t0) / span, s = jnum(m, "score");
        double y = A_BOT - ha * fmin(fmax(s, 0), 100) / 100;
        hb_printf(b, "<line class=\"stem %s\" x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%.2f\"/>"
                     "<circle class=\"mark %s\" cx=\"%.2f\" cy=\"%.2f\" r=\"4\"><title>",
                  score_class(s), x, B_BOT, x, y, score_class(s), x, y);
        hb_printf(b, "score %.0f: ", s);
        hb_esc(b, jstr(m, "model"));
        hb_put(b, " at ");
        hb_time(b, ts);
        hb_put(b, " UTC</title></circle>");
    }
    hb_printf(b, "<text class=\"lbl\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%zu breaches "
                 "marked</text></svg>\n",
              AW - AR, AH - 4, shown);
}
