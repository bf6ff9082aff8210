#include <stdio.h>
/* Unit tests of the DNS answer cache: keys, merging, bounded eviction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "dns/cache.h"

static void test_same_key_same_entry(void **state) {
  sd_dns_cache c;
  assert_int_equal(sd_dns_cache_init(&c, 16), 0);
  int created = 0;
  sd_dns_cache_entry *a = sd_dns_cache_get(&c, "Mx1.Example.ORG", SD_RR_A, &created);
  assert_true(created);
  assert_string_equal(a->answer.qname, "mx1.example.org");
  sd_dns_cache_entry *b = sd_dns_cache_get(&c, "mx1.example.org", SD_RR_A, &created);
  assert_false(created);
  assert_ptr_equal(a, b);
  sd_dns_cache_entry *aaaa = sd_dns_cache_get(&c, "mx1.example.org", SD_RR_AAAA, &created);
  assert_true(created);
  assert_ptr_not_equal(a, aaaa);
  sd_dns_cache_destroy(&c);
}

static void test_trim_keeps_capacity_and_held_entries(void **state) {
  sd_dns_cache c;
  assert_int_equal(sd_dns_cache_init(&c, 4), 0);
  char name[32];
  sd_dns_cache_entry *first = NULL;
  for (int i = 0; i < 10; i++) {
    int created;
    snprintf(name, sizeof(name), "d%d.example", i);
    sd_dns_cache_entry *e = sd_dns_cache_get(&c, name, SD_RR_MX, &created);
    if (i == 0) {
      first = e;
      sd_dns_cache_hold(first); /* a delivery in progress */
    }
    sd_dns_cache_completed(&c, e);
  }
  sd_dns_cache_trim(&c);
  assert_int_equal(c.index.count, 10); /* the held head stops the trim */
  sd_dns_cache_release(first);
  sd_dns_cache_trim(&c);
  assert_int_equal(c.index.count, 4);
  int created;
  sd_dns_cache_get(&c, "d9.example", SD_RR_MX, &created);
  assert_false(created); /* newest kept */
  sd_dns_cache_get(&c, "d0.example", SD_RR_MX, &created);
  assert_true(created); /* oldest dropped */
  sd_dns_cache_destroy(&c);
}

/* An answer asked for again (an MX host many domains share) survives a trim
 * that drops older and newer answers nobody asked for twice. */
static void test_trim_gives_reused_entries_a_second_chance(void **state) {
  sd_dns_cache c;
  assert_int_equal(sd_dns_cache_init(&c, 4), 0);
  char name[32];
  int created;
  for (int i = 0; i < 8; i++) {
    snprintf(name, sizeof(name), "d%d.example", i);
    sd_dns_cache_completed(&c, sd_dns_cache_get(&c, name, SD_RR_MX, &created));
  }
  sd_dns_cache_get(&c, "d0.example", SD_RR_MX, &created); /* a hit */
  assert_false(created);
  sd_dns_cache_trim(&c);
  assert_int_equal(c.index.count, 4);
  sd_dns_cache_get(&c, "d0.example", SD_RR_MX, &created);
  assert_false(created); /* oldest, but reused: kept */
  sd_dns_cache_get(&c, "d1.example", SD_RR_MX, &created);
  assert_true(created); /* oldest not reused: dropped */
  sd_dns_cache_completed(&c, sd_dns_cache_get(&c, "d1.example", SD_RR_MX, &created));
  /* A chance is one pass: asked for no more (the check above was the last
   * hit), d0 goes once newer answers push it through the queue again. */
  for (int i = 10; i < 20; i++) {
    snprintf(name, sizeof(name), "d%d.example", i);
    sd_dns_cache_completed(&c, sd_dns_cache_get(&c, name, SD_RR_MX, &created));
    sd_dns_cache_trim(&c);
  }
  assert_int_equal(c.index.count, 4);
  sd_dns_cache_get(&c, "d0.example", SD_RR_MX, &created);
  assert_true(created);
  sd_dns_cache_destroy(&c);
}

static void test_many_entries_grow_table(void **state) {
  sd_dns_cache c;
  assert_int_equal(sd_dns_cache_init(&c, 100000), 0);
  char name[32];
  for (int i = 0; i < 5000; i++) {
    int created;
    snprintf(name, sizeof(name), "h%d.example", i);
    assert_non_null(sd_dns_cache_get(&c, name, SD_RR_A, &created));
    assert_true(created);
  }
  assert_true(c.index.size >= 4096);
  for (int i = 0; i < 5000; i += 499) {
    int created;
    snprintf(name, sizeof(name), "h%d.example", i);
    sd_dns_cache_get(&c, name, SD_RR_A, &created);
    assert_false(created);
  }
  sd_dns_cache_destroy(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_same_key_same_entry),
      cmocka_unit_test(test_trim_keeps_capacity_and_held_entries),
      cmocka_unit_test(test_trim_gives_reused_entries_a_second_chance),
      cmocka_unit_test(test_many_entries_grow_table),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
