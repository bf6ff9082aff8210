/* Unit tests for chain helpers, the trust store, PKIX and DANE verification
 * (src/tls). Every certificate is made here with the OpenSSL API. */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "tls/chain.h"
#include "dane/explain.h"
#include "dane/verify.h"
#include "tls/verify.h"
#include "tls_fixtures.h"
#include "util/str.h"

#define MX "mx.example.com"

typedef struct pki {
  EVP_PKEY *root_key, *inter_key, *leaf_key, *other_root_key;
  X509 *root, *inter, *other_root;
  X509 *leaf;            /* MX, signed by inter */
  X509 *leaf_other;      /* CN=MX but SAN other.example.net only */
  X509 *leaf_expired;    /* MX, expired yesterday */
  X509 *leaf_future;     /* MX, valid from tomorrow */
  X509 *leaf_self;       /* MX, self-signed */
  X509 *leaf_cn_only;    /* CN=MX, no SAN extension */
  X509 *leaf_wild;       /* *.example.com */
  X509 *leaf_client;     /* MX but extendedKeyUsage clientAuth only */
  X509_STORE *trust;     /* holds root */
  X509_STORE *other_trust; /* holds an unrelated root */
} pki;

static X509 *leaf_cert(pki *p, const char *cn, const char *sans, long nb, long na,
                       const char *eku) {
  fx_cert_spec s = {.cn = cn, .sans = sans, .not_before = nb, .not_after = na, .eku = eku};
  return fx_cert(&s, p->leaf_key, p->inter, p->inter_key);
}

static X509_STORE *store_with(X509 *cert) {
  X509_STORE *st = X509_STORE_new();
  assert_non_null(st);
  assert_int_equal(X509_STORE_add_cert(st, cert), 1);
  return st;
}

static int setup_pki(void **state) {
  pki *p = calloc(1, sizeof(*p));
  assert_non_null(p);
  p->root_key = fx_key();
  p->inter_key = fx_key();
  p->leaf_key = fx_key();
  p->other_root_key = fx_key();
  fx_cert_spec root = {.cn = "stsdane test root", .is_ca = 1, .not_before = -10 * FX_DAY,
                       .not_after = 3650 * FX_DAY};
  p->root = fx_cert(&root, p->root_key, NULL, NULL);
  fx_cert_spec other = root;
  other.cn = "unrelated root";
  p->other_root = fx_cert(&other, p->other_root_key, NULL, NULL);
  fx_cert_spec inter = {.cn = "stsdane test intermediate", .is_ca = 1, .not_before = -10 * FX_DAY,
                        .not_after = 1000 * FX_DAY};
  p->inter = fx_cert(&inter, p->inter_key, p->root, p->root_key);
  p->leaf = leaf_cert(p, MX, "DNS:" MX, -FX_DAY, 90 * FX_DAY, NULL);
  p->leaf_other = leaf_cert(p, MX, "DNS:other.example.net", -FX_DAY, 90 * FX_DAY, NULL);
  p->leaf_expired = leaf_cert(p, MX, "DNS:" MX, -90 * FX_DAY, -FX_DAY, NULL);
  p->leaf_future = leaf_cert(p, MX, "DNS:" MX, FX_DAY, 90 * FX_DAY, NULL);
  p->leaf_cn_only = leaf_cert(p, MX, NULL, -FX_DAY, 90 * FX_DAY, NULL);
  p->leaf_wild = leaf_cert(p, NULL, "DNS:*.example.com", -FX_DAY, 90 * FX_DAY, NULL);
  p->leaf_client = leaf_cert(p, MX, "DNS:" MX, -FX_DAY, 90 * FX_DAY, "clientAuth");
  fx_cert_spec self = {.cn = MX, .sans = "DNS:" MX, .not_before = -FX_DAY,
                       .not_after = 90 * FX_DAY};
  p->leaf_self = fx_cert(&self, p->leaf_key, NULL, NULL);
  p->trust = store_with(p->root);
  p->other_trust = store_with(p->other_root);
  *state = p;
  return 0;
}

static int teardown_pki(void **state) {
  pki *p = *state;
  X509 *certs[] = {p->root, p->inter, p->other_root, p->leaf, p->leaf_other, p->leaf_expired,
                   p->leaf_future, p->leaf_self, p->leaf_cn_only, p->leaf_wild, p->leaf_client};
  for (size_t i = 0; i < sizeof(certs) / sizeof(certs[0]); i++) X509_free(certs[i]);
  EVP_PKEY_free(p->root_key);
  EVP_PKEY_free(p->inter_key);
  EVP_PKEY_free(p->leaf_key);
  EVP_PKEY_free(p->other_root_key);
  X509_STORE_free(p->trust);
  X509_STORE_free(p->other_trust);
  free(p);
  return 0;
}

