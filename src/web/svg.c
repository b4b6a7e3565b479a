/*
 * summary: server-side SVG charts: counts per time bucket with breaches marked over them
 *
 * Only numbers and fixed labels go into the SVG; nothing attacker-controlled is drawn except
 * through hb_esc (titles of marks).
 */
#include <math.h>

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
