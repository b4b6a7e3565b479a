/*
 * summary: the HTML pages of the web UI: overview, device, breach, endpoint, incidents, email,
 * locked links
 *
 * Every value from the state is attacker-influenced (hostnames, user agents, reasons, subjects)
 * and goes out through hb_esc; links are built with hb_url. No page carries a script.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "life/history.h"
#include "web/web.h"
#include "web/web_int.h"

#define MAX_BUCKETS 480

void page_error(struct web_resp *r, int status, const char *msg)
{
    r->status = status;
    r->ctype = "text/html; charset=utf-8";
    r->body.len = 0;
    html_open(&r->body, status == 404 ? "Not found" : status == 403 ? "Refused" : "Error");
    hb_put(&r->body, "<p class=\"err\">");
    hb_esc(&r->body, msg);
    hb_put(&r->body, "</p>");
    html_close(&r->body);
}

static json_t *find_device(json_t *report, const char *ip)
{
    json_t *devs = json_object_get(report, "devices");
    for (size_t i = 0; i < json_array_size(devs); i++)
        if (strcmp(jstr(json_array_get(devs, i), "device"), ip) == 0)
            return json_array_get(devs, i);
    return NULL;
}

static const char *score_class(double s)
{
    return s >= 80 ? "hi" : s >= 50 ? "mid" : "lo";
}

static void link_device(struct hbuf *b, const char *ip)
{
    hb_put(b, "<a href=\"/devices/");
    hb_url(b, ip);
    hb_put(b, "\">");
    hb_esc(b, ip);
    hb_put(b, "</a>");
}

static void link_endpoint(struct hbuf *b, const char *v)
{
    hb_put(b, "<a href=\"/endpoints/");
    hb_url(b, v);
    hb_put(b, "\">");
    hb_esc(b, v);
    hb_put(b, "</a>");
}

/* The endpoint's address without its ":port" (IPv4 or a bare host). */
static void endpoint_host(const char *ep, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s", ep);
    char *c = strrchr(out, ':');
    if (c && strchr(out, ':') == c)
        *c = '\0';
}

static void breach_table(struct hbuf *b, json_t *brs, int show_device)
{
    if (!json_array_size(brs)) {
        hb_put(b, "<p class=\"none\">no model breaches</p>");
        return;
    }
    hb_put(b, "<table class=\"breaches\"><thead><tr><th>time (UTC)</th>");
    if (show_device)
        hb_put(b, "<th>device</th>");
    hb_put(b, "<th>score</th><th>model</th><th>endpoint</th><th>reason</th></tr></thead><tbody>");
    for (size_t i = 0; i < json_array_size(brs); i++) {
        json_t *x = json_array_get(brs, i);
        hb_put(b, "<tr><td>");
        hb_time(b, jnum(x, "ts"));
        hb_put(b, "</td>");
        if (show_device) {
            hb_put(b, "<td>");
            link_device(b, jstr(x, "device"));
            hb_put(b, "</td>");
        }
        double s = jnum(x, "score");
        hb_printf(b, "<td><span class=\"score %s\">%.0f</span></td><td><a href=\"/breaches/%" PRId64
                     "\">",
                  score_class(s), s, (int64_t)json_integer_value(json_object_get(x, "id")));
        hb_esc(b, jstr(x, "model"));
        hb_put(b, "</a></td><td>");
        char host[256];
        endpoint_host(jstr(x, "endpoint"), host, sizeof(host));
        link_endpoint(b, host);
        if (*jstr(x, "hostname") && strcmp(jstr(x, "hostname"), host) != 0) {
            hb_put(b, "<br>");
            link_endpoint(b, jstr(x, "hostname"));
        }
        hb_put(b, "</td><td class=\"reason\">");
        hb_esc(b, jstr(x, "reason"));
        hb_put(b, "</td></tr>");
    }
    hb_put(b, "</tbody></table>");
}

static void endpoint_table(struct hbuf *b, json_t *arr, const char *title, int beacons)
{
    hb_put(b, "<h3>");
    hb_esc(b, title);
    hb_printf(b, " (%zu)</h3>", json_array_size(arr));
    if (!json_array_size(arr)) {
        hb_put(b, "<p class=\"none\">none</p>");
        return;
    }
    hb_put(b, "<table class=\"endpoints\"><thead><tr><th>kind</th><th>endpoint</th>"
              "<th>connections</th><th>days</th><th>devices in the org</th><th>first seen</th>");
    if (beacons)
        hb_put(b, "<th>period</th><th>beacon score</th>");
    hb_put(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *e = json_array_get(arr, i);
        hb_put(b, "<tr><td>");
        hb_esc(b, jstr(e, "kind"));
        hb_put(b, "</td><td>");
        link_endpoint(b, jstr(e, "value"));
        hb_printf(b, "</td><td>%.0f</td><td>%.0f</td><td>%.0f</td><td>", jnum(e, "connections"),
                  jnum(e, "days"), jnum(e, "org_devices"));
        hb_time(b, jnum(e, "first_seen"));
        hb_put(b, "</td>");
        if (beacons)
            hb_printf(b, "<td>%.1f s</td><td>%.2f</td>", jnum(e, "period_s"),
                      jnum(e, "beacon_score"));
        hb_put(b, "</tr>");
    }
    hb_put(b, "</tbody></table>");
}

