/*
 * summary: saving and loading the pattern of life in SQLite (WAL), the whole state in one transaction
 *
 * Every slot is saved as it is (with its generation number, used or not),
 * with the free lists, clock hands and counters, so that a loaded state
 * continues exactly as the saved run would have: analysing capture A then
 * capture B into one state equals analysing A and B in one run.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "life/life_int.h"
#include "util/log.h"

#define LIFE_SCHEMA_VERSION 1

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v BLOB);"
    "CREATE TABLE IF NOT EXISTS devices(slot INTEGER PRIMARY KEY, used, gen, addr BLOB,"
    " first_seen, last_seen, cur_hour, conns, cur BLOB, peers BLOB, smb_peers BLOB, base BLOB);"
    "CREATE TABLE IF NOT EXISTS entities(slot INTEGER PRIMARY KEY, used, gen, kind, val BLOB,"
    " first_seen, last_seen, conns, bytes, ndev);"
    "CREATE TABLE IF NOT EXISTS pairs(slot INTEGER PRIMARY KEY, used, counted, dev, dev_gen, ent,"
    " ent_gen, first_seen, last_seen, conns, days, last_day, series, bytes_out, bytes_in);"
    "CREATE TABLE IF NOT EXISTS series(slot INTEGER PRIMARY KEY, used, pair, n, head, last_use,"
    " ts BLOB, size BLOB);" LIFE_HISTORY_SCHEMA;

struct db {
    sqlite3 *h;
    char *err;
    size_t errlen;
};

static int fail(struct db *db, const char *what)
{
    snprintf(db->err, db->errlen, "%s: %s", what, db->h ? sqlite3_errmsg(db->h) : "no database");
    return -1;
}

static int exec(struct db *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(db->err, db->errlen, "%s", msg ? msg : "sqlite error");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int open_db(struct db *db, const char *path, int create)
{
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path, &db->h, flags, NULL) != SQLITE_OK)
        return fail(db, "cannot open state");
    sqlite3_busy_timeout(db->h, 5000);
    if (exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;") < 0)
        return -1;
    return exec(db, schema);
}

/* ---- meta ---- */

struct meta {
    uint64_t version;
    uint64_t max[4];
    uint64_t next[4], hand[4], nfree[4], evicted[4];
    int64_t first_ts, last_ts;
    int64_t aged_day;
    uint64_t active_devices;
    uint64_t events;
    double org_hours;
    double org_sum[LM__COUNT];
    uint64_t private_seen;
};

static struct l_table *tables(const struct life *l, int i)
{
    struct life *ml = (struct life *)(uintptr_t)l;
    switch (i) {
    case 0: return &ml->tdev;
    case 1: return &ml->tent;
    case 2: return &ml->tpair;
    default: return &ml->tser;
    }
}

static int put_blob(struct db *db, sqlite3_stmt *st, const char *k, const void *v, size_t n)
{
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, v, (int)n, SQLITE_STATIC);
    return sqlite3_step(st) == SQLITE_DONE ? 0 : fail(db, "cannot write state meta");
}