/* leaf, then up to two more certificates (NULL ends). */
static sd_chain chain_of(X509 *leaf, X509 *second, X509 *third) {
  sd_chain c = {0};
  fx_chain_add(&c, leaf);
  if (second) fx_chain_add(&c, second);
  if (third) fx_chain_add(&c, third);
  return c;
}

static int has_code(const sd_pkix_result *r, sd_code code) {
  for (size_t i = 0; i < r->error_count; i++)
    if (r->codes[i] == code) return 1;
  return 0;
}

/* ---------------------------------------------------------------- chain */

static void test_chain_append_bounds(void **state) {
  (void)state;
  sd_chain c = {0};
  uint8_t byte = 0x30;
  assert_int_equal(sd_chain_append(&c, NULL, 1), -1);
  assert_int_equal(sd_chain_append(&c, &byte, 0), -1);
  assert_int_equal(sd_chain_append(NULL, &byte, 1), -1);
  assert_int_equal(sd_chain_append(&c, &byte, (size_t)SD_CERT_MAX_DER + 1), -1);
  for (size_t i = 0; i < SD_CHAIN_MAX_CERTS; i++) assert_int_equal(sd_chain_append(&c, &byte, 1), 0);
  assert_int_equal(sd_chain_append(&c, &byte, 1), -1);
  assert_int_equal(c.count, SD_CHAIN_MAX_CERTS);
  sd_chain_free(&c);
  assert_int_equal(c.count, 0);
  assert_null(c.certs);
  sd_chain_free(&c); /* twice is harmless */
}

static void test_chain_sha256_pem_copy(void **state) {
  pki *p = *state;
  sd_chain c = chain_of(p->leaf, p->inter, NULL);
  char **hashes = sd_chain_sha256(&c);
  assert_non_null(hashes);
  for (size_t i = 0; i < c.count; i++) {
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(c.certs[i].der, c.certs[i].len, md);
    char *want = sd_hex(md, sizeof(md));
    assert_string_equal(hashes[i], want);
    free(want);
    free(hashes[i]);
  }
  free(hashes);

  char *pem = sd_chain_pem(&c);
  assert_non_null(pem);
  BIO *bio = BIO_new_mem_buf(pem, -1);
  X509 *a = PEM_read_bio_X509(bio, NULL, NULL, NULL);
  X509 *b = PEM_read_bio_X509(bio, NULL, NULL, NULL);
  assert_non_null(a);
  assert_non_null(b);
  assert_int_equal(X509_cmp(a, p->leaf), 0);
  assert_int_equal(X509_cmp(b, p->inter), 0);
  X509_free(a);
  X509_free(b);
  BIO_free(bio);
  free(pem);

  sd_chain copy;
  sd_chain_copy(&copy, &c);
  assert_int_equal(copy.count, 2);
  assert_memory_equal(copy.certs[1].der, c.certs[1].der, c.certs[1].len);
  assert_ptr_not_equal(copy.certs[1].der, c.certs[1].der);
  sd_chain_free(&copy);
  sd_chain_free(&c);

  sd_chain empty = {0};
  assert_null(sd_chain_sha256(&empty));
  assert_null(sd_chain_pem(&empty));
}

/* ---------------------------------------------------------- trust store */

static void test_trust_store_load(void **state) {
  pki *p = *state;
  char path[] = "/tmp/stsdane-test-ca-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  FILE *f = fdopen(fd, "w");
  assert_non_null(f);
  assert_int_equal(PEM_write_X509(f, p->other_root), 1);
  assert_int_equal(PEM_write_X509(f, p->root), 1);
  fclose(f);

  char err[256];
  X509_STORE *st = sd_trust_store_load(path, err, sizeof(err));
  assert_non_null(st);
  /* The loaded bundle really is used: the chain to root verifies. */
  sd_chain c = chain_of(p->leaf, p->inter, NULL);
  sd_pkix_result r;
  sd_pkix_verify(&c, st, MX, 0, &r);
  assert_true(r.valid);
  sd_pkix_result_free(&r);
  sd_chain_free(&c);
  X509_STORE_free(st);

  /* A file with no certificate is an error, with a message. */
  f = fopen(path, "w");
  assert_non_null(f);
  fputs("not a certificate\n", f);
  fclose(f);
  assert_null(sd_trust_store_load(path, err, sizeof(err)));
  assert_non_null(strstr(err, path));
  unlink(path);

  assert_null(sd_trust_store_load("/nonexistent/stsdane/ca.pem", err, sizeof(err)));
  assert_non_null(strstr(err, "/nonexistent/stsdane/ca.pem"));
  assert_null(sd_trust_store_load("/nonexistent/stsdane/ca.pem", NULL, 0));

  st = sd_trust_store_load(NULL, err, sizeof(err)); /* system default paths */
  assert_non_null(st);
  X509_STORE_free(st);
}

