/*
 * Report tables: the aggregate laid out as titled tables with named
 * denominators, the one model the text, CSV and HTML renderers share.
 * A numeric cell carries its count and denominator; renderers show
 * "count (percent)" and chart the percentages.
 */
#ifndef SD_REPORT_TABLES_H
#define SD_REPORT_TABLES_H

#include <stddef.h>

#include "report/aggregate.h"

typedef struct sd_cell {
  char *text;     /* text cell (row label, value), or NULL for a numeric cell */
  long long n, d; /* numeric: count and denominator (d <= 0: no percentage) */
  /* The figure's one definition: its path in `report --json` ("dane.misconfigured").
   * Cells with the same measure show the same figure wherever they appear
   * (tests/unit/test_report_consistency.c holds every table to it); NULL
   * for a figure that exists only in its table. */
  char *measure;
} sd_cell;

typedef enum sd_chart {
  SD_CHART_NONE = 0,
  SD_CHART_BARS,    /* one bar per row: the first numeric cell as a share of its denominator */
  SD_CHART_STACKED, /* one 100% bar per row: the numeric cells as shares of the row total */
  SD_CHART_LINES,   /* one line per numeric column with a denominator, across the rows (snapshots) */
} sd_chart;

typedef struct sd_table {
  char *id;          /* file-name safe: "adoption", "sts_classes", ... */
  char *section;     /* "1. Adoption" */
  char *title;
  char *denominator; /* in words: "% of domains scanned" */
  sd_chart chart;
  size_t ncols, nrows;
  char **cols;
  sd_cell *cells; /* nrows * ncols, row-major */
  size_t ncells, cellcap;
} sd_table;

typedef struct sd_tables {
  sd_table *items;
  size_t count, cap;
  int failed;
} sd_tables;

/* Builder (also used for the over-time tables). */
sd_table *sd_tables_add(sd_tables *t, const char *id, const char *section, const char *title,
                        const char *denominator, sd_chart chart, size_t ncols, const char *const *cols);
void sd_table_text(sd_table *tb, const char *text);
void sd_table_num(sd_table *tb, long long n, long long d);
/* Appends a row "label | n (of d)". */
void sd_table_row(sd_table *tb, const char *label, long long n, long long d);
/* The same, naming the figure's measure (its JSON path; see sd_cell). */
void sd_table_num_m(sd_table *tb, long long n, long long d, const char *measure);
void sd_table_row_m(sd_table *tb, const char *label, long long n, long long d, const char *measure);
/* 1 when a numeric cell counts domains (so the domains behind it can be
 * listed); 0 for counts of records, lines or operators. */
int sd_cell_counts_domains(const sd_table *tb, size_t row, size_t col);
const sd_cell *sd_table_cell(const sd_table *tb, size_t row, size_t col);
void sd_tables_free(sd_tables *t);

/* Every table of the single-scan report, in report order. */
void sd_report_tables(const sd_agg *a, sd_tables *out);

/* Percentage with one decimal into buf ("12.5%"), or "-" when d <= 0. */
const char *sd_percent(long long n, long long d, char *buf, size_t len);

#endif