static int save_meta(struct db *db, const struct life *l)
{
    struct meta m;
    memset(&m, 0, sizeof(m));
    m.version = LIFE_SCHEMA_VERSION;
    for (int i = 0; i < 4; i++) {
        const struct l_table *t = tables(l, i);
        m.max[i] = t->max;
        m.next[i] = t->next;
        m.hand[i] = t->hand;
        m.nfree[i] = t->nfree;
        m.evicted[i] = t->evicted;
    }
    m.first_ts = l->first_ts;
    m.last_ts = l->last_ts;
    m.aged_day = l->aged_day;
    m.active_devices = l->active_devices;
    m.events = l->events;
    m.org_hours = l->org_hours;
    memcpy(m.org_sum, l->org_sum, sizeof(m.org_sum));
    m.private_seen = (uint64_t)l->private_seen;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->h, "INSERT OR REPLACE INTO meta(k, v) VALUES(?, ?)", -1, &st,
                           NULL) != SQLITE_OK)
        return fail(db, "cannot prepare meta");
    int rc = put_blob(db, st, "life", &m, sizeof(m));
    for (int i = 0; i < 4 && rc == 0; i++) {
        const struct l_table *t = tables(l, i);
        char k[16];
        snprintf(k, sizeof(k), "free%d", i);
        rc = put_blob(db, st, k, t->freelist, t->nfree * sizeof(uint32_t));
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- save ---- */

static void bind_blob(sqlite3_stmt *st, int i, const void *v, size_t n)
{
    if (v && n)
        sqlite3_bind_blob(st, i, v, (int)n, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static int step_done(struct db *db, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : fail(db, what);
}

static int save_devices(struct db *db, const struct life *l)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->h,
                           "INSERT INTO devices VALUES(?,?,?,?,?,?,?,?,?,?,?,?)", -1, &st,
                           NULL) != SQLITE_OK)
        return fail(db, "cannot prepare devices");
    int rc = 0;
    for (size_t i = 0; i < l->tdev.next && rc == 0; i++) {
        const struct l_device *d = &l->dev[i];
        if (!d->used && !d->gen)
            continue;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)i);
        sqlite3_bind_int(st, 2, d->used);
        sqlite3_bind_int64(st, 3, d->gen);
        bind_blob(st, 4, d->a.b, 16);
        sqlite3_bind_int64(st, 5, d->first_seen);
        sqlite3_bind_int64(st, 6, d->last_seen);
        sqlite3_bind_int64(st, 7, d->cur_hour);
        sqlite3_bind_int64(st, 8, (sqlite3_int64)d->conns);
        bind_blob(st, 9, d->cur, sizeof(d->cur));
        bind_blob(st, 10, d->peers.v, d->peers.cap * sizeof(uint32_t));
        bind_blob(st, 11, d->smb_peers.v, d->smb_peers.cap * sizeof(uint32_t));
        bind_blob(st, 12, d->base, d->base ? sizeof(*d->base) : 0);
        rc = step_done(db, st, "cannot save a device");
    }
    sqlite3_finalize(st);
    return rc;
}

static int save_entities(struct db *db, const struct life *l)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->h, "INSERT INTO entities VALUES(?,?,?,?,?,?,?,?,?,?)", -1, &st,
                           NULL) != SQLITE_OK)
        return fail(db, "cannot prepare entities");
    int rc = 0;
    for (size_t i = 0; i < l->tent.next && rc == 0; i++) {
        const struct l_entity *e = &l->ent[i];
        if (!e->used && !e->gen)
            continue;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)i);
        sqlite3_bind_int(st, 2, e->used);
        sqlite3_bind_int64(st, 3, e->gen);
        sqlite3_bind_int(st, 4, e->kind);
        if (e->used)
            sqlite3_bind_blob(st, 5, e->val, e->len, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 5);
        sqlite3_bind_int64(st, 6, e->first_seen);
        sqlite3_bind_int64(st, 7, e->last_seen);
        sqlite3_bind_int64(st, 8, (sqlite3_int64)e->conns);
        sqlite3_bind_int64(st, 9, (sqlite3_int64)e->bytes);
        sqlite3_bind_int64(st, 10, e->ndev);
        rc = step_done(db, st, "cannot save an entity");
    }
    sqlite3_finalize(st);
    return rc;
}

