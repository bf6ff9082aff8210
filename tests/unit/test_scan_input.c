/* The scan input reader: plain lists, CSV, and hostile bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scan/input.h"
#include "scan/shard.h"
#include "util/domain.h"

typedef struct rows {
  sd_scan_row items[16];
  size_t count;
  uint64_t skipped;
} rows;

/* Reads every row of data (len bytes, NULs allowed). */
static void read_all(const char *data, size_t len, rows *out) {
  FILE *fp = fmemopen((void *)data, len, "r");
  assert_non_null(fp);
  sd_input in;
  assert_int_equal(sd_input_init(&in, fp), 0);
  memset(out, 0, sizeof(*out));
  sd_scan_row *row = malloc(sizeof(*row));
  assert_non_null(row);
  int rc;
  while ((rc = sd_input_next(&in, row)) == 1) {
    assert_true(out->count < 16);
    out->items[out->count++] = *row;
  }
  assert_int_equal(rc, 0);
  out->skipped = in.skipped;
  free(row);
  sd_input_free(&in);
  fclose(fp);
}

#define READ(lit, out) read_all(lit, sizeof(lit) - 1, out)

/* An invalid row's text must itself be rejected by the normaliser, be
 * printable and short: it is what the evaluator puts in the result. */
static void assert_safe_invalid(const sd_scan_row *row) {
  char name[SD_DOMAIN_MAX + 1], err[256];
  assert_int_equal(row->kind, SD_ROW_INVALID);
  assert_true(row->reason[0] != '\0');
  assert_true(strlen(row->text) < 300);
  assert_true(sd_scan_text_clean(row->text, strlen(row->text)));
  assert_int_not_equal(sd_domain_normalize(row->text, strlen(row->text), name, sizeof(name), err, sizeof(err)), 0);
}

static void test_comments_and_blanks_skipped(void **state) {
  rows r;
  READ("# a comment\n\n   \n\t# indented comment\nexample.com\n", &r);
  assert_int_equal(r.count, 1);
  assert_int_equal(r.items[0].line, 5);
  assert_int_equal(r.items[0].kind, SD_ROW_DOMAIN);
  assert_string_equal(r.items[0].domain, "example.com");
  assert_int_equal(r.skipped, 4);
}

static void test_case_and_trailing_dot_normalised(void **state) {
  rows r;
  READ("Example.COM.\n  mail.Example.org  \n", &r);
  assert_int_equal(r.count, 2);
  assert_string_equal(r.items[0].domain, "example.com");
  assert_string_equal(r.items[0].text, "Example.COM."); /* the raw input is kept for the result */
  assert_string_equal(r.items[1].domain, "mail.example.org");
  assert_int_equal(r.items[1].line, 2);
}

static void test_ulabels_become_alabels(void **state) {
  rows r;
  READ("b\xc3\xbc" "cher.example\n", &r);
  assert_int_equal(r.count, 1);
  assert_int_equal(r.items[0].kind, SD_ROW_DOMAIN);
  assert_string_equal(r.items[0].domain, "xn--bcher-kva.example");
}

static void test_crlf_and_missing_final_newline(void **state) {
  rows r;
  READ("a.example\r\nb.example\r\nc.example", &r);
  assert_int_equal(r.count, 3);
  assert_string_equal(r.items[0].domain, "a.example");
  assert_string_equal(r.items[0].text, "a.example");
  assert_string_equal(r.items[1].domain, "b.example");
  assert_string_equal(r.items[2].domain, "c.example");
  assert_int_equal(r.items[2].line, 3);
}

static void test_bom_ignored(void **state) {
  rows r;
  READ("\xEF\xBB\xBF" "example.net\n", &r);
  assert_int_equal(r.count, 1);
  assert_int_equal(r.items[0].kind, SD_ROW_DOMAIN);
  assert_string_equal(r.items[0].domain, "example.net");
}

static void test_invalid_names_become_rows(void **state) {
  rows r;
  READ("foo bar\nnodot\n-bad.example\nunder_score.example\nok.example\n", &r);
  assert_int_equal(r.count, 5);
  for (size_t i = 0; i < 4; i++) {
    assert_safe_invalid(&r.items[i]);
    assert_int_equal(r.items[i].line, i + 1);
  }
  assert_string_equal(r.items[0].text, "foo bar"); /* short clean text is shown as written */
  assert_string_equal(r.items[1].text, "nodot");
  assert_int_equal(r.items[4].kind, SD_ROW_DOMAIN);
}

