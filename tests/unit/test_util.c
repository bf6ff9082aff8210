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
      cmocka_unit_test(test_escape_terminal),
      cmocka_unit_test(test_escape_html),
      cmocka_unit_test(test_escape_csv),
      cmocka_unit_test(test_json_remote_string),
      cmocka_unit_test(test_hex_roundtrip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
