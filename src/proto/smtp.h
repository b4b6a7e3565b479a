/*
 * summary: SMTP session and message parser (RFC 5321, RFC 3207, RFC 4954, RFC 5322, RFC 2047)
 *
 * One EV_SMTP event per message (or one per session that carried no
 * message), with Zeek's smtp.log field names plus vigil's own; the body
 * is a struct smtp_event. See the "Events" block at the top of smtp.c.
 */
#ifndef VIGIL_PROTO_SMTP_H
#define VIGIL_PROTO_SMTP_H

#include <stddef.h>
#include <stdint.h>

#define SMTP_LINE_MAX 4096                /* command, reply or message line kept */
#define SMTP_HDR_BLOCK_MAX (64u * 1024)   /* header bytes read per message (and per MIME part) */
#define SMTP_HDR_VALUE_MAX (16u * 1024)   /* one unfolded header */
#define SMTP_LIST_MAX 100                 /* entries kept per list (rcptto, to, cc) */
#define SMTP_ATTACH_MAX 32                /* attachment names kept per message */
#define SMTP_PATH_MAX 32                  /* hops kept in path */
#define SMTP_TEXT_MAX (192u * 1024)       /* all strings of one message */

/*
 * The body of an EV_SMTP event. Every string is NUL-terminated ("" when
 * absent) and borrowed for the duration of the emit call; lists are arrays
 * of n strings. Text decoded from RFC 2047/2231 is UTF-8; other bytes are
 * passed as they came (the JSON writer escapes invalid UTF-8).
 */
struct smtp_event {
    uint32_t trans_depth;   /* 1 for the first message of the connection, ... */
    const char *helo;       /* HELO/EHLO argument */
    const char *mailfrom;   /* MAIL FROM address, without <> */
    const char *const *rcptto;
    size_t n_rcptto;        /* distinct RCPT TO addresses kept (<= SMTP_LIST_MAX) */
    uint32_t rcpt_count;    /* RCPT TO commands of the transaction (not capped) */
    uint32_t rcpt_rejected; /* of which the server refused (4xx/5xx) */
    const char *date, *from, *reply_to, *msg_id, *in_reply_to;
    const char *subject;     /* RFC 2047 decoded to UTF-8 */
    const char *subject_raw; /* as written in the header (unfolded) */
    const char *const *to;
    size_t n_to;
    uint32_t to_count; /* addresses in To (not capped) */
    const char *const *cc;
    size_t n_cc;
    uint32_t cc_count;
    const char *x_originating_ip; /* address text, "" if none */
    const char *first_received, *second_received;
    const char *last_reply; /* "250 2.0.0 Ok: queued" */
    const char *const *path; /* resp_h, orig_h, then Received hops (address text) */
    size_t n_path;
    const char *user_agent; /* X-Mailer, User-Agent or X-User-Agent */
    uint8_t tls;            /* STARTTLS was accepted */
    uint8_t is_webmail;
    uint8_t has_message;    /* DATA/BDAT content was seen */
    int8_t auth_success;    /* 1 235, 0 refused, -1 no AUTH */
    const char *auth_mech;  /* "LOGIN", "PLAIN", ... */
    const char *auth_user;  /* user name from the SASL exchange (never the password) */
    const char *const *attachment_names;
    const char *const *attachment_types; /* Content-Type of each, lowercased */
    size_t n_attach;
    uint32_t attachment_count; /* parts with a file name or disposition "attachment" */
};

#endif
