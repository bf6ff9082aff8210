/* Unit tests for the bounded, incremental SMTP reply parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "smtp/reply.h"

static sd_reply_state feed_all(sd_reply *r, const char *s, size_t len, size_t *used) {
  return sd_reply_feed(r, s, len, used);
}

static sd_reply_state feed_str(sd_reply *r, const char *s) {
  size_t used;
  return feed_all(r, s, strlen(s), &used);
}

static void test_single_line(void **state) {
  sd_reply r;
  assert_int_equal(sd_reply_init(&r, 0, 0), 0);
  assert_int_equal(feed_str(&r, "220 mx.example.com ESMTP\r\n"), SD_REPLY_COMPLETE);
  assert_int_equal(r.code, 220);
  assert_int_equal(r.lines, 1);
  assert_string_equal(r.text, "220 mx.example.com ESMTP");
  sd_reply_free(&r);
}

static void test_multi_line_and_leftover(void **state) {
  sd_reply r;
  sd_reply_init(&r, 0, 0);
  const char *in = "250-mx.example\r\n250-PIPELINING\r\n250 STARTTLS\r\n220 next";
  size_t used = 0;
  assert_int_equal(feed_all(&r, in, strlen(in), &used), SD_REPLY_COMPLETE);
  assert_int_equal(used, strlen(in) - strlen("220 next"));
  assert_int_equal(r.lines, 3);
  assert_string_equal(r.text, "250-mx.example\n250-PIPELINING\n250 STARTTLS");
  /* Finished: more input is not consumed. */
  assert_int_equal(feed_all(&r, "x", 1, &used), SD_REPLY_COMPLETE);
  assert_int_equal(used, 0);
  sd_reply_reset(&r);
  assert_int_equal(feed_str(&r, "221 bye\n"), SD_REPLY_COMPLETE);
  assert_int_equal(r.code, 221);
  sd_reply_free(&r);
}

static void test_code_only_line(void **state) {
  sd_reply r;
  sd_reply_init(&r, 0, 0);
  assert_int_equal(feed_str(&r, "250-a\r\n250\r\n"), SD_REPLY_COMPLETE);
  assert_int_equal(r.lines, 2);
  sd_reply_free(&r);
}

static void test_bare_lf(void **state) {
  sd_reply r;
  sd_reply_init(&r, 0, 0);
  assert_int_equal(feed_str(&r, "250-a\n250 b\n"), SD_REPLY_COMPLETE);
  assert_string_equal(r.text, "250-a\n250 b");
  sd_reply_free(&r);
}

static void test_bad_codes(void **state) {
  const char *bad[] = {"hello\r\n", "2x0 ok\r\n", "650 ok\r\n", "180 ok\r\n", "260 ok\r\n",
                       "250_ok\r\n", "25\r\n", "\r\n", " 250 ok\r\n"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    sd_reply r;
    sd_reply_init(&r, 0, 0);
    assert_int_equal(feed_str(&r, bad[i]), SD_REPLY_ERROR);
    assert_true(r.error[0] != '\0');
    sd_reply_free(&r);
  }
}

static void test_garbage_stops_early(void **state) {
  sd_reply r;
  sd_reply_init(&r, 0, 0);
  size_t used;
  const char *in = "\x16\x03\x01\x02\x00 lots of TLS bytes";
  assert_int_equal(feed_all(&r, in, strlen(in), &used), SD_REPLY_ERROR);
  assert_int_equal(used, 1); /* refused at the first byte, not at the line end */
  assert_non_null(strstr(r.error, "reply code"));
  sd_reply_free(&r);
}

static void test_mixed_codes(void **state) {
  sd_reply r;
  sd_reply_init(&r, 0, 0);
  assert_int_equal(feed_str(&r, "250-a\r\n550 b\r\n"), SD_REPLY_ERROR);
  assert_non_null(strstr(r.error, "mixed reply codes"));
  sd_reply_free(&r);
}

static void test_oversize_line(void **state) {
  sd_reply r;
  sd_reply_init(&r, 16, 1000);
  size_t used;
  char line[64];
  memset(line, 'a', sizeof line);
  memcpy(line, "250 ", 4);
  assert_int_equal(feed_all(&r, line, sizeof line, &used), SD_REPLY_ERROR);
  assert_int_equal(used, 17); /* stopped right after the limit */
  assert_non_null(strstr(r.error, "longer than 16 bytes"));
  sd_reply_free(&r);

  /* Exactly at the limit is fine. */
  sd_reply_init(&r, 16, 1000);
  assert_int_equal(feed_str(&r, "250 aaaaaaaaaaaa\r\n"), SD_REPLY_COMPLETE);
  sd_reply_free(&r);
}

