/* Helpers shared by the libFuzzer targets: turning one fuzzer input into
 * the several pieces a parser is given (TXT records, lines, chunks). */
#ifndef SD_FUZZ_UTIL_H
#define SD_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Most pieces a target splits an input into: bounds the work per input. */
#define SD_FUZZ_MAX_PIECES 16

typedef struct sd_fuzz_pieces {
  const char *ptr[SD_FUZZ_MAX_PIECES];
  size_t len[SD_FUZZ_MAX_PIECES];
  size_t count;
} sd_fuzz_pieces;

/* Splits data at each '\n' (the separators are dropped); what follows the
 * last allowed piece stays in it, so no byte is lost. An empty input is one
 * empty piece, like a TXT RRset holding one empty string. */
static inline void sd_fuzz_split_lines(const uint8_t *data, size_t size, sd_fuzz_pieces *out) {
  const char *p = (const char *)data, *end = p + size;
  out->count = 0;
  while (out->count + 1 < SD_FUZZ_MAX_PIECES) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) break;
    out->ptr[out->count] = p;
    out->len[out->count++] = (size_t)(nl - p);
    p = nl + 1;
  }
  out->ptr[out->count] = p;
  out->len[out->count++] = (size_t)(end - p);
}

/* A NUL-terminated copy of data (which may itself contain NULs, so C-string
 * APIs see a prefix of it); NULL when out of memory. */
static inline char *sd_fuzz_cstr(const uint8_t *data, size_t size) {
  char *s = malloc(size + 1);
  if (!s) return NULL;
  if (size) memcpy(s, data, size);
  s[size] = '\0';
  return s;
}

/* Length-prefixed framing for binary pieces (TLSA rdata, DER certificates):
 * a big-endian 16-bit length, then that many bytes (cut at the end of the
 * input). Returns 1 with the next piece, 0 when the input is used up. */
static inline int sd_fuzz_next_frame(const uint8_t **data, size_t *size, const uint8_t **piece,
                                     size_t *piece_len) {
  if (*size < 2) return 0;
  size_t n = ((size_t)(*data)[0] << 8) | (*data)[1];
  *data += 2;
  *size -= 2;
  if (n > *size) n = *size;
  *piece = *data;
  *piece_len = n;
  *data += n;
  *size -= n;
  return 1;
}

#endif
