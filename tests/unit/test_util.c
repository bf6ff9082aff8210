/* Unit tests of the shared helpers: domain normalisation, escaping of
 * untrusted text for terminals, HTML and CSV, and JSON-safe remote strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "result/result_json.h"
#include "util/domain.h"
#include "util/escape.h"
#include "util/str.h"

static int normalize(const char *in, char *out) {
  char err[256];
  return sd_domain_normalize(in, strlen(in), out, SD_DOMAIN_MAX + 1, err, sizeof(err));
}

static void test_domain_normalize_case_and_dot(void **state) {
  char out[SD_DOMAIN_MAX + 1];
  assert_int_equal(normalize("  Example.ORG.  ", out), 0);
  assert_string_equal(out, "example.org");
  assert_int_equal(normalize("mail.example.org\r", out), 0);
  assert_string_equal(out, "mail.example.org");
}

static void test_domain_normalize_idn(void **state) {
  char out[SD_DOMAIN_MAX + 1];
  assert_int_equal(normalize("b\xc3\xbc" "cher.example", out), 0); /* bücher.example */
  assert_string_equal(out, "xn--bcher-kva.example");
}

static void test_domain_normalize_rejects(void **state) {
  char out[SD_DOMAIN_MAX + 1];
  const char *bad[] = {"", ".", "localhost", "a..b", "-a.example", "a-.example", "a_b.example",
                       "exa mple.org", "a.example/x", "user@example.org", "\xff\xfe.example"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) assert_int_not_equal(normalize(bad[i], out), 0);
  char label[70];
  memset(label, 'a', 64);
  strcpy(label + 64, ".org");
  assert_int_not_equal(normalize(label, out), 0); /* label of 64 bytes */
  char err[128];
  assert_int_not_equal(sd_domain_normalize("a\0b.org", 7, out, sizeof(out), err, sizeof(err)), 0);
  assert_non_null(strstr(err, "NUL"));
}

static void test_domain_length_limit(void **state) {
  char name[300], out[SD_DOMAIN_MAX + 1];
  /* 4 labels of 63 plus dots = 255 bytes: over the 253 limit */
  size_t n = 0;
  for (int i = 0; i < 4; i++) {
    memset(name + n, 'a' + i, 63);
    n += 63;
    name[n++] = '.';
  }
  name[n - 1] = '\0';
  assert_int_not_equal(normalize(name, out), 0);
}

/* The one LDH check: the first problem, in reading order, as a phrase. */
static void test_hostname_problem(void **state) {
  (void)state;
  size_t labels = 0;
  assert_null(sd_hostname_problem("mx1.example.org", 15, &labels));
  assert_int_equal(labels, 3);
  assert_string_equal(sd_hostname_problem("", 0, NULL), "is empty");
  assert_non_null(strstr(sd_hostname_problem("a..b", 4, NULL), "empty label"));
  assert_non_null(strstr(sd_hostname_problem(".a", 2, NULL), "empty label"));
  assert_non_null(strstr(sd_hostname_problem("a.b.", 4, NULL), "empty label"));
  assert_non_null(strstr(sd_hostname_problem("-a.b", 4, NULL), "'-'"));
  assert_non_null(strstr(sd_hostname_problem("a_b.c", 5, NULL), "other than a letter"));
  char label[70];
  memset(label, 'a', sizeof(label));
  assert_non_null(strstr(sd_hostname_problem(label, 64, NULL), "longer than 63"));
  assert_null(sd_hostname_problem(label, 63, NULL));
  /* only len bytes are read: "ok.example" inside a longer buffer */
  assert_null(sd_hostname_problem("ok.example!!", 10, NULL));
  assert_true(sd_hostname_valid("mx.example"));
  assert_false(sd_hostname_valid("mx.example."));
  assert_false(sd_hostname_valid(NULL));
}

static void test_ip_literal(void **state) {
  assert_true(sd_is_ip_literal("192.0.2.1"));
  assert_true(sd_is_ip_literal("[2001:db8::1]"));
  assert_true(sd_is_ip_literal("[IPv6:2001:db8::1]"));
  assert_false(sd_is_ip_literal("mx1.example.org"));
  assert_false(sd_is_ip_literal("192.0.2.1.example"));
}

static void test_escape_terminal(void **state) {
  const char evil[] = "220 \x1b[31mred\x1b[0m\r\n\x07 \\ ok \xc3\xa9 \xc2\x9b bad \xff";
  char *e = sd_escape_terminal(evil, sizeof(evil) - 1);
  assert_null(strchr(e, '\x1b'));
  assert_null(strchr(e, '\r'));
  assert_null(strchr(e, '\x07'));
  assert_non_null(strstr(e, "\\x1b[31mred"));
  assert_non_null(strstr(e, "\\\\ ok"));
  assert_non_null(strstr(e, "\xc3\xa9"));    /* é kept */
  assert_non_null(strstr(e, "\\xc2\\x9b")); /* C1 CSI escaped */
  assert_non_null(strstr(e, "\\xff"));
  free(e);
}

/* The quoting of remote text into details (sd_quote*): printable ASCII
 * kept, the backslash and every other byte \xNN, bounded, "..." when cut. */
