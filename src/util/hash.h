/*
 * FNV-1a, 64 bits (offset basis 14695981039346656037, prime 1099511628211):
 * the one hash of the hash tables and of scan sharding. Not for anything an
 * attacker may want to collide on purpose beyond costing time: every table
 * keyed by remote data stays correct under collisions.
 */
#ifndef SD_UTIL_HASH_H
#define SD_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

#define SD_FNV1A64_BASIS 14695981039346656037ULL
#define SD_FNV1A64_PRIME 1099511628211ULL

/* Continues hash h over len bytes; start with SD_FNV1A64_BASIS. */
static inline uint64_t sd_fnv1a64_add(uint64_t h, const void *data, size_t len) {
  const unsigned char *p = data;
  for (size_t i = 0; i < len; i++) h = (h ^ p[i]) * SD_FNV1A64_PRIME;
  return h;
}

static inline uint64_t sd_fnv1a64(const void *data, size_t len) {
  return sd_fnv1a64_add(SD_FNV1A64_BASIS, data, len);
}

/* Over a NUL-terminated string, ASCII letters folded to lower case (DNS
 * names compare case-insensitively). */
static inline uint64_t sd_fnv1a64_lower(uint64_t h, const char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c >= 'A' && c <= 'Z') c = (unsigned char)(c + 32);
    h = (h ^ c) * SD_FNV1A64_PRIME;
  }
  return h;
}

#endif
