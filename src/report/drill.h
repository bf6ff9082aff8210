/*
 * Drill-down: the domains behind every count of the report. Each domain's
 * row is aggregated on its own (a one-domain report, with the providers of
 * the whole scan) and it belongs to every cell its one-domain report counts;
 * so a list can never disagree with its count: both come from the same
 * definitions in aggregate.c and tables.c. Lists kept in memory are capped
 * (for the page); the full lists are streamed to a CSV file.
 */
#ifndef SD_REPORT_DRILL_H
#define SD_REPORT_DRILL_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "report/aggregate.h"
#include "report/tables.h"

/* Domains kept per cell for the page by default. */
#define SD_DRILL_DEFAULT_CAP 200

typedef struct sd_drill_list {
  char **domains; /* the first ones, at most the cap */
  size_t kept;
} sd_drill_list; /* total: the map entry's count */

/* Called once per result row with whether the domain is on some kept list. */
typedef void (*sd_drill_row_fn)(void *ctx, const cJSON *row, const char *domain, int listed);

typedef struct sd_drill {
  const sd_agg *whole; /* the full aggregate (provider threshold and providers) */
  size_t cap;
  FILE *csv;           /* full lists, "table,row,column,domain" lines, or NULL */
  sd_drill_row_fn on_row;
  void *ctx;
  sd_strmap cells;     /* cell key -> ext sd_drill_list, count = domains */
  long long rows;
  int failed;
} sd_drill;

void sd_drill_init(sd_drill *d, const sd_agg *whole, size_t cap, FILE *csv);
void sd_drill_free(sd_drill *d);
/* Reads a JSONL stream (the same input the aggregate was made of). */
int sd_drill_add_stream(sd_drill *d, FILE *in);
/* The list behind a cell (table id, row label, column name), or NULL. */
const sd_drill_list *sd_drill_find(const sd_drill *d, const char *table, const char *row, const char *col,
                                   long long *total);
/* The CSV header line the lists file starts with. */
void sd_drill_csv_header(FILE *csv);

#endif
