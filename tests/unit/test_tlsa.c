/* Unit tests for TLSA records (src/dane/tlsa.c). */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/sha.h>
#include <openssl/x509.h>

#include "dane/tlsa.h"
#include "tls_fixtures.h"
#include "util/str.h"

#define HEX32 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HEX64 HEX32 HEX32

static sd_tlsa parsed(const char *text) {
  sd_tlsa t;
  if (sd_tlsa_parse_text(text, &t) != 0) fail_msg("cannot parse \"%s\"", text);
  return t;
}

static sd_tlsa_usability check_text(const char *text) {
  sd_tlsa t = parsed(text);
  sd_tlsa_usability u = sd_tlsa_check(&t);
  sd_tlsa_free(&t);
  return u;
}

/* A record with binary data (usage, selector, mtype, data). */
static sd_tlsa with_data(int usage, int selector, int mtype, const uint8_t *data, size_t len) {
  uint8_t *rdata = malloc(len + 3);
  assert_non_null(rdata);
  rdata[0] = (uint8_t)usage;
  rdata[1] = (uint8_t)selector;
  rdata[2] = (uint8_t)mtype;
  memcpy(rdata + 3, data, len);
  sd_tlsa t;
  assert_int_equal(sd_tlsa_from_rdata(rdata, len + 3, &t), 0);
  free(rdata);
  return t;
}

/* ------------------------------------------------------------- parsing */

static void test_text_round_trip(void **state) {
  (void)state;
  sd_tlsa t = parsed("3 1 1 " HEX32);
  assert_int_equal(t.usage, 3);
  assert_int_equal(t.selector, 1);
  assert_int_equal(t.mtype, 1);
  assert_int_equal(t.data_len, 32);
  char *s = sd_tlsa_format(&t);
  assert_string_equal(s, "3 1 1 " HEX32);
  free(s);
  sd_tlsa_free(&t);

  /* Upper case, white space inside the hex (as dig prints it), tabs. */
  t = parsed("  2\t0 2  0123456789ABCDEF0123456789ABCDEF 0123456789abcdef0123456789abcdef\n"
             " " HEX32 "\n");
  s = sd_tlsa_format(&t);
  assert_string_equal(s, "2 0 2 " HEX64);
  free(s);
  sd_tlsa_free(&t);

  /* Unknown values parse (usability is decided separately). */
  t = parsed("255 255 255 00");
  s = sd_tlsa_format(&t);
  assert_string_equal(s, "255 255 255 00");
  free(s);
  sd_tlsa_free(&t);
}

static void test_text_rejects(void **state) {
  (void)state;
  const char *bad[] = {
      "",
      "3 1 1",              /* no data */
      "3 1 1 ",             /* no data */
      ("3 1 " HEX32),       /* a field missing: hex is not a number */
      "3 1 1 0",            /* odd number of hex digits */
      "3 1 1 0g",           /* not hex */
      "256 1 1 00",         /* field above 255 */
      "0003 1 1 00",        /* more than three digits */
      "-3 1 1 00",
      "3 1 1x 00",
      "3,1,1 00",
      "3 1 1 0 0 0x",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    sd_tlsa t;
    if (sd_tlsa_parse_text(bad[i], &t) == 0) fail_msg("accepted \"%s\"", bad[i]);
    assert_null(t.data);
  }
  sd_tlsa t;
  assert_int_equal(sd_tlsa_parse_text(NULL, &t), -1);
  assert_int_equal(sd_tlsa_parse_text("3 1 1 00", NULL), -1);

  /* Data bounded by SD_TLSA_MAX_DATA. */
  size_t n = (SD_TLSA_MAX_DATA + 1) * 2;
  char *big = malloc(n + 16);
  assert_non_null(big);
  strcpy(big, "3 0 0 ");
  memset(big + 6, 'a', n);
  big[6 + n] = '\0';
  assert_int_equal(sd_tlsa_parse_text(big, &t), -1);
  big[6 + n - 2] = '\0'; /* exactly SD_TLSA_MAX_DATA bytes */
  assert_int_equal(sd_tlsa_parse_text(big, &t), 0);
  assert_int_equal(t.data_len, SD_TLSA_MAX_DATA);
  sd_tlsa_free(&t);
  free(big);
}

