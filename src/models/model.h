/*
 * summary: model definitions: the data format of models/NAME.model files and their loader
 *
 * A model file holds one or more models, one directive per line; a line
 * that starts with white space continues the previous directive; # starts
 * a comment. docs/models.md describes every directive with examples:
 *
 *   model "Anomalous Connection / Rare External SSL Self-Signed"
 *   on tls                      # event type, or "breach" for chain models
 *   where self_signed and resp.external and ip.rarity >= 90
 *   count 3 within 1h [distinct FIELD]   # optional: windowed count
 *   group id.resp_h             # optional: the key beside the device
 *   cooldown 6h                 # one breach per group per cooldown
 *   min_score 45                # optional: weaker breaches are not raised
 *   stage c2                    # delivery, c2, lateral, spam, recon, exploit or none
 *   score 60 + 30 * ip.rarity / 100
 *   reason "self-signed certificate on {id.resp_h}, ..."
 *   metrics ja3, server_name    # extra fields to show with the breach
 *
 * Names in expressions are resolved by the engine (models/engine.c) when the
 * model is loaded; a bad definition is refused with "file:line: what".
 */
#ifndef VIGIL_MODELS_MODEL_H
#define VIGIL_MODELS_MODEL_H

#include <stddef.h>

#include "event/event.h"
#include "models/expr.h"

#define MODEL_MAX_GROUP 4
#define MODEL_MAX_METRICS 24
#define MODEL_ON_BREACH EV__COUNT /* "on breach": evaluated after each breach of a device */

enum model_stage { STAGE_NONE, STAGE_DELIVERY, STAGE_EXPLOIT, STAGE_C2, STAGE_RECON,
                   STAGE_LATERAL, STAGE_SPAM, STAGE_EXFIL, STAGE__COUNT };

const char *model_stage_name(enum model_stage s);

struct model {
    int id;
    char *name;
    char *description;
    char *file;
    int line;
    int on; /* enum event_type, or MODEL_ON_BREACH */
    struct expr *where;
    struct expr *score;
    int count_n;            /* 0: no count clause */
    double within_s;
    struct expr_ref distinct; /* distinct.name NULL: plain count */
    struct expr *distinct_expr;
    struct expr *group[MODEL_MAX_GROUP];
    int ngroup;
    double cooldown_s;
    double min_score;       /* breaches scoring less are not raised */
    enum model_stage stage;
    char *reason;
    struct expr *metrics[MODEL_MAX_METRICS];
    int nmetrics;
};

struct model_set {
    struct model **v;
    size_t n;
};

/*
 * Loads every *.model file in dir (sorted by name) or the single file
 * path, resolving names with r. On error returns -1 with "file:line: what"
 * in err; nothing is kept.
 */
int model_set_load(struct model_set *set, const char *path, const struct expr_resolver *r,
                   char *err, size_t errlen) __attribute__((warn_unused_result));
void model_set_release(struct model_set *set);

#endif
