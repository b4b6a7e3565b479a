/*
 * summary: the application-protocol parser interface and the parser table
 *
 * Each parser lives in src/proto/<name>.c and exports one const struct
 * proto_ops, listed in the table in proto.c (style.md point 2). The
 * application layer (app.c) finds a connection's protocol from the content
 * of its first bytes (probe), never from the port alone, then feeds the
 * parser in-order stream data (TCP, after reassembly) or whole datagrams
 * (UDP). Parsers read bytes only through util/rd.h, keep their own bounded
 * buffers, and report what they find as events with app_emit().
 */
#ifndef VIGIL_PROTO_PROTO_H
#define VIGIL_PROTO_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "event/event.h"

struct flow;
struct sensor;
struct jbuf;

enum proto_id {
    PROTO_NONE,
    PROTO_TLS,
    PROTO_HTTP,
    PROTO_DNS,
    PROTO_SMTP,
    PROTO_SMB,
    PROTO_KRB,
    PROTO_SSH,
    PROTO__COUNT
};

enum probe_result {
    PROBE_NO,   /* these bytes are not this protocol */
    PROBE_YES,  /* they are */
    PROBE_MORE, /* too few bytes to tell */
};

/* What a parser's data() returns. */
enum {
    PROTO_CONTINUE = 0,
    PROTO_DONE_DIR = 1, /* no more data wanted from this direction */
    PROTO_DONE = 2,     /* no more data wanted at all */
    PROTO_TO_TLS = 3,   /* STARTTLS accepted: the bytes that follow are TLS */
};

/* Passed to every parser call. */
struct app_ctx {
    struct flow *flow;     /* the connection: uid, 5-tuple, times */
    int64_t ts;            /* time of the packet that carried the bytes */
    struct sensor *sensor; /* for app_emit() and the DNS name map */
};

#define PT_TCP 1u
#define PT_UDP 2u

struct proto_ops {
    const char *name;     /* Zeek's service name: "ssl", "http", "dns", ... */
    enum proto_id id;
    unsigned transports;  /* PT_TCP and/or PT_UDP */
    const uint16_t *ports; /* the usual server ports, 0-terminated */
    /* Does the start of dir's stream (or a datagram) look like this protocol? dir 0: originator. */
    enum probe_result (*probe)(const uint8_t *data, size_t len, int dir);
    /* New per-connection state (owned by the application layer until end()). */
    void *(*state_new)(struct app_ctx *ctx);
    /* In-order bytes of dir (borrowed). Returns PROTO_CONTINUE, PROTO_DONE_DIR, ... */
    int (*data)(void *st, struct app_ctx *ctx, int dir, const uint8_t *data, size_t len);
    /* len bytes of dir went by uncaptured; the parser resynchronises or gives up. May be NULL. */
    void (*gap)(void *st, struct app_ctx *ctx, int dir, uint64_t len);
    /* The connection ends (or the parser is replaced): emit what is pending, free st. */
    void (*end)(void *st, struct app_ctx *ctx);
};

/* The parser table, in probe order; NULL-terminated. */
extern const struct proto_ops *const proto_table[];

const struct proto_ops *proto_by_id(enum proto_id id);
/* 1 if port is one of p's usual ports. */
int proto_port_usual(const struct proto_ops *p, uint16_t port);

/*
 * Emits an event of the connection in ctx with the given body (borrowed;
 * valid during the call) and field writer.
 */
void app_emit(struct app_ctx *ctx, enum event_type type, const void *body,
              void (*fields_json)(const struct event *ev, struct jbuf *jb));

#endif
