/*
 * summary: the learned picture per device, for `vigil report` (text and JSON)
 *
 * Depends only on the saved state, never on the wall clock or on random
 * ids: devices are ordered by address, their endpoints by connections then
 * by value, so the same history always gives the same report. "Now" is
 * the time of the last event learned.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "life/life_int.h"
#include "util/json.h"

#define REPORT_TOP 10
#define REPORT_BEACON_MIN 0.70 /* beacon score shown in reports */

struct dev_pairs {
    uint32_t dev;
    uint32_t *p;
    size_t n, cap;
};

static const struct life *sort_l;

static int cmp_dev(const void *a, const void *b)
{
    const struct dev_pairs *x = a, *y = b;
    return addr_cmp(&sort_l->dev[x->dev].a, &sort_l->dev[y->dev].a);
}

static int cmp_pair(const void *a, const void *b)
{
    const struct l_pair *x = &sort_l->pair[*(const uint32_t *)a];
    const struct l_pair *y = &sort_l->pair[*(const uint32_t *)b];
    if (x->conns != y->conns)
        return x->conns > y->conns ? -1 : 1;
    const struct l_entity *ex = &sort_l->ent[x->ent], *ey = &sort_l->ent[y->ent];
    if (ex->kind != ey->kind)
        return ex->kind - ey->kind;
    size_t n = ex->len < ey->len ? ex->len : ey->len;
    int c = memcmp(ex->val, ey->val, n);
    return c ? c : (int)ex->len - (int)ey->len;
}

/* The entity's value as text: addresses formatted, strings as they are. */
static void ent_text(const struct l_entity *e, char *out, size_t outlen)
{
    if (e->kind == LK_IP && e->len == 16) {
        struct addr a;
        memcpy(a.b, e->val, 16);
        char tmp[ADDR_STRLEN];
        addr_format(&a, tmp);
        snprintf(out, outlen, "%s", tmp);
        return;
    }
    snprintf(out, outlen, "%.*s", (int)e->len, e->val);
}

static void report_pair(const struct life *l, const struct l_pair *p, struct jbuf *jb,
                        const struct beacon_result *b)
{
    const struct l_entity *e = &l->ent[p->ent];
    char v[1100];
    ent_text(e, v, sizeof(v));
    jb_obj_open(jb);
    jb_kstr(jb, "kind", life_kind_name((enum life_kind)e->kind));
    jb_kstr(jb, "value", v);
    jb_ku64(jb, "connections", p->conns);
    jb_ku64(jb, "days", (uint64_t)__builtin_popcount(p->days));
    jb_kts(jb, "first_seen", p->first_seen);
    jb_kts(jb, "last_seen", p->last_seen);
    jb_kts(jb, "org_first_seen", e->first_seen);
    jb_ku64(jb, "org_devices", e->ndev);
    if (b) {
        jb_key(jb, "beacon_score");
        jb_fixed(jb, b->score, 3);
        jb_key(jb, "period_s");
        jb_fixed(jb, b->period_s, 3);
        jb_key(jb, "jitter");
        jb_fixed(jb, b->jitter, 3);
    }
    jb_obj_close(jb);
}