static void test_oversize_reply(void **state) {
  sd_reply r;
  sd_reply_init(&r, 100, 1000);
  sd_reply_state st = SD_REPLY_NEED_MORE;
  size_t total = 0;
  for (int i = 0; i < 1000 && st == SD_REPLY_NEED_MORE; i++) {
    size_t used;
    st = feed_all(&r, "250-endless\r\n", 13, &used);
    total += used;
  }
  assert_int_equal(st, SD_REPLY_ERROR);
  assert_int_equal(total, 1000);
  assert_non_null(strstr(r.error, "reply longer than 1000 bytes"));
  sd_reply_free(&r);
}

static void test_nul_byte(void **state) {
  sd_reply r;
  sd_reply_init(&r, 0, 0);
  size_t used;
  assert_int_equal(feed_all(&r, "250 a\0b\r\n", 9, &used), SD_REPLY_ERROR);
  assert_non_null(strstr(r.error, "NUL"));
  sd_reply_free(&r);
}

static void test_byte_by_byte(void **state) {
  const char *in = "250-mx.example Hello\r\n250-SIZE 1000\r\n250-8BITMIME\r\n250 STARTTLS\r\n";
  sd_reply r;
  sd_reply_init(&r, 0, 0);
  size_t n = strlen(in);
  for (size_t i = 0; i < n; i++) {
    size_t used;
    sd_reply_state st = feed_all(&r, in + i, 1, &used);
    assert_int_equal(used, 1);
    assert_int_equal(st, i + 1 == n ? SD_REPLY_COMPLETE : SD_REPLY_NEED_MORE);
  }
  assert_string_equal(r.text, "250-mx.example Hello\n250-SIZE 1000\n250-8BITMIME\n250 STARTTLS");
  assert_true(sd_ehlo_has_keyword(r.text, "STARTTLS"));
  char *first = sd_reply_first_line(&r);
  assert_string_equal(first, "250-mx.example Hello");
  free(first);
  sd_reply_free(&r);
}

static void test_cr_inside_line_kept(void **state) {
  sd_reply r;
  sd_reply_init(&r, 0, 0);
  assert_int_equal(feed_str(&r, "220 a\rb\r\n"), SD_REPLY_COMPLETE);
  assert_string_equal(r.text, "220 a\rb");
  sd_reply_free(&r);
}

static void test_starttls_keyword(void **state) {
  assert_true(sd_ehlo_has_keyword("250-mx\n250-STARTTLS\n250 SIZE 10", "STARTTLS"));
  assert_true(sd_ehlo_has_keyword("250-mx\n250 STARTTLS", "STARTTLS"));
  assert_true(sd_ehlo_has_keyword("250-mx\n250 starttls", "STARTTLS"));
  assert_true(sd_ehlo_has_keyword("250-mx\n250 StartTLS extra", "STARTTLS"));
  assert_false(sd_ehlo_has_keyword("250-mx\n250 STARTTLSX", "STARTTLS"));
  assert_false(sd_ehlo_has_keyword("250-mx\n250 XSTARTTLS", "STARTTLS"));
  assert_false(sd_ehlo_has_keyword("250-mx\n250-PIPELINING\n250 SIZE", "STARTTLS"));
  /* The first line names the server; a host called STARTTLS offers nothing. */
  assert_false(sd_ehlo_has_keyword("250 STARTTLS", "STARTTLS"));
  assert_false(sd_ehlo_has_keyword("250-STARTTLS Hello\n250 SIZE", "STARTTLS"));
  assert_false(sd_ehlo_has_keyword("", "STARTTLS"));
  assert_false(sd_ehlo_has_keyword(NULL, "STARTTLS"));
  assert_false(sd_ehlo_has_keyword("250-mx\n250 STARTTL", "STARTTLS"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_single_line),      cmocka_unit_test(test_multi_line_and_leftover),
      cmocka_unit_test(test_code_only_line),   cmocka_unit_test(test_bare_lf),
      cmocka_unit_test(test_bad_codes),        cmocka_unit_test(test_garbage_stops_early),
      cmocka_unit_test(test_mixed_codes),      cmocka_unit_test(test_oversize_line),
      cmocka_unit_test(test_oversize_reply),   cmocka_unit_test(test_nul_byte),
      cmocka_unit_test(test_byte_by_byte),     cmocka_unit_test(test_cr_inside_line_kept),
      cmocka_unit_test(test_starttls_keyword),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
