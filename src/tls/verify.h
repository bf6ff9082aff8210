/*
 * Verification of a served chain, after the handshake, so one probe of an MX
 * address serves every domain and both protocols:
 *  - PKIX as MTA-STS requires (RFC 8461 §4.2): trusted root, validity period,
 *    SAN DNS-ID matching the MX host name, no CN fallback.
 *  - DANE as RFC 7672 §3 requires, through OpenSSL's DANE API
 *    (SSL_dane_enable, SSL_dane_tlsa_add, X509_STORE_CTX_set0_dane).
 */
#ifndef SD_TLS_VERIFY_H
#define SD_TLS_VERIFY_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509_vfy.h>

#include "findings/findings.h"
#include "dane/tlsa.h"
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

typedef struct sd_dane_result {
  int valid;
  /* The record that matched and the depth of the certificate it matched
   * (-1/NULL when none). Also set on failure when a DANE-TA record matched
   * but a later name or expiry check failed. */
  int match_depth;
  char *matched;     /* "3 1 1 hex" */
  sd_code code;      /* on failure: DANE_TLSA_MISMATCH, DANE_TA_NAME_MISMATCH, DANE_TA_EXPIRED, DANE_VALIDATION_FAILED */
  char *detail;      /* on failure: plain words, incl. OpenSSL's verify error */
  /* For a mismatch: 1 when some record's data matches the served chain under
   * another usage/selector/matching type (the parameters are wrong, not the
   * data); 0 when no data matches anything served (stale or wrong key). */
  int params_wrong;
} sd_dane_result;

/*
 * DANE verification of chain with the usable records rrs (the caller has
 * applied sd_tlsa_select_usable). base_domain is the TLSA base domain (also
 * the SNI sent); names are the extra reference identifiers (RFC 7672
 * §3.2.2: the MX host name when it differs from the base domain). DANE-EE
 * matches skip name and expiry checks; DANE-TA checks both.
 */
void sd_dane_verify(const sd_chain *chain, const sd_tlsa *rrs, size_t count,
                    const char *base_domain, const char *const *names, size_t name_count,
                    time_t now, sd_dane_result *out);
void sd_dane_result_free(sd_dane_result *r);

#endif
