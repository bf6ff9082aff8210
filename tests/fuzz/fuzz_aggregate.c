/* libFuzzer target: the report and diff readers of scan JSON lines (one
 * result object per line, see docs/report.md): aggregation
 * (sd_agg_add_line / sd_agg_add_stream), merging, the report tables and
 * JSON, the drill-down lists and the rows read back for the per-domain
 * sections of `report --html` (sd_result_from_json), and the per-domain
 * snapshots compared by `stsdane diff`. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "report/aggregate.h"
#include "report/drill.h"
#include "report/history.h"
#include "report/tables.h"
#include "result/result_from_json.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Snapshots of consecutive lines are compared with each other, as diff
 * compares one domain's results of two scans. */
static void compare_snapshots(const sd_fuzz_pieces *lines) {
  sd_snap *prev = NULL;
  for (size_t i = 0; i < lines->count; i++) {
    cJSON *j = cJSON_ParseWithLength(lines->ptr[i], lines->len[i]);
    sd_snap *cur = j ? sd_snap_from_json(j) : NULL;
    cJSON_Delete(j);
    if (!cur) continue;
    if (prev) {
      unsigned char changed[SD_CHG__COUNT];
      cJSON *details = cJSON_CreateArray();
      sd_snap_inherit(cur, prev);
      sd_snap_compare(prev, cur, changed, details);
      cJSON_Delete(details);
      sd_snap_free(prev);
    }
    prev = cur;
  }
  sd_snap_free(prev);
}

static void report_of(const sd_agg *a) {
  cJSON *json = sd_agg_to_json(a);
  char *text = json ? cJSON_PrintUnformatted(json) : NULL;
  free(text);
  cJSON_Delete(json);
  sd_tables tables = {0};
  sd_report_tables(a, &tables);
  sd_tables_free(&tables);
}

static void row_back(void *ctx, const cJSON *row, const char *domain, int listed) {
  (void)ctx;
  (void)domain;
  (void)listed;
  sd_domain_result r;
  if (sd_result_from_json(row, &r) == 0) sd_domain_result_free(&r);
}

/* The lists behind the counts, with the whole aggregate's providers. */
static void drill_down(const sd_agg *whole, FILE *fp) {
  sd_drill d;
  sd_drill_init(&d, whole, 2, NULL);
  d.on_row = row_back;
  (void)sd_drill_add_stream(&d, fp);
  sd_drill_free(&d);
}

/* `stsdane report --over-time` over two snapshots: the input read twice. */
static void over_time(FILE *fp) {
  free(sd_history_first_scanned(fp));
  sd_history h;
  sd_history_init(&h, 2);
  if (sd_history_add(&h, fp, "first") == 0) {
    rewind(fp);
    (void)sd_history_add(&h, fp, "second");
  }
  cJSON *json = sd_history_to_json(&h);
  cJSON_Delete(json);
  sd_tables tables = {0};
  sd_history_tables(&h, &tables);
  sd_tables_free(&tables);
  sd_history_free(&h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sd_fuzz_pieces lines;
  sd_fuzz_split_lines(data, size, &lines);

  sd_agg by_line, whole;
  sd_agg_init(&by_line, 2); /* a tiny provider threshold so operators saturate */
  sd_agg_init(&whole, 2);
  for (size_t i = 0; i < lines.count; i++) sd_agg_add_line(&by_line, lines.ptr[i], lines.len[i]);
  if (size > 0) {
    FILE *fp = fmemopen((void *)data, size, "r");
    if (fp) {
      (void)sd_agg_add_stream(&whole, fp);
      rewind(fp);
      drill_down(&whole, fp);
      rewind(fp);
      over_time(fp);
      fclose(fp);
    }
  }
  if (sd_agg_merge(&whole, &by_line) != 0) abort(); /* same threshold: must merge */
  report_of(&whole);
  sd_agg_free(&by_line);
  sd_agg_free(&whole);

  compare_snapshots(&lines);
  return 0;
}
