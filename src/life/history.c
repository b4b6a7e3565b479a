/*
 * summary: per-device hourly history (life/history.h): the ring of the last LIFE_HIST_HOURS
 * hours of connections and bytes, its SQLite table, and the reader the web UI uses
 */
#include "life/history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "life/life_int.h"

#define US_PER_HOUR (3600LL * 1000000)

static size_t slot_of(int64_t hour)
{
    int64_t m = hour % LIFE_HIST_HOURS;
    return (size_t)(m < 0 ? m + LIFE_HIST_HOURS : m);
}

void life_history_add(struct life_history **hp, int64_t ts, uint64_t bytes_out,
                      uint64_t bytes_in)
{
    int64_t hour = ts >= 0 ? ts / US_PER_HOUR : (ts - US_PER_HOUR + 1) / US_PER_HOUR;
    struct life_history *h = *hp;
    if (!h) {
        h = *hp = xcalloc(1, sizeof(*h));
        h->last_hour = hour;
    }
    if (hour > h->last_hour) {
        /* clear the hours skipped, at most the whole ring */
        int64_t gap = hour - h->last_hour;
        int64_t from = gap >= LIFE_HIST_HOURS ? hour - LIFE_HIST_HOURS + 1 : h->last_hour + 1;
        for (int64_t x = from; x <= hour; x++) {
            size_t s = slot_of(x);
            h->conns[s] = 0;
            h->out[s] = h->in[s] = 0;
        }
        h->last_hour = hour;
    } else if (hour <= h->last_hour - LIFE_HIST_HOURS) {
        return; /* older than the ring */
    }
    size_t s = slot_of(hour);
    if (h->conns[s] < UINT32_MAX)
        h->conns[s]++;
    h->out[s] += bytes_out;
    h->in[s] += bytes_in;
}

static int fail(sqlite3 *db, const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(db));
    return -1;
}

int life_history_save(sqlite3 *db, const struct life *l, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "INSERT INTO device_history VALUES(?,?,?,?,?,?)", -1, &st,
                           NULL) != SQLITE_OK)
        return fail(db, "cannot prepare device_history", err, errlen);
    int rc = 0;
    for (size_t i = 0; i < l->tdev.next && rc == 0; i++) {
        const struct l_device *d = &l->dev[i];
        const struct life_history *h = d->hist;
        if (!d->used || !h)
            continue;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)i);
        sqlite3_bind_blob(st, 2, d->a.b, 16, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, h->last_hour);
        sqlite3_bind_blob(st, 4, h->conns, sizeof(h->conns), SQLITE_STATIC);
        sqlite3_bind_blob(st, 5, h->out, sizeof(h->out), SQLITE_STATIC);
        sqlite3_bind_blob(st, 6, h->in, sizeof(h->in), SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = fail(db, "cannot save a device history", err, errlen);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

/* Column i as a blob of exactly n bytes, or NULL. */
static const void *blob_n(sqlite3_stmt *st, int i, size_t n)
{
    if (sqlite3_column_type(st, i) != SQLITE_BLOB || (size_t)sqlite3_column_bytes(st, i) != n)
        return NULL;
    return sqlite3_column_blob(st, i);
}

static int fill(struct life_history *h, sqlite3_stmt *st, int c0)
{
    const void *c = blob_n(st, c0 + 1, sizeof(h->conns));
    const void *o = blob_n(st, c0 + 2, sizeof(h->out));
    const void *in = blob_n(st, c0 + 3, sizeof(h->in));
    if (!c || !o || !in)
        return -1;
    h->last_hour = sqlite3_column_int64(st, c0);
    memcpy(h->conns, c, sizeof(h->conns));
    memcpy(h->out, o, sizeof(h->out));
    memcpy(h->in, in, sizeof(h->in));
    return 0;
}

int life_history_load(sqlite3 *db, struct life *l, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT slot, addr, last_hour, conns, bytes_out, bytes_in"
                           " FROM device_history ORDER BY slot",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(db, "cannot read device_history", err, errlen);
    int rc = 0;
    while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
        sqlite3_int64 slot = sqlite3_column_int64(st, 0);
        const void *a = blob_n(st, 1, 16);
        struct l_device *d = slot >= 0 && (size_t)slot < l->tdev.next ? &l->dev[slot] : NULL;
        if (!d || !d->used || !a || memcmp(a, d->a.b, 16) != 0 || d->hist) {
            rc = -1;
            break;
        }
        struct life_history *h = xmalloc(sizeof(*h));
        if (fill(h, st, 2) < 0) {
            free(h);
            rc = -1;
            break;
        }
        d->hist = h;
    }
    sqlite3_finalize(st);
    if (rc < 0)
        snprintf(err, errlen, "state has a malformed device_history row");
    return rc;
}

size_t life_history_read(sqlite3 *db, const struct addr *a, struct life_hour *out)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT last_hour, conns, bytes_out, bytes_in FROM device_history"
                           " WHERE addr = ? ORDER BY slot LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return 0; /* a state written before the table existed */
    sqlite3_bind_blob(st, 1, a->b, 16, SQLITE_STATIC);
    struct life_history *h = xmalloc(sizeof(*h));
    size_t n = 0;
    if (sqlite3_step(st) == SQLITE_ROW && fill(h, st, 0) == 0) {
        int64_t x = h->last_hour - LIFE_HIST_HOURS + 1;
        while (x < h->last_hour && !h->conns[slot_of(x)] && !h->out[slot_of(x)] &&
               !h->in[slot_of(x)])
            x++;
        for (; x <= h->last_hour; x++) {
            size_t s = slot_of(x);
            out[n++] = (struct life_hour){x, h->conns[s], h->out[s], h->in[s]};
        }
    }
    free(h);
    sqlite3_finalize(st);
    return n;
}
