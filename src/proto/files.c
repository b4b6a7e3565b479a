/*
 * summary: file analysis: content decoding, true-type sniffing, streaming hashes, `files` events
 *
 * References: RFC 1950 (zlib), RFC 1951 (deflate), RFC 1952 (gzip); the
 * magic numbers of the formats recognised are those of their own
 * specifications (Microsoft PE/COFF "MZ" + "PE\0\0" and IMAGE_FILE_DLL
 * 0x2000 in the COFF Characteristics; APPNOTE.TXT local header "PK\3\4";
 * [MS-CFB] D0 CF 11 E0 A1 B1 1A E1; PNG "\x89PNG\r\n\x1a\n"; ...).
 *
 * Events
 * ------
 * One `files` event per transferred body, stamped with the time of its
 * first byte. Fields (Zeek files.log names where Zeek has them):
 *   fuid            "F" + 17 base62 chars; the same string appears in the
 *                   http event's orig_fuids/resp_fuids (Zeek: fuid)
 *   source          protocol that carried it, "HTTP" (Zeek: source)
 *   depth           HTTP: the transaction's trans_depth (Zeek: depth)
 *   analyzers       ["MD5","SHA1","SHA256"] (Zeek: analyzers)
 *   mime_type       type sniffed from the decoded content's magic, not the
 *                   declared Content-Type; absent when unknown (Zeek: mime_type)
 *   filename        announced name (Content-Disposition) (Zeek: filename)
 *   duration        seconds from first to last body byte (Zeek: duration)
 *   is_orig         sent by the connection's originator (Zeek: is_orig)
 *   seen_bytes      decoded bytes analysed (Zeek: seen_bytes)
 *   total_bytes     announced size (Content-Length of an uncoded body) (Zeek: total_bytes)
 *   missing_bytes   bytes lost to capture gaps (Zeek: missing_bytes)
 *   overflow_bytes  decoded bytes beyond the 16 MiB analysis cap (Zeek: overflow_bytes)
 *   timedout        always false (Zeek: timedout)
 *   md5, sha1, sha256  lowercase hex of the decoded content; present ONLY
 *                   when the whole body was seen and decoded (Zeek: md5/sha1/sha256)
 *   extension       vigil: the real kind ("exe", "dll", "zip", "gzip", "pdf",
 *                   "doc", "png", "html", "txt", ...)
 *   content_encoding vigil: "gzip"/"deflate" when the body was content-coded
 *   decode_error    vigil: true when the content coding could not be undone
 * A body cut by a stream cap or a gap has seen_bytes < total_bytes (when
 * the size was announced) and no hashes.
 */
#include "proto/files.h"

#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "proto/proto.h"
#include "util/hash.h"
#include "util/json.h"
#include "util/log.h"
#include "util/rd.h"

enum z_state { Z_NONE, Z_RUN, Z_END, Z_FAIL };

/*
 * Held bodies and the body memo
 * -----------------------------
 * A body's wire bytes (still content-coded) are first held, not decoded or
 * hashed, while it is small (FILE_HOLD_MAX) and the thread's held bytes stay
 * under FILE_HOLD_TOTAL. When it ends whole, the memo is asked: an earlier
 * body with the same coding and the same wire bytes (compared in full, never
 * trusted to a hash) gave the same decoded result, so its outcome (type,
 * counts, decode_error, hashes) is copied and nothing is inflated or hashed
 * again; otherwise the held bytes go through the decoder and the digests in
 * the chunks they arrived in (so the result is exactly that of streaming)
 * and the outcome is memoised. A body that ends cut, or has a gap, is
 * decoded without hashing: its hashes would not be reported. A body that
 * outgrows the hold is decoded and hashed as it streams, as before.
 *
 * Only outcomes without overflow are memoised: they do not depend on how
 * the bytes were chunked (inflate's total output before its end or error
 * does not), while the overflow count of a bomb does.
 *
 * Bounds, per thread: held bytes at most FILE_HOLD_TOTAL over all open
 * files (plus a chunk-length array, 4 bytes a chunk); the memo at most
 * FILE_MEMO_ENTRIES entries and FILE_MEMO_BYTES stored body bytes, least
 * recently used evicted first.
 */
#define FILE_HOLD_MAX (1024u * 1024)
#define FILE_HOLD_TOTAL (32u * 1024 * 1024)
#define FILE_MEMO_ENTRIES 1024u
#define FILE_MEMO_BUCKETS 2048u /* a power of two */
#define FILE_MEMO_BYTES (32u * 1024 * 1024)

struct file_memo_entry {
    uint64_t key;
    enum file_enc enc;
    uint8_t *body; /* owned: the wire bytes */
    size_t len;
    uint32_t hnext;        /* index + 1 in the bucket chain, 0 at the end */
    uint32_t lprev, lnext; /* index + 1, LRU order (head: least recently used) */
    /* the outcome */
    struct file_type type;
    uint64_t seen_bytes;
    int decode_error;
    int complete;
    char md5[33], sha1[41], sha256[65];
};

struct file_memo {
    struct file_memo_entry e[FILE_MEMO_ENTRIES];
    uint32_t buckets[FILE_MEMO_BUCKETS];
    uint32_t n;           /* slots ever used (0..n-1) */
    uint32_t free_head;   /* emptied slots, chained through hnext (index + 1) */
    uint32_t head, tail;  /* LRU */
    size_t bytes;         /* stored body bytes */
    size_t held;          /* bytes held by open files of this thread */
};

static _Thread_local struct file_memo *file_memo;

