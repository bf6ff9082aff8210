/* Scan output rows, the output file modes, and progress formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "findings/findings.h"
#include "scan/output.h"
#include "scan/progress.h"
#include "scan/resume.h"
#include "util/str.h"

static sd_domain_result *invalid_result(const char *text) {
  sd_domain_result *r = calloc(1, sizeof(*r));
  r->invalid_domain = 1;
  r->domain = sd_strdup(text);
  r->mx_lookup = SD_LOOKUP_ERROR;
  sd_findings_add(&r->findings, SD_C_INVALID_DOMAIN, "domain", "bad");
  return r;
}

static void free_result(sd_domain_result *r) {
  sd_domain_result_free(r);
  free(r);
}

static void test_row_has_line_and_rank_first(void **state) {
  sd_domain_result *r = invalid_result("foo bar");
  sd_json_options jo = {0};
  char *row = sd_scan_row_json(r, 1234, 1, 17, &jo);
  assert_non_null(row);
  assert_memory_equal(row, "{\"line\":1234,\"rank\":17,", 23);
  assert_null(strchr(row, '\n'));
  cJSON *j = cJSON_Parse(row);
  assert_non_null(j);
  assert_int_equal(cJSON_GetObjectItem(j, "line")->valueint, 1234);
  assert_int_equal(cJSON_GetObjectItem(j, "rank")->valueint, 17);
  assert_string_equal(cJSON_GetObjectItem(j, "domain")->valuestring, "foo bar");
  assert_non_null(cJSON_GetObjectItem(j, "findings"));
  uint64_t line;
  assert_int_equal(sd_resume_row_line(row, strlen(row), &line), 0);
  assert_int_equal(line, 1234);
  cJSON_Delete(j);
  free(row);
  row = sd_scan_row_json(r, 9, 0, 0, &jo);
  assert_memory_equal(row, "{\"line\":9,\"", 11);
  assert_null(strstr(row, "\"rank\""));
  free(row);
  free_result(r);
}

static char *read_file(const char *path) {
  FILE *fp = fopen(path, "r");
  assert_non_null(fp);
  static char buf[4096];
  size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
  buf[n] = '\0';
  fclose(fp);
  return buf;
}

static void test_output_modes(void **state) {
  char path[] = "/tmp/test_scan_output_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, "old\n", 4), 4);
  close(fd);
  sd_scan_output out;
  char err[512];
  /* An existing non-empty output is never overwritten by accident. */
  assert_int_equal(sd_scan_output_open(&out, path, SD_OUTPUT_NEW, 2, err, sizeof(err)), -2);
  assert_non_null(strstr(err, "--resume"));
  assert_non_null(strstr(err, "--force"));
  assert_string_equal(read_file(path), "old\n");
  /* --resume appends */
  assert_int_equal(sd_scan_output_open(&out, path, SD_OUTPUT_APPEND, 2, err, sizeof(err)), 0);
  assert_int_equal(sd_scan_output_write(&out, "{\"line\":1}"), 0);
  assert_int_equal(sd_scan_output_close(&out, err, sizeof(err)), 0);
  assert_string_equal(read_file(path), "old\n{\"line\":1}\n");
  /* --force truncates */
  assert_int_equal(sd_scan_output_open(&out, path, SD_OUTPUT_FORCE, 2, err, sizeof(err)), 0);
  assert_int_equal(sd_scan_output_write(&out, "{\"line\":2}"), 0);
  assert_int_equal(sd_scan_output_write(&out, "{\"line\":3}"), 0); /* batch of 2: flushed */
  assert_string_equal(read_file(path), "{\"line\":2}\n{\"line\":3}\n");
  assert_int_equal(sd_scan_output_close(&out, err, sizeof(err)), 0);
  assert_int_equal(out.rows, 2);
  unlink(path);
  /* An empty existing file is fine without --force. */
  fd = mkstemp(path);
  close(fd);
  assert_int_equal(sd_scan_output_open(&out, path, SD_OUTPUT_NEW, 0, err, sizeof(err)), 0);
  assert_int_equal(sd_scan_output_close(&out, err, sizeof(err)), 0);
  unlink(path);
  assert_int_equal(sd_scan_output_open(&out, "/nonexistent/dir/out.jsonl", SD_OUTPUT_NEW, 0, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "/nonexistent/dir/out.jsonl"));
}

static void test_write_error_reported(void **state) {
  if (access("/dev/full", W_OK) != 0) skip();
  sd_scan_output out;
  char err[512];
  assert_int_equal(sd_scan_output_open(&out, "/dev/full", SD_OUTPUT_FORCE, 1, err, sizeof(err)), 0);
  assert_int_equal(sd_scan_output_write(&out, "{\"line\":1}"), -1);
  assert_int_equal(sd_scan_output_write(&out, "{\"line\":2}"), -1);
  assert_int_equal(sd_scan_output_close(&out, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "/dev/full"));
}

