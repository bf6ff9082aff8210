/* Output formats of `stsdane report`: every renderer takes the same tables
 * (src/report/tables.h) and escapes every string for its medium. */
#ifndef SD_CLI_REPORT_RENDER_H
#define SD_CLI_REPORT_RENDER_H

#include <stdio.h>

#include "report/drill.h"
#include "report/strmap.h"
#include "report/tables.h"

/* Text tables for a terminal or a pager. */
void sd_report_render_text(FILE *out, const sd_tables *t, const char *title);
/* One CSV file per table, DIR/<table id>.csv (DIR is created if missing).
 * Returns 0, or -1 with a message on stderr. */
int sd_report_write_csv(const char *dir, const sd_tables *t);
/* What the page adds to the tables: the domains behind each count and each
 * domain as `check` prints it. Any member may be NULL. */
typedef struct sd_report_page {
  const sd_drill *drill;     /* the lists behind the counts */
  const sd_strmap *details;  /* domain -> ext char *: sd_render_text of its row */
  const char *lists_csv;     /* where the full lists are (named in the notes) */
  size_t details_max;        /* the cap on per-domain sections (named in the note) */
} sd_report_page;

/* One self-contained HTML page with inline CSS and SVG charts. */
void sd_report_render_html(FILE *out, const sd_tables *t, const char *title);
void sd_report_render_html_page(FILE *out, const sd_tables *t, const char *title, const sd_report_page *page);
int sd_report_write_html(const char *path, const sd_tables *t, const char *title, const sd_report_page *page);

#endif
