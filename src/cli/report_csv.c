/* `stsdane report --csv DIR`: one CSV file per table. A numeric column
 * becomes three: the count, its denominator ("... of") and the percentage. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/report_render.h"
#include "util/escape.h"
#include "util/atomic_file.h"
#include "util/str.h"

static void put_field(FILE *f, const char *s, int first) {
  char *e = sd_escape_csv(s ? s : "");
  fprintf(f, "%s%s", first ? "" : ",", e ? e : "");
  free(e);
}

/* A column is numeric when its first row's cell is. */
static int numeric_col(const sd_table *tb, size_t c) {
  const sd_cell *cell = sd_table_cell(tb, 0, c);
  return cell && !cell->text;
}

static void write_table(FILE *f, const sd_table *tb) {
  for (size_t c = 0; c < tb->ncols; c++) {
    put_field(f, tb->cols[c], c == 0);
    if (numeric_col(tb, c)) {
      char *of = sd_asprintf("%s of", tb->cols[c]), *pct = sd_asprintf("%s %%", tb->cols[c]);
      put_field(f, of, 0);
      put_field(f, pct, 0);
      free(of);
      free(pct);
    }
  }
  fputs("\r\n", f);
  for (size_t r = 0; r < tb->nrows; r++) {
    for (size_t c = 0; c < tb->ncols; c++) {
      const sd_cell *cell = sd_table_cell(tb, r, c);
      if (!numeric_col(tb, c)) {
        put_field(f, cell && cell->text ? cell->text : "", c == 0);
        continue;
      }
      char n[32] = "", d[32] = "", pct[32] = "";
      if (cell && !cell->text) {
        snprintf(n, sizeof(n), "%lld", cell->n);
        if (cell->d > 0) {
          snprintf(d, sizeof(d), "%lld", cell->d);
          snprintf(pct, sizeof(pct), "%.2f", 100.0 * (double)cell->n / (double)cell->d);
        }
      }
      fprintf(f, "%s%s,%s,%s", c ? "," : "", n, d, pct);
    }
    fputs("\r\n", f);
  }
}

int sd_report_write_csv(const char *dir, const sd_tables *t) {
  if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "stsdane report: cannot create CSV directory %s: %s\n", dir, strerror(errno));
    return -1;
  }
  for (size_t i = 0; i < t->count; i++) {
    char *path = sd_asprintf("%s/%s.csv", dir, t->items[i].id);
    sd_atomic_file af;
    char err[512] = "out of memory";
    FILE *f = path ? sd_atomic_open(&af, path, err, sizeof(err)) : NULL;
    if (!f || (write_table(f, &t->items[i]), sd_atomic_commit(&af, err, sizeof(err))) != 0) {
      fprintf(stderr, "stsdane report: %s\n", err);
      free(path);
      return -1;
    }
    free(path);
  }
  return 0;
}
