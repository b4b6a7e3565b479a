/*
 * summary: the breach side of `vigil report`: threat per device, breaches, incidents
 *
 * Read from the state's breaches table. Threat is recomputed from the breach
 * history and decayed to the time of the last event learned (never the wall
 * clock), so the same history always gives the same report.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "models/engine.h"
#include "models/report.h"
#include "util/json.h"

#define REPORT_MAX_BREACHES 200 /* per device, most recent first */

int breach_report_json(const char *path, int64_t now, struct jbuf *jb, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open state: %s", sqlite3_errmsg(db));
        sqlite3_close(db);
        return -1;
    }
    sqlite3_stmt *st = NULL;
    jb_obj_open(jb);
    if (sqlite3_prepare_v2(db,
                           "SELECT device, ts, model, score, stage, endpoint, hostname, reason,"
                           " metrics, uid, incident FROM breaches ORDER BY device, ts, id",
                           -1, &st, NULL) != SQLITE_OK) {
        /* a state written before any model ran has no breaches table */
        jb_obj_close(jb);
        sqlite3_close(db);
        return 0;
    }
    char cur[64] = "";
    double threat = 0;
    int64_t threat_ts = 0;
    int open_dev = 0;
    uint64_t inc = 0;
    int64_t inc_first = 0, inc_last = 0;
    int inc_max = 0, inc_n = 0;
    char inc_stages[128] = "";

#define CLOSE_INCIDENT()                                                                           \
    do {                                                                                           \
        if (inc) {                                                                                 \
            jb_obj_open(jb);                                                                       \
            jb_ku64(jb, "incident", inc);                                                          \
            jb_kts(jb, "first", inc_first);                                                        \
            jb_kts(jb, "last", inc_last);                                                          \
            jb_ku64(jb, "breaches", (uint64_t)inc_n);                                              \
            jb_ku64(jb, "max_score", (uint64_t)inc_max);                                           \
            jb_kstr(jb, "stages", inc_stages);                                                     \
            jb_obj_close(jb);                                                                      \
        }                                                                                          \
        inc = 0;                                                                                   \
        inc_n = 0;                                                                                 \
        inc_max = 0;                                                                               \
        inc_stages[0] = '\0';                                                                      \
    } while (0)

    /* two passes over each device: breaches, then incidents; collect rows first */
    struct row {
        int64_t ts;
        int score;
        uint64_t incident;
        char stage[16];
    };
    static struct row rows[REPORT_MAX_BREACHES * 50];
    size_t nrows = 0;

    int rc;
    for (;;) {
        rc = sqlite3_step(st);
        const char *dev = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
        if (rc == SQLITE_ROW && !dev)
            continue;
        if (!dev || strcmp(dev, cur) != 0) {
            if (open_dev) {
                jb_arr_close(jb); /* breaches */
                jb_key(jb, "incidents");
                jb_arr_open(jb);
                for (size_t i = 0; i < nrows; i++) {
                    if (rows[i].incident != inc) {
                        CLOSE_INCIDENT();
                        inc = rows[i].incident;
                        inc_first = rows[i].ts;
                    }
                    inc_last = rows[i].ts;
                    inc_n++;
                    if (rows[i].score > inc_max)
                        inc_max = rows[i].score;
                    if (strcmp(rows[i].stage, "none") && !strstr(inc_stages, rows[i].stage) &&
                        strlen(inc_stages) + strlen(rows[i].stage) + 2 < sizeof(inc_stages)) {
                        size_t l = strlen(inc_stages);
                        snprintf(inc_stages + l, sizeof(inc_stages) - l, "%s%s",
                                 l ? "," : "", rows[i].stage);
                    }
                }
                CLOSE_INCIDENT();
                jb_arr_close(jb);
                double t = threat;
                if (now > threat_ts)
                    t *= pow(0.5, (double)(now - threat_ts) / 1e6 / ENGINE_THREAT_HALF_LIFE);
                jb_key(jb, "threat");
                jb_fixed(jb, t, 1);
                jb_key(jb, "threat_peak_decayed_from");
                jb_fixed(jb, threat, 1);
                jb_obj_close(jb);
            }
            if (!dev)
                break;
            snprintf(cur, sizeof(cur), "%s", dev);
            jb_key(jb, cur);
            jb_obj_open(jb);
            jb_key(jb, "breaches");
            jb_arr_open(jb);
            open_dev = 1;
            threat = 0;
            threat_ts = 0;
            nrows = 0;
        }
        int64_t ts = sqlite3_column_int64(st, 1);
        int score = sqlite3_column_int(st, 3);
        double t = threat;
        if (ts > threat_ts)
            t *= pow(0.5, (double)(ts - threat_ts) / 1e6 / ENGINE_THREAT_HALF_LIFE);
        threat = 100.0 * (1 - (1 - t / 100.0) * (1 - score / 100.0));
        if (ts > threat_ts)
            threat_ts = ts;
        if (nrows < sizeof(rows) / sizeof(rows[0])) {
            rows[nrows].ts = ts;
            rows[nrows].score = score;
            rows[nrows].incident = (uint64_t)sqlite3_column_int64(st, 10);
            const char *sg = (const char *)sqlite3_column_text(st, 4);
            snprintf(rows[nrows].stage, sizeof(rows[nrows].stage), "%s", sg ? sg : "none");
            nrows++;
        }
        jb_obj_open(jb);
        jb_kts(jb, "ts", ts);
        for (int c = 2; c <= 9; c++) {
            if (c == 3)
                continue;
            const char *v = (const char *)sqlite3_column_text(st, c);
            static const char *const names[] = {"", "", "model", "", "stage", "endpoint",
                                                "hostname", "reason", "metrics", "uid"};
            if (!v || !*v)
                continue;
            if (c == 8) {
                jb_key(jb, names[c]);
                jb_raw(jb, v, strlen(v));
            } else {
                jb_kstr(jb, names[c], v);
            }
        }
        jb_ku64(jb, "score", (uint64_t)score);
        jb_ku64(jb, "incident", (uint64_t)sqlite3_column_int64(st, 10));
        jb_obj_close(jb);
    }
#undef CLOSE_INCIDENT
    sqlite3_finalize(st);
    sqlite3_close(db);
    jb_obj_close(jb);
    return rc == SQLITE_DONE ? 0 : -1;
}
