/*
 * Why no TLSA record authenticates a served chain, in terms an operator can
 * act on. OpenSSL only says "no match"; the operator needs to know whether
 * the data is stale, or right but ignored (wrong parameters, an unusable
 * usage, a stronger digest of another key beside it), or whether a DANE-TA
 * record names a CA the server does not send.
 */
#ifndef SD_DANE_EXPLAIN_H
#define SD_DANE_EXPLAIN_H

#include <stddef.h>

#include "dane/tlsa.h"
#include "tls/chain.h"

typedef enum sd_dane_cause {
  SD_DANE_CAUSE_STALE = 0,      /* no record's data matches anything served */
  SD_DANE_CAUSE_PARAMS_WRONG,   /* a usable record's data matches under other usage/selector/type */
  SD_DANE_CAUSE_WEAKER_DIGEST,  /* a record matches but a stronger digest of the same usage and
                                   selector matches nothing (RFC 7671 §9) */
  SD_DANE_CAUSE_UNUSABLE_USAGE, /* a usage 0/1 record's data matches (RFC 7672 §3.1.3) */
  SD_DANE_CAUSE_TA_NOT_SERVED,  /* a DANE-TA digest matches nothing served and the chain stops
                                   below its issuer (RFC 7671 §5.2.2) */
} sd_dane_cause;

typedef struct sd_dane_explanation {
  sd_dane_cause cause;
  int depth;        /* depth of the served certificate the record's data is (-1: none) */
  char *record;     /* the record the cause is about, "U S M hex" */
  char *blocking;   /* WEAKER_DIGEST: the stronger record that matches nothing */
  char *fixed;      /* the record that would match: "U S M hex" */
  char *issuer;     /* TA_NOT_SERVED: issuer of the top served certificate, one line */
} sd_dane_explanation;

/*
 * Explains a chain that no usable record of rrs matched. status is the
 * RRset's usability (sd_tlsa_select_usable), or NULL when every record of
 * rrs is usable. Never fails: without a better cause, STALE.
 */
void sd_dane_explain_mismatch(const sd_chain *chain, const sd_tlsa *rrs,
                              const sd_tlsa_usability *status, size_t count,
                              sd_dane_explanation *out);
void sd_dane_explanation_free(sd_dane_explanation *e);

#endif