/* ----------------------------------------------------------------- PKIX */

static void pkix(pki *p, X509 *leaf, X509 *second, X509_STORE *trust, const char *host, time_t now,
                 sd_pkix_result *r) {
  sd_chain c = chain_of(leaf, second, NULL);
  sd_pkix_verify(&c, trust, host, now, r);
  sd_chain_free(&c);
  (void)p;
}

static void test_pkix_valid(void **state) {
  pki *p = *state;
  sd_pkix_result r;
  pkix(p, p->leaf, p->inter, p->trust, MX, 0, &r);
  assert_true(r.valid);
  assert_int_equal(r.error_count, 0);
  assert_string_equal(r.leaf_sans, MX);
  assert_string_equal(r.leaf_subject, "CN=" MX);
  time_t want = time(NULL) + 90 * FX_DAY;
  assert_true(r.leaf_not_after > want - 120 && r.leaf_not_after < want + 120);
  sd_pkix_result_free(&r);

  /* A trailing root dot in the host name is the same name. */
  pkix(p, p->leaf, p->inter, p->trust, MX ".", 0, &r);
  assert_true(r.valid);
  sd_pkix_result_free(&r);
}

static void test_pkix_expired(void **state) {
  pki *p = *state;
  sd_pkix_result r;
  pkix(p, p->leaf_expired, p->inter, p->trust, MX, 0, &r);
  assert_false(r.valid);
  assert_int_equal(r.error_count, 1);
  assert_int_equal(r.codes[0], SD_C_CERT_EXPIRED);
  assert_non_null(strstr(r.details[0], "depth 0"));
  sd_pkix_result_free(&r);

  /* Not yet valid counts as expired too. */
  pkix(p, p->leaf_future, p->inter, p->trust, MX, 0, &r);
  assert_false(r.valid);
  assert_int_equal(r.error_count, 1);
  assert_int_equal(r.codes[0], SD_C_CERT_EXPIRED);
  sd_pkix_result_free(&r);

  /* The time given is used: the valid leaf is expired in 100 days. */
  pkix(p, p->leaf, p->inter, p->trust, MX, time(NULL) + 100 * FX_DAY, &r);
  assert_false(r.valid);
  assert_true(has_code(&r, SD_C_CERT_EXPIRED));
  sd_pkix_result_free(&r);
  /* ... and the future leaf is valid the day after tomorrow. */
  pkix(p, p->leaf_future, p->inter, p->trust, MX, time(NULL) + 2 * FX_DAY, &r);
  assert_true(r.valid);
  sd_pkix_result_free(&r);
}

static void test_pkix_name_mismatch(void **state) {
  pki *p = *state;
  sd_pkix_result r;
  pkix(p, p->leaf, p->inter, p->trust, "mx2.example.com", 0, &r);
  assert_false(r.valid);
  assert_int_equal(r.error_count, 1);
  assert_int_equal(r.codes[0], SD_C_CERT_HOST_MISMATCH);
  assert_non_null(strstr(r.details[0], MX)); /* the names the cert has */
  sd_pkix_result_free(&r);

  /* No CN fallback: CN is the MX name, SAN is not. */
  pkix(p, p->leaf_other, p->inter, p->trust, MX, 0, &r);
  assert_false(r.valid);
  assert_int_equal(r.error_count, 1);
  assert_int_equal(r.codes[0], SD_C_CERT_HOST_MISMATCH);
  sd_pkix_result_free(&r);
  pkix(p, p->leaf_cn_only, p->inter, p->trust, MX, 0, &r);
  assert_false(r.valid);
  assert_true(has_code(&r, SD_C_CERT_HOST_MISMATCH));
  assert_string_equal(r.leaf_sans, "");
  sd_pkix_result_free(&r);
}

static void test_pkix_wildcard(void **state) {
  pki *p = *state;
  sd_pkix_result r;
  pkix(p, p->leaf_wild, p->inter, p->trust, MX, 0, &r);
  assert_true(r.valid);
  sd_pkix_result_free(&r);
  /* A wildcard covers exactly one label. */
  pkix(p, p->leaf_wild, p->inter, p->trust, "a.mx.example.com", 0, &r);
  assert_false(r.valid);
  assert_true(has_code(&r, SD_C_CERT_HOST_MISMATCH));
  sd_pkix_result_free(&r);
  pkix(p, p->leaf_wild, p->inter, p->trust, "example.com", 0, &r);
  assert_false(r.valid);
  sd_pkix_result_free(&r);
}

