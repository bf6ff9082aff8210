/*
 * Memo of certificate verifications within one engine.
 *
 * A scan probes an MX address once but every domain using that MX verifies
 * the recorded chain again (WebPKI for its MX name, DANE for its TLSA
 * records); with popular providers that is the same verification thousands
 * of times, and parsing plus signature checks dominated the CPU profile of a
 * full scan. The result depends only on the chain bytes, the reference
 * names, the TLSA records and the time, so it is computed once per distinct
 * input and copied. Bounded: when full, the memo starts over.
 */
#ifndef SD_CORE_VERIFY_MEMO_H
#define SD_CORE_VERIFY_MEMO_H

#include <stddef.h>
#include <time.h>

#include "dane/tlsa.h"
#include "tls/chain.h"
#include "dane/verify.h"
#include "tls/verify.h"

typedef struct sd_verify_memo sd_verify_memo;

sd_verify_memo *sd_verify_memo_new(size_t capacity);
void sd_verify_memo_free(sd_verify_memo *memo);

/* sd_pkix_verify through the memo (memo may be NULL: no memo). */
void sd_memo_pkix_verify(sd_verify_memo *memo, const sd_chain *chain, X509_STORE *trust,
                         const char *hostname, time_t now, sd_pkix_result *out);
/* sd_dane_verify through the memo (memo may be NULL: no memo). */
void sd_memo_dane_verify(sd_verify_memo *memo, const sd_chain *chain, const sd_tlsa *rrs, size_t count,
                         const char *base_domain, const char *const *names, size_t name_count, time_t now,
                         sd_dane_result *out);
size_t sd_verify_memo_hits(const sd_verify_memo *memo);
/* Results kept now. */
size_t sd_verify_memo_size(const sd_verify_memo *memo);

#endif
