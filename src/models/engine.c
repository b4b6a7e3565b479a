/*
 * summary: evaluating models over events and the pattern of life; breaches, threat, incidents
 */
#include "models/engine.h"
#include "models/engine_int.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flow/flow.h"
#include "life/life.h"
#include "util/hash.h"
#include "util/hidx.h"
#include "util/json.h"
#include "util/log.h"

#define US 1000000.0

/* ---- names the models can use ---- */

enum ns {
    NS_EVENT,    /* a field of the event, by its vigil events name */
    NS_SEEN,     /* <kind>.<attr>: what the pattern of life knew of an endpoint */
    NS_BEACON,   /* beacon.<attr>: the device -> IP series */
    NS_HBEACON,  /* hbeacon.<attr>: the device -> hostname series */
    NS_ORG,
    NS_DEVICE,
    NS_HOUR,     /* hour.<metric>: the device's count this hour */
    NS_SURPRISE, /* surprise.<metric>: -log10 P(this hour's count | baseline) */
    NS_BASELINE, /* baseline.<metric>: the expected count this hour */
    NS_CONFIDENCE, /* confidence.<metric>: how much history backs the baseline, 0..1 */
    NS_DERIVED,
    NS_WINDOW,
    NS_CHAIN,
};

enum seen_attr { SA_KNOWN, SA_NEW_ORG, SA_NEW_DEV, SA_YOUNG, SA_AGE_DAYS, SA_OTHERS, SA_CONNS,
                 SA_DAYS, SA_RARITY, SA_IN_MAIL, SA_MAIL_AGE_DAYS, SA__COUNT };
static const char *const seen_attrs[SA__COUNT] = {
    "known", "new_for_org", "new_for_device", "young", "age_days", "other_devices",
    "device_connections", "device_days", "rarity", "in_mail", "mail_age_days"};

enum beacon_attr { BA_SCORE, BA_PERIOD, BA_JITTER, BA_N, BA_SPAN, BA_SKEW, BA_MADM, BA_HIST,
                   BA_SIZE, BA__COUNT };
static const char *const beacon_attrs[BA__COUNT] = {"score", "period", "jitter", "connections",
                                                    "span", "skew_score", "madm_score",
                                                    "hist_score", "size_score"};

enum derived { D_RESP_EXTERNAL, D_RESP_INTERNAL, D_ORIG_INTERNAL, D_LEARNING, D__COUNT };
_Static_assert(D__COUNT <= sizeof(((struct eval_ctx *)0)->derived) / sizeof(int),
               "eval_ctx.derived holds a memo for every derived name");
static const char *const derived_names[D__COUNT] = {"resp.external", "resp.internal",
                                                    "orig.internal", "learning"};

enum org_attr { OA_DEVICES, OA_CONFIDENCE, OA__COUNT };
static const char *const org_attrs[OA__COUNT] = {"devices", "confidence"};

enum dev_attr { DA_AGE_DAYS, DA__COUNT };
static const char *const dev_attrs[DA__COUNT] = {"age_days"};

enum win_attr { WA_COUNT, WA_SPAN, WA__COUNT };
static const char *const win_attrs[WA__COUNT] = {"count", "span"};

enum chain_attr { CA_STAGES, CA_BREACHES, CA_MODELS, CA_MAX_SCORE, CA_SPAN, CA__COUNT };
static const char *const chain_attrs[CA__COUNT] = {"stages", "breaches", "models", "max_score",
                                                   "span"};

/* ---- name resolution ---- */

static int find_name(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return -1;
}