static void test_pkix_untrusted(void **state) {
  pki *p = *state;
  sd_pkix_result r;
  pkix(p, p->leaf, p->inter, p->other_trust, MX, 0, &r);
  assert_false(r.valid);
  assert_int_equal(r.error_count, 1);
  assert_int_equal(r.codes[0], SD_C_CERT_UNTRUSTED);
  sd_pkix_result_free(&r);

  /* Intermediate not sent. */
  pkix(p, p->leaf, NULL, p->trust, MX, 0, &r);
  assert_false(r.valid);
  assert_int_equal(r.codes[0], SD_C_CERT_UNTRUSTED);
  sd_pkix_result_free(&r);

  /* No trust store at all. */
  pkix(p, p->leaf, p->inter, NULL, MX, 0, &r);
  assert_false(r.valid);
  assert_true(has_code(&r, SD_C_CERT_UNTRUSTED));
  sd_pkix_result_free(&r);
}

static void test_pkix_self_signed(void **state) {
  pki *p = *state;
  sd_pkix_result r;
  pkix(p, p->leaf_self, NULL, p->trust, MX, 0, &r);
  assert_false(r.valid);
  assert_int_equal(r.error_count, 1);
  assert_int_equal(r.codes[0], SD_C_CERT_UNTRUSTED);
  assert_non_null(strstr(r.details[0], "self-signed"));
  sd_pkix_result_free(&r);
}

static void test_pkix_expired_and_mismatched(void **state) {
  pki *p = *state;
  sd_pkix_result r;
  pkix(p, p->leaf_expired, p->inter, p->trust, "other.example.org", 0, &r);
  assert_false(r.valid);
  assert_int_equal(r.error_count, 2);
  assert_true(has_code(&r, SD_C_CERT_EXPIRED));
  assert_true(has_code(&r, SD_C_CERT_HOST_MISMATCH));
  sd_pkix_result_free(&r);

  /* Self-signed, expired in 100 days and wrong name: three codes. */
  pkix(p, p->leaf_self, NULL, p->trust, "other.example.org", time(NULL) + 100 * FX_DAY, &r);
  assert_int_equal(r.error_count, 3);
  assert_true(has_code(&r, SD_C_CERT_UNTRUSTED));
  assert_true(has_code(&r, SD_C_CERT_EXPIRED));
  assert_true(has_code(&r, SD_C_CERT_HOST_MISMATCH));
  sd_pkix_result_free(&r);
}

static void test_pkix_invalid_purpose(void **state) {
  pki *p = *state;
  sd_pkix_result r;
  pkix(p, p->leaf_client, p->inter, p->trust, MX, 0, &r);
  assert_false(r.valid);
  assert_int_equal(r.error_count, 1);
  assert_int_equal(r.codes[0], SD_C_CERT_INVALID);
  sd_pkix_result_free(&r);
}

static void test_pkix_malformed_der(void **state) {
  pki *p = *state;
  sd_pkix_result r;
  sd_chain c = {0};

  sd_pkix_verify(&c, p->trust, MX, 0, &r); /* empty chain */
  assert_false(r.valid);
  assert_int_equal(r.error_count, 1);
  assert_int_equal(r.codes[0], SD_C_CERT_INVALID);
  sd_pkix_result_free(&r);
  sd_pkix_verify(NULL, p->trust, MX, 0, &r);
  assert_false(r.valid);
  sd_pkix_result_free(&r);

  const uint8_t junk[] = {0x30, 0x82, 0xff, 0xff, 0x01, 0x02};
  assert_int_equal(sd_chain_append(&c, junk, sizeof(junk)), 0);
  sd_pkix_verify(&c, p->trust, MX, 0, &r);
  assert_false(r.valid);
  assert_int_equal(r.codes[0], SD_C_CERT_INVALID);
  assert_non_null(strstr(r.details[0], "depth 0"));
  assert_null(r.leaf_subject);
  sd_pkix_result_free(&r);
  sd_chain_free(&c);

  /* Truncated intermediate and trailing bytes after a certificate. */
  size_t len;
  unsigned char *der = fx_der(p->inter, &len);
  fx_chain_add(&c, p->leaf);
  assert_int_equal(sd_chain_append(&c, der, len - 10), 0);
  sd_pkix_verify(&c, p->trust, MX, 0, &r);
  assert_false(r.valid);
  assert_int_equal(r.codes[0], SD_C_CERT_INVALID);
  assert_non_null(strstr(r.details[0], "depth 1"));
  sd_pkix_result_free(&r);
  sd_chain_free(&c);

  uint8_t *padded = malloc(len + 1);
  assert_non_null(padded);
  memcpy(padded, der, len);
  padded[len] = 0;
  assert_int_equal(sd_chain_append(&c, padded, len + 1), 0);
  sd_pkix_verify(&c, p->trust, MX, 0, &r);
  assert_false(r.valid);
  assert_int_equal(r.codes[0], SD_C_CERT_INVALID);
  sd_pkix_result_free(&r);
  sd_chain_free(&c);
  free(padded);
  OPENSSL_free(der);
}

