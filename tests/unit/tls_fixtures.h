/* Test fixtures: keys and certificates made in the test process with the
 * OpenSSL API (no files, no network). */
#ifndef SD_TEST_TLS_FIXTURES_H
#define SD_TEST_TLS_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "tls/chain.h"

#define FX_DAY (24L * 3600L)

typedef struct fx_cert_spec {
  const char *cn;          /* subject CN, may be NULL */
  const char *sans;        /* "DNS:a,DNS:b" or NULL for no SAN extension */
  int is_ca;
  long not_before;         /* seconds relative to now */
  long not_after;          /* seconds relative to now */
  const char *eku;         /* extendedKeyUsage value or NULL (e.g. "clientAuth") */
} fx_cert_spec;

/* A fresh P-256 key. */
EVP_PKEY *fx_key(void);
/* A certificate for key signed by issuer/issuer_key (NULL: self-signed). */
X509 *fx_cert(const fx_cert_spec *spec, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key);
/* DER of cert appended to chain; asserts on failure. */
void fx_chain_add(sd_chain *chain, X509 *cert);
/* DER of cert (caller frees with OPENSSL_free). */
unsigned char *fx_der(X509 *cert, size_t *len);

#endif