/* Buckets of an hour, or of a day when the span is long, over [t0, t1]. */
static void chart_range(double t0, double t1, double *start, double *bucket, size_t *n)
{
    double span = t1 - t0;
    *bucket = span > 14 * 86400 ? 86400 : span > 6 * 3600 ? 3600 : 60;
    *start = floor(t0 / *bucket) * *bucket;
    double k = ceil((t1 - *start) / *bucket);
    if (k < 1)
        k = 1;
    if (k > MAX_BUCKETS) {
        *bucket = ceil((t1 - *start) / MAX_BUCKETS / 3600) * 3600;
        k = ceil((t1 - *start) / *bucket);
        if (k < 1)
            k = 1;
    }
    *n = (size_t)k;
}

/* Oldest and newest breach time of brs (seconds); 0 if none. */
static void breach_span(json_t *brs, double *lo, double *hi)
{
    *lo = *hi = 0;
    for (size_t i = 0; i < json_array_size(brs); i++) {
        double t = jnum(json_array_get(brs, i), "ts");
        if (!*lo || t < *lo)
            *lo = t;
        if (t > *hi)
            *hi = t;
    }
}

static void chart(struct hbuf *b, sqlite3 *db, const char *device, json_t *marks,
                  const char *title)
{
    double lo, hi, start, bucket;
    size_t n;
    breach_span(marks, &lo, &hi);
    if (!lo) {
        hb_put(b, "<p class=\"none\">no breaches to chart</p>");
        return;
    }
    chart_range(lo, hi + 1, &start, &bucket, &n);
    int64_t *c = q_breach_hist(db, device, start, bucket, n);
    char t[160];
    snprintf(t, sizeof(t), "%s per %s", title, bucket == 86400 ? "day" : bucket == 3600 ? "hour" : bucket == 60 ? "minute" : "bucket");
    hb_put(b, "<figure>");
    svg_bars(b, t, start, bucket, c, n, marks);
    hb_put(b, "<figcaption>");
    hb_esc(b, t);
    hb_put(b, " (bars); each breach marked at its time, its height its score</figcaption></figure>");
    free(c);
}

static void page_overview(struct web_req *q, struct web_resp *r)
{
    struct hbuf *b = &r->body;
    json_t *devs = json_object_get(q->report, "devices");
    html_open(b, "Devices ranked by threat");
    hb_printf(b, "<p class=\"summary\">%zu devices · %.0f events learned from ",
              json_array_size(devs), jnum(q->report, "events"));
    hb_time(b, jnum(q->report, "first_event"));
    hb_put(b, " to ");
    hb_time(b, jnum(q->report, "last_event"));
    hb_put(b, " UTC</p>");
    json_t *all = q_breaches(q->db, NULL, -1, NULL, 5000);
    hb_put(b, "<h2>Breaches over time</h2>");
    chart(b, q->db, NULL, all, "breaches");
    hb_put(b, "<h2>Devices</h2><table class=\"devices\"><thead><tr><th>#</th><th>device</th>"
              "<th>threat</th><th>breaches</th><th>incidents</th><th>connections</th>"
              "<th>new endpoints</th><th>last seen</th></tr></thead><tbody>");
    for (size_t i = 0; i < json_array_size(devs); i++) {
        json_t *d = json_array_get(devs, i);
        double th = jnum(d, "threat");
        hb_printf(b, "<tr><td>%zu</td><td>", i + 1);
        link_device(b, jstr(d, "device"));
        hb_printf(b, "</td><td><span class=\"score %s\">%.0f</span></td><td>%zu</td><td>%zu</td>"
                     "<td>%.0f</td><td>%zu</td><td>",
                  score_class(th), th, json_array_size(json_object_get(d, "breaches")),
                  json_array_size(json_object_get(d, "incidents")), jnum(d, "connections"),
                  json_array_size(json_object_get(d, "new")));
        if (jnum(d, "last_seen"))
            hb_time(b, jnum(d, "last_seen"));
        hb_put(b, "</td></tr>");
    }
    hb_put(b, "</tbody></table><h2>Recent breaches</h2>");
    json_t *recent = json_array();
    for (size_t i = 0; i < json_array_size(all) && i < 25; i++)
        json_array_append(recent, json_array_get(all, i));
    breach_table(b, recent, 1);
    json_decref(recent);
    json_decref(all);
    html_close(b);
}