static int resolve(void *ctx, const char *name, struct expr_ref *ref, char *err, size_t errlen)
{
    (void)ctx;
    const char *dot = strchr(name, '.');
    int i;
    ref->name = name;
    if ((i = find_name(derived_names, D__COUNT, name)) >= 0) {
        ref->ns = NS_DERIVED;
        ref->id = i;
        return 0;
    }
    if (dot) {
        size_t pl = (size_t)(dot - name);
        const char *attr = dot + 1;
        for (int k = 0; k < LK__COUNT; k++) {
            const char *kn = life_kind_name((enum life_kind)k);
            if (k == LK_UA && pl == 2 && strncmp(name, "ua", 2) == 0)
                kn = "ua"; /* the short name models use */
            if (strlen(kn) == pl && strncmp(name, kn, pl) == 0) {
                if ((i = find_name(seen_attrs, SA__COUNT, attr)) < 0)
                    goto bad_attr;
                ref->ns = NS_SEEN;
                ref->id = k * SA__COUNT + i;
                return 0;
            }
        }
        static const struct {
            const char *prefix;
            int ns;
            const char *const *attrs;
            int n;
        } spaces[] = {
            {"beacon", NS_BEACON, beacon_attrs, BA__COUNT},
            {"hbeacon", NS_HBEACON, beacon_attrs, BA__COUNT},
            {"org", NS_ORG, org_attrs, OA__COUNT},
            {"device", NS_DEVICE, dev_attrs, DA__COUNT},
            {"window", NS_WINDOW, win_attrs, WA__COUNT},
            {"chain", NS_CHAIN, chain_attrs, CA__COUNT},
        };
        for (size_t s = 0; s < sizeof(spaces) / sizeof(spaces[0]); s++) {
            if (strlen(spaces[s].prefix) == pl && strncmp(name, spaces[s].prefix, pl) == 0) {
                if ((i = find_name(spaces[s].attrs, spaces[s].n, attr)) < 0)
                    goto bad_attr;
                ref->ns = spaces[s].ns;
                ref->id = i;
                return 0;
            }
        }
        static const struct {
            const char *prefix;
            int ns;
        } metric_spaces[] = {{"hour", NS_HOUR}, {"surprise", NS_SURPRISE},
                             {"baseline", NS_BASELINE}, {"confidence", NS_CONFIDENCE}};
        for (size_t s = 0; s < sizeof(metric_spaces) / sizeof(metric_spaces[0]); s++) {
            if (strlen(metric_spaces[s].prefix) == pl &&
                strncmp(name, metric_spaces[s].prefix, pl) == 0) {
                for (int m = 0; m < LM__COUNT; m++)
                    if (strcmp(attr, life_metric_name((enum life_metric)m)) == 0) {
                        ref->ns = metric_spaces[s].ns;
                        ref->id = m;
                        return 0;
                    }
                goto bad_attr;
            }
        }
    }
    /*
     * Anything else is a field of the event, as `vigil events` names it.
     * Dotted event fields only come from a few Zeek-style groups; any other
     * prefix is a misspelt namespace, refused rather than left to be a
     * field that is never there.
     */
    if (dot) {
        static const char *const groups[] = {"id", "certificate", "san", "basic_constraints",
                                             "breach", NULL};
        size_t pl = (size_t)(dot - name);
        int ok = 0;
        for (int g = 0; groups[g]; g++)
            if (strlen(groups[g]) == pl && strncmp(name, groups[g], pl) == 0)
                ok = 1;
        if (!ok) {
            snprintf(err, errlen, "'%s': unknown namespace '%.*s' (see docs/models.md)", name,
                     (int)pl, name);
            return -1;
        }
    }
    ref->ns = NS_EVENT;
    ref->hash = jf_hash(name);
    ref->id = 0;
    return 0;
bad_attr:
    snprintf(err, errlen, "'%s' is not a known attribute (see docs/models.md)", name);
    return -1;
}

static struct value num(double d)
{
    struct value v = {.t = V_NUM, .num = d};
    return v;
}

static struct value boolean(int b)
{
    struct value v = {.t = V_BOOL, .num = b ? 1 : 0};
    return v;
}

static const struct value missing = {.t = V_MISSING};

static const struct life_seen *seen_of(const struct life_obs *o, int kind)
{
    switch (kind) {
    case LK_IP: return &o->ip;
    case LK_HOST: return &o->host;
    case LK_DOMAIN: return &o->domain;
    case LK_PORT: return &o->port;
    case LK_JA3: return &o->ja3;
    case LK_UA: return &o->ua;
    case LK_ISSUER: return &o->issuer;
    case LK_SERVICE: return &o->service;
    default: return NULL;
    }
}

static struct value beacon_value(struct life_obs *o, enum life_beacon which, int attr)
{
    const struct beacon_result *b = life_obs_beacon(o, which);
    if (!b)
        return attr == BA_N ? num((double)o->beacon[which].n) : missing;
    switch (attr) {
    case BA_SCORE: return num(b->score);
    case BA_PERIOD: return num(b->period_s);
    case BA_JITTER: return num(b->jitter);
    case BA_N: return num((double)b->n);
    case BA_SPAN: return num(b->span_s);
    case BA_SKEW: return num(b->skew_score);
    case BA_MADM: return num(b->madm_score);
    case BA_HIST: return num(b->hist_score);
    default: return num(b->size_score);
    }
}

/*
 * A field given several values (an array: rcptto, attachment_names) reads
 * as its values joined by ", ", so contains() and matches() look at all of
 * them; a number or a single string reads as itself. Joined values live in
 * the engine's per-event arena, so two of them can be compared.
 */
static struct value field_value(struct engine *e, const struct jfields *f,
                                const struct expr_ref *ref)
{
    const struct jfield *x = f ? jf_get_hashed(f, ref->name, ref->hash) : NULL;
    if (!x)
        return missing;
    if (x->type == JF_STR && x->nvals > 1) {
        char *out = e->joined + e->joined_used;
        size_t room = sizeof(e->joined) - e->joined_used, n = 0;
        for (const struct jfield *y = x; y; y = y->next ? &f->v[y->next - 1] : NULL) {
            if (y->type != JF_STR)
                continue;
            size_t sep = n ? 2 : 0;
            if (n + sep + y->n + 1 > room)
                break; /* the values that fit: the arena is per event and bounded */
            memcpy(out + n, ", ", sep);
            memcpy(out + n + sep, y->s, y->n);
            n += sep + y->n;
        }
        if (n < room) {
            out[n] = '\0';
            e->joined_used += n + 1;
            struct value v = {.t = V_STR, .s = out, .n = n};
            return v;
        }
    }
    struct value v = {0};
    switch (x->type) {
    case JF_STR:
        v.t = V_STR;
        v.s = x->s;
        v.n = x->n;
        return v;
    case JF_NUM: return num(x->num);
    case JF_BOOL: return boolean(x->num != 0);
    default: return missing;
    }
}

