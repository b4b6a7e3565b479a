/*
 * summary: the email side's learned facts: an open-addressing table of
 * string keys (FNV-1a) with first/last seen and counts, saved to SQLite
 *
 * Keys are namespaced by a prefix ("addr:", "dom:", "pair:", "ext:", ...,
 * see judge.c). The table lives in the same file as the pattern of life
 * (table email_facts); saving replaces its rows in one transaction.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "email/email_int.h"
#include "util/log.h"

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

void facts_init(struct facts *f)
{
    f->cap = 1024;
    f->used = 0;
    f->v = xcalloc(f->cap, sizeof(*f->v));
}

void facts_release(struct facts *f)
{
    for (size_t i = 0; i < f->cap; i++) {
        free(f->v[i].key);
        free(f->v[i].val);
    }
    free(f->v);
    f->v = NULL;
    f->cap = f->used = 0;
}

static size_t slot_of(const struct facts *f, const char *key)
{
    size_t i = (size_t)fnv(key) & (f->cap - 1);
    while (f->v[i].key && strcmp(f->v[i].key, key) != 0)
        i = (i + 1) & (f->cap - 1);
    return i;
}

const struct fact *facts_get(const struct facts *f, const char *key)
{
    size_t i = slot_of(f, key);
    return f->v[i].key ? &f->v[i] : NULL;
}

static void grow(struct facts *f)
{
    struct facts g = {.cap = f->cap * 2, .used = f->used};
    g.v = xcalloc(g.cap, sizeof(*g.v));
    for (size_t i = 0; i < f->cap; i++)
        if (f->v[i].key)
            g.v[slot_of(&g, f->v[i].key)] = f->v[i];
    free(f->v);
    *f = g;
}

struct fact *facts_touch(struct facts *f, const char *key, int64_t ts, const char *val)
{
    size_t i = slot_of(f, key);
    struct fact *x = &f->v[i];
    if (!x->key) {
        if (f->used >= FACTS_MAX)
            return NULL;
        if ((f->used + 1) * 2 > f->cap) {
            grow(f);
            i = slot_of(f, key);
            x = &f->v[i];
        }
        x->key = xstrdup(key);
        x->first = x->last = ts;
        f->used++;
    }
    if (ts && (!x->first || ts < x->first))
        x->first = ts;
    if (ts > x->last)
        x->last = ts;
    x->n++;
    if (val) {
        char *nv = xstrdup(val); /* first: val may be x->val itself */
        free(x->val);
        x->val = nv;
    }
    return x;
}

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS email_facts(k TEXT PRIMARY KEY, v TEXT, first INTEGER,"
    " last INTEGER, n INTEGER);";

int email_db_open(sqlite3 **db, const char *path, char *err, size_t errlen)
{
    if (sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", *db ? sqlite3_errmsg(*db) : "cannot open");
        sqlite3_close(*db);
        *db = NULL;
        return -1;
    }
    sqlite3_busy_timeout(*db, 5000);
    if (sqlite3_exec(*db, "PRAGMA journal_mode=WAL;", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(*db, schema, NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(*db));
        sqlite3_close(*db);
        *db = NULL;
        return -1;
    }
    return 0;
}

int facts_load(struct facts *f, const char *path, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (email_db_open(&db, path, err, errlen) < 0)
        return -1;
    if (sqlite3_prepare_v2(db, "SELECT k, v, first, last, n FROM email_facts", -1, &st, NULL) !=
        SQLITE_OK)
        goto out_db;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(st, 0);
        const char *v = (const char *)sqlite3_column_text(st, 1);
        if (!k)
            continue;
        struct fact *x = facts_touch(f, k, sqlite3_column_int64(st, 2), v);
        if (!x)
            break;
        x->first = sqlite3_column_int64(st, 2);
        x->last = sqlite3_column_int64(st, 3);
        x->n = (uint64_t)sqlite3_column_int64(st, 4);
    }
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        goto out_st;
    rc = 0;
out_st:
    sqlite3_finalize(st);
out_db:
    if (rc < 0)
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    sqlite3_close(db);
    return rc;
}

int facts_save(const struct facts *f, const char *path, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = -1;
    err[0] = '\0';
    if (email_db_open(&db, path, err, errlen) < 0)
        return -1;
    if (sqlite3_exec(db, "BEGIN IMMEDIATE; DELETE FROM email_facts;", NULL, NULL, NULL) !=
        SQLITE_OK)
        goto out_db;
    if (sqlite3_prepare_v2(db, "INSERT INTO email_facts VALUES(?,?,?,?,?)", -1, &st, NULL) !=
        SQLITE_OK)
        goto out_rollback;
    for (size_t i = 0; i < f->cap; i++) {
        const struct fact *x = &f->v[i];
        if (!x->key)
            continue;
        sqlite3_bind_text(st, 1, x->key, -1, SQLITE_STATIC);
        if (x->val)
            sqlite3_bind_text(st, 2, x->val, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 2);
        sqlite3_bind_int64(st, 3, x->first);
        sqlite3_bind_int64(st, 4, x->last);
        sqlite3_bind_int64(st, 5, (sqlite3_int64)x->n);
        if (sqlite3_step(st) != SQLITE_DONE)
            goto out_rollback;
        sqlite3_reset(st);
    }
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto out_rollback;
    rc = 0;
    goto out_st;
out_rollback:
    snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
out_st:
    sqlite3_finalize(st);
out_db:
    if (rc < 0 && !err[0])
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    sqlite3_close(db);
    return rc;
}