static void page_device(struct web_req *q, struct web_resp *r, const char *ip)
{
    json_t *d = find_device(q->report, ip);
    if (!d) {
        page_error(r, 404, "no such device in the state");
        return;
    }
    struct hbuf *b = &r->body;
    char title[128];
    snprintf(title, sizeof(title), "Device %s", ip);
    html_open(b, title);
    double th = jnum(d, "threat");
    hb_printf(b, "<p class=\"summary\">threat <span class=\"score %s\">%.0f</span> · %.0f "
                 "connections · first seen ",
              score_class(th), th, jnum(d, "connections"));
    hb_time(b, jnum(d, "first_seen"));
    hb_put(b, " · last seen ");
    hb_time(b, jnum(d, "last_seen"));
    hb_put(b, " UTC</p>");
    json_t *brs = q_breaches(q->db, ip, -1, NULL, 1000);
    hb_put(b, "<h2>Activity and model breaches</h2>");
    struct life_hour *hours = xcalloc(LIFE_HIST_HOURS, sizeof(*hours));
    size_t nh = q_history(q->db, ip, hours);
    if (nh) {
        hb_put(b, "<figure>");
        svg_activity(b, "connections and bytes per hour, with model breaches", hours, nh, brs);
        hb_printf(b, "<figcaption>the device's last %zu hour%s (vigil keeps %d days per device) "
                     "from its conn events, UTC: connections per hour (top), bytes sent and "
                     "received per hour (bottom); each model breach is marked at its time, the "
                     "height of its mark its score (0–100)</figcaption></figure>",
                  nh, nh == 1 ? "" : "s", LIFE_HIST_DAYS);
        if (nh <= 6 && json_array_size(brs)) {
            /* a short history: its breaches drawn again on their own, finer time scale */
            hb_put(b, "<h3>Model breaches in detail</h3>");
            chart(b, q->db, ip, brs, "model breaches");
        }
    } else {
        chart(b, q->db, ip, brs, "model breaches");
    }
    free(hours);
    json_t *inc = json_object_get(d, "incidents");
    hb_printf(b, "<h2>Incidents (%zu)</h2>", json_array_size(inc));
    if (json_array_size(inc)) {
        hb_put(b, "<ul class=\"incidents\">");
        for (size_t i = 0; i < json_array_size(inc); i++) {
            json_t *x = json_array_get(inc, i);
            hb_printf(b, "<li><a href=\"/incidents/%.0f\">incident %.0f</a>: %.0f breaches, max "
                         "score %.0f, stages ",
                      jnum(x, "incident"), jnum(x, "incident"), jnum(x, "breaches"),
                      jnum(x, "max_score"));
            hb_esc(b, jstr(x, "stages"));
            hb_put(b, ", ");
            hb_time(b, jnum(x, "first"));
            hb_put(b, " → ");
            hb_time(b, jnum(x, "last"));
            hb_put(b, "</li>");
        }
        hb_put(b, "</ul>");
    }
    hb_printf(b, "<h2>Model breaches (%zu)</h2>", json_array_size(brs));
    breach_table(b, brs, 0);
    json_decref(brs);
    hb_put(b, "<h2>Pattern of life</h2>");
    endpoint_table(b, json_object_get(d, "usual"), "Usual endpoints", 0);
    endpoint_table(b, json_object_get(d, "new"), "New endpoints (new to the organisation)", 0);
    endpoint_table(b, json_object_get(d, "beacons"), "Beacons", 1);
    json_t *ps = json_object_get(d, "ports_and_services");
    hb_put(b, "<h3>Ports and services</h3><p>");
    for (size_t i = 0; i < json_array_size(ps); i++) {
        hb_put(b, "<code>");
        hb_esc(b, json_string_value(json_array_get(ps, i)));
        hb_put(b, "</code> ");
    }
    hb_put(b, "</p>");
    html_close(b);
}

static void metrics_table(struct hbuf *b, json_t *m)
{
    if (!json_is_object(m)) {
        hb_put(b, "<pre>");
        hb_esc(b, json_string_value(m));
        hb_put(b, "</pre>");
        return;
    }
    hb_put(b, "<table class=\"metrics\"><tbody>");
    const char *k;
    json_t *v;
    json_object_foreach(m, k, v) {
        hb_put(b, "<tr><th>");
        hb_esc(b, k);
        hb_put(b, "</th><td>");
        if (json_is_string(v)) {
            hb_esc(b, json_string_value(v));
        } else {
            char *s = json_dumps(v, JSON_ENCODE_ANY);
            hb_esc(b, s);
            free(s);
        }
        hb_put(b, "</td></tr>");
    }
    hb_put(b, "</tbody></table>");
}

