/*
 * The scan output: one JSON object per line (JSON Lines), in completion
 * order. Each row is the per-domain object of `check --json` with "line"
 * (input line number) first and "rank" (CSV rank column) when known. A row is
 * handed to stdio whole, newline last, and stdio is flushed in batches (every
 * flush_lines rows or when the caller's timer fires), so a crash loses at
 * most the last batch and leaves at most one torn row, which --resume cuts.
 */
#ifndef SD_SCAN_OUTPUT_H
#define SD_SCAN_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#include "result/result.h"
#include "result/result_json.h"

typedef struct sd_scan_output {
  FILE *fp;
  int is_stdout;
  const char *path;     /* for messages */
  size_t flush_lines;   /* rows per batch */
  size_t unflushed;
  uint64_t rows;
  int failed;           /* a write failed: errno_saved tells why */
  int errno_saved;
} sd_scan_output;

typedef enum sd_output_mode { SD_OUTPUT_NEW, SD_OUTPUT_FORCE, SD_OUTPUT_APPEND } sd_output_mode;

/*
 * Opens path ("-" or NULL: stdout). SD_OUTPUT_NEW refuses an existing
 * non-empty file, SD_OUTPUT_FORCE truncates it, SD_OUTPUT_APPEND appends
 * (for --resume). 0; -2 with err when NEW finds results; -1 with err on
 * an I/O error.
 */
int sd_scan_output_open(sd_scan_output *out, const char *path, sd_output_mode mode, size_t flush_lines,
                        char *err, size_t err_len);
/* The row text: the result object with "line" (and "rank") first. Caller frees. */
char *sd_scan_row_json(const sd_domain_result *r, uint64_t line, int has_rank, long long rank,
                       const sd_json_options *jo);
/* Writes one row; 0, or -1 once a write failed. */
int sd_scan_output_write(sd_scan_output *out, const char *row);
int sd_scan_output_flush(sd_scan_output *out);
/* Flushes, syncs to disk and closes; 0, or -1 with err. */
int sd_scan_output_close(sd_scan_output *out, char *err, size_t err_len);

#endif
