/* --resume bookkeeping: the done set and reading back an interrupted output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "scan/resume.h"

static void test_row_line(void **state) {
  uint64_t line = 0;
  const char *ok = "{\"line\":42,\"domain\":\"x\"}";
  assert_int_equal(sd_resume_row_line(ok, strlen(ok), &line), 0);
  assert_int_equal(line, 42);
  const char *only = "{\"line\":7}";
  assert_int_equal(sd_resume_row_line(only, strlen(only), &line), 0);
  assert_int_equal(line, 7);
  const char *bad[] = {"", "{", "{\"line\":", "{\"line\":,", "{\"line\":12", "{\"domain\":\"x\",\"line\":3}",
                       "{\"line\":-3,", "{\"line\":3x,", "{\"line\":99999999999999999999999,", "garbage"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_int_equal(sd_resume_row_line(bad[i], strlen(bad[i]), &line), -1);
}

static void test_done_set(void **state) {
  sd_done_set set = {0};
  assert_false(sd_done_set_has(&set, 1));
  assert_int_equal(sd_done_set_add(&set, 1), 1);
  assert_int_equal(sd_done_set_add(&set, 1), 0);
  assert_int_equal(sd_done_set_add(&set, 65536), 1);
  assert_int_equal(sd_done_set_add(&set, 87000000), 1);
  assert_true(sd_done_set_has(&set, 1));
  assert_true(sd_done_set_has(&set, 65536));
  assert_true(sd_done_set_has(&set, 87000000));
  assert_false(sd_done_set_has(&set, 2));
  assert_false(sd_done_set_has(&set, 65535));
  assert_false(sd_done_set_has(&set, 87000001));
  assert_false(sd_done_set_has(&set, UINT64_MAX));
  /* A hostile line number must not allocate a huge bitmap. */
  assert_int_equal(sd_done_set_add(&set, SD_DONE_LINE_MAX + 1), -1);
  assert_int_equal(sd_done_set_add(&set, UINT64_MAX), -1);
  assert_int_equal(set.count, 3);
  sd_done_set_free(&set);
}

static char *write_temp(const char *data, size_t len) {
  char *path = strdup("/tmp/test_scan_resume_XXXXXX");
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, data, len), (ssize_t)len);
  close(fd);
  return path;
}

static long file_size(const char *path) {
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  return (long)st.st_size;
}

static void test_load_cuts_torn_row(void **state) {
  const char complete[] = "{\"line\":3,\"domain\":\"a.example\"}\n"
                          "{\"line\":1,\"domain\":\"b.example\"}\n"
                          "not a row\n"
                          "{\"line\":3,\"domain\":\"a.example\"}\n";
  const char torn[] = "{\"line\":2,\"domain\":\"c.exa";
  char data[512];
  snprintf(data, sizeof(data), "%s%s", complete, torn);
  char *path = write_temp(data, strlen(data));
  sd_done_set done = {0};
  sd_resume_stats st;
  char err[256];
  assert_int_equal(sd_resume_load(path, &done, &st, err, sizeof(err)), 0);
  assert_int_equal(st.rows, 3);
  assert_int_equal(st.duplicates, 1);
  assert_int_equal(st.unrecognised, 1);
  assert_int_equal(st.torn_bytes, strlen(torn));
  assert_true(sd_done_set_has(&done, 1));
  assert_true(sd_done_set_has(&done, 3));
  assert_false(sd_done_set_has(&done, 2)); /* the torn row is redone */
  assert_int_equal(file_size(path), (long)strlen(complete));
  /* Loading again finds nothing torn. */
  sd_done_set again = {0};
  assert_int_equal(sd_resume_load(path, &again, &st, err, sizeof(err)), 0);
  assert_int_equal(st.torn_bytes, 0);
  assert_int_equal(again.count, 2);
  sd_done_set_free(&again);
  sd_done_set_free(&done);
  unlink(path);
  free(path);
}

static void test_load_long_rows(void **state) {
  /* Rows far longer than the reader's buffer (PEM chains) are still counted. */
  size_t n = 200000;
  char *data = malloc(2 * n + 100);
  size_t len = (size_t)sprintf(data, "{\"line\":5,\"x\":\"");
  memset(data + len, 'A', n);
  len += n;
  len += (size_t)sprintf(data + len, "\"}\n{\"line\":6,\"x\":\"");
  memset(data + len, 'B', n); /* torn: no newline */
  len += n;
  char *path = write_temp(data, len);
  free(data);
  sd_done_set done = {0};
  sd_resume_stats st;
  char err[256];
  assert_int_equal(sd_resume_load(path, &done, &st, err, sizeof(err)), 0);
  assert_int_equal(st.rows, 1);
  assert_true(sd_done_set_has(&done, 5));
  assert_false(sd_done_set_has(&done, 6));
  assert_int_equal(st.torn_bytes, n + strlen("{\"line\":6,\"x\":\""));
  sd_done_set_free(&done);
  unlink(path);
  free(path);
}