/* The device's learned entry for an endpoint value, or NULL. */
static json_t *device_endpoint(json_t *d, const char *v, const char **list)
{
    static const char *const lists[] = {"usual", "new", "beacons"};
    for (size_t l = 0; l < 3; l++) {
        json_t *arr = json_object_get(d, lists[l]);
        for (size_t i = 0; i < json_array_size(arr); i++)
            if (strcmp(jstr(json_array_get(arr, i), "value"), v) == 0) {
                *list = lists[l];
                return json_array_get(arr, i);
            }
    }
    return NULL;
}

static void page_breach(struct web_req *q, struct web_resp *r, int64_t id)
{
    json_t *x = q_breach(q->db, id);
    if (!x) {
        page_error(r, 404, "no such breach");
        return;
    }
    struct hbuf *b = &r->body;
    html_open(b, jstr(x, "model"));
    double s = jnum(x, "score");
    hb_printf(b, "<p class=\"summary\">score <span class=\"score %s\">%.0f</span> · stage ",
              score_class(s), s);
    hb_esc(b, jstr(x, "stage"));
    hb_put(b, " · ");
    hb_time(b, jnum(x, "ts"));
    hb_put(b, " UTC · device ");
    link_device(b, jstr(x, "device"));
    hb_printf(b, " · <a href=\"/incidents/%.0f\">incident %.0f</a></p>", jnum(x, "incident"),
              jnum(x, "incident"));
    hb_put(b, "<h2>Why</h2><p class=\"reason\">");
    hb_esc(b, jstr(x, "reason"));
    hb_put(b, "</p><h2>Endpoint</h2><p>");
    char host[256];
    endpoint_host(jstr(x, "endpoint"), host, sizeof(host));
    link_endpoint(b, host);
    hb_put(b, " (");
    hb_esc(b, jstr(x, "endpoint"));
    hb_put(b, ")");
    if (*jstr(x, "hostname")) {
        hb_put(b, " · host ");
        link_endpoint(b, jstr(x, "hostname"));
    }
    hb_put(b, " · connection <code>");
    hb_esc(b, jstr(x, "uid"));
    hb_put(b, "</code></p><h2>Metrics</h2>");
    metrics_table(b, json_object_get(x, "metrics"));
    hb_put(b, "<h2>The baseline it was judged against</h2>");
    json_t *d = find_device(q->report, jstr(x, "device"));
    if (!d) {
        hb_put(b, "<p class=\"none\">the device has no learned pattern of life</p>");
    } else {
        hb_printf(b, "<p>the device's pattern of life: %.0f connections, first seen ",
                  jnum(d, "connections"));
        hb_time(b, jnum(d, "first_seen"));
        hb_printf(b, ", %zu usual endpoints, %zu new to the organisation.</p>",
                  json_array_size(json_object_get(d, "usual")),
                  json_array_size(json_object_get(d, "new")));
        const char *vals[2] = {host, jstr(x, "hostname")};
        for (int k = 0; k < 2; k++) {
            const char *list = NULL;
            json_t *e = *vals[k] ? device_endpoint(d, vals[k], &list) : NULL;
            if (!e || (k == 1 && strcmp(vals[0], vals[1]) == 0))
                continue;
            hb_put(b, "<p>");
            hb_esc(b, vals[k]);
            hb_printf(b, " in the device's <b>%s</b> endpoints: %.0f connections on %.0f days, "
                         "%.0f devices of the organisation contact it, first seen by the "
                         "organisation ",
                      list, jnum(e, "connections"), jnum(e, "days"), jnum(e, "org_devices"));
            hb_time(b, jnum(e, "org_first_seen"));
            hb_put(b, "</p>");
        }
    }
    json_decref(x);
    html_close(b);
}