static void test_csv_with_header(void **state) {
  rows r;
  READ("rank,domain\n1,a.example\n2,B.Example.\n3,not a domain\n", &r);
  assert_int_equal(r.count, 3);
  assert_int_equal(r.skipped, 1);
  assert_int_equal(r.items[0].line, 2);
  assert_string_equal(r.items[0].domain, "a.example");
  assert_true(r.items[0].has_rank);
  assert_int_equal(r.items[0].rank, 1);
  assert_string_equal(r.items[1].domain, "b.example");
  assert_int_equal(r.items[1].rank, 2);
  assert_safe_invalid(&r.items[2]);
  assert_int_equal(r.items[2].rank, 3);
}

static void test_csv_header_other_order_and_quotes(void **state) {
  rows r;
  READ("\"Domain\",\"Rank\",note\n\"x.example\",\"5\",\"a, b\"\ny.example,6\n", &r);
  assert_int_equal(r.count, 2);
  assert_string_equal(r.items[0].domain, "x.example");
  assert_int_equal(r.items[0].rank, 5);
  assert_string_equal(r.items[1].domain, "y.example");
  assert_int_equal(r.items[1].rank, 6);
}

static void test_csv_header_short_row(void **state) {
  rows r;
  READ("id,name,domain\n1,foo\n", &r);
  assert_int_equal(r.count, 1);
  assert_safe_invalid(&r.items[0]);
  assert_non_null(strstr(r.items[0].reason, "domain column"));
}

static void test_csv_without_header(void **state) {
  rows r;
  READ("1,google.com\n2,Example.org,extra\nfoo,bar\n", &r);
  assert_int_equal(r.count, 3);
  assert_string_equal(r.items[0].domain, "google.com");
  assert_true(r.items[0].has_rank);
  assert_int_equal(r.items[0].rank, 1);
  assert_string_equal(r.items[1].domain, "example.org"); /* the last field that is a domain */
  assert_int_equal(r.items[1].rank, 2);
  assert_safe_invalid(&r.items[2]);
  assert_non_null(strstr(r.items[2].reason, "CSV"));
}

static void test_rank_not_carried_to_next_row(void **state) {
  rows r;
  READ("1,a.example\nb.example\n", &r);
  assert_int_equal(r.count, 2);
  assert_true(r.items[0].has_rank);
  assert_false(r.items[1].has_rank); /* the reader reuses one row buffer */
  assert_int_equal(r.items[1].rank, 0);
}

static void test_one_column_csv_header(void **state) {
  rows r;
  READ("domain\nexample.com\n", &r);
  assert_int_equal(r.count, 1);
  assert_int_equal(r.items[0].line, 2);
  assert_string_equal(r.items[0].domain, "example.com");
}

static void test_huge_line_is_one_invalid_row(void **state) {
  size_t n = 3 * SD_SCAN_LINE_MAX;
  char *data = malloc(n + 64);
  assert_non_null(data);
  /* Labels that look valid: a cut must not turn it into a real domain. */
  for (size_t i = 0; i < n; i++) data[i] = (i % 2) ? '.' : 'a';
  data[n - 1] = 'a';
  size_t len = n;
  len += (size_t)sprintf(data + len, "\nnext.example\n");
  rows r;
  read_all(data, len, &r);
  free(data);
  assert_int_equal(r.count, 2);
  assert_safe_invalid(&r.items[0]);
  assert_non_null(strstr(r.items[0].reason, "bytes long"));
  assert_non_null(strstr(r.items[0].text, "..."));
  assert_int_equal(r.items[1].line, 2);
  assert_string_equal(r.items[1].domain, "next.example");
}

static void test_nul_byte(void **state) {
  rows r;
  READ("exa\0mple.com\nfine.example\n", &r);
  assert_int_equal(r.count, 2);
  assert_safe_invalid(&r.items[0]);
  assert_non_null(strstr(r.items[0].reason, "NUL"));
  assert_string_equal(r.items[0].text, "exa\\x00mple.com");
  assert_string_equal(r.items[1].domain, "fine.example");
}