static void test_rdata(void **state) {
  (void)state;
  const uint8_t rdata[] = {3, 1, 1, 0xde, 0xad};
  sd_tlsa t;
  assert_int_equal(sd_tlsa_from_rdata(rdata, sizeof(rdata), &t), 0);
  char *s = sd_tlsa_format(&t);
  assert_string_equal(s, "3 1 1 dead");
  free(s);
  assert_int_equal(sd_tlsa_check(&t), SD_TLSA_MALFORMED); /* 2 bytes for SHA-256 */
  sd_tlsa_free(&t);

  /* Too short to hold the three fixed fields. */
  for (size_t len = 0; len < 3; len++) assert_int_equal(sd_tlsa_from_rdata(rdata, len, &t), -1);
  assert_int_equal(sd_tlsa_from_rdata(NULL, 5, &t), -1);

  /* Fixed fields only: parses, but empty data is malformed. */
  assert_int_equal(sd_tlsa_from_rdata(rdata, 3, &t), 0);
  assert_int_equal(t.data_len, 0);
  assert_int_equal(sd_tlsa_check(&t), SD_TLSA_MALFORMED);
  sd_tlsa_free(&t);

  /* Longer than SD_TLSA_MAX_DATA. */
  uint8_t *big = calloc(1, SD_TLSA_MAX_DATA + 4);
  assert_non_null(big);
  big[0] = 3;
  assert_int_equal(sd_tlsa_from_rdata(big, SD_TLSA_MAX_DATA + 4, &t), -1);
  assert_int_equal(sd_tlsa_from_rdata(big, SD_TLSA_MAX_DATA + 3, &t), 0);
  sd_tlsa_free(&t);
  free(big);
}

/* ----------------------------------------------------------- usability */

static void test_usability_parameters(void **state) {
  (void)state;
  assert_int_equal(check_text("3 1 1 " HEX32), SD_TLSA_USABLE);
  assert_int_equal(check_text("2 0 1 " HEX32), SD_TLSA_USABLE);
  assert_int_equal(check_text("3 0 2 " HEX64), SD_TLSA_USABLE);
  assert_int_equal(check_text("0 1 1 " HEX32), SD_TLSA_UNUSABLE_USAGE);
  assert_int_equal(check_text("1 1 1 " HEX32), SD_TLSA_UNUSABLE_USAGE);
  assert_int_equal(check_text("4 1 1 " HEX32), SD_TLSA_UNUSABLE_USAGE);
  assert_int_equal(check_text("3 2 1 " HEX32), SD_TLSA_UNUSABLE_SELECTOR);
  assert_int_equal(check_text("3 255 1 " HEX32), SD_TLSA_UNUSABLE_SELECTOR);
  assert_int_equal(check_text("3 1 3 " HEX32), SD_TLSA_UNUSABLE_MTYPE);
  assert_int_equal(check_text("2 1 255 " HEX32), SD_TLSA_UNUSABLE_MTYPE);
  assert_int_equal(sd_tlsa_check(NULL), SD_TLSA_MALFORMED);
}

static void test_usability_lengths(void **state) {
  (void)state;
  assert_int_equal(check_text("3 1 1 " HEX32 "00"), SD_TLSA_MALFORMED);      /* 33 */
  assert_int_equal(check_text("3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab"),
                   SD_TLSA_MALFORMED);                                        /* 31 */
  assert_int_equal(check_text("3 1 2 " HEX32), SD_TLSA_MALFORMED);           /* 32 for 512 */
  assert_int_equal(check_text("3 1 1 " HEX64), SD_TLSA_MALFORMED);           /* 64 for 256 */
  assert_int_equal(check_text("3 1 2 " HEX64 "00"), SD_TLSA_MALFORMED);
  assert_int_equal(check_text("3 1 0 " HEX32), SD_TLSA_MALFORMED);           /* not an SPKI */
  assert_int_equal(check_text("2 0 0 " HEX32), SD_TLSA_MALFORMED);           /* not a cert */
}

