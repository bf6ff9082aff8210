/* Small questions the verdict engine asks about the measured facts. */
#include <stdlib.h>
#include <string.h>

#include "compare/verdict_internal.h"
#include "util/str.h"

int sd_vi_dnssec_failed(sd_dnssec s) {
  /* RFC 4033 §5: indeterminate is treated like bogus. */
  return s == SD_DNSSEC_BOGUS || s == SD_DNSSEC_INDETERMINATE;
}

int sd_vi_addr_greeted(const sd_addr_result *a) {
  if (!a->probed) return 0;
  switch (a->probe.status) {
  case SD_PROBE_CONNECT_REFUSED:
  case SD_PROBE_CONNECT_FAILED:
  case SD_PROBE_TIMEOUT:
  case SD_PROBE_BANNER_REJECT:
    return 0;
  default:
    return 1;
  }
}

int sd_vi_addr_tls_ok(const sd_addr_result *a) {
  return a->probed && a->probe.status == SD_PROBE_OK;
}

int sd_vi_addr_pkix_ok(const sd_addr_result *a) {
  return sd_vi_addr_tls_ok(a) && a->pkix_checked && a->pkix.valid;
}

int sd_vi_addr_starttls_missing(const sd_addr_result *a) {
  return a->probed &&
         (a->probe.status == SD_PROBE_NO_STARTTLS || a->probe.status == SD_PROBE_STARTTLS_REJECTED);
}

sd_mx_reach sd_vi_mx_reach(const sd_mx_result *mx) {
  if (mx->addr_count == 0 || !mx->addrs)
    return mx->addr_lookup == SD_LOOKUP_ERROR ? SD_REACH_UNKNOWN : SD_REACH_NO;
  size_t probed = 0, timeouts = 0;
  for (size_t i = 0; i < mx->addr_count; i++) {
    const sd_addr_result *a = &mx->addrs[i];
    if (!a->probed) continue;
    probed++;
    if (sd_vi_addr_greeted(a)) return SD_REACH_YES;
    if (a->probe.status == SD_PROBE_TIMEOUT) timeouts++;
  }
  if (probed == 0) return SD_REACH_ASSUMED;
  /* A timeout may be our network or a slow server: it never proves the MX
   * refuses mail, so any timeout without a greeting leaves it undecided. */
  return timeouts ? SD_REACH_UNKNOWN : SD_REACH_NO;
}

int sd_vi_mx_any_tls_ok(const sd_mx_result *mx) {
  for (size_t i = 0; i < mx->addr_count && mx->addrs; i++)
    if (sd_vi_addr_tls_ok(&mx->addrs[i])) return 1;
  return 0;
}

int sd_vi_sts_active(const sd_domain_result *r) {
  return r->sts_status == SD_STS_VALID && r->policy.valid && r->policy.mode == SD_STS_MODE_ENFORCE;
}

int sd_vi_sts_applies(const sd_domain_result *r) {
  return r->sts_status == SD_STS_VALID && r->policy.valid &&
         (r->policy.mode == SD_STS_MODE_ENFORCE || r->policy.mode == SD_STS_MODE_TESTING);
}

int sd_vi_mx_tlsa_secure(const sd_domain_result *r, const sd_mx_result *mx) {
  return r->mx_dnssec == SD_DNSSEC_SECURE && !mx->is_ip_literal &&
         mx->addr_lookup == SD_LOOKUP_OK && mx->addr_dnssec == SD_DNSSEC_SECURE &&
         mx->tlsa_queried && mx->tlsa_lookup == SD_LOOKUP_OK &&
         mx->tlsa_dnssec == SD_DNSSEC_SECURE && mx->tlsa_count > 0;
}

int sd_vi_mx_dane_required(const sd_domain_result *r, const sd_mx_result *mx) {
  return sd_vi_mx_tlsa_secure(r, mx) && mx->tlsa_usable > 0;
}

const sd_cert_der *sd_vi_mx_served_leaf(const sd_mx_result *mx) {
  for (size_t i = 0; i < mx->addr_count && mx->addrs; i++) {
    const sd_chain *c = &mx->addrs[i].probe.chain;
    if (mx->addrs[i].probed && c->count > 0 && c->certs && c->certs[0].der && c->certs[0].len > 0)
      return &c->certs[0];
  }
  return NULL;
}

char *sd_vi_where_mx(const sd_mx_result *mx) {
  return sd_asprintf("mx:%s", mx->host ? mx->host : "?");
}

char *sd_vi_where_addr(const sd_mx_result *mx, const sd_addr_result *a) {
  return sd_asprintf("mx:%s/%s", mx->host ? mx->host : "?", a->ip ? a->ip : "?");
}

char *sd_vi_dnssec_detail(sd_dnssec s, const char *why_bogus) {
  if (s != SD_DNSSEC_BOGUS || !why_bogus || !*why_bogus) return sd_strdup(sd_dnssec_name(s));
  char *why = sd_quote_sentence(why_bogus, 300);
  char *detail = why ? sd_asprintf("%s: %s", sd_dnssec_name(s), why) : NULL;
  free(why);
  return detail;
}

int sd_vi_pattern_covers_some_mx(const sd_domain_result *r, const char *pattern) {
  for (size_t i = 0; i < r->mx_count && r->mx; i++)
    if (r->mx[i].host && !r->mx[i].is_ip_literal && sd_sts_pattern_matches(pattern, r->mx[i].host))
      return 1;
  return 0;
}

int sd_vi_domain_no_mail(const sd_domain_result *r) {
  if (r->mx_lookup == SD_LOOKUP_ERROR) return 0;
  if (r->null_mx || r->mx_count == 0 || !r->mx) return 1;
  if (!r->implicit_mx) return 0;
  /* Implicit MX: the domain itself, and it has no address. */
  for (size_t i = 0; i < r->mx_count; i++)
    if (r->mx[i].addr_count > 0 || r->mx[i].addr_lookup == SD_LOOKUP_ERROR) return 0;
  return 1;
}
