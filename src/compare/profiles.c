/*
 * The sender walks (docs/verdicts.md): each profile decides per MX host, in
 * preference order, and the decisions give the profile's outcome.
 */
#include <stdlib.h>

#include "compare/verdict_internal.h"
#include "util/str.h"

/* A decision that needs TLS evidence cannot be made for an MX that was not
 * reached: unreachable stays unreachable, everything else is unknown
 * (timeouts, failed address lookup, or SMTP probing disabled). */
static sd_mx_decision without_evidence(sd_mx_reach reach) {
  return reach == SD_REACH_NO ? SD_MX_UNREACHABLE : SD_MX_UNKNOWN;
}

static sd_mx_decision decide_opportunistic(const sd_mx_result *mx) {
  sd_mx_reach reach = sd_vi_mx_reach(mx);
  if (reach == SD_REACH_YES || reach == SD_REACH_ASSUMED) return SD_MX_ACCEPT_UNAUTH;
  return without_evidence(reach);
}

static sd_mx_decision decide_mtasts(const sd_domain_result *r, const sd_mx_result *mx) {
  if (r->sts_status == SD_STS_ERROR) {
    /* Decision: the _mta-sts lookup failed, so a policy may exist (and
     * senders with a cached one apply it): a delivery that depends on there
     * being no policy is unknown, not unprotected (rfc-checklist A1.5). */
    sd_mx_decision d = decide_opportunistic(mx);
    return d == SD_MX_ACCEPT_UNAUTH ? SD_MX_UNKNOWN : d;
  }
  if (!sd_vi_sts_active(r)) return decide_opportunistic(mx); /* testing/none: deliver, report */
  if (mx->sts_match != 1) return SD_MX_REJECT;                /* RFC 8461 §4.1 */
  sd_mx_reach reach = sd_vi_mx_reach(mx);
  if (reach != SD_REACH_YES) return without_evidence(reach);
  for (size_t i = 0; i < mx->addr_count && mx->addrs; i++)
    if (sd_vi_addr_pkix_ok(&mx->addrs[i])) return SD_MX_ACCEPT_AUTH; /* RFC 8461 §4.2 */
  return SD_MX_REJECT;
}

static sd_mx_decision decide_dane(const sd_mx_result *mx) {
  sd_mx_reach reach = sd_vi_mx_reach(mx);
  switch (mx->dane) {
  case SD_MX_DANE_AUTHENTICATED:
    return reach == SD_REACH_YES ? SD_MX_ACCEPT_AUTH : without_evidence(reach);
  case SD_MX_DANE_TLS_ONLY:
    if (reach != SD_REACH_YES) return without_evidence(reach);
    return sd_vi_mx_any_tls_ok(mx) ? SD_MX_ACCEPT_UNAUTH : SD_MX_REJECT;
  case SD_MX_DANE_FAILED:
  case SD_MX_DANE_DNS_FAILED:
    return SD_MX_REJECT; /* never cleartext, never unauthenticated (RFC 7672 §2.2) */
  default:
    return decide_opportunistic(mx);
  }
}

static sd_mx_decision decide_both(const sd_domain_result *r, const sd_mx_result *mx) {
  switch (mx->dane) {
  case SD_MX_DANE_AUTHENTICATED:
  case SD_MX_DANE_FAILED:
  case SD_MX_DANE_DNS_FAILED:
    /* DANE alone decides; MTA-STS never overrides a DANE failure (RFC 8461 §2). */
    return decide_dane(mx);
  case SD_MX_DANE_TLS_ONLY:
    return sd_vi_sts_active(r) ? decide_mtasts(r, mx) : decide_dane(mx);
  default:
    return decide_mtasts(r, mx);
  }
}

sd_mx_decision sd_verdict_mx_decision(const sd_domain_result *r, const sd_mx_result *mx,
                                      sd_profile p) {
  switch (p) {
  case SD_PROFILE_MTASTS: return decide_mtasts(r, mx);
  case SD_PROFILE_DANE: return decide_dane(mx);
  case SD_PROFILE_BOTH: return decide_both(r, mx);
  default: return decide_opportunistic(mx);
  }
}

static int is_accept(sd_mx_decision d) {
  return d == SD_MX_ACCEPT_AUTH || d == SD_MX_ACCEPT_UNAUTH;
}

/*
 * Decision: MX hosts of equal preference are one choice for a sender (it
 * picks among them at random, RFC 5321 §5.1), so the "first MX that
 * accepts" is the whole first preference group with an accepting MX, not the
 * alphabetically first host. If that group holds an authenticated MX the
 * outcome is protected or partial, else unprotected.
 */