/* ----------------------------------------------------------------- DANE */

static sd_tlsa tlsa_for(X509 *cert, int usage, int selector, int mtype) {
  size_t len;
  unsigned char *der = fx_der(cert, &len);
  char *text = sd_tlsa_record_for_cert(der, len, usage, selector, mtype);
  OPENSSL_free(der);
  assert_non_null(text);
  sd_tlsa t;
  assert_int_equal(sd_tlsa_parse_text(text, &t), 0);
  free(text);
  return t;
}

static void dane(X509 *leaf, X509 *second, const sd_tlsa *rrs, size_t n, const char *base,
                 const char *name, time_t now, sd_dane_result *r) {
  sd_chain c = chain_of(leaf, second, NULL);
  const char *names[] = {name};
  sd_dane_verify(&c, rrs, n, base, name ? names : NULL, name ? 1 : 0, now, r);
  sd_chain_free(&c);
}

static void assert_dane_valid(const sd_dane_result *r, int depth, const sd_tlsa *want) {
  if (!r->valid) fail_msg("DANE failed: %s", r->detail ? r->detail : "(no detail)");
  assert_int_equal(r->match_depth, depth);
  char *text = sd_tlsa_format(want);
  assert_string_equal(r->matched, text);
  free(text);
  assert_null(r->detail);
}

static void test_dane_ee_self_signed_and_expired(void **state) {
  pki *p = *state;
  sd_dane_result r;
  sd_tlsa t = tlsa_for(p->leaf_self, 3, 1, 1);
  dane(p->leaf_self, NULL, &t, 1, "unrelated.example", NULL, 0, &r);
  assert_dane_valid(&r, 0, &t);
  sd_dane_result_free(&r);

  /* Expired leaf with names matching nothing: DANE-EE checks neither. */
  sd_tlsa e = tlsa_for(p->leaf_expired, 3, 1, 1);
  dane(p->leaf_expired, p->inter, &e, 1, "unrelated.example", NULL, 0, &r);
  assert_dane_valid(&r, 0, &e);
  sd_dane_result_free(&r);
  sd_tlsa_free(&e);
  sd_tlsa_free(&t);
}

static void test_dane_ee_all_parameters(void **state) {
  pki *p = *state;
  for (int sel = 0; sel <= 1; sel++) {
    for (int mt = 0; mt <= 2; mt++) {
      sd_dane_result r;
      sd_tlsa t = tlsa_for(p->leaf, 3, sel, mt);
      dane(p->leaf, p->inter, &t, 1, MX, NULL, 0, &r);
      assert_dane_valid(&r, 0, &t);
      sd_dane_result_free(&r);
      sd_tlsa_free(&t);
    }
  }
}

static void test_dane_ee_mismatch(void **state) {
  pki *p = *state;
  sd_dane_result r;
  /* Stale key: data matches nothing served. */
  sd_tlsa t = tlsa_for(p->leaf_self, 3, 1, 1);
  t.data[0] ^= 0xff;
  dane(p->leaf_self, NULL, &t, 1, MX, NULL, 0, &r);
  assert_false(r.valid);
  assert_int_equal(r.code, SD_C_DANE_TLSA_MISMATCH);
  assert_int_equal(r.params_wrong, 0);
  assert_int_equal(r.match_depth, -1);
  assert_null(r.matched);
  assert_non_null(strstr(r.detail, "no usable record's data is a served certificate"));
  sd_dane_result_free(&r);
  sd_tlsa_free(&t);

  /* The SPKI digest published with selector 0: parameters wrong. */
  t = tlsa_for(p->leaf, 3, 1, 1);
  t.selector = 0;
  dane(p->leaf, p->inter, &t, 1, MX, NULL, 0, &r);
  assert_false(r.valid);
  assert_int_equal(r.code, SD_C_DANE_TLSA_MISMATCH);
  assert_int_equal(r.params_wrong, 1);
  assert_non_null(strstr(r.detail, "3 1 1"));
  sd_dane_result_free(&r);
  sd_tlsa_free(&t);

  /* The intermediate's key published as DANE-EE: usage wrong. */
  t = tlsa_for(p->inter, 3, 1, 1);
  dane(p->leaf, p->inter, &t, 1, MX, NULL, 0, &r);
  assert_int_equal(r.code, SD_C_DANE_TLSA_MISMATCH);
  assert_int_equal(r.params_wrong, 1);
  sd_dane_result_free(&r);
  sd_tlsa_free(&t);
}