static void page_endpoint(struct web_req *q, struct web_resp *r, const char *v)
{
    struct hbuf *b = &r->body;
    json_t *devs = json_object_get(q->report, "devices");
    size_t total = json_array_size(devs), seen = 0;
    double first = 0;
    struct hbuf rows = {0};
    for (size_t i = 0; i < total; i++) {
        json_t *d = json_array_get(devs, i);
        const char *list = NULL;
        json_t *e = device_endpoint(d, v, &list);
        if (!e)
            continue;
        seen++;
        if (!first || jnum(e, "org_first_seen") < first)
            first = jnum(e, "org_first_seen");
        hb_put(&rows, "<tr><td>");
        link_device(&rows, jstr(d, "device"));
        hb_printf(&rows, "</td><td>%s</td><td>%.0f</td><td>%.0f</td><td>", list,
                  jnum(e, "connections"), jnum(e, "days"));
        hb_time(&rows, jnum(e, "first_seen"));
        hb_put(&rows, "</td></tr>");
    }
    json_t *brs = q_breaches(q->db, NULL, -1, v, 500);
    if (!seen && !json_array_size(brs)) {
        hb_release(&rows);
        json_decref(brs);
        page_error(r, 404, "no device of the state contacted this endpoint");
        return;
    }
    char title[300];
    snprintf(title, sizeof(title), "Endpoint %s", v);
    html_open(b, title);
    double rarity = total ? 100.0 * (1.0 - (double)seen / (double)total) : 100;
    hb_printf(b, "<p class=\"summary\">rarity %.0f · contacted by %zu of %zu devices", rarity,
              seen, total);
    if (first) {
        hb_put(b, " · first seen by the organisation ");
        hb_time(b, first);
        hb_put(b, " UTC");
    }
    hb_put(b, "</p><h2>Devices that contacted it</h2>");
    if (seen)
        hb_printf(b, "<table><thead><tr><th>device</th><th>as</th><th>connections</th>"
                     "<th>days</th><th>first seen</th></tr></thead><tbody>%s</tbody></table>",
                  rows.p);
    else
        hb_put(b, "<p class=\"none\">none in the learned endpoint lists</p>");
    hb_printf(b, "<h2>Breaches involving it (%zu)</h2>", json_array_size(brs));
    breach_table(b, brs, 1);
    hb_release(&rows);
    json_decref(brs);
    html_close(b);
}

static void page_incidents(struct web_req *q, struct web_resp *r)
{
    struct hbuf *b = &r->body;
    html_open(b, "Incidents");
    json_t *devs = json_object_get(q->report, "devices");
    hb_put(b, "<table><thead><tr><th>incident</th><th>device</th><th>breaches</th>"
              "<th>max score</th><th>stages</th><th>first</th><th>last</th></tr></thead><tbody>");
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(devs); i++) {
        json_t *d = json_array_get(devs, i);
        json_t *inc = json_object_get(d, "incidents");
        for (size_t k = 0; k < json_array_size(inc); k++, n++) {
            json_t *x = json_array_get(inc, k);
            double s = jnum(x, "max_score");
            hb_printf(b, "<tr><td><a href=\"/incidents/%.0f\">%.0f</a></td><td>",
                      jnum(x, "incident"), jnum(x, "incident"));
            link_device(b, jstr(d, "device"));
            hb_printf(b, "</td><td>%.0f</td><td><span class=\"score %s\">%.0f</span></td><td>",
                      jnum(x, "breaches"), score_class(s), s);
            hb_esc(b, jstr(x, "stages"));
            hb_put(b, "</td><td>");
            hb_time(b, jnum(x, "first"));
            hb_put(b, "</td><td>");
            hb_time(b, jnum(x, "last"));
            hb_put(b, "</td></tr>");
        }
    }
    hb_put(b, "</tbody></table>");
    if (!n)
        hb_put(b, "<p class=\"none\">no incidents</p>");
    html_close(b);
}

static void page_incident(struct web_req *q, struct web_resp *r, int64_t id)
{
    json_t *brs = q_breaches(q->db, NULL, id, NULL, 1000);
    size_t n = json_array_size(brs);
    if (!n) {
        json_decref(brs);
        page_error(r, 404, "no such incident");
        return;
    }
    struct hbuf *b = &r->body;
    char title[64];
    snprintf(title, sizeof(title), "Incident %" PRId64, id);
    html_open(b, title);
    json_t *first = json_array_get(brs, n - 1);
    hb_put(b, "<p class=\"summary\">device ");
    link_device(b, jstr(first, "device"));
    hb_printf(b, " · %zu breaches from ", n);
    hb_time(b, jnum(first, "ts"));
    hb_put(b, " to ");
    hb_time(b, jnum(json_array_get(brs, 0), "ts"));
    hb_put(b, " UTC</p><h2>Attack timeline</h2><ol class=\"timeline\">");
    const char *stage = NULL;
    for (size_t i = n; i-- > 0;) {
        json_t *x = json_array_get(brs, i);
        double s = jnum(x, "score");
        if (!stage || strcmp(stage, jstr(x, "stage")) != 0) {
            stage = jstr(x, "stage");
            hb_put(b, "<li class=\"stage\">");
            hb_esc(b, *stage ? stage : "unstaged");
            hb_put(b, "</li>");
        }
        hb_put(b, "<li class=\"event\"><time>");
        hb_time(b, jnum(x, "ts"));
        hb_printf(b, "</time> <span class=\"score %s\">%.0f</span> <a href=\"/breaches/%" PRId64
                     "\">",
                  score_class(s), s, (int64_t)json_integer_value(json_object_get(x, "id")));
        hb_esc(b, jstr(x, "model"));
        hb_put(b, "</a> → ");
        hb_esc(b, jstr(x, "endpoint"));
        if (*jstr(x, "hostname")) {
            hb_put(b, " (");
            hb_esc(b, jstr(x, "hostname"));
            hb_put(b, ")");
        }
        hb_put(b, "<div class=\"reason\">");
        hb_esc(b, jstr(x, "reason"));
        hb_put(b, "</div></li>");
    }
    hb_put(b, "</ol>");
    json_decref(brs);
    html_close(b);
}