struct file_tx {
    struct files_event ev;
    uint8_t *hold;       /* held wire bytes (owned), while !streaming */
    size_t hold_len, hold_cap;
    uint32_t *chunks;    /* lengths of the held chunks, as they arrived */
    size_t nchunks, chunks_cap;
    int streaming;       /* bytes are decoded and hashed as they arrive */
    int nohash;          /* the hashes cannot be reported: skip the digests */
    EVP_MD_CTX *md[3]; /* MD5, SHA-1, SHA-256 */
    z_stream *z;       /* content decoder, when ev.enc != IDENTITY */
    uint8_t *zout;     /* FILE_INFLATE_CHUNK bytes */
    enum z_state zs;
    uint8_t zhdr[2];   /* first raw bytes of a "deflate" body: zlib header or raw deflate? */
    size_t zhdr_len;
    int broken;        /* a gap or the decoded cap: no hash */
    int ended;
    size_t sniff_len;
    char name[FILE_NAME_MAX];
    uint8_t sniff[FILE_SNIFF_MAX];
};

static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static void make_fuid(char *out, const char *uid, unsigned seq, int is_orig)
{
    size_t n = strlen(uid);
    uint64_t h1 = hash_bytes(uid, n, 0x46494c45ULL ^ ((uint64_t)seq << 1) ^ (uint64_t)!!is_orig);
    uint64_t h2 = hash_mix64(h1 ^ 0x9e3779b97f4a7c15ULL ^ seq);
    out[0] = 'F';
    for (int i = 1; i <= 11; i++) {
        out[i] = b62[h1 % 62];
        h1 /= 62;
    }
    for (int i = 12; i < FILE_FUID_LEN; i++) {
        out[i] = b62[h2 % 62];
        h2 /= 62;
    }
    out[FILE_FUID_LEN] = '\0';
}

/*
 * The digests, fetched once: OpenSSL 3 looks an implicit EVP_md5() up
 * under a lock on every EVP_DigestInit_ex, which showed in profiles.
 */
static EVP_MD *file_mds[3];
static pthread_once_t file_mds_once = PTHREAD_ONCE_INIT;

static void file_mds_fetch(void)
{
    static const char *const names[3] = {"MD5", "SHA1", "SHA256"};
    for (int i = 0; i < 3; i++)
        file_mds[i] = EVP_MD_fetch(NULL, names[i], NULL); /* NULL: hashing is then skipped */
}

struct file_tx *file_tx_new(const char *source, const char *uid, unsigned seq, int is_orig,
                            unsigned depth, enum file_enc enc, int64_t ts)
{
    struct file_tx *f = xmalloc(sizeof(*f));
    memset(f, 0, offsetof(struct file_tx, sniff));
    f->ev.source = source;
    f->ev.depth = depth;
    f->ev.is_orig = is_orig;
    f->ev.enc = enc;
    f->ev.ts = f->ev.last_ts = ts;
    make_fuid(f->ev.fuid, uid ? uid : "", seq, is_orig);
    if (pthread_once(&file_mds_once, file_mds_fetch) != 0)
        BUG("pthread_once failed");
    for (int i = 0; i < 3; i++) {
        f->md[i] = EVP_MD_CTX_new();
        if (!f->md[i])
            die_oom();
        if (!file_mds[i] || EVP_DigestInit_ex2(f->md[i], file_mds[i], NULL) != 1)
            f->broken = 1; /* no hash rather than a wrong one */
    }
    f->streaming = f->broken || enc == FILE_ENC_OTHER; /* held only when the memo can apply */
    return f;
}

void file_tx_set_total(struct file_tx *f, uint64_t total)
{
    f->ev.total_bytes = total;
    f->ev.have_total = 1;
}

void file_tx_set_filename(struct file_tx *f, const uint8_t *name, size_t len)
{
    if (len > FILE_NAME_MAX)
        len = FILE_NAME_MAX;
    memcpy(f->name, name, len);
    f->ev.filename = f->name;
    f->ev.filename_len = len;
}

/* Decoded bytes: sniff buffer, hashes, counts; stops at FILE_DECODED_MAX. */
static void consume(struct file_tx *f, const uint8_t *p, size_t n)
{
    if (!n)
        return;
    uint64_t room = FILE_DECODED_MAX - f->ev.seen_bytes; /* seen_bytes never exceeds the cap */
    if (n > room) {
        f->ev.overflow_bytes += n - room;
        f->broken = 1;
        n = (size_t)room;
        if (!n)
            return;
    }
    if (f->sniff_len < FILE_SNIFF_MAX) {
        size_t k = FILE_SNIFF_MAX - f->sniff_len;
        if (k > n)
            k = n;
        memcpy(f->sniff + f->sniff_len, p, k);
        f->sniff_len += k;
    }
    if (!f->broken && !f->nohash)
        for (int i = 0; i < 3; i++)
            if (EVP_DigestUpdate(f->md[i], p, n) != 1)
                f->broken = 1;
    f->ev.seen_bytes += n;
}

static void z_fail(struct file_tx *f)
{
    f->zs = Z_FAIL;
    f->ev.decode_error = 1;
}

/* Starts the decoder; wbits per RFC 1950/1952 as zlib takes them. */
static void z_start(struct file_tx *f, int wbits)
{
    f->z = xcalloc(1, sizeof(*f->z));
    f->zout = xmalloc(FILE_INFLATE_CHUNK);
    if (inflateInit2(f->z, wbits) != Z_OK) {
        free(f->z);
        f->z = NULL;
        z_fail(f);
        return;
    }
    f->zs = Z_RUN;
}

