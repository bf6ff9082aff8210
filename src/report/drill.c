/* Drill-down lists: which domains are behind each count (see drill.h). */
#include "report/drill.h"

#include <stdlib.h>
#include <string.h>

#include "report/agg_internal.h"
#include "util/escape.h"
#include "util/str.h"

static void list_free(void *p) {
  sd_drill_list *l = p;
  for (size_t i = 0; i < l->kept; i++) free(l->domains[i]);
  free(l->domains);
  free(l);
}

void sd_drill_init(sd_drill *d, const sd_agg *whole, size_t cap, FILE *csv) {
  memset(d, 0, sizeof(*d));
  d->whole = whole;
  d->cap = cap;
  d->csv = csv;
  d->cells.ext_free = list_free;
}

void sd_drill_free(sd_drill *d) {
  if (d) sd_strmap_free(&d->cells);
}

/* Cell keys join the three names with a unit separator, which no label holds
 * (labels from the scan are escaped only when printed, so refuse it there). */
static char *cell_key(const char *table, const char *row, const char *col) {
  return sd_asprintf("%s\x1f%s\x1f%s", table, row, col);
}

static void csv_field(FILE *f, const char *s, const char *end) {
  char *e = sd_escape_csv(s ? s : "");
  fputs(e ? e : "", f);
  fputs(end, f);
  free(e);
}

void sd_drill_csv_header(FILE *csv) { fputs("table,row,column,domain\r\n", csv); }

/* Returns 1 when the domain was kept in the list (shown on the page). */
static int add_member(sd_drill *d, const sd_table *tb, const char *row, const char *col, const char *domain) {
  char *key = cell_key(tb->id, row, col);
  sd_strmap_entry *e = key ? sd_strmap_get(&d->cells, key) : NULL;
  free(key);
  if (d->csv) {
    csv_field(d->csv, tb->id, ",");
    csv_field(d->csv, row, ",");
    csv_field(d->csv, col, ",");
    csv_field(d->csv, domain, "\r\n");
  }
  if (!e) {
    d->failed = 1;
    return 0;
  }
  if (!e->ext) e->ext = calloc(1, sizeof(sd_drill_list));
  sd_drill_list *l = e->ext;
  e->count++;
  if (!l || l->kept >= d->cap) return 0;
  if (!l->domains) l->domains = calloc(d->cap, sizeof(char *));
  char *copy = l->domains ? sd_strdup(domain) : NULL;
  if (!copy) return 0;
  l->domains[l->kept++] = copy;
  return 1;
}

/* The cells of a one-domain report that count the domain. */
static int add_row(sd_drill *d, const cJSON *row) {
  const char *domain = sd_agg_jstr(row, "domain");
  sd_agg one;
  sd_agg_init(&one, d->whole->provider_threshold);
  if (!domain || sd_agg_add_result(&one, row) != 0) {
    sd_agg_free(&one);
    return 0;
  }
  sd_agg_mark_providers(&one, d->whole);
  sd_tables tables = {0};
  sd_report_tables(&one, &tables);
  int listed = 0;
  for (size_t t = 0; t < tables.count; t++) {
    const sd_table *tb = &tables.items[t];
    for (size_t r = 0; r < tb->nrows; r++) {
      const sd_cell *label = sd_table_cell(tb, r, 0);
      for (size_t c = 1; c < tb->ncols; c++) {
        const sd_cell *cell = sd_table_cell(tb, r, c);
        if (!cell || cell->text || cell->n <= 0 || !sd_cell_counts_domains(tb, r, c)) continue;
        listed |= add_member(d, tb, label && label->text ? label->text : "", tb->cols[c], domain);
      }
    }
  }
  if (tables.failed) d->failed = 1;
  sd_tables_free(&tables);
  sd_agg_free(&one);
  d->rows++;
  if (d->on_row) d->on_row(d->ctx, row, domain, listed);
  return 0;
}

static int on_line(void *ctx, const char *line, size_t len) {
  cJSON *j = cJSON_ParseWithLength(line, len);
  if (j) add_row(ctx, j);
  cJSON_Delete(j);
  return 0;
}

int sd_drill_add_stream(sd_drill *d, FILE *in) {
  return sd_agg_read_lines(in, SD_AGG_MAX_LINE, on_line, d, NULL, NULL);
}

const sd_drill_list *sd_drill_find(const sd_drill *d, const char *table, const char *row, const char *col,
                                   long long *total) {
  char *key = cell_key(table, row, col);
  const sd_strmap_entry *e = key ? sd_strmap_find(&d->cells, key) : NULL;
  free(key);
  if (total) *total = e ? e->count : 0;
  return e ? e->ext : NULL;
}
