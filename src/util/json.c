/*
 * summary: JSON writer with escaping for arbitrary bytes (RFC 8259 section 7)
 */
#include "util/json.h"

#include <stdlib.h>
#include <string.h>

#include "util/log.h"

/* Out of line: the buffer reaches its working size after the first few events. */
static __attribute__((noinline)) void jb_grow_slow(struct jbuf *jb, size_t extra)
{
    size_t ncap = jb->cap ? jb->cap : 1024;
    while (ncap < jb->len + extra)
        ncap *= 2;
    char *nb = realloc(jb->buf, ncap);
    if (!nb)
        die_oom();
    jb->buf = nb;
    jb->cap = ncap;
}

static inline void jb_grow(struct jbuf *jb, size_t extra)
{
    if (__builtin_expect(extra > jb->cap - jb->len, 0)) /* len <= cap always */
        jb_grow_slow(jb, extra);
}

static inline void put(struct jbuf *jb, const char *s, size_t n)
{
    jb_grow(jb, n);
    memcpy(jb->buf + jb->len, s, n);
    jb->len += n;
}

static inline void putc1(struct jbuf *jb, char c)
{
    jb_grow(jb, 1);
    jb->buf[jb->len++] = c;
}

void jb_init(struct jbuf *jb)
{
    memset(jb, 0, sizeof(*jb));
}

/* ---- capture mode ---- */

void jb_init_capture(struct jbuf *jb, struct jfields *rec)
{
    memset(jb, 0, sizeof(*jb));
    jb->rec = rec;
    rec->n = 0;
    rec->pending_key = NULL;
    rec->in_array = 0;
    rec->arena_used = 0;
    rec->gen = (rec->gen + 1) & 0xffff;
    if (rec->gen == 0) { /* wrapped: entries of an old capture could look current */
        memset(rec->index, 0, sizeof(rec->index));
        rec->gen = 1;
    }
}

