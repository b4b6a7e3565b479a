/*
 * summary: the pattern of life's tables (private to src/life/)
 */
#ifndef VIGIL_LIFE_LIFE_INT_H
#define VIGIL_LIFE_LIFE_INT_H

#include <stdint.h>

#include "life/history.h"
#include "life/life.h"
#include "util/hidx.h"

#define PEERSET_MAX 8192 /* distinct peers counted per device-hour; more saturate */

/* A small open-addressing set of 32-bit peer hashes (0 is never stored). */
struct peerset {
    uint32_t n, cap;
    uint32_t *v;
};

struct l_baseline {
    uint16_t n[LIFE_HOUR_SLOTS];                /* hours observed per slot */
    float sum[LM__COUNT][LIFE_HOUR_SLOTS];      /* counts summed per slot */
};

struct l_device {
    uint8_t used;
    uint32_t gen;
    struct addr a;
    uint64_t hash;
    int64_t first_seen, last_seen;
    int64_t cur_hour; /* hour number (ts / 3600 s) of cur[], -1 if none */
    float cur[LM__COUNT];
    struct peerset peers, smb_peers; /* this hour's internal peers */
    struct l_baseline *base;         /* NULL until an hour was completed */
    struct life_history *hist;       /* hourly history (life/history.h), NULL until a conn */
    uint64_t conns;
};

struct l_entity {
    uint8_t used;
    uint8_t kind;
    uint16_t len;
    uint32_t gen;
    uint64_t hash;
    char *val; /* len bytes, NUL-terminated copy */
    int64_t first_seen, last_seen;
    uint64_t conns, bytes;
    uint32_t ndev; /* devices that used it within the window */
};

struct l_pair {
    uint8_t used;
    uint8_t counted; /* included in the entity's ndev */
    uint32_t dev, dev_gen, ent, ent_gen;
    uint64_t hash;
    int64_t first_seen, last_seen;
    uint32_t conns;
    uint32_t days;     /* bit i: seen on day last_day - i */
    int32_t last_day;
    uint32_t series;   /* index + 1 into the series pool, 0 if none */
    uint64_t bytes_out, bytes_in;
};

struct l_series {
    uint8_t used;
    uint32_t pair; /* owner pair slot */
    uint16_t n, head;
    int64_t last_use;
    int64_t ts[LIFE_SERIES_LEN];
    uint32_t size[LIFE_SERIES_LEN];
};

/* A table of fixed-size records with a free list and a clock hand. */
struct l_table {
    size_t max, next, nfree, used;
    uint32_t *freelist;
    size_t hand;
    uint64_t evicted;
};

struct life {
    struct life_config cfg;
    struct l_table tdev, tent, tpair, tser;
    struct l_device *dev;
    struct l_entity *ent;
    struct l_pair *pair;
    struct l_series *ser;
    struct hidx idev, ient, ipair;
    int64_t first_ts, last_ts;
    int32_t aged_day;          /* last day the window aging ran */
    uint32_t active_devices;   /* devices seen within the window (as of aged_day) */
    double org_sum[LM__COUNT]; /* all device-hours folded, for new devices' priors */
    double org_hours;
    uint64_t events;
    int private_seen; /* an originator inside the internal networks was seen */
};

/* Helpers shared by life.c, store.c and report.c. */
uint64_t life_entity_hash(enum life_kind k, const void *val, size_t len);
uint64_t life_device_hash(const struct addr *a);
uint64_t life_pair_hash(uint32_t dev, uint32_t dev_gen, uint32_t ent, uint32_t ent_gen);
int life_pair_stale(const struct life *l, const struct l_pair *p);
void life_table_init(struct l_table *t, size_t max);
void life_table_release(struct l_table *t);

#endif
