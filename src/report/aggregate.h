/*
 * Aggregation of scan results (one JSON object per domain, see
 * src/result/result_json.c) into the measurement tables of
 * shared/spec/report-tables.md.
 *
 * Every counter is a plain sum, a min/max or a set capped at the provider
 * threshold, so aggregates of shards merge to exactly the aggregate of the
 * whole scan, in any order (sd_agg_merge is commutative and associative).
 * Nothing per domain is kept, so memory does not grow with the scan except
 * for the per-TLD and per-operator maps.
 */
#ifndef SD_REPORT_AGGREGATE_H
#define SD_REPORT_AGGREGATE_H

#include <stddef.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "report/strmap.h"

/* Longest accepted input line; longer lines are skipped and counted. */
#define SD_AGG_MAX_LINE (16u * 1024 * 1024)
/* Default provider threshold: an operator serving this many distinct
 * registrable domains is a third-party provider. */
#define SD_AGG_DEFAULT_PROVIDER_THRESHOLD 50

/* Adoption counters (table 1), kept overall and per TLD. */
#define SD_ADOPTION_COUNTERS(X)                                                  \
  X(DOMAINS, "domains")                                                          \
  X(WITH_MX, "with_mx")                                                          \
  X(NULL_MX, "null_mx")                                                          \
  X(NO_MAIL, "no_mail")                                                          \
  X(STS_RECORD, "sts_record")                                                    \
  X(STS_VALID, "sts_valid_policy")                                               \
  X(MODE_ENFORCE, "mode_enforce")                                                \
  X(MODE_TESTING, "mode_testing")                                                \
  X(MODE_NONE, "mode_none")                                                      \
  X(MAX_AGE_LT_1D, "max_age_lt_1d")                                              \
  X(MAX_AGE_1D_1W, "max_age_1d_1w")                                              \
  X(MAX_AGE_1W_30D, "max_age_1w_30d")                                            \
  X(MAX_AGE_30D_1Y, "max_age_30d_1y")                                            \
  X(MAX_AGE_GT_1Y, "max_age_gt_1y")                                              \
  X(TLSRPT_RECORD, "tlsrpt_record")                                              \
  X(TLSRPT_VALID, "tlsrpt_valid")                                                \
  X(STS_WITH_TLSRPT, "sts_record_with_tlsrpt")                                   \
  X(MX_DNSSEC, "mx_dnssec_signed")                                               \
  X(TLSA_ANY_MX, "tlsa_any_mx")                                                  \
  X(TLSA_ALL_MX, "tlsa_all_mx")                                                  \
  X(DANE_VALID, "dane_valid")                                                    \
  X(BOTH, "sts_record_and_tlsa")                                                 \
  X(BOTH_VALID, "sts_valid_and_dane_valid")

#define SD_AGG_ENUM_(id, name) SD_ADOPT_##id,
typedef enum { SD_ADOPTION_COUNTERS(SD_AGG_ENUM_) SD_ADOPT__COUNT } sd_adopt_counter;
#undef SD_AGG_ENUM_

/* Scalar counters outside the adoption table. */
#define SD_AGG_COUNTERS(X)                                                       \
  X(LINES, "lines")                                                              \
  X(MALFORMED, "malformed_lines")                                                \
  X(UNKNOWN_DOMAINS, "unknown_domains")                                          \
  X(NOT_MEASURED, "not_measured_domains")                                        \
  X(STS_C1, "sts_invalid_txt")                                                   \
  X(STS_C2, "sts_policy_retrieval")                                              \
  X(STS_C3, "sts_mx_certificate")                                                \
  X(STS_C3_ANY_MX, "sts_mx_certificate_some_mx")                                 \
  X(STS_C3_ALL_MX, "sts_mx_certificate_all_mx")                                  \
  X(STS_C4, "sts_inconsistency")                                                 \
  X(STS_MISCONFIGURED, "sts_misconfigured")                                      \
  X(STS_ENFORCE_FAIL, "sts_enforce_fail")                                        \
  X(DANE_MISSING_DS, "dane_missing_ds")                                          \
  X(DANE_BOGUS, "dane_bogus")                                                    \
  X(DANE_INSECURE, "dane_tlsa_insecure")                                         \
  X(DANE_STARTTLS, "dane_starttls_missing")                                      \
  X(DANE_MISMATCH, "dane_tlsa_mismatch")                                         \
  X(DANE_MISMATCH_PARAMS, "dane_tlsa_mismatch_params_wrong")                     \
  X(DANE_MISMATCH_DATA, "dane_tlsa_mismatch_data_wrong")                         \
  X(DANE_UNUSABLE, "dane_unusable_only")                                         \
  X(DANE_PARTIAL, "dane_partial_coverage")                                       \
  X(DANE_VALIDATION_OTHER, "dane_validation_other")                              \
  X(DANE_MISCONFIGURED, "dane_misconfigured")                                    \
  X(DANE_POPULATION, "dane_population")                                          \
  X(DANE_EE_DOMAINS, "dane_ee_domains")                                          \
  X(DANE_TA_DOMAINS, "dane_ta_domains")                                          \
  X(TLSA_RECORDS, "tlsa_records")                                                \
  X(STS_FAIL_DANE_PASS, "sts_fails_dane_passes")                                 \
  X(DANE_FAIL_STS_PASS, "dane_fails_sts_passes")                                 \
  X(CONFLICT_DOMAINS, "domains_with_conflict")                                   \
  X(FAILING, "failing_domains")                                                  \
  X(FAILING_WITH_TLSRPT, "failing_domains_with_tlsrpt")

