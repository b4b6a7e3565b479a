/*
 * summary: the model engine's state (private to src/models/)
 */
#ifndef VIGIL_MODELS_ENGINE_INT_H
#define VIGIL_MODELS_ENGINE_INT_H

#include <stdint.h>

#include "life/life.h"
#include "models/engine.h"
#include "util/hidx.h"
#include "util/json.h"

#define WIN_RING_MAX 256 /* a count clause may ask for at most this many events */


struct recent {
    int64_t ts;
    int model;
    int score;
    uint8_t stage;
};

struct edev {
    uint8_t used;
    struct addr a;
    uint64_t hash;
    double threat;
    int64_t threat_ts;
    uint64_t incident;
    int64_t incident_last;
    struct recent recent[ENGINE_RECENT];
    uint32_t nrecent, head;
};

struct win {
    uint8_t used;
    uint32_t model;
    uint64_t key; /* hash of device and group values */
    int64_t last_touch;
    int64_t last_fire; /* 0: never */
    uint16_t n, head, cap;
    int64_t *ts;
    uint64_t *val; /* distinct: value hashes */
};

/* A compiled reason template: literal text and expressions with a format. */
struct tseg {
    char *lit;
    struct expr *x;
    char fmt[16];
};

struct tmpl {
    struct tseg *seg;
    size_t n;
};

struct eval_ctx {
    const struct event *ev;
    const struct jfields *f;
    struct life_obs *obs;
    const struct addr *device;
    int64_t ts;
    int has_window;
    double win_count, win_span;
    const struct edev *chain_dev;
    const struct breach *breach; /* on breach models: the breach */
    int derived[4];              /* memo of resp.external and the like (engine.c) */
};

struct engine {
    struct life *life;
    const struct cidr_set *internal;
    struct model_set models;
    struct tmpl *reasons; /* per model */
    struct expr_resolver r;
    struct eval_ctx cur;
    struct breach_sink sinks[4];
    int nsinks;
    /* devices with breaches */
    struct edev *dev;
    size_t ndev, maxdev;
    struct hidx idev;
    /* windows */
    struct win *win;
    size_t nwin_used, nwin_next, win_hand;
    uint32_t *win_free;
    size_t nwin_free;
    struct hidx iwin;
    /* breaches of this run, kept for saving */
    struct breach *fresh;
    size_t nfresh, capfresh;
    uint64_t dropped_fresh;
    uint64_t breaches;
    uint64_t incidents;
    int in_breach; /* guards "on breach" models against triggering themselves */
    struct jfields fields;
    /* multi-valued fields joined for the expressions of one event (field_value) */
    char joined[16384];
    size_t joined_used;
    int listens[EV__COUNT + 1];
};


struct edev *engine_note_breach(struct engine *e, const struct addr *a, const struct model *m,
                                int64_t ts, int score, uint64_t incident);
void engine_replay_breach(struct engine *e, int64_t ts, const struct addr *a,
                          const struct model *m, int score, uint64_t incident);
/* The window of (model, group key), created if missing; NULL if the table is full. */
struct win *engine_window(struct engine *e, const struct model *m, uint64_t key, int64_t ts);

#endif
