/* The dane-tlsa-mismatch finding, explained with the whole TLSA RRset: for
 * check (per MX address) and lint tlsa (a chain from a file). */
#ifndef SD_COMPARE_DANE_MISMATCH_H
#define SD_COMPARE_DANE_MISMATCH_H

#include "findings/findings.h"
#include "dane/tlsa.h"
#include "tls/chain.h"

/* Adds one dane-tlsa-mismatch finding at where for a chain that no usable
 * record of rrs authenticates: which record is wrong and what to publish.
 * host is the MX host, base the TLSA base domain, ip the address (NULL:
 * "given"); status as from sd_tlsa_select_usable (NULL: each record on its
 * own); verifier_params_wrong as the verifier found. */
void sd_dane_mismatch_finding(sd_findings *findings, const char *where, const char *host, const char *base,
                              const char *ip, const sd_chain *chain, const sd_tlsa *rrs,
                              const sd_tlsa_usability *status, size_t count, int verifier_params_wrong);

#endif