#define SD_AGG_ENUM_(id, name) SD_AGG_##id,
typedef enum { SD_AGG_COUNTERS(SD_AGG_ENUM_) SD_AGG__COUNT } sd_agg_counter;
#undef SD_AGG_ENUM_

/* Per-operator counters (table 4). */
#define SD_OPERATOR_COUNTERS(X)                                                  \
  X(DOMAINS, "domains")                                                          \
  X(STS_RECORD, "sts_record")                                                    \
  X(STS_MISCONFIGURED, "sts_misconfigured")                                      \
  X(TLSA, "tlsa_any_mx")                                                         \
  X(DANE_POPULATION, "dane_population")                                          \
  X(DANE_MISCONFIGURED, "dane_misconfigured")

#define SD_AGG_ENUM_(id, name) SD_OP_##id,
typedef enum { SD_OPERATOR_COUNTERS(SD_AGG_ENUM_) SD_OP__COUNT } sd_operator_counter;
#undef SD_AGG_ENUM_

enum { SD_AGG_PROFILES = 4, SD_AGG_OUTCOMES = 6, SD_AGG_PROTECTED_BY = 5, SD_AGG_STS_STATUS = 4,
       SD_AGG_DANE_STATUS = 7, SD_AGG_TLSRPT_STATUS = 4 };

typedef struct sd_agg_adoption {
  long long c[SD_ADOPT__COUNT];
} sd_agg_adoption;

/* One operator (policy host or MX), keyed "cname:<regdom>", "ip:<address>"
 * or "name:<regdom>" in sd_agg.policy_hosts / sd_agg.mx_hosts. */
typedef struct sd_agg_operator {
  long long c[SD_OP__COUNT];
  sd_strmap served; /* distinct registrable domains, until the threshold is reached */
  int saturated;    /* served reached the threshold (then emptied) */
} sd_agg_operator;

