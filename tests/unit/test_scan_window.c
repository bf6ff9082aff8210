/* Unit tests of scan/window: domains that wait long stop counting against
 * --concurrency, within a hard cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "scan/window.h"

static void test_fixed_window_without_stalls(void **state) {
  sd_window w;
  sd_window_slot s[4];
  sd_window_init(&w, 3, 10, 1.0);
  for (int i = 0; i < 3; i++) {
    assert_true(sd_window_has_room(&w));
    sd_window_enter(&w, &s[i], 0.0);
  }
  assert_false(sd_window_has_room(&w));
  sd_window_age(&w, 0.5); /* young: nothing changes */
  assert_false(sd_window_has_room(&w));
  sd_window_leave(&w, &s[1]);
  assert_true(sd_window_has_room(&w));
  assert_int_equal(w.slots.count, 2);
}

/* Domains that wait past stall_after free their place; the cap holds. */
static void test_stalled_domains_make_room_up_to_the_cap(void **state) {
  sd_window w;
  sd_window_slot s[8];
  sd_window_init(&w, 2, 5, 1.0);
  sd_window_enter(&w, &s[0], 0.0);
  sd_window_enter(&w, &s[1], 0.2);
  assert_false(sd_window_has_room(&w));
  sd_window_age(&w, 1.1); /* s[0] waited 1.1 s, s[1] 0.9 s */
  assert_int_equal(w.stalled, 1);
  assert_true(sd_window_has_room(&w));
  sd_window_enter(&w, &s[2], 1.1);
  assert_false(sd_window_has_room(&w));
  sd_window_age(&w, 5.0); /* all three stalled */
  assert_int_equal(w.stalled, 3);
  sd_window_enter(&w, &s[3], 5.0);
  sd_window_enter(&w, &s[4], 5.0);
  assert_int_equal(w.slots.count, 5);
  assert_false(sd_window_has_room(&w)); /* the cap, although only 2 are young */
  /* A stalled domain finishing frees a place under the cap. */
  sd_window_leave(&w, &s[1]);
  assert_int_equal(w.stalled, 2);
  assert_false(sd_window_has_room(&w)); /* s[3], s[4]: 2 young */
  sd_window_leave(&w, &s[3]);
  assert_true(sd_window_has_room(&w));
  assert_int_equal(w.peak_in_flight, 5);
}

/* Leaving in any order keeps the stalled count and the young boundary right. */
static void test_leave_in_any_order(void **state) {
  sd_window w;
  sd_window_slot s[6];
  sd_window_init(&w, 6, 6, 1.0);
  for (int i = 0; i < 6; i++) sd_window_enter(&w, &s[i], (double)i);
  sd_window_leave(&w, &s[2]); /* young, in the middle */
  sd_window_age(&w, 2.5);     /* s[0] waited 2.5 s, s[1] 1.5 s, s[3] not yet started */
  assert_int_equal(w.stalled, 2);
  sd_window_leave(&w, &s[3]); /* the first young one */
  sd_window_age(&w, 5.0);     /* s[4] waited 1 s */
  assert_int_equal(w.stalled, 3);
  sd_window_leave(&w, &s[0]);
  sd_window_leave(&w, &s[5]);
  sd_window_leave(&w, &s[4]);
  sd_window_leave(&w, &s[1]);
  assert_int_equal(w.slots.count, 0);
  assert_int_equal(w.stalled, 0);
  assert_null(w.slots.head);
  assert_null(w.first_young);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fixed_window_without_stalls),
      cmocka_unit_test(test_stalled_domains_make_room_up_to_the_cap),
      cmocka_unit_test(test_leave_in_any_order),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
