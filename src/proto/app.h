/*
 * summary: the application layer of a flow: reassembly, content probing, parser dispatch
 *
 * Bounds: per connection and direction at most APP_STREAM_CAP bytes are
 * handed to a parser (the rest is counted, not parsed), at most
 * REASM_MAX_HELD out-of-order bytes are held, and at most APP_PROBE_BUF
 * bytes are buffered while the protocol is being recognised. A connection
 * whose first bytes match no parser in either direction stops being
 * reassembled at once.
 */
#ifndef VIGIL_PROTO_APP_H
#define VIGIL_PROTO_APP_H

#include <stdint.h>

#include "decode/decode.h"

#define APP_STREAM_CAP (1024u * 1024)
#define APP_PROBE_BUF 512u

struct flow;
struct sensor;
struct proto_ops;

/* A packet was added to f; dir 0 is from the originator. */
void app_packet(struct sensor *s, struct flow *f, int dir, const struct packet *p);
/* f ends: flushes reassembly, ends the parser (it emits what is pending), frees f->app. */
void app_flow_end(struct sensor *s, struct flow *f);

/* Frees f->app; called after the conn event was emitted. */
void app_flow_free(struct flow *f);

/* Zeek-style service list ("http", "smtp,ssl"), or "" if none was recognised. */
const char *app_service(const struct flow *f);
/* The protocol recognised first on the connection (its port is judged for it), or NULL. */
const struct proto_ops *app_proto(const struct flow *f);
/* Bytes lost to capture gaps in reassembled directions (Zeek's missed_bytes). */
uint64_t app_missed_bytes(const struct flow *f);

#endif
