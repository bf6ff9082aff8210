/* Output formats of `stsdane report`: every renderer takes the same tables
 * (src/compare/aggregate/tables.h) and escapes every string for its medium. */
#ifndef SD_CLI_REPORT_RENDER_H
#define SD_CLI_REPORT_RENDER_H

#include <stdio.h>

#include "compare/aggregate/tables.h"

/* Text tables for a terminal or a pager. */
void sd_report_render_text(FILE *out, const sd_tables *t, const char *title);
/* One CSV file per table, DIR/<table id>.csv (DIR is created if missing).
 * Returns 0, or -1 with a message on stderr. */
int sd_report_write_csv(const char *dir, const sd_tables *t);
/* One self-contained HTML page with inline CSS and SVG charts. */
void sd_report_render_html(FILE *out, const sd_tables *t, const char *title);
int sd_report_write_html(const char *path, const sd_tables *t, const char *title);

#endif