typedef struct sd_agg {
  long provider_threshold;
  /* Measured domains only: a domain whose protected_by is unknown (nothing
   * decided either protocol) is not measured; it is counted apart, in
   * not_measured and c[SD_AGG_NOT_MEASURED], never in the denominators of
   * sections 1 to 5 (verdicts.md: a failed measurement is never "none"). */
  sd_agg_adoption adoption;
  sd_agg_adoption not_measured; /* adoption counters of the domains not measured */
  long long c[SD_AGG__COUNT];
  long long profiles[SD_AGG_PROFILES][SD_AGG_OUTCOMES];
  long long protected_by[SD_AGG_PROTECTED_BY];
  long long sts_status[SD_AGG_STS_STATUS];
  long long dane_status[SD_AGG_DANE_STATUS];
  long long tlsrpt_status[SD_AGG_TLSRPT_STATUS];
  time_t first_scanned, last_scanned; /* 0 when none seen */

  sd_strmap per_tld;      /* TLD -> ext sd_agg_adoption */
  sd_strmap conflicts;    /* conflict code -> domains */
  sd_strmap sts_c1;       /* class 1 sub-class (finding code) -> domains */
  sd_strmap sts_c2;       /* class 2 sub-class -> domains */
  sd_strmap sts_http;     /* HTTP status of sts-policy-http-status -> domains */
  sd_strmap sts_c3;       /* class 3 sub-class (finding code) -> domains */
  sd_strmap sts_c4;       /* class 4 sub-class (mismatch kind) -> domains */
  sd_strmap dane_bogus;   /* bogus sub-class (finding code) -> domains */
  sd_strmap dane_insec;   /* dane-tlsa-insecure / dane-mx-insecure -> domains */
  sd_strmap tlsa_params;  /* "usage selector mtype" -> TLSA records */
  sd_strmap tlsa_usage;   /* usage -> TLSA records */
  sd_strmap tlsa_selector;/* selector -> TLSA records */
  sd_strmap unknown_reasons; /* generic reason text -> unknown domains */
  sd_strmap unknown_codes;   /* finding code -> unknown domains */
  sd_strmap versions;        /* stsdane_version -> domains */
  sd_strmap scan_options;    /* the row's scan_options text ("-" when not recorded) -> domains */
  sd_strmap not_measured_reasons;   /* generic reason text -> domains not measured */
  sd_strmap not_measured_conflicts; /* conflict code -> domains not measured */
  sd_strmap policy_hosts;    /* operator -> ext sd_agg_operator */
  sd_strmap mx_hosts;        /* operator -> ext sd_agg_operator */
} sd_agg;

extern const char *const sd_agg_profile_names[SD_AGG_PROFILES];
extern const char *const sd_agg_outcome_names[SD_AGG_OUTCOMES];
extern const char *const sd_agg_protected_by_names[SD_AGG_PROTECTED_BY];
extern const char *const sd_agg_sts_status_names[SD_AGG_STS_STATUS];
extern const char *const sd_agg_dane_status_names[SD_AGG_DANE_STATUS];
extern const char *const sd_agg_tlsrpt_status_names[SD_AGG_TLSRPT_STATUS];
extern const char *const sd_adopt_counter_names[SD_ADOPT__COUNT];
extern const char *const sd_agg_counter_names[SD_AGG__COUNT];
extern const char *const sd_operator_counter_names[SD_OP__COUNT];

/* threshold <= 0 selects SD_AGG_DEFAULT_PROVIDER_THRESHOLD. */
void sd_agg_init(sd_agg *a, long provider_threshold);
void sd_agg_free(sd_agg *a);

/* Adds one domain result. Returns 0, or -1 when it is not a result object
 * (counted as malformed). */
int sd_agg_add_result(sd_agg *a, const cJSON *result);
/* Parses one input line (JSON text of len bytes, not necessarily
 * NUL-terminated) and adds it; blank lines are ignored, malformed ones are
 * counted in quality. */
int sd_agg_add_line(sd_agg *a, const char *line, size_t len);
/* Reads a JSONL stream line by line (lines above SD_AGG_MAX_LINE are skipped
 * and counted as malformed). Returns 0, or -1 on a read error. */
int sd_agg_add_stream(sd_agg *a, void *file /* FILE * */);

/* dst += src. Both must use the same provider threshold; -1 otherwise. */
int sd_agg_merge(sd_agg *dst, const sd_agg *src);

/* The registrable domain of a name for provider grouping (Public Suffix
 * List, util/registrable.h), lower-case, without a trailing dot. Writes into
 * out; returns out, or NULL when name is empty. */
char *sd_agg_registrable(const char *name, char *out, size_t out_len);

/* The report as JSON (stable keys, see docs/report.md). */
cJSON *sd_agg_to_json(const sd_agg *a);

/* The operator key of the domains for which the scan saw no operator. */
#define SD_AGG_UNATTRIBUTED "none:not attributed"

/* Sum of an operator map's counters over providers (third_party = 1),
 * self-managed operators (third_party = 0) or the domains not attributed
 * (third_party = -1). */
void sd_agg_operator_totals(const sd_agg *a, const sd_strmap *ops, int third_party,
                            long long out[SD_OP__COUNT], long long *operators);
/* Marks the operators of part that are providers in whole (for the
 * one-domain aggregates behind the drill-down lists). */
void sd_agg_mark_providers(sd_agg *part, const sd_agg *whole);
/* 1 when an operator reached the provider threshold. */
int sd_agg_operator_is_provider(const sd_agg *a, const sd_agg_operator *op);

#endif
