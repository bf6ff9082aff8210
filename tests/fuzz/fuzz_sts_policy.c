/* libFuzzer target: the MTA-STS policy body parser (RFC 8461 §3.2) and the
 * mx pattern matching applied to what it returns. The input is the body as
 * served over HTTPS. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mtasts/match.h"
#include "mtasts/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Host names to match against the fuzzed patterns (the fuzzer makes the
 * patterns that match, nearly match or differ): a few keep it fast. */
static const char *const probe_hosts[] = {"mx1.example.com", "A.Mx.Example.COM.", "x"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > SD_STS_POLICY_MAX_BYTES) return 0; /* the fetcher never hands more over */
  sd_sts_policy policy = {0};
  sd_findings findings = {0};
  int rc = sd_sts_policy_parse((const char *)data, size, &policy, &findings);
  if (rc == 0 && (!policy.valid || policy.mode == SD_STS_MODE_UNSET)) abort();

  for (size_t h = 0; h < sizeof(probe_hosts) / sizeof(probe_hosts[0]); h++) {
    if (!sd_sts_policy_covers(&policy, probe_hosts[h])) {
      sd_sts_mismatch_info info = sd_sts_mismatch_classify(&policy, probe_hosts[h], "example.com");
      (void)sd_sts_mismatch_name(info.kind);
    }
  }
  for (size_t i = 0; i < policy.mx_count; i++) {
    (void)sd_sts_mx_pattern_valid(policy.mx[i]);
    (void)sd_sts_pattern_matches(policy.mx[i], policy.mx[i]);
  }
  (void)sd_sts_mode_name(policy.mode);
  sd_sts_policy_free(&policy);
  sd_findings_clear(&findings);
  return 0;
}
