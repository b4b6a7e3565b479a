/*
 * summary: the pattern of life: a bounded, persistent, probabilistic memory of normal
 *
 * What it learns, from events and on event time only (never the wall clock):
 *  - devices: hosts inside the internal networks, each with first/last seen
 *    and, per metric (enum life_metric), an hour-of-day × weekday/weekend
 *    Gamma-Poisson baseline of hourly counts (life/stats.h);
 *  - entities: external and internal IPs, hostnames, registrable domains,
 *    server ports, JA3/JA4 fingerprints, user agents, certificate issuers
 *    (enum life_kind), each with first/last seen, connections, bytes and how
 *    many devices used it within the learning window (rarity);
 *  - pairs: device × entity, with first/last seen, counts, the days it was
 *    seen (persistence over days), and for IPs and hostnames the recent
 *    connection times and sizes (beaconing, life/beacon.h).
 *
 * Bounds (life_config, documented in docs/pattern-of-life.md): every table
 * has a fixed maximum; when full, the entry unused the longest among a
 * deterministic sample of LIFE_EVICT_SAMPLE candidates (a clock hand over
 * the slots, as Redis samples for LRU) is evicted. Pairs that point at an
 * evicted device or entity are stale and go first. Everything is
 * deterministic, so a state saved and loaded (life_save/life_load, SQLite)
 * continues exactly as if the run had not stopped.
 *
 * Judge, then learn: life_observe() returns in struct life_obs what was
 * true BEFORE the event (new for the device, new for the organisation, how
 * many other devices knew the endpoint) and what is true AFTER it (the
 * beacon score of the series the event extended), so that models judge an
 * event against the history that preceded it.
 */
#ifndef VIGIL_LIFE_LIFE_H
#define VIGIL_LIFE_LIFE_H

#include <stddef.h>
#include <stdint.h>

#include "life/beacon.h"
#include "util/addr.h"

struct event;

enum life_kind {
    LK_IP,       /* an address (external or internal peer) */
    LK_HOST,     /* a hostname: SNI, HTTP Host, DNS name of the peer */
    LK_DOMAIN,   /* a registrable domain (libpsl) */
    LK_PORT,     /* a server port contacted outside: "tcp/443" */
    LK_JA3,      /* a TLS client fingerprint */
    LK_JA4,
    LK_UA,       /* an HTTP user agent; "" when the header was absent */
    LK_ISSUER,   /* a certificate issuer */
    LK_SERVICE,  /* an application protocol on a port: "ssl/8443" */
    LK_MAILDOM,  /* a registrable domain seen in mail (a sender's, a link's) */
    LK__COUNT
};

const char *life_kind_name(enum life_kind k);

enum life_metric {
    LM_CONNS,        /* connections the device originated */
    LM_EXT_CONNS,    /* ... to external hosts */
    LM_EXT_KBYTES,   /* kilobytes sent to external hosts */
    LM_NEW_EXT,      /* external endpoints (IP) new for the device */
    LM_FAILED,       /* connections that failed (S0, REJ, RSTOS0, RSTR without data, ...) */
    LM_SMB_PEERS,    /* distinct internal hosts contacted on 445/139 */
    LM_INT_PEERS,    /* distinct internal hosts contacted on any port */
    LM_SMTP,         /* SMTP connections to external hosts */
    LM_TLS_HTTP,     /* TLS or HTTP connections to external hosts */
    LM__COUNT
};

const char *life_metric_name(enum life_metric m);

struct life_config {
    struct cidr_set internal;   /* borrowed */
    int auto_internal;          /* no networks configured: see life_is_internal() */
    int64_t window_us;          /* learning window for rarity (default 28 days) */
    int64_t young_us;           /* "young": first seen by the organisation less than this ago (7 days) */
    int64_t learning_us;        /* learning period: no alerts until this long after the first event */
    size_t max_devices;         /* default 65,536 */
    size_t max_entities;        /* default 1,048,576 */
    size_t max_pairs;           /* default 2,097,152 */
    size_t max_series;          /* beacon series kept (default 131,072), LIFE_SERIES_LEN points each */
};

#define LIFE_SERIES_LEN 48
#define LIFE_EVICT_SAMPLE 8
#define LIFE_HOUR_SLOTS 48 /* 24 hours × {weekday, weekend} */

void life_config_default(struct life_config *cfg);

/* What an endpoint (entity) looked like to a device just before an event. */
struct life_seen {
    int valid;               /* the event named such an entity */
    enum life_kind kind;
    int new_for_org;         /* no device had used it before (in memory) */
    int new_for_device;      /* this device had not used it before */
    int young;               /* first seen by the organisation less than young_us ago */
    int64_t org_first_seen;  /* 0 if new */
    uint32_t other_devices;  /* other devices that used it within the window */
    uint32_t device_conns;   /* this device's earlier connections to it */
    uint32_t device_days;    /* distinct days this device used it (after the event) */
    double rarity;           /* 0..100; 100 = no other device ever used it */
    int in_mail;             /* domains: the domain arrived by mail (link or sender) */
    int64_t mail_first_seen; /* when it first did, 0 if never */
};

