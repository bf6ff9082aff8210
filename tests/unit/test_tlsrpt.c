/* Unit tests for the TLSRPT record (src/mtasts/tlsrpt.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "findings/findings.h"
#include "mtasts/tlsrpt.h"

static void evaluate(const char *const *txts, size_t count, sd_tlsrpt_record *rec, sd_findings *f) {
  size_t lens[8];
  assert_true(count <= 8);
  for (size_t i = 0; i < count; i++) lens[i] = strlen(txts[i]);
  sd_tlsrpt_evaluate(txts, lens, count, rec, f);
}

static sd_tlsrpt_status eval_one(const char *txt, sd_tlsrpt_record *rec, sd_findings *f) {
  const char *txts[] = {txt};
  evaluate(txts, 1, rec, f);
  return rec->status;
}


static void test_valid(void **state) {
  (void)state;
  sd_tlsrpt_record rec;
  sd_findings f = {0};
  assert_int_equal(eval_one("v=TLSRPTv1; rua=mailto:tlsrpt@example.test", &rec, &f), SD_TLSRPT_VALID);
  assert_int_equal(rec.rua_count, 1);
  assert_string_equal(rec.rua[0], "mailto:tlsrpt@example.test");
  assert_string_equal(rec.raw, "v=TLSRPTv1; rua=mailto:tlsrpt@example.test");
  assert_int_equal(f.count, 0);
  sd_tlsrpt_record_free(&rec);

  /* RFC 8460 §3 examples, several URIs, spacing, trailing ";", extension. */
  const char *ok = "v=TLSRPTv1;rua=mailto:reports@example.com , https://reporting.example.com/v1/tlsrpt ; ext=1;";
  assert_int_equal(eval_one(ok, &rec, &f), SD_TLSRPT_VALID);
  assert_int_equal(rec.rua_count, 2);
  assert_string_equal(rec.rua[0], "mailto:reports@example.com");
  assert_string_equal(rec.rua[1], "https://reporting.example.com/v1/tlsrpt");
  assert_int_equal(f.count, 0);
  sd_tlsrpt_record_free(&rec);

  assert_int_equal(eval_one("v=TLSRPTv1; rua=MAILTO:a@b.example,HTTPS://h.example", &rec, &f), SD_TLSRPT_VALID);
  sd_tlsrpt_record_free(&rec);
}

static void test_bad_rua(void **state) {
  (void)state;
  const char *bad[] = {
      "v=TLSRPTv1; rua=tlsrpt@example.test", /* no scheme: the catalogue case */
      "v=TLSRPTv1; rua=mailto:example.test", /* no @ */
      "v=TLSRPTv1; rua=mailto:@example.test",
      "v=TLSRPTv1; rua=mailto:a@",
      "v=TLSRPTv1; rua=http://example.test/",
      "v=TLSRPTv1; rua=https:/example.test/",
      "v=TLSRPTv1; rua=https:///path",
      "v=TLSRPTv1; rua=mailto:a@b.example,,mailto:c@d.example",
      "v=TLSRPTv1; rua=",
      "v=TLSRPTv1; rua=ftp://example.test",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    sd_tlsrpt_record rec;
    sd_findings f = {0};
    assert_int_equal(eval_one(bad[i], &rec, &f), SD_TLSRPT_INVALID);
    const sd_finding *finding = sd_findings_find(&f, SD_C_TLSRPT_BAD_RUA);
    assert_non_null(finding);
    assert_string_equal(finding->where, "tlsrpt");
    assert_non_null(finding->remedy);
    sd_tlsrpt_record_free(&rec);
    sd_findings_clear(&f);
  }
  sd_tlsrpt_record rec;
  sd_findings f = {0};
  assert_int_equal(eval_one("v=TLSRPTv1; rua=tlsrpt@example.test", &rec, &f), SD_TLSRPT_INVALID);
  assert_non_null(strstr(f.items[0].detail, "tlsrpt@example.test"));
  assert_int_equal(rec.rua_count, 1); /* kept as published */
  sd_tlsrpt_record_free(&rec);
  sd_findings_clear(&f);
}

