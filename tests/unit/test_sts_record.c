/* Unit tests for the MTA-STS TXT record (src/mtasts/record.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "findings/findings.h"
#include "mtasts/record.h"

/* Evaluates NUL-terminated records. */
static void evaluate(const char *const *txts, size_t count, sd_sts_record *rec, sd_findings *f) {
  size_t lens[16];
  assert_true(count <= 16);
  for (size_t i = 0; i < count; i++) lens[i] = strlen(txts[i]);
  sd_sts_record_evaluate(txts, lens, count, rec, f);
}

/* Parses one record; returns its status and leaves the findings in *f. */
static sd_sts_record_status parse_one(const char *txt, sd_sts_record *rec, sd_findings *f) {
  const char *txts[] = {txt};
  evaluate(txts, 1, rec, f);
  return rec->status;
}


static void test_valid_minimal(void **state) {
  (void)state;
  sd_sts_record rec;
  sd_findings f = {0};
  /* The example of RFC 8461 §3.1. */
  assert_int_equal(parse_one("v=STSv1; id=20160831085700Z;", &rec, &f), SD_STS_RECORD_VALID);
  assert_string_equal(rec.id, "20160831085700Z");
  assert_string_equal(rec.raw, "v=STSv1; id=20160831085700Z;");
  assert_int_equal(rec.candidates, 1);
  assert_int_equal(f.count, 0);
  sd_sts_record_free(&rec);
  sd_findings_clear(&f);
}

static void test_id_lengths(void **state) {
  (void)state;
  sd_sts_record rec;
  sd_findings f = {0};
  assert_int_equal(parse_one("v=STSv1;id=a", &rec, &f), SD_STS_RECORD_VALID);
  assert_string_equal(rec.id, "a");
  sd_sts_record_free(&rec);

  const char *id32 = "v=STSv1; id=0123456789abcdef0123456789ABCDEF";
  assert_int_equal(parse_one(id32, &rec, &f), SD_STS_RECORD_VALID);
  assert_string_equal(rec.id, "0123456789abcdef0123456789ABCDEF");
  assert_int_equal(f.count, 0);
  sd_sts_record_free(&rec);

  const char *id33 = "v=STSv1; id=0123456789abcdef0123456789ABCDEFG";
  assert_int_equal(parse_one(id33, &rec, &f), SD_STS_RECORD_INVALID);
  assert_non_null(sd_findings_find(&f, SD_C_STS_RECORD_BAD_ID));
  assert_string_equal(rec.id, "");
  sd_sts_record_free(&rec);
  sd_findings_clear(&f);

  assert_int_equal(parse_one("v=STSv1; id=", &rec, &f), SD_STS_RECORD_INVALID);
  assert_non_null(sd_findings_find(&f, SD_C_STS_RECORD_BAD_ID));
  assert_null(sd_findings_find(&f, SD_C_STS_RECORD_NO_ID));
  sd_sts_record_free(&rec);
  sd_findings_clear(&f);
}

static void test_id_with_dash(void **state) {
  (void)state;
  sd_sts_record rec;
  sd_findings f = {0};
  assert_int_equal(parse_one("v=STSv1; id=2024-01-01", &rec, &f), SD_STS_RECORD_INVALID);
  const sd_finding *bad = sd_findings_find(&f, SD_C_STS_RECORD_BAD_ID);
  assert_non_null(bad);
  assert_string_equal(bad->where, "record");
  assert_non_null(strstr(bad->detail, "2024-01-01"));
  assert_non_null(bad->remedy);
  assert_non_null(strstr(bad->remedy, "id=20240101"));
  assert_null(sd_findings_find(&f, SD_C_STS_RECORD_NO_ID));
  sd_sts_record_free(&rec);
  sd_findings_clear(&f);
}

