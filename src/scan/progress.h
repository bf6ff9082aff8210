/* Counters of a scan, the live progress line and the final summary. */
#ifndef SD_SCAN_PROGRESS_H
#define SD_SCAN_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

#include "result/result.h"

/* Distinct unknown reasons the summary keeps. */
#define SD_SCAN_REASONS 4

typedef struct sd_scan_counters {
  uint64_t lines_total;      /* lines in the input, 0 when unknown (pipe) */
  uint64_t lines_read;
  uint64_t started;
  uint64_t done;
  uint64_t in_flight;
  uint64_t invalid;          /* rows with the invalid-domain finding */
  uint64_t unknown;          /* not measured: protected_by is unknown (timeouts, resolver failure, ...) */
  uint64_t partly_unknown;   /* measured, but some other profile's outcome is unknown */
  uint64_t protected_by[SD_PROTECTED__COUNT]; /* indexed by sd_protected_by (invalid rows not counted) */
  /* The commonest reasons of the unknown rows (generic form), the rest in
   * unknown_other_reasons: the summary says why, not just how many. */
  struct { char text[72]; uint64_t count; } unknown_reasons[SD_SCAN_REASONS];
  uint64_t unknown_other_reasons;
  uint64_t skipped_resume;   /* rows already in the output */
  uint64_t skipped_shard;    /* rows of other shards */
  uint64_t start_failed;     /* sd_evaluate could not start (out of memory) */
  double started_at;         /* monotonic seconds */
} sd_scan_counters;

/* Monotonic clock in seconds. */
double sd_scan_now(void);
void sd_scan_counters_add_result(sd_scan_counters *c, const sd_domain_result *r);
/* "1.2M", "987", "12.3k": compact counts for the progress line. */
void sd_scan_format_count(uint64_t n, char *out, size_t len);
/* "2h03m", "4m05s", "12s", "?" */
void sd_scan_format_duration(double seconds, char *out, size_t len);
/* Estimated seconds left, or a negative number when it cannot be told yet. */
double sd_scan_eta(const sd_scan_counters *c, double now);
/* One progress line (no newline, no terminal codes). */
void sd_scan_progress_line(const sd_scan_counters *c, double now, char *out, size_t len);
/* Rows measured: neither invalid nor unknown. */
uint64_t sd_scan_measured(const sd_scan_counters *c);
/* The summary printed at the end. */
void sd_scan_summary_line(const sd_scan_counters *c, double now, size_t dns_queries, size_t smtp_connections,
                          char *out, size_t len);

#endif
