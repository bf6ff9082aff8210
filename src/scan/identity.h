/*
 * Which input an output was started with, so --resume never mixes two lists.
 *
 * Rows are keyed by input line number: resuming with another list (or the
 * same list edited, or another --shard) would silently pair line numbers of
 * one list with rows of the other. A fresh scan records the input's identity
 * next to the output, in OUT.input.json (a sidecar, so the output keeps
 * exactly one row per input line for every reader); --resume compares the
 * input with it and refuses a different one.
 */
#ifndef SD_SCAN_IDENTITY_H
#define SD_SCAN_IDENTITY_H

#include <stdint.h>
#include <stdio.h>

#include "scan/shard.h"

typedef struct sd_input_identity {
  int known;            /* a regular file was read: size, lines and digest are set */
  uint64_t size;        /* bytes */
  uint64_t lines;       /* newline-separated lines (a last line without newline counts) */
  char sha256[65];      /* hex SHA-256 of the bytes */
} sd_input_identity;

/* Reads a regular file once (then rewinds it) to fill id; for a pipe or a
 * terminal id->known is 0. 0, or -1 with errno on a read error. */
int sd_input_identity_compute(FILE *fp, sd_input_identity *id);

/* The sidecar's path for an output: "<output>.input.json" (caller frees). */
char *sd_identity_path(const char *output_path);

/* Writes the sidecar (temporary file + rename). 0, or -1 with err. */
int sd_identity_record(const char *output_path, const char *input_path, const sd_input_identity *id,
                       const sd_shard *shard, char *err, size_t err_len);

/*
 * Compares the input with the sidecar of output_path. 0: the same input (or
 * nothing recorded: then a warning is put into warn); -2: a different input
 * or shard, with the difference in err; -1: the sidecar is unreadable.
 */
int sd_identity_check(const char *output_path, const char *input_path, const sd_input_identity *id,
                      const sd_shard *shard, char *err, size_t err_len, char *warn, size_t warn_len);

#endif
