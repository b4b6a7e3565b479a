/*
 * summary: the JSON API under /api/: everything the pages show, as JSON
 *
 * /api/overview, /api/devices, /api/devices/{ip}, /api/breaches?device=&incident=&endpoint=
 * &limit=, /api/breaches/{id}, /api/incidents, /api/incidents/{id}, /api/endpoints/{value},
 * /api/devices/{ip}/history, /api/email, /api/email/{id} (docs/web.md).
 */
#include <stdlib.h>
#include <string.h>

#include "life/history.h"
#include "web/web_int.h"

static json_t *find_device(json_t *report, const char *ip)
{
    json_t *devs = json_object_get(report, "devices");
    for (size_t i = 0; i < json_array_size(devs); i++)
        if (strcmp(jstr(json_array_get(devs, i), "device"), ip) == 0)
            return json_array_get(devs, i);
    return NULL;
}

static int num_arg(const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    if (!s || !*s || strlen(s) > 18)
        return -1;
    long long v = strtoll(s, &end, 10);
    if (*end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static void send_json(struct web_resp *r, int status, json_t *v)
{
    r->status = status;
    r->ctype = "application/json";
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    hb_put(&r->body, s ? s : "null");
    hb_put(&r->body, "\n");
    free(s);
    json_decref(v);
}

static void send_err(struct web_resp *r, int status, const char *msg)
{
    send_json(r, status, json_pack("{ss}", "error", msg));
}

static json_t *device_summary(json_t *d)
{
    return json_pack("{sO? sO? sO? sO? sO? si si si}", "device", json_object_get(d, "device"),
                     "threat", json_object_get(d, "threat"), "connections",
                     json_object_get(d, "connections"), "first_seen",
                     json_object_get(d, "first_seen"), "last_seen",
                     json_object_get(d, "last_seen"), "breaches",
                     (int)json_array_size(json_object_get(d, "breaches")), "incidents",
                     (int)json_array_size(json_object_get(d, "incidents")), "new_endpoints",
                     (int)json_array_size(json_object_get(d, "new")));
}

/*
 * A device's connections and bytes per hour over its hourly history (life/history.h), with its
 * breaches in that span; NULL if the device has no history.
 */
static json_t *history_json(sqlite3 *db, const char *ip)
{
    struct life_hour *h = xcalloc(LIFE_HIST_HOURS, sizeof(*h));
    size_t n = q_history(db, ip, h);
    json_t *o = NULL;
    if (n) {
        json_t *hours = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(hours, json_pack("{sI sI sI sI}", "ts",
                                                   (json_int_t)(h[i].hour * 3600), "connections",
                                                   (json_int_t)h[i].conns, "bytes_out",
                                                   (json_int_t)h[i].out, "bytes_in",
                                                   (json_int_t)h[i].in));
        double t0 = (double)h[0].hour * 3600, t1 = (double)(h[n - 1].hour + 1) * 3600;
        json_t *all = q_breaches(db, ip, -1, NULL, 5000), *marks = json_array();
        for (size_t i = json_array_size(all); i-- > 0;) {
            json_t *x = json_array_get(all, i);
            if (jnum(x, "ts") >= t0 && jnum(x, "ts") < t1)
                json_array_append_new(marks, json_pack("{sO sO sO sO}", "id",
                                                       json_object_get(x, "id"), "ts",
                                                       json_object_get(x, "ts"), "score",
                                                       json_object_get(x, "score"), "model",
                                                       json_object_get(x, "model")));
        }
        json_decref(all);
        o = json_pack("{ss si si so so}", "device", ip, "bucket_s", 3600, "max_hours",
                      LIFE_HIST_HOURS, "hours", hours, "breaches", marks);
    }
    free(h);
    return o;
}

static json_t *devices_list(json_t *report)
{
    json_t *arr = json_array();
    json_t *devs = json_object_get(report, "devices");
    for (size_t i = 0; i < json_array_size(devs); i++)
        json_array_append_new(arr, device_summary(json_array_get(devs, i)));
    return arr;
}

static json_t *incidents_list(json_t *report)
{
    json_t *arr = json_array();
    json_t *devs = json_object_get(report, "devices");
    for (size_t i = 0; i < json_array_size(devs); i++) {
        json_t *d = json_array_get(devs, i);
        json_t *inc = json_object_get(d, "incidents");
        for (size_t k = 0; k < json_array_size(inc); k++) {
            json_t *x = json_deep_copy(json_array_get(inc, k));
            json_object_set(x, "device", json_object_get(d, "device"));
            json_array_append_new(arr, x);
        }
    }
    return arr;
}

static json_t *endpoint_json(json_t *report, sqlite3 *db, const char *v)
{
    json_t *devs = json_object_get(report, "devices");
    json_t *who = json_array();
    double first = 0;
    static const char *const lists[] = {"usual", "new", "beacons"};
    for (size_t i = 0; i < json_array_size(devs); i++) {
        json_t *d = json_array_get(devs, i);
        for (size_t l = 0; l < 3; l++) {
            json_t *arr = json_object_get(d, lists[l]);
            for (size_t k = 0; k < json_array_size(arr); k++) {
                json_t *e = json_array_get(arr, k);
                if (strcmp(jstr(e, "value"), v) != 0)
                    continue;
                json_t *x = json_deep_copy(e);
                json_object_set(x, "device", json_object_get(d, "device"));
                json_object_set_new(x, "as", json_string(lists[l]));
                json_array_append_new(who, x);
                if (!first || jnum(e, "org_first_seen") < first)
                    first = jnum(e, "org_first_seen");
                l = 3;
                break;
            }
        }
    }
    json_t *brs = q_breaches(db, NULL, -1, v, 500);
    if (!json_array_size(who) && !json_array_size(brs)) {
        json_decref(who);
        json_decref(brs);
        return NULL;
    }
    size_t total = json_array_size(devs);
    double rarity = total ? 100.0 * (1.0 - (double)json_array_size(who) / (double)total) : 100;
    return json_pack("{ss sf so* so so}", "endpoint", v, "rarity", rarity, "org_first_seen",
                     first ? json_real(first) : json_null(), "devices", who, "breaches", brs);
}

int api_route(struct web_req *q, struct web_resp *r)
{
    const char *p = q->path;
    long long n;
    if (strncmp(p, "/api/", 5) != 0)
        return 0;
    p += 5;
    if (strcmp(q->method, "GET") != 0) {
        send_err(r, 405, "the API is read-only");
        return 1;
    }
    if (strcmp(p, "overview") == 0) {
        json_t *o = json_pack("{sO? sO? sO? so so}", "first_event",
                              json_object_get(q->report, "first_event"), "last_event",
                              json_object_get(q->report, "last_event"), "events",
                              json_object_get(q->report, "events"), "devices",
                              devices_list(q->report), "recent_breaches",
                              q_breaches(q->db, NULL, -1, NULL, 25));
        send_json(r, 200, o);
    } else if (strcmp(p, "devices") == 0) {
        send_json(r, 200, devices_list(q->report));
    } else if (strncmp(p, "devices/", 8) == 0 && strchr(p + 8, '/')) {
        const char *slash = strchr(p + 8, '/');
        char ip[64];
        json_t *h = NULL;
        if (strcmp(slash, "/history") == 0 && (size_t)(slash - (p + 8)) < sizeof(ip)) {
            memcpy(ip, p + 8, (size_t)(slash - (p + 8)));
            ip[slash - (p + 8)] = '\0';
            h = find_device(q->report, ip) ? history_json(q->db, ip) : NULL;
        }
        if (!h)
            send_err(r, 404, "no such device history");
        else
            send_json(r, 200, h);
    } else if (strncmp(p, "devices/", 8) == 0) {
        json_t *d = find_device(q->report, p + 8);
        if (!d) {
            send_err(r, 404, "no such device");
            return 1;
        }
        json_t *o = json_deep_copy(d);
        json_object_set_new(o, "breaches", q_breaches(q->db, p + 8, -1, NULL, 1000));
        send_json(r, 200, o);
    } else if (strcmp(p, "breaches") == 0) {
        long long inc = -1, limit = 200;
        const char *s = q->arg(q->conn, "incident");
        if ((s && num_arg(s, 0, INT64_MAX, &inc) < 0) ||
            ((s = q->arg(q->conn, "limit")) && num_arg(s, 1, 5000, &limit) < 0)) {
            send_err(r, 400, "bad incident or limit");
            return 1;
        }
        send_json(r, 200,
                  q_breaches(q->db, q->arg(q->conn, "device"), inc, q->arg(q->conn, "endpoint"),
                             (int)limit));
    } else if (strncmp(p, "breaches/", 9) == 0) {
        json_t *b = num_arg(p + 9, 0, INT64_MAX, &n) == 0 ? q_breach(q->db, n) : NULL;
        if (!b)
            send_err(r, 404, "no such breach");
        else
            send_json(r, 200, b);
    } else if (strcmp(p, "incidents") == 0) {
        send_json(r, 200, incidents_list(q->report));
    } else if (strncmp(p, "incidents/", 10) == 0) {
        json_t *b = num_arg(p + 10, 0, INT64_MAX, &n) == 0
                        ? q_breaches(q->db, NULL, n, NULL, 1000)
                        : NULL;
        if (!json_array_size(b)) {
            json_decref(b);
            send_err(r, 404, "no such incident");
            return 1;
        }
        send_json(r, 200, json_pack("{sI sO so}", "incident", (json_int_t)n, "device",
                                    json_object_get(json_array_get(b, 0), "device"),
                                    "breaches", b));
    } else if (strncmp(p, "endpoints/", 10) == 0 && p[10]) {
        json_t *e = endpoint_json(q->report, q->db, p + 10);
        if (!e)
            send_err(r, 404, "no such endpoint");
        else
            send_json(r, 200, e);
    } else if (strcmp(p, "email") == 0) {
        json_t *m = q_email_list(q->db, 500);
        send_json(r, 200, json_pack("{sb so}", "judged", m != NULL, "messages",
                                    m ? m : json_array()));
    } else if (strncmp(p, "email/", 6) == 0) {
        json_t *m = num_arg(p + 6, 0, INT64_MAX, &n) == 0 ? q_email_msg(q->db, n) : NULL;
        if (!m)
            send_err(r, 404, "no such message");
        else
            send_json(r, 200, m);
    } else {
        send_err(r, 404, "no such API endpoint");
    }
    return 1;
}
