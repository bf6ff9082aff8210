/*
 * The scan driver: streams rows from the input, keeps `concurrency`
 * evaluations in flight (more while some wait on timeouts) on one engine (one libevent loop for DNS, HTTPS and
 * SMTP), writes each result as it completes, and reports progress.
 */
#ifndef SD_SCAN_RUN_H
#define SD_SCAN_RUN_H

#include <stddef.h>

#include "core/engine.h"
#include "result/result_json.h"
#include "scan/shard.h"

enum { SD_SCAN_EXIT_OK = 0, SD_SCAN_EXIT_IO = 1, SD_SCAN_EXIT_USAGE = 3, SD_SCAN_EXIT_RESOLVER = 4 };

#define SD_SCAN_DEFAULT_CONCURRENCY 256
/* A domain in flight this long counts as waiting (scan/window.h): another
 * may start. */
#define SD_SCAN_STALL_SECONDS 1.0
/* At most this many times --concurrency domains in flight, waiting ones
 * included (and never more than the descriptors allow). */
#define SD_SCAN_WAITING_FACTOR 16
/* Domains beyond --concurrency start only while fewer than this many DNS
 * lookups per --concurrency domain are pending at the resolver. */
#define SD_SCAN_DNS_GATE 2
/* ... and while fewer than this many probes per --concurrency domain wait
 * in the prober's queue for a connection slot (sd_prober_queued). */
#define SD_SCAN_PROBE_GATE 4
/* Free heap pages are given back to the system this often (glibc's
 * malloc_trim): on 20,000 domains the peak RSS went from 72.5 to 61.5 MB
 * (docs/bench.md, "Where the memory goes"), for some CPU (pages given back
 * are faulted in again when used). */
#define SD_SCAN_TRIM_SECONDS 10.0

typedef struct sd_scan_config {
  const char *input_path;   /* "-" or NULL: standard input */
  const char *output_path;  /* "-" or NULL: standard output */
  size_t concurrency;       /* domains in flight that have not waited long; 0: default */
  int resume;               /* finish the rows missing from output_path */
  int force;                /* overwrite an existing output */
  int redo_unknown;         /* with resume: rows whose protected_by is unknown are scanned again */
  int other_input;          /* with resume: accept an input other than the recorded one */
  sd_shard shard;           /* count 0 or 1: the whole list */
  int progress;             /* 1 always, 0 never, -1 when stderr is a terminal */
  size_t flush_lines;       /* rows per output batch; 0: 1000 */
  double flush_seconds;     /* and at least this often; 0: 1 s */
  double drain_seconds;     /* after SIGINT/SIGTERM, wait this long for domains in flight; 0: 10 s */
  sd_json_options json;
} sd_scan_config;

/* Runs the scan; returns the exit status (0, 1 I/O error, 3 usage, 128+signal). */
int sd_scan_run(const sd_scan_config *config, const sd_engine_options *engine_options);

#endif
