/* Unit tests for MX pattern matching and mismatch classes (src/mtasts/match.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "mtasts/match.h"

/* A policy over string literals (only read by the functions under test). */
static sd_sts_policy policy_of(const char **patterns, size_t count) {
  sd_sts_policy p = {.valid = 1, .mode = SD_STS_MODE_ENFORCE, .max_age = 604800,
                     .mx = (char **)patterns, .mx_count = count};
  return p;
}

static void test_exact_match(void **state) {
  (void)state;
  assert_true(sd_sts_pattern_matches("mail.example.com", "mail.example.com"));
  assert_true(sd_sts_pattern_matches("mail.example.com", "MAIL.Example.COM"));
  assert_true(sd_sts_pattern_matches("mail.example.com", "mail.example.com."));
  assert_false(sd_sts_pattern_matches("mail.example.com", "mail.example.com.."));
  assert_false(sd_sts_pattern_matches("mail.example.com", "mail.example.co"));
  assert_false(sd_sts_pattern_matches("mail.example.com", "xmail.example.com"));
  assert_false(sd_sts_pattern_matches("mail.example.com", ""));
  assert_false(sd_sts_pattern_matches("mail.example.com", "."));
  assert_false(sd_sts_pattern_matches(NULL, "a"));
  assert_false(sd_sts_pattern_matches("a", NULL));
}

static void test_wildcard_depth(void **state) {
  (void)state;
  assert_true(sd_sts_pattern_matches("*.example.com", "mx1.example.com"));
  assert_true(sd_sts_pattern_matches("*.example.com", "MX1.EXAMPLE.COM."));
  assert_true(sd_sts_pattern_matches("*.Example.com", "mx1.example.com"));
  assert_false(sd_sts_pattern_matches("*.example.com", "example.com"));
  assert_false(sd_sts_pattern_matches("*.example.com", "a.b.example.com"));
  assert_false(sd_sts_pattern_matches("*.example.com", ".example.com"));
  assert_false(sd_sts_pattern_matches("*.example.com", "mx1.example.org"));
  assert_false(sd_sts_pattern_matches("*.example.com", "mx1example.com"));
  assert_false(sd_sts_pattern_matches("*.", "a."));
  /* "*" is only a wildcard as the whole left-most label of a pattern. */
  assert_false(sd_sts_pattern_matches("mx*.example.com", "mx1.example.com"));
}

static void test_policy_covers(void **state) {
  (void)state;
  const char *mx[] = {"mail.example.com", "*.example.net"};
  sd_sts_policy p = policy_of(mx, 2);
  assert_true(sd_sts_policy_covers(&p, "mail.example.com"));
  assert_true(sd_sts_policy_covers(&p, "x.example.net"));
  assert_false(sd_sts_policy_covers(&p, "x.y.example.net"));
  assert_false(sd_sts_policy_covers(&p, "example.net"));
  assert_false(sd_sts_policy_covers(NULL, "x.example.net"));
  sd_sts_policy empty = policy_of(NULL, 0);
  assert_false(sd_sts_policy_covers(&empty, "x.example.net"));
}

static void test_edit_distance(void **state) {
  (void)state;
  assert_int_equal(sd_edit_distance("", "", 3), 0);
  assert_int_equal(sd_edit_distance("abc", "abc", 3), 0);
  assert_int_equal(sd_edit_distance("kitten", "sitting", 5), 3);
  assert_int_equal(sd_edit_distance("abc", "", 5), 3);
  assert_int_equal(sd_edit_distance("", "abcd", 2), 3); /* capped: cap + 1 */
  assert_int_equal(sd_edit_distance("abcdefgh", "hgfedcba", 3), 4);
  assert_int_equal(sd_edit_distance("exmaple", "example", 3), 2);
  assert_int_equal(sd_edit_distance(NULL, "ab", 3), 2);
  assert_int_equal(sd_edit_distance("a", "b", -1), 1);
  /* Long inputs stay cheap when far apart in length. */
  char *big = malloc(100001);
  assert_non_null(big);
  memset(big, 'a', 100000);
  big[100000] = '\0';
  assert_int_equal(sd_edit_distance(big, "a", 3), 4);
  free(big);
}