/* Facts about one event, before and after learning it. */
enum life_beacon { LIFE_BEACON_IP, LIFE_BEACON_HOST, LIFE_BEACON__COUNT };

struct life_obs {
    int has_device;
    struct addr device;
    uint32_t org_devices;           /* devices active within the window */
    double org_confidence;          /* 0..1: how much history backs rarity answers */
    int learning;                   /* still inside the learning period */
    struct life_seen ip, host, domain, port, ja3, ua, issuer, service;
    int64_t device_first_seen;
    /*
     * The beacon series the event extended (device -> IP, device -> host),
     * scored on first use by life_obs_beacon(): most events are judged by no
     * model that asks, and scoring sorts the series.
     */
    const struct life *life;
    uint32_t beacon_series[LIFE_BEACON__COUNT]; /* series slot + 1, 0 if none */
    uint32_t beacon_pair[LIFE_BEACON__COUNT];   /* the pair slot owning it */
    uint8_t beacon_done[LIFE_BEACON__COUNT];
    struct beacon_result beacon[LIFE_BEACON__COUNT];
};

struct life;

/* cfg is copied (internal is borrowed and must outlive l). */
struct life *life_new(const struct life_config *cfg);
void life_free(struct life *l);

/*
 * Learns ev. If obs is not NULL it is filled (see struct life_obs). Events
 * must come in time order per device; small reorderings are harmless.
 */
void life_observe(struct life *l, const struct event *ev, struct life_obs *obs);

/*
 * The same, with the event's fields already captured (util/json.h capture
 * mode) by the caller, who needs them too; f may be NULL.
 */
struct jfields;
void life_observe_fields(struct life *l, const struct event *ev, const struct jfields *f,
                         struct life_obs *obs);

/*
 * The beacon score of the series (which) the event observed into obs
 * extended, as it stands after the event; NULL when there is no such series
 * or it is too short to score (BEACON_MIN_CONNS). Valid until the next
 * life_observe() on the same life; computed once per event.
 */
const struct beacon_result *life_obs_beacon(struct life_obs *obs, enum life_beacon which);

/*
 * Is a inside the organisation? In the internal networks, or, with
 * auto_internal, a device learned as such (an originator seen while no
 * address of the internal networks had been).
 */
int life_is_internal(const struct life *l, const struct addr *a);

/* What entity (kind, val) looks like to device d now, without learning anything. */
void life_peek(const struct life *l, const struct addr *d, enum life_kind kind, const void *val,
               size_t len, int64_t ts, struct life_seen *seen);

/*
 * How surprising count c of metric m is for device d in the hour holding
 * ts, against its learned baseline: returns -log10 P(X >= c) (0 = not at
 * all; 4 = a one-in-ten-thousand hour), and the baseline's expected count
 * and confidence (0..1) through mean and conf when not NULL.
 */
double life_hour_surprise(const struct life *l, const struct addr *d, enum life_metric m, double c,
                          int64_t ts, double *mean, double *conf);

/* The device's running count of metric m in its current hour (0 if none). */
double life_hour_count(const struct life *l, const struct addr *d, enum life_metric m);

/*
 * The one memory of network and mail. The mail side notes the registrable
 * domains it meets (senders', links') with life_note_mail_domain(), and
 * asks what the network knows of a domain with life_domain_facts(); the
 * network side sees in_mail in struct life_seen for domains, so a
 * download from a domain that just arrived by mail is judged with that.
 */
void life_note_mail_domain(struct life *l, const char *domain, size_t len, int64_t ts);

struct life_domain_facts {
    int in_network;          /* some device contacted a host of this domain */
    uint32_t devices;        /* how many, within the window */
    int64_t net_first_seen;  /* 0 if never */
    int in_mail;
    int64_t mail_first_seen;
    uint64_t mail_count;
    double rarity;           /* 0..100 for the organisation as a whole */
};
void life_domain_facts(const struct life *l, const char *domain, size_t len,
                       struct life_domain_facts *out);

/* Rarity (0..100) of an entity for device d (other devices only), as of now. */
double life_rarity(const struct life *l, const struct addr *d, enum life_kind k, const void *val,
                   size_t len);

/* Counters for reports and tests. */
struct life_stats {
    size_t devices, entities, pairs, series;
    uint64_t evicted_devices, evicted_entities, evicted_pairs, evicted_series;
    uint64_t events;
    int64_t first_ts, last_ts;
};
void life_get_stats(const struct life *l, struct life_stats *st);

/* Persistence (SQLite, WAL). Return 0, or -1 with a message in err. */
int life_save(const struct life *l, const char *path, char *err, size_t errlen)
    __attribute__((warn_unused_result));
int life_load(struct life *l, const char *path, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* Report: the learned picture of every device, deterministic (life/report.c). */
struct jbuf;
void life_report_json(const struct life *l, struct jbuf *jb);

#endif
