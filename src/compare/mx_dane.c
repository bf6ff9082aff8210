/*
 * The DANE fate of each MX host (RFC 7672 §2.2), the domain-level DANE
 * status derived from those fates, and the MTA-STS status.
 */
#include "compare/verdict_internal.h"

/* Why a DNS_FAILED fate failed: 1 a lookup error (SERVFAIL, timeout),
 * 0 a validation failure (bogus/indeterminate). Mirrors the order of
 * sd_vi_mx_dane_fate. */
static int dns_failure_is_lookup_error(const sd_mx_result *mx) {
  if (mx->addr_lookup == SD_LOOKUP_ERROR) return 1;
  if (sd_vi_dnssec_failed(mx->addr_dnssec)) return 0;
  if (mx->cname_target && sd_vi_dnssec_failed(mx->cname_dnssec)) return 0;
  return mx->tlsa_lookup == SD_LOOKUP_ERROR;
}

/* Secure TLSA with usable records: every address that answered SMTP must
 * complete STARTTLS and pass DANE verification. Addresses that never
 * answered are merely unusable; the reachability walk deals with them. */
static sd_mx_dane fate_with_usable_tlsa(const sd_mx_result *mx) {
  for (size_t i = 0; i < mx->addr_count && mx->addrs; i++) {
    const sd_addr_result *a = &mx->addrs[i];
    if (!sd_vi_addr_greeted(a)) continue;
    if (!sd_vi_addr_tls_ok(a) || !a->dane_checked || !a->dane.valid) return SD_MX_DANE_FAILED;
  }
  return SD_MX_DANE_AUTHENTICATED;
}

/* Secure TLSA, none usable: TLS is mandatory, authentication is not
 * (RFC 7672 §2.2, RFC 7671 §4). */
static sd_mx_dane fate_with_unusable_tlsa(const sd_mx_result *mx) {
  for (size_t i = 0; i < mx->addr_count && mx->addrs; i++) {
    const sd_addr_result *a = &mx->addrs[i];
    if (sd_vi_addr_greeted(a) && !sd_vi_addr_tls_ok(a)) return SD_MX_DANE_FAILED;
  }
  return SD_MX_DANE_TLS_ONLY;
}

sd_mx_dane sd_vi_mx_dane_fate(const sd_domain_result *r, const sd_mx_result *mx) {
  if (r->mx_lookup == SD_LOOKUP_ERROR) return SD_MX_DANE_DNS_FAILED;
  if (r->mx_dnssec == SD_DNSSEC_INSECURE) return SD_MX_DANE_NOT_APPLICABLE;
  if (sd_vi_dnssec_failed(r->mx_dnssec)) return SD_MX_DANE_DNS_FAILED;
  if (mx->is_ip_literal) return SD_MX_DANE_NOT_APPLICABLE;
  /* Address before TLSA (RFC 7672 §2.2.2). */
  if (mx->addr_lookup == SD_LOOKUP_ERROR) return SD_MX_DANE_DNS_FAILED;
  if (sd_vi_dnssec_failed(mx->addr_dnssec)) return SD_MX_DANE_DNS_FAILED;
  if (mx->cname_target && sd_vi_dnssec_failed(mx->cname_dnssec)) return SD_MX_DANE_DNS_FAILED;
  /* No address: the host is unreachable, which is not a DANE question. */
  if (mx->addr_lookup != SD_LOOKUP_OK) return SD_MX_DANE_NOT_APPLICABLE;
  if (mx->addr_dnssec != SD_DNSSEC_SECURE) return SD_MX_DANE_NOT_APPLICABLE;
  if (!mx->tlsa_queried) return SD_MX_DANE_NOT_APPLICABLE;
  /* A failed TLSA lookup makes the MX unusable, it is not "no DANE" (§2.2.3). */
  if (mx->tlsa_lookup == SD_LOOKUP_ERROR) return SD_MX_DANE_DNS_FAILED;
  if (sd_vi_dnssec_failed(mx->tlsa_dnssec)) return SD_MX_DANE_DNS_FAILED;
  if (mx->tlsa_lookup != SD_LOOKUP_OK || mx->tlsa_count == 0) return SD_MX_DANE_NOT_APPLICABLE;
  if (mx->tlsa_dnssec != SD_DNSSEC_SECURE) return SD_MX_DANE_NOT_APPLICABLE;
  return mx->tlsa_usable == 0 ? fate_with_unusable_tlsa(mx) : fate_with_usable_tlsa(mx);
}

