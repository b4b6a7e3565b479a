/*
 * summary: per-recipient topic profiles: hashed character 3-grams of the
 * decoded text, summed per internal recipient, compared by IDF-weighted
 * cosine similarity; bounded, saved beside the facts (table email_topics)
 *
 * Language-agnostic by construction: the text is read as Unicode code
 * points (UTF-8), ASCII and Latin-1 capitals folded, digits mapped to '0',
 * runs of whitespace collapsed to one space and URLs skipped; every three
 * consecutive code points hash (FNV-1a) into one of TOPIC_DIM buckets. No
 * word list or tokenizer is needed, so Japanese, which has no spaces, works
 * as English does. A message's vector is the square root of its bucket
 * counts (a long mail must not outweigh a short one by its repetitions),
 * L2-normalised; a recipient's profile is the sum of the vectors of the mail
 * they received (and, for outbound mail, wrote). The similarity weights
 * bucket i by idf_i = log((1 + docs) / (1 + df_i)) learned over all mail, so
 * the n-grams every message shares ("the", " de", "です") count for little.
 *
 * Memory bound: at most TOPIC_MAX profiles of TOPIC_DIM floats (8 KiB each,
 * about 17 MiB in all). When full, the least recently updated profile is
 * dropped for the new recipient (the people who get mail daily stay).
 * Each profile also keeps a ring of the similarities of its last TOPIC_RING
 * messages (measured before learning them) for its median.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "email/email_int.h"
#include "util/log.h"

struct topic_profile {
    char *who;              /* owned; lower-case address */
    uint32_t n;             /* messages learned */
    int64_t last;           /* last learned (message time) */
    uint32_t nring, ring_at;
    float ring[TOPIC_RING]; /* similarities of the last messages, before learning them */
    float v[TOPIC_DIM];
};

struct topics {
    struct topic_profile *p[TOPIC_MAX];
    size_t n;
    uint32_t slot[TOPIC_MAX * 2]; /* open addressing: profile index + 1, 0 empty */
    float df[TOPIC_DIM];          /* messages with a non-zero bucket i */
    uint64_t docs;
    float w2[TOPIC_DIM];          /* idf_i squared, as of w2_docs (topics_prepare) */
    uint64_t w2_docs;
    uint64_t evicted;
};

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

struct topics *topics_new(void)
{
    return xcalloc(1, sizeof(struct topics));
}

void topics_free(struct topics *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        free(t->p[i]->who);
        free(t->p[i]);
    }
    free(t);
}

static size_t slot_of(const struct topics *t, const char *who)
{
    size_t cap = sizeof(t->slot) / sizeof(t->slot[0]);
    size_t i = (size_t)fnv(who) & (cap - 1);
    while (t->slot[i] && strcmp(t->p[t->slot[i] - 1]->who, who) != 0)
        i = (i + 1) & (cap - 1);
    return i;
}

static struct topic_profile *find(const struct topics *t, const char *who)
{
    size_t i = slot_of(t, who);
    return t->slot[i] ? t->p[t->slot[i] - 1] : NULL;
}

/* Empties slot i of the index, moving later entries of its probe run back (no tombstones). */
static void unslot(struct topics *t, size_t i)
{
    size_t mask = sizeof(t->slot) / sizeof(t->slot[0]) - 1;
    t->slot[i] = 0;
    for (size_t j = (i + 1) & mask; t->slot[j]; j = (j + 1) & mask) {
        size_t home = (size_t)fnv(t->p[t->slot[j] - 1]->who) & mask;
        /* the entry at j may move to i if its home is not within (i, j] (cyclically) */
        int stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            t->slot[i] = t->slot[j];
            t->slot[j] = 0;
            i = j;
        }
    }
}

/* The profile of who, created (evicting the least recently updated one when full). */
static struct topic_profile *get(struct topics *t, const char *who)
{
    struct topic_profile *p = find(t, who);
    if (p)
        return p;
    size_t at;
    if (t->n < TOPIC_MAX) {
        p = xcalloc(1, sizeof(*p));
        at = t->n;
        t->p[t->n++] = p;
    } else {
        at = 0;
        for (size_t i = 1; i < t->n; i++)
            if (t->p[i]->last < t->p[at]->last)
                at = i;
        p = t->p[at];
        unslot(t, slot_of(t, p->who));
        free(p->who);
        memset(p, 0, sizeof(*p));
        t->evicted++;
    }
    p->who = xstrdup(who);
    t->slot[slot_of(t, who)] = (uint32_t)(at + 1);
    return p;
}