static int save_pairs(struct db *db, const struct life *l)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->h, "INSERT INTO pairs VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1,
                           &st, NULL) != SQLITE_OK)
        return fail(db, "cannot prepare pairs");
    int rc = 0;
    for (size_t i = 0; i < l->tpair.next && rc == 0; i++) {
        const struct l_pair *p = &l->pair[i];
        if (!p->used)
            continue;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)i);
        sqlite3_bind_int(st, 2, p->used);
        sqlite3_bind_int(st, 3, p->counted);
        sqlite3_bind_int64(st, 4, p->dev);
        sqlite3_bind_int64(st, 5, p->dev_gen);
        sqlite3_bind_int64(st, 6, p->ent);
        sqlite3_bind_int64(st, 7, p->ent_gen);
        sqlite3_bind_int64(st, 8, p->first_seen);
        sqlite3_bind_int64(st, 9, p->last_seen);
        sqlite3_bind_int64(st, 10, p->conns);
        sqlite3_bind_int64(st, 11, p->days);
        sqlite3_bind_int64(st, 12, p->last_day);
        sqlite3_bind_int64(st, 13, p->series);
        sqlite3_bind_int64(st, 14, (sqlite3_int64)p->bytes_out);
        sqlite3_bind_int64(st, 15, (sqlite3_int64)p->bytes_in);
        rc = step_done(db, st, "cannot save a pair");
    }
    sqlite3_finalize(st);
    return rc;
}

static int save_series(struct db *db, const struct life *l)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->h, "INSERT INTO series VALUES(?,?,?,?,?,?,?,?)", -1, &st, NULL) !=
        SQLITE_OK)
        return fail(db, "cannot prepare series");
    int rc = 0;
    for (size_t i = 0; i < l->tser.next && rc == 0; i++) {
        const struct l_series *s = &l->ser[i];
        if (!s->used)
            continue;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)i);
        sqlite3_bind_int(st, 2, s->used);
        sqlite3_bind_int64(st, 3, s->pair);
        sqlite3_bind_int(st, 4, s->n);
        sqlite3_bind_int(st, 5, s->head);
        sqlite3_bind_int64(st, 6, s->last_use);
        bind_blob(st, 7, s->ts, sizeof(s->ts));
        bind_blob(st, 8, s->size, sizeof(s->size));
        rc = step_done(db, st, "cannot save a series");
    }
    sqlite3_finalize(st);
    return rc;
}

int life_save(const struct life *l, const char *path, char *err, size_t errlen)
{
    struct db db = {.h = NULL, .err = err, .errlen = errlen};
    int rc = open_db(&db, path, 1);
    if (rc == 0)
        rc = exec(&db, "BEGIN IMMEDIATE; DELETE FROM meta; DELETE FROM devices;"
                       " DELETE FROM entities; DELETE FROM pairs; DELETE FROM series;"
                       " DELETE FROM device_history;");
    if (rc == 0)
        rc = save_meta(&db, l);
    if (rc == 0)
        rc = save_devices(&db, l);
    if (rc == 0)
        rc = save_entities(&db, l);
    if (rc == 0)
        rc = save_pairs(&db, l);
    if (rc == 0)
        rc = save_series(&db, l);
    if (rc == 0)
        rc = life_history_save(db.h, l, err, errlen);
    if (rc == 0)
        rc = exec(&db, "COMMIT");
    else if (db.h)
        sqlite3_exec(db.h, "ROLLBACK", NULL, NULL, NULL); /* the old state stays intact */
    sqlite3_close(db.h);
    return rc;
}

/* ---- load ---- */

static const void *col_blob(sqlite3_stmt *st, int i, size_t want)
{
    if (sqlite3_column_type(st, i) != SQLITE_BLOB || (size_t)sqlite3_column_bytes(st, i) != want)
        return NULL;
    return sqlite3_column_blob(st, i);
}

