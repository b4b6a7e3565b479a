/*
 * summary: a bounded map from IP address to the DNS name it was looked up by
 *
 * Filled from DNS answers (A/AAAA, with the queried name rather than the
 * last CNAME target), read when connections are reported. It holds at most
 * NAMES_SETS * NAMES_WAYS entries (65,536); when a set is full the entry
 * learned longest ago is replaced. Names longer than NAMES_MAX_LEN are
 * kept truncated.
 */
#ifndef VIGIL_PROTO_NAMES_H
#define VIGIL_PROTO_NAMES_H

#include <stdint.h>

#include "util/addr.h"

#define NAMES_SETS 16384
#define NAMES_WAYS 4
#define NAMES_MAX_LEN 255

struct names;

struct names *names_new(void);
void names_free(struct names *n);
/* Remembers that a was the answer for name (copied) at time ts. */
void names_learn(struct names *n, const struct addr *a, const char *name, int64_t ts);
/* The name a was last looked up by, or NULL; valid until the next names_learn(). */
const char *names_lookup(const struct names *n, const struct addr *a);

#endif