static void test_dane_ta_valid(void **state) {
  pki *p = *state;
  sd_dane_result r;
  sd_tlsa t = tlsa_for(p->inter, 2, 1, 1);
  dane(p->leaf, p->inter, &t, 1, MX, NULL, 0, &r);
  assert_dane_valid(&r, 1, &t);
  sd_dane_result_free(&r);

  /* The MX name as extra reference identifier, base domain different. */
  dane(p->leaf, p->inter, &t, 1, "mail.example.org", MX, 0, &r);
  assert_dane_valid(&r, 1, &t);
  sd_dane_result_free(&r);

  /* DANE-TA falls back to the CN when the certificate has no SAN. */
  dane(p->leaf_cn_only, p->inter, &t, 1, MX, NULL, 0, &r);
  assert_dane_valid(&r, 1, &t);
  sd_dane_result_free(&r);
  sd_tlsa_free(&t);

  /* 2 0 0 of a root that is not sent: OpenSSL uses the full certificate. */
  sd_tlsa full = tlsa_for(p->root, 2, 0, 0);
  dane(p->leaf, p->inter, &full, 1, MX, NULL, 0, &r);
  if (!r.valid) fail_msg("2 0 0 root: %s", r.detail);
  assert_int_equal(r.match_depth, 2);
  sd_dane_result_free(&r);
  sd_tlsa_free(&full);
}

static void test_dane_ta_not_served(void **state) {
  pki *p = *state;
  sd_dane_result r;
  /* A digest of the root, which is not sent: no match. */
  sd_tlsa t = tlsa_for(p->root, 2, 1, 1);
  dane(p->leaf, p->inter, &t, 1, MX, NULL, 0, &r);
  assert_false(r.valid);
  assert_int_equal(r.code, SD_C_DANE_TLSA_MISMATCH);
  assert_int_equal(r.params_wrong, 0);
  sd_dane_result_free(&r);
  sd_tlsa_free(&t);

  /* The intermediate's digest but the intermediate is not sent. */
  t = tlsa_for(p->inter, 2, 1, 1);
  dane(p->leaf, NULL, &t, 1, MX, NULL, 0, &r);
  assert_int_equal(r.code, SD_C_DANE_TLSA_MISMATCH);
  sd_dane_result_free(&r);

  /* The intermediate's digest published as usage 3 on the leaf's data? No:
   * the leaf's key published as DANE-TA is a parameter error. */
  sd_tlsa_free(&t);
  t = tlsa_for(p->leaf, 2, 1, 1);
  dane(p->leaf, p->inter, &t, 1, MX, NULL, 0, &r);
  assert_int_equal(r.code, SD_C_DANE_TLSA_MISMATCH);
  assert_int_equal(r.params_wrong, 1);
  sd_dane_result_free(&r);
  sd_tlsa_free(&t);
}

static void test_dane_ta_name_mismatch(void **state) {
  pki *p = *state;
  sd_dane_result r;
  sd_tlsa t = tlsa_for(p->inter, 2, 1, 1);
  dane(p->leaf, p->inter, &t, 1, "mail.example.org", "mx2.example.org", 0, &r);
  assert_false(r.valid);
  assert_int_equal(r.code, SD_C_DANE_TA_NAME_MISMATCH);
  assert_int_equal(r.match_depth, 1); /* the TA did match */
  assert_non_null(r.matched);
  assert_non_null(strstr(r.detail, MX)); /* names the cert has */
  sd_dane_result_free(&r);
  sd_tlsa_free(&t);
}

static void test_dane_ta_expired(void **state) {
  pki *p = *state;
  sd_dane_result r;
  sd_tlsa t = tlsa_for(p->inter, 2, 1, 1);
  dane(p->leaf_expired, p->inter, &t, 1, MX, NULL, 0, &r);
  assert_false(r.valid);
  assert_int_equal(r.code, SD_C_DANE_TA_EXPIRED);
  assert_non_null(strstr(r.detail, "expired"));
  sd_dane_result_free(&r);

  /* The time given is used. */
  dane(p->leaf, p->inter, &t, 1, MX, NULL, time(NULL) + 100 * FX_DAY, &r);
  assert_int_equal(r.code, SD_C_DANE_TA_EXPIRED);
  sd_dane_result_free(&r);
  sd_tlsa_free(&t);
}

static void test_dane_ta_other_failure(void **state) {
  pki *p = *state;
  sd_dane_result r;
  sd_tlsa t = tlsa_for(p->inter, 2, 1, 1);
  /* Leaf not for TLS servers (clientAuth only). */
  dane(p->leaf_client, p->inter, &t, 1, MX, NULL, 0, &r);
  assert_false(r.valid);
  assert_int_equal(r.code, SD_C_DANE_VALIDATION_FAILED);
  assert_non_null(r.detail);
  sd_dane_result_free(&r);
  sd_tlsa_free(&t);
}