/* Runs in (borrowed) through the decoder, consuming its output. */
static void z_feed(struct file_tx *f, const uint8_t *in, size_t len)
{
    struct rd r = rd_make(in, len);
    while (f->zs == Z_RUN && rd_left(&r)) {
        size_t take = rd_left(&r);
        if (take > (1u << 30))
            take = 1u << 30;
        const uint8_t *p = rd_bytes(&r, take);
        f->z->next_in = (Bytef *)(uintptr_t)p; /* zlib does not write through next_in */
        f->z->avail_in = (uInt)take;
        for (;;) {
            f->z->next_out = f->zout;
            f->z->avail_out = FILE_INFLATE_CHUNK;
            int rc = inflate(f->z, Z_NO_FLUSH);
            size_t got = FILE_INFLATE_CHUNK - f->z->avail_out;
            consume(f, f->zout, got);
            if (rc == Z_STREAM_END) {
                f->zs = Z_END; /* bytes after the end of the stream are ignored */
                break;
            }
            if (rc == Z_BUF_ERROR)
                break; /* no progress possible: all input taken, more is needed */
            if (rc != Z_OK) {
                z_fail(f);
                break;
            }
            if (f->ev.overflow_bytes) {
                f->zs = Z_FAIL; /* a bomb: stop inflating, already counted as overflow */
                break;
            }
            if (f->z->avail_in == 0 && f->z->avail_out != 0)
                break; /* input consumed and output drained */
        }
    }
}

/* Wire bytes (borrowed) through the decoder (if any), the sniff buffer and the digests. */
static void wire_data(struct file_tx *f, const uint8_t *data, size_t len)
{
    if (f->ev.enc == FILE_ENC_IDENTITY) {
        consume(f, data, len);
        return;
    }
    if (f->ev.enc == FILE_ENC_OTHER) {
        f->ev.seen_bytes += len; /* the coded bytes: no type, no hash */
        return;
    }
    struct rd r = rd_make(data, len);
    if (f->zs == Z_NONE && f->ev.enc == FILE_ENC_GZIP)
        z_start(f, 15 + 32); /* gzip, or zlib sent as gzip: zlib detects which */
    if (f->zs == Z_NONE) {
        /* "deflate" should be zlib (RFC 9110 section 8.4.1.2); some servers send raw deflate */
        while (f->zhdr_len < 2 && rd_left(&r))
            f->zhdr[f->zhdr_len++] = rd_u8(&r);
        if (f->zhdr_len < 2)
            return;
        unsigned h = (unsigned)f->zhdr[0] << 8 | f->zhdr[1];
        int zlib = (f->zhdr[0] & 0x0f) == 8 && h % 31 == 0;
        z_start(f, zlib ? 15 : -15);
        z_feed(f, f->zhdr, 2);
    }
    if (f->zs == Z_RUN)
        z_feed(f, r.p, rd_left(&r));
}

static void hold_release(struct file_tx *f)
{
    if (file_memo)
        file_memo->held -= f->hold_cap;
    free(f->hold);
    free(f->chunks);
    f->hold = NULL;
    f->chunks = NULL;
    f->hold_len = f->hold_cap = f->nchunks = f->chunks_cap = 0;
}

/* Runs the held bytes through wire_data in their original chunks, then streams from here on. */
static void hold_flush(struct file_tx *f)
{
    size_t off = 0;
    f->streaming = 1;
    for (size_t i = 0; i < f->nchunks; i++) {
        wire_data(f, f->hold + off, f->chunks[i]);
        off += f->chunks[i];
    }
    hold_release(f);
}

/* Keeps len wire bytes (borrowed) in the hold; 0 if they do not fit (nothing kept). */
static int hold_add(struct file_tx *f, const uint8_t *data, size_t len)
{
    if (len > FILE_HOLD_MAX - f->hold_len)
        return 0;
    if (!file_memo)
        file_memo = xcalloc(1, sizeof(*file_memo));
    struct file_memo *m = file_memo;
    if (f->hold_len + len > f->hold_cap) {
        size_t ncap = f->hold_cap ? f->hold_cap : 2048;
        while (ncap < f->hold_len + len)
            ncap *= 2;
        if (ncap > FILE_HOLD_MAX)
            ncap = FILE_HOLD_MAX;
        if (ncap - f->hold_cap > FILE_HOLD_TOTAL - m->held)
            return 0;
        uint8_t *nb = realloc(f->hold, ncap);
        if (!nb)
            die_oom();
        m->held += ncap - f->hold_cap;
        f->hold = nb;
        f->hold_cap = ncap;
    }
    if (f->nchunks == f->chunks_cap) {
        size_t ncap = f->chunks_cap ? 2 * f->chunks_cap : 16;
        uint32_t *nc = realloc(f->chunks, ncap * sizeof(*nc));
        if (!nc)
            die_oom();
        f->chunks = nc;
        f->chunks_cap = ncap;
    }
    memcpy(f->hold + f->hold_len, data, len);
    f->hold_len += len;
    f->chunks[f->nchunks++] = (uint32_t)len; /* len <= FILE_HOLD_MAX */
    return 1;
}

void file_tx_data(struct file_tx *f, const uint8_t *data, size_t len, int64_t ts)
{
    if (!len || f->ended)
        return;
    f->ev.last_ts = ts;
    if (!f->streaming) {
        if (hold_add(f, data, len))
            return;
        hold_flush(f);
    }
    wire_data(f, data, len);
}

void file_tx_gap(struct file_tx *f, uint64_t len)
{
    if (f->ended)
        return;
    if (!f->streaming) {
        f->nohash = 1; /* broken below: the hashes will not be reported */
        hold_flush(f);
    }
    f->ev.missing_bytes += len;
    f->broken = 1;
    if (f->zs == Z_RUN || f->zs == Z_NONE)
        f->zs = Z_FAIL; /* an inflate stream cannot resume after lost bytes */
}

static void hex(char *out, const uint8_t *p, unsigned n)
{
    static const char hx[] = "0123456789abcdef";
    for (unsigned i = 0; i < n; i++) {
        out[2 * i] = hx[p[i] >> 4];
        out[2 * i + 1] = hx[p[i] & 15];
    }
    out[2 * n] = '\0';
}

/* ---- the memo ---- */

/*
 * The memo's key: coding, length and the first and last bytes. Only picks
 * the bucket; a match is always confirmed by comparing the whole body.
 */
