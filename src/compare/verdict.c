/*
 * sd_verdict_derive: the order in which the verdict engine derives things
 * (each step reads what the previous ones filled), and the names of the
 * derived enums as the JSON contract spells them (docs/verdicts.md).
 */
#include "compare/verdict.h"

#include <stdlib.h>
#include <string.h>

#include "compare/verdict_internal.h"
#include "util/str.h"

void sd_verdict_derive(sd_domain_result *r, time_t now) {
  if (!r) return;
  if (r->invalid_domain) {
    /* Nothing was measured: every outcome is unknown, and the evaluator's
     * invalid-domain finding says why. */
    for (int p = 0; p < SD_PROFILE__COUNT; p++) r->profiles[p] = SD_OUTCOME_UNKNOWN;
    r->sts_status = SD_STS_ERROR;
    r->dane_status = SD_DANE_ERROR;
    r->protected_by = SD_PROTECTED_UNKNOWN;
    free(r->unknown_reason);
    r->unknown_reason = sd_strdup("the input is not a valid domain name: nothing was measured");
    return;
  }
  r->sts_status = sd_vi_sts_status(r);
  for (size_t i = 0; i < r->mx_count && r->mx; i++) r->mx[i].dane = sd_vi_mx_dane_fate(r, &r->mx[i]);
  r->dane_status = sd_vi_dane_status(r);
  sd_vi_derive_profiles(r);
  sd_vi_derive_conflicts(r);

  sd_vi_domain_findings(r, now);
  if (r->mx_lookup == SD_LOOKUP_ERROR || sd_vi_domain_no_mail(r)) return;
  for (size_t i = 0; i < r->mx_count && r->mx; i++) sd_vi_mx_findings(r, &r->mx[i], now);
}

const char *sd_sts_status_name(sd_sts_status s) {
  switch (s) {
  case SD_STS_VALID: return "valid";
  case SD_STS_INVALID: return "invalid";
  case SD_STS_ERROR: return "error";
  default: return "absent";
  }
}

const char *sd_dane_status_name(sd_dane_status s) {
  switch (s) {
  case SD_DANE_ABSENT: return "absent";
  case SD_DANE_VALID: return "valid";
  case SD_DANE_PARTIAL: return "partial";
  case SD_DANE_INVALID: return "invalid";
  case SD_DANE_BOGUS: return "bogus";
  case SD_DANE_ERROR: return "error";
  default: return "insecure";
  }
}

const char *sd_profile_name(sd_profile p) {
  switch (p) {
  case SD_PROFILE_OPPORTUNISTIC: return "opportunistic";
  case SD_PROFILE_MTASTS: return "mta-sts";
  case SD_PROFILE_DANE: return "dane";
  case SD_PROFILE_BOTH: return "dane+mta-sts";
  default: return "unknown";
  }
}

const char *sd_outcome_name(sd_outcome o) {
  switch (o) {
  case SD_OUTCOME_PROTECTED: return "protected";
  case SD_OUTCOME_PARTIAL: return "partial";
  case SD_OUTCOME_UNPROTECTED: return "unprotected";
  case SD_OUTCOME_FAIL: return "fail";
  case SD_OUTCOME_NO_MAIL: return "no-mail";
  default: return "unknown";
  }
}

const char *sd_protected_by_name(sd_protected_by p) {
  switch (p) {
  case SD_PROTECTED_MTASTS: return "mta-sts";
  case SD_PROTECTED_DANE: return "dane";
  case SD_PROTECTED_BOTH: return "both";
  case SD_PROTECTED_UNKNOWN: return "unknown";
  default: return "none";
  }
}

const char *sd_mx_dane_name(sd_mx_dane d) {
  switch (d) {
  case SD_MX_DANE_AUTHENTICATED: return "authenticated";
  case SD_MX_DANE_TLS_ONLY: return "tls-only";
  case SD_MX_DANE_FAILED: return "failed";
  case SD_MX_DANE_DNS_FAILED: return "dns-failed";
  default: return "not-applicable";
  }
}

char *sd_unknown_reason_generic(const char *part, size_t len, char *out, size_t out_len) {
  if (!out_len) return out;
  while (len > 0 && *part == ' ') {
    part++;
    len--;
  }
  /* "host: why" -> "why": the first word ends with a colon. */
  const char *space = memchr(part, ' ', len);
  if (space && space > part && space[-1] == ':') {
    len -= (size_t)(space + 1 - part);
    part = space + 1;
  }
  if (len >= out_len) len = out_len - 1;
  memcpy(out, part, len);
  out[len] = '\0';
  return out;
}