sd_outcome sd_vi_walk_outcome(const sd_mx_decision *decisions, const int *prefs, size_t n) {
  size_t first = n;
  int any_unknown = 0, any_unauth = 0;
  for (size_t i = 0; i < n; i++) {
    if (first == n && is_accept(decisions[i])) first = i;
    if (decisions[i] == SD_MX_UNKNOWN) any_unknown = 1;
    if (decisions[i] == SD_MX_ACCEPT_UNAUTH) any_unauth = 1;
  }
  if (first == n) return any_unknown ? SD_OUTCOME_UNKNOWN : SD_OUTCOME_FAIL;
  int group_auth = 0;
  for (size_t j = first; j < n; j++) {
    if (prefs && prefs[j] != prefs[first]) continue;
    if (!prefs && j != first) break;
    if (decisions[j] == SD_MX_ACCEPT_AUTH) group_auth = 1;
  }
  if (!group_auth) return SD_OUTCOME_UNPROTECTED;
  return any_unauth ? SD_OUTCOME_PARTIAL : SD_OUTCOME_PROTECTED;
}

/* A bogus MX answer: validating senders cannot even learn the MX list, nor
 * trust a null MX or a denial of the MX RRset (RFC 4035 §5.5): they defer. */
static int validator_blind(const sd_domain_result *r, sd_profile p) {
  return (p == SD_PROFILE_DANE || p == SD_PROFILE_BOTH) && sd_vi_dnssec_failed(r->mx_dnssec);
}

static sd_outcome profile_outcome(const sd_domain_result *r, sd_profile p) {
  sd_mx_decision *decisions = calloc(r->mx_count, sizeof(*decisions));
  int *prefs = calloc(r->mx_count, sizeof(*prefs));
  sd_outcome out = SD_OUTCOME_UNKNOWN;
  if (decisions && prefs) {
    for (size_t i = 0; i < r->mx_count; i++) {
      decisions[i] = sd_verdict_mx_decision(r, &r->mx[i], p);
      prefs[i] = r->mx[i].preference;
    }
    out = sd_vi_walk_outcome(decisions, prefs, r->mx_count);
  }
  free(decisions);
  free(prefs);
  return out;
}

static sd_protected_by protected_by(const sd_domain_result *r) {
  int sts = r->profiles[SD_PROFILE_MTASTS] == SD_OUTCOME_PROTECTED;
  int dane = r->profiles[SD_PROFILE_DANE] == SD_OUTCOME_PROTECTED;
  if (sts && dane) return SD_PROTECTED_BOTH;
  if (sts) return SD_PROTECTED_MTASTS;
  if (dane) return SD_PROTECTED_DANE;
  /* A failed measurement is never "none": the domain goes apart. */
  if (r->profiles[SD_PROFILE_MTASTS] == SD_OUTCOME_UNKNOWN || r->profiles[SD_PROFILE_DANE] == SD_OUTCOME_UNKNOWN)
    return SD_PROTECTED_UNKNOWN;
  return SD_PROTECTED_NONE;
}

static void explain_unknown(sd_domain_result *r) {
  sd_buf b = {0};
  if (r->mx_lookup == SD_LOOKUP_ERROR)
    sd_buf_puts(&b, "the MX lookup failed (resolver error or timeout)");
  if (r->sts_status == SD_STS_ERROR)
    sd_buf_printf(&b, "%sthe _mta-sts TXT lookup failed, so whether a policy exists is unknown",
                  b.len ? "; " : "");
  for (size_t i = 0; i < r->mx_count && r->mx; i++) {
    const sd_mx_result *mx = &r->mx[i];
    const char *why = NULL;
    switch (sd_vi_mx_reach(mx)) {
    case SD_REACH_UNKNOWN:
      why = mx->addr_count == 0 ? "the address lookup failed" : "no address answered in time";
      break;
    case SD_REACH_ASSUMED: why = "not probed (SMTP probing disabled), so TLS could not be checked"; break;
    default: break;
    }
    if (why) sd_buf_printf(&b, "%s%s: %s", b.len ? "; " : "", mx->host ? mx->host : "?", why);
  }
  if (b.len == 0) sd_buf_puts(&b, "the measurement could not decide");
  r->unknown_reason = sd_buf_take(&b);
}

void sd_vi_derive_profiles(sd_domain_result *r) {
  free(r->unknown_reason);
  r->unknown_reason = NULL;
  int any_unknown = 0;
  for (int p = 0; p < SD_PROFILE__COUNT; p++) {
    sd_outcome o;
    if (r->mx_lookup == SD_LOOKUP_ERROR) o = SD_OUTCOME_UNKNOWN;
    else if (validator_blind(r, (sd_profile)p)) o = SD_OUTCOME_FAIL;
    else if (sd_vi_domain_no_mail(r)) o = SD_OUTCOME_NO_MAIL;
    else o = profile_outcome(r, (sd_profile)p);
    r->profiles[p] = o;
    if (o == SD_OUTCOME_UNKNOWN) any_unknown = 1;
  }
  r->protected_by = protected_by(r);
  if (any_unknown) explain_unknown(r);
}

const char *sd_mx_decision_name(sd_mx_decision d) {
  switch (d) {
  case SD_MX_ACCEPT_AUTH: return "accept-authenticated";
  case SD_MX_ACCEPT_UNAUTH: return "accept-unauthenticated";
  case SD_MX_REJECT: return "reject";
  case SD_MX_UNREACHABLE: return "unreachable";
  default: return "unknown";
  }
}