static uint64_t memo_key(enum file_enc enc, const uint8_t *p, size_t n)
{
    size_t k = n < 256 ? n : 256;
    uint64_t h = hash_bytes(p, k, (uint64_t)enc * 0x9e3779b97f4a7c15ULL ^ n);
    if (n > 256)
        h = hash_bytes(p + n - 256, 256, h);
    return h;
}

static void memo_lru_unlink(struct file_memo *m, uint32_t i)
{
    struct file_memo_entry *e = &m->e[i - 1];
    if (e->lprev)
        m->e[e->lprev - 1].lnext = e->lnext;
    else
        m->head = e->lnext;
    if (e->lnext)
        m->e[e->lnext - 1].lprev = e->lprev;
    else
        m->tail = e->lprev;
    e->lprev = e->lnext = 0;
}

static void memo_lru_append(struct file_memo *m, uint32_t i)
{
    struct file_memo_entry *e = &m->e[i - 1];
    e->lnext = 0;
    e->lprev = m->tail;
    if (m->tail)
        m->e[m->tail - 1].lnext = i;
    else
        m->head = i;
    m->tail = i;
}

static struct file_memo_entry *memo_find(struct file_memo *m, enum file_enc enc, uint64_t key,
                                         const uint8_t *p, size_t n)
{
    for (uint32_t i = m->buckets[key & (FILE_MEMO_BUCKETS - 1)]; i; i = m->e[i - 1].hnext) {
        struct file_memo_entry *e = &m->e[i - 1];
        if (e->key == key && e->enc == enc && e->len == n && memcmp(e->body, p, n) == 0) {
            memo_lru_unlink(m, i);
            memo_lru_append(m, i);
            return e;
        }
    }
    return NULL;
}

/* Drops entry i (index + 1) from its bucket, the LRU and the byte count; the slot stays. */
static void memo_drop(struct file_memo *m, uint32_t i)
{
    struct file_memo_entry *e = &m->e[i - 1];
    uint32_t *pp = &m->buckets[e->key & (FILE_MEMO_BUCKETS - 1)];
    while (*pp && *pp != i)
        pp = &m->e[*pp - 1].hnext;
    if (*pp == i)
        *pp = e->hnext;
    memo_lru_unlink(m, i);
    m->bytes -= e->len;
    free(e->body);
    e->body = NULL;
    e->len = 0;
}

/* Memoises f's outcome under its held bytes, taking them over (f's hold is emptied). */
static void memo_store(struct file_memo *m, struct file_tx *f, uint64_t key)
{
    size_t n = f->hold_len;
    /* make room: the least recently used entries go first */
    while (m->head && (m->bytes + n > FILE_MEMO_BYTES ||
                       (!m->free_head && m->n == FILE_MEMO_ENTRIES))) {
        uint32_t j = m->head;
        memo_drop(m, j);
        m->e[j - 1].hnext = m->free_head;
        m->free_head = j;
    }
    uint32_t i;
    if (m->free_head) {
        i = m->free_head;
        m->free_head = m->e[i - 1].hnext;
    } else {
        i = ++m->n;
    }
    struct file_memo_entry *e = &m->e[i - 1];
    e->key = key;
    e->enc = f->ev.enc;
    e->body = f->hold; /* taken over */
    e->len = n;
    m->held -= f->hold_cap;
    f->hold = NULL;
    f->hold_len = f->hold_cap = 0;
    e->type = f->ev.type;
    e->seen_bytes = f->ev.seen_bytes;
    e->decode_error = f->ev.decode_error;
    e->complete = f->ev.complete;
    memcpy(e->md5, f->ev.md5, sizeof(e->md5));
    memcpy(e->sha1, f->ev.sha1, sizeof(e->sha1));
    memcpy(e->sha256, f->ev.sha256, sizeof(e->sha256));
    e->hnext = m->buckets[key & (FILE_MEMO_BUCKETS - 1)];
    m->buckets[key & (FILE_MEMO_BUCKETS - 1)] = i;
    m->bytes += n;
    memo_lru_append(m, i);
}

void file_memo_clear(void)
{
    struct file_memo *m = file_memo;
    if (!m)
        return;
    for (uint32_t i = 0; i < m->n; i++)
        free(m->e[i].body);
    size_t held = m->held;
    memset(m, 0, sizeof(*m));
    m->held = held; /* still owned by open files */
    if (!held) {
        free(m);
        file_memo = NULL;
    }
}

static void file_tx_end_streamed(struct file_tx *f, int whole);

void file_tx_end(struct file_tx *f, int whole)
{
    if (f->ended)
        return;
    if (f->streaming) {
        file_tx_end_streamed(f, whole);
        return;
    }
    /* the whole body is held and nothing has been decoded or hashed yet */
    if (!whole) {
        f->nohash = 1;
        hold_flush(f);
        file_tx_end_streamed(f, whole);
        return;
    }
    struct file_memo *m = file_memo; /* set by hold_add, or no bytes were held */
    uint64_t key = 0;
    if (m && f->hold_len) {
        key = memo_key(f->ev.enc, f->hold, f->hold_len);
        const struct file_memo_entry *e = memo_find(m, f->ev.enc, key, f->hold, f->hold_len);
        if (e) {
            f->ended = 1;
            f->ev.type = e->type;
            f->ev.seen_bytes = e->seen_bytes;
            f->ev.decode_error = e->decode_error;
            f->ev.complete = e->complete;
            memcpy(f->ev.md5, e->md5, sizeof(e->md5));
            memcpy(f->ev.sha1, e->sha1, sizeof(e->sha1));
            memcpy(f->ev.sha256, e->sha256, sizeof(e->sha256));
            hold_release(f);
            return;
        }
    }
    /* decode and hash the held chunks as streaming would have, keeping the bytes */
    size_t off = 0;
    f->streaming = 1;
    for (size_t i = 0; i < f->nchunks; i++) {
        wire_data(f, f->hold + off, f->chunks[i]);
        off += f->chunks[i];
    }
    file_tx_end_streamed(f, whole);
    if (m && f->hold_len && !f->ev.overflow_bytes)
        memo_store(m, f, key);
    hold_release(f);
}

