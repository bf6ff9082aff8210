/*
 * DANE verification of a served chain, after the handshake, as RFC 7672 §3
 * requires, through OpenSSL's DANE API (SSL_dane_enable, SSL_dane_tlsa_add,
 * X509_STORE_CTX_set0_dane). PKIX verification is src/tls/verify.h.
 */
#ifndef SD_DANE_VERIFY_H
#define SD_DANE_VERIFY_H

#include <stddef.h>
#include <time.h>

#include "dane/tlsa.h"
#include "findings/findings.h"
#include "tls/chain.h"

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