static int addr_field(const struct jfields *f, const char *key, struct addr *a)
{
    const struct jfield *x = f ? jf_get(f, key) : NULL;
    return x && x->type == JF_STR && addr_parse(x->s, a) == 0;
}

static struct value get(void *ctx, const struct expr_ref *ref)
{
    struct engine *e = ctx;
    const struct eval_ctx *c = &e->cur;
    struct life_obs *o = c->obs;
    switch (ref->ns) {
    case NS_EVENT:
        return field_value(e, c->f, ref);
    case NS_SEEN: {
        if (!o)
            return missing;
        const struct life_seen *s = seen_of(o, ref->id / SA__COUNT);
        int attr = ref->id % SA__COUNT;
        if (!s || !s->valid)
            return attr == SA_KNOWN ? boolean(0) : missing;
        switch (attr) {
        case SA_KNOWN: return boolean(!s->new_for_org);
        case SA_NEW_ORG: return boolean(s->new_for_org);
        case SA_NEW_DEV: return boolean(s->new_for_device);
        case SA_YOUNG: return boolean(s->young);
        case SA_AGE_DAYS:
            return num(s->new_for_org ? 0 : (double)(c->ts - s->org_first_seen) / US / 86400);
        case SA_OTHERS: return num(s->other_devices);
        case SA_CONNS: return num(s->device_conns);
        case SA_DAYS: return num(s->device_days);
        case SA_IN_MAIL: return boolean(s->in_mail);
        case SA_MAIL_AGE_DAYS:
            return s->in_mail ? num((double)(c->ts - s->mail_first_seen) / US / 86400) : missing;
        default: return num(s->rarity);
        }
    }
    case NS_BEACON:
        return o ? beacon_value(o, LIFE_BEACON_IP, ref->id) : missing;
    case NS_HBEACON:
        return o ? beacon_value(o, LIFE_BEACON_HOST, ref->id) : missing;
    case NS_ORG:
        if (!o)
            return missing;
        return ref->id == OA_DEVICES ? num(o->org_devices) : num(o->org_confidence);
    case NS_DEVICE:
        if (!o || !o->has_device)
            return missing;
        return num((double)(c->ts - o->device_first_seen) / US / 86400);
    case NS_HOUR:
        return c->device ? num(life_hour_count(e->life, c->device, (enum life_metric)ref->id))
                         : missing;
    case NS_SURPRISE:
    case NS_BASELINE:
    case NS_CONFIDENCE: {
        if (!c->device)
            return missing;
        double cnt = life_hour_count(e->life, c->device, (enum life_metric)ref->id);
        double mean = 0, conf = 0;
        double s = life_hour_surprise(e->life, c->device, (enum life_metric)ref->id, cnt, c->ts,
                                      &mean, &conf);
        return ref->ns == NS_SURPRISE ? num(s) : ref->ns == NS_BASELINE ? num(mean) : num(conf);
    }
    case NS_DERIVED: {
        /* asked by most models of an event: worked out once (memo: 0 not yet, 1 missing, 2 + value) */
        struct addr a;
        int *memo = &e->cur.derived[ref->id];
        if (*memo)
            return *memo == 1 ? missing : boolean(*memo - 2);
        struct value v;
        switch (ref->id) {
        case D_RESP_EXTERNAL:
        case D_RESP_INTERNAL:
            if (c->f == &e->fields && c->ev && c->ev->flow) /* the sensor's event: no parse */
                v = boolean(life_is_internal(e->life, &c->ev->flow->resp_h) ==
                            (ref->id == D_RESP_INTERNAL));
            else if (!addr_field(c->f, "id.resp_h", &a))
                v = missing;
            else
                v = boolean(life_is_internal(e->life, &a) == (ref->id == D_RESP_INTERNAL));
            break;
        case D_ORIG_INTERNAL:
            if (!addr_field(c->f, "id.orig_h", &a))
                v = missing;
            else
                v = boolean(life_is_internal(e->life, &a));
            break;
        default:
            v = boolean(o && o->learning);
            break;
        }
        *memo = v.t == V_MISSING ? 1 : 2 + (v.num != 0);
        return v;
    }
    case NS_WINDOW:
        if (!c->has_window)
            return missing;
        return ref->id == WA_COUNT ? num(c->win_count) : num(c->win_span);
    case NS_CHAIN: {
        const struct edev *d = c->chain_dev;
        if (!d)
            return missing;
        int stages = 0, models = 0, maxs = 0, n = 0;
        unsigned seen_stage = 0;
        int64_t first = c->ts;
        static unsigned char seen_model[4096];
        memset(seen_model, 0, sizeof(seen_model));
        for (uint32_t i = 0; i < d->nrecent; i++) {
            const struct recent *r = &d->recent[i];
            if ((double)(c->ts - r->ts) / US > ENGINE_CHAIN_WINDOW || r->ts > c->ts ||
                r->score < ENGINE_CHAIN_MIN_SCORE)
                continue;
            n++;
            if (r->stage != STAGE_NONE && !(seen_stage & (1u << r->stage))) {
                seen_stage |= 1u << r->stage;
                stages++;
            }
            if (r->model >= 0 && r->model < 4096 && !seen_model[r->model]) {
                seen_model[r->model] = 1;
                models++;
            }
            if (r->score > maxs)
                maxs = r->score;
            if (r->ts < first)
                first = r->ts;
        }
        switch (ref->id) {
        case CA_STAGES: return num(stages);
        case CA_BREACHES: return num(n);
        case CA_MODELS: return num(models);
        case CA_MAX_SCORE: return num(maxs);
        default: return num((double)(c->ts - first) / US);
        }
    }
    }
    return missing;
}

