/*
 * summary: an event sink that writes each event as one JSON line
 */
#ifndef VIGIL_OUTPUT_JSONL_H
#define VIGIL_OUTPUT_JSONL_H

#include <stdio.h>

#include "event/event.h"
#include "util/json.h"

struct jsonl_sink {
    FILE *out; /* borrowed */
    struct jbuf jb;
    int write_error;
};

void jsonl_sink_init(struct jsonl_sink *js, FILE *out);
void jsonl_sink_release(struct jsonl_sink *js);
/* The event_sink that writes to js. */
struct event_sink jsonl_sink_as_sink(struct jsonl_sink *js);

#endif
