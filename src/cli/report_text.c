/* `stsdane report` as text tables. */
#include <stdlib.h>
#include <string.h>

#include "cli/report_render.h"
#include "util/escape.h"
#include "util/str.h"

enum { MAX_COL_WIDTH = 100 };

/* The shown text of a cell, escaped for a terminal (caller frees). */
static char *cell_text(const sd_cell *c) {
  if (!c) return sd_strdup("");
  if (c->text) return sd_escape_terminal(c->text, strlen(c->text));
  char pct[32];
  if (c->d > 0) return sd_asprintf("%lld (%s)", c->n, sd_percent(c->n, c->d, pct, sizeof(pct)));
  return sd_asprintf("%lld", c->n);
}

static void print_table(FILE *out, const sd_table *tb) {
  size_t *width = calloc(tb->ncols, sizeof(size_t));
  char **texts = tb->nrows ? calloc(tb->nrows * tb->ncols, sizeof(char *)) : NULL;
  if (!width || (tb->nrows && !texts)) {
    free(width);
    free(texts);
    return;
  }
  for (size_t c = 0; c < tb->ncols; c++) width[c] = strlen(tb->cols[c] ? tb->cols[c] : "");
  for (size_t r = 0; r < tb->nrows; r++)
    for (size_t c = 0; c < tb->ncols; c++) {
      char *t = cell_text(sd_table_cell(tb, r, c));
      texts[r * tb->ncols + c] = t;
      size_t w = t ? strlen(t) : 0;
      if (w > MAX_COL_WIDTH) w = MAX_COL_WIDTH;
      if (w > width[c]) width[c] = w;
    }
  fprintf(out, "\n%s\n", tb->title);
  if (tb->denominator && *tb->denominator) fprintf(out, "  (percentages: %s)\n", tb->denominator);
  fputs("  ", out);
  for (size_t c = 0; c < tb->ncols; c++) fprintf(out, c ? "  %*s" : "%-*s", (int)width[c], tb->cols[c]);
  fputs("\n", out);
  for (size_t r = 0; r < tb->nrows; r++) {
    fputs("  ", out);
    for (size_t c = 0; c < tb->ncols; c++) {
      const char *t = texts[r * tb->ncols + c] ? texts[r * tb->ncols + c] : "";
      fprintf(out, c ? "  %*s" : "%-*s", (int)width[c], t);
    }
    fputs("\n", out);
  }
  if (tb->nrows == 0) fputs("  (none)\n", out);
  for (size_t i = 0; texts && i < tb->nrows * tb->ncols; i++) free(texts[i]);
  free(texts);
  free(width);
}

void sd_report_render_text(FILE *out, const sd_tables *t, const char *title) {
  fprintf(out, "%s\n", title);
  const char *section = NULL;
  for (size_t i = 0; i < t->count; i++) {
    const sd_table *tb = &t->items[i];
    if (!section || strcmp(section, tb->section) != 0) {
      section = tb->section;
      fprintf(out, "\n== %s ==\n", section);
    }
    print_table(out, tb);
  }
}
