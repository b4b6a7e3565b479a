/*
 * summary: read-only queries on the state for the web UI: breaches by id, device, incident,
 * endpoint; breach counts per time bucket; the email side's verdicts when it has written them
 *
 * The pattern of life itself comes from report_build() (cli/cmd_analyze.c), the same merged
 * report `vigil report --json` prints; this file reads only what that report does not carry.
 */
#include <string.h>

#include "life/history.h"
#include "web/web_int.h"

int q_table_exists(sqlite3 *db, const char *name)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", -1,
                           &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int ok = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return ok;
}

static json_t *col_value(sqlite3_stmt *st, int i)
{
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER:
        return json_integer(sqlite3_column_int64(st, i));
    case SQLITE_FLOAT:
        return json_real(sqlite3_column_double(st, i));
    case SQLITE_NULL:
        return json_null();
    default: {
        const char *s = (const char *)sqlite3_column_text(st, i);
        int n = sqlite3_column_bytes(st, i);
        json_t *v = json_stringn(s ? s : "", (size_t)n); /* NULL if not UTF-8 */
        if (!v)
            v = json_string("(not UTF-8)");
        return v;
    }
    }
}

static json_t *breach_row(sqlite3_stmt *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
    json_object_set_new(o, "ts", json_real((double)sqlite3_column_int64(st, 1) / 1e6));
    static const char *const names[] = {"device", "model", "score", "stage", "endpoint",
                                        "hostname", "reason", "metrics", "uid", "incident",
                                        "threat"};
    for (int i = 0; i < 11; i++) {
        json_t *v = col_value(st, i + 2);
        if (i == 7 && json_is_string(v)) {
            json_t *m = json_loads(json_string_value(v), 0, NULL);
            if (m) {
                json_decref(v);
                v = m;
            }
        }
        json_object_set_new(o, names[i], v);
    }
    return o;
}

#define BREACH_COLS                                                                                \
    "SELECT id, ts, device, model, score, stage, endpoint, hostname, reason, metrics, uid,"      \
    " incident, threat FROM breaches"

json_t *q_breaches(sqlite3 *db, const char *device, int64_t incident, const char *endpoint,
                   int limit)
{
    json_t *arr = json_array();
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           BREACH_COLS " WHERE (?1 IS NULL OR device = ?1)"
                                       " AND (?2 < 0 OR incident = ?2)"
                                       " AND (?3 IS NULL OR endpoint = ?3 OR hostname = ?3"
                                       "      OR endpoint LIKE ?3 || ':%')"
                                       " ORDER BY ts DESC, id DESC LIMIT ?4",
                           -1, &st, NULL) != SQLITE_OK)
        return arr; /* no breaches table: no model has run */
    if (device)
        sqlite3_bind_text(st, 1, device, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, incident);
    if (endpoint)
        sqlite3_bind_text(st, 3, endpoint, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, limit);
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(arr, breach_row(st));
    sqlite3_finalize(st);
    return arr;
}

json_t *q_breach(sqlite3 *db, int64_t id)
{
    sqlite3_stmt *st;
    json_t *o = NULL;
    if (sqlite3_prepare_v2(db, BREACH_COLS " WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW)
        o = breach_row(st);
    sqlite3_finalize(st);
    return o;
}

int64_t *q_breach_hist(sqlite3 *db, const char *device, double t0, double bucket_s, size_t n)
{
    int64_t *c = xcalloc(n ? n : 1, sizeof(int64_t));
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT ts FROM breaches WHERE (?1 IS NULL OR device = ?1)", -1,
                           &st, NULL) != SQLITE_OK)
        return c;
    if (device)
        sqlite3_bind_text(st, 1, device, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        double t = (double)sqlite3_column_int64(st, 0) / 1e6;
        if (t < t0 || bucket_s <= 0)
            continue;
        size_t i = (size_t)((t - t0) / bucket_s);
        if (i < n)
            c[i]++;
    }
    sqlite3_finalize(st);
    return c;
}

/* The mail log (verdicts.c): NULL when `vigil email --state` never wrote one. */
const char *q_email_table(sqlite3 *db)
{
    return q_table_exists(db, "email_verdicts") ? "email_verdicts" : NULL;
}

/* Column i parsed as the JSON it holds (tags, actions, recipients), [] if it does not parse. */
static json_t *col_json(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    json_t *v = s ? json_loads(s, JSON_DECODE_ANY, NULL) : NULL;
    return v ? v : json_array();
}

json_t *q_email_list(sqlite3 *db, int limit)
{
    if (!q_email_table(db))
        return NULL;
    json_t *arr = json_array();
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT id, time, score, sender, recipients, subject, tags, actions,"
                           " message_id, path, mbox_index FROM email_verdicts"
                           " ORDER BY id DESC LIMIT ?",
                           -1, &st, NULL) != SQLITE_OK)
        return arr;
    sqlite3_bind_int(st, 1, limit);
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
        json_object_set_new(o, "time", col_value(st, 1));
        json_object_set_new(o, "score", col_value(st, 2));
        json_object_set_new(o, "from", col_value(st, 3));
        json_object_set_new(o, "to", col_json(st, 4));
        json_object_set_new(o, "subject", col_value(st, 5));
        json_object_set_new(o, "tags", col_json(st, 6));
        json_object_set_new(o, "actions", col_json(st, 7));
        json_object_set_new(o, "message_id", col_value(st, 8));
        json_object_set_new(o, "path", col_value(st, 9));
        json_object_set_new(o, "mbox_index", col_value(st, 10));
        json_array_append_new(arr, o);
    }
    sqlite3_finalize(st);
    return arr;
}

json_t *q_email_msg(sqlite3 *db, int64_t id)
{
    if (!q_email_table(db))
        return NULL;
    sqlite3_stmt *st;
    json_t *o = NULL;
    if (sqlite3_prepare_v2(db, "SELECT verdict FROM email_verdicts WHERE id = ?", -1, &st,
                           NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *s = (const char *)sqlite3_column_text(st, 0);
        o = s ? json_loads(s, 0, NULL) : NULL;
        if (!json_is_object(o)) {
            json_decref(o);
            o = json_object(); /* a row written by hand: still a message, if an empty one */
        }
        json_object_set_new(o, "id", json_integer(id));
    }
    sqlite3_finalize(st);
    return o;
}
size_t q_history(sqlite3 *db, const char *ip, struct life_hour *hours)
{
    struct addr a;
    if (addr_parse(ip, &a) < 0)
        return 0;
    return life_history_read(db, &a, hours);
}