void life_report_json(const struct life *l, struct jbuf *jb)
{
    sort_l = l;
    size_t ndev = 0;
    struct dev_pairs *dp = calloc(l->tdev.next ? l->tdev.next : 1, sizeof(*dp));
    uint32_t *map = calloc(l->tdev.next ? l->tdev.next : 1, sizeof(uint32_t));
    if (!dp || !map) {
        free(dp);
        free(map);
        return;
    }
    for (size_t i = 0; i < l->tdev.next; i++) {
        if (!l->dev[i].used)
            continue;
        map[i] = (uint32_t)ndev + 1;
        dp[ndev++].dev = (uint32_t)i;
    }
    for (size_t i = 0; i < l->tpair.next; i++) {
        const struct l_pair *p = &l->pair[i];
        if (!p->used || life_pair_stale(l, p) || !map[p->dev])
            continue;
        struct dev_pairs *d = &dp[map[p->dev] - 1];
        if (d->n == d->cap) {
            d->cap = d->cap ? d->cap * 2 : 16;
            d->p = realloc(d->p, d->cap * sizeof(uint32_t));
            if (!d->p)
                abort();
        }
        d->p[d->n++] = (uint32_t)i;
    }
    free(map);
    if (ndev > 1)
        qsort(dp, ndev, sizeof(*dp), cmp_dev);

    int64_t now = l->last_ts;
    jb_obj_open(jb);
    jb_kts(jb, "first_event", l->first_ts);
    jb_kts(jb, "last_event", l->last_ts);
    jb_ku64(jb, "events", l->events);
    jb_ku64(jb, "device_count", ndev);
    jb_key(jb, "devices");
    jb_arr_open(jb);
    for (size_t i = 0; i < ndev; i++) {
        struct dev_pairs *d = &dp[i];
        const struct l_device *dv = &l->dev[d->dev];
        if (d->n > 1)
            qsort(d->p, d->n, sizeof(uint32_t), cmp_pair);
        char a[ADDR_STRLEN];
        addr_format(&dv->a, a);
        jb_obj_open(jb);
        jb_kstr(jb, "device", a);
        jb_kts(jb, "first_seen", dv->first_seen);
        jb_kts(jb, "last_seen", dv->last_seen);
        jb_ku64(jb, "connections", dv->conns);

        jb_key(jb, "usual");
        jb_arr_open(jb);
        size_t shown = 0;
        for (size_t k = 0; k < d->n && shown < REPORT_TOP; k++) {
            const struct l_pair *p = &l->pair[d->p[k]];
            uint8_t kind = l->ent[p->ent].kind;
            if (kind != LK_IP && kind != LK_HOST && kind != LK_PORT)
                continue;
            report_pair(l, p, jb, NULL);
            shown++;
        }
        jb_arr_close(jb);

        /* new: endpoints the organisation first met within the young window */
        jb_key(jb, "new");
        jb_arr_open(jb);
        shown = 0;
        for (size_t k = 0; k < d->n && shown < REPORT_TOP; k++) {
            const struct l_pair *p = &l->pair[d->p[k]];
            const struct l_entity *e = &l->ent[p->ent];
            if (now - e->first_seen >= l->cfg.young_us || (e->kind != LK_IP && e->kind != LK_HOST))
                continue;
            report_pair(l, p, jb, NULL);
            shown++;
        }
        jb_arr_close(jb);

        jb_key(jb, "beacons");
        jb_arr_open(jb);
        for (size_t k = 0; k < d->n; k++) {
            const struct l_pair *p = &l->pair[d->p[k]];
            if (!p->series)
                continue;
            const struct l_series *sr = &l->ser[p->series - 1];
            int64_t ts[LIFE_SERIES_LEN];
            uint32_t sz[LIFE_SERIES_LEN];
            memcpy(ts, sr->ts, sr->n * sizeof(int64_t));
            memcpy(sz, sr->size, sr->n * sizeof(uint32_t));
            struct beacon_result b;
            beacon_score(ts, sz, sr->n, &b);
            if (b.score >= REPORT_BEACON_MIN)
                report_pair(l, p, jb, &b);
        }
        jb_arr_close(jb);

        jb_key(jb, "ports_and_services");
        jb_arr_open(jb);
        for (size_t k = 0; k < d->n; k++) {
            const struct l_entity *e = &l->ent[l->pair[d->p[k]].ent];
            if (e->kind == LK_SERVICE || e->kind == LK_PORT)
                jb_strn(jb, e->val, e->len);
        }
        jb_arr_close(jb);
        jb_obj_close(jb);
        free(d->p);
    }
    jb_arr_close(jb);
    jb_obj_close(jb);
    free(dp);
}
