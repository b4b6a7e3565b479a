/*
 * summary: the model engine: judges every event against the learned normal and raises breaches
 *
 * For each event: its fields are captured (util/json.h capture mode), the
 * pattern of life learns it and says what was true before (life_observe),
 * then every model listening to the event's type is evaluated: its where
 * clause, its windowed count, its cooldown per group, its score. A breach
 * carries the model's name, a 0-100 score, the device, the endpoint, a
 * reason rendered from the model's template with the learned baseline, and
 * the values (metrics) the model looked at. Breaches feed each device's
 * threat score (decaying, half-life ENGINE_THREAT_HALF_LIFE) and incidents
 * (a device's breaches with no gap longer than ENGINE_INCIDENT_GAP), and
 * trigger the "on breach" models (e.g. the breach chain).
 *
 * Bounds: windows and cooldowns live in a table of ENGINE_MAX_WINDOWS
 * entries (sampled least-recently-used eviction); each device keeps its
 * last ENGINE_RECENT breaches for chain models; at most ENGINE_MAX_NEW
 * breaches per run are kept for saving (the rest are still emitted).
 */
#ifndef VIGIL_MODELS_ENGINE_H
#define VIGIL_MODELS_ENGINE_H

#include <stdint.h>
#include <stdio.h>

#include "event/event.h"
#include "models/model.h"
#include "util/addr.h"

#define ENGINE_MAX_WINDOWS (1u << 18)
#define ENGINE_RECENT 64
#define ENGINE_MAX_NEW 1000000
#define ENGINE_THREAT_HALF_LIFE (24.0 * 3600)
#define ENGINE_INCIDENT_GAP (24.0 * 3600)
#define ENGINE_CHAIN_WINDOW (48.0 * 3600)
#define ENGINE_CHAIN_MIN_SCORE 50 /* weaker breaches are not a stage of an attack */

struct life;

struct breach {
    int64_t ts;
    struct addr device;
    const struct model *model;
    int score;
    enum model_stage stage;
    char uid[20];
    char endpoint[64];
    char hostname[256];
    char reason[1024];
    char metrics[2048]; /* a JSON object */
    uint64_t incident;
    double threat;      /* the device's threat score after this breach */
};

struct breach_sink {
    void (*emit)(void *ctx, const struct breach *b);
    void *ctx;
};

struct engine;

/*
 * Loads the models at models_path (a directory of *.model files or one
 * file). life and internal are borrowed. Returns NULL with "file:line:
 * what" in err.
 */
struct engine *engine_new(const char *models_path, struct life *life,
                          const struct cidr_set *internal, char *err, size_t errlen);
void engine_free(struct engine *e);

/* Adds a destination for breaches (at most 4). */
void engine_add_sink(struct engine *e, struct breach_sink sink);

/* The event sink: learn ev and judge it. ctx is the engine. */
void engine_event(void *ctx, const struct event *ev);

const struct model_set *engine_models(const struct engine *e);
uint64_t engine_breach_count(const struct engine *e);

/* Saves breaches and model windows beside the learned state; loads them back. */
int engine_save(const struct engine *e, const char *path, char *err, size_t errlen)
    __attribute__((warn_unused_result));
int engine_load(struct engine *e, const char *path, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Writes a breach as the JSON object of design.md. */
struct jbuf;
void breach_to_json(const struct breach *b, struct jbuf *jb);

#endif