/* ---- templates ---- */

static void tmpl_free(struct tmpl *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->seg[i].lit);
        expr_free(t->seg[i].x);
    }
    free(t->seg);
    t->seg = NULL;
    t->n = 0;
}

static void tmpl_add(struct tmpl *t, char *lit, struct expr *x, const char *fmt)
{
    t->seg = xrealloc(t->seg, (t->n + 1) * sizeof(*t->seg));
    t->seg[t->n].lit = lit;
    t->seg[t->n].x = x;
    snprintf(t->seg[t->n].fmt, sizeof(t->seg[t->n].fmt), "%s", fmt ? fmt : "");
    t->n++;
}

/* "{expr}" or "{expr:.1f}" (a printf precision for numbers) inside literal text. */
static int tmpl_compile(struct tmpl *t, const char *src, const struct expr_resolver *r, char *err,
                        size_t errlen)
{
    const char *p = src;
    while (*p) {
        const char *open = strchr(p, '{');
        if (!open) {
            tmpl_add(t, xstrdup(p), NULL, NULL);
            break;
        }
        if (open > p) {
            char *lit = xmalloc((size_t)(open - p) + 1);
            memcpy(lit, p, (size_t)(open - p));
            lit[open - p] = '\0';
            tmpl_add(t, lit, NULL, NULL);
        }
        const char *close = strchr(open, '}');
        if (!close) {
            snprintf(err, errlen, "reason: '{' without '}'");
            return -1;
        }
        char inner[512];
        size_t n = (size_t)(close - open - 1);
        if (n >= sizeof(inner)) {
            snprintf(err, errlen, "reason: placeholder too long");
            return -1;
        }
        memcpy(inner, open + 1, n);
        inner[n] = '\0';
        /* an optional ":.Nf" gives the decimals of a number */
        char fmt[16] = "";
        char *colon = strrchr(inner, ':');
        if (colon && colon[1] == '.' && colon[2] >= '0' && colon[2] <= '9' && colon[3] == 'f' &&
            colon[4] == '\0') {
            fmt[0] = colon[2];
            fmt[1] = '\0';
            *colon = '\0';
        }
        char xerr[300];
        struct expr *x = expr_parse(inner, r, xerr, sizeof(xerr));
        if (!x) {
            snprintf(err, errlen, "reason: {%.100s}: %.200s", inner, xerr);
            return -1;
        }
        tmpl_add(t, NULL, x, fmt);
        p = close + 1;
    }
    return 0;
}

static void value_text(struct value v, const char *fmt, char *out, size_t outlen)
{
    switch (v.t) {
    case V_STR:
        snprintf(out, outlen, "%.*s", (int)(v.n > 400 ? 400 : v.n), v.s);
        break;
    case V_BOOL:
        snprintf(out, outlen, "%s", v.num ? "yes" : "no");
        break;
    case V_NUM:
        if (fmt[0])
            snprintf(out, outlen, "%.*f", fmt[0] - '0', v.num);
        else if (v.num == floor(v.num) && fabs(v.num) < 1e15)
            snprintf(out, outlen, "%.0f", v.num);
        else
            snprintf(out, outlen, "%.2f", v.num);
        break;
    default:
        snprintf(out, outlen, "-");
    }
}

static void tmpl_render(const struct tmpl *t, const struct expr_resolver *r, char *out,
                        size_t outlen)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < t->n && o + 1 < outlen; i++) {
        char tmp[512];
        const char *s = t->seg[i].lit;
        if (!s) {
            value_text(expr_eval(t->seg[i].x, r), t->seg[i].fmt, tmp, sizeof(tmp));
            s = tmp;
        }
        int w = snprintf(out + o, outlen - o, "%s", s);
        if (w < 0)
            break;
        o += (size_t)w;
        if (o >= outlen)
            o = outlen - 1;
    }
}

