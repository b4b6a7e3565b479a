/*
 * summary: the email side: parse a message (GMime 3), judge it against the
 * organisation's learned correspondence, then learn it (one pass)
 *
 * References: RFC 5322 (messages), RFC 2045-2049 (MIME), RFC 2047/2231
 * (encoded words and parameters), RFC 8601 (Authentication-Results).
 *
 * Judge, then learn: email_judge() scores a message against what came
 * before it and only then adds it to the learned state, as life_observe()
 * does for network events. The learned state lives in email_* tables of the
 * same SQLite file as the pattern of life, and the registrable domains met
 * in mail are noted in the shared life store (life_note_mail_domain), whose
 * network facts (life_domain_facts) weigh the link domains.
 */
#ifndef VIGIL_EMAIL_EMAIL_H
#define VIGIL_EMAIL_EMAIL_H

#include <stddef.h>
#include <stdint.h>

#include "util/log.h"

struct life;
struct jbuf;

#define EMAIL_MAX_LIST 32      /* --internal-domains / --brands entries kept */
#define EMAIL_MAX_BYTES (64u << 20) /* a bigger message is judged on its first 64 MiB */

/* ---- the action policy (policy.c; format in docs/email.md, default models/email-policy.txt) ---- */

enum email_action {
    EMAIL_ACT_LOCK_LINK,
    EMAIL_ACT_DOUBLE_LOCK_LINK,
    EMAIL_ACT_MOVE_TO_JUNK,
    EMAIL_ACT_HOLD_MESSAGE,
    EMAIL_ACT_CONVERT_ATTACHMENT,
    EMAIL_ACT_UNSPOOF,
    EMAIL_ACT__N
};
/* The action names of mission.md, indexed by enum email_action; the tag names by bit. */
extern const char *const email_action_names[EMAIL_ACT__N];
#define EMAIL_TAG__N 5
extern const char *const email_tag_names[EMAIL_TAG__N];

#define EMAIL_POLICY_MAX 64
struct email_policy_rule {
    int action;         /* enum email_action */
    int min_score;      /* recommended when the score is at least this ... */
    unsigned tags;      /* ... and the message carries every tag of this mask (bit i: name i) */
};
struct email_policy {
    struct email_policy_rule rule[EMAIL_POLICY_MAX]; /* any rule of an action recommends it */
    size_t n;
};

/* The built-in default, identical to the shipped models/email-policy.txt. */
void email_policy_default(struct email_policy *p);
/*
 * Reads a policy file (replacing p entirely). 0, or -1 with "FILE:LINE: what
 * is wrong" (or "FILE: cannot read ...") in err; p is then unspecified.
 */
int email_policy_load(struct email_policy *p, const char *path, char *err,
                      size_t errlen) WARN_UNUSED;
/* Bit mask of the actions p recommends for score and tags. */
unsigned email_policy_actions(const struct email_policy *p, int score, unsigned tags);

struct email_config {
    const char *internal[EMAIL_MAX_LIST]; /* borrowed; lower-case domains */
    size_t n_internal;
    const char *brands[EMAIL_MAX_LIST];   /* borrowed; protected brand names */
    size_t n_brands;
    const char *inducement_path;          /* keyword file; NULL: the shipped one */
    const char *geoip_db;                 /* libloc database; NULL: EMAIL_GEOIP_DB */
    struct email_policy policy;           /* the actions (default: email_policy_default) */
};

#define EMAIL_GEOIP_DB "/usr/share/libloc-location/location.db"

void email_config_default(struct email_config *cfg);

struct email;

/*
 * A judge. cfg is copied (its strings are borrowed and must outlive e);
 * life is borrowed (the shared memory), may be NULL. Returns NULL with a
 * message in err if the inducement keyword file cannot be read.
 */
struct email *email_new(const struct email_config *cfg, struct life *life, char *err,
                        size_t errlen);
void email_free(struct email *e);

/* Learned state in the email_* tables of path (SQLite). 0, or -1 with err. */
int email_load(struct email *e, const char *path, char *err, size_t errlen) WARN_UNUSED;
int email_save(const struct email *e, const char *path, char *err, size_t errlen) WARN_UNUSED;

/*
 * Judges one raw message (borrowed bytes) and learns it; writes its verdict
 * as one JSON object into jb. path is borrowed and only echoed;
 * mbox_index < 0 means "not from an mbox". Never fails: a message that
 * cannot be parsed gets a verdict saying so. Returns the score.
 */
int email_judge(struct email *e, const char *raw, size_t len, const char *path, long mbox_index,
                struct jbuf *jb);

/* The Date: header of a raw message as epoch seconds, 0 if none (for ordering input). */
int64_t email_peek_date(const char *raw, size_t len);

/* Counters for tests and benchmarks. */
struct email_stats {
    uint64_t messages, unparsed, facts, topic_profiles;
};
void email_get_stats(const struct email *e, struct email_stats *st);

#endif