static void test_quote(void **state) {
  (void)state;
  char buf[SD_QUOTE_SIZE];
  assert_string_equal(sd_quote(buf, sizeof(buf), "a\\b\x01\xff", 5), "a\\x5cb\\x01\\xff");
  char small[8];
  assert_string_equal(sd_quote(small, sizeof(small), "abcdefghij", 10), "abcd...");
  assert_string_equal(sd_quote(small, sizeof(small), "abcdefg", 7), "abcdefg");
  /* a \xNN never split by the cut */
  assert_string_equal(sd_quote(small, sizeof(small), "ab\x01\x02", 4), "ab...");
  assert_string_equal(sd_quote(buf, sizeof(buf), NULL, 5), "");
  char big[200];
  memset(big, 'x', sizeof(big));
  sd_quote_detail(buf, big, sizeof(big));
  assert_int_equal(strlen(buf), SD_QUOTE_MAX + 3);
  assert_string_equal(buf + SD_QUOTE_MAX, "...");
  /* the head of a long value of control bytes: every byte of the head shown */
  memset(big, 0x1b, sizeof(big));
  sd_quote_detail(buf, big, sizeof(big));
  assert_int_equal(strlen(buf), SD_QUOTE_MAX * 4 + 3);
  assert_null(strchr(buf, '\x1b'));
  char *dup = sd_quote_dup("\x1b[2J", 4);
  assert_string_equal(dup, "\\x1b[2J");
  free(dup);
}

/* Sentences that already hold quotes: the backslash is kept (no \x5cx01),
 * every other control byte quoted, at most max input bytes. */
static void test_quote_sentence(void **state) {
  (void)state;
  char *s = sd_quote_sentence("greeting rejected: a\\x01b \x1b[31m\xc3\xa9", 100);
  assert_string_equal(s, "greeting rejected: a\\x01b \\x1b[31m\\xc3\\xa9");
  free(s);
  s = sd_quote_sentence("abcdefgh", 4);
  assert_string_equal(s, "abcd...");
  free(s);
  s = sd_quote_sentence(NULL, 10);
  assert_string_equal(s, "");
  free(s);
}

static void test_escape_terminal_into(void **state) {
  (void)state;
  char out[12];
  assert_int_equal(sd_escape_terminal_into(out, sizeof(out), "a\\b\xc3\xa9", 5), 0);
  assert_string_equal(out, "a\\\\b\xc3\xa9");
  assert_int_equal(sd_escape_terminal_into(out, sizeof(out), "abcdefghijklmnop", 16), 1);
  assert_string_equal(out, "abcdefgh...");
}

static void test_escape_html(void **state) {
  char *e = sd_escape_html("<script>alert('x')</script> & \"q\" \x1b");
  assert_string_equal(e, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot; \xEF\xBF\xBD");
  free(e);
}

static void test_escape_csv(void **state) {
  char *e = sd_escape_csv("=HYPERLINK(\"http://x\")");
  assert_string_equal(e, "\"'=HYPERLINK(\"\"http://x\"\")\"");
  free(e);
  e = sd_escape_csv("plain");
  assert_string_equal(e, "plain");
  free(e);
  e = sd_escape_csv("a,b");
  assert_string_equal(e, "\"a,b\"");
  free(e);
  e = sd_escape_csv("@SUM(A1)");
  assert_string_equal(e, "\"'@SUM(A1)\"");
  free(e);
  /* No terminal escape sequence survives: C0 (but TAB/CR/LF), DEL, C1. */
  e = sd_escape_csv("a\x1b[31mb\x7f\xc2\x9b""c\td");
  assert_string_equal(e, "a\xEF\xBF\xBD[31mb\xEF\xBF\xBD\xEF\xBF\xBD""c\td");
  free(e);
}

static void test_json_remote_string(void **state) {
  const char raw[] = "ok \xc3\xa9 \xff\x00tail";
  cJSON *j = sd_json_remote_string(raw, sizeof(raw) - 1, 1024);
  char *printed = cJSON_PrintUnformatted(j);
  assert_non_null(printed);
  assert_non_null(strstr(printed, "\xc3\xa9"));
  assert_non_null(strstr(printed, "\xEF\xBF\xBD\xEF\xBF\xBDtail")); /* 0xff and NUL replaced */
  cJSON *back = cJSON_Parse(printed);
  assert_non_null(back);
  cJSON_Delete(back);
  free(printed);
  cJSON_Delete(j);
  j = sd_json_remote_string("abcdef", 6, 3); /* bounded */
  assert_string_equal(j->valuestring, "abc");
  cJSON_Delete(j);
}

static void test_hex_roundtrip(void **state) {
  uint8_t data[] = {0x00, 0xab, 0xff}, back[3];
  char *h = sd_hex(data, 3);
  assert_string_equal(h, "00abff");
  assert_int_equal(sd_unhex("00ABff", back, sizeof(back)), 3);
  assert_memory_equal(back, data, 3);
  assert_int_equal(sd_unhex("0g", back, sizeof(back)), -1);
  assert_int_equal(sd_unhex("abc", back, sizeof(back)), -1);
  assert_int_equal(sd_unhex("00112233", back, sizeof(back)), -1); /* too long for the buffer */
  free(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_domain_normalize_case_and_dot),
      cmocka_unit_test(test_domain_normalize_idn),
      cmocka_unit_test(test_domain_normalize_rejects),
      cmocka_unit_test(test_domain_length_limit),
      cmocka_unit_test(test_ip_literal),
      cmocka_unit_test(test_hostname_problem),
      cmocka_unit_test(test_escape_terminal),
      cmocka_unit_test(test_escape_terminal_into),
      cmocka_unit_test(test_quote),
      cmocka_unit_test(test_quote_sentence),
      cmocka_unit_test(test_escape_html),
      cmocka_unit_test(test_escape_csv),
      cmocka_unit_test(test_json_remote_string),
      cmocka_unit_test(test_hex_roundtrip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