static void test_dane_several_records(void **state) {
  pki *p = *state;
  sd_dane_result r;
  sd_tlsa rrs[3];
  rrs[0] = tlsa_for(p->leaf_self, 3, 1, 1); /* not served */
  rrs[1] = tlsa_for(p->inter, 2, 1, 2);
  rrs[2] = tlsa_for(p->leaf, 3, 1, 2);
  dane(p->leaf, p->inter, rrs, 3, MX, NULL, 0, &r);
  assert_true(r.valid);
  /* OpenSSL tries DANE-EE first: it matches at depth 0. */
  assert_dane_valid(&r, 0, &rrs[2]);
  sd_dane_result_free(&r);
  for (size_t i = 0; i < 3; i++) sd_tlsa_free(&rrs[i]);
}

static void test_dane_bad_input(void **state) {
  pki *p = *state;
  sd_dane_result r;
  sd_tlsa pkix_ee = tlsa_for(p->leaf, 1, 1, 1); /* unusable for SMTP */
  dane(p->leaf, p->inter, &pkix_ee, 1, MX, NULL, 0, &r);
  assert_false(r.valid);
  assert_int_equal(r.code, SD_C_DANE_VALIDATION_FAILED);
  assert_non_null(strstr(r.detail, "usable"));
  sd_dane_result_free(&r);

  sd_dane_verify(NULL, NULL, 0, MX, NULL, 0, 0, &r);
  assert_false(r.valid);
  assert_int_equal(r.code, SD_C_DANE_VALIDATION_FAILED);
  sd_dane_result_free(&r);

  sd_tlsa t = tlsa_for(p->leaf, 3, 1, 1);
  sd_chain c = {0};
  const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01};
  assert_int_equal(sd_chain_append(&c, junk, sizeof(junk)), 0);
  sd_dane_verify(&c, &t, 1, MX, NULL, 0, 0, &r);
  assert_false(r.valid);
  assert_int_equal(r.code, SD_C_DANE_VALIDATION_FAILED);
  assert_non_null(strstr(r.detail, "DER"));
  sd_dane_result_free(&r);
  sd_chain_free(&c);

  dane(p->leaf, p->inter, &t, 1, NULL, NULL, 0, &r);
  assert_false(r.valid);
  assert_int_equal(r.code, SD_C_DANE_VALIDATION_FAILED);
  sd_dane_result_free(&r);
  sd_tlsa_free(&t);
  sd_tlsa_free(&pkix_ee);
}

/* --------------------------------------------- explaining a mismatch */

static sd_dane_explanation explain(X509 *leaf, X509 *second, sd_tlsa *rrs, size_t n) {
  sd_chain c = chain_of(leaf, second, NULL);
  sd_tlsa_usability status[8];
  sd_tlsa_select_usable(rrs, n, status);
  sd_dane_explanation e;
  sd_dane_explain_mismatch(&c, rrs, status, n, &e);
  sd_chain_free(&c);
  return e;
}

static char *record_text(X509 *cert, int usage, int selector, int mtype) {
  size_t len;
  unsigned char *der = fx_der(cert, &len);
  char *text = sd_tlsa_record_for_cert(der, len, usage, selector, mtype);
  OPENSSL_free(der);
  return text;
}

/* RFC 7671 §9: 3 1 1 of the served key beside a stale 3 1 2: the 3 1 2
 * is what counts and what must change (its right value is given). */
static void test_explain_weaker_digest(void **state) {
  pki *p = *state;
  sd_tlsa rrs[2] = {tlsa_for(p->leaf, 3, 1, 1), tlsa_for(p->leaf_other, 3, 1, 2)};
  sd_dane_explanation e = explain(p->leaf, p->inter, rrs, 2);
  assert_int_equal(e.cause, SD_DANE_CAUSE_WEAKER_DIGEST);
  char *good = record_text(p->leaf, 3, 1, 1), *fixed = record_text(p->leaf, 3, 1, 2);
  assert_string_equal(e.record, good);
  assert_string_equal(e.fixed, fixed);
  assert_non_null(e.blocking);
  assert_int_equal(e.blocking[4], '2');
  free(good);
  free(fixed);
  sd_dane_explanation_free(&e);
  for (int i = 0; i < 2; i++) sd_tlsa_free(&rrs[i]);
}

/* RFC 7672 §3.1.3: a 1 1 1 whose data is the served key beside a stale
 * 3 1 1: the data is right, the usage is not. */
