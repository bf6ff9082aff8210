/* Matching MX host names against policy mx patterns (RFC 8461 §4.1) and
 * classifying mismatches like the IMC 2025 MTA-STS measurement study. */
#ifndef SD_MTASTS_MATCH_H
#define SD_MTASTS_MATCH_H

#include "mtasts/policy.h"

/* Case-insensitive; a trailing dot on host is ignored; "*.example.com"
 * matches exactly one extra left-most label. */
int sd_sts_pattern_matches(const char *pattern, const char *host);
/* 1 when any mx pattern of the policy matches the host. */
int sd_sts_policy_covers(const sd_sts_policy *policy, const char *host);

typedef enum sd_sts_mismatch {
  SD_STS_MISMATCH_NONE = 0,
  SD_STS_MISMATCH_TYPO,        /* edit distance <= 3 to some pattern */
  SD_STS_MISMATCH_TLD,         /* equal but for the top-level label */
  SD_STS_MISMATCH_THIRD_LABEL, /* same last two labels, differs from the third on */
  SD_STS_MISMATCH_DIFFERENT,   /* completely different name */
  SD_STS_MISMATCH_UNLISTED,    /* would be a typo, but the closest pattern covers another
                                  current MX host: this host was left out, not misspelt */
} sd_sts_mismatch;

typedef struct sd_sts_mismatch_info {
  sd_sts_mismatch kind;
  const char *closest_pattern;  /* points into policy->mx, or NULL */
  int policy_lists_policy_host; /* a pattern names mta-sts.<domain> itself */
} sd_sts_mismatch_info;

/* Classifies why host matches no pattern of policy (domain is the policy
 * domain, for the "lists the mta-sts. host" sub-class). */
sd_sts_mismatch_info sd_sts_mismatch_classify(const sd_sts_policy *policy, const char *host,
                                              const char *domain);
/* Refines a TYPO of host into UNLISTED when its closest pattern covers
 * another of the n current MX hosts (mx1 listed, mx2 not: no typo). */
void sd_sts_mismatch_among(sd_sts_mismatch_info *info, const char *host, const char *const *mx_hosts, size_t n);
const char *sd_sts_mismatch_name(sd_sts_mismatch kind);
/* Levenshtein distance, capped: returns cap + 1 when larger. */
int sd_edit_distance(const char *a, const char *b, int cap);

#endif