static void test_no_id(void **state) {
  (void)state;
  sd_sts_record rec;
  sd_findings f = {0};
  assert_int_equal(parse_one("v=STSv1;", &rec, &f), SD_STS_RECORD_INVALID);
  assert_non_null(sd_findings_find(&f, SD_C_STS_RECORD_NO_ID));
  assert_int_equal(f.count, 1);
  sd_sts_record_free(&rec);
  sd_findings_clear(&f);

  assert_int_equal(parse_one("v=STSv1; foo=bar", &rec, &f), SD_STS_RECORD_INVALID);
  assert_non_null(sd_findings_find(&f, SD_C_STS_RECORD_NO_ID));
  sd_sts_record_free(&rec);
  sd_findings_clear(&f);
}

static void test_whitespace_and_trailing_separator(void **state) {
  (void)state;
  sd_sts_record rec;
  sd_findings f = {0};
  const char *ok[] = {
      "v=STSv1;id=abc",         "v=STSv1; id=abc;",       "v=STSv1;\tid=abc\t;\t",
      "v=STSv1;  id=abc  ;  ",  "v=STSv1; id=abc ; x=y ;",
  };
  for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
    assert_int_equal(parse_one(ok[i], &rec, &f), SD_STS_RECORD_VALID);
    assert_string_equal(rec.id, "abc");
    assert_int_equal(f.count, 0);
    sd_sts_record_free(&rec);
  }
}

static void test_syntax_errors(void **state) {
  (void)state;
  sd_sts_record rec;
  sd_findings f = {0};
  const char *bad[] = {"v=STSv1; id=abc;; x=y", "v=STSv1; id", "v=STSv1; =abc; id=1", "v=STSv1; id = abc"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    assert_int_equal(parse_one(bad[i], &rec, &f), SD_STS_RECORD_INVALID);
    assert_non_null(sd_findings_find(&f, SD_C_STS_RECORD_SYNTAX));
    sd_sts_record_free(&rec);
    sd_findings_clear(&f);
  }
  /* "id = abc" is an id with bad spacing: no extra "no id" finding. */
  assert_int_equal(parse_one("v=STSv1; id = abc", &rec, &f), SD_STS_RECORD_INVALID);
  assert_null(sd_findings_find(&f, SD_C_STS_RECORD_NO_ID));
  sd_sts_record_free(&rec);
  sd_findings_clear(&f);
}

static void test_id_with_space_inside(void **state) {
  (void)state;
  sd_sts_record rec;
  sd_findings f = {0};
  assert_int_equal(parse_one("v=STSv1; id=abc def", &rec, &f), SD_STS_RECORD_INVALID);
  assert_non_null(sd_findings_find(&f, SD_C_STS_RECORD_BAD_ID));
  sd_sts_record_free(&rec);
  sd_findings_clear(&f);
}

static void test_extensions(void **state) {
  (void)state;
  sd_sts_record rec;
  sd_findings f = {0};
  const char *good[] = {
      "v=STSv1; id=1; a=b",
      "v=STSv1; id=1; ext_1.x-y=!\"#$%&'()*+,-./:<>?@[]^_`{|}~",
      "v=STSv1; id=1; a0123456789012345678901234567890=v", /* 32-char name */
  };
  for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
    assert_int_equal(parse_one(good[i], &rec, &f), SD_STS_RECORD_VALID);
    assert_int_equal(f.count, 0);
    sd_sts_record_free(&rec);
  }
  const char *bad[] = {
      "v=STSv1; id=1; _a=b",                                /* name starts with '_' */
      "v=STSv1; id=1; a01234567890123456789012345678901=v", /* 33-char name */
      "v=STSv1; id=1; a=",                                  /* empty value */
      "v=STSv1; id=1; a=b=c",                               /* '=' in value */
      "v=STSv1; id=1; a=b c",                               /* space in value */
      "v=STSv1; id=1; a b=c",                               /* space in name */
      "v=STSv1; id=1; a=\x7f",                              /* DEL in value */
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    assert_int_equal(parse_one(bad[i], &rec, &f), SD_STS_RECORD_INVALID);
    assert_non_null(sd_findings_find(&f, SD_C_STS_RECORD_BAD_EXTENSION));
    sd_sts_record_free(&rec);
    sd_findings_clear(&f);
  }
}

