/* Bounded line reading for JSONL inputs: a hostile or corrupt file cannot
 * make the report allocate more than one maximal line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/agg_internal.h"

int sd_agg_read_lines(void *file, size_t max, sd_agg_line_fn cb, void *ctx, long long *lines,
                      long long *malformed) {
  FILE *in = file;
  size_t cap = 65536, len = 0;
  char *buf = malloc(cap);
  if (!buf) return -1;
  int skipping = 0, c;
  for (;;) {
    c = getc_unlocked(in); /* one reader per stream */
    if (c == EOF || c == '\n') {
      if (skipping) {
        if (lines) (*lines)++;
        if (malformed) (*malformed)++;
      } else if (len > 0) {
        cb(ctx, buf, len);
      }
      len = 0;
      skipping = 0;
      if (c == EOF) break;
      continue;
    }
    if (skipping) continue;
    if (len + 1 > max) {
      skipping = 1;
      continue;
    }
    if (len + 1 > cap) {
      size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
      char *nb = realloc(buf, ncap);
      if (!nb) {
        skipping = 1;
        continue;
      }
      buf = nb;
      cap = ncap;
    }
    buf[len++] = (char)c;
  }
  int err = ferror(in);
  free(buf);
  return err ? -1 : 0;
}
