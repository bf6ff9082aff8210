/* libFuzzer target: verification of a served certificate chain with
 * arbitrary DER, as an MX (or a policy host) can serve it: PKIX as MTA-STS
 * requires (sd_pkix_verify) and DANE (sd_dane_verify), plus the TLSA record
 * and chain helpers applied to what was served.
 *
 * Input: one flag byte, then length-prefixed DER certificates (see
 * fuzz_util.h), leaf first. The last certificate is made a trust anchor so
 * verification gets past "unknown issuer" and into signatures, names and
 * validity; the flag bits choose which TLSA records (computed from the
 * served certificates, so they can match) DANE is given. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "dane/tlsa.h"
#include "fuzz_util.h"
#include "tls/chain.h"
#include "dane/verify.h"
#include "tls/verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A fixed "now" (2026-01-01T00:00:00Z) keeps every run reproducible. */
#define FUZZ_NOW ((time_t)1767225600)
#define MAX_CERTS 8
#define MAX_RRS 4

/* A trust store holding the last certificate of the chain (when it parses). */
static X509_STORE *anchor_store(const sd_chain *chain) {
  X509_STORE *store = X509_STORE_new();
  if (!store || chain->count == 0) return store;
  const sd_cert_der *last = &chain->certs[chain->count - 1];
  const unsigned char *p = last->der;
  X509 *anchor = d2i_X509(NULL, &p, (long)last->len);
  if (anchor) X509_STORE_add_cert(store, anchor);
  X509_free(anchor);
  return store;
}

/* Adds the TLSA record of cert (usage, selector, mtype) to rrs when the
 * certificate parses. */
static void add_record_for(const sd_cert_der *cert, int usage, int selector, int mtype, sd_tlsa *rrs,
                           size_t *count) {
  if (*count >= MAX_RRS) return;
  char *text = sd_tlsa_record_for_cert(cert->der, cert->len, usage, selector, mtype);
  if (!text) return;
  if (sd_tlsa_parse_text(text, &rrs[*count]) == 0) (*count)++;
  else sd_tlsa_free(&rrs[*count]);
  free(text);
}

static void fuzz_dane(const sd_chain *chain, uint8_t flags) {
  sd_tlsa rrs[MAX_RRS];
  size_t count = 0;
  memset(rrs, 0, sizeof(rrs));
  if (chain->count > 0) {
    const sd_cert_der *leaf = &chain->certs[0], *top = &chain->certs[chain->count - 1];
    if (flags & 0x01) add_record_for(leaf, 3, 1, 1, rrs, &count);
    if (flags & 0x02) add_record_for(leaf, 3, 0, 0, rrs, &count);
    if (flags & 0x04) add_record_for(top, 2, 0, 1, rrs, &count);
    if (flags & 0x08) add_record_for(top, 2, 1, 2, rrs, &count);
  }
  sd_tlsa_usability status[MAX_RRS];
  (void)sd_tlsa_select_usable(rrs, count, status);

  const char *names[] = {"mx1.example.com"};
  sd_dane_result dr;
  sd_dane_verify(chain, rrs, count, "example.com", (flags & 0x10) ? names : NULL,
                 (flags & 0x10) ? 1 : 0, FUZZ_NOW, &dr);
  sd_dane_result_free(&dr);
  for (size_t i = 0; i < count; i++) sd_tlsa_free(&rrs[i]);
}

static void fuzz_pkix(const sd_chain *chain, uint8_t flags) {
  X509_STORE *store = anchor_store(chain);
  if (!store) return;
  sd_pkix_result pr;
  sd_pkix_verify(chain, store, (flags & 0x20) ? "MX1.Example.COM." : "mx1.example.com", FUZZ_NOW, &pr);
  if (pr.error_count > SD_PKIX_MAX_ERRORS) abort();
  sd_pkix_result_free(&pr);
  X509_STORE_free(store);
}

static void fuzz_chain_helpers(const sd_chain *chain) {
  char **sums = sd_chain_sha256(chain);
  if (sums) {
    for (size_t i = 0; i < chain->count; i++) free(sums[i]);
    free(sums);
  }
  free(sd_chain_pem(chain));
  sd_chain copy = {0};
  sd_chain_copy(&copy, chain);
  sd_chain_free(&copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  uint8_t flags = data[0];
  data++;
  size--;
  sd_chain chain = {0};
  const uint8_t *der;
  size_t der_len;
  while (chain.count < MAX_CERTS && sd_fuzz_next_frame(&data, &size, &der, &der_len))
    (void)sd_chain_append(&chain, der, der_len); /* empty ones are refused, as from a peer */

  fuzz_pkix(&chain, flags);
  fuzz_dane(&chain, flags);
  fuzz_chain_helpers(&chain);
  sd_chain_free(&chain);
  ERR_clear_error(); /* OpenSSL's per-thread error queue is not a leak, but keep it empty */
  return 0;
}
