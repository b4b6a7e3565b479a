/*
 * summary: internals of the email side shared by its files (not an API)
 */
#ifndef VIGIL_EMAIL_EMAIL_INT_H
#define VIGIL_EMAIL_EMAIL_INT_H

#include <stddef.h>
#include <stdint.h>

#include "email/email.h"

/* ---- learned facts: string key → first/last seen, count, optional value (facts.c) ---- */

#define FACTS_MAX (4u << 20) /* most facts kept; later new facts are not learned */

struct fact {
    char *key;   /* owned */
    char *val;   /* owned, may be NULL */
    int64_t first, last;
    uint64_t n;
};

struct facts {
    struct fact *v;
    size_t cap, used;
};

void facts_init(struct facts *f);
void facts_release(struct facts *f);
/* The fact named key, or NULL. The pointer is valid until the next facts_touch. */
const struct fact *facts_get(const struct facts *f, const char *key);
/* Counts key at ts (creating it); val, if not NULL, replaces the stored value (copied). */
struct fact *facts_touch(struct facts *f, const char *key, int64_t ts, const char *val);
int facts_load(struct facts *f, const char *path, char *err, size_t errlen) WARN_UNUSED;
int facts_save(const struct facts *f, const char *path, char *err, size_t errlen) WARN_UNUSED;

/* The state file, opened (WAL, busy timeout) and with email_facts created. 0, or -1 with err. */
struct sqlite3;
int email_db_open(struct sqlite3 **db, const char *path, char *err, size_t errlen) WARN_UNUSED;

/* ---- per-recipient topic profiles (topic.c) ---- */

#define TOPIC_DIM 2048          /* hashed 3-gram buckets (a power of two) */
#define TOPIC_MAX 2048          /* profiles kept; the least recently updated is evicted */
#define TOPIC_MIN_LEARNED 20    /* messages learned before a profile judges */
#define TOPIC_RING 64           /* similarities kept per profile for the median */
#define TOPIC_TEXT_MAX 8192     /* code points of subject + text read per message */

struct topics;
struct topic_judgement {
    double sim;      /* cosine similarity of the message to the profile, -1 if none */
    double median;   /* median similarity of the profile's last messages */
    uint32_t n;      /* messages the profile learned */
    uint32_t nring;  /* similarities behind the median */
};
struct topics *topics_new(void);
void topics_free(struct topics *t);
/* The message's unit vector (TOPIC_DIM floats) into vec; returns the number of 3-grams. */
size_t topics_vector(const char *subject, const char *text, size_t text_len, float *vec);
/* Refreshes the cached IDF weights if enough mail was learned since; before topics_judge. */
void topics_prepare(struct topics *t);
/* Compares vec with who's profile (borrowed strings); 1 with j filled if it has learned enough. */
int topics_judge(const struct topics *t, const char *who, const float *vec,
                 struct topic_judgement *j);
/* Adds vec to who's profile (created if new); sim >= 0 goes into its ring. */
void topics_learn(struct topics *t, const char *who, const float *vec, int64_t ts, double sim);
/* Counts vec's buckets in the document frequencies (once per message). */
void topics_learn_df(struct topics *t, const float *vec);
size_t topics_count(const struct topics *t);
int topics_load(struct topics *t, const char *path, char *err, size_t errlen) WARN_UNUSED;
int topics_save(const struct topics *t, const char *path, char *err, size_t errlen) WARN_UNUSED;

/* ---- a parsed message (parse.c); every string is owned by the message ---- */

#define MSG_MAX_RCPT 64
#define MSG_MAX_LINKS 128
#define MSG_MAX_ATT 32
#define MSG_TEXT_MAX (256u << 10) /* decoded text kept for the keyword scan */
#define MSG_MAX_RECEIVED 16       /* Received headers kept, top (newest) first */
#define RCV_MAX 2048              /* bytes kept of each */