/* How dear a name is (struct expr_resolver.cost): a beacon score sorts its series. */
static int cost(void *ctx, const struct expr_ref *ref)
{
    (void)ctx;
    switch ((enum ns)ref->ns) {
    case NS_BEACON:
    case NS_HBEACON: return 50;
    case NS_SURPRISE:
    case NS_BASELINE:
    case NS_CONFIDENCE: return 8;
    case NS_HOUR:
    case NS_DERIVED:
    case NS_WINDOW:
    case NS_CHAIN: return 3;
    default: return 1;
    }
}

/* ---- set up ---- */

struct engine *engine_new(const char *models_path, struct life *life,
                          const struct cidr_set *internal, char *err, size_t errlen)
{
    struct engine *e = xcalloc(1, sizeof(*e));
    e->life = life;
    e->internal = internal;
    e->r.resolve = resolve;
    e->r.get = get;
    e->r.cost = cost;
    e->r.ctx = e;
    if (model_set_load(&e->models, models_path, &e->r, err, errlen) < 0) {
        free(e);
        return NULL;
    }
    e->reasons = xcalloc(e->models.n ? e->models.n : 1, sizeof(*e->reasons));
    for (size_t i = 0; i < e->models.n; i++) {
        const struct model *m = e->models.v[i];
        char terr[400];
        if (tmpl_compile(&e->reasons[i], m->reason, &e->r, terr, sizeof(terr)) < 0) {
            snprintf(err, errlen, "%s:%d: %s", m->file, m->line, terr);
            engine_free(e);
            return NULL;
        }
        if (m->count_n > WIN_RING_MAX) {
            snprintf(err, errlen, "%s:%d: count above %d", m->file, m->line, WIN_RING_MAX);
            engine_free(e);
            return NULL;
        }
        e->listens[m->on] = 1;
    }
    e->maxdev = 65536;
    e->dev = xcalloc(e->maxdev, sizeof(*e->dev));
    hidx_init(&e->idev, e->maxdev);
    e->win = xcalloc(ENGINE_MAX_WINDOWS, sizeof(*e->win));
    e->win_free = xmalloc(ENGINE_MAX_WINDOWS * sizeof(uint32_t));
    hidx_init(&e->iwin, ENGINE_MAX_WINDOWS);
    return e;
}

void engine_free(struct engine *e)
{
    if (!e)
        return;
    if (e->reasons)
        for (size_t i = 0; i < e->models.n; i++)
            tmpl_free(&e->reasons[i]);
    free(e->reasons);
    model_set_release(&e->models);
    free(e->dev);
    hidx_release(&e->idev);
    if (e->win)
        for (size_t i = 0; i < e->nwin_next; i++) {
            free(e->win[i].ts);
            free(e->win[i].val);
        }
    free(e->win);
    free(e->win_free);
    hidx_release(&e->iwin);
    free(e->fresh);
    free(e);
}

void engine_add_sink(struct engine *e, struct breach_sink sink)
{
    if (e->nsinks >= 4)
        BUG("too many breach sinks");
    e->sinks[e->nsinks++] = sink;
}

const struct model_set *engine_models(const struct engine *e)
{
    return &e->models;
}

uint64_t engine_breach_count(const struct engine *e)
{
    return e->breaches;
}

/* ---- devices ---- */

struct dkey {
    const struct engine *e;
    const struct addr *a;
};

static int eq_dev(const void *ctx, uint32_t slot)
{
    const struct dkey *k = ctx;
    return k->e->dev[slot].used && addr_cmp(&k->e->dev[slot].a, k->a) == 0;
}

static struct edev *edev_get(struct engine *e, const struct addr *a)
{
    uint64_t h = hash_bytes(a->b, 16, 0x65646576);
    struct dkey k = {e, a};
    long s = hidx_find(&e->idev, h, eq_dev, &k);
    if (s >= 0)
        return &e->dev[s];
    if (e->ndev >= e->maxdev) {
        /* full: forget the device whose threat decayed longest ago */
        size_t best = 0;
        for (size_t i = 1; i < e->ndev; i++)
            if (e->dev[i].threat_ts < e->dev[best].threat_ts)
                best = i;
        if (hidx_remove(&e->idev, e->dev[best].hash, (uint32_t)best) < 0)
            BUG("engine device index out of step");
        memset(&e->dev[best], 0, sizeof(e->dev[best]));
        s = (long)best;
    } else {
        s = (long)e->ndev++;
    }
    struct edev *d = &e->dev[s];
    d->used = 1;
    d->a = *a;
    d->hash = h;
    hidx_insert(&e->idev, h, (uint32_t)s);
    return d;
}

static double decayed(double threat, int64_t from, int64_t to)
{
    if (to <= from)
        return threat;
    return threat * pow(0.5, ((double)(to - from) / US) / ENGINE_THREAT_HALF_LIFE);
}

