/*
 * PKIX verification of a served chain, after the handshake, so one probe of
 * an MX address serves every domain and both protocols, as MTA-STS requires
 * (RFC 8461 §4.2): trusted root, validity period, SAN DNS-ID matching the MX
 * host name, no CN fallback. DANE verification of the same chain is
 * src/dane/verify.h.
 */
#ifndef SD_TLS_VERIFY_H
#define SD_TLS_VERIFY_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509_vfy.h>

#include "findings/findings.h"
#include "tls/chain.h"

/* Loads a PEM bundle (NULL: the system default store). NULL on error with
 * a message in err (err_len bytes). */
X509_STORE *sd_trust_store_load(const char *ca_file, char *err, size_t err_len);

#define SD_PKIX_MAX_ERRORS 8

typedef struct sd_pkix_result {
  int valid;
  /* Every distinct problem found (verification continues past the first),
   * mapped to CERT_EXPIRED, CERT_HOST_MISMATCH, CERT_UNTRUSTED, CERT_INVALID. */
  sd_code codes[SD_PKIX_MAX_ERRORS];
  char *details[SD_PKIX_MAX_ERRORS]; /* e.g. "certificate has expired (depth 0, notAfter 2024-...)" */
  size_t error_count;
  time_t leaf_not_after;
  char *leaf_subject;  /* one line */
  char *leaf_sans;     /* comma-separated DNS SANs */
} sd_pkix_result;

/* Verifies chain against trust for hostname at time now (0: current time). */
void sd_pkix_verify(const sd_chain *chain, X509_STORE *trust, const char *hostname,
                    time_t now, sd_pkix_result *out);
void sd_pkix_result_free(sd_pkix_result *r);

#endif
