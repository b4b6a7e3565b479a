/*
 * summary: breaches and model windows in the state database, beside the pattern of life
 *
 * breaches: one row per breach, appended (the history `vigil report` and the
 * web UI read); model_windows: the count windows and cooldowns, rewritten
 * whole at each save and keyed by model name, so that a state saved and
 * loaded continues as one run would. The devices' threat scores, incidents
 * and recent breaches are not stored: they are a deterministic function of
 * the breach history and are rebuilt from it on load.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/engine_int.h"
#include "util/log.h"

#define STORE_KEEP_BREACHES 500000 /* breach rows kept in the state (about 500 B each) */

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS breaches(id INTEGER PRIMARY KEY, ts INTEGER, device TEXT,"
    " model TEXT, score INTEGER, stage TEXT, endpoint TEXT, hostname TEXT, reason TEXT,"
    " metrics TEXT, uid TEXT, incident INTEGER, threat REAL);"
    "CREATE INDEX IF NOT EXISTS breaches_device ON breaches(device, ts);"
    "CREATE TABLE IF NOT EXISTS model_windows(model TEXT, key INTEGER, last_touch INTEGER,"
    " last_fire INTEGER, n INTEGER, head INTEGER, cap INTEGER, ts BLOB, val BLOB);";

static int db_open(const char *path, sqlite3 **db, char *err, size_t errlen)
{
    if (sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open state: %s", sqlite3_errmsg(*db));
        return -1;
    }
    sqlite3_busy_timeout(*db, 5000);
    char *msg = NULL;
    if (sqlite3_exec(*db, "PRAGMA journal_mode=WAL;", NULL, NULL, &msg) != SQLITE_OK ||
        sqlite3_exec(*db, schema, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "%s", msg ? msg : "sqlite error");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

int engine_save(const struct engine *e, const char *path, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    if (db_open(path, &db, err, errlen) < 0) {
        sqlite3_close(db);
        return -1;
    }
    int rc = -1;
    sqlite3_stmt *st = NULL;
    if (sqlite3_exec(db, "BEGIN IMMEDIATE; DELETE FROM model_windows;", NULL, NULL, NULL) !=
        SQLITE_OK)
        goto out;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO breaches(ts, device, model, score, stage, endpoint,"
                           " hostname, reason, metrics, uid, incident, threat)"
                           " VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    for (size_t i = 0; i < e->nfresh; i++) {
        const struct breach *b = &e->fresh[i];
        char a[ADDR_STRLEN];
        addr_format(&b->device, a);
        sqlite3_bind_int64(st, 1, b->ts);
        sqlite3_bind_text(st, 2, a, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, b->model->name, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 4, b->score);
        sqlite3_bind_text(st, 5, model_stage_name(b->stage), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, b->endpoint, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, b->hostname, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 8, b->reason, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 9, b->metrics, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 10, b->uid, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 11, (sqlite3_int64)b->incident);
        sqlite3_bind_double(st, 12, b->threat);
        if (sqlite3_step(st) != SQLITE_DONE)
            goto out;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(db, "INSERT INTO model_windows VALUES(?,?,?,?,?,?,?,?,?)", -1, &st,
                           NULL) != SQLITE_OK)
        goto out;
    for (size_t i = 0; i < e->nwin_next; i++) {
        const struct win *w = &e->win[i];
        if (!w->used || w->model >= e->models.n)
            continue;
        sqlite3_bind_text(st, 1, e->models.v[w->model]->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)w->key);
        sqlite3_bind_int64(st, 3, w->last_touch);
        sqlite3_bind_int64(st, 4, w->last_fire);
        sqlite3_bind_int(st, 5, w->n);
        sqlite3_bind_int(st, 6, w->head);
        sqlite3_bind_int(st, 7, w->cap);
        if (w->ts) {
            sqlite3_bind_blob(st, 8, w->ts, (int)(w->cap * sizeof(int64_t)), SQLITE_STATIC);
            sqlite3_bind_blob(st, 9, w->val, (int)(w->cap * sizeof(uint64_t)), SQLITE_STATIC);
        } else {
            sqlite3_bind_null(st, 8);
            sqlite3_bind_null(st, 9);
        }
        if (sqlite3_step(st) != SQLITE_DONE)
            goto out;
        sqlite3_reset(st);
    }
    /*
     * The history is bounded: the newest STORE_KEEP_BREACHES rows are kept.
     * The threat of older breaches has long decayed (half-life 24 h), but a
     * state that pruned starts its incidents from the rows it kept.
     */
    char prune[160];
    snprintf(prune, sizeof(prune),
             "DELETE FROM breaches WHERE id <= (SELECT max(id) FROM breaches) - %d",
             STORE_KEEP_BREACHES);
    if (sqlite3_exec(db, prune, NULL, NULL, NULL) != SQLITE_OK)
        goto out;
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto out;
    rc = 0;
out:
    if (rc < 0) {
        snprintf(err, errlen, "cannot save breaches: %s", sqlite3_errmsg(db));
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

static const struct model *model_named(const struct engine *e, const char *name)
{
    for (size_t i = 0; i < e->models.n; i++)
        if (strcmp(e->models.v[i]->name, name) == 0)
            return e->models.v[i];
    return NULL;
}

int engine_load(struct engine *e, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    fclose(f);
    sqlite3 *db = NULL;
    if (db_open(path, &db, err, errlen) < 0) {
        sqlite3_close(db);
        return -1;
    }
    int rc = -1;
    sqlite3_stmt *st = NULL;
    /* replay the breach history: threat scores, incidents and recent breaches follow from it */
    if (sqlite3_prepare_v2(db, "SELECT ts, device, model, score, incident FROM breaches ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        goto out;
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct addr a;
        const char *dev = (const char *)sqlite3_column_text(st, 1);
        const char *mname = (const char *)sqlite3_column_text(st, 2);
        if (!dev || !mname || addr_parse(dev, &a) < 0)
            continue;
        const struct model *m = model_named(e, mname);
        engine_replay_breach(e, sqlite3_column_int64(st, 0), &a, m, sqlite3_column_int(st, 3),
                             (uint64_t)sqlite3_column_int64(st, 4));
    }
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT * FROM model_windows", -1, &st, NULL) != SQLITE_OK)
        goto out;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *mname = (const char *)sqlite3_column_text(st, 0);
        const struct model *m = mname ? model_named(e, mname) : NULL;
        if (!m)
            continue; /* a model that is gone (or renamed) starts afresh */
        int n = sqlite3_column_int(st, 4), head = sqlite3_column_int(st, 5);
        int cap = sqlite3_column_int(st, 6);
        int want = m->count_n > 0 ? m->count_n : 1;
        if (cap != want || n < 0 || n > cap || head < 0 || head >= cap)
            continue; /* the count clause changed: start this window afresh */
        struct win *w = engine_window(e, m, (uint64_t)sqlite3_column_int64(st, 1),
                                      sqlite3_column_int64(st, 2));
        if (!w)
            continue;
        w->last_fire = sqlite3_column_int64(st, 3);
        w->n = (uint16_t)n;
        w->head = (uint16_t)head;
        if (w->ts && sqlite3_column_bytes(st, 7) == (int)(cap * sizeof(int64_t)) &&
            sqlite3_column_bytes(st, 8) == (int)(cap * sizeof(uint64_t))) {
            memcpy(w->ts, sqlite3_column_blob(st, 7), (size_t)cap * sizeof(int64_t));
            memcpy(w->val, sqlite3_column_blob(st, 8), (size_t)cap * sizeof(uint64_t));
        } else {
            w->n = 0;
            w->head = 0;
        }
    }
    rc = 0;
out:
    if (rc < 0)
        snprintf(err, errlen, "cannot load breaches: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}