/* A hash of the n bytes of key, read eight at a time (keys are short). */
static uint32_t key_hash(const char *key, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n, w;
    for (; n >= 8; key += 8, n -= 8) {
        memcpy(&w, key, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    w = 0;
    memcpy(&w, key, n);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
    return (uint32_t)(h ^ (h >> 29));
}

uint32_t jf_hash(const char *key)
{
    return key_hash(key, strlen(key));
}

/* The field index + 1 an index entry holds, 0 when the entry is empty (or stale). */
static inline unsigned entry_of(const struct jfields *f, size_t i)
{
    uint32_t x = f->index[i];
    return x >> 16 == f->gen ? x & 0xffff : 0;
}

/*
 * The index slot of key: the one holding its first value, or the empty slot
 * where it would go. Open addressing with linear probing; the table never
 * fills (JF_HASH > JF_MAX_FIELDS).
 */
static size_t key_slot(const struct jfields *f, const char *key, size_t n, uint32_t hash)
{
    size_t i = hash & (JF_HASH - 1);
    for (unsigned x; (x = entry_of(f, i)) != 0; i = (i + 1) & (JF_HASH - 1)) {
        const struct jfield *e = &f->v[x - 1];
        if (e->klen == n && memcmp(e->key, key, n) == 0)
            break;
    }
    return i;
}

const struct jfield *jf_get_hashed(const struct jfields *f, const char *key, uint32_t hash)
{
    size_t i = key_slot(f, key, strlen(key), hash);
    unsigned x = entry_of(f, i);
    return x ? &f->v[x - 1] : NULL;
}

const struct jfield *jf_get(const struct jfields *f, const char *key)
{
    size_t n = strlen(key);
    size_t i = key_slot(f, key, n, key_hash(key, n));
    unsigned x = entry_of(f, i);
    return x ? &f->v[x - 1] : NULL;
}

static struct jfield *rec_add(struct jbuf *jb, enum jf_type t)
{
    struct jfields *r = jb->rec;
    if (!r->pending_key || r->n >= JF_MAX_FIELDS)
        return NULL;
    uint16_t at = (uint16_t)r->n++;
    struct jfield *f = &r->v[at];
    f->key = r->pending_key;
    f->type = t;
    f->s = NULL;
    f->n = 0;
    f->num = 0;
    f->klen = (uint16_t)(r->pending_len < 0xffff ? r->pending_len : 0xffff);
    f->next = 0;
    f->tail = at;
    f->nvals = 1;
    size_t slot = key_slot(r, f->key, f->klen, key_hash(f->key, f->klen));
    unsigned x = entry_of(r, slot);
    if (!x) {
        r->index[slot] = r->gen << 16 | (uint32_t)(at + 1);
    } else {
        struct jfield *first = &r->v[x - 1];
        r->v[first->tail].next = (uint16_t)(at + 1);
        first->tail = at;
        first->nvals++;
    }
    if (!r->in_array)
        r->pending_key = NULL;
    return f;
}

static void rec_str(struct jbuf *jb, const char *s, size_t n)
{
    struct jfields *r = jb->rec;
    if (n + 1 > JF_ARENA - r->arena_used)
        n = JF_ARENA - r->arena_used > 0 ? JF_ARENA - r->arena_used - 1 : 0;
    if (r->arena_used >= JF_ARENA)
        return;
    struct jfield *f = rec_add(jb, JF_STR);
    if (!f)
        return;
    char *dst = r->arena + r->arena_used;
    memcpy(dst, s, n);
    dst[n] = '\0';
    r->arena_used += n + 1;
    f->s = dst;
    f->n = n;
}

static void rec_num(struct jbuf *jb, enum jf_type t, double v)
{
    struct jfield *f = rec_add(jb, t);
    if (f)
        f->num = v;
}

void jb_release(struct jbuf *jb)
{
    free(jb->buf);
    memset(jb, 0, sizeof(*jb));
}

void jb_reset(struct jbuf *jb)
{
    jb->len = 0;
    jb->depth = 0;
    jb->need_comma[0] = 0;
}

/* Called before every value and key: writes the separating comma. */
static void sep(struct jbuf *jb)
{
    if (jb->need_comma[jb->depth])
        putc1(jb, ',');
    jb->need_comma[jb->depth] = 1;
}

static void nest_open(struct jbuf *jb, char c)
{
    putc1(jb, c);
    if (jb->depth + 1 >= JB_MAX_DEPTH)
        BUG("json nesting deeper than %d", JB_MAX_DEPTH);
    jb->depth++;
    jb->need_comma[jb->depth] = 0;
}

static void nest_close(struct jbuf *jb, char c)
{
    if (jb->depth <= 0)
        BUG("json close without open");
    jb->depth--;
    putc1(jb, c);
}

void jb_obj_open(struct jbuf *jb)
{
    if (jb->rec) {
        jb->rec->pending_key = NULL;
        return;
    }
    sep(jb);
    nest_open(jb, '{');
}

void jb_obj_close(struct jbuf *jb)
{
    if (jb->rec)
        return;
    nest_close(jb, '}');
}

void jb_arr_open(struct jbuf *jb)
{
    if (jb->rec) {
        jb->rec->in_array = 1;
        return;
    }
    sep(jb);
    nest_open(jb, '[');
}

void jb_arr_close(struct jbuf *jb)
{
    if (jb->rec) {
        jb->rec->in_array = 0;
        jb->rec->pending_key = NULL;
        return;
    }
    nest_close(jb, ']');
}

/* jb_keyn (json.h) when recording, or when the buffer must grow first. */
void jb_keyn_slow(struct jbuf *jb, const char *key, size_t n)
{
    if (jb->rec) {
        jb->rec->pending_key = key;
        jb->rec->pending_len = n;
        jb->rec->in_array = 0;
        return;
    }
    /* one reservation: comma, quotes, colon */
    jb_grow(jb, n + 4);
    char *o = jb->buf + jb->len;
    if (jb->need_comma[jb->depth])
        *o++ = ',';
    *o++ = '"';
    memcpy(o, key, n);
    o += n;
    *o++ = '"';
    *o++ = ':';
    jb->len = (size_t)(o - jb->buf);
    /* the value that follows must not write a comma */
    jb->need_comma[jb->depth] = 0;
}

/* Length of the valid UTF-8 sequence at s (RFC 3629), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    unsigned cp = c & (0x7fu >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

static const char hexd[] = "0123456789abcdef";

static void put_escaped(struct jbuf *jb, const unsigned char *s, size_t n)
{
    /* worst case 6 output bytes per input byte, plus quotes */
    jb_grow(jb, n * 6 + 2);
    char *o = jb->buf + jb->len;
    *o++ = '"';
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            /* a run of bytes written as they are: one copy */
            size_t j = i + 1;
            while (j < n && s[j] >= 0x20 && s[j] < 0x7f && s[j] != '"' && s[j] != '\\')
                j++;
            memcpy(o, s + i, j - i);
            o += j - i;
            i = j;
            continue;
        }
        if (c < 0x80) {
            *o++ = '\\';
            switch (c) {
            case '"': *o++ = '"'; break;
            case '\\': *o++ = '\\'; break;
            case '\n': *o++ = 'n'; break;
            case '\r': *o++ = 'r'; break;
            case '\t': *o++ = 't'; break;
            case '\b': *o++ = 'b'; break;
            case '\f': *o++ = 'f'; break;
            default:
                *o++ = 'u';
                *o++ = '0';
                *o++ = '0';
                *o++ = hexd[c >> 4];
                *o++ = hexd[c & 15];
            }
            i++;
            continue;
        }
        size_t l = utf8_len(s + i, n - i);
        if (l) {
            memcpy(o, s + i, l);
            o += l;
            i += l;
        } else {
            /* \\xNN: an escaped backslash then x and two hex digits */
            *o++ = '\\';
            *o++ = '\\';
            *o++ = 'x';
            *o++ = hexd[c >> 4];
            *o++ = hexd[c & 15];
            i++;
        }
    }
    *o++ = '"';
    jb->len = (size_t)(o - jb->buf);
}

