/*
 * summary: what the protocol fuzz harnesses (fuzz_proto_*.c) share: a sensor and event bus set up
 * once, and a sink that checks every event's body and JSON line
 *
 * A harness defines harness_check(ev), which checks the bodies of its own event types (and may
 * abort on types it never expects), then includes this file. The sink runs harness_check, writes
 * the event as vigil events does, and aborts on a line that json_check_line() refuses.
 */
#ifndef VIGIL_FUZZ_PROTO_HARNESS_H
#define VIGIL_FUZZ_PROTO_HARNESS_H

#include <stdlib.h>
#include <string.h>

#include "event/event.h"
#include "flow/flow.h"
#include "json_check.h"
#include "sensor/sensor.h"
#include "util/json.h"

static void harness_check(const struct event *ev);

static struct jbuf jb;
static struct sensor sensor;
static struct event_bus bus;
static int ready;

static void sink(void *ctx, const struct event *ev)
{
    (void)ctx;
    harness_check(ev);
    jb_reset(&jb);
    event_to_json(ev, &jb);
    if (!json_check_line(jb.buf, jb.len))
        abort();
}

/* A sensor with a small flow table (16) so that eviction paths run too. */
static void setup(void)
{
    struct sensor_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    flow_config_default(&cfg.flow);
    cfg.flow.max_flows = 16;
    event_bus_init(&bus);
    struct event_sink s = {sink, NULL};
    if (event_bus_add(&bus, s) < 0 || sensor_init(&sensor, &cfg, &bus) < 0)
        abort();
    jb_init(&jb);
    ready = 1;
}

#endif
