/* The MTA-STS policy body (RFC 8461 §3.2). */
#ifndef SD_MTASTS_POLICY_H
#define SD_MTASTS_POLICY_H

#include <stddef.h>

#include "findings/findings.h"

#define SD_STS_MAX_AGE_LIMIT 31557600L
#define SD_STS_POLICY_MAX_BYTES 65536

typedef enum sd_sts_mode {
  SD_STS_MODE_UNSET = 0,
  SD_STS_MODE_ENFORCE,
  SD_STS_MODE_TESTING,
  SD_STS_MODE_NONE,
} sd_sts_mode;

typedef struct sd_sts_policy {
  int valid;          /* 1 when every required field is present and well-formed */
  sd_sts_mode mode;
  long max_age;       /* -1 when missing or invalid */
  char **mx;          /* patterns as published, lower-cased */
  size_t mx_count;
} sd_sts_policy;

/*
 * Parses a policy body of len bytes (not NUL-terminated, may contain any
 * byte). Accepts CRLF and LF line ends. First occurrence of a non-mx key wins
 * (warning sts-policy-duplicate-key); unknown keys are ignored, near-misses of
 * known keys (edit distance <= 2, e.g. "nmx", "mx " typos, "max-age") are
 * warned with sts-policy-near-miss-key. Findings carry where = "policy".
 * Returns 0 when the policy is valid.
 */
int sd_sts_policy_parse(const char *body, size_t len, sd_sts_policy *out, sd_findings *findings);

/* 1 when the pattern is a valid mx pattern: a host name of A-labels,
 * optionally prefixed by "*." (RFC 8461 §3.2). */
int sd_sts_mx_pattern_valid(const char *pattern);

const char *sd_sts_mode_name(sd_sts_mode mode);
void sd_sts_policy_free(sd_sts_policy *policy);

#endif