/* One cell of a mail verdict: strings escaped, arrays as tag lists. */
static void mail_value(struct hbuf *b, json_t *v)
{
    if (json_is_string(v)) {
        hb_esc(b, json_string_value(v));
    } else if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            json_t *e = json_array_get(v, i);
            hb_put(b, "<span class=\"tag\">");
            if (json_is_string(e)) {
                hb_esc(b, json_string_value(e));
            } else {
                char *s = json_dumps(e, JSON_ENCODE_ANY | JSON_COMPACT);
                hb_esc(b, s);
                free(s);
            }
            hb_put(b, "</span> ");
        }
    } else if (!json_is_null(v)) {
        char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        hb_esc(b, s);
        free(s);
    }
}

static void tag_list(struct hbuf *b, json_t *arr)
{
    for (size_t i = 0; i < json_array_size(arr); i++) {
        hb_put(b, "<span class=\"tag\">");
        mail_value(b, json_array_get(arr, i));
        hb_put(b, "</span> ");
    }
}

static void page_email(struct web_req *q, struct web_resp *r)
{
    struct hbuf *b = &r->body;
    html_open(b, "Email log");
    json_t *rows = q_email_list(q->db, 500);
    if (!rows || !json_array_size(rows)) {
        hb_put(b, "<p class=\"none\">no mail judged yet (<code>vigil email --state</code> "
                  "keeps its verdicts here)</p>");
        json_decref(rows);
        html_close(b);
        return;
    }
    hb_printf(b, "<p class=\"summary\">the %zu most recently judged messages, newest first</p>",
              json_array_size(rows));
    hb_put(b, "<table class=\"mail\"><thead><tr><th>#</th><th>time</th><th>score</th>"
              "<th>from</th><th>recipient</th><th>subject</th><th>tags</th><th>actions</th>"
              "</tr></thead><tbody>");
    for (size_t i = 0; i < json_array_size(rows); i++) {
        json_t *m = json_array_get(rows, i);
        double s = jnum(m, "score");
        hb_printf(b, "<tr><td><a href=\"/email/%.0f\">%.0f</a></td><td>", jnum(m, "id"),
                  jnum(m, "id"));
        hb_esc(b, jstr(m, "time"));
        hb_printf(b, "</td><td><span class=\"score %s\">%.0f</span></td><td class=\"from\">",
                  score_class(s), s);
        hb_esc(b, jstr(m, "from"));
        hb_put(b, "</td><td class=\"to\">");
        json_t *to = json_object_get(m, "to");
        for (size_t k = 0; k < json_array_size(to); k++) {
            hb_put(b, k ? ", " : "");
            mail_value(b, json_array_get(to, k));
        }
        hb_printf(b, "</td><td class=\"subject\"><a href=\"/email/%.0f\">", jnum(m, "id"));
        hb_esc(b, *jstr(m, "subject") ? jstr(m, "subject") : "(no subject)");
        hb_put(b, "</a></td><td class=\"tags\">");
        tag_list(b, json_object_get(m, "tags"));
        hb_put(b, "</td><td class=\"actions\">");
        tag_list(b, json_object_get(m, "actions"));
        hb_put(b, "</td></tr>");
    }
    hb_put(b, "</tbody></table>");
    json_decref(rows);
    html_close(b);
}

