/*
 * Conflicts: the two protocols give different answers for the same mail
 * path (docs/verdicts.md, "Conflicts"). Computed after the profiles.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "compare/verdict_internal.h"
#include "util/str.h"

static void conflict_add(sd_domain_result *r, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void conflict_add(sd_domain_result *r, const char *code, const char *fmt, ...) {
  sd_conflict *grown = realloc(r->conflicts, (r->conflict_count + 1) * sizeof(*grown));
  if (!grown) return;
  r->conflicts = grown;
  va_list ap;
  va_start(ap, fmt);
  char *detail = sd_vasprintf(fmt, ap);
  va_end(ap);
  r->conflicts[r->conflict_count].code = code;
  r->conflicts[r->conflict_count].detail = detail ? detail : sd_strdup("");
  r->conflict_count++;
}

int sd_vi_has_conflict(const sd_domain_result *r, const char *code) {
  for (size_t i = 0; i < r->conflict_count; i++)
    if (r->conflicts[i].code && strcmp(r->conflicts[i].code, code) == 0) return 1;
  return 0;
}

static int delivers_authenticated(sd_outcome o) {
  return o == SD_OUTCOME_PROTECTED || o == SD_OUTCOME_PARTIAL;
}

static const char *first_pkix_error(const sd_mx_result *mx) {
  for (size_t i = 0; i < mx->addr_count && mx->addrs; i++) {
    const sd_addr_result *a = &mx->addrs[i];
    if (a->pkix_checked && !a->pkix.valid && a->pkix.error_count > 0 && a->pkix.details[0])
      return a->pkix.details[0];
  }
  return NULL;
}

static const char *first_dane_match(const sd_mx_result *mx) {
  for (size_t i = 0; i < mx->addr_count && mx->addrs; i++)
    if (mx->addrs[i].dane_checked && mx->addrs[i].dane.valid && mx->addrs[i].dane.matched)
      return mx->addrs[i].dane.matched;
  return NULL;
}

static const char *first_dane_failure(const sd_mx_result *mx) {
  for (size_t i = 0; i < mx->addr_count && mx->addrs; i++) {
    const sd_addr_result *a = &mx->addrs[i];
    if (a->dane_checked && !a->dane.valid && a->dane.detail) return a->dane.detail;
    if (sd_vi_addr_starttls_missing(a)) return "it does not offer STARTTLS";
    if (sd_vi_addr_greeted(a) && !sd_vi_addr_tls_ok(a)) return "the TLS handshake fails";
  }
  return "no served certificate matches its TLSA records";
}

static void add_sts_fails_dane_passes(sd_domain_result *r) {
  for (size_t i = 0; i < r->mx_count; i++) {
    const sd_mx_result *mx = &r->mx[i];
    if (sd_verdict_mx_decision(r, mx, SD_PROFILE_MTASTS) != SD_MX_REJECT ||
        sd_verdict_mx_decision(r, mx, SD_PROFILE_DANE) != SD_MX_ACCEPT_AUTH)
      continue;
    const char *match = first_dane_match(mx);
    char *tlsa = sd_quote_sentence(match ? match : "", 200);
    const char *sp = match ? " " : "";
    if (mx->sts_match != 1) {
      conflict_add(r, "sts-fails-dane-passes",
                   "MTA-STS-only senders defer mail that DANE senders deliver: %s is not listed in "
                   "the MTA-STS policy, but its TLSA%s%s record authenticates it",
                   mx->host, sp, tlsa ? tlsa : "");
    } else {
      const char *why = first_pkix_error(mx);
      char *why_clean = sd_quote_sentence(why ? why : "it fails WebPKI validation", 300);
      conflict_add(r, "sts-fails-dane-passes",
                   "MTA-STS-only senders defer mail that DANE senders deliver: %s presents a "
                   "certificate that fails WebPKI validation (%s) that its TLSA%s%s record "
                   "authenticates",
                   mx->host, why_clean ? why_clean : "", sp, tlsa ? tlsa : "");
      free(why_clean);
    }
    free(tlsa);
    return;
  }
  conflict_add(r, "sts-fails-dane-passes",
               "MTA-STS-only senders defer mail that DANE senders deliver: every MX fails the "
               "MTA-STS checks while DANE authenticates the preferred one");
}

static void add_dane_fails_sts_passes(sd_domain_result *r) {
  const char *tail = "; senders that wrongly let MTA-STS override DANE would deliver";
  if (sd_vi_dnssec_failed(r->mx_dnssec)) {
    conflict_add(r, "dane-fails-sts-passes",
                 "DANE senders defer mail that MTA-STS senders deliver: the MX RRset of %s fails "
                 "DNSSEC validation%s",
                 r->domain ? r->domain : "the domain", tail);
    return;
  }
  for (size_t i = 0; i < r->mx_count; i++) {
    const sd_mx_result *mx = &r->mx[i];
    if (sd_verdict_mx_decision(r, mx, SD_PROFILE_DANE) != SD_MX_REJECT ||
        sd_verdict_mx_decision(r, mx, SD_PROFILE_MTASTS) != SD_MX_ACCEPT_AUTH)
      continue;
    if (mx->dane == SD_MX_DANE_DNS_FAILED) {
      conflict_add(r, "dane-fails-sts-passes",
                   "DANE senders defer mail that MTA-STS senders deliver: a DNSSEC lookup for %s "
                   "(address or TLSA) fails%s",
                   mx->host, tail);
    } else {
      char *why = sd_quote_sentence(first_dane_failure(mx), 300);
      conflict_add(r, "dane-fails-sts-passes",
                   "DANE senders defer mail that MTA-STS senders deliver: %s passes WebPKI "
                   "validation but fails DANE (%s)%s",
                   mx->host, why ? why : "", tail);
      free(why);
    }
    return;
  }
  conflict_add(r, "dane-fails-sts-passes",
               "DANE senders defer mail that MTA-STS senders deliver: every MX fails DANE while "
               "the preferred one passes MTA-STS%s",
               tail);
}

/* Per MX evidence of a certificate that passes one protocol's check and
 * fails the other's. Decision: not emitted when the domain-level conflict
 * (sts-fails-dane-passes / dane-fails-sts-passes) already says it. */
