/*
 * summary: an open-addressing hash index from a key's hash to a caller's slot number
 *
 * The index stores only (32 bits of hash, slot) pairs; the entries live in
 * the caller's own arrays, so one implementation serves every table. Linear
 * probing with backward-shift deletion (no tombstones), load factor at most
 * 1/2 (the capacity is fixed at creation from the table's maximum size).
 */
#ifndef VIGIL_UTIL_HIDX_H
#define VIGIL_UTIL_HIDX_H

#include <stddef.h>
#include <stdint.h>

struct hidx {
    uint64_t *cells; /* 0: empty; else (hash32 << 32) | (slot + 1) */
    size_t mask;
    size_t count;
};

/* Sizes the index for at most max_entries entries. */
void hidx_init(struct hidx *h, size_t max_entries);
void hidx_release(struct hidx *h);

/*
 * Calls eq(ctx, slot) for each slot whose stored hash matches; returns the
 * first slot for which eq returns 1, or -1.
 */
long hidx_find(const struct hidx *h, uint64_t hash, int (*eq)(const void *ctx, uint32_t slot),
               const void *ctx);
/* Adds slot under hash (the caller ensures it is not there yet). */
void hidx_insert(struct hidx *h, uint64_t hash, uint32_t slot);
/* Removes slot stored under hash; returns 0, or -1 if absent. */
int hidx_remove(struct hidx *h, uint64_t hash, uint32_t slot);

#endif
