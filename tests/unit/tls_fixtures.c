#include "tls_fixtures.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/x509v3.h>

EVP_PKEY *fx_key(void) {
  EVP_PKEY *key = EVP_EC_gen("P-256");
  assert_non_null(key);
  return key;
}

static void add_ext(X509 *cert, X509 *issuer, int nid, const char *value) {
  X509V3_CTX v3;
  X509V3_set_ctx(&v3, issuer, cert, NULL, NULL, 0);
  X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
  assert_non_null(ext);
  assert_int_equal(X509_add_ext(cert, ext, -1), 1);
  X509_EXTENSION_free(ext);
}

/* Random 64-bit serials keep issuer+serial unique without shared state. */
static void set_random_serial(X509 *cert) {
  BIGNUM *bn = BN_new();
  assert_non_null(bn);
  assert_int_equal(BN_rand(bn, 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY), 1);
  assert_non_null(BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)));
  BN_free(bn);
}

X509 *fx_cert(const fx_cert_spec *spec, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key) {
  X509 *cert = X509_new();
  assert_non_null(cert);
  assert_int_equal(X509_set_version(cert, 2), 1);
  set_random_serial(cert);
  X509_gmtime_adj(X509_getm_notBefore(cert), spec->not_before);
  X509_gmtime_adj(X509_getm_notAfter(cert), spec->not_after);
  X509_NAME *name = X509_get_subject_name(cert);
  if (spec->cn)
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)spec->cn, -1, -1, 0);
  else
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"stsdane test", -1,
                               -1, 0);
  X509 *signer = issuer ? issuer : cert;
  assert_int_equal(X509_set_issuer_name(cert, X509_get_subject_name(signer)), 1);
  assert_int_equal(X509_set_pubkey(cert, key), 1);
  add_ext(cert, signer, NID_basic_constraints, spec->is_ca ? "critical,CA:TRUE" : "CA:FALSE");
  add_ext(cert, signer, NID_key_usage,
          spec->is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  add_ext(cert, signer, NID_subject_key_identifier, "hash");
  if (issuer) add_ext(cert, signer, NID_authority_key_identifier, "keyid:always");
  if (spec->sans) add_ext(cert, signer, NID_subject_alt_name, spec->sans);
  if (spec->eku) add_ext(cert, signer, NID_ext_key_usage, spec->eku);
  assert_true(X509_sign(cert, issuer ? issuer_key : key, EVP_sha256()) > 0);
  return cert;
}

unsigned char *fx_der(X509 *cert, size_t *len) {
  unsigned char *der = NULL;
  int n = i2d_X509(cert, &der);
  assert_true(n > 0);
  *len = (size_t)n;
  return der;
}

void fx_chain_add(sd_chain *chain, X509 *cert) {
  size_t len = 0;
  unsigned char *der = fx_der(cert, &len);
  assert_int_equal(sd_chain_append(chain, der, len), 0);
  OPENSSL_free(der);
}
