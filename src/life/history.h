/*
 * summary: per-device hourly history: connections and bytes out/in per hour over the last
 * LIFE_HIST_DAYS days (a ring of hourly buckets), for the device page's activity graph
 *
 * The baselines (life_int.h, struct l_baseline) keep sums per hour-of-day slot, which is what
 * the models need but loses the timeline; this ring keeps the last LIFE_HIST_HOURS hours as they
 * happened. It is learned from conn events only, on event time, and saved in the state's table
 * device_history (one row per device that has one; docs/pattern-of-life.md).
 */
#ifndef VIGIL_LIFE_HISTORY_H
#define VIGIL_LIFE_HISTORY_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"
#include "util/log.h"

#define LIFE_HIST_DAYS 7
#define LIFE_HIST_HOURS (LIFE_HIST_DAYS * 24)

/*
 * One device's ring: the bucket of hour h (ts / 3600 s) is [h % LIFE_HIST_HOURS], valid while
 * last_hour - LIFE_HIST_HOURS < h <= last_hour. 3,368 B (+ 8 B malloc header).
 */
struct life_history {
    int64_t last_hour;                 /* newest hour with a bucket; -1: none yet */
    uint32_t conns[LIFE_HIST_HOURS];   /* connections the device originated */
    uint64_t out[LIFE_HIST_HOURS];     /* bytes it sent (orig_bytes) */
    uint64_t in[LIFE_HIST_HOURS];      /* bytes it received (resp_bytes) */
};

/*
 * Adds one connection at ts (microseconds) to *h, creating the ring on first use (the caller
 * owns it; free() releases it). Hours older than the ring are dropped; a newer hour clears the
 * buckets of the hours it skips.
 */
void life_history_add(struct life_history **h, int64_t ts, uint64_t bytes_out,
                      uint64_t bytes_in);

/* One hour of a device's history as read back. */
struct life_hour {
    int64_t hour; /* hour number: ts / 3600 s */
    uint64_t conns, out, in;
};

/*
 * Reads device a's history from an open state (read-only is enough) into out, oldest first,
 * the hours from its first non-empty bucket to last_hour (empty hours included). Returns the
 * number of hours (0 if the device has none or the state has no such table), at most
 * LIFE_HIST_HOURS; out must hold LIFE_HIST_HOURS.
 */
size_t life_history_read(sqlite3 *db, const struct addr *a, struct life_hour *out);

/* Persistence of the rings (store.c): in life_save's/life_load's transaction. */
struct life;
int life_history_save(sqlite3 *db, const struct life *l, char *err, size_t errlen) WARN_UNUSED;
int life_history_load(sqlite3 *db, struct life *l, char *err, size_t errlen) WARN_UNUSED;

#define LIFE_HISTORY_SCHEMA                                                                        \
    "CREATE TABLE IF NOT EXISTS device_history(slot INTEGER PRIMARY KEY, addr BLOB,"               \
    " last_hour INTEGER, conns BLOB, bytes_out BLOB, bytes_in BLOB);"

#endif