static void test_no_rua(void **state) {
  (void)state;
  sd_tlsrpt_record rec;
  sd_findings f = {0};
  assert_int_equal(eval_one("v=TLSRPTv1;", &rec, &f), SD_TLSRPT_INVALID);
  assert_non_null(sd_findings_find(&f, SD_C_TLSRPT_NO_RUA));
  sd_tlsrpt_record_free(&rec);
  sd_findings_clear(&f);
  /* rua= is case-sensitive: RUA= is an (ignored) extension. */
  assert_int_equal(eval_one("v=TLSRPTv1; RUA=mailto:a@b.example", &rec, &f), SD_TLSRPT_INVALID);
  assert_non_null(sd_findings_find(&f, SD_C_TLSRPT_NO_RUA));
  sd_tlsrpt_record_free(&rec);
  sd_findings_clear(&f);
}

static void test_syntax(void **state) {
  (void)state;
  const char *bad[] = {
      "v=TLSRPTv1; rua=mailto:a@b.example;; x=y",
      "v=TLSRPTv1; rua=mailto:a@b.example; junk",
      "v=TLSRPTv1; rua = mailto:a@b.example",
      "v=TLSRPTv1; rua=mailto:a@b.example; _x=y",
      "v=TLSRPTv1; rua=mailto:a@b.example; rua=mailto:c@d.example",
      "v=tlsrptv1; rua=mailto:a@b.example",
      "v=TLSRPTv1 rua=mailto:a@b.example",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    sd_tlsrpt_record rec;
    sd_findings f = {0};
    assert_int_equal(eval_one(bad[i], &rec, &f), SD_TLSRPT_INVALID);
    assert_non_null(sd_findings_find(&f, SD_C_TLSRPT_SYNTAX));
    sd_tlsrpt_record_free(&rec);
    sd_findings_clear(&f);
  }
}

static void test_multiple_and_absent(void **state) {
  (void)state;
  sd_tlsrpt_record rec;
  sd_findings f = {0};
  const char *two[] = {"v=TLSRPTv1; rua=mailto:a@b.example", "v=spf1 -all",
                       "v=TLSRPTv1; rua=mailto:c@d.example"};
  evaluate(two, 3, &rec, &f);
  assert_int_equal(rec.status, SD_TLSRPT_INVALID);
  const sd_finding *multi = sd_findings_find(&f, SD_C_TLSRPT_MULTIPLE);
  assert_non_null(multi);
  assert_non_null(strstr(multi->detail, "c@d.example"));
  sd_tlsrpt_record_free(&rec);
  sd_findings_clear(&f);

  const char *none[] = {"v=spf1 -all", "v=STSv1; id=1"};
  evaluate(none, 2, &rec, &f);
  assert_int_equal(rec.status, SD_TLSRPT_ABSENT);
  assert_null(rec.raw);
  assert_int_equal(f.count, 0);
  sd_tlsrpt_record_free(&rec);

  /* A botched record beside a proper one is ignored like senders do. */
  const char *mixed[] = {"v=tlsrptv1; rua=x", "v=TLSRPTv1; rua=mailto:a@b.example"};
  evaluate(mixed, 2, &rec, &f);
  assert_int_equal(rec.status, SD_TLSRPT_VALID);
  assert_int_equal(f.count, 0);
  sd_tlsrpt_record_free(&rec);
}

static void test_nul_byte(void **state) {
  (void)state;
  static const char txt[] = "v=TLSRPTv1; rua=mailto:a\0@b.example";
  const char *txts[] = {txt};
  size_t lens[] = {sizeof(txt) - 1};
  sd_tlsrpt_record rec;
  sd_findings f = {0};
  sd_tlsrpt_evaluate(txts, lens, 1, &rec, &f);
  assert_int_equal(rec.status, SD_TLSRPT_INVALID);
  const sd_finding *bad = sd_findings_find(&f, SD_C_TLSRPT_BAD_RUA);
  assert_non_null(bad);
  assert_non_null(strstr(bad->detail, "\\x00"));
  sd_tlsrpt_record_free(&rec);
  sd_findings_clear(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_valid),
      cmocka_unit_test(test_bad_rua),
      cmocka_unit_test(test_no_rua),
      cmocka_unit_test(test_syntax),
      cmocka_unit_test(test_multiple_and_absent),
      cmocka_unit_test(test_nul_byte),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
