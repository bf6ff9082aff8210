/* Unit tests of the verification memo: a repeated verification is answered
 * from the memo with the same result; any change of input is not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/verify_memo.h"
#include "tls_fixtures.h"

typedef struct fixture {
  sd_chain chain;
  sd_tlsa tlsa;
  EVP_PKEY *key;
  X509 *cert;
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof(*f));
  f->key = fx_key();
  fx_cert_spec spec = {.cn = "mx1.memo.test", .sans = "DNS:mx1.memo.test", .not_before = -FX_DAY,
                       .not_after = 30 * FX_DAY};
  f->cert = fx_cert(&spec, f->key, NULL, NULL);
  fx_chain_add(&f->chain, f->cert);
  size_t len = 0;
  unsigned char *der = fx_der(f->cert, &len);
  char *rec = sd_tlsa_record_for_cert(der, len, 3, 1, 1);
  assert_int_equal(sd_tlsa_parse_text(rec, &f->tlsa), 0);
  free(rec);
  OPENSSL_free(der);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  sd_chain_free(&f->chain);
  sd_tlsa_free(&f->tlsa);
  X509_free(f->cert);
  EVP_PKEY_free(f->key);
  free(f);
  return 0;
}

static void test_pkix_memo_hits_and_copies(void **state) {
  fixture *f = *state;
  sd_verify_memo *m = sd_verify_memo_new(16);
  X509_STORE *empty = X509_STORE_new();
  time_t now = time(NULL);
  sd_pkix_result a = {0}, b = {0}, c = {0};
  sd_memo_pkix_verify(m, &f->chain, empty, "mx1.memo.test", now, &a);
  sd_memo_pkix_verify(m, &f->chain, empty, "mx1.memo.test", now + 10, &b);
  assert_int_equal(sd_verify_memo_hits(m), 1);
  assert_int_equal(a.valid, b.valid);
  assert_int_equal(a.error_count, b.error_count);
  assert_true(a.error_count > 0); /* self-signed: untrusted */
  assert_string_equal(a.details[0], b.details[0]);
  assert_ptr_not_equal(a.details[0], b.details[0]); /* a copy, owned by the caller */
  sd_memo_pkix_verify(m, &f->chain, empty, "other.memo.test", now, &c); /* other name: no hit */
  assert_int_equal(sd_verify_memo_hits(m), 1);
  sd_pkix_result_free(&a);
  sd_pkix_result_free(&b);
  sd_pkix_result_free(&c);
  sd_pkix_result a2 = {0};
  sd_memo_pkix_verify(m, &f->chain, empty, "mx1.memo.test", now + 3600, &a2); /* much later: recomputed */
  assert_int_equal(sd_verify_memo_hits(m), 1);
  sd_pkix_result_free(&a2);
  X509_STORE_free(empty);
  sd_verify_memo_free(m);
}

static void test_dane_memo_hits_and_depends_on_records(void **state) {
  fixture *f = *state;
  sd_verify_memo *m = sd_verify_memo_new(16);
  time_t now = time(NULL);
  sd_dane_result a = {0}, b = {0}, c = {0};
  sd_memo_dane_verify(m, &f->chain, &f->tlsa, 1, "mx1.memo.test", NULL, 0, now, &a);
  sd_memo_dane_verify(m, &f->chain, &f->tlsa, 1, "mx1.memo.test", NULL, 0, now, &b);
  assert_true(a.valid);
  assert_true(b.valid);
  assert_string_equal(a.matched, b.matched);
  assert_int_equal(sd_verify_memo_hits(m), 1);
  sd_tlsa other = f->tlsa;
  uint8_t data[32];
  memcpy(data, f->tlsa.data, 32);
  data[0] ^= 0xff;
  other.data = data;
  sd_memo_dane_verify(m, &f->chain, &other, 1, "mx1.memo.test", NULL, 0, now, &c); /* other record */
  assert_false(c.valid);
  assert_int_equal(sd_verify_memo_hits(m), 1);
  sd_dane_result_free(&a);
  sd_dane_result_free(&b);
  sd_dane_result_free(&c);
  sd_verify_memo_free(m);
}

static void test_memo_bounded(void **state) {
  fixture *f = *state;
  sd_verify_memo *m = sd_verify_memo_new(2);
  X509_STORE *empty = X509_STORE_new();
  time_t now = time(NULL);
  const char *names[] = {"a.memo.test", "b.memo.test", "c.memo.test", "a.memo.test"};
  for (int i = 0; i < 4; i++) {
    sd_pkix_result r = {0};
    sd_memo_pkix_verify(m, &f->chain, empty, names[i], now, &r);
    sd_pkix_result_free(&r);
  }
  assert_int_equal(sd_verify_memo_hits(m), 0); /* "a" was dropped when the memo started over */
  X509_STORE_free(empty);
  sd_verify_memo_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_pkix_memo_hits_and_copies, setup, teardown),
      cmocka_unit_test_setup_teardown(test_dane_memo_hits_and_depends_on_records, setup, teardown),
      cmocka_unit_test_setup_teardown(test_memo_bounded, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
