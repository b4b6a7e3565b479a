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

/* ---- a parsed message (parse.c); every string is owned by the message ---- */

#define MSG_MAX_RCPT 64
#define MSG_MAX_LINKS 128
#define MSG_MAX_ATT 32
#define MSG_TEXT_MAX (256u << 10) /* decoded text kept for the keyword scan */

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

/* Parses raw (borrowed) into m (zeroed by the caller). Never fails: see m->parsed. */
void msg_parse(struct msg *m, const char *raw, size_t len);
void msg_release(struct msg *m);
/* The registrable domain of host (lower-case), as a new string; "" copy if none. */
char *email_registrable(const char *host);

/* ---- attachments (attach.c) ---- */

/* Fills true_type, sha256, macro and archive fields of a from the content bytes (borrowed). */
void attach_inspect(struct msg_att *a, const unsigned char *p, size_t n);
void attach_global_init(void);

#endif
