/*
 * The scan input: a domain list read as a stream, one row per line.
 *
 * Plain lists hold one domain per line; CSV lists (e.g. "rank,domain" top
 * lists) are recognised per line by a comma, since a comma is never part of
 * a domain name. Every line that is not blank, a '#' comment or a CSV header
 * becomes exactly one row: a valid domain, or an invalid one carrying the
 * reason, so nothing is ever silently dropped. Memory is bounded: a line is
 * kept up to SD_SCAN_LINE_MAX bytes and the rest of a longer line is skipped.
 */
#ifndef SD_SCAN_INPUT_H
#define SD_SCAN_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/domain.h"

#define SD_SCAN_LINE_MAX 4096
/* Bytes of an invalid line shown in its result (the evaluator keeps 300). */
#define SD_SCAN_SHOWN_MAX 200

/* A line reader with a fixed buffer: lines longer than the capacity are cut
 * (the rest is read and dropped) and flagged, never split into two lines. */
typedef struct sd_line_reader {
  FILE *fp;
  char *buf;          /* cap + 1 bytes, NUL-terminated (the line may hold NULs) */
  size_t cap;
  size_t len;         /* bytes kept in buf, without the newline (and CR) */
  uint64_t full_len;  /* the line's real length */
  uint64_t line_no;   /* 1-based number of the line just read */
  uint64_t offset;    /* bytes consumed so far, newlines included */
  uint64_t end_of_complete; /* offset after the last line that ended in '\n' */
  int truncated;      /* the line was longer than cap */
  int unterminated;   /* the line ended at EOF without '\n' */
} sd_line_reader;

int sd_line_reader_init(sd_line_reader *r, FILE *fp, size_t cap);
/* 1 with a line in r->buf, 0 at end of input, -1 on a read error. */
int sd_line_reader_next(sd_line_reader *r);
void sd_line_reader_free(sd_line_reader *r);

typedef enum sd_row_kind { SD_ROW_DOMAIN = 1, SD_ROW_INVALID = 2 } sd_row_kind;

typedef struct sd_scan_row {
  sd_row_kind kind;
  uint64_t line;                  /* input line number, 1-based */
  /* What to hand to sd_evaluate: the field as written for a domain (so the
   * result records the raw input), a printable and always-invalid
   * representation for an invalid row. */
  char text[SD_SCAN_LINE_MAX + 1];
  char domain[SD_DOMAIN_MAX + 1]; /* normalised A-label form (domains only) */
  char reason[320];               /* why the row is invalid (invalid only) */
  uint64_t shard_key;             /* hash of the domain, or of the raw field */
  int has_rank;
  long long rank;                 /* CSV rank column, when present */
} sd_scan_row;

typedef struct sd_input {
  sd_line_reader reader;
  int seen_content;  /* the first content line (header candidate) is past */
  int domain_col;    /* CSV column named "domain" in a header, or -1 */
  int rank_col;      /* CSV column named "rank" in a header, or -1 */
  uint64_t skipped;  /* blank, comment and header lines */
} sd_input;

int sd_input_init(sd_input *in, FILE *fp);
/* The next row: 1 with row filled, 0 at end of input, -1 on a read error. */
int sd_input_next(sd_input *in, sd_scan_row *row);
void sd_input_free(sd_input *in);

/* Printable, bounded (at most SD_SCAN_SHOWN_MAX bytes plus a suffix),
 * always-invalid text standing for raw bytes: sd_escape_terminal's form
 * (control bytes and invalid UTF-8 become \xNN), then "... (N bytes)" when
 * cut. */
void sd_scan_represent(const char *raw, size_t len, uint64_t full_len, char *out, size_t out_len);
/* 1 when s[0..len) is valid UTF-8 without control characters (TAB allowed). */
int sd_scan_text_clean(const char *s, size_t len);

#endif