static int load_meta(struct db *db, struct life *l)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->h, "SELECT k, v FROM meta", -1, &st, NULL) != SQLITE_OK)
        return fail(db, "cannot read state meta");
    int have = 0, rc = 0;
    struct meta m;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(st, 0);
        if (!k)
            continue;
        if (strcmp(k, "life") == 0) {
            const void *v = col_blob(st, 1, sizeof(m));
            if (!v) {
                snprintf(db->err, db->errlen, "state meta has the wrong size");
                rc = -1;
                break;
            }
            memcpy(&m, v, sizeof(m));
            have = 1;
        }
    }
    sqlite3_finalize(st);
    if (rc < 0)
        return -1;
    if (!have)
        return 1; /* a new, empty state */
    if (m.version != LIFE_SCHEMA_VERSION) {
        snprintf(db->err, db->errlen, "state schema version %llu, this vigil reads %d",
                 (unsigned long long)m.version, LIFE_SCHEMA_VERSION);
        return -1;
    }
    for (int i = 0; i < 4; i++) {
        struct l_table *t = tables(l, i);
        if (m.next[i] > t->max || m.nfree[i] > t->max) {
            snprintf(db->err, db->errlen,
                     "state holds %llu entries in a table limited here to %zu: raise the limit",
                     (unsigned long long)m.next[i], t->max);
            return -1;
        }
        t->next = m.next[i];
        t->hand = t->next ? m.hand[i] % t->next : 0;
        t->nfree = 0;
        t->evicted = m.evicted[i];
        t->used = 0;
    }
    l->first_ts = m.first_ts;
    l->last_ts = m.last_ts;
    l->aged_day = (int32_t)m.aged_day;
    l->active_devices = (uint32_t)m.active_devices;
    l->events = m.events;
    l->org_hours = m.org_hours;
    memcpy(l->org_sum, m.org_sum, sizeof(l->org_sum));
    l->private_seen = (int)m.private_seen;
    /* free lists */
    if (sqlite3_prepare_v2(db->h, "SELECT v FROM meta WHERE k = ?", -1, &st, NULL) != SQLITE_OK)
        return fail(db, "cannot read free lists");
    for (int i = 0; i < 4; i++) {
        char k[16];
        snprintf(k, sizeof(k), "free%d", i);
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, k, -1, SQLITE_TRANSIENT);
        struct l_table *t = tables(l, i);
        if (sqlite3_step(st) == SQLITE_ROW) {
            size_t n = (size_t)sqlite3_column_bytes(st, 0) / sizeof(uint32_t);
            if (n > t->max) {
                sqlite3_finalize(st);
                snprintf(db->err, db->errlen, "state free list too long");
                return -1;
            }
            const void *v = sqlite3_column_blob(st, 0);
            if (n && v)
                memcpy(t->freelist, v, n * sizeof(uint32_t));
            t->nfree = n;
            for (size_t j = 0; j < n; j++)
                if (t->freelist[j] >= t->next) {
                    sqlite3_finalize(st);
                    snprintf(db->err, db->errlen, "state free list names slot %u past the end",
                             t->freelist[j]);
                    return -1;
                }
        }
    }
    sqlite3_finalize(st);
    return 0;
}

static int load_peerset(struct peerset *ps, sqlite3_stmt *st, int col)
{
    int n = sqlite3_column_bytes(st, col);
    if (sqlite3_column_type(st, col) != SQLITE_BLOB || n <= 0)
        return 0;
    size_t cap = (size_t)n / sizeof(uint32_t);
    if (cap & (cap - 1) || cap > 4 * PEERSET_MAX)
        return -1;
    ps->v = xmalloc(cap * sizeof(uint32_t));
    memcpy(ps->v, sqlite3_column_blob(st, col), cap * sizeof(uint32_t));
    ps->cap = (uint32_t)cap;
    ps->n = 0;
    for (size_t i = 0; i < cap; i++)
        if (ps->v[i])
            ps->n++;
    return 0;
}