static void test_load_missing_and_empty(void **state) {
  sd_done_set done = {0};
  sd_resume_stats st;
  char err[256];
  assert_int_equal(sd_resume_load("/tmp/does/not/exist.jsonl", &done, &st, err, sizeof(err)), 1);
  char *path = write_temp("", 0);
  assert_int_equal(sd_resume_load(path, &done, &st, err, sizeof(err)), 0);
  assert_int_equal(st.rows, 0);
  assert_int_equal(st.torn_bytes, 0);
  unlink(path);
  free(path);
  assert_int_equal(sd_resume_load("/tmp", &done, &st, err, sizeof(err)), -1); /* a directory */
  assert_true(err[0] != '\0');
  sd_done_set_free(&done);
}

/* --redo-unknown: unknown rows leave the file and the done set; a quoted
 * look-alike inside a string and a measured row do not; the key is found
 * beyond the first 64 KiB of a long row (across read chunks). */
static void test_drop_unknown(void **state) {
  const char *measured = "{\"line\":1,\"domain\":\"a.test\",\"verdict\":{\"protected_by\":\"none\"}}\n";
  const char *unknown = "{\"line\":2,\"domain\":\"b.test\",\"verdict\":{\"protected_by\":\"unknown\"}}\n";
  const char *lookalike =
      "{\"line\":3,\"txt\":\"\\\"protected_by\\\":\\\"unknown\\\"\",\"verdict\":{\"protected_by\":\"dane\"}}\n";
  const char *dup_measured = "{\"line\":5,\"verdict\":{\"protected_by\":\"both\"}}\n";
  const char *dup_unknown = "{\"line\":5,\"verdict\":{\"protected_by\":\"unknown\"}}\n";
  size_t pad = 70000;
  char *longrow = malloc(pad + 100);
  assert_non_null(longrow);
  int n = snprintf(longrow, 100, "{\"line\":4,\"pad\":\"");
  memset(longrow + n, 'x', pad);
  snprintf(longrow + n + pad, 100, "\",\"protected_by\":\"unknown\"}\n");
  size_t total = strlen(measured) + strlen(unknown) + strlen(lookalike) + strlen(longrow) + strlen(dup_measured) +
                 strlen(dup_unknown);
  char *all = malloc(total + 1);
  assert_non_null(all);
  snprintf(all, total + 1, "%s%s%s%s%s%s", measured, unknown, lookalike, longrow, dup_measured, dup_unknown);
  char *path = write_temp(all, total);
  sd_done_set done = {0};
  sd_resume_stats st;
  char err[256];
  assert_int_equal(sd_resume_load(path, &done, &st, err, sizeof(err)), 0);
  assert_int_equal(st.rows, 6);
  int lock_fd = -1;
  uint64_t dropped = 0;
  assert_int_equal(sd_resume_drop_unknown(path, &done, &lock_fd, &dropped, err, sizeof(err)), 0);
  assert_int_equal(dropped, 3);
  assert_true(lock_fd >= 0); /* the rewritten file is locked */
  assert_true(sd_done_set_has(&done, 1));
  assert_false(sd_done_set_has(&done, 2));
  assert_true(sd_done_set_has(&done, 3));
  assert_false(sd_done_set_has(&done, 4));
  assert_true(sd_done_set_has(&done, 5)); /* its measured row stays */
  FILE *fp = fopen(path, "r");
  assert_non_null(fp);
  char got[4096] = "";
  size_t len = fread(got, 1, sizeof(got) - 1, fp);
  fclose(fp);
  got[len] = '\0';
  char want[4096];
  snprintf(want, sizeof(want), "%s%s%s", measured, lookalike, dup_measured);
  assert_string_equal(got, want);
  close(lock_fd);
  /* Nothing unknown left: the file is not touched. */
  lock_fd = -1;
  assert_int_equal(sd_resume_drop_unknown(path, &done, &lock_fd, &dropped, err, sizeof(err)), 0);
  assert_int_equal(dropped, 0);
  assert_int_equal(lock_fd, -1);
  unlink(path);
  free(path);
  free(all);
  free(longrow);
  sd_done_set_free(&done);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_row_line),
      cmocka_unit_test(test_done_set),
      cmocka_unit_test(test_load_cuts_torn_row),
      cmocka_unit_test(test_load_long_rows),
      cmocka_unit_test(test_load_missing_and_empty),
      cmocka_unit_test(test_drop_unknown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
