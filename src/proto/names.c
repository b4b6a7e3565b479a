/*
 * summary: 4-way set-associative address-to-name cache with oldest-first replacement
 */
#include "proto/names.h"

#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "util/log.h"

struct name_entry {
    struct addr a;
    int64_t ts;
    char *name; /* NULL: empty way */
};

struct names {
    struct name_entry e[NAMES_SETS][NAMES_WAYS];
};

struct names *names_new(void)
{
    return xcalloc(1, sizeof(struct names));
}

void names_free(struct names *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < NAMES_SETS; i++)
        for (size_t w = 0; w < NAMES_WAYS; w++)
            if (n->e[i][w].name)
                free(n->e[i][w].name);
    free(n);
}

static size_t set_of(const struct addr *a)
{
    return (size_t)(hash_bytes(a->b, 16, 0x6e616d65) % NAMES_SETS);
}

void names_learn(struct names *n, const struct addr *a, const char *name, int64_t ts)
{
    struct name_entry *set = n->e[set_of(a)];
    struct name_entry *slot = NULL;
    for (size_t w = 0; w < NAMES_WAYS; w++) {
        if (set[w].name && addr_cmp(&set[w].a, a) == 0) {
            slot = &set[w];
            break;
        }
    }
    if (!slot) {
        for (size_t w = 0; w < NAMES_WAYS; w++) {
            if (!set[w].name) {
                slot = &set[w];
                break;
            }
            if (!slot || set[w].ts < slot->ts)
                slot = &set[w];
        }
    }
    size_t len = strnlen(name, NAMES_MAX_LEN);
    if (slot->name && strncmp(slot->name, name, len) == 0 && slot->name[len] == '\0') {
        slot->ts = ts;
        return;
    }
    free(slot->name);
    slot->name = xmalloc(len + 1);
    memcpy(slot->name, name, len);
    slot->name[len] = '\0';
    slot->a = *a;
    slot->ts = ts;
}

const char *names_lookup(const struct names *n, const struct addr *a)
{
    const struct name_entry *set = n->e[set_of(a)];
    for (size_t w = 0; w < NAMES_WAYS; w++)
        if (set[w].name && addr_cmp(&set[w].a, a) == 0)
            return set[w].name;
    return NULL;
}