static void page_message(struct web_req *q, struct web_resp *r, int64_t id)
{
    json_t *m = q_email_msg(q->db, id);
    if (!m) {
        page_error(r, 404, "no such message");
        return;
    }
    struct hbuf *b = &r->body;
    html_open(b, *jstr(m, "subject") ? jstr(m, "subject") : "(no subject)");
    double s = jnum(m, "score");
    hb_printf(b, "<table class=\"metrics message\"><tbody><tr><th>score</th><td>"
                 "<span class=\"score %s\">%.0f</span></td></tr><tr><th>from</th>"
                 "<td class=\"from\">",
              score_class(s), s);
    hb_esc(b, jstr(m, "from"));
    hb_put(b, "</td></tr><tr><th>to</th><td class=\"to\">");
    json_t *to = json_object_get(m, "to");
    for (size_t k = 0; k < json_array_size(to); k++) {
        hb_put(b, k ? ", " : "");
        mail_value(b, json_array_get(to, k));
    }
    hb_put(b, "</td></tr><tr><th>subject</th><td class=\"subject\">");
    hb_esc(b, jstr(m, "subject"));
    hb_put(b, "</td></tr><tr><th>time</th><td>");
    hb_esc(b, jstr(m, "time"));
    hb_put(b, "</td></tr><tr><th>message id</th><td>");
    hb_esc(b, jstr(m, "message_id"));
    hb_put(b, "</td></tr><tr><th>file</th><td>");
    hb_esc(b, jstr(m, "path"));
    if (json_object_get(m, "mbox_index"))
        hb_printf(b, " (message %.0f of the mbox)", jnum(m, "mbox_index"));
    hb_put(b, "</td></tr><tr><th>tags</th><td class=\"tags\">");
    tag_list(b, json_object_get(m, "tags"));
    hb_put(b, "</td></tr><tr><th>actions</th><td class=\"actions\">");
    tag_list(b, json_object_get(m, "actions"));
    hb_put(b, "</td></tr></tbody></table>");

    json_t *ind = json_object_get(m, "indicators");
    hb_printf(b, "<h2>Indicators (%zu)</h2>", json_array_size(ind));
    if (json_array_size(ind)) {
        hb_put(b, "<table class=\"indicators\"><thead><tr><th>indicator</th><th>detail</th>"
                  "<th>weight</th></tr></thead><tbody>");
        for (size_t i = 0; i < json_array_size(ind); i++) {
            json_t *x = json_array_get(ind, i);
            hb_put(b, "<tr><td>");
            hb_esc(b, jstr(x, "name"));
            hb_put(b, "</td><td class=\"reason\">");
            hb_esc(b, jstr(x, "detail"));
            hb_printf(b, "</td><td>%.0f</td></tr>", jnum(x, "weight"));
        }
        hb_put(b, "</tbody></table>");
    }
    /* links: the text the reader saw beside where the link really goes, as text, never a link */
    json_t *links = json_object_get(m, "links");
    hb_printf(b, "<h2>Links (%zu)</h2>", json_array_size(links));
    if (json_array_size(links)) {
        hb_put(b, "<table class=\"links\"><thead><tr><th>visible text</th>"
                  "<th>real destination</th><th>domain</th></tr></thead><tbody>");
        for (size_t i = 0; i < json_array_size(links); i++) {
            json_t *x = json_array_get(links, i);
            hb_put(b, "<tr><td class=\"text\">");
            hb_esc(b, jstr(x, "text"));
            hb_put(b, "</td><td class=\"href\"><code>");
            hb_esc(b, jstr(x, "href"));
            hb_put(b, "</code></td><td>");
            hb_esc(b, jstr(x, "domain"));
            hb_put(b, "</td></tr>");
        }
        hb_put(b, "</tbody></table>");
    }
    json_t *att = json_object_get(m, "attachments");
    hb_printf(b, "<h2>Attachments (%zu)</h2>", json_array_size(att));
    if (json_array_size(att)) {
        hb_put(b, "<table class=\"attachments\"><thead><tr><th>name</th><th>declared type</th>"
                  "<th>true type</th><th>SHA-256</th></tr></thead><tbody>");
        for (size_t i = 0; i < json_array_size(att); i++) {
            json_t *x = json_array_get(att, i);
            hb_put(b, "<tr><td class=\"name\">");
            hb_esc(b, jstr(x, "name"));
            hb_put(b, "</td><td class=\"declared\">");
            hb_esc(b, jstr(x, "declared_type"));
            hb_put(b, "</td><td class=\"true\">");
            hb_esc(b, jstr(x, "true_type"));
            hb_put(b, "</td><td><code>");
            hb_esc(b, jstr(x, "sha256"));
            hb_put(b, "</code></td></tr>");
        }
        hb_put(b, "</tbody></table>");
    }
    json_decref(m);
    html_close(b);
}

/* ---- locked links ---- */

static int lock_args(struct web_req *q, int *mode, char *dest, size_t dlen, const char **mac,
                     char *fm, char *fd, char *ft, size_t flen)
{
    const char *m, *d;
    if (q->body) {
        m = form_get(q->body, "m", fm, flen);
        d = form_get(q->body, "d", fd, flen);
        *mac = form_get(q->body, "t", ft, flen);
    } else {
        m = q->arg(q->conn, "m");
        d = q->arg(q->conn, "d");
        *mac = q->arg(q->conn, "t");
    }
    if (!m || !d || !*mac || (strcmp(m, "1") != 0 && strcmp(m, "2") != 0))
        return -1;
    *mode = m[0] - '0';
    if (b64url_dec(d, dest, dlen) < 0 || !lock_dest_ok(dest))
        return -1;
    return lock_verify(q->secret, *mode, dest, *mac) ? 0 : -1;
}

static void lock_dest(struct hbuf *b, const char *dest)
{
    hb_put(b, "<p>The link leads to:</p><p class=\"dest\"><code>");
    hb_esc(b, dest);
    hb_put(b, "</code></p>");
}

