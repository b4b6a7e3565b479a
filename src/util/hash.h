/*
 * summary: small fast non-cryptographic hashing for table keys
 */
#ifndef VIGIL_UTIL_HASH_H
#define VIGIL_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The 64-bit finaliser of MurmurHash3 (public domain). */
static inline uint64_t hash_mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

/* Hashes n bytes with a seed; reads whole words with memcpy (no alignment needs). */
static inline uint64_t hash_bytes(const void *p, size_t n, uint64_t seed)
{
    const uint8_t *b = (const uint8_t *)p;
    uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ULL);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, b, 8);
        h = hash_mix64(h ^ w) * 0x9e3779b97f4a7c15ULL;
        b += 8;
        n -= 8;
    }
    uint64_t t = 0;
    for (size_t i = 0; i < n; i++)
        t |= (uint64_t)b[i] << (8 * i);
    return hash_mix64(h ^ t);
}

#endif