static void test_usability_full_data(void **state) {
  (void)state;
  EVP_PKEY *key = fx_key();
  fx_cert_spec spec = {.cn = "mx.example.com", .not_before = -FX_DAY, .not_after = FX_DAY};
  X509 *cert = fx_cert(&spec, key, NULL, NULL);
  size_t der_len;
  unsigned char *der = fx_der(cert, &der_len);
  unsigned char *spki = NULL;
  int spki_len = i2d_PUBKEY(key, &spki);
  assert_true(spki_len > 0);

  sd_tlsa t = with_data(3, 0, 0, der, der_len);
  assert_int_equal(sd_tlsa_check(&t), SD_TLSA_USABLE);
  sd_tlsa_free(&t);
  t = with_data(3, 1, 0, spki, (size_t)spki_len);
  assert_int_equal(sd_tlsa_check(&t), SD_TLSA_USABLE);
  sd_tlsa_free(&t);
  /* Swapped selectors. */
  t = with_data(3, 1, 0, der, der_len);
  assert_int_equal(sd_tlsa_check(&t), SD_TLSA_MALFORMED);
  sd_tlsa_free(&t);
  t = with_data(2, 0, 0, spki, (size_t)spki_len);
  assert_int_equal(sd_tlsa_check(&t), SD_TLSA_MALFORMED);
  sd_tlsa_free(&t);
  /* Truncated and with a trailing byte. */
  t = with_data(3, 0, 0, der, der_len - 1);
  assert_int_equal(sd_tlsa_check(&t), SD_TLSA_MALFORMED);
  sd_tlsa_free(&t);
  uint8_t *padded = malloc(der_len + 1);
  assert_non_null(padded);
  memcpy(padded, der, der_len);
  padded[der_len] = 0;
  t = with_data(3, 0, 0, padded, der_len + 1);
  assert_int_equal(sd_tlsa_check(&t), SD_TLSA_MALFORMED);
  sd_tlsa_free(&t);
  free(padded);

  OPENSSL_free(spki);
  OPENSSL_free(der);
  X509_free(cert);
  EVP_PKEY_free(key);
}

/* ------------------------------------------------------ digest agility */

static size_t select_texts(const char *const *texts, size_t n, sd_tlsa_usability *status) {
  sd_tlsa rrs[8];
  assert_true(n <= 8);
  for (size_t i = 0; i < n; i++) rrs[i] = parsed(texts[i]);
  size_t usable = sd_tlsa_select_usable(rrs, n, status);
  for (size_t i = 0; i < n; i++) sd_tlsa_free(&rrs[i]);
  return usable;
}

static void test_agility_strongest_only(void **state) {
  (void)state;
  sd_tlsa_usability st[8];
  const char *a[] = {"3 1 1 " HEX32, "3 1 2 " HEX64};
  assert_int_equal(select_texts(a, 2, st), 1);
  assert_int_equal(st[0], SD_TLSA_WEAKER_DIGEST);
  assert_int_equal(st[1], SD_TLSA_USABLE);

  /* Order does not matter. */
  const char *b[] = {"3 1 2 " HEX64, "3 1 1 " HEX32, "3 1 1 " HEX32};
  assert_int_equal(select_texts(b, 3, st), 1);
  assert_int_equal(st[0], SD_TLSA_USABLE);
  assert_int_equal(st[1], SD_TLSA_WEAKER_DIGEST);
  assert_int_equal(st[2], SD_TLSA_WEAKER_DIGEST);
}