static void page_lock(struct web_req *q, struct web_resp *r)
{
    char dest[4096], fm[6000], fd[6000], ft[6000];
    const char *mac;
    int mode;
    if (lock_args(q, &mode, dest, sizeof(dest), &mac, fm, fd, ft, sizeof(fd)) < 0) {
        page_error(r, 403, "this locked link is not valid: it was altered or not made by vigil");
        return;
    }
    struct hbuf *b = &r->body;
    html_open(b, mode == WEB_LOCK ? "Locked link" : "Double-locked link");
    hb_put(b, "<p class=\"warn\">vigil locked this link: the message it came in looked "
              "suspicious. Continue only if you expected it.</p>");
    lock_dest(b, dest);
    if (mode == WEB_LOCK) {
        hb_put(b, "<p><a class=\"go\" id=\"go\" rel=\"noopener noreferrer\" href=\"");
        hb_esc(b, dest);
        hb_put(b, "\">I understand the risk: continue to this address</a></p>");
    } else {
        char csrf[64];
        lock_csrf(q->secret, mac, csrf, sizeof(csrf));
        hb_put(b, "<form method=\"post\" action=\"/lock/confirm\"><input type=\"hidden\" "
                  "name=\"m\" value=\"2\"><input type=\"hidden\" name=\"d\" value=\"");
        hb_esc(b, q->arg(q->conn, "d"));
        hb_put(b, "\"><input type=\"hidden\" name=\"t\" value=\"");
        hb_esc(b, mac);
        hb_put(b, "\"><input type=\"hidden\" name=\"csrf\" value=\"");
        hb_esc(b, csrf);
        hb_put(b, "\"><button id=\"confirm\" type=\"submit\">I understand the risk: show me the "
                  "link (your click is recorded)</button></form>");
    }
    html_close(b);
}

static void page_lock_confirm(struct web_req *q, struct web_resp *r)
{
    char dest[4096], fm[6000], fd[6000], ft[6000], csrf[128], want[64];
    const char *mac;
    int mode;
    if (lock_args(q, &mode, dest, sizeof(dest), &mac, fm, fd, ft, sizeof(fd)) < 0 ||
        mode != WEB_DOUBLE_LOCK) {
        page_error(r, 403, "this locked link is not valid: it was altered or not made by vigil");
        return;
    }
    lock_csrf(q->secret, mac, want, sizeof(want));
    if (!form_get(q->body, "csrf", csrf, sizeof(csrf)) || strcmp(csrf, want) != 0) {
        page_error(r, 403, "the confirmation did not come from vigil's own page");
        return;
    }
    if (lock_record_click(q->state, dest, mode, q->user_agent) < 0) {
        page_error(r, 500, "cannot record the click");
        return;
    }
    struct hbuf *b = &r->body;
    html_open(b, "Double-locked link: second confirmation");
    hb_put(b, "<p class=\"warn\">Your click was recorded. This is the second and last "
              "confirmation.</p>");
    lock_dest(b, dest);
    hb_put(b, "<p><a class=\"go\" id=\"go\" rel=\"noopener noreferrer\" href=\"");
    hb_esc(b, dest);
    hb_put(b, "\">Continue to this address</a></p>");
    html_close(b);
}

static int parse_id(const char *s, int64_t *id)
{
    char *end;
    if (!*s || strlen(s) > 18)
        return -1;
    long long v = strtoll(s, &end, 10);
    if (*end || v < 0)
        return -1;
    *id = v;
    return 0;
}

int page_route(struct web_req *q, struct web_resp *r)
{
    const char *p = q->path;
    int64_t id;
    r->ctype = "text/html; charset=utf-8";
    r->status = 200;
    if (strcmp(q->method, "POST") == 0) {
        if (strcmp(p, "/lock/confirm") != 0)
            return 0;
        page_lock_confirm(q, r);
        return 1;
    }
    if (strcmp(p, "/") == 0)
        page_overview(q, r);
    else if (strncmp(p, "/devices/", 9) == 0 && p[9])
        page_device(q, r, p + 9);
    else if (strncmp(p, "/breaches/", 10) == 0 && parse_id(p + 10, &id) == 0)
        page_breach(q, r, id);
    else if (strncmp(p, "/endpoints/", 11) == 0 && p[11])
        page_endpoint(q, r, p + 11);
    else if (strcmp(p, "/incidents") == 0)
        page_incidents(q, r);
    else if (strncmp(p, "/incidents/", 11) == 0 && parse_id(p + 11, &id) == 0)
        page_incident(q, r, id);
    else if (strcmp(p, "/email") == 0)
        page_email(q, r);
    else if (strncmp(p, "/email/", 7) == 0 && parse_id(p + 7, &id) == 0)
        page_message(q, r, id);
    else if (strcmp(p, "/lock") == 0)
        page_lock(q, r);
    else
        return 0;
    return 1;
}