static void test_classify_match(void **state) {
  (void)state;
  const char *mx[] = {"other.example", "*.example.com"};
  sd_sts_policy p = policy_of(mx, 2);
  sd_sts_mismatch_info info = sd_sts_mismatch_classify(&p, "mx1.example.com", "example.com");
  assert_int_equal(info.kind, SD_STS_MISMATCH_NONE);
  assert_ptr_equal(info.closest_pattern, mx[1]);
}

static void test_classify_typo(void **state) {
  (void)state;
  const char *mx[] = {"mx1.exmaple.com"};
  sd_sts_policy p = policy_of(mx, 1);
  sd_sts_mismatch_info info = sd_sts_mismatch_classify(&p, "mx1.example.com", "example.com");
  assert_int_equal(info.kind, SD_STS_MISMATCH_TYPO);
  assert_ptr_equal(info.closest_pattern, mx[0]);
  assert_false(info.policy_lists_policy_host);

  /* Wildcard: compared with "*" replaced by the host's first label. */
  const char *wild[] = {"*.exampel.com"};
  p = policy_of(wild, 1);
  info = sd_sts_mismatch_classify(&p, "mx1.example.com", "example.com");
  assert_int_equal(info.kind, SD_STS_MISMATCH_TYPO);

  /* mx vs mx1 within the same domain: a typo beats the third-label class. */
  const char *close[] = {"mx.example.com"};
  p = policy_of(close, 1);
  info = sd_sts_mismatch_classify(&p, "mx1.example.com", "example.com");
  assert_int_equal(info.kind, SD_STS_MISMATCH_TYPO);
}

static void test_classify_tld(void **state) {
  (void)state;
  const char *mx[] = {"mail.example.net"};
  sd_sts_policy p = policy_of(mx, 1);
  /* com/net is within edit distance 3: TLD is checked first. */
  sd_sts_mismatch_info info = sd_sts_mismatch_classify(&p, "mail.example.com", "example.com");
  assert_int_equal(info.kind, SD_STS_MISMATCH_TLD);
  const char *wild[] = {"*.example.org"};
  p = policy_of(wild, 1);
  info = sd_sts_mismatch_classify(&p, "mx7.example.de", "example.de");
  assert_int_equal(info.kind, SD_STS_MISMATCH_TLD);
}

static void test_classify_third_label(void **state) {
  (void)state;
  const char *mx[] = {"smtp-in.example.com"};
  sd_sts_policy p = policy_of(mx, 1);
  sd_sts_mismatch_info info = sd_sts_mismatch_classify(&p, "mail.example.com", "example.com");
  assert_int_equal(info.kind, SD_STS_MISMATCH_THIRD_LABEL);
  assert_false(info.policy_lists_policy_host);

  /* The common mistake: the policy lists the policy host itself. */
  const char *self[] = {"mta-sts.example.com"};
  p = policy_of(self, 1);
  info = sd_sts_mismatch_classify(&p, "mailserver.example.com", "Example.COM.");
  assert_int_equal(info.kind, SD_STS_MISMATCH_THIRD_LABEL);
  assert_true(info.policy_lists_policy_host);
  assert_ptr_equal(info.closest_pattern, self[0]);

  /* Wildcard at the wrong depth is never a typo. */
  const char *wild[] = {"*.example.com"};
  p = policy_of(wild, 1);
  info = sd_sts_mismatch_classify(&p, "a.b.example.com", "example.com");
  assert_int_equal(info.kind, SD_STS_MISMATCH_THIRD_LABEL);
  info = sd_sts_mismatch_classify(&p, "example.com", "example.com");
  assert_int_equal(info.kind, SD_STS_MISMATCH_THIRD_LABEL);
}

