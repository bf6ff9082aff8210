/* Unit tests of the resolver health check: K failures in a row make the
 * resolver suspect, a check under recently answered names decides. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/resolver_health.h"

static sd_health_event observe(sd_resolver_health *h, const char *qname, sd_lookup lookup) {
  sd_dns_answer a;
  memset(&a, 0, sizeof(a));
  a.qname = (char *)qname;
  a.qtype = SD_RR_MX;
  a.lookup = lookup;
  a.error = lookup == SD_LOOKUP_ERROR ? "SERVFAIL" : NULL;
  return sd_resolver_health_observe(h, &a);
}

static sd_health_event fail_n(sd_resolver_health *h, unsigned n) {
  sd_health_event last = SD_HEALTH_NOTHING, e;
  for (unsigned i = 0; i < n; i++)
    if ((e = observe(h, "broken.example", SD_LOOKUP_ERROR)) != SD_HEALTH_NOTHING) last = e;
  return last;
}

static void test_errors_before_any_answer_mean_down(void **state) {
  sd_resolver_health h;
  sd_resolver_health_init(&h, 5);
  assert_int_equal(fail_n(&h, 4), SD_HEALTH_NOTHING);
  assert_int_equal(fail_n(&h, 1), SD_HEALTH_DOWN);
  assert_true(h.down);
  assert_non_null(strstr(h.check_failure, "no lookup"));
  assert_int_equal(fail_n(&h, 20), SD_HEALTH_NOTHING); /* reported once */
}

static void test_answer_resets_the_run(void **state) {
  sd_resolver_health h;
  sd_resolver_health_init(&h, 5);
  observe(&h, "good.example", SD_LOOKUP_OK);
  assert_int_equal(fail_n(&h, 4), SD_HEALTH_NOTHING);
  observe(&h, "nx.example", SD_LOOKUP_NXDOMAIN); /* a denial is an answer, but no name to check under */
  assert_int_equal(fail_n(&h, 4), SD_HEALTH_NOTHING);
  assert_false(h.down);
  char names[SD_RESOLVER_GOOD_NAMES][256];
  assert_int_equal(sd_resolver_health_check_names(&h, names), 1); /* good.example only */
  assert_string_equal(strchr(names[0], '.') + 1, "good.example");
}

static void test_run_after_answers_asks_for_a_check(void **state) {
  sd_resolver_health h;
  sd_resolver_health_init(&h, 5);
  observe(&h, "mx.a.example", SD_LOOKUP_OK);
  observe(&h, "mx.b.example", SD_LOOKUP_OK);
  observe(&h, "mx.a.example", SD_LOOKUP_OK); /* kept once */
  assert_int_equal(fail_n(&h, 5), SD_HEALTH_CHECK);
  assert_true(h.checking);
  assert_int_equal(fail_n(&h, 50), SD_HEALTH_NOTHING); /* no second check while one runs */
  char names[SD_RESOLVER_GOOD_NAMES][256];
  size_t n = sd_resolver_health_check_names(&h, names);
  assert_int_equal(n, 2);
  char again[SD_RESOLVER_GOOD_NAMES][256];
  assert_int_equal(sd_resolver_health_check_names(&h, again), 2);
  for (size_t i = 0; i < n; i++) {
    assert_true(strncmp(names[i], "stsdane-check-", 14) == 0);
    assert_string_not_equal(names[i], again[i]); /* a fresh label every time: never cached */
    const char *under = strchr(names[i], '.') + 1;
    assert_true(strcmp(under, "mx.a.example") == 0 || strcmp(under, "mx.b.example") == 0);
  }
}

static void test_check_answered_keeps_going(void **state) {
  sd_resolver_health h;
  sd_resolver_health_init(&h, 3);
  observe(&h, "good.example", SD_LOOKUP_OK);
  assert_int_equal(fail_n(&h, 3), SD_HEALTH_CHECK);
  assert_int_equal(sd_resolver_health_check_done(&h, 1, NULL), SD_HEALTH_NOTHING);
  assert_false(h.down);
  assert_int_equal(h.checks_passed, 1);
  assert_int_equal(fail_n(&h, 3), SD_HEALTH_CHECK); /* the next run is checked again */
  assert_int_equal(sd_resolver_health_check_done(&h, 0, "fresh names failed too"), SD_HEALTH_DOWN);
  assert_true(h.down);
  assert_string_equal(h.check_failure, "fresh names failed too");
  assert_int_equal(h.errors_when_down, 3);
  observe(&h, "late.example", SD_LOOKUP_OK); /* an answer after the verdict */
  assert_int_equal(h.errors_when_down, 3);  /* the message keeps the run that counted */
}

static void test_long_good_name_leaves_room(void **state) {
  sd_resolver_health h;
  sd_resolver_health_init(&h, 1);
  char longname[254];
  memset(longname, 'a', sizeof(longname) - 1);
  longname[sizeof(longname) - 1] = '\0';
  for (size_t i = 63; i < sizeof(longname) - 1; i += 64) longname[i] = '.';
  observe(&h, longname, SD_LOOKUP_OK);
  assert_int_equal(fail_n(&h, 1), SD_HEALTH_CHECK);
  char names[SD_RESOLVER_GOOD_NAMES][256];
  assert_int_equal(sd_resolver_health_check_names(&h, names), 1);
  assert_true(strlen(names[0]) <= 253);
  assert_true(strncmp(names[0], "stsdane-check-", 14) == 0);
}

static void test_limit_zero_never_judges(void **state) {
  sd_resolver_health h;
  sd_resolver_health_init(&h, 0);
  assert_int_equal(fail_n(&h, 1000), SD_HEALTH_NOTHING);
  assert_false(h.down);
  assert_true(sd_resolver_health_none_answered(&h));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_errors_before_any_answer_mean_down),
      cmocka_unit_test(test_answer_resets_the_run),
      cmocka_unit_test(test_run_after_answers_asks_for_a_check),
      cmocka_unit_test(test_check_answered_keeps_going),
      cmocka_unit_test(test_long_good_name_leaves_room),
      cmocka_unit_test(test_limit_zero_never_judges),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