/* DANE does not apply to this host because its DNS is not secure: its
 * addresses (or CNAME) are insecure, or its TLSA answer is (RFC 7672 §2.2),
 * as opposed to a secure zone that proves there is no TLSA. */
static int not_applicable_for_insecurity(const sd_mx_result *mx) {
  return mx->dane == SD_MX_DANE_NOT_APPLICABLE &&
         (mx->addr_dnssec == SD_DNSSEC_INSECURE || (mx->cname_target && mx->cname_dnssec == SD_DNSSEC_INSECURE) ||
          (mx->tlsa_queried && mx->tlsa_dnssec == SD_DNSSEC_INSECURE));
}

sd_dane_status sd_vi_dane_status(const sd_domain_result *r) {
  if (r->mx_lookup == SD_LOOKUP_ERROR) return SD_DANE_ERROR;
  /* Bogus beats missing: a bogus (denial of the) MX RRset is bogus, even
   * when it reads as "no MX". */
  if (sd_vi_dnssec_failed(r->mx_dnssec)) return SD_DANE_BOGUS;
  if (r->null_mx || r->mx_count == 0 || !r->mx)
    return r->mx_dnssec == SD_DNSSEC_INSECURE ? SD_DANE_INSECURE : SD_DANE_ABSENT;
  if (r->mx_dnssec == SD_DNSSEC_INSECURE) return SD_DANE_INSECURE;

  size_t bogus = 0, errors = 0, failed = 0, authenticated = 0, not_applicable = 0, insecure = 0;
  for (size_t i = 0; i < r->mx_count; i++) {
    const sd_mx_result *mx = &r->mx[i];
    switch (mx->dane) {
    case SD_MX_DANE_DNS_FAILED:
      if (dns_failure_is_lookup_error(mx)) errors++;
      else bogus++;
      break;
    case SD_MX_DANE_FAILED:
    case SD_MX_DANE_TLS_ONLY: failed++; break;
    case SD_MX_DANE_AUTHENTICATED: authenticated++; break;
    default:
      not_applicable++;
      if (not_applicable_for_insecurity(mx)) insecure++;
      break;
    }
  }
  /* A bogus answer is evidence of a broken zone; a lookup error may be
   * transient, so bogus wins when both occur. */
  if (bogus) return SD_DANE_BOGUS;
  if (errors) return SD_DANE_ERROR;
  if (failed) return SD_DANE_INVALID;
  if (authenticated && !not_applicable) return SD_DANE_VALID;
  if (authenticated) return SD_DANE_PARTIAL;
  /* No host can use DANE: because every one sits in insecure DNS (a secure
   * MX RRset pointing into an unsigned zone), or because TLSA is absent. */
  if (insecure == not_applicable) return SD_DANE_INSECURE;
  return SD_DANE_ABSENT;
}

sd_sts_status sd_vi_sts_status(const sd_domain_result *r) {
  if (r->sts_txt_lookup == SD_LOOKUP_ERROR) return SD_STS_ERROR;
  if (r->sts_record.status == SD_STS_RECORD_ABSENT) return SD_STS_ABSENT;
  if (r->sts_record.status != SD_STS_RECORD_VALID) return SD_STS_INVALID;
  if (!r->policy_fetched || r->fetch.error != SD_FETCH_OK) return SD_STS_INVALID;
  if (!r->policy.valid) return SD_STS_INVALID;
  return SD_STS_VALID;
}
