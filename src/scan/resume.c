#include "scan/resume.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scan/input.h"

#define CHUNK_BITS 16
#define CHUNK_LINES (UINT64_C(1) << CHUNK_BITS)
#define CHUNK_WORDS (CHUNK_LINES / 64)

int sd_done_set_add(sd_done_set *set, uint64_t line) {
  if (line > SD_DONE_LINE_MAX) return -1;
  size_t chunk = (size_t)(line >> CHUNK_BITS);
  if (chunk >= set->chunk_count) {
    size_t count = set->chunk_count ? set->chunk_count : 16;
    while (count <= chunk) count *= 2;
    uint64_t **grown = realloc(set->chunks, count * sizeof(*grown));
    if (!grown) return -1;
    memset(grown + set->chunk_count, 0, (count - set->chunk_count) * sizeof(*grown));
    set->chunks = grown;
    set->chunk_count = count;
  }
  if (!set->chunks[chunk]) {
    set->chunks[chunk] = calloc(CHUNK_WORDS, sizeof(uint64_t));
    if (!set->chunks[chunk]) return -1;
  }
  uint64_t bit = line & (CHUNK_LINES - 1);
  uint64_t *word = &set->chunks[chunk][bit / 64];
  uint64_t mask = UINT64_C(1) << (bit % 64);
  if (*word & mask) return 0;
  *word |= mask;
  set->count++;
  return 1;
}

int sd_done_set_has(const sd_done_set *set, uint64_t line) {
  size_t chunk = (size_t)(line >> CHUNK_BITS);
  if (line > SD_DONE_LINE_MAX || chunk >= set->chunk_count || !set->chunks[chunk]) return 0;
  uint64_t bit = line & (CHUNK_LINES - 1);
  return (set->chunks[chunk][bit / 64] >> (bit % 64)) & 1;
}

void sd_done_set_free(sd_done_set *set) {
  for (size_t i = 0; i < set->chunk_count; i++) free(set->chunks[i]);
  free(set->chunks);
  memset(set, 0, sizeof(*set));
}

int sd_resume_row_line(const char *text, size_t len, uint64_t *line) {
  static const char prefix[] = "{\"line\":";
  size_t plen = sizeof(prefix) - 1;
  if (len <= plen || memcmp(text, prefix, plen) != 0) return -1;
  uint64_t v = 0;
  size_t i = plen, digits = 0;
  while (i < len && text[i] >= '0' && text[i] <= '9' && digits < 19) {
    v = v * 10 + (uint64_t)(text[i] - '0');
    i++;
    digits++;
  }
  if (digits == 0 || i >= len || (text[i] != ',' && text[i] != '}')) return -1;
  *line = v;
  return 0;
}

/* Reads every complete row; leaves the offset of the last complete one. */
static int read_rows(FILE *fp, sd_done_set *done, sd_resume_stats *stats, uint64_t *complete_end,
                     uint64_t *total) {
  sd_line_reader r;
  /* Only the start of a row matters: a small buffer, the rest is skipped. */
  if (sd_line_reader_init(&r, fp, 64) != 0) return -1;
  int rc;
  while ((rc = sd_line_reader_next(&r)) == 1) {
    if (r.unterminated) break;
    uint64_t line;
    if (sd_resume_row_line(r.buf, r.len, &line) != 0 || line == 0) {
      stats->unrecognised++;
      continue;
    }
    int added = sd_done_set_add(done, line);
    if (added < 0) {
      stats->unrecognised++;
      continue;
    }
    stats->rows++;
    if (added == 0) stats->duplicates++;
  }
  *complete_end = r.end_of_complete;
  *total = r.offset;
  sd_line_reader_free(&r);
  return rc < 0 ? -1 : 0;
}

int sd_resume_load(const char *path, sd_done_set *done, sd_resume_stats *stats, char *err, size_t err_len) {
  memset(stats, 0, sizeof(*stats));
  FILE *fp = fopen(path, "r+");
  if (!fp) {
    if (errno == ENOENT) return 1;
    snprintf(err, err_len, "cannot open %s to resume: %s", path, strerror(errno));
    return -1;
  }
  uint64_t complete_end = 0, total = 0;
  if (read_rows(fp, done, stats, &complete_end, &total) != 0) {
    snprintf(err, err_len, "cannot read %s to resume: %s", path, strerror(errno));
    fclose(fp);
    return -1;
  }
  if (total > complete_end) {
    /* A row cut by kill -9: drop it so the appended rows start on a fresh line. */
    if (ftruncate(fileno(fp), (off_t)complete_end) != 0) {
      snprintf(err, err_len, "cannot cut the torn last row of %s: %s", path, strerror(errno));
      fclose(fp);
      return -1;
    }
    stats->torn_bytes = total - complete_end;
  }
  if (fclose(fp) != 0) {
    snprintf(err, err_len, "cannot close %s: %s", path, strerror(errno));
    return -1;
  }
  return 0;
}