static void add_cert_conflicts(sd_domain_result *r) {
  int skip_dane_only = sd_vi_has_conflict(r, "sts-fails-dane-passes");
  int skip_pkix_only = sd_vi_has_conflict(r, "dane-fails-sts-passes");
  if (!sd_vi_sts_applies(r)) return;
  for (size_t i = 0; i < r->mx_count; i++) {
    const sd_mx_result *mx = &r->mx[i];
    if (mx->sts_match != 1 || !sd_vi_mx_dane_required(r, mx)) continue;
    int pkix_only = 0, dane_only = 0;
    for (size_t j = 0; j < mx->addr_count && mx->addrs; j++) {
      const sd_addr_result *a = &mx->addrs[j];
      if (!a->pkix_checked || !a->dane_checked) continue;
      if (a->pkix.valid && !a->dane.valid && !pkix_only && !skip_pkix_only) {
        pkix_only = 1;
        char *why = sd_quote_sentence(a->dane.detail ? a->dane.detail : "no TLSA record matches", 300);
        conflict_add(r, "cert-pkix-only",
                     "%s (%s) serves a certificate that passes WebPKI validation but fails DANE (%s)",
                     mx->host, a->ip ? a->ip : "?", why ? why : "");
        free(why);
      }
      if (!a->pkix.valid && a->dane.valid && !dane_only && !skip_dane_only) {
        dane_only = 1;
        const char *e = a->pkix.error_count > 0 ? a->pkix.details[0] : NULL;
        char *why = sd_quote_sentence(e ? e : "WebPKI validation fails", 300);
        conflict_add(r, "cert-dane-only",
                     "%s (%s) serves a certificate that DANE authenticates but WebPKI rejects (%s)",
                     mx->host, a->ip ? a->ip : "?", why ? why : "");
        free(why);
      }
    }
  }
}

static int both_protocols_deployed(const sd_domain_result *r) {
  if (!sd_vi_sts_applies(r) || r->policy.mx_count == 0) return 0;
  for (size_t i = 0; i < r->mx_count; i++)
    if (sd_vi_mx_dane_required(r, &r->mx[i])) return 1;
  return 0;
}

static void add_mx_set_mismatch(sd_domain_result *r) {
  if (!both_protocols_deployed(r)) return;
  sd_buf uncovered = {0}, unused = {0};
  for (size_t i = 0; i < r->mx_count; i++)
    if (r->mx[i].sts_match == 0)
      sd_buf_printf(&uncovered, "%s%s", uncovered.len ? ", " : "", r->mx[i].host ? r->mx[i].host : "?");
  for (size_t i = 0; i < r->policy.mx_count && r->policy.mx; i++) {
    if (!r->policy.mx[i] || sd_vi_pattern_covers_some_mx(r, r->policy.mx[i])) continue;
    char *p = sd_quote_sentence(r->policy.mx[i], 255);
    sd_buf_printf(&unused, "%s%s", unused.len ? ", " : "", p ? p : "?");
    free(p);
  }
  if (uncovered.len || unused.len) {
    conflict_add(r, "mx-set-mismatch",
                 "the MTA-STS policy and the DNS MX set disagree while DANE is deployed too%s%s%s%s",
                 uncovered.len ? ": MX not covered by the policy: " : "",
                 uncovered.len ? uncovered.data : "",
                 unused.len ? (uncovered.len ? "; patterns covering no MX: " : ": patterns covering no MX: ") : "",
                 unused.len ? unused.data : "");
  }
  sd_buf_free(&uncovered);
  sd_buf_free(&unused);
}

static void add_dane_with_sts_testing(sd_domain_result *r) {
  if (r->sts_status != SD_STS_VALID || !delivers_authenticated(r->profiles[SD_PROFILE_DANE])) return;
  if (r->policy.mode != SD_STS_MODE_TESTING && r->policy.mode != SD_STS_MODE_NONE) return;
  conflict_add(r, "dane-with-sts-testing",
               "DANE protects the domain while its MTA-STS policy is in mode %s: MTA-STS-only "
               "senders deliver without authentication (inconsistent intent)",
               r->policy.mode == SD_STS_MODE_TESTING ? "testing" : "none");
}

void sd_vi_derive_conflicts(sd_domain_result *r) {
  for (size_t i = 0; i < r->conflict_count; i++) free(r->conflicts[i].detail);
  free(r->conflicts);
  r->conflicts = NULL;
  r->conflict_count = 0;
  if (!r->mx) return;

  if (r->profiles[SD_PROFILE_MTASTS] == SD_OUTCOME_FAIL &&
      delivers_authenticated(r->profiles[SD_PROFILE_DANE]))
    add_sts_fails_dane_passes(r);
  if (r->profiles[SD_PROFILE_DANE] == SD_OUTCOME_FAIL &&
      delivers_authenticated(r->profiles[SD_PROFILE_MTASTS]))
    add_dane_fails_sts_passes(r);
  add_cert_conflicts(r);
  add_mx_set_mismatch(r);
  add_dane_with_sts_testing(r);
}
