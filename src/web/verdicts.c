/*
 * summary: the mail log the web UI shows: every verdict `vigil email --state` printed, kept in the
 * state's table email_verdicts (docs/web.md)
 *
 * One row per judged message, appended in judging order: the fields the log lists as columns
 * (time, score, sender, recipients, subject, tags, actions, message id, path, mbox index) and the
 * whole verdict JSON line, which the message page and /api/email/{id} show as it was printed.
 */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/web.h"

#define COMMIT_EVERY 500
#define VERDICTS_KEEP 500000 /* messages kept in the log (about 2 KB each) */

struct web_verdicts {
    sqlite3 *db;
    sqlite3_stmt *ins;
    size_t pending;
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS email_verdicts(id INTEGER PRIMARY KEY, time TEXT,"
    " score INTEGER, sender TEXT, recipients TEXT, subject TEXT, tags TEXT, actions TEXT,"
    " message_id TEXT, path TEXT, mbox_index INTEGER, verdict TEXT NOT NULL);";

struct web_verdicts *web_verdicts_open(const char *state, char *err, size_t errlen)
{
    struct web_verdicts *v = xcalloc(1, sizeof(*v));
    if (sqlite3_open_v2(state, &v->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK)
        goto fail;
    sqlite3_busy_timeout(v->db, 5000);
    if (sqlite3_exec(v->db, "PRAGMA journal_mode=WAL;", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(v->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(v->db,
                           "INSERT INTO email_verdicts(time, score, sender, recipients, subject,"
                           " tags, actions, message_id, path, mbox_index, verdict)"
                           " VALUES(?,?,?,?,?,?,?,?,?,?,?)",
                           -1, &v->ins, NULL) != SQLITE_OK)
        goto fail;
    return v;
fail:
    snprintf(err, errlen, "%s", v->db ? sqlite3_errmsg(v->db) : "cannot open");
    sqlite3_finalize(v->ins);
    sqlite3_close(v->db);
    free(v);
    return NULL;
}

/* Binds the string k of o, or NULL. */
static void bind_str(sqlite3_stmt *st, int i, json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

/* Binds the JSON of o's member k (an array), "[]" when absent. */
static void bind_json(sqlite3_stmt *st, int i, json_t *o, const char *k)
{
    json_t *x = json_object_get(o, k);
    char *s = x ? json_dumps(x, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    sqlite3_bind_text(st, i, s ? s : "[]", -1, SQLITE_TRANSIENT);
    free(s);
}

int web_verdicts_add(struct web_verdicts *v, const char *json, size_t len)
{
    json_t *o = json_loadb(json, len, 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        return -1;
    }
    if (!v->pending && sqlite3_exec(v->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        json_decref(o);
        return -1;
    }
    sqlite3_stmt *st = v->ins;
    sqlite3_reset(st);
    bind_str(st, 1, o, "time");
    sqlite3_bind_int64(st, 2, (sqlite3_int64)json_number_value(json_object_get(o, "score")));
    bind_str(st, 3, o, "from");
    bind_json(st, 4, o, "to");
    bind_str(st, 5, o, "subject");
    bind_json(st, 6, o, "tags");
    bind_json(st, 7, o, "actions");
    bind_str(st, 8, o, "message_id");
    bind_str(st, 9, o, "path");
    sqlite3_bind_int64(st, 10, (sqlite3_int64)json_integer_value(json_object_get(o, "mbox_index")));
    sqlite3_bind_text(st, 11, json, (int)len, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    json_decref(o);
    if (rc == 0 && ++v->pending >= COMMIT_EVERY) {
        rc = sqlite3_exec(v->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
        v->pending = 0;
    }
    return rc;
}

int web_verdicts_close(struct web_verdicts *v, char *err, size_t errlen)
{
    if (!v)
        return 0;
    int rc = 0;
    if (v->pending && sqlite3_exec(v->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(v->db));
        rc = -1;
    }
    /* the log is bounded: the newest VERDICTS_KEEP messages */
    char prune[160];
    snprintf(prune, sizeof(prune),
             "DELETE FROM email_verdicts WHERE id <= (SELECT max(id) FROM email_verdicts) - %d",
             VERDICTS_KEEP);
    if (rc == 0 && sqlite3_exec(v->db, prune, NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(v->db));
        rc = -1;
    }
    sqlite3_finalize(v->ins);
    sqlite3_close(v->db);
    free(v);
    return rc;
}