/*
 * Updates a device's threat score, incident and recent breaches with one
 * breach (m may be NULL for a model no longer loaded). incident 0 means
 * "assign": a new incident after a gap longer than ENGINE_INCIDENT_GAP;
 * otherwise the stored incident number is kept (replaying history).
 */
struct edev *engine_note_breach(struct engine *e, const struct addr *a, const struct model *m,
                                int64_t ts, int score, uint64_t incident)
{
    struct edev *d = edev_get(e, a);
    double t = decayed(d->threat, d->threat_ts, ts) / 100.0;
    t = 1 - (1 - t) * (1 - score / 100.0);
    d->threat = 100.0 * t;
    if (ts > d->threat_ts)
        d->threat_ts = ts;
    if (incident) {
        d->incident = incident;
        if (incident > e->incidents)
            e->incidents = incident;
    } else if (!d->incident || (double)(ts - d->incident_last) / US > ENGINE_INCIDENT_GAP) {
        d->incident = ++e->incidents;
    }
    if (ts > d->incident_last)
        d->incident_last = ts;
    struct recent *r = &d->recent[d->head];
    r->ts = ts;
    r->model = m ? m->id : -1;
    r->score = score;
    r->stage = (uint8_t)(m ? m->stage : STAGE_NONE);
    d->head = (d->head + 1) % ENGINE_RECENT;
    if (d->nrecent < ENGINE_RECENT)
        d->nrecent++;
    return d;
}

void engine_replay_breach(struct engine *e, int64_t ts, const struct addr *a,
                          const struct model *m, int score, uint64_t incident)
{
    engine_note_breach(e, a, m, ts, score, incident);
    e->breaches++;
}

/* ---- windows ---- */

struct wkey {
    const struct engine *e;
    uint32_t model;
    uint64_t key;
};

static int eq_win(const void *ctx, uint32_t slot)
{
    const struct wkey *k = ctx;
    const struct win *w = &k->e->win[slot];
    return w->used && w->model == k->model && w->key == k->key;
}

static uint64_t win_hash(uint32_t model, uint64_t key)
{
    return hash_mix64(key ^ ((uint64_t)model * 0x9e3779b97f4a7c15ULL));
}

static void win_drop(struct engine *e, uint32_t s)
{
    struct win *w = &e->win[s];
    if (hidx_remove(&e->iwin, win_hash(w->model, w->key), s) < 0)
        BUG("window index out of step");
    free(w->ts);
    free(w->val);
    memset(w, 0, sizeof(*w));
    e->win_free[e->nwin_free++] = s;
    e->nwin_used--;
}

struct win *engine_window(struct engine *e, const struct model *m, uint64_t key, int64_t ts)
{
    struct wkey k = {e, (uint32_t)m->id, key};
    uint64_t h = win_hash(k.model, key);
    long s = hidx_find(&e->iwin, h, eq_win, &k);
    if (s < 0) {
        if (!e->nwin_free && e->nwin_next >= ENGINE_MAX_WINDOWS) {
            long best = -1;
            for (int i = 0; i < 8; i++) {
                size_t c = e->win_hand;
                e->win_hand = (e->win_hand + 1) % e->nwin_next;
                if (e->win[c].used && (best < 0 || e->win[c].last_touch < e->win[best].last_touch))
                    best = (long)c;
            }
            if (best >= 0)
                win_drop(e, (uint32_t)best);
        }
        if (e->nwin_free)
            s = e->win_free[--e->nwin_free];
        else if (e->nwin_next < ENGINE_MAX_WINDOWS)
            s = (long)e->nwin_next++;
        else
            return NULL;
        struct win *w = &e->win[s];
        memset(w, 0, sizeof(*w));
        w->used = 1;
        w->model = k.model;
        w->key = key;
        w->cap = (uint16_t)(m->count_n > 0 ? m->count_n : 1);
        if (m->count_n > 0) {
            w->ts = xcalloc(w->cap, sizeof(int64_t));
            w->val = xcalloc(w->cap, sizeof(uint64_t));
        }
        hidx_insert(&e->iwin, h, (uint32_t)s);
        e->nwin_used++;
    }
    struct win *w = &e->win[s];
    w->last_touch = ts;
    return w;
}

static uint64_t value_hash(struct value v, uint64_t seed)
{
    switch (v.t) {
    case V_STR: return hash_bytes(v.s, v.n, seed);
    case V_NUM:
    case V_BOOL: return hash_bytes(&v.num, sizeof(v.num), seed ^ 1);
    default: return hash_mix64(seed ^ 0x6d697373);
    }
}

/*
 * Adds an event to a count window; returns the count (of events, or of
 * distinct values) within the window after it, and the window's span.
 */