static int load_devices(struct db *db, struct life *l)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->h, "SELECT * FROM devices ORDER BY slot", -1, &st, NULL) !=
        SQLITE_OK)
        return fail(db, "cannot read devices");
    int rc = 0;
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        sqlite3_int64 slot = sqlite3_column_int64(st, 0);
        const void *a = col_blob(st, 3, 16);
        if (slot < 0 || (size_t)slot >= l->tdev.next || !a) {
            rc = -1;
            break;
        }
        struct l_device *d = &l->dev[slot];
        d->used = (uint8_t)sqlite3_column_int(st, 1);
        d->gen = (uint32_t)sqlite3_column_int64(st, 2);
        memcpy(d->a.b, a, 16);
        d->hash = life_device_hash(&d->a);
        d->first_seen = sqlite3_column_int64(st, 4);
        d->last_seen = sqlite3_column_int64(st, 5);
        d->cur_hour = sqlite3_column_int64(st, 6);
        d->conns = (uint64_t)sqlite3_column_int64(st, 7);
        const void *cur = col_blob(st, 8, sizeof(d->cur));
        if (cur)
            memcpy(d->cur, cur, sizeof(d->cur));
        if (load_peerset(&d->peers, st, 9) < 0 || load_peerset(&d->smb_peers, st, 10) < 0) {
            rc = -1;
            break;
        }
        const void *base = col_blob(st, 11, sizeof(struct l_baseline));
        if (base) {
            d->base = xmalloc(sizeof(*d->base));
            memcpy(d->base, base, sizeof(*d->base));
        }
        if (d->used) {
            hidx_insert(&l->idev, d->hash, (uint32_t)slot);
            l->tdev.used++;
        }
    }
    sqlite3_finalize(st);
    if (rc < 0)
        snprintf(db->err, db->errlen, "state has a malformed device row");
    return rc;
}

static int load_entities(struct db *db, struct life *l)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->h, "SELECT * FROM entities ORDER BY slot", -1, &st, NULL) !=
        SQLITE_OK)
        return fail(db, "cannot read entities");
    int rc = 0;
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        sqlite3_int64 slot = sqlite3_column_int64(st, 0);
        if (slot < 0 || (size_t)slot >= l->tent.next) {
            rc = -1;
            break;
        }
        struct l_entity *e = &l->ent[slot];
        e->used = (uint8_t)sqlite3_column_int(st, 1);
        e->gen = (uint32_t)sqlite3_column_int64(st, 2);
        e->kind = (uint8_t)sqlite3_column_int(st, 3);
        if (e->used) {
            int n = sqlite3_column_bytes(st, 4);
            if (n < 0 || n > 1024 || e->kind >= LK__COUNT) {
                rc = -1;
                break;
            }
            e->len = (uint16_t)n;
            e->val = xmalloc((size_t)n + 1);
            if (n)
                memcpy(e->val, sqlite3_column_blob(st, 4), (size_t)n);
            e->val[n] = '\0';
            e->hash = life_entity_hash(e->kind, e->val, e->len);
        }
        e->first_seen = sqlite3_column_int64(st, 5);
        e->last_seen = sqlite3_column_int64(st, 6);
        e->conns = (uint64_t)sqlite3_column_int64(st, 7);
        e->bytes = (uint64_t)sqlite3_column_int64(st, 8);
        e->ndev = (uint32_t)sqlite3_column_int64(st, 9);
        if (e->used) {
            hidx_insert(&l->ient, e->hash, (uint32_t)slot);
            l->tent.used++;
        }
    }
    sqlite3_finalize(st);
    if (rc < 0)
        snprintf(db->err, db->errlen, "state has a malformed entity row");
    return rc;
}

