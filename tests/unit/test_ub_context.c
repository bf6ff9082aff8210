/* Unit tests of the libunbound context's settings (dns/ub_context.c): the
 * cache sizes a scan runs with, read back from libunbound itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <unbound.h>

#include "dns/ub_context.h"

/* libunbound's value of a size option, in bytes. */
static size_t option_bytes(struct ub_ctx *ctx, const char *name) {
  char *value = NULL;
  assert_int_equal(ub_ctx_get_option(ctx, name, &value), 0);
  assert_non_null(value);
  size_t n = (size_t)strtoull(value, NULL, 10);
  free(value);
  return n;
}

static struct ub_ctx *context(const char *const *extra, size_t extra_count) {
  sd_dns_options o;
  memset(&o, 0, sizeof(o));
  o.resolver = "127.0.0.1"; /* not /etc/resolv.conf: nothing is asked */
  o.unbound_options = extra;
  o.unbound_option_count = extra_count;
  char err[512] = "";
  struct ub_ctx *ctx = sd_ub_context_new(&o, err, sizeof(err));
  if (!ctx) fail_msg("sd_ub_context_new: %s", err);
  return ctx;
}

/* The three caches together stay at 10 MiB (they were 40 MiB: 8m, 16m,
 * 16m, which held 54 MB of heap at 20,000 domains for no fewer queries,
 * docs/bench.md "Where the memory goes"). */
static void test_default_caches_bounded(void **state) {
  struct ub_ctx *ctx = context(NULL, 0);
  size_t msg = option_bytes(ctx, "msg-cache-size"), rrset = option_bytes(ctx, "rrset-cache-size"),
         key = option_bytes(ctx, "key-cache-size");
  assert_int_equal(msg, 2u * 1024 * 1024);
  assert_int_equal(rrset, 4u * 1024 * 1024);
  assert_int_equal(key, 4u * 1024 * 1024);
  assert_true(msg + rrset + key <= 10u * 1024 * 1024);
  ub_ctx_delete(ctx);
}

/* --unbound-option still wins over the defaults. */
static void test_caller_option_wins(void **state) {
  const char *extra[] = {"key-cache-size: 16m"};
  struct ub_ctx *ctx = context(extra, 1);
  assert_int_equal(option_bytes(ctx, "key-cache-size"), 16u * 1024 * 1024);
  assert_int_equal(option_bytes(ctx, "msg-cache-size"), 2u * 1024 * 1024);
  ub_ctx_delete(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_default_caches_bounded),
      cmocka_unit_test(test_caller_option_wins),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