static void test_progress_formatting(void **state) {
  char buf[600];
  sd_scan_format_duration(5, buf, sizeof(buf));
  assert_string_equal(buf, "5s");
  sd_scan_format_duration(125, buf, sizeof(buf));
  assert_string_equal(buf, "2m05s");
  sd_scan_format_duration(7380, buf, sizeof(buf));
  assert_string_equal(buf, "2h03m");
  sd_scan_format_duration(-1, buf, sizeof(buf));
  assert_string_equal(buf, "?");
  sd_scan_format_count(87000000, buf, sizeof(buf));
  assert_string_equal(buf, "87.0M");

  sd_scan_counters c = {.lines_total = 1000, .lines_read = 110, .in_flight = 10, .skipped_resume = 0,
                        .started_at = 100.0, .done = 100};
  /* 100 lines settled in 10 s: 900 left take 90 s */
  assert_true(sd_scan_eta(&c, 110.0) > 89.9 && sd_scan_eta(&c, 110.0) < 90.1);
  c.lines_total = 0;
  assert_true(sd_scan_eta(&c, 110.0) < 0);
  c.protected_by[SD_PROTECTED_BOTH] = 4;
  c.invalid = 2;
  sd_scan_progress_line(&c, 110.0, buf, sizeof(buf));
  assert_non_null(strstr(buf, "in flight 10"));
  assert_non_null(strstr(buf, "both 4"));
  /* Every line read but none finished: 0% done, not the share of lines read. */
  sd_scan_counters early = {.lines_total = 53, .lines_read = 53, .in_flight = 53, .started_at = 100.0};
  sd_scan_progress_line(&early, 101.0, buf, sizeof(buf));
  assert_non_null(strstr(buf, "0 of 53 lines done, 0.0%"));
  assert_non_null(strstr(buf, "rows 0, in flight 53"));
  /* 100 rows finished of 1000 lines in 10 s: 10%, 10 rows/s, 1m30s left. */
  sd_scan_counters mid = {.lines_total = 1000, .lines_read = 110, .in_flight = 10, .started_at = 100.0, .done = 100};
  sd_scan_progress_line(&mid, 110.0, buf, sizeof(buf));
  assert_non_null(strstr(buf, "100 of 1000 lines done, 10.0%"));
  assert_non_null(strstr(buf, "10.0 rows/s, 1m30s left"));
  sd_scan_summary_line(&c, 110.0, 555, 66, buf, sizeof(buf));
  assert_non_null(strstr(buf, "scanned 100 domains in 10.0 s (10.0/s)"));
  assert_non_null(strstr(buf, "555 DNS queries"));
  assert_non_null(strstr(buf, "66 SMTP connections"));
  assert_non_null(strstr(buf, "invalid 2"));
}

static void test_counters(void **state) {
  sd_scan_counters c = {0};
  sd_domain_result *bad = invalid_result("x");
  sd_scan_counters_add_result(&c, bad);
  sd_domain_result ok = {0};
  ok.protected_by = SD_PROTECTED_DANE;
  for (int p = 0; p < SD_PROFILE__COUNT; p++) ok.profiles[p] = SD_OUTCOME_PROTECTED;
  sd_scan_counters_add_result(&c, &ok);
  ok.profiles[SD_PROFILE_OPPORTUNISTIC] = SD_OUTCOME_UNKNOWN;
  sd_scan_counters_add_result(&c, &ok); /* measured, one profile unknown */
  ok.profiles[SD_PROFILE_MTASTS] = SD_OUTCOME_UNKNOWN;
  ok.profiles[SD_PROFILE_DANE] = SD_OUTCOME_UNKNOWN;
  ok.protected_by = SD_PROTECTED_UNKNOWN;
  char reason[] = "mx1.a.test: no address answered in time";
  ok.unknown_reason = reason;
  sd_scan_counters_add_result(&c, &ok);
  sd_scan_counters_add_result(&c, &ok);
  ok.unknown_reason = NULL;
  assert_int_equal(c.done, 5);
  assert_int_equal(c.invalid, 1);
  assert_int_equal(c.protected_by[SD_PROTECTED_DANE], 2);
  assert_int_equal(c.protected_by[SD_PROTECTED_NONE], 0);
  assert_int_equal(c.unknown, 2);
  assert_int_equal(c.partly_unknown, 1);
  assert_int_equal(sd_scan_measured(&c), 2);
  char buf[1200];
  sd_scan_summary_line(&c, c.started_at + 1, 0, 0, buf, sizeof(buf));
  /* Unknown rows are apart from the measured ones, with their reason. */
  assert_non_null(strstr(buf, "measured 2, protected by none 0"));
  assert_non_null(strstr(buf, "unknown (not measured, not counted above) 2: no address answered in time 2"));
  free_result(bad);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_row_has_line_and_rank_first),
      cmocka_unit_test(test_output_modes),
      cmocka_unit_test(test_write_error_reported),
      cmocka_unit_test(test_progress_formatting),
      cmocka_unit_test(test_counters),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
