/* Unit tests of util/table, the one hash table behind the caches (prober,
 * policy cache, verification memo, DNS answer cache), and util/list, the
 * order of their eviction queues. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/hash.h"
#include "util/list.h"
#include "util/table.h"

typedef struct item {
  sd_table_link link;
  char key[32];
  int value;
  int visited;
} item;

static int same_key(const sd_table_link *l, const void *key) {
  return strcmp(SD_TABLE_ITEM(l, item, link)->key, key) == 0;
}

static uint64_t hash_of(const char *key) { return sd_fnv1a64(key, strlen(key)); }

static item *find(const sd_table *t, const char *key, uint64_t hash) {
  sd_table_link *l = sd_table_find(t, hash, same_key, key);
  return l ? SD_TABLE_ITEM(l, item, link) : NULL;
}

/* Many items (the table doubles many times): each is found by its key,
 * absent keys are not, and removed items are gone while the rest stay. */
static void test_many_items(void **state) {
  enum { N = 100000 };
  sd_table t = {0};
  item *items = calloc(N, sizeof(*items));
  assert_non_null(items);
  assert_null(find(&t, "absent", hash_of("absent")));
  for (int i = 0; i < N; i++) {
    snprintf(items[i].key, sizeof items[i].key, "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
    items[i].value = i;
    assert_int_equal(sd_table_add(&t, &items[i].link, hash_of(items[i].key)), 0);
  }
  assert_int_equal(t.count, N);
  assert_true(t.size >= N); /* doubled as it filled: chains stay short */
  for (int i = 0; i < N; i++) {
    item *it = find(&t, items[i].key, hash_of(items[i].key));
    assert_ptr_equal(it, &items[i]);
  }
  assert_null(find(&t, "10.9.9.9.9", hash_of("10.9.9.9.9")));
  for (int i = 0; i < N; i += 2) sd_table_remove(&t, &items[i].link);
  assert_int_equal(t.count, N / 2);
  for (int i = 0; i < N; i++) {
    item *it = find(&t, items[i].key, hash_of(items[i].key));
    if (i % 2) assert_ptr_equal(it, &items[i]);
    else assert_null(it);
  }
  sd_table_free(&t);
  assert_int_equal(t.size, 0);
  assert_int_equal(t.count, 0);
  free(items);
}

/* Every key under one hash (what an attacker choosing names could aim
 * for): slower, but every lookup still finds the right item. */
static void test_collisions_stay_correct(void **state) {
  enum { N = 500 };
  sd_table t = {0};
  static item items[N];
  for (int i = 0; i < N; i++) {
    snprintf(items[i].key, sizeof items[i].key, "name-%d", i);
    assert_int_equal(sd_table_add(&t, &items[i].link, 42), 0);
  }
  for (int i = 0; i < N; i++) assert_ptr_equal(find(&t, items[i].key, 42), &items[i]);
  assert_null(find(&t, "name-500", 42));
  sd_table_remove(&t, &items[250].link);
  assert_null(find(&t, "name-250", 42));
  assert_ptr_equal(find(&t, "name-251", 42), &items[251]);
  sd_table_free(&t);
}

static void visit(sd_table_link *l, void *arg) {
  item *it = SD_TABLE_ITEM(l, item, link);
  it->visited++;
  (*(int *)arg)++;
  free(it);
}

/* each visits every item once, and may free the item it is given. */
static void test_each_may_free(void **state) {
  sd_table t = {0};
  for (int i = 0; i < 1000; i++) {
    item *it = calloc(1, sizeof(*it));
    snprintf(it->key, sizeof it->key, "k%d", i);
    assert_int_equal(sd_table_add(&t, &it->link, hash_of(it->key)), 0);
  }
  int seen = 0;
  sd_table_each(&t, visit, &seen);
  assert_int_equal(seen, 1000);
  sd_table_free(&t);
}

/* Two items with one key: find gives one of them; after it is removed,
 * the other. */
static void test_duplicate_keys(void **state) {
  sd_table t = {0};
  item a = {.key = "same", .value = 1}, b = {.key = "same", .value = 2};
  sd_table_add(&t, &a.link, hash_of("same"));
  sd_table_add(&t, &b.link, hash_of("same"));
  item *first = find(&t, "same", hash_of("same"));
  assert_non_null(first);
  sd_table_remove(&t, &first->link);
  item *second = find(&t, "same", hash_of("same"));
  assert_non_null(second);
  assert_int_not_equal(second->value, first->value);
  sd_table_remove(&t, &second->link);
  assert_null(find(&t, "same", hash_of("same")));
  assert_int_equal(t.count, 0);
  sd_table_free(&t);
}

typedef struct node {
  int value;
  sd_list_link link;
} node;

static int values(const sd_list *l, int *out) {
  int n = 0;
  for (sd_list_link *k = l->head; k; k = k->next) out[n++] = SD_LIST_ITEM(k, node, link)->value;
  return n;
}

/* Unlinking the head, the tail and the middle keeps order, ends and count. */
static void test_list(void **state) {
  sd_list l = {0};
  node n[5];
  int got[5];
  for (int i = 0; i < 5; i++) {
    n[i].value = i;
    sd_list_append(&l, &n[i].link);
  }
  assert_int_equal(l.count, 5);
  sd_list_unlink(&l, &n[0].link);
  sd_list_unlink(&l, &n[2].link);
  sd_list_unlink(&l, &n[4].link);
  assert_int_equal(values(&l, got), 2);
  assert_int_equal(got[0], 1);
  assert_int_equal(got[1], 3);
  assert_ptr_equal(SD_LIST_ITEM(l.tail, node, link), &n[3]);
  sd_list_append(&l, &n[0].link); /* to the back again */
  assert_int_equal(values(&l, got), 3);
  assert_int_equal(got[2], 0);
  sd_list_unlink(&l, &n[1].link);
  sd_list_unlink(&l, &n[3].link);
  sd_list_unlink(&l, &n[0].link);
  assert_int_equal(l.count, 0);
  assert_null(l.head);
  assert_null(l.tail);
  assert_null(SD_LIST_ITEM(l.head, node, link));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_many_items),
      cmocka_unit_test(test_collisions_stay_correct),
      cmocka_unit_test(test_each_may_free),
      cmocka_unit_test(test_duplicate_keys),
      cmocka_unit_test(test_list),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