static void test_classify_different(void **state) {
  (void)state;
  const char *mx[] = {"mail.elsewhere.test"};
  sd_sts_policy p = policy_of(mx, 1);
  sd_sts_mismatch_info info = sd_sts_mismatch_classify(&p, "mx1.sts-mx-mismatch.test", "sts-mx-mismatch.test");
  assert_int_equal(info.kind, SD_STS_MISMATCH_DIFFERENT);
  assert_ptr_equal(info.closest_pattern, mx[0]);

  sd_sts_policy empty = policy_of(NULL, 0);
  info = sd_sts_mismatch_classify(&empty, "mx1.example.com", "example.com");
  assert_int_equal(info.kind, SD_STS_MISMATCH_DIFFERENT);
  assert_null(info.closest_pattern);

  info = sd_sts_mismatch_classify(NULL, "mx1.example.com", "example.com");
  assert_int_equal(info.kind, SD_STS_MISMATCH_DIFFERENT);
}

static void test_classify_best_pattern_wins(void **state) {
  (void)state;
  const char *mx[] = {"mail.elsewhere.test", "relay.example.com", "mx1.example.org", "mta-sts.example.com"};
  sd_sts_policy p = policy_of(mx, 4);
  sd_sts_mismatch_info info = sd_sts_mismatch_classify(&p, "mx1.example.com", "example.com");
  assert_int_equal(info.kind, SD_STS_MISMATCH_TLD);
  assert_ptr_equal(info.closest_pattern, mx[2]);
  assert_true(info.policy_lists_policy_host);

  /* Among typos the smallest distance wins. */
  const char *typos[] = {"mx123.example.com", "mx2.example.com"};
  p = policy_of(typos, 2);
  info = sd_sts_mismatch_classify(&p, "mx1.example.com", "example.com");
  assert_int_equal(info.kind, SD_STS_MISMATCH_TYPO);
  assert_ptr_equal(info.closest_pattern, typos[1]);
}

static void test_classify_hostile(void **state) {
  (void)state;
  char *big = malloc(5000);
  assert_non_null(big);
  memset(big, 'a', 4999);
  big[4999] = '\0';
  const char *mx[] = {"mx.example.com", big};
  sd_sts_policy p = policy_of(mx, 2);
  sd_sts_mismatch_info info = sd_sts_mismatch_classify(&p, big + 10, big);
  assert_int_equal(info.kind, SD_STS_MISMATCH_DIFFERENT);
  info = sd_sts_mismatch_classify(&p, "....", "");
  assert_int_not_equal(info.kind, SD_STS_MISMATCH_NONE);
  free(big);
}

static void test_names(void **state) {
  (void)state;
  assert_string_equal(sd_sts_mismatch_name(SD_STS_MISMATCH_NONE), "none");
  assert_string_equal(sd_sts_mismatch_name(SD_STS_MISMATCH_TYPO), "typo");
  assert_string_equal(sd_sts_mismatch_name(SD_STS_MISMATCH_TLD), "tld");
  assert_string_equal(sd_sts_mismatch_name(SD_STS_MISMATCH_THIRD_LABEL), "third-label");
  assert_string_equal(sd_sts_mismatch_name(SD_STS_MISMATCH_DIFFERENT), "different");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exact_match),          cmocka_unit_test(test_wildcard_depth),
      cmocka_unit_test(test_policy_covers),        cmocka_unit_test(test_edit_distance),
      cmocka_unit_test(test_classify_match),       cmocka_unit_test(test_classify_typo),
      cmocka_unit_test(test_classify_tld),         cmocka_unit_test(test_classify_third_label),
      cmocka_unit_test(test_classify_different),   cmocka_unit_test(test_classify_best_pattern_wins),
      cmocka_unit_test(test_classify_hostile),     cmocka_unit_test(test_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
