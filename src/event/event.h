/*
 * summary: typed events, the one seam between sensing and analysis (design.md)
 *
 * Every fact vigil extracts — a finished connection, a TLS handshake, a DNS
 * answer, a mail verdict — is delivered as a struct event to the sinks on an
 * event_bus. An event borrows everything it points to: sinks must copy what
 * they keep, since the body and the flow are gone when emit returns.
 */
#ifndef VIGIL_EVENT_EVENT_H
#define VIGIL_EVENT_EVENT_H

#include <stdint.h>

struct jbuf;
struct flow;

enum event_type {
    EV_CONN,
    EV_DNS,
    EV_TLS,
    EV_X509,
    EV_HTTP,
    EV_FILES,
    EV_SMTP,
    EV_SMB,
    EV_KERBEROS,
    EV_SSH,
    EV__COUNT
};

/* "conn", "dns", ... as in the "type" field of vigil events. */
const char *event_type_name(enum event_type t);

struct event {
    enum event_type type;
    int64_t ts;              /* event time, microseconds since the epoch */
    const struct flow *flow; /* the connection it belongs to, or NULL */
    const void *body;        /* per type: struct conn_event, struct tls_event, ... */
    /* Writes the type's own fields (not type/ts/uid/id.*) into an open object. */
    void (*fields_json)(const struct event *ev, struct jbuf *jb);
    /* The DNS name the responder's address was last looked up by, or NULL. */
    const char *resp_name;
};

struct event_sink {
    void (*emit)(void *ctx, const struct event *ev);
    void *ctx;
};

#define EVENT_BUS_MAX_SINKS 8

struct event_bus {
    struct event_sink sinks[EVENT_BUS_MAX_SINKS];
    int n;
};

void event_bus_init(struct event_bus *bus);
/* Adds a sink; returns 0, or -1 if the bus is full. */
int event_bus_add(struct event_bus *bus, struct event_sink sink) __attribute__((warn_unused_result));
void event_emit(const struct event_bus *bus, const struct event *ev);

/*
 * Writes the whole event as one JSON object (no newline): type, ts, uid and
 * the connection 5-tuple as Zeek names them, then the type's fields, then
 * resp_name when known.
 */
void event_to_json(const struct event *ev, struct jbuf *jb);

#endif
