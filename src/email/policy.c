/*
 * summary: the action policy: which recommended actions (Lock Link, Double
 * Lock Link, Move to Junk, Hold Message, Convert Attachment, Unspoof) a
 * verdict's score and tags call for, read from a "key = value" file
 *
 * Format (docs/email.md; the shipped default is models/email-policy.txt):
 *   # comment
 *   ACTION = SCORE [, TAG [, TAG ...]]
 *   ACTION = off
 * ACTION is one of the six action names of mission.md and TAG one of the
 * five tag names (both case-insensitive). A rule recommends its action when
 * the score is at least SCORE (0-100) and the message carries every TAG
 * listed; several lines for one action are alternatives; an action that
 * no line names (or "off") is never recommended. Anything else is refused
 * with FILE:LINE and what is wrong, so a typo never silently weakens the
 * policy.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "email/email.h"

const char *const email_action_names[EMAIL_ACT__N] = {
    "Lock Link", "Double Lock Link", "Move to Junk", "Hold Message", "Convert Attachment",
    "Unspoof"};
const char *const email_tag_names[EMAIL_TAG__N] = {"Suspicious Link", "New Contact",
                                                   "No Association", "Spoofing Indicators",
                                                   "Suspicious Attachment"};

enum { TAG_LINK = 1, TAG_NEW = 2, TAG_NOASSOC = 4, TAG_SPOOF = 8, TAG_ATT = 16 };

void email_policy_default(struct email_policy *p)
{
    static const struct email_policy_rule def[] = {
        {EMAIL_ACT_LOCK_LINK, 40, TAG_LINK},
        {EMAIL_ACT_DOUBLE_LOCK_LINK, 70, TAG_LINK},
        {EMAIL_ACT_MOVE_TO_JUNK, 40, 0},
        {EMAIL_ACT_HOLD_MESSAGE, 60, 0},
        {EMAIL_ACT_CONVERT_ATTACHMENT, 40, TAG_ATT},
        {EMAIL_ACT_UNSPOOF, 20, TAG_SPOOF},
    };
    memset(p, 0, sizeof(*p));
    memcpy(p->rule, def, sizeof(def));
    p->n = sizeof(def) / sizeof(def[0]);
}

unsigned email_policy_actions(const struct email_policy *p, int score, unsigned tags)
{
    unsigned acts = 0;
    for (size_t i = 0; i < p->n; i++) {
        const struct email_policy_rule *r = &p->rule[i];
        if (score >= r->min_score && (tags & r->tags) == r->tags)
            acts |= 1u << r->action;
    }
    return acts;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

static int find_name(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (!strcasecmp(names[i], s))
            return i;
    return -1;
}

int email_policy_load(struct email_policy *p, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot read the policy: %s", path, strerror(errno));
        return -1;
    }
    memset(p, 0, sizeof(*p));
    char line[1024];
    int lineno = 0, rc = -1;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            snprintf(err, errlen, "%s:%d: line longer than %zu bytes", path, lineno,
                     sizeof(line) - 2);
            goto out;
        }
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *s = trim(line);
        if (!*s)
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, errlen, "%s:%d: expected 'ACTION = SCORE[, TAG...]' or 'ACTION = off'",
                     path, lineno);
            goto out;
        }
        *eq = '\0';
        char *key = trim(s), *val = trim(eq + 1);
        int act = find_name(email_action_names, EMAIL_ACT__N, key);
        if (act < 0) {
            snprintf(err, errlen,
                     "%s:%d: unknown action '%.60s' (Lock Link, Double Lock Link, Move to Junk, "
                     "Hold Message, Convert Attachment, Unspoof)",
                     path, lineno, key);
            goto out;
        }
        if (!strcasecmp(val, "off"))
            continue;
        char *comma = strchr(val, ',');
        if (comma)
            *comma = '\0';
        char *num = trim(val), *end = NULL;
        errno = 0;
        long sc = strtol(num, &end, 10);
        if (!*num || *end || errno || sc < 0 || sc > 100) {
            snprintf(err, errlen, "%s:%d: '%.60s' is not a score from 0 to 100 (or 'off')", path,
                     lineno, num);
            goto out;
        }
        unsigned tags = 0;
        for (char *t = comma ? comma + 1 : NULL; t;) {
            char *next = strchr(t, ',');
            if (next)
                *next++ = '\0';
            char *name = trim(t);
            int tg = find_name(email_tag_names, EMAIL_TAG__N, name);
            if (tg < 0) {
                snprintf(err, errlen,
                         "%s:%d: unknown tag '%.60s' (Suspicious Link, New Contact, No "
                         "Association, Spoofing Indicators, Suspicious Attachment)",
                         path, lineno, name);
                goto out;
            }
            tags |= 1u << tg;
            t = next;
        }
        if (p->n >= EMAIL_POLICY_MAX) {
            snprintf(err, errlen, "%s:%d: more than %d rules", path, lineno, EMAIL_POLICY_MAX);
            goto out;
        }
        p->rule[p->n++] = (struct email_policy_rule){act, (int)sc, tags};
    }
    if (ferror(f)) {
        snprintf(err, errlen, "%s: cannot read the policy", path);
        goto out;
    }
    rc = 0;
out:
    fclose(f);
    return rc;
}