static void file_tx_end_streamed(struct file_tx *f, int whole)
{
    f->ended = 1;
    if ((f->ev.enc == FILE_ENC_GZIP || f->ev.enc == FILE_ENC_DEFLATE) && f->zs == Z_NONE &&
        f->zhdr_len)
        f->ev.decode_error = 1; /* a one-byte "deflate" body */
    if (f->ev.enc == FILE_ENC_OTHER && f->ev.seen_bytes)
        f->ev.decode_error = 1;
    f->ev.type = file_sniff(f->sniff, f->sniff_len);
    int decoded = f->ev.enc == FILE_ENC_IDENTITY || f->zs == Z_END;
    if (!whole || f->broken || !decoded || f->ev.decode_error)
        return;
    char *outs[3] = {f->ev.md5, f->ev.sha1, f->ev.sha256};
    uint8_t md[EVP_MAX_MD_SIZE];
    for (int i = 0; i < 3; i++) {
        unsigned n = 0;
        if (EVP_DigestFinal_ex(f->md[i], md, &n) != 1)
            return;
        hex(outs[i], md, n);
    }
    f->ev.complete = 1;
}

const struct files_event *file_tx_event(const struct file_tx *f)
{
    return &f->ev;
}

static void files_fields_json(const struct event *ev, struct jbuf *jb)
{
    const struct files_event *e = ev->body;
    jb_kstr(jb, "fuid", e->fuid);
    jb_kstr(jb, "source", e->source);
    jb_ku64(jb, "depth", e->depth);
    jb_key(jb, "analyzers");
    jb_arr_open(jb);
    jb_str(jb, "MD5");
    jb_str(jb, "SHA1");
    jb_str(jb, "SHA256");
    jb_arr_close(jb);
    if (e->type.mime)
        jb_kstr(jb, "mime_type", e->type.mime);
    if (e->filename)
        jb_kstrn(jb, "filename", e->filename, e->filename_len);
    jb_key(jb, "duration");
    jb_fixed(jb, (double)(e->last_ts - e->ts) / 1e6, 6);
    jb_kbool(jb, "is_orig", e->is_orig);
    jb_ku64(jb, "seen_bytes", e->seen_bytes);
    if (e->have_total)
        jb_ku64(jb, "total_bytes", e->total_bytes);
    jb_ku64(jb, "missing_bytes", e->missing_bytes);
    jb_ku64(jb, "overflow_bytes", e->overflow_bytes);
    jb_kbool(jb, "timedout", e->timedout);
    if (e->complete) {
        jb_kstr(jb, "md5", e->md5);
        jb_kstr(jb, "sha1", e->sha1);
        jb_kstr(jb, "sha256", e->sha256);
    }
    if (e->type.extension)
        jb_kstr(jb, "extension", e->type.extension);
    static const char *const enc_names[] = {"", "gzip", "deflate", "other"};
    if (e->enc != FILE_ENC_IDENTITY && (unsigned)e->enc < 4)
        jb_kstr(jb, "content_encoding", enc_names[e->enc]);
    if (e->decode_error)
        jb_kbool(jb, "decode_error", 1);
}

void file_tx_emit(struct file_tx *f, struct app_ctx *ctx)
{
    struct app_ctx c = *ctx;
    c.ts = f->ev.ts;
    app_emit(&c, EV_FILES, &f->ev, files_fields_json);
}

void file_tx_free(struct file_tx *f)
{
    if (!f)
        return;
    hold_release(f);
    for (int i = 0; i < 3; i++)
        EVP_MD_CTX_free(f->md[i]);
    if (f->z) {
        inflateEnd(f->z);
        free(f->z);
    }
    free(f->zout);
    free(f);
}

/* ---- true type from magic bytes ---- */

static int has_at(const struct rd *r, size_t off, const void *lit, size_t n)
{
    size_t left = rd_left(r);
    return off <= left && n <= left - off && memcmp(r->p + off, lit, n) == 0;
}

/* The byte at off, or -1 past the end. */
static int byte_at(const struct rd *r, size_t off)
{
    struct rd q = *r;
    uint8_t c = rd_peek(&q, off);
    return rd_ok(&q) ? c : -1;
}

#define HAS(off, lit) has_at(&r, (off), (lit), sizeof(lit) - 1)

/* The UTF-16LE form of an ASCII name occurs in the bytes (OLE2 directory entries). */
static int has_utf16(const struct rd *r, const char *name)
{
    uint8_t w[64];
    size_t n = strlen(name);
    if (2 * n > sizeof(w))
        return 0;
    for (size_t i = 0; i < n; i++) {
        w[2 * i] = (uint8_t)name[i];
        w[2 * i + 1] = 0;
    }
    return memmem(r->p, rd_left(r), w, 2 * n) != NULL;
}

static int has_bytes(const struct rd *r, const char *lit)
{
    return memmem(r->p, rd_left(r), lit, strlen(lit)) != NULL;
}

static struct file_type ft(const char *mime, const char *ext)
{
    struct file_type t = {mime, ext};
    return t;
}

