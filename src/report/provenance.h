/*
 * Provenance of a report: which inputs (name, lines, SHA-256), which stsdane
 * wrote the rows and with which scan options, when the scan ran, and how many
 * rows were measured or not (and why). Shown first in every output format.
 */
#ifndef SD_REPORT_PROVENANCE_H
#define SD_REPORT_PROVENANCE_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "report/aggregate.h"
#include "report/tables.h"

typedef struct sd_input_info {
  char *name;
  long long lines, malformed;
  char sha256[65]; /* lower-case hex, "" when the file could not be read */
} sd_input_info;

typedef struct sd_provenance {
  sd_input_info *inputs;
  size_t count;
} sd_provenance;

/* Adds an input; its lines and malformed counts come from its aggregate. */
int sd_provenance_add(sd_provenance *p, const char *name, const sd_agg *part, FILE *in);
void sd_provenance_free(sd_provenance *p);
/* SHA-256 of the rest of a stream as hex into out (65 bytes); -1 on a read error. */
int sd_sha256_stream(FILE *in, char out[65]);

/* Section "0. Provenance": inputs, versions, options, time span, rows
 * measured and not measured with the reasons. */
void sd_provenance_tables(const sd_provenance *p, const sd_agg *a, sd_tables *out);
cJSON *sd_provenance_json(const sd_provenance *p, const sd_agg *a);

#endif
