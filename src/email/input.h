/*
 * summary: listing the messages of PATHs (eml, mbox, Maildir, directories) in Date order
 */
#ifndef VIGIL_EMAIL_INPUT_H
#define VIGIL_EMAIL_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "email/email.h"

struct email_item {
    size_t path;      /* index into paths */
    long mbox_index;  /* -1 unless from an mbox */
    long off, len;    /* byte range in the file; len -1: the whole file */
    size_t seq;       /* order of discovery: the stable tie-break */
    int64_t date;     /* Date: header, epoch seconds, 0 if none */
};

struct email_input {
    char **paths; /* owned */
    size_t n_paths, cap_paths;
    struct email_item *items;
    size_t n_items, cap_items;
};

void email_input_init(struct email_input *in);
void email_input_release(struct email_input *in);
/* Adds the messages of path; -1 after printing an error (what could be listed stays). */
int email_input_add(struct email_input *in, const char *path) WARN_UNUSED;
/* Orders the items by Date (undated first), then by discovery order. */
void email_input_sort(struct email_input *in);
/* The bytes of one item, NUL-terminated, owned by the caller (free); NULL if unreadable. */
char *email_input_read(const struct email_input *in, const struct email_item *it, size_t *len);

#endif