static struct file_type sniff_pe(struct rd r)
{
    struct file_type exe = ft("application/x-dosexec", "exe");
    struct rd h = r;
    rd_skip(&h, 0x3c);
    uint32_t lfanew = rd_le32(&h);
    if (!rd_ok(&h))
        return exe; /* MZ, but the PE header is not among the bytes seen */
    struct rd pe = r;
    rd_skip(&pe, lfanew);
    const uint8_t *sig = rd_bytes(&pe, 4);
    rd_skip(&pe, 18); /* COFF: Machine, NumberOfSections, TimeDateStamp, ..., SizeOfOptionalHeader */
    uint16_t chars = rd_le16(&pe);
    if (!rd_ok(&pe) || memcmp(sig, "PE\0\0", 4) != 0)
        return exe;
    return (chars & 0x2000) ? ft("application/x-dosexec", "dll") : exe; /* IMAGE_FILE_DLL */
}

static struct file_type sniff_zip(struct rd r)
{
    struct rd h = r;
    rd_skip(&h, 26);
    uint16_t nlen = rd_le16(&h);
    rd_skip(&h, 2);
    const uint8_t *name = rd_bytes(&h, nlen);
    if (rd_ok(&h)) {
        if (nlen == 19 && memcmp(name, "[Content_Types].xml", 19) == 0) {
            if (has_bytes(&r, "word/"))
                return ft("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                          "docx");
            if (has_bytes(&r, "xl/"))
                return ft("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          "xlsx");
            if (has_bytes(&r, "ppt/"))
                return ft("application/vnd.openxmlformats-officedocument.presentationml.presentation",
                          "pptx");
        }
        if (nlen >= 9 && memcmp(name, "META-INF/", 9) == 0)
            return ft("application/java-archive", "jar");
        if (nlen == 19 && memcmp(name, "AndroidManifest.xml", 19) == 0)
            return ft("application/vnd.android.package-archive", "apk");
    }
    return ft("application/zip", "zip");
}

static struct file_type sniff_ole(struct rd r)
{
    if (has_utf16(&r, "WordDocument"))
        return ft("application/msword", "doc");
    if (has_utf16(&r, "Workbook") || has_utf16(&r, "Book"))
        return ft("application/vnd.ms-excel", "xls");
    if (has_utf16(&r, "PowerPoint Document"))
        return ft("application/vnd.ms-powerpoint", "ppt");
    if (has_utf16(&r, "__substg1.0_"))
        return ft("application/vnd.ms-outlook", "msg");
    return ft("application/x-ole-storage", "ole");
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Case-insensitive prefix test at the reader's position. */
static int has_ci(const struct rd *r, const char *lit)
{
    size_t n = strlen(lit);
    if (n > rd_left(r))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (lower(r->p[i]) != lit[i])
            return 0;
    return 1;
}

/* Printable ASCII, common whitespace and well-formed UTF-8 (a sequence cut at the end is fine). */
static int looks_text(struct rd r)
{
    while (rd_left(&r)) {
        uint8_t c = rd_u8(&r);
        if (c >= 0x20 && c < 0x7f)
            continue;
        if (c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x1b)
            continue;
        if (c < 0xc2 || c > 0xf4)
            return 0;
        int k = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
        for (int i = 0; i < k; i++) {
            if (!rd_left(&r))
                return 1;
            if ((rd_u8(&r) & 0xc0) != 0x80)
                return 0;
        }
    }
    return 1;
}

static void skip_ws(struct rd *r)
{
    while (rd_left(r)) {
        uint8_t c = rd_peek(r, 0);
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '\f')
            break;
        rd_skip(r, 1);
    }
}

static struct file_type sniff_text(struct rd r)
{
    if (HAS(0, "\xef\xbb\xbf"))
        rd_skip(&r, 3);
    skip_ws(&r);
    if (!rd_left(&r))
        return ft(NULL, NULL);
    static const char *const html[] = {"<!doctype html", "<html", "<head", "<body", "<script",
                                       "<iframe", "<meta", "<title", "<div", "<a ", "<p>",
                                       "<table", "<link", "<style", "<h1", "<br", "<!--"};
    for (size_t i = 0; i < sizeof(html) / sizeof(html[0]); i++)
        if (has_ci(&r, html[i]))
            return ft("text/html", "html");
    if (has_ci(&r, "<svg") || (has_ci(&r, "<?xml") && has_bytes(&r, "<svg")))
        return ft("image/svg+xml", "svg");
    if (has_ci(&r, "<?xml")) {
        if (has_bytes(&r, "<html") || has_bytes(&r, "<!DOCTYPE html"))
            return ft("text/html", "html");
        return ft("application/xml", "xml");
    }
    if (!looks_text(r))
        return ft(NULL, NULL);
    uint8_t c = rd_peek(&r, 0);
    if (c == '{' || c == '[') {
        struct rd j = r;
        rd_skip(&j, 1);
        skip_ws(&j);
        uint8_t d = rd_left(&j) ? rd_peek(&j, 0) : (uint8_t)'}';
        if ((c == '{' && (d == '"' || d == '}')) ||
            (c == '[' && (d == '{' || d == '[' || d == '"' || d == ']' || d == '-' ||
                          (d >= '0' && d <= '9') || d == 't' || d == 'f' || d == 'n')))
            return ft("application/json", "json");
    }
    static const char *const js[] = {"(function", "!function", "function", "var ", "let ",
                                      "const ", "'use strict'", "\"use strict\"", "/*!",
                                      "window.", "document.", "jquery"};
    for (size_t i = 0; i < sizeof(js) / sizeof(js[0]); i++)
        if (has_ci(&r, js[i]))
            return ft("application/javascript", "js");
    if (has_ci(&r, "#!"))
        return ft("text/x-shellscript", "sh");
    return ft("text/plain", "txt");
}

struct file_type file_sniff(const uint8_t *data, size_t len)
{
    struct rd r = rd_make(data, len);
    if (!len)
        return ft(NULL, NULL);
    if (HAS(0, "MZ"))
        return sniff_pe(r);
    if (HAS(0, "\x7f" "ELF"))
        return ft("application/x-executable", "elf");
    if (HAS(0, "PK\x03\x04"))
        return sniff_zip(r);
    if (HAS(0, "PK\x05\x06") || HAS(0, "PK\x07\x08"))
        return ft("application/zip", "zip");
    if (HAS(0, "\x1f\x8b"))
        return ft("application/x-gzip", "gzip");
    if (HAS(0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"))
        return sniff_ole(r);
    if (HAS(0, "%PDF-"))
        return ft("application/pdf", "pdf");
    if (HAS(0, "{\\rtf"))
        return ft("text/rtf", "rtf");
    if (HAS(0, "Rar!\x1a\x07"))
        return ft("application/x-rar", "rar");
    if (HAS(0, "7z\xbc\xaf\x27\x1c"))
        return ft("application/x-7z-compressed", "7z");
    if (HAS(0, "MSCF\0\0\0\0"))
        return ft("application/vnd.ms-cab-compressed", "cab");
    if (HAS(0, "BZh") && byte_at(&r, 3) >= '1' && byte_at(&r, 3) <= '9')
        return ft("application/x-bzip2", "bz2");
    if (HAS(0, "\xfd" "7zXZ\0"))
        return ft("application/x-xz", "xz");
    if (HAS(0, "\x89PNG\r\n\x1a\n"))
        return ft("image/png", "png");
    if (HAS(0, "\xff\xd8\xff"))
        return ft("image/jpeg", "jpg");
    if (HAS(0, "GIF87a") || HAS(0, "GIF89a"))
        return ft("image/gif", "gif");
    if (HAS(0, "RIFF") && HAS(8, "WEBP"))
        return ft("image/webp", "webp");
    if (HAS(0, "II*\0") || HAS(0, "MM\0*"))
        return ft("image/tiff", "tif");
    if (HAS(0, "BM") && HAS(6, "\0\0\0\0"))
        return ft("image/bmp", "bmp");
    if (HAS(0, "\0\0\1\0") && byte_at(&r, 4) > 0 && byte_at(&r, 5) == 0)
        return ft("image/x-icon", "ico");
    if (HAS(0, "FWS") || HAS(0, "CWS") || HAS(0, "ZWS"))
        return ft("application/x-shockwave-flash", "swf");
    if (HAS(0, "\xca\xfe\xba\xbe"))
        return ft("application/x-java-applet", "class");
    if (HAS(0, "\xfe\xed\xfa\xce") || HAS(0, "\xfe\xed\xfa\xcf") || HAS(0, "\xce\xfa\xed\xfe") ||
        HAS(0, "\xcf\xfa\xed\xfe"))
        return ft("application/x-mach-binary", "macho");
    if (HAS(0, "L\0\0\0\x01\x14\x02\0"))
        return ft("application/x-ms-shortcut", "lnk");
    if (HAS(0, "\0asm"))
        return ft("application/wasm", "wasm");
    if (HAS(0, "%!PS"))
        return ft("application/postscript", "ps");
    if (HAS(0, "wOFF"))
        return ft("font/woff", "woff");
    if (HAS(0, "wOF2"))
        return ft("font/woff2", "woff2");
    if (HAS(0, "OTTO"))
        return ft("font/otf", "otf");
    if (HAS(0, "\0\1\0\0\0"))
        return ft("font/ttf", "ttf");
    if (HAS(4, "ftyp"))
        return ft("video/mp4", "mp4");
    if (HAS(0, "\x1a\x45\xdf\xa3"))
        return ft("video/webm", "webm");
    if (HAS(0, "OggS"))
        return ft("audio/ogg", "ogg");
    if (HAS(0, "ID3"))
        return ft("audio/mpeg", "mp3");
    return sniff_text(r);
}

/* ---- declared versus sniffed ---- */

enum {
    TC_TEXT = 1,
    TC_IMAGE = 2,
    TC_EXEC = 4,
    TC_ARCHIVE = 8,
    TC_DOC = 16,
    TC_AUDIO = 32,
    TC_VIDEO = 64,
    TC_FONT = 128,
    TC_FLASH = 256,
    TC_GENERIC = 1 << 30, /* application/octet-stream and the like: anything goes */
};

struct type_class {
    const char *name; /* exact media type, or a "prefix/" ending in '/', or "+suffix" */
    unsigned cls;
};

/* Declared media types (lowercase, no parameters) and their class. */
static const struct type_class declared_classes[] = {
    {"application/octet-stream", TC_GENERIC},
    {"binary/octet-stream", TC_GENERIC},
    {"application/binary", TC_GENERIC},
    {"application/unknown", TC_GENERIC},
    {"application/force-download", TC_GENERIC},
    {"application/download", TC_GENERIC},
    {"application/x-download", TC_GENERIC},
    {"application/data", TC_GENERIC},
    {"text/", TC_TEXT},
    {"+xml", TC_TEXT},
    {"+json", TC_TEXT},
    {"application/json", TC_TEXT},
    {"application/javascript", TC_TEXT},
    {"application/x-javascript", TC_TEXT},
    {"application/ecmascript", TC_TEXT},
    {"application/xml", TC_TEXT},
    {"application/x-www-form-urlencoded", TC_TEXT},
    {"image/", TC_IMAGE},
    {"audio/", TC_AUDIO},
    {"video/", TC_VIDEO},
    {"font/", TC_FONT},
    {"application/font-woff", TC_FONT},
    {"application/x-font-woff", TC_FONT},
    {"application/x-font-ttf", TC_FONT},
    {"application/x-font-otf", TC_FONT},
    {"application/vnd.ms-fontobject", TC_FONT},
    {"application/x-msdownload", TC_EXEC},
    {"application/x-msdos-program", TC_EXEC},
    {"application/x-dosexec", TC_EXEC},
    {"application/x-executable", TC_EXEC},
    {"application/x-sharedlib", TC_EXEC},
    {"application/vnd.microsoft.portable-executable", TC_EXEC},
    {"application/x-ms-dos-executable", TC_EXEC},
    {"application/exe", TC_EXEC},
    {"application/x-exe", TC_EXEC},
    {"application/x-winexe", TC_EXEC},
    {"application/x-ms-shortcut", TC_EXEC},
    {"application/wasm", TC_EXEC},
    {"application/zip", TC_ARCHIVE},
    {"application/x-zip-compressed", TC_ARCHIVE},
    {"application/x-zip", TC_ARCHIVE},
    {"application/gzip", TC_ARCHIVE},
    {"application/x-gzip", TC_ARCHIVE},
    {"application/x-tar", TC_ARCHIVE},
    {"application/x-gtar", TC_ARCHIVE},
    {"application/x-compressed", TC_ARCHIVE},
    {"application/x-rar", TC_ARCHIVE},
    {"application/x-rar-compressed", TC_ARCHIVE},
    {"application/vnd.rar", TC_ARCHIVE},
    {"application/x-7z-compressed", TC_ARCHIVE},
    {"application/vnd.ms-cab-compressed", TC_ARCHIVE},
    {"application/x-bzip2", TC_ARCHIVE},
    {"application/x-xz", TC_ARCHIVE},
    {"application/java-archive", TC_ARCHIVE},
    {"application/vnd.android.package-archive", TC_ARCHIVE},
    {"application/pdf", TC_DOC},
    {"application/rtf", TC_DOC},
    {"application/postscript", TC_DOC},
    {"application/msword", TC_DOC},
    {"application/vnd.ms-excel", TC_DOC},
    {"application/vnd.ms-powerpoint", TC_DOC},
    {"application/vnd.ms-outlook", TC_DOC},
    {"application/x-msi", TC_DOC},
    {"application/x-ole-storage", TC_DOC},
    {"application/vnd.openxmlformats-", TC_DOC}, /* prefix */
    {"application/vnd.oasis.opendocument.", TC_DOC},
    {"application/x-shockwave-flash", TC_FLASH},
};

/* Sniffed media types and every class they may honestly be declared as. */
static const struct type_class sniffed_classes[] = {
    {"application/x-dosexec", TC_EXEC},
    {"application/x-executable", TC_EXEC},
    {"application/x-mach-binary", TC_EXEC},
    {"application/x-ms-shortcut", TC_EXEC},
    {"application/wasm", TC_EXEC},
    {"application/x-java-applet", TC_EXEC | TC_ARCHIVE},
    {"application/zip", TC_ARCHIVE | TC_DOC},
    {"application/java-archive", TC_ARCHIVE | TC_EXEC},
    {"application/vnd.android.package-archive", TC_ARCHIVE | TC_EXEC},
    {"application/vnd.openxmlformats-", TC_DOC | TC_ARCHIVE},
    {"application/x-gzip", TC_ARCHIVE},
    {"application/x-bzip2", TC_ARCHIVE},
    {"application/x-xz", TC_ARCHIVE},
    {"application/x-rar", TC_ARCHIVE},
    {"application/x-7z-compressed", TC_ARCHIVE},
    {"application/vnd.ms-cab-compressed", TC_ARCHIVE},
    {"application/pdf", TC_DOC},
    {"application/postscript", TC_DOC},
    {"text/rtf", TC_DOC | TC_TEXT},
    {"application/msword", TC_DOC},
    {"application/vnd.ms-excel", TC_DOC},
    {"application/vnd.ms-powerpoint", TC_DOC},
    {"application/vnd.ms-outlook", TC_DOC},
    {"application/x-ole-storage", TC_DOC},
    {"image/svg+xml", TC_IMAGE | TC_TEXT},
    {"image/", TC_IMAGE},
    {"font/", TC_FONT},
    {"video/mp4", TC_VIDEO | TC_AUDIO},
    {"video/", TC_VIDEO},
    {"audio/", TC_AUDIO | TC_VIDEO},
    {"application/x-shockwave-flash", TC_FLASH},
    {"text/", TC_TEXT},
    {"application/xml", TC_TEXT},
    {"application/json", TC_TEXT},
    {"application/javascript", TC_TEXT},
};

static unsigned class_of(const struct type_class *tab, size_t n, const char *t, size_t len)
{
    for (size_t i = 0; i < n; i++) {
        const char *name = tab[i].name;
        size_t m = strlen(name);
        if (name[0] == '+') {
            if (len > m && memcmp(t + len - m, name, m) == 0)
                return tab[i].cls;
        } else if (name[m - 1] == '/' || name[m - 1] == '-' || name[m - 1] == '.') {
            if (len > m && memcmp(t, name, m) == 0)
                return tab[i].cls;
        } else if (len == m && memcmp(t, name, m) == 0) {
            return tab[i].cls;
        }
    }
    return 0;
}

int file_type_mismatch(const uint8_t *declared, size_t len, const char *sniffed_mime)
{
    if (!sniffed_mime || !declared)
        return 0;
    /* media type = type "/" subtype, before any parameters; compared in lowercase */
    char t[96];
    size_t n = 0;
    struct rd r = rd_make(declared, len);
    skip_ws(&r);
    while (rd_left(&r) && n < sizeof(t) - 1) {
        uint8_t c = rd_u8(&r);
        if (c == ';' || c == ' ' || c == '\t' || c == ',')
            break;
        t[n++] = (char)lower(c);
    }
    t[n] = '\0';
    unsigned dc = class_of(declared_classes, sizeof(declared_classes) / sizeof(declared_classes[0]),
                           t, n);
    if (!dc || (dc & TC_GENERIC))
        return 0;
    unsigned sc = class_of(sniffed_classes, sizeof(sniffed_classes) / sizeof(sniffed_classes[0]),
                           sniffed_mime, strlen(sniffed_mime));
    if (!sc)
        return 0;
    return !(dc & sc);
}
