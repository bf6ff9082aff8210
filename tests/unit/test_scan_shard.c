/* --shard K/N: a stable partition of the list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "scan/shard.h"

static void test_fnv1a_vectors(void **state) {
  /* Published FNV-1a 64 test vectors: the hash must never change, or shards
   * of one list computed by two versions would overlap. */
  assert_true(sd_shard_hash("", 0) == UINT64_C(0xcbf29ce484222325));
  assert_true(sd_shard_hash("a", 1) == UINT64_C(0xaf63dc4c8601ec8c));
  assert_true(sd_shard_hash("foobar", 6) == UINT64_C(0x85944171f73967e8));
}

static void test_every_domain_in_exactly_one_shard(void **state) {
  for (uint64_t n = 1; n <= 7; n++) {
    uint64_t per_shard[7] = {0};
    for (int i = 0; i < 3000; i++) {
      char name[64];
      int len = snprintf(name, sizeof(name), "d%d.example", i);
      uint64_t key = sd_shard_hash(name, (size_t)len);
      int owners = 0;
      for (uint64_t k = 0; k < n; k++) {
        sd_shard s = {k, n};
        if (sd_shard_owns(&s, key)) {
          owners++;
          per_shard[k]++;
        }
      }
      assert_int_equal(owners, 1);
    }
    /* roughly balanced: no shard gets less than half its share */
    for (uint64_t k = 0; k < n; k++) assert_true(per_shard[k] > 3000 / n / 2);
  }
}

static void test_assignment_is_stable(void **state) {
  /* Pinned values: the same list splits the same way on every machine, in
   * every run and in every later version. */
  static const struct {
    const char *name;
    uint64_t hash;
    uint64_t shard_of_3;
  } pinned[] = {
      {"example.com", UINT64_C(0x576846634e2714c6), 2},
      {"example.org", UINT64_C(0xee7160631269bf51), 2},
      {"mail.example.net", UINT64_C(0xe73f2d90b16a2adb), 1},
      {"xn--bcher-kva.example", UINT64_C(0x7b26509724e3d0d4), 1},
  };
  for (size_t i = 0; i < sizeof(pinned) / sizeof(pinned[0]); i++) {
    uint64_t key = sd_shard_hash(pinned[i].name, strlen(pinned[i].name));
    assert_true(key == pinned[i].hash);
    sd_shard s = {pinned[i].shard_of_3, 3};
    assert_true(sd_shard_owns(&s, key));
  }
}

static void test_no_shard_owns_everything(void **state) {
  sd_shard none = {0, 0}, one = {0, 1};
  assert_true(sd_shard_owns(&none, 12345));
  assert_true(sd_shard_owns(&one, 12345));
}

static void test_parse(void **state) {
  sd_shard s;
  char err[256];
  assert_int_equal(sd_shard_parse("0/3", &s, err, sizeof(err)), 0);
  assert_int_equal(s.index, 0);
  assert_int_equal(s.count, 3);
  assert_int_equal(sd_shard_parse("2/3", &s, err, sizeof(err)), 0);
  assert_int_equal(s.index, 2);
  const char *bad[] = {"3/3", "1/0", "a/3", "-1/3", "1/3x", "", "/", "1/", "/3", "1", " 1/3", "1/+3",
                       "99999999999999999999999999/3", "0/2000000"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    err[0] = '\0';
    assert_int_equal(sd_shard_parse(bad[i], &s, err, sizeof(err)), -1);
    assert_true(err[0] != '\0');
  }
  assert_int_equal(sd_shard_parse(NULL, &s, err, sizeof(err)), -1);
}

static const char *env_k8s(const char *name) { return strcmp(name, "JOB_COMPLETION_INDEX") == 0 ? "2" : NULL; }
static const char *env_both(const char *name) {
  if (strcmp(name, "STSDANE_SHARD") == 0) return "1";
  if (strcmp(name, "JOB_COMPLETION_INDEX") == 0) return "2";
  return NULL;
}
static const char *env_slurm(const char *name) {
  if (strcmp(name, "SLURM_ARRAY_TASK_ID") == 0) return "3";
  if (strcmp(name, "SLURM_ARRAY_TASK_MIN") == 0) return "1";
  return NULL;
}
static const char *env_bad(const char *name) { return strcmp(name, "JOB_COMPLETION_INDEX") == 0 ? "7" : NULL; }
static const char *env_none(const char *name) { return NULL; }

static void test_from_env(void **state) {
  sd_shard s;
  char err[256];
  assert_int_equal(sd_shard_from_env(4, env_k8s, &s, err, sizeof(err)), 0);
  assert_int_equal(s.index, 2);
  assert_int_equal(s.count, 4);
  assert_int_equal(sd_shard_from_env(4, env_both, &s, err, sizeof(err)), 0);
  assert_int_equal(s.index, 1); /* STSDANE_SHARD wins */
  assert_int_equal(sd_shard_from_env(3, env_slurm, &s, err, sizeof(err)), 0);
  assert_int_equal(s.index, 2); /* --array=1-3: task 3 is shard 2 */
  assert_int_equal(sd_shard_from_env(2, env_slurm, &s, err, sizeof(err)), -1);
  assert_int_equal(sd_shard_from_env(4, env_bad, &s, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "JOB_COMPLETION_INDEX"));
  assert_int_equal(sd_shard_from_env(4, env_none, &s, err, sizeof(err)), -1);
  assert_int_equal(sd_shard_from_env(0, env_k8s, &s, err, sizeof(err)), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fnv1a_vectors),
      cmocka_unit_test(test_every_domain_in_exactly_one_shard),
      cmocka_unit_test(test_assignment_is_stable),
      cmocka_unit_test(test_no_shard_owns_everything),
      cmocka_unit_test(test_parse),
      cmocka_unit_test(test_from_env),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