static void test_explain_unusable_usage(void **state) {
  pki *p = *state;
  sd_tlsa rrs[2] = {tlsa_for(p->leaf_other, 3, 1, 1), tlsa_for(p->leaf, 1, 1, 1)};
  sd_dane_explanation e = explain(p->leaf, p->inter, rrs, 2);
  assert_int_equal(e.cause, SD_DANE_CAUSE_UNUSABLE_USAGE);
  assert_int_equal(e.depth, 0);
  char *as_ee = record_text(p->leaf, 3, 1, 1);
  assert_string_equal(e.fixed, as_ee);
  assert_int_equal(e.record[0], '1');
  free(as_ee);
  sd_dane_explanation_free(&e);
  for (int i = 0; i < 2; i++) sd_tlsa_free(&rrs[i]);
}

/* RFC 7671 §5.2.2: 2 1 1 of the root while the server sends leaf and
 * intermediate only; the way out is the intermediate it does send. */
static void test_explain_ta_not_served(void **state) {
  pki *p = *state;
  sd_tlsa rrs[1] = {tlsa_for(p->root, 2, 1, 1)};
  sd_dane_explanation e = explain(p->leaf, p->inter, rrs, 1);
  assert_int_equal(e.cause, SD_DANE_CAUSE_TA_NOT_SERVED);
  char *inter = record_text(p->inter, 2, 1, 1);
  assert_string_equal(e.fixed, inter);
  assert_non_null(e.issuer);
  assert_non_null(strstr(e.issuer, "CN="));
  free(inter);
  sd_dane_explanation_free(&e);
  /* With the root served too, the same record is merely stale: no claim
   * about a missing CA. */
  sd_chain c = chain_of(p->leaf, p->inter, p->root);
  sd_tlsa other = tlsa_for(p->other_root, 2, 1, 1);
  sd_dane_explain_mismatch(&c, &other, NULL, 1, &e);
  assert_int_equal(e.cause, SD_DANE_CAUSE_STALE);
  sd_dane_explanation_free(&e);
  sd_chain_free(&c);
  sd_tlsa_free(&other);
  sd_tlsa_free(&rrs[0]);
}

/* Data of nothing served, and wrong parameters, stay what they were. */
static void test_explain_stale_and_params(void **state) {
  pki *p = *state;
  sd_tlsa stale = tlsa_for(p->leaf_other, 3, 1, 1);
  sd_dane_explanation e = explain(p->leaf, p->inter, &stale, 1);
  assert_int_equal(e.cause, SD_DANE_CAUSE_STALE);
  assert_null(e.fixed);
  sd_dane_explanation_free(&e);
  sd_tlsa_free(&stale);
  sd_tlsa params = tlsa_for(p->leaf, 3, 1, 1);
  params.selector = 0; /* the SPKI digest published as a certificate digest */
  e = explain(p->leaf, p->inter, &params, 1);
  assert_int_equal(e.cause, SD_DANE_CAUSE_PARAMS_WRONG);
  char *right = record_text(p->leaf, 3, 1, 1);
  assert_string_equal(e.fixed, right);
  free(right);
  sd_dane_explanation_free(&e);
  sd_tlsa_free(&params);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_chain_append_bounds),
      cmocka_unit_test(test_chain_sha256_pem_copy),
      cmocka_unit_test(test_trust_store_load),
      cmocka_unit_test(test_pkix_valid),
      cmocka_unit_test(test_pkix_expired),
      cmocka_unit_test(test_pkix_name_mismatch),
      cmocka_unit_test(test_pkix_wildcard),
      cmocka_unit_test(test_pkix_untrusted),
      cmocka_unit_test(test_pkix_self_signed),
      cmocka_unit_test(test_pkix_expired_and_mismatched),
      cmocka_unit_test(test_pkix_invalid_purpose),
      cmocka_unit_test(test_pkix_malformed_der),
      cmocka_unit_test(test_dane_ee_self_signed_and_expired),
      cmocka_unit_test(test_dane_ee_all_parameters),
      cmocka_unit_test(test_dane_ee_mismatch),
      cmocka_unit_test(test_dane_ta_valid),
      cmocka_unit_test(test_dane_ta_not_served),
      cmocka_unit_test(test_dane_ta_name_mismatch),
      cmocka_unit_test(test_dane_ta_expired),
      cmocka_unit_test(test_dane_ta_other_failure),
      cmocka_unit_test(test_dane_several_records),
      cmocka_unit_test(test_dane_bad_input),
      cmocka_unit_test(test_explain_weaker_digest),
      cmocka_unit_test(test_explain_unusable_usage),
      cmocka_unit_test(test_explain_ta_not_served),
      cmocka_unit_test(test_explain_stale_and_params),
  };
  return cmocka_run_group_tests(tests, setup_pki, teardown_pki);
}
