#include "scan/resume.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
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

void sd_done_set_remove(sd_done_set *set, uint64_t line) {
  size_t chunk = (size_t)(line >> CHUNK_BITS);
  if (line > SD_DONE_LINE_MAX || chunk >= set->chunk_count || !set->chunks[chunk]) return;
  uint64_t bit = line & (CHUNK_LINES - 1);
  uint64_t mask = UINT64_C(1) << (bit % 64);
  if (!(set->chunks[chunk][bit / 64] & mask)) return;
  set->chunks[chunk][bit / 64] &= ~mask;
  set->count--;
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

/* ---- --redo-unknown ----------------------------------------------------------- */

static const char unknown_key[] = "\"protected_by\":\"unknown\"";
#define UNKNOWN_KEY_LEN (sizeof(unknown_key) - 1)
#define ROW_PREFIX 40

/* One complete row as the scanner saw it. */
typedef struct row_seen {
  uint64_t ordinal;        /* 0-based index among the file's complete lines */
  char prefix[ROW_PREFIX]; /* its first bytes */
  size_t prefix_len;
  int unknown;             /* holds "protected_by":"unknown" */
} row_seen;

typedef int (*row_fn)(const row_seen *row, const char *bytes, size_t len, void *ctx);

/*
 * Streams the file: for every complete line (ending in a newline) calls fn
 * with what was seen, and with the line's bytes in pieces (fn gets each
 * chunk's part of the current line through the bytes arguments before the
 * row is complete, with row NULL). The pattern is matched with KMP so that
 * it is found across chunk boundaries, in one pass, in constant memory.
 */
static int scan_rows(FILE *fp, row_fn fn, void *ctx) {
  size_t fail[UNKNOWN_KEY_LEN];
  fail[0] = 0;
  for (size_t i = 1, k = 0; i < UNKNOWN_KEY_LEN; i++) {
    while (k > 0 && unknown_key[i] != unknown_key[k]) k = fail[k - 1];
    if (unknown_key[i] == unknown_key[k]) k++;
    fail[i] = k;
  }
  static char buf[1 << 16];
  row_seen row = {0};
  size_t j = 0, n;
  while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
    size_t piece_start = 0;
    for (size_t i = 0; i < n; i++) {
      char c = buf[i];
      if (row.prefix_len < ROW_PREFIX) row.prefix[row.prefix_len++] = c;
      while (j > 0 && c != unknown_key[j]) j = fail[j - 1];
      if (c == unknown_key[j] && ++j == UNKNOWN_KEY_LEN) {
        row.unknown = 1;
        j = fail[j - 1];
      }
      if (c != '\n') continue;
      if (fn(NULL, buf + piece_start, i + 1 - piece_start, ctx) != 0 || fn(&row, NULL, 0, ctx) != 0) return -1;
      piece_start = i + 1;
      uint64_t next = row.ordinal + 1;
      memset(&row, 0, sizeof(row));
      row.ordinal = next;
      j = 0;
    }
    if (piece_start < n && fn(NULL, buf + piece_start, n - piece_start, ctx) != 0) return -1;
  }
  return ferror(fp) ? -1 : 0;
}

typedef struct drop_pass {
  sd_done_set unknown_rows;   /* ordinals of rows to drop */
  sd_done_set measured_lines; /* lines that have a row that is not unknown */
  sd_done_set *done;
  uint64_t dropped;
  FILE *out;                  /* pass 2: the copy */
  int keep_current;           /* pass 2: the current row is copied */
  uint64_t next_ordinal;      /* pass 2: ordinal of the current row */
} drop_pass;

static int mark_row(const row_seen *row, const char *bytes, size_t len, void *ctx) {
  (void)bytes;
  (void)len;
  drop_pass *p = ctx;
  if (!row) return 0;
  uint64_t line;
  int has_line = sd_resume_row_line(row->prefix, row->prefix_len, &line) == 0 && line > 0;
  if (row->unknown && has_line) {
    if (sd_done_set_add(&p->unknown_rows, row->ordinal) < 0) return -1;
  } else if (has_line && sd_done_set_add(&p->measured_lines, line) < 0) {
    return -1;
  }
  return 0;
}

static int copy_row(const row_seen *row, const char *bytes, size_t len, void *ctx) {
  drop_pass *p = ctx;
  if (!row) {
    if (p->keep_current && fwrite(bytes, 1, len, p->out) != len) return -1;
    return 0;
  }
  /* The row is complete: decide for the next one. */
  if (!p->keep_current) {
    uint64_t line;
    if (sd_resume_row_line(row->prefix, row->prefix_len, &line) == 0 && !sd_done_set_has(&p->measured_lines, line))
      sd_done_set_remove(p->done, line);
    p->dropped++;
  }
  p->next_ordinal = row->ordinal + 1;
  p->keep_current = !sd_done_set_has(&p->unknown_rows, p->next_ordinal);
  return 0;
}

/* Pass 2: the kept rows into a locked temporary file renamed over path. */
static int rewrite_without(const char *path, drop_pass *p, int *lock_fd, char *err, size_t err_len) {
  char tmp[4096];
  snprintf(tmp, sizeof(tmp), "%s.redo-unknown.tmp", path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  FILE *in = fopen(path, "r");
  if (fd < 0 || !in || flock(fd, LOCK_EX | LOCK_NB) != 0 || !(p->out = fdopen(fd, "w"))) {
    snprintf(err, err_len, "cannot rewrite %s without its unknown rows (%s): %s", path, tmp, strerror(errno));
    if (in) fclose(in);
    if (fd >= 0) close(fd);
    unlink(tmp);
    return -1;
  }
  p->keep_current = !sd_done_set_has(&p->unknown_rows, 0);
  int rc = scan_rows(in, copy_row, p);
  fclose(in);
  if (rc != 0 || fflush(p->out) != 0 || fsync(fd) != 0 || rename(tmp, path) != 0) {
    snprintf(err, err_len, "cannot rewrite %s without its unknown rows: %s", path, strerror(errno));
    fclose(p->out);
    unlink(tmp);
    return -1;
  }
  /* The new file is locked already: the output is never without a lock. */
  int new_lock = dup(fd);
  fclose(p->out);
  if (new_lock < 0 || flock(new_lock, LOCK_EX | LOCK_NB) != 0) {
    snprintf(err, err_len, "cannot keep the lock on %s: %s", path, strerror(errno));
    if (new_lock >= 0) close(new_lock);
    return -1;
  }
  if (*lock_fd >= 0) close(*lock_fd);
  *lock_fd = new_lock;
  return 0;
}

int sd_resume_drop_unknown(const char *path, sd_done_set *done, int *lock_fd, uint64_t *dropped, char *err,
                           size_t err_len) {
  *dropped = 0;
  drop_pass p = {.done = done};
  FILE *fp = fopen(path, "r");
  if (!fp) {
    if (errno == ENOENT) return 0;
    snprintf(err, err_len, "cannot read %s: %s", path, strerror(errno));
    return -1;
  }
  int rc = scan_rows(fp, mark_row, &p);
  fclose(fp);
  if (rc != 0) snprintf(err, err_len, "cannot read %s for --redo-unknown: %s", path, strerror(errno ? errno : ENOMEM));
  else if (p.unknown_rows.count > 0) rc = rewrite_without(path, &p, lock_fd, err, err_len);
  *dropped = p.dropped;
  sd_done_set_free(&p.unknown_rows);
  sd_done_set_free(&p.measured_lines);
  return rc;
}
