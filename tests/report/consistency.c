/*
 * Every figure of the report agrees with itself:
 *  1. cells naming the same measure (sd_cell.measure) show the same count,
 *     in whichever table they appear (text, CSV and HTML render these
 *     tables, so they agree with each other);
 *  2. the count equals the figure at that path in `report --json`;
 *  3. every count of domains equals the length of the list of domains
 *     behind it (the drill-down of the HTML page).
 *
 *   report_consistency RESULTS.jsonl...
 *
 * Prints one line per disagreement and "consistency: N figures, M measures,
 * K lists, F failed"; exits 1 when anything disagrees.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/aggregate.h"
#include "report/drill.h"
#include "report/tables.h"

static int failed;

/* The number at a dotted path; keys may hold dots themselves (reasons), so
 * at each level the longest key that prefixes the rest is taken. Missing: 0. */
static long long json_at(const cJSON *o, const char *path, int *found) {
  *found = 0;
  while (o && *path) {
    const cJSON *best = NULL, *child;
    size_t best_len = 0;
    cJSON_ArrayForEach(child, o) {
      size_t n = child->string ? strlen(child->string) : 0;
      if (n > best_len && strncmp(path, child->string, n) == 0 && (path[n] == '.' || path[n] == '\0')) {
        best = child;
        best_len = n;
      }
    }
    if (!best) return 0;
    o = best;
    path += best_len + (path[best_len] == '.');
  }
  if (!cJSON_IsNumber(o)) return 0;
  *found = 1;
  return (long long)o->valuedouble;
}

typedef struct seen {
  const char *measure, *where;
  long long n;
} seen;

static void where_of(const sd_table *tb, size_t r, size_t c, char *buf, size_t len) {
  const sd_cell *label = sd_table_cell(tb, r, 0);
  snprintf(buf, len, "%s / %s / %s", tb->id, label && label->text ? label->text : "?", tb->cols[c]);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: report_consistency RESULTS.jsonl...\n");
    return 2;
  }
  sd_agg total;
  sd_agg_init(&total, 0);
  for (int i = 1; i < argc; i++) {
    FILE *f = fopen(argv[i], "r");
    if (!f) {
      perror(argv[i]);
      return 2;
    }
    sd_agg_add_stream(&total, f);
    fclose(f);
  }
  sd_drill drill;
  sd_drill_init(&drill, &total, 1, NULL);
  for (int i = 1; i < argc; i++) {
    FILE *f = fopen(argv[i], "r");
    if (f) sd_drill_add_stream(&drill, f);
    if (f) fclose(f);
  }
  cJSON *json = sd_agg_to_json(&total);
  sd_tables t = {0};
  sd_report_tables(&total, &t);
  size_t figures = 0, lists = 0, nseen = 0, cap = 0;
  seen *measures = NULL;
  char where[512];
  for (size_t i = 0; i < t.count; i++) {
    const sd_table *tb = &t.items[i];
    for (size_t r = 0; r < tb->nrows; r++)
      for (size_t c = 1; c < tb->ncols; c++) {
        const sd_cell *cell = sd_table_cell(tb, r, c);
        if (!cell || cell->text) continue;
        figures++;
        where_of(tb, r, c, where, sizeof(where));
        if (sd_cell_counts_domains(tb, r, c)) {
          long long listed;
          sd_drill_find(&drill, tb->id, sd_table_cell(tb, r, 0)->text ? sd_table_cell(tb, r, 0)->text : "",
                        tb->cols[c], &listed);
          lists++;
          if (listed != cell->n) {
            printf("FAIL list: %s counts %lld, its list has %lld domains\n", where, cell->n, listed);
            failed++;
          }
        }
        if (!cell->measure) continue;
        int found;
        long long j = json_at(json, cell->measure, &found);
        if (j != cell->n) {
          printf("FAIL json: %s = %lld, report --json %s = %lld%s\n", where, cell->n, cell->measure, j,
                 found ? "" : " (missing)");
          failed++;
        }
        size_t k = 0;
        while (k < nseen && strcmp(measures[k].measure, cell->measure) != 0) k++;
        if (k < nseen) {
          if (measures[k].n != cell->n) {
            printf("FAIL same measure %s: %s = %lld but %s = %lld\n", cell->measure, measures[k].where,
                   measures[k].n, where, cell->n);
            failed++;
          }
          continue;
        }
        if (nseen == cap) {
          cap = cap ? cap * 2 : 64;
          measures = realloc(measures, cap * sizeof(*measures));
          if (!measures) return 2;
        }
        measures[nseen++] = (seen){cell->measure, strdup(where), cell->n};
      }
  }
  printf("consistency: %zu figures, %zu measures, %zu lists, %d failed\n", figures, nseen, lists, failed);
  for (size_t k = 0; k < nseen; k++) free((char *)measures[k].where);
  free(measures);
  sd_tables_free(&t);
  cJSON_Delete(json);
  sd_drill_free(&drill);
  sd_agg_free(&total);
  return failed ? 1 : 0;
}