/* One UTF-8 code point at s[*i] (bounded by n); invalid bytes read as themselves. */
static uint32_t next_cp(const unsigned char *s, size_t n, size_t *i)
{
    uint32_t c = s[(*i)++];
    int more = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
    if (c >= 0x80 && c < 0xc0)
        return c;
    if (more)
        c &= 0x3fu >> more;
    for (; more && *i < n && (s[*i] & 0xc0) == 0x80; more--)
        c = (c << 6) | (s[(*i)++] & 0x3fu);
    return c;
}

static size_t add_text(const char *text, size_t n, uint32_t *win, size_t *seen, float *cnt,
                       size_t budget)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0, grams = 0;
    while (i < n && *seen < budget) {
        /* a URL says little about the topic and much noise: skip it */
        if ((win[2] == ' ' || *seen == 0) && n - i > 4 && !strncasecmp((const char *)s + i, "http", 4)) {
            while (i < n && s[i] > ' ')
                i++;
            continue;
        }
        uint32_t c = next_cp(s, n, &i);
        if (c <= ' ' || c == 0xa0 || c == 0x3000)
            c = ' ';
        else if (c >= 'A' && c <= 'Z')
            c += 32;
        else if (c >= 0xc0 && c <= 0xde && c != 0xd7)
            c += 32;
        else if (c >= '0' && c <= '9')
            c = '0';
        if (c == ' ' && win[2] == ' ')
            continue;
        win[0] = win[1];
        win[1] = win[2];
        win[2] = c;
        (*seen)++;
        if (*seen < 3)
            continue;
        uint64_t h = 1469598103934665603ull;
        for (int k = 0; k < 3; k++) {
            h ^= win[k];
            h *= 1099511628211ull;
        }
        cnt[h & (TOPIC_DIM - 1)] += 1.0f;
        grams++;
    }
    return grams;
}

size_t topics_vector(const char *subject, const char *text, size_t text_len, float *vec)
{
    memset(vec, 0, sizeof(float) * TOPIC_DIM);
    uint32_t win[3] = {' ', ' ', ' '};
    size_t seen = 0;
    size_t grams = add_text(subject, strlen(subject), win, &seen, vec, TOPIC_TEXT_MAX);
    grams += add_text(" ", 1, win, &seen, vec, TOPIC_TEXT_MAX);
    grams += add_text(text, text_len, win, &seen, vec, TOPIC_TEXT_MAX);
    double norm = 0;
    for (size_t i = 0; i < TOPIC_DIM; i++) {
        vec[i] = sqrtf(vec[i]);
        norm += (double)vec[i] * vec[i];
    }
    if (norm > 0) {
        float inv = (float)(1.0 / sqrt(norm));
        for (size_t i = 0; i < TOPIC_DIM; i++)
            vec[i] *= inv;
    }
    return grams;
}

