/*
 * summary: what the protocol tests share: running a capture file through the whole pipeline
 *
 * The sensor as `vigil events` sets it up (default flow limits, the default internal networks),
 * every event handed to the test's sink.
 */
#ifndef VIGIL_TESTS_PROTO_RUN_H
#define VIGIL_TESTS_PROTO_RUN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "event/event.h"
#include "flow/flow.h"
#include "sensor/sensor.h"
#include "util/addr.h"

/* The path of rel under the shared captures ($SHARED/pcap, default ../shared/data/pcap). */
static inline void shared_pcap(char *out, size_t n, const char *rel)
{
    const char *dir = getenv("SHARED");
    snprintf(out, n, "%s/pcap/%s", dir ? dir : "../shared/data", rel);
}

/* Feeds the capture at path to a sensor whose events go to emit(ctx, ev). Returns
 * capture_file()'s result, or -1 when the pipeline cannot be set up. */
static inline int run_pipeline(const char *path, void (*emit)(void *ctx, const struct event *ev),
                               void *ctx)
{
    struct event_bus bus;
    event_bus_init(&bus);
    if (event_bus_add(&bus, (struct event_sink){.emit = emit, .ctx = ctx}) < 0)
        return -1;
    struct sensor_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    flow_config_default(&cfg.flow);
    cidr_set_default_internal(&cfg.internal);
    struct sensor s;
    if (sensor_init(&s, &cfg, &bus) < 0) {
        cidr_set_release(&cfg.internal);
        return -1;
    }
    int rc = capture_file(path, &s, NULL);
    sensor_finish(&s);
    sensor_release(&s);
    cidr_set_release(&cfg.internal);
    return rc;
}

#endif