static void test_duplicate_field(void **state) {
  (void)state;
  sd_sts_record rec;
  sd_findings f = {0};
  assert_int_equal(parse_one("v=STSv1; id=first; id=second", &rec, &f), SD_STS_RECORD_VALID);
  assert_string_equal(rec.id, "first");
  const sd_finding *dup = sd_findings_find(&f, SD_C_STS_RECORD_DUPLICATE_FIELD);
  assert_non_null(dup);
  assert_non_null(strstr(dup->detail, "id=second"));
  assert_int_equal(sd_findings_worst(&f), SD_SEV_WARNING);
  sd_sts_record_free(&rec);
  sd_findings_clear(&f);

  assert_int_equal(parse_one("v=STSv1; v=STSv1; id=a", &rec, &f), SD_STS_RECORD_VALID);
  assert_non_null(sd_findings_find(&f, SD_C_STS_RECORD_DUPLICATE_FIELD));
  sd_sts_record_free(&rec);
  sd_findings_clear(&f);

  /* First one wins even when it is the bad one. */
  assert_int_equal(parse_one("v=STSv1; id=a-b; id=ab", &rec, &f), SD_STS_RECORD_INVALID);
  assert_non_null(sd_findings_find(&f, SD_C_STS_RECORD_BAD_ID));
  sd_sts_record_free(&rec);
  sd_findings_clear(&f);
}

/* RFC 8461 §3.1 writes %s"id=" (RFC 7405): "ID=" is an extension, and the
 * record has no id; the finding says why. */
static void test_id_case_sensitive(void **state) {
  (void)state;
  sd_sts_record rec;
  sd_findings f = {0};
  assert_int_equal(parse_one("v=STSv1; ID=abc", &rec, &f), SD_STS_RECORD_INVALID);
  const sd_finding *no_id = sd_findings_find(&f, SD_C_STS_RECORD_NO_ID);
  assert_non_null(no_id);
  assert_non_null(strstr(no_id->detail, "case-sensitive"));
  sd_sts_record_free(&rec);
  sd_findings_clear(&f);
  /* id and ID side by side are two fields, not a duplicate. */
  assert_int_equal(parse_one("v=STSv1; id=abc; ID=xyz", &rec, &f), SD_STS_RECORD_VALID);
  assert_string_equal(rec.id, "abc");
  assert_int_equal(f.count, 0);
  sd_sts_record_free(&rec);
}

/* The separator is *WSP ";" *WSP, also after v=STSv1: valid, with a
 * warning, since §3.1 also discards records not beginning "v=STSv1;". */
static void test_blank_before_first_separator(void **state) {
  (void)state;
  const char *spaced[] = {"v=STSv1 ; id=abc", "v=STSv1\t;id=abc", "v=STSv1  ;  id=abc;"};
  for (size_t i = 0; i < sizeof(spaced) / sizeof(spaced[0]); i++) {
    sd_sts_record rec;
    sd_findings f = {0};
    assert_int_equal(parse_one(spaced[i], &rec, &f), SD_STS_RECORD_VALID);
    assert_string_equal(rec.id, "abc");
    assert_int_equal(f.count, 1);
    assert_non_null(sd_findings_find(&f, SD_C_STS_RECORD_VERSION_BLANK));
    sd_sts_record_free(&rec);
    sd_findings_clear(&f);
  }
}

/* Version not first, or the zone-file quotes published as data: no
 * record for senders (no policy), and a finding that says why. */
