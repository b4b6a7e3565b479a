/*
 * summary: linear-probing hash index with backward-shift deletion
 *
 * A cell holds the low 32 bits of the key's hash and the slot + 1, so the
 * home position of any cell (tag & mask; the index never exceeds 2^31
 * cells) is known without the key, which backward-shift deletion needs.
 */
#include "util/hidx.h"

#include <stdlib.h>

#include "util/log.h"

void hidx_init(struct hidx *h, size_t max_entries)
{
    size_t n = 16;
    while (n < max_entries * 2)
        n <<= 1;
    if (n > (1ul << 31))
        BUG("hash index of %zu cells is too large", n);
    h->cells = xcalloc(n, sizeof(uint64_t));
    h->mask = n - 1;
    h->count = 0;
}

void hidx_release(struct hidx *h)
{
    free(h->cells);
    h->cells = NULL;
    h->mask = 0;
    h->count = 0;
}

static inline uint64_t cell_of(uint64_t hash, uint32_t slot)
{
    return (uint64_t)(uint32_t)hash << 32 | ((uint64_t)slot + 1);
}

long hidx_find(const struct hidx *h, uint64_t hash, int (*eq)(const void *ctx, uint32_t slot),
               const void *ctx)
{
    uint32_t tag = (uint32_t)hash;
    size_t i = tag & h->mask;
    for (;;) {
        uint64_t c = h->cells[i];
        if (!c)
            return -1;
        if ((uint32_t)(c >> 32) == tag) {
            uint32_t slot = (uint32_t)c - 1;
            if (eq(ctx, slot))
                return (long)slot;
        }
        i = (i + 1) & h->mask;
    }
}

void hidx_insert(struct hidx *h, uint64_t hash, uint32_t slot)
{
    if (h->count + 1 > (h->mask + 1) / 2)
        BUG("hash index over its sized capacity");
    size_t i = (uint32_t)hash & h->mask;
    while (h->cells[i])
        i = (i + 1) & h->mask;
    h->cells[i] = cell_of(hash, slot);
    h->count++;
}

int hidx_remove(struct hidx *h, uint64_t hash, uint32_t slot)
{
    uint64_t want = cell_of(hash, slot);
    size_t i = (uint32_t)hash & h->mask;
    for (;;) {
        uint64_t c = h->cells[i];
        if (!c)
            return -1;
        if (c == want)
            break;
        i = (i + 1) & h->mask;
    }
    size_t hole = i, j = i;
    for (;;) {
        j = (j + 1) & h->mask;
        uint64_t c = h->cells[j];
        if (!c)
            break;
        size_t home = (uint32_t)(c >> 32) & h->mask;
        /* c may fill the hole unless its home lies cyclically in (hole, j] */
        int in_range = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (!in_range) {
            h->cells[hole] = c;
            hole = j;
        }
    }
    h->cells[hole] = 0;
    h->count--;
    return 0;
}