static int win_add(const struct model *m, struct win *w, int64_t ts, uint64_t vh, double *span)
{
    int64_t horizon = ts - (int64_t)(m->within_s * US);
    if (m->distinct_expr) {
        /* keep one entry per value, refreshed; replace the oldest when full */
        int slot = -1, oldest = -1;
        for (int i = 0; i < w->n; i++) {
            if (w->val[i] == vh) {
                slot = i;
                break;
            }
            if (oldest < 0 || w->ts[i] < w->ts[oldest])
                oldest = i;
        }
        if (slot < 0) {
            if (w->n < w->cap)
                slot = w->n++;
            else
                slot = oldest;
            w->val[slot] = vh;
        }
        w->ts[slot] = ts;
    } else {
        w->ts[w->head] = ts;
        w->head = (uint16_t)((w->head + 1) % w->cap);
        if (w->n < w->cap)
            w->n++;
    }
    int cnt = 0;
    int64_t first = ts;
    for (int i = 0; i < w->n; i++)
        if (w->ts[i] >= horizon && w->ts[i] <= ts) {
            cnt++;
            if (w->ts[i] < first)
                first = w->ts[i];
        }
    *span = (double)(ts - first) / US;
    return cnt;
}

/* ---- breaches ---- */

static void metric_ref(void *ctx, const struct expr_ref *ref);

struct metrics_ctx {
    struct engine *e;
    struct jbuf *jb;
    const char *seen[64];
    int n;
};

static void metric_ref(void *ctx, const struct expr_ref *ref)
{
    struct metrics_ctx *mc = ctx;
    for (int i = 0; i < mc->n; i++)
        if (strcmp(mc->seen[i], ref->name) == 0)
            return;
    if (mc->n < 64)
        mc->seen[mc->n++] = ref->name;
    struct value v = get(mc->e, ref);
    switch (v.t) {
    case V_STR: jb_kstrn(mc->jb, ref->name, v.s, v.n); break;
    case V_NUM: jb_key(mc->jb, ref->name); jb_fixed(mc->jb, v.num, fabs(v.num) >= 1000 ? 0 : 3); break;
    case V_BOOL: jb_kbool(mc->jb, ref->name, v.num != 0); break;
    default: break;
    }
}

static void build_metrics(struct engine *e, const struct model *m, char *out, size_t outlen)
{
    struct jbuf jb;
    jb_init(&jb);
    struct metrics_ctx mc = {.e = e, .jb = &jb};
    jb_obj_open(&jb);
    expr_walk_refs(m->where, metric_ref, &mc);
    expr_walk_refs(m->score, metric_ref, &mc);
    for (int i = 0; i < m->nmetrics; i++)
        expr_walk_refs(m->metrics[i], metric_ref, &mc);
    if (e->cur.has_window) {
        jb_key(&jb, "window.count");
        jb_fixed(&jb, e->cur.win_count, 0);
    }
    jb_obj_close(&jb);
    if (jb.len + 1 > outlen) {
        snprintf(out, outlen, "{}");
    } else {
        memcpy(out, jb.buf, jb.len);
        out[jb.len] = '\0';
    }
    jb_release(&jb);
}

static void first_str(const struct jfields *f, const char *const *keys, char *out, size_t outlen)
{
    out[0] = '\0';
    for (int i = 0; keys[i]; i++) {
        const struct jfield *x = f ? jf_get(f, keys[i]) : NULL;
        if (x && x->type == JF_STR && x->n) {
            snprintf(out, outlen, "%.*s", (int)x->n, x->s);
            return;
        }
    }
}

static void run_models(struct engine *e, int on);

static void raise_breach(struct engine *e, const struct model *m, int score)
{
    const struct eval_ctx *c = &e->cur;
    struct breach b;
    memset(&b, 0, sizeof(b));
    b.ts = c->ts;
    b.device = *c->device;
    b.model = m;
    b.score = score;
    b.stage = m->stage;
    if (c->breach) {
        snprintf(b.endpoint, sizeof(b.endpoint), "%s", c->breach->endpoint);
        snprintf(b.hostname, sizeof(b.hostname), "%s", c->breach->hostname);
        snprintf(b.uid, sizeof(b.uid), "%s", c->breach->uid);
    } else {
        const struct jfield *h = jf_get(c->f, "id.resp_h"), *p = jf_get(c->f, "id.resp_p");
        if (h && h->type == JF_STR) {
            int v6 = memchr(h->s, ':', h->n) != NULL;
            if (p && p->type == JF_NUM)
                snprintf(b.endpoint, sizeof(b.endpoint), v6 ? "[%s]:%.0f" : "%s:%.0f", h->s,
                         p->num);
            else
                snprintf(b.endpoint, sizeof(b.endpoint), "%s", h->s);
        }
        static const char *const host_keys[] = {"server_name", "host", "query", "resp_name", NULL};
        first_str(c->f, host_keys, b.hostname, sizeof(b.hostname));
        const struct jfield *u = jf_get(c->f, "uid");
        if (u && u->type == JF_STR)
            snprintf(b.uid, sizeof(b.uid), "%.*s", (int)u->n, u->s);
    }
    tmpl_render(&e->reasons[m->id], &e->r, b.reason, sizeof(b.reason));
    build_metrics(e, m, b.metrics, sizeof(b.metrics));

    struct edev *d = engine_note_breach(e, &b.device, m, b.ts, score, 0);
    b.incident = d->incident;
    b.threat = d->threat;

    e->breaches++;
    for (int i = 0; i < e->nsinks; i++)
        e->sinks[i].emit(e->sinks[i].ctx, &b);
    if (e->nfresh < ENGINE_MAX_NEW) {
        if (e->nfresh == e->capfresh) {
            e->capfresh = e->capfresh ? e->capfresh * 2 : 256;
            e->fresh = xrealloc(e->fresh, e->capfresh * sizeof(*e->fresh));
        }
        e->fresh[e->nfresh++] = b;
    } else {
        e->dropped_fresh++;
    }

    /* chain models look at the device's breaches, this one included */
    if (!e->in_breach && e->listens[MODEL_ON_BREACH]) {
        struct eval_ctx saved = e->cur;
        e->in_breach = 1;
        static struct jfields bf;
        struct jbuf jb;
        jb_init_capture(&jb, &bf);
        breach_to_json(&b, &jb);
        e->cur.chain_dev = d;
        e->cur.breach = &b;
        e->cur.f = &bf;
        e->cur.has_window = 0;
        memset(e->cur.derived, 0, sizeof(e->cur.derived));
        run_models(e, MODEL_ON_BREACH);
        e->in_breach = 0;
        e->cur = saved;
    }
}