static void test_agility_per_usage_and_selector(void **state) {
  (void)state;
  sd_tlsa_usability st[8];
  const char *a[] = {"3 1 1 " HEX32, "3 0 2 " HEX64, "2 1 2 " HEX64, "2 0 1 " HEX32};
  assert_int_equal(select_texts(a, 4, st), 4);
  for (size_t i = 0; i < 4; i++) assert_int_equal(st[i], SD_TLSA_USABLE);
}

static void test_agility_only_among_usable(void **state) {
  (void)state;
  sd_tlsa_usability st[8];
  /* A malformed SHA-512 record does not demote a good SHA-256 one. */
  const char *a[] = {"3 1 1 " HEX32, "3 1 2 " HEX32};
  assert_int_equal(select_texts(a, 2, st), 1);
  assert_int_equal(st[0], SD_TLSA_USABLE);
  assert_int_equal(st[1], SD_TLSA_MALFORMED);
  /* Nor does an unusable-usage one of another usage. */
  const char *b[] = {"3 1 1 " HEX32, "1 1 2 " HEX64};
  assert_int_equal(select_texts(b, 2, st), 1);
  assert_int_equal(st[0], SD_TLSA_USABLE);
  assert_int_equal(st[1], SD_TLSA_UNUSABLE_USAGE);
  /* Empty set. */
  assert_int_equal(sd_tlsa_select_usable(NULL, 0, st), 0);
}

static void test_agility_full_kept(void **state) {
  (void)state;
  EVP_PKEY *key = fx_key();
  unsigned char *spki = NULL;
  int spki_len = i2d_PUBKEY(key, &spki);
  assert_true(spki_len > 0);
  sd_tlsa rrs[3];
  rrs[0] = with_data(3, 1, 0, spki, (size_t)spki_len);
  rrs[1] = parsed("3 1 1 " HEX32);
  rrs[2] = parsed("3 1 2 " HEX64);
  sd_tlsa_usability st[3];
  /* Full(0) is not a digest: it stays usable next to the strongest one. */
  assert_int_equal(sd_tlsa_select_usable(rrs, 3, st), 2);
  assert_int_equal(st[0], SD_TLSA_USABLE);
  assert_int_equal(st[1], SD_TLSA_WEAKER_DIGEST);
  assert_int_equal(st[2], SD_TLSA_USABLE);
  for (size_t i = 0; i < 3; i++) sd_tlsa_free(&rrs[i]);
  OPENSSL_free(spki);
  EVP_PKEY_free(key);
}

static void test_usability_names(void **state) {
  (void)state;
  assert_string_equal(sd_tlsa_usability_name(SD_TLSA_USABLE), "usable");
  assert_string_equal(sd_tlsa_usability_name(SD_TLSA_UNUSABLE_USAGE), "unusable-usage");
  assert_string_equal(sd_tlsa_usability_name(SD_TLSA_UNUSABLE_SELECTOR), "unusable-selector");
  assert_string_equal(sd_tlsa_usability_name(SD_TLSA_UNUSABLE_MTYPE), "unusable-matching-type");
  assert_string_equal(sd_tlsa_usability_name(SD_TLSA_MALFORMED), "malformed");
  assert_string_equal(sd_tlsa_usability_name(SD_TLSA_WEAKER_DIGEST), "weaker-digest");
  assert_string_equal(sd_tlsa_usability_name((sd_tlsa_usability)99), "unknown");
}

/* ----------------------------------------------------- record for cert */

