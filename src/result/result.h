/*
 * Everything measured about one mail domain, and the verdicts derived from
 * it. The evaluator (src/core/evaluate.c) fills the measured part; the
 * compare module (src/compare/) derives statuses, outcomes, conflicts and
 * findings; src/result/result_json.c writes the JSON contract of
 * ../shared/spec/verdicts.md.
 */
#ifndef SD_RESULT_RESULT_H
#define SD_RESULT_RESULT_H

#include <stddef.h>
#include <time.h>

#include "findings/findings.h"
#include "dane/tlsa.h"
#include "dns/status.h"
#include "mtasts/fetch.h"
#include "mtasts/match.h"
#include "mtasts/policy.h"
#include "mtasts/record.h"
#include "mtasts/tlsrpt.h"
#include "smtp/prober.h"
#include "dane/verify.h"
#include "tls/verify.h"

/* One address of one MX host. */
typedef struct sd_addr_result {
  char *ip;
  int family;                   /* 4 or 6 */
  sd_dnssec dnssec;             /* of the A/AAAA RRset it came from */
  int probed;                   /* an SMTP probe ran (not skipped by --no-smtp) */
  sd_probe_result probe;        /* copy of the probe result (chain included) */
  int pkix_checked;
  sd_pkix_result pkix;          /* WebPKI check with the MX host name */
  int dane_checked;             /* DANE verification ran (usable TLSA, chain present) */
  sd_dane_result dane;
} sd_addr_result;

/* The DANE fate of one MX host for a DANE sender (RFC 7672 §2.2). */
typedef enum sd_mx_dane {
  SD_MX_DANE_NOT_APPLICABLE = 0, /* insecure MX/address, secure TLSA denial: no DANE */
  SD_MX_DANE_AUTHENTICATED,      /* usable TLSA and every probed address verified */
  SD_MX_DANE_TLS_ONLY,           /* secure TLSA, only unusable records: TLS mandatory */
  SD_MX_DANE_FAILED,             /* usable TLSA but verification or STARTTLS failed */
  SD_MX_DANE_DNS_FAILED,         /* bogus or failed lookup: the MX is unusable */
} sd_mx_dane;

typedef struct sd_mx_result {
  char *host;                   /* as published, lower-case, no trailing dot */
  int preference;
  int is_ip_literal;
  /* address lookups (A and AAAA together) */
  sd_lookup addr_lookup;        /* OK if any address; ERROR if any lookup failed and none found */
  sd_dnssec addr_dnssec;        /* worst status of the A and AAAA answers */
  char *addr_why_bogus;         /* the validator's reason when an address answer is bogus */
  char *cname_target;           /* the host's CNAME expansion, NULL when not a CNAME */
  sd_dnssec cname_dnssec;
  sd_addr_result *addrs;
  size_t addr_count;
  /* TLSA */
  int tlsa_queried;
  char *tlsa_base;              /* TLSA base domain used (RFC 7672 §2.2.3) */
  sd_lookup tlsa_lookup;
  sd_dnssec tlsa_dnssec;
  char *tlsa_why_bogus;         /* the validator's reason when bogus */
  sd_tlsa *tlsa;
  sd_tlsa_usability *tlsa_status;
  size_t tlsa_count;
  size_t tlsa_usable;
  /* MTA-STS */
  int sts_match;                /* -1 no policy to match, 0 no, 1 yes */
  sd_sts_mismatch_info mismatch;
  /* derived by src/compare */
  sd_mx_dane dane;
} sd_mx_result;

typedef enum sd_sts_status { SD_STS_ABSENT = 0, SD_STS_VALID, SD_STS_INVALID, SD_STS_ERROR } sd_sts_status;
typedef enum sd_dane_status {
  SD_DANE_INSECURE = 0, SD_DANE_ABSENT, SD_DANE_VALID, SD_DANE_PARTIAL,
  SD_DANE_INVALID, SD_DANE_BOGUS, SD_DANE_ERROR,
} sd_dane_status;

typedef enum sd_profile {
  SD_PROFILE_OPPORTUNISTIC = 0, SD_PROFILE_MTASTS, SD_PROFILE_DANE, SD_PROFILE_BOTH,
  SD_PROFILE__COUNT
} sd_profile;

