/* Unit tests of the DNS answer log line (src/dns/answer_log.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "dns/answer_log.h"

/* The line logged for one answer, caller frees. */
static char *logged(const char *qname, uint16_t qtype, sd_lookup lookup, sd_dnssec dnssec) {
  char *text = NULL;
  size_t len = 0;
  FILE *log = open_memstream(&text, &len);
  assert_non_null(log);
  sd_dns_answer a = {.qname = (char *)qname, .qtype = qtype, .lookup = lookup, .dnssec = dnssec};
  sd_dns_answer_log_write(log, &a);
  fclose(log);
  return text;
}

static void assert_logged(const char *expected, const char *qname, uint16_t qtype, sd_lookup lookup,
                          sd_dnssec dnssec) {
  char *line = logged(qname, qtype, lookup, dnssec);
  assert_string_equal(line, expected);
  free(line);
}

static void test_fields(void **state) {
  (void)state;
  assert_logged("mx1.example.org A ok secure\n", "mx1.example.org", SD_RR_A, SD_LOOKUP_OK, SD_DNSSEC_SECURE);
  assert_logged("_25._tcp.mx1.example.org TLSA nodata insecure\n", "_25._tcp.mx1.example.org", SD_RR_TLSA,
                SD_LOOKUP_NODATA, SD_DNSSEC_INSECURE);
  assert_logged("_mta-sts.example.org TXT nxdomain bogus\n", "_mta-sts.example.org", SD_RR_TXT,
                SD_LOOKUP_NXDOMAIN, SD_DNSSEC_BOGUS);
  assert_logged("example.org MX error indeterminate\n", "example.org", SD_RR_MX, SD_LOOKUP_ERROR,
                SD_DNSSEC_INDETERMINATE);
}

static void test_name_normalised(void **state) {
  (void)state;
  assert_logged("mx1.example.org AAAA ok secure\n", "MX1.Example.ORG.", SD_RR_AAAA, SD_LOOKUP_OK,
                SD_DNSSEC_SECURE);
  assert_logged(". MX nodata secure\n", "", SD_RR_MX, SD_LOOKUP_NODATA, SD_DNSSEC_SECURE);
  assert_logged(". MX nodata secure\n", ".", SD_RR_MX, SD_LOOKUP_NODATA, SD_DNSSEC_SECURE);
}

static void test_hostile_name_stays_one_line(void **state) {
  (void)state;
  assert_logged("a\\032b\\010c.example A error indeterminate\n", "a b\nc.example", SD_RR_A, SD_LOOKUP_ERROR,
                SD_DNSSEC_INDETERMINATE);
  assert_logged("x.example TYPE99 nodata insecure\n", "x.example", 99, SD_LOOKUP_NODATA, SD_DNSSEC_INSECURE);
}

static void test_no_log_no_write(void **state) {
  (void)state;
  sd_dns_answer a = {.qname = "x.example", .qtype = SD_RR_A};
  sd_dns_answer_log_write(NULL, &a); /* must not crash */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fields),
      cmocka_unit_test(test_name_normalised),
      cmocka_unit_test(test_hostile_name_stays_one_line),
      cmocka_unit_test(test_no_log_no_write),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
