/*
 * summary: the sensor pipeline: decode → flow table → application parsers → events
 *
 * A sensor is fed raw frames (from a file or an interface, see capture/) and
 * delivers typed events to its bus. It owns the decoder and the flow table;
 * it knows nothing about where frames come from or where events go.
 */
#ifndef VIGIL_SENSOR_SENSOR_H
#define VIGIL_SENSOR_SENSOR_H

#include <stdint.h>
#include <stdio.h>

#include "decode/decode.h"
#include "event/event.h"
#include "flow/flow.h"
#include "util/addr.h"

struct names;

struct sensor_config {
    struct flow_config flow;
    struct cidr_set internal; /* borrowed: the organisation's networks */
};

/* The body of an EV_CONN event. */
struct conn_event {
    enum flow_end why;
    const struct cidr_set *internal;
    const struct names *names;
};

struct sensor {
    struct sensor_config cfg;
    struct decoder dec;
    struct flow_table *flows;
    struct event_bus *bus; /* borrowed */
    struct names *names;   /* IP -> DNS name, learned from answers */
    int64_t last_ts;
    uint64_t frames;
};

/* Returns 0, or -1 if the flow configuration is unusable. bus is borrowed. */
int sensor_init(struct sensor *s, const struct sensor_config *cfg, struct event_bus *bus)
    __attribute__((warn_unused_result));
void sensor_release(struct sensor *s);

/* Selects the link type of the frames that follow; -1 if unsupported. */
int sensor_set_linktype(struct sensor *s, int linktype) __attribute__((warn_unused_result));

/* One captured frame (borrowed). */
void sensor_frame(struct sensor *s, int64_t ts, const uint8_t *data, uint32_t caplen,
                  uint32_t wirelen);
/* Counts a frame dropped because its timestamp cannot be a packet time. */
void sensor_bad_timestamp(struct sensor *s);

/* Lets packet time advance to now without a frame (idle live capture). */
void sensor_tick(struct sensor *s, int64_t now);
/* Ends every open flow, emitting their events. */
void sensor_finish(struct sensor *s);

/* Prints the decoder and flow counters, one "name value" per line. */
void sensor_print_stats(const struct sensor *s, FILE *out);

#endif