static void test_version_not_first_and_quotes(void **state) {
  (void)state;
  const struct { const char *txt, *says; } cases[] = {
      {"id=20240101T000000; v=STSv1;", "not first"},
      {"\"v=STSv1; id=1\"", "quote"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    sd_sts_record rec;
    sd_findings f = {0};
    assert_int_equal(parse_one(cases[i].txt, &rec, &f), SD_STS_RECORD_INVALID);
    const sd_finding *bad = sd_findings_find(&f, SD_C_STS_RECORD_BAD_VERSION);
    assert_non_null(bad);
    assert_non_null(strstr(bad->detail, cases[i].says));
    sd_sts_record_free(&rec);
    sd_findings_clear(&f);
  }
}

static void test_bad_versions(void **state) {
  (void)state;
  const char *botched[] = {"v=STSv2; id=1", "v=stsv1; id=1", "v=STSv1", "v=STSv1 id=1",
                           " v=STSv1; id=1", "V=STSV1;id=1", "v=STS1; id=1"};
  for (size_t i = 0; i < sizeof(botched) / sizeof(botched[0]); i++) {
    sd_sts_record rec;
    sd_findings f = {0};
    assert_int_equal(parse_one(botched[i], &rec, &f), SD_STS_RECORD_INVALID);
    const sd_finding *bad = sd_findings_find(&f, SD_C_STS_RECORD_BAD_VERSION);
    assert_non_null(bad);
    assert_int_equal(rec.candidates, 1);
    assert_non_null(rec.raw);
    sd_sts_record_free(&rec);
    sd_findings_clear(&f);
  }
}

static void test_unrelated_records_dropped(void **state) {
  (void)state;
  sd_sts_record rec;
  sd_findings f = {0};
  const char *txts[] = {"v=spf1 -all", "google-site-verification=abc", ""};
  evaluate(txts, 3, &rec, &f);
  assert_int_equal(rec.status, SD_STS_RECORD_ABSENT);
  assert_int_equal(rec.candidates, 0);
  assert_null(rec.raw);
  assert_int_equal(f.count, 0);
  sd_sts_record_free(&rec);

  evaluate(txts, 0, &rec, &f);
  assert_int_equal(rec.status, SD_STS_RECORD_ABSENT);
  sd_sts_record_free(&rec);

  const char *mixed[] = {"v=spf1 -all", "v=STSv1; id=abc123"};
  evaluate(mixed, 2, &rec, &f);
  assert_int_equal(rec.status, SD_STS_RECORD_VALID);
  assert_string_equal(rec.id, "abc123");
  assert_int_equal(f.count, 0);
  sd_sts_record_free(&rec);
}

static void test_multiple_records(void **state) {
  (void)state;
  sd_sts_record rec;
  sd_findings f = {0};
  const char *txts[] = {"v=STSv1; id=one", "v=spf1 -all", "v=STSv1; id=two"};
  evaluate(txts, 3, &rec, &f);
  assert_int_equal(rec.status, SD_STS_RECORD_INVALID);
  assert_int_equal(rec.candidates, 2);
  const sd_finding *multi = sd_findings_find(&f, SD_C_STS_RECORD_MULTIPLE);
  assert_non_null(multi);
  assert_non_null(strstr(multi->detail, "id=one"));
  assert_non_null(strstr(multi->detail, "id=two"));
  assert_string_equal(rec.id, "");
  sd_sts_record_free(&rec);
  sd_findings_clear(&f);

  /* Identical duplicates are still two records. */
  const char *same[] = {"v=STSv1; id=one", "v=STSv1; id=one"};
  evaluate(same, 2, &rec, &f);
  assert_int_equal(rec.status, SD_STS_RECORD_INVALID);
  assert_non_null(sd_findings_find(&f, SD_C_STS_RECORD_MULTIPLE));
  sd_sts_record_free(&rec);
  sd_findings_clear(&f);
}

static void test_botched_beside_valid_is_ignored(void **state) {
  (void)state;
  sd_sts_record rec;
  sd_findings f = {0};
  const char *txts[] = {"v=STSv2; id=future", "v=STSv1; id=now"};
  evaluate(txts, 2, &rec, &f);
  assert_int_equal(rec.status, SD_STS_RECORD_VALID);
  assert_string_equal(rec.id, "now");
  assert_int_equal(rec.candidates, 2);
  assert_int_equal(f.count, 0);
  sd_sts_record_free(&rec);

  const char *only_botched[] = {"v=spf1 -all", "v=stsv1; id=1", "v=STSv1"};
  evaluate(only_botched, 3, &rec, &f);
  assert_int_equal(rec.status, SD_STS_RECORD_INVALID);
  assert_int_equal(rec.candidates, 2);
  assert_int_equal(f.count, 2);
  assert_non_null(strstr(rec.raw, "stsv1"));
  sd_sts_record_free(&rec);
  sd_findings_clear(&f);
}

static void test_nul_bytes(void **state) {
  (void)state;
  sd_sts_record rec;
  sd_findings f = {0};
  static const char with_nul[] = "v=STSv1; id=ab\0cd";
  const char *txts[] = {with_nul};
  size_t lens[] = {sizeof(with_nul) - 1};
  sd_sts_record_evaluate(txts, lens, 1, &rec, &f);
  assert_int_equal(rec.status, SD_STS_RECORD_INVALID);
  const sd_finding *bad = sd_findings_find(&f, SD_C_STS_RECORD_BAD_ID);
  assert_non_null(bad);
  assert_non_null(strstr(bad->detail, "ab\\x00cd"));
  assert_string_equal(rec.raw, "v=STSv1; id=ab\\x00cd");
  sd_sts_record_free(&rec);
  sd_findings_clear(&f);

  /* A NUL inside the prefix: not an MTA-STS record at all. */
  static const char nul_prefix[] = "v=STS\0v1; id=1";
  const char *txts2[] = {nul_prefix};
  size_t lens2[] = {sizeof(nul_prefix) - 1};
  sd_sts_record_evaluate(txts2, lens2, 1, &rec, &f);
  assert_int_equal(rec.status, SD_STS_RECORD_INVALID);
  assert_non_null(sd_findings_find(&f, SD_C_STS_RECORD_BAD_VERSION));
  sd_sts_record_free(&rec);
  sd_findings_clear(&f);
}

static void test_hostile_long_record(void **state) {
  (void)state;
  /* 20000 broken fields: findings stay bounded, status is INVALID. */
  size_t n = 20000, len = 8 + n * 3;
  char *txt = malloc(len + 1);
  assert_non_null(txt);
  memcpy(txt, "v=STSv1;", 8);
  for (size_t i = 0; i < n; i++) memcpy(txt + 8 + i * 3, "x;;", 3);
  txt[len] = '\0';
  sd_sts_record rec;
  sd_findings f = {0};
  const char *txts[] = {txt};
  sd_sts_record_evaluate(txts, &len, 1, &rec, &f);
  assert_int_equal(rec.status, SD_STS_RECORD_INVALID);
  assert_true(f.count <= 16);
  for (size_t i = 0; i < f.count; i++) assert_true(strlen(f.items[i].detail) < 400);
  sd_sts_record_free(&rec);
  sd_findings_clear(&f);
  free(txt);
}

static void test_parse_directly(void **state) {
  (void)state;
  sd_sts_record rec;
  sd_findings f = {0};
  assert_int_equal(sd_sts_record_parse("v=STSv1; id=x1", 14, &rec, &f), 0);
  assert_int_equal(rec.status, SD_STS_RECORD_VALID);
  sd_sts_record_free(&rec);
  assert_int_equal(sd_sts_record_parse("v=STSv2; id=x1", 14, &rec, &f), -1);
  assert_non_null(sd_findings_find(&f, SD_C_STS_RECORD_BAD_VERSION));
  sd_sts_record_free(&rec);
  sd_findings_clear(&f);
  assert_int_equal(sd_sts_record_parse(NULL, 0, &rec, NULL), -1);
  sd_sts_record_free(&rec);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_valid_minimal),
      cmocka_unit_test(test_id_lengths),
      cmocka_unit_test(test_id_with_dash),
      cmocka_unit_test(test_no_id),
      cmocka_unit_test(test_whitespace_and_trailing_separator),
      cmocka_unit_test(test_syntax_errors),
      cmocka_unit_test(test_id_with_space_inside),
      cmocka_unit_test(test_extensions),
      cmocka_unit_test(test_duplicate_field),
      cmocka_unit_test(test_bad_versions),
      cmocka_unit_test(test_id_case_sensitive),
      cmocka_unit_test(test_blank_before_first_separator),
      cmocka_unit_test(test_version_not_first_and_quotes),
      cmocka_unit_test(test_unrelated_records_dropped),
      cmocka_unit_test(test_multiple_records),
      cmocka_unit_test(test_botched_beside_valid_is_ignored),
      cmocka_unit_test(test_nul_bytes),
      cmocka_unit_test(test_hostile_long_record),
      cmocka_unit_test(test_parse_directly),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
