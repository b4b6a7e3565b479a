/*
 * summary: event bus and the common JSON framing of every event
 */
#include "event/event.h"

#include <string.h>

#include "flow/flow.h"
#include "util/json.h"

static const char *const type_names[EV__COUNT] = {
    [EV_CONN] = "conn",   [EV_DNS] = "dns",   [EV_TLS] = "tls",
    [EV_X509] = "x509",   [EV_HTTP] = "http", [EV_FILES] = "files",
    [EV_SMTP] = "smtp",   [EV_SMB] = "smb",   [EV_KERBEROS] = "kerberos",
    [EV_SSH] = "ssh",
};

const char *event_type_name(enum event_type t)
{
    return (unsigned)t < EV__COUNT ? type_names[t] : "?";
}

void event_bus_init(struct event_bus *bus)
{
    bus->n = 0;
}

int event_bus_add(struct event_bus *bus, struct event_sink sink)
{
    if (bus->n >= EVENT_BUS_MAX_SINKS)
        return -1;
    bus->sinks[bus->n++] = sink;
    return 0;
}

void event_emit(const struct event_bus *bus, const struct event *ev)
{
    for (int i = 0; i < bus->n; i++)
        bus->sinks[i].emit(bus->sinks[i].ctx, ev);
}

void event_to_json(const struct event *ev, struct jbuf *jb)
{
    jb_obj_open(jb);
    /* the type name, uid and addresses are the program's own text: no escaping needed */
    const char *type = event_type_name(ev->type);
    jb_kstr_plain(jb, "type", type, strlen(type));
    jb_kts(jb, "ts", ev->ts);
    const struct flow *f = ev->flow;
    if (f) {
        char a[ADDR_STRLEN];
        jb_kstr_plain(jb, "uid", f->uid, strlen(f->uid));
        size_t n = addr_format(&f->orig_h, a);
        jb_kstr_plain(jb, "id.orig_h", a, n);
        jb_ku64(jb, "id.orig_p", f->orig_p);
        n = addr_format(&f->resp_h, a);
        jb_kstr_plain(jb, "id.resp_h", a, n);
        jb_ku64(jb, "id.resp_p", f->resp_p);
    }
    if (ev->fields_json)
        ev->fields_json(ev, jb);
    if (ev->resp_name)
        jb_kstr(jb, "resp_name", ev->resp_name);
    jb_obj_close(jb);
}
