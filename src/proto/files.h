/*
 * summary: file analysis of transferred bodies: true type, streaming hashes, `files` events
 *
 * References: RFC 9110 section 8.4 (content codings), RFC 1952 (gzip),
 * RFC 1950/1951 (zlib/deflate); Zeek's files.log (base/frameworks/files).
 *
 * A protocol parser (HTTP today; SMTP, SMB later) opens a file_tx for every
 * body it sees, hands it the body bytes as they arrive on the wire (still
 * content-coded: the file_tx undoes gzip/deflate with a streaming inflate),
 * and ends it when the body ends. The file_tx never holds the body: it
 * keeps the first FILE_SNIFF_MAX decoded bytes to recognise the file's true
 * type from its magic bytes, and feeds the rest to MD5/SHA-1/SHA-256
 * (OpenSSL EVP) as it goes. Hashes are reported only when the whole body
 * was seen: no gap, not cut by a stream cap, fully decoded.
 *
 * Bounds (per open file): FILE_SNIFF_MAX bytes of sniff buffer, one
 * FILE_INFLATE_CHUNK output buffer plus zlib's state (about 44 KiB) when the
 * body is content-coded, at most FILE_DECODED_MAX decoded bytes per body
 * (a decompression bomb stops there: counted as overflow, no hash), and a
 * file name of at most FILE_NAME_MAX bytes.
 */
#ifndef VIGIL_PROTO_FILES_H
#define VIGIL_PROTO_FILES_H

#include <stddef.h>
#include <stdint.h>

#define FILE_SNIFF_MAX 4096u
#define FILE_INFLATE_CHUNK (16u * 1024)
#define FILE_DECODED_MAX (16u * 1024 * 1024)
#define FILE_NAME_MAX 255u
#define FILE_FUID_LEN 18

struct app_ctx;
struct file_tx;

enum file_enc {
    FILE_ENC_IDENTITY,
    FILE_ENC_GZIP,    /* "gzip", "x-gzip" */
    FILE_ENC_DEFLATE, /* "deflate": zlib-wrapped, or raw deflate as some servers send */
    FILE_ENC_OTHER,   /* a coding vigil does not undo (br, zstd, compress): counted only */
};

/* The true type of some bytes, from their magic (static strings; NULL when unknown). */
struct file_type {
    const char *mime;      /* "application/x-dosexec", "image/png", ... as Zeek/libmagic name it */
    const char *extension; /* the file's real kind: "exe", "dll", "zip", "gzip", "png", ... */
};

/* The body of an EV_FILES event (Zeek files.log, plus vigil's extension and decode_error). */
struct files_event {
    char fuid[FILE_FUID_LEN + 1]; /* "F" + 17 base62 characters, stable for a given flow */
    const char *source;           /* "HTTP" (static) */
    unsigned depth;               /* HTTP: the transaction's trans_depth */
    int is_orig;                  /* sent by the connection's originator */
    struct file_type type;        /* sniffed from the decoded content */
    const char *filename;         /* as announced (Content-Disposition), or NULL; owned by the file */
    size_t filename_len;
    int64_t ts;                   /* first body byte (or gap) */
    int64_t last_ts;              /* last body byte */
    uint64_t seen_bytes;          /* decoded bytes seen */
    uint64_t total_bytes;         /* expected size, when have_total */
    int have_total;
    uint64_t missing_bytes;       /* wire bytes lost to capture gaps */
    uint64_t overflow_bytes;      /* decoded bytes beyond FILE_DECODED_MAX, not analysed */
    int timedout;                 /* always 0: bodies end with their connection */
    int complete;                 /* the whole body was seen: the hashes are valid */
    int decode_error;             /* the content coding could not be undone */
    enum file_enc enc;
    char md5[33], sha1[41], sha256[65]; /* lowercase hex; "" unless complete */
};

/*
 * Opens the analysis of one body. source is static ("HTTP"); uid is the
 * connection's uid (borrowed, copied into the fuid hash); seq numbers the
 * files of the connection so that each gets its own fuid. Never NULL.
 */
struct file_tx *file_tx_new(const char *source, const char *uid, unsigned seq, int is_orig,
                            unsigned depth, enum file_enc enc, int64_t ts);

/* The size the sender announced (decoded bytes: only meaningful for FILE_ENC_IDENTITY). */
void file_tx_set_total(struct file_tx *f, uint64_t total);
/* The announced file name (borrowed bytes, copied; at most FILE_NAME_MAX kept). */
void file_tx_set_filename(struct file_tx *f, const uint8_t *name, size_t len);

/* Body bytes as sent (borrowed; still content-coded) that arrived at ts. */
void file_tx_data(struct file_tx *f, const uint8_t *data, size_t len, int64_t ts);
/* len body bytes as sent went by uncaptured: no hash; a coded body stops decoding. */
void file_tx_gap(struct file_tx *f, uint64_t len);

/*
 * The body ended. whole: the protocol saw its proper end (length reached,
 * last chunk, close after all bytes). Sniffs the type and finishes the
 * hashes if the whole body was seen and decoded. Call once.
 */
void file_tx_end(struct file_tx *f, int whole);

/* The event body (valid until file_tx_free; final after file_tx_end). */
const struct files_event *file_tx_event(const struct file_tx *f);

/* Emits the EV_FILES event for an ended file, stamped with the file's first-byte time. */
void file_tx_emit(struct file_tx *f, struct app_ctx *ctx);

void file_tx_free(struct file_tx *f);

/*
 * Empties the calling thread's body memo (see files.c) and frees its memory
 * (tests, fuzzers: each input from the same state). Files still open keep
 * their held bytes.
 */
void file_memo_clear(void);

/*
 * The true type of a file from its first len bytes (borrowed), as far as
 * they tell: PE (exe vs dll from IMAGE_FILE_DLL when the PE header is among
 * them), ELF, ZIP (and OOXML, JAR), gzip, bzip2, xz, 7z, RAR, CAB, OLE2
 * (Word, Excel, PowerPoint, Outlook when the directory is within reach),
 * PDF, RTF, images, fonts, media, Flash, HTML, XML/SVG, JSON, JavaScript,
 * plain text. Unknown binary gives {NULL, NULL}.
 */
struct file_type file_sniff(const uint8_t *data, size_t len);

/*
 * 1 if a declared media type (e.g. a Content-Type value, parameters
 * allowed; borrowed) clearly disagrees with a sniffed one: an executable
 * sent as image/png, a ZIP sent as text/html. Generic declarations
 * (application/octet-stream), unknown ones and unknown sniffed types never
 * disagree.
 */
int file_type_mismatch(const uint8_t *declared, size_t len, const char *sniffed_mime);

#endif