void jb_strn(struct jbuf *jb, const void *s, size_t n)
{
    if (jb->rec) {
        rec_str(jb, s, n);
        return;
    }
    sep(jb);
    put_escaped(jb, s, n);
}

void jb_strn_plain(struct jbuf *jb, const char *s, size_t n)
{
    if (jb->rec) {
        rec_str(jb, s, n);
        return;
    }
    jb_grow(jb, n + 3);
    char *o = jb->buf + jb->len;
    if (jb->need_comma[jb->depth])
        *o++ = ',';
    jb->need_comma[jb->depth] = 1;
    *o++ = '"';
    memcpy(o, s, n);
    o += n;
    *o++ = '"';
    jb->len = (size_t)(o - jb->buf);
}

void jb_str(struct jbuf *jb, const char *s)
{
    jb_strn(jb, s, strlen(s));
}

void jb_u64(struct jbuf *jb, uint64_t v)
{
    if (jb->rec) {
        rec_num(jb, JF_NUM, (double)v);
        return;
    }
    char tmp[24];
    size_t i = sizeof(tmp);
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    sep(jb);
    put(jb, tmp + i, sizeof(tmp) - i);
}

void jb_i64(struct jbuf *jb, int64_t v)
{
    if (jb->rec) {
        rec_num(jb, JF_NUM, (double)v);
        return;
    }
    if (v < 0) {
        sep(jb);
        putc1(jb, '-');
        jb->need_comma[jb->depth] = 0;
        jb_u64(jb, (uint64_t)0 - (uint64_t)v);
        return;
    }
    jb_u64(jb, (uint64_t)v);
}

void jb_fixed(struct jbuf *jb, double v, int decimals)
{
    if (jb->rec) {
        rec_num(jb, JF_NUM, v);
        return;
    }
    char tmp[64];
    if (decimals < 0)
        decimals = 0;
    if (decimals > 9)
        decimals = 9;
    if (!(v == v) || v > 1e18 || v < -1e18) { /* NaN or absurd: not JSON numbers */
        jb_null(jb);
        return;
    }
    int n = snprintf(tmp, sizeof(tmp), "%.*f", decimals, v);
    sep(jb);
    put(jb, tmp, (size_t)n);
}

void jb_ts(struct jbuf *jb, int64_t us)
{
    if (jb->rec) {
        rec_num(jb, JF_NUM, (double)us / 1e6);
        return;
    }
    /* seconds "." six digits, written by hand (it is in every event) */
    char tmp[40];
    size_t i = sizeof(tmp);
    uint64_t a = us < 0 ? (uint64_t)0 - (uint64_t)us : (uint64_t)us;
    uint64_t frac = a % 1000000, sec = a / 1000000;
    for (int d = 0; d < 6; d++) {
        tmp[--i] = (char)('0' + frac % 10);
        frac /= 10;
    }
    tmp[--i] = '.';
    do {
        tmp[--i] = (char)('0' + sec % 10);
        sec /= 10;
    } while (sec);
    if (us < 0)
        tmp[--i] = '-';
    sep(jb);
    put(jb, tmp + i, sizeof(tmp) - i);
}

void jb_bool(struct jbuf *jb, int v)
{
    if (jb->rec) {
        rec_num(jb, JF_BOOL, v ? 1 : 0);
        return;
    }
    sep(jb);
    if (v)
        put(jb, "true", 4);
    else
        put(jb, "false", 5);
}

void jb_null(struct jbuf *jb)
{
    if (jb->rec) {
        rec_num(jb, JF_NULL, 0);
        return;
    }
    sep(jb);
    put(jb, "null", 4);
}

void jb_raw(struct jbuf *jb, const char *s, size_t n)
{
    if (jb->rec) {
        rec_str(jb, s, n);
        return;
    }
    sep(jb);
    put(jb, s, n);
}

int jb_flush_line(struct jbuf *jb, FILE *f)
{
    putc1(jb, '\n');
    size_t n = fwrite(jb->buf, 1, jb->len, f);
    int rc = n == jb->len ? 0 : -1;
    jb_reset(jb);
    return rc;
}