static void run_models(struct engine *e, int on)
{
    struct eval_ctx *c = &e->cur;
    for (size_t i = 0; i < e->models.n; i++) {
        const struct model *m = e->models.v[i];
        if (m->on != on)
            continue;
        if (on == MODEL_ON_BREACH && c->breach && c->breach->model == m)
            continue;
        c->has_window = 0;
        if (m->where && !value_truthy(expr_eval(m->where, &e->r)))
            continue;
        /* the group: the device and the model's group values */
        uint64_t key = hash_bytes(c->device->b, 16, 0x67726f75);
        for (int g = 0; g < m->ngroup; g++)
            key = value_hash(expr_eval(m->group[g], &e->r), key);
        struct win *w = engine_window(e, m, key, c->ts);
        if (!w)
            continue;
        if (m->count_n > 0) {
            uint64_t vh = m->distinct_expr ? value_hash(expr_eval(m->distinct_expr, &e->r), 7) : 0;
            double span;
            int cnt = win_add(m, w, c->ts, vh, &span);
            c->has_window = 1;
            c->win_count = cnt;
            c->win_span = span;
            if (cnt < m->count_n)
                continue;
        }
        if (w->last_fire && (double)(c->ts - w->last_fire) / US < m->cooldown_s)
            continue;
        struct value sv = expr_eval(m->score, &e->r);
        if (sv.t != V_NUM && sv.t != V_BOOL)
            continue;
        double s = sv.num;
        if (!(s > 0))
            continue;
        if (s > 100)
            s = 100;
        int score = (int)lround(s);
        if (score <= 0 || score < m->min_score || (c->obs && c->obs->learning))
            continue;
        w->last_fire = c->ts;
        raise_breach(e, m, score);
    }
}

void engine_event(void *ctx, const struct event *ev)
{
    struct engine *e = ctx;
    struct jbuf jb;
    jb_init_capture(&jb, &e->fields);
    event_to_json(ev, &jb);
    struct life_obs obs;
    life_observe_fields(e->life, ev, &e->fields, &obs);
    if (!e->listens[ev->type] || !obs.has_device)
        return;
    struct eval_ctx *c = &e->cur;
    memset(c, 0, sizeof(*c));
    e->joined_used = 0;
    c->ev = ev;
    c->f = &e->fields;
    c->obs = &obs;
    c->device = &obs.device;
    c->ts = ev->ts;
    run_models(e, (int)ev->type);
    memset(c, 0, sizeof(*c));
}

/* ---- output ---- */

void breach_to_json(const struct breach *b, struct jbuf *jb)
{
    char t[40], a[ADDR_STRLEN];
    time_t sec = (time_t)(b->ts / 1000000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    size_t n = strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(t + n, sizeof(t) - n, ".%06lldZ", (long long)(b->ts % 1000000));
    addr_format(&b->device, a);
    jb_obj_open(jb);
    jb_kstr(jb, "time", t);
    jb_kstr(jb, "device", a);
    jb_kstr(jb, "model", b->model->name);
    jb_ku64(jb, "score", (uint64_t)b->score);
    if (b->endpoint[0])
        jb_kstr(jb, "endpoint", b->endpoint);
    if (b->hostname[0])
        jb_kstr(jb, "hostname", b->hostname);
    jb_kstr(jb, "reason", b->reason);
    jb_key(jb, "metrics");
    jb_raw(jb, b->metrics, strlen(b->metrics));
    jb_kstr(jb, "stage", model_stage_name(b->stage));
    if (b->uid[0])
        jb_kstr(jb, "uid", b->uid);
    jb_ku64(jb, "incident", b->incident);
    jb_key(jb, "device_threat");
    jb_fixed(jb, b->threat, 1);
    jb_obj_close(jb);
}
