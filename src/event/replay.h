/*
 * summary: events read back from JSON lines (vigil events output, or another sensor's)
 *
 * Each line is one event object as `vigil events` writes it: "type" and
 * "ts" (epoch seconds) plus the type's fields. The analysis reads events
 * only by their fields, so replayed events are judged and learned exactly
 * as the events of a capture are (design.md: events are the seam).
 */
#ifndef VIGIL_EVENT_REPLAY_H
#define VIGIL_EVENT_REPLAY_H

#include <stdio.h>

#include "event/event.h"

/*
 * Emits every event of the JSON-lines file on bus, in file order. Lines
 * that are not JSON objects with a known "type" and a numeric "ts" are
 * counted and skipped. Returns 0, or -1 after printing the error line.
 */
int replay_file(const char *path, const struct event_bus *bus, unsigned long *skipped)
    __attribute__((warn_unused_result));

/* The same on an open stream (closed at the end unless it is stdin). */
int replay_stream(FILE *f, const char *path, const struct event_bus *bus, unsigned long *skipped)
    __attribute__((warn_unused_result));

#endif