struct msg_link {
    char *text;    /* visible text (UTF-8, whitespace collapsed), may be "" */
    char *href;
    char *host;    /* lower-case host of href, "" if none */
    char *domain;  /* registrable domain of host (or the IP literal), "" if none */
    int ip_literal;
};

struct msg_att {
    char *name;          /* file name (decoded), "" if none */
    char *declared;      /* declared MIME type */
    char *true_type;     /* libmagic MIME type of the content */
    char sha256[65];
    size_t size;
    int macro;           /* Office document with VBA macros */
    int archive_exec;    /* archive holding an executable or script */
    int archive_encrypted;
    char *archive_member; /* the executable member's name, if any */
};

struct msg {
    int parsed;          /* GMime built a message */
    char *message_id;
    int64_t date;        /* epoch seconds, 0 if none */
    char *from_addr;     /* lower-case, "" if none */
    char *from_name;     /* display name (decoded), "" if none */
    char *from_domain;   /* registrable domain of from_addr */
    char *reply_to;      /* lower-case address or "" */
    char *return_path;
    char *subject;       /* decoded UTF-8 */
    char *auth_results;  /* Authentication-Results headers joined, "" if none */
    char *mailer;        /* X-Mailer or User-Agent */
    char *first_hop;     /* the "from" host of the earliest Received header */
    char *received[MSG_MAX_RECEIVED]; /* Received values, top (newest) first, bounded */
    size_t n_received;
    char *rcpt[MSG_MAX_RCPT]; /* To and Cc, lower-case */
    size_t n_rcpt;
    char *text;          /* text/plain and the text of text/html, UTF-8, bounded */
    size_t text_len;
    struct msg_link links[MSG_MAX_LINKS];
    size_t n_links;
    struct msg_att att[MSG_MAX_ATT];
    size_t n_att;
    int html_only;
    int list;            /* mailing-list mail (List-Id, List-Unsubscribe, Precedence: list/bulk) */
};

/*
 * Empties m: every field zero except the entries of links[] and att[], which
 * count only up to n_links and n_att (msg_parse fills each entry it counts).
 * Cheaper than zeroing the whole struct (about 10 KB) per message.
 */
void msg_init(struct msg *m);
/* Parses raw (borrowed) into m (emptied by msg_init). Never fails: see m->parsed. */
void msg_parse(struct msg *m, const char *raw, size_t len);
/* Frees m's strings and empties it (msg_init). */
void msg_release(struct msg *m);
/* The registrable domain of host (lower-case), as a new string; "" copy if none. */
char *email_registrable(const char *host);

/* ---- origin: Received chain and libloc (origin.c) ---- */

struct msg_origin {
    char ip[48];        /* the originating IP, "" if none was found */
    char country[3];    /* ISO 3166 code, "" if unknown (or no database) */
    uint32_t asn;       /* 0 if unknown */
    char as_name[128];
};

struct geo;
/* Opens a libloc database (the file is mmapped by libloc). NULL with err on failure. */
struct geo *geo_open(const char *path, char *err, size_t errlen);
void geo_close(struct geo *g);
/* Country and AS of ip into o (ip is not touched). 0, or -1 if g is NULL or ip is unknown. */
int geo_lookup(struct geo *g, const char *ip, struct msg_origin *o);
/* 1 public, 0 special-purpose (private, loopback, link-local, documentation...), -1 no IP. */
int email_ip_public(const char *text);
/*
 * The originating IP of m's Received chain into ip (see origin.c for which
 * headers are trusted); internal: the --internal-domains (borrowed).
 * Returns 1 if one was found, else 0 and ip is "".
 */
int email_origin_ip(const struct msg *m, const char *const *internal, size_t n_internal,
                    char *ip, size_t iplen);

/* ---- attachments (attach.c) ---- */

/* Fills true_type, sha256, macro and archive fields of a from the content bytes (borrowed). */
void attach_inspect(struct msg_att *a, const unsigned char *p, size_t n);
void attach_global_init(void);

#endif