static int load_pairs(struct db *db, struct life *l)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->h, "SELECT * FROM pairs ORDER BY slot", -1, &st, NULL) != SQLITE_OK)
        return fail(db, "cannot read pairs");
    int rc = 0;
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        sqlite3_int64 slot = sqlite3_column_int64(st, 0);
        if (slot < 0 || (size_t)slot >= l->tpair.next) {
            rc = -1;
            break;
        }
        struct l_pair *p = &l->pair[slot];
        p->used = (uint8_t)sqlite3_column_int(st, 1);
        p->counted = (uint8_t)sqlite3_column_int(st, 2);
        p->dev = (uint32_t)sqlite3_column_int64(st, 3);
        p->dev_gen = (uint32_t)sqlite3_column_int64(st, 4);
        p->ent = (uint32_t)sqlite3_column_int64(st, 5);
        p->ent_gen = (uint32_t)sqlite3_column_int64(st, 6);
        p->first_seen = sqlite3_column_int64(st, 7);
        p->last_seen = sqlite3_column_int64(st, 8);
        p->conns = (uint32_t)sqlite3_column_int64(st, 9);
        p->days = (uint32_t)sqlite3_column_int64(st, 10);
        p->last_day = (int32_t)sqlite3_column_int64(st, 11);
        p->series = (uint32_t)sqlite3_column_int64(st, 12);
        p->bytes_out = (uint64_t)sqlite3_column_int64(st, 13);
        p->bytes_in = (uint64_t)sqlite3_column_int64(st, 14);
        if (p->dev >= l->tdev.next || p->ent >= l->tent.next || p->series > l->tser.next) {
            rc = -1;
            break;
        }
        p->hash = life_pair_hash(p->dev, p->dev_gen, p->ent, p->ent_gen);
        hidx_insert(&l->ipair, p->hash, (uint32_t)slot);
        l->tpair.used++;
    }
    sqlite3_finalize(st);
    if (rc < 0)
        snprintf(db->err, db->errlen, "state has a malformed pair row");
    return rc;
}

static int load_series(struct db *db, struct life *l)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->h, "SELECT * FROM series ORDER BY slot", -1, &st, NULL) !=
        SQLITE_OK)
        return fail(db, "cannot read series");
    int rc = 0;
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        sqlite3_int64 slot = sqlite3_column_int64(st, 0);
        if (slot < 0 || (size_t)slot >= l->tser.next) {
            rc = -1;
            break;
        }
        struct l_series *s = &l->ser[slot];
        s->used = (uint8_t)sqlite3_column_int(st, 1);
        s->pair = (uint32_t)sqlite3_column_int64(st, 2);
        int n = sqlite3_column_int(st, 3), head = sqlite3_column_int(st, 4);
        s->last_use = sqlite3_column_int64(st, 5);
        const void *ts = col_blob(st, 6, sizeof(s->ts));
        const void *sz = col_blob(st, 7, sizeof(s->size));
        if (n < 0 || n > LIFE_SERIES_LEN || head < 0 || head >= LIFE_SERIES_LEN || !ts || !sz ||
            s->pair >= l->tpair.next) {
            rc = -1;
            break;
        }
        s->n = (uint16_t)n;
        s->head = (uint16_t)head;
        memcpy(s->ts, ts, sizeof(s->ts));
        memcpy(s->size, sz, sizeof(s->size));
        l->tser.used++;
    }
    sqlite3_finalize(st);
    if (rc < 0)
        snprintf(db->err, db->errlen, "state has a malformed series row");
    return rc;
}

int life_load(struct life *l, const char *path, char *err, size_t errlen)
{
    struct db db = {.h = NULL, .err = err, .errlen = errlen};
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0; /* no state yet: start empty; life_save will create it */
    fclose(f);
    int rc = open_db(&db, path, 0);
    if (rc == 0)
        rc = exec(&db, "BEGIN");
    if (rc == 0) {
        rc = load_meta(&db, l);
        if (rc == 1) {
            rc = 0; /* empty database */
        } else if (rc == 0) {
            rc = load_devices(&db, l);
            if (rc == 0)
                rc = load_entities(&db, l);
            if (rc == 0)
                rc = load_pairs(&db, l);
            if (rc == 0)
                rc = load_series(&db, l);
            if (rc == 0)
                rc = life_history_load(db.h, l, err, errlen);
        }
    }
    if (db.h) {
        sqlite3_exec(db.h, "COMMIT", NULL, NULL, NULL);
        sqlite3_close(db.h);
    }
    return rc;
}
