/*
 * summary: jbuf — a growable buffer that writes one JSON object at a time
 *
 * Reference: RFC 8259. Strings are escaped for any input bytes: valid UTF-8
 * passes through, control characters become \u00XX, and a byte that is not
 * part of valid UTF-8 is written as the four characters \\xNN (a literal
 * backslash, as Zeek's JSON logs do), so every line is valid JSON and no
 * packet- or mail-derived byte reaches a terminal or a parser unescaped.
 * Commas are managed by the buffer: callers only open, add and close.
 */
#ifndef VIGIL_UTIL_JSON_H
#define VIGIL_UTIL_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define JB_MAX_DEPTH 16

struct jfields;

struct jbuf {
    char *buf;
    size_t len;
    size_t cap;
    int depth;
    unsigned char need_comma[JB_MAX_DEPTH];
    struct jfields *rec; /* capture mode: values are recorded, not written */
};

/*
 * Capture mode. The same fields_json() code that writes an event as JSON
 * can instead record its fields, so that the models read every event's
 * fields by the names users see in `vigil events`, with no second list of
 * accessors to keep in step. Keys are borrowed (string literals); string
 * values are copied into the capture's own arena. A key given values
 * inside an array is recorded once per value (multi-valued).
 */
#define JF_MAX_FIELDS 256
#define JF_HASH 512 /* key index slots: a power of two, twice JF_MAX_FIELDS */
#define JF_ARENA (64 * 1024)

enum jf_type { JF_STR, JF_NUM, JF_BOOL, JF_NULL };

struct jfield {
    const char *key;
    enum jf_type type;
    const char *s; /* JF_STR: NUL-terminated copy in the arena */
    size_t n;
    double num;    /* JF_NUM, and JF_BOOL as 0/1 */
    uint16_t klen; /* strlen(key) */
    uint16_t next; /* index + 1 of the key's next value (multi-valued), 0 if none */
    uint16_t tail; /* on a key's first value: index of its last value */
    uint16_t nvals; /* on a key's first value: how many values the key has */
};

struct jfields {
    struct jfield v[JF_MAX_FIELDS];
    size_t n;
    const char *pending_key;
    size_t pending_len;
    int in_array;
    size_t arena_used;
    /*
     * By hash of the key: (generation << 16) | (index + 1) of its first value.
     * An entry of another generation is empty, so a new capture clears
     * nothing (the index is wiped only when the 16-bit generation wraps).
     */
    uint32_t gen;
    uint32_t index[JF_HASH];
    char arena[JF_ARENA];
};

/* Starts recording into rec (emptied first). */
void jb_init_capture(struct jbuf *jb, struct jfields *rec);
/* The first field named key, or NULL; its nvals and next give the key's other values. */
const struct jfield *jf_get(const struct jfields *f, const char *key);
/* The same with key's hash (jf_hash) computed once by the caller, for names asked often. */
uint32_t jf_hash(const char *key);
const struct jfield *jf_get_hashed(const struct jfields *f, const char *key, uint32_t hash);

void jb_init(struct jbuf *jb);
void jb_release(struct jbuf *jb);
/* Empties the buffer, keeping its memory. */
void jb_reset(struct jbuf *jb);

void jb_obj_open(struct jbuf *jb);
void jb_obj_close(struct jbuf *jb);
void jb_arr_open(struct jbuf *jb);
void jb_arr_close(struct jbuf *jb);
/*
 * Writes "key": (with a comma first when needed); the value follows. key
 * (borrowed; kept as is in capture mode) must need no JSON escaping. The
 * jb_k*() helpers below are inline so that the length of a literal key is
 * known when compiling (no strlen per key written).
 */
void jb_keyn_slow(struct jbuf *jb, const char *key, size_t n);
static inline void jb_keyn(struct jbuf *jb, const char *key, size_t n)
{
    /* fast path inline: with a literal key the copy is a few fixed-size moves */
    if (jb->rec || n + 4 > jb->cap - jb->len) {
        jb_keyn_slow(jb, key, n);
        return;
    }
    char *o = jb->buf + jb->len;
    if (jb->need_comma[jb->depth])
        *o++ = ',';
    *o++ = '"';
    memcpy(o, key, n);
    o += n;
    *o++ = '"';
    *o++ = ':';
    jb->len = (size_t)(o - jb->buf);
    jb->need_comma[jb->depth] = 0; /* the value that follows must not write a comma */
}
static inline void jb_key(struct jbuf *jb, const char *key)
{
    jb_keyn(jb, key, strlen(key));
}

/* Values: as an array element, or after jb_key. */
void jb_str(struct jbuf *jb, const char *s);
void jb_strn(struct jbuf *jb, const void *s, size_t n);
/*
 * A string the caller knows needs no escaping (printable ASCII without '"'
 * or '\\': uids, addresses, hex digests, the program's own names), written
 * with one copy. Anything else must go through jb_str/jb_strn.
 */
void jb_strn_plain(struct jbuf *jb, const char *s, size_t n);
void jb_u64(struct jbuf *jb, uint64_t v);
void jb_i64(struct jbuf *jb, int64_t v);
/* Fixed-point with the given number of decimals (0..9). */
void jb_fixed(struct jbuf *jb, double v, int decimals);
void jb_bool(struct jbuf *jb, int v);
void jb_null(struct jbuf *jb);
/* Epoch microseconds as seconds with 6 decimals, as Zeek's "ts". */
void jb_ts(struct jbuf *jb, int64_t us);

/* key + value in one call. */
static inline void jb_kstr(struct jbuf *jb, const char *key, const char *s)
{
    jb_key(jb, key);
    jb_str(jb, s);
}
static inline void jb_kstrn(struct jbuf *jb, const char *key, const void *s, size_t n)
{
    jb_key(jb, key);
    jb_strn(jb, s, n);
}
/* key + a string that needs no escaping (see jb_strn_plain). */
static inline void jb_kstr_plain(struct jbuf *jb, const char *key, const char *s, size_t n)
{
    jb_key(jb, key);
    jb_strn_plain(jb, s, n);
}
static inline void jb_ku64(struct jbuf *jb, const char *key, uint64_t v)
{
    jb_key(jb, key);
    jb_u64(jb, v);
}
static inline void jb_ki64(struct jbuf *jb, const char *key, int64_t v)
{
    jb_key(jb, key);
    jb_i64(jb, v);
}
static inline void jb_kbool(struct jbuf *jb, const char *key, int v)
{
    jb_key(jb, key);
    jb_bool(jb, v);
}
static inline void jb_kts(struct jbuf *jb, const char *key, int64_t us)
{
    jb_key(jb, key);
    jb_ts(jb, us);
}

/* Appends raw text (must already be valid JSON in context). */
void jb_raw(struct jbuf *jb, const char *s, size_t n);

/* Writes the buffer and a newline to f and resets it; returns 0 or -1. */
int jb_flush_line(struct jbuf *jb, FILE *f);

#endif