static void test_invalid_utf8_and_controls(void **state) {
  rows r;
  READ("\xff\xfe.example\n\xc0\xaf.example\nbad\x1b[31m.example\nback\\slash.example\n", &r);
  assert_int_equal(r.count, 4);
  for (size_t i = 0; i < 4; i++) assert_safe_invalid(&r.items[i]);
  assert_string_equal(r.items[0].text, "\\xff\\xfe.example");
  assert_string_equal(r.items[1].text, "\\xc0\\xaf.example"); /* overlong encoding */
  assert_string_equal(r.items[2].text, "bad\\x1b[31m.example");
  assert_string_equal(r.items[3].text, "back\\slash.example"); /* clean: shown as written */
}

static void test_binary_garbage_never_crashes(void **state) {
  unsigned char data[8192];
  unsigned int seed = 12345;
  for (size_t i = 0; i < sizeof(data); i++) {
    seed = seed * 1103515245u + 12345u;
    data[i] = (unsigned char)(seed >> 16);
  }
  FILE *fp = fmemopen(data, sizeof(data), "r");
  sd_input in;
  assert_int_equal(sd_input_init(&in, fp), 0);
  sd_scan_row *row = malloc(sizeof(*row));
  uint64_t last = 0;
  while (sd_input_next(&in, row) == 1) {
    assert_true(row->line > last);
    last = row->line;
    if (row->kind == SD_ROW_INVALID) assert_safe_invalid(row);
  }
  free(row);
  sd_input_free(&in);
  fclose(fp);
}

static void test_represent_is_bounded(void **state) {
  char raw[1000], out[SD_SCAN_LINE_MAX + 1];
  memset(raw, 0x01, sizeof(raw));
  sd_scan_represent(raw, sizeof(raw), 5000, out, sizeof(out));
  assert_true(strlen(out) <= SD_SCAN_SHOWN_MAX + 32);
  assert_non_null(strstr(out, "(5000 bytes)"));
  char small[8];
  sd_scan_represent(raw, sizeof(raw), sizeof(raw), small, sizeof(small));
  assert_true(strlen(small) < sizeof(small));
}

static void test_line_reader_flags(void **state) {
  static char data[] = "abcdefgh\nxy\r\nz";
  FILE *fp = fmemopen(data, sizeof(data) - 1, "r");
  sd_line_reader r;
  assert_int_equal(sd_line_reader_init(&r, fp, 4), 0);
  assert_int_equal(sd_line_reader_next(&r), 1);
  assert_true(r.truncated);
  assert_int_equal(r.len, 4);
  assert_int_equal(r.full_len, 8);
  assert_int_equal(sd_line_reader_next(&r), 1);
  assert_false(r.truncated);
  assert_string_equal(r.buf, "xy");
  assert_int_equal(r.end_of_complete, 13);
  assert_int_equal(sd_line_reader_next(&r), 1);
  assert_true(r.unterminated);
  assert_int_equal(r.end_of_complete, 13);
  assert_int_equal(r.offset, 14);
  assert_int_equal(sd_line_reader_next(&r), 0);
  sd_line_reader_free(&r);
  fclose(fp);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_comments_and_blanks_skipped),
      cmocka_unit_test(test_case_and_trailing_dot_normalised),
      cmocka_unit_test(test_ulabels_become_alabels),
      cmocka_unit_test(test_crlf_and_missing_final_newline),
      cmocka_unit_test(test_bom_ignored),
      cmocka_unit_test(test_invalid_names_become_rows),
      cmocka_unit_test(test_csv_with_header),
      cmocka_unit_test(test_csv_header_other_order_and_quotes),
      cmocka_unit_test(test_csv_header_short_row),
      cmocka_unit_test(test_csv_without_header),
      cmocka_unit_test(test_rank_not_carried_to_next_row),
      cmocka_unit_test(test_one_column_csv_header),
      cmocka_unit_test(test_huge_line_is_one_invalid_row),
      cmocka_unit_test(test_nul_byte),
      cmocka_unit_test(test_invalid_utf8_and_controls),
      cmocka_unit_test(test_binary_garbage_never_crashes),
      cmocka_unit_test(test_represent_is_bounded),
      cmocka_unit_test(test_line_reader_flags),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