static void test_record_for_cert(void **state) {
  (void)state;
  EVP_PKEY *key = fx_key();
  fx_cert_spec spec = {.cn = "mx.example.com", .not_before = -FX_DAY, .not_after = FX_DAY};
  X509 *cert = fx_cert(&spec, key, NULL, NULL);
  size_t der_len;
  unsigned char *der = fx_der(cert, &der_len);

  /* Independently: SPKI from the key (i2d_PUBKEY), one-shot SHA-256. */
  unsigned char *spki = NULL;
  int spki_len = i2d_PUBKEY(key, &spki);
  assert_true(spki_len > 0);
  unsigned char md[SHA512_DIGEST_LENGTH];
  SHA256(spki, (size_t)spki_len, md);
  char *hex = sd_hex(md, SHA256_DIGEST_LENGTH);
  char *want = sd_asprintf("3 1 1 %s", hex);
  char *got = sd_tlsa_record_for_cert(der, der_len, 3, 1, 1);
  assert_string_equal(got, want);
  free(got);
  free(want);
  free(hex);

  SHA512(der, der_len, md);
  hex = sd_hex(md, SHA512_DIGEST_LENGTH);
  want = sd_asprintf("2 0 2 %s", hex);
  got = sd_tlsa_record_for_cert(der, der_len, 2, 0, 2);
  assert_string_equal(got, want);
  free(got);
  free(want);
  free(hex);

  hex = sd_hex(spki, (size_t)spki_len);
  want = sd_asprintf("3 1 0 %s", hex);
  got = sd_tlsa_record_for_cert(der, der_len, 3, 1, 0);
  assert_string_equal(got, want);
  /* ... and the full record it produces is usable. */
  sd_tlsa t = parsed(got);
  assert_int_equal(sd_tlsa_check(&t), SD_TLSA_USABLE);
  sd_tlsa_free(&t);
  free(got);
  free(want);
  free(hex);

  /* Bad input. */
  assert_null(sd_tlsa_record_for_cert(der, der_len - 1, 3, 1, 1));
  assert_null(sd_tlsa_record_for_cert(NULL, 10, 3, 1, 1));
  assert_null(sd_tlsa_record_for_cert(der, 0, 3, 1, 1));
  assert_null(sd_tlsa_record_for_cert(der, der_len, 3, 2, 1));
  assert_null(sd_tlsa_record_for_cert(der, der_len, 3, 1, 3));
  assert_null(sd_tlsa_record_for_cert(der, der_len, 256, 1, 1));
  assert_null(sd_tlsa_record_for_cert(der, der_len, -1, 1, 1));
  const uint8_t junk[] = {0x30, 0x82, 0x01, 0x00, 0x30};
  assert_null(sd_tlsa_record_for_cert(junk, sizeof(junk), 3, 1, 1));

  OPENSSL_free(spki);
  OPENSSL_free(der);
  X509_free(cert);
  EVP_PKEY_free(key);
}

/* A known value computed outside this code: SHA-256 of the empty string
 * checks the hex/format path of a full round trip. */
static void test_format_known_value(void **state) {
  (void)state;
  sd_tlsa t = parsed("3 1 1 E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855");
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256((const unsigned char *)"", 0, md);
  assert_memory_equal(t.data, md, sizeof(md));
  char *s = sd_tlsa_format(&t);
  assert_string_equal(s, "3 1 1 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  free(s);
  sd_tlsa_free(&t);
  sd_tlsa_free(&t); /* twice is harmless */
  sd_tlsa_free(NULL);
  assert_null(sd_tlsa_format(NULL));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_text_round_trip),
      cmocka_unit_test(test_text_rejects),
      cmocka_unit_test(test_rdata),
      cmocka_unit_test(test_usability_parameters),
      cmocka_unit_test(test_usability_lengths),
      cmocka_unit_test(test_usability_full_data),
      cmocka_unit_test(test_agility_strongest_only),
      cmocka_unit_test(test_agility_per_usage_and_selector),
      cmocka_unit_test(test_agility_only_among_usable),
      cmocka_unit_test(test_agility_full_kept),
      cmocka_unit_test(test_usability_names),
      cmocka_unit_test(test_record_for_cert),
      cmocka_unit_test(test_format_known_value),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