typedef enum sd_outcome {
  SD_OUTCOME_UNKNOWN = 0, SD_OUTCOME_PROTECTED, SD_OUTCOME_PARTIAL,
  SD_OUTCOME_UNPROTECTED, SD_OUTCOME_FAIL, SD_OUTCOME_NO_MAIL,
} sd_outcome;

/* UNKNOWN: neither protocol's own profile is protected and at least one of
 * them is unknown, so "none" would be a guess (verdicts.md). */
typedef enum sd_protected_by {
  SD_PROTECTED_NONE = 0, SD_PROTECTED_MTASTS, SD_PROTECTED_DANE, SD_PROTECTED_BOTH, SD_PROTECTED_UNKNOWN,
  SD_PROTECTED__COUNT
} sd_protected_by;

typedef struct sd_conflict {
  const char *code;             /* "sts-fails-dane-passes", ... (static string) */
  char *detail;
} sd_conflict;

typedef struct sd_domain_result {
  char *domain;                 /* A-label form, lower-case, no trailing dot */
  char *input;                  /* the line as given, when it differs */
  time_t scanned_at;
  int invalid_domain;           /* input was not a domain name: nothing measured */

  /* MX */
  sd_lookup mx_lookup;
  sd_dnssec mx_dnssec;
  char *mx_why_bogus;           /* the validator's reason when bogus */
  int null_mx;
  int implicit_mx;              /* no MX RRset: the domain itself is the MX */
  sd_mx_result *mx;             /* sorted by preference, then name */
  size_t mx_count;
  /* The domain's zone publishes a DNSKEY although its answers are insecure:
   * signed, but the parent has no DS (the commonest DNSSEC failure). */
  int dnskey_without_ds;

  /* MTA-STS */
  sd_lookup sts_txt_lookup;
  sd_dnssec sts_txt_dnssec;
  char *sts_txt_why_bogus;      /* the validator's reason when bogus */
  char **sts_txts;              /* TXT records at _mta-sts, strings joined */
  size_t *sts_txt_lens;
  size_t sts_txt_count;
  sd_sts_record sts_record;
  char *sts_txt_cname;          /* where a CNAME at _mta-sts led (policy delegation), or NULL */
  char *policy_host_cname;      /* CNAME target of mta-sts.<domain> (hosting provider), or NULL */
  sd_lookup policy_host_lookup; /* address lookup of mta-sts.<domain> */
  int policy_fetched;
  sd_fetch_result fetch;
  sd_sts_policy policy;
  sd_sts_status sts_status;

  /* TLSRPT */
  sd_lookup tlsrpt_lookup;
  char **tlsrpt_txts;
  size_t *tlsrpt_txt_lens;
  size_t tlsrpt_txt_count;
  sd_tlsrpt_record tlsrpt;

  /* derived by src/compare */
  sd_dane_status dane_status;
  sd_outcome profiles[SD_PROFILE__COUNT];
  sd_protected_by protected_by;
  sd_conflict *conflicts;
  size_t conflict_count;
  char *unknown_reason;         /* why some outcome is unknown, or NULL */

  sd_findings findings;
} sd_domain_result;

/* "Bogus beats missing": a denial (NODATA or NXDOMAIN) whose proof failed
 * DNSSEC validation (bogus, or indeterminate: RFC 4033 §5). A validating
 * sender's resolver answers SERVFAIL, so the records are not known to be
 * absent; never report such a denial as "no records". */
static inline int sd_denial_bogus(sd_lookup lookup, sd_dnssec dnssec) {
  return (lookup == SD_LOOKUP_NODATA || lookup == SD_LOOKUP_NXDOMAIN) &&
         (dnssec == SD_DNSSEC_BOGUS || dnssec == SD_DNSSEC_INDETERMINATE);
}

const char *sd_sts_status_name(sd_sts_status s);
const char *sd_dane_status_name(sd_dane_status s);
const char *sd_profile_name(sd_profile p);
const char *sd_outcome_name(sd_outcome o);
const char *sd_protected_by_name(sd_protected_by p);
const char *sd_mx_dane_name(sd_mx_dane d);

void sd_domain_result_free(sd_domain_result *r);

#endif