void topics_prepare(struct topics *t)
{
    /* the weights move slowly: refresh them every 1% of new mail (and always early on) */
    if (t->w2_docs && t->docs < t->w2_docs + 1 + t->w2_docs / 100)
        return;
    double docs = (double)t->docs;
    for (size_t i = 0; i < TOPIC_DIM; i++) {
        double w = log((1.0 + docs) / (1.0 + t->df[i]));
        t->w2[i] = (float)(w * w);
    }
    t->w2_docs = t->docs ? t->docs : 1;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

int topics_judge(const struct topics *t, const char *who, const float *vec,
                 struct topic_judgement *j)
{
    memset(j, 0, sizeof(*j));
    j->sim = -1;
    const struct topic_profile *p = find(t, who);
    if (!p || p->n < TOPIC_MIN_LEARNED)
        return 0;
    double dot = 0, nm = 0, np = 0;
    for (size_t i = 0; i < TOPIC_DIM; i++) {
        double w2p = (double)t->w2[i] * p->v[i];
        dot += w2p * vec[i];
        nm += (double)t->w2[i] * vec[i] * vec[i];
        np += w2p * p->v[i];
    }
    j->sim = nm > 0 && np > 0 ? dot / sqrt(nm * np) : 0;
    j->n = p->n;
    j->nring = p->nring < TOPIC_RING ? p->nring : TOPIC_RING;
    if (j->nring) {
        float r[TOPIC_RING];
        memcpy(r, p->ring, sizeof(float) * j->nring);
        qsort(r, j->nring, sizeof(float), cmp_float);
        j->median = j->nring % 2 ? r[j->nring / 2]
                                 : (r[j->nring / 2 - 1] + r[j->nring / 2]) / 2.0;
    }
    return 1;
}

void topics_learn(struct topics *t, const char *who, const float *vec, int64_t ts, double sim)
{
    struct topic_profile *p = get(t, who);
    for (size_t i = 0; i < TOPIC_DIM; i++)
        p->v[i] += vec[i];
    p->n++;
    if (ts > p->last)
        p->last = ts;
    if (sim >= 0) {
        p->ring[p->ring_at] = (float)sim;
        p->ring_at = (p->ring_at + 1) % TOPIC_RING;
        p->nring++;
    }
}

void topics_learn_df(struct topics *t, const float *vec)
{
    for (size_t i = 0; i < TOPIC_DIM; i++)
        if (vec[i] > 0)
            t->df[i] += 1.0f;
    t->docs++;
}

size_t topics_count(const struct topics *t)
{
    return t->n;
}

/* ---- persistence: table email_topics; the row with who = '' holds df and docs ---- */

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS email_topics(who TEXT PRIMARY KEY, n INTEGER, last INTEGER,"
    " nring INTEGER, ring BLOB, vec BLOB);";

int topics_load(struct topics *t, const char *path, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = -1, s;
    if (email_db_open(&db, path, err, errlen) < 0)
        return -1;
    if (sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT who, n, last, nring, ring, vec FROM email_topics "
                               "ORDER BY last DESC", -1, &st, NULL) != SQLITE_OK)
        goto out_db;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *who = (const char *)sqlite3_column_text(st, 0);
        const void *ring = sqlite3_column_blob(st, 4);
        int rl = sqlite3_column_bytes(st, 4);
        const void *vec = sqlite3_column_blob(st, 5);
        int vl = sqlite3_column_bytes(st, 5);
        if (!who || !vec || vl != (int)(sizeof(float) * TOPIC_DIM))
            continue; /* another build's dimension: that profile is relearned */
        if (!*who) {
            memcpy(t->df, vec, sizeof(t->df));
            t->docs = (uint64_t)sqlite3_column_int64(st, 1);
            continue;
        }
        if (t->n >= TOPIC_MAX || find(t, who))
            continue;
        struct topic_profile *p = get(t, who);
        p->n = (uint32_t)sqlite3_column_int64(st, 1);
        p->last = sqlite3_column_int64(st, 2);
        p->nring = (uint32_t)sqlite3_column_int64(st, 3);
        p->ring_at = p->nring % TOPIC_RING;
        if (ring && rl == (int)sizeof(p->ring))
            memcpy(p->ring, ring, sizeof(p->ring));
        else
            p->nring = p->ring_at = 0;
        memcpy(p->v, vec, sizeof(p->v));
    }
    if (s != SQLITE_DONE)
        goto out_st;
    rc = 0;
out_st:
    sqlite3_finalize(st);
out_db:
    if (rc < 0)
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    sqlite3_close(db);
    return rc;
}

int topics_save(const struct topics *t, const char *path, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (email_db_open(&db, path, err, errlen) < 0)
        return -1;
    if (sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(db, "BEGIN IMMEDIATE; DELETE FROM email_topics;", NULL, NULL, NULL) !=
            SQLITE_OK)
        goto out_db;
    if (sqlite3_prepare_v2(db, "INSERT INTO email_topics VALUES(?,?,?,?,?,?)", -1, &st, NULL) !=
        SQLITE_OK)
        goto out_rollback;
    for (size_t i = 0; i <= t->n; i++) {
        const struct topic_profile *p = i < t->n ? t->p[i] : NULL;
        sqlite3_bind_text(st, 1, p ? p->who : "", -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, p ? (sqlite3_int64)p->n : (sqlite3_int64)t->docs);
        sqlite3_bind_int64(st, 3, p ? p->last : 0);
        sqlite3_bind_int64(st, 4, p ? (sqlite3_int64)p->nring : 0);
        if (p)
            sqlite3_bind_blob(st, 5, p->ring, (int)sizeof(p->ring), SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 5);
        sqlite3_bind_blob(st, 6, p ? p->v : t->df, (int)(sizeof(float) * TOPIC_DIM),
                          SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            goto out_rollback;
        sqlite3_reset(st);
    }
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto out_rollback;
    rc = 0;
    goto out_st;
out_rollback:
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
out_st:
    sqlite3_finalize(st);
out_db:
    if (rc < 0)
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    sqlite3_close(db);
    return rc;
}
