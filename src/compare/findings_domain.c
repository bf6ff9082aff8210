/*
 * Derived findings about the domain as a whole: the MX set, DNSSEC of the
 * MX RRset, DANE coverage, lookups the parsers could not see, TLSRPT.
 * where = "mx" for findings about the MX set as a whole (an extension of
 * the where list in verdicts.md), "record", "policy" or "tlsrpt" otherwise.
 */
#include <stdlib.h>
#include <string.h>

#include "compare/verdict_internal.h"
#include "util/str.h"

static const char *domain_name(const sd_domain_result *r) {
  return r->domain ? r->domain : "the domain";
}

/* The evaluator or a parser may have reported some of these already. */
static int already_reported(const sd_domain_result *r, sd_code code) {
  return sd_findings_has(&r->findings, code);
}

static void mx_set_findings(sd_domain_result *r) {
  const char *d = domain_name(r);
  if (r->mx_lookup == SD_LOOKUP_ERROR) {
    if (!already_reported(r, SD_C_MX_LOOKUP_FAILED))
      sd_findings_add(&r->findings, SD_C_MX_LOOKUP_FAILED, "mx",
                      "the MX lookup for %s failed (resolver error or timeout): every outcome is unknown", d);
    return;
  }
  if (r->null_mx) {
    sd_findings_add(&r->findings, SD_C_MX_NULL, "mx",
                    "%s publishes a null MX (0 .): it accepts no mail (RFC 7505)", d);
    return;
  }
  if (sd_denial_bogus(r->mx_lookup, r->mx_dnssec)) return; /* a bogus denial is not "no MX": see mx_dnssec_findings */
  if (r->mx_lookup == SD_LOOKUP_NXDOMAIN) {
    /* Not a domain without mail: no domain at all, most often a typo. */
    sd_finding *f = sd_findings_add(&r->findings, SD_C_DOMAIN_NXDOMAIN, "mx",
                                    "%s does not exist: its DNS servers answer NXDOMAIN (no such name)", d);
    sd_finding_set_remedy(f, "check the spelling of %s; if the name is right, it must be registered and "
                             "delegated to name servers that serve its zone before it can receive mail", d);
    return;
  }
  if (sd_vi_domain_no_mail(r)) {
    if (!already_reported(r, SD_C_MX_NONE)) {
      sd_finding *f = sd_findings_add(&r->findings, SD_C_MX_NONE, "mx",
                                      "%s has no MX records and no address: it receives no mail", d);
      sd_finding_set_remedy(f, "publish MX records for %s, or a null MX (MX 0 .) to say it takes no mail", d);
    }
    return;
  }
  if (r->implicit_mx && !already_reported(r, SD_C_MX_IMPLICIT))
    sd_findings_add(&r->findings, SD_C_MX_IMPLICIT, "mx",
                    "%s has no MX records: senders deliver to its own address (implicit MX)", d);
}

static void mx_dnssec_findings(sd_domain_result *r) {
  const char *d = domain_name(r);
  char *mx_state = sd_vi_dnssec_detail(r->mx_dnssec, r->mx_why_bogus);
  char *sts_state = sd_vi_dnssec_detail(r->sts_txt_dnssec, r->sts_txt_why_bogus);
  if (sd_denial_bogus(r->mx_lookup, r->mx_dnssec) && !already_reported(r, SD_C_DNSSEC_EXPIRED_RRSIG)) {
    sd_finding *f = sd_findings_add(
        &r->findings, SD_C_DNSSEC_BOGUS, "mx",
        "the denial of MX records of %s (%s) fails DNSSEC validation (%s): validating senders cannot tell whether it "
        "has MX records and defer all mail; only senders that do not validate see no MX", d,
        sd_lookup_name(r->mx_lookup), mx_state ? mx_state : "?");
    sd_finding_set_remedy(f, "re-sign the zone %s (its NSEC/NSEC3 records and their RRSIGs) and make the DS in the "
                             "parent match its KSK; check with a DNSSEC debugger such as dnsviz.net", d);
  } else if (r->mx_lookup != SD_LOOKUP_ERROR && sd_vi_dnssec_failed(r->mx_dnssec) &&
      !already_reported(r, SD_C_DNSSEC_EXPIRED_RRSIG)) {
    sd_finding *f = sd_findings_add(
        &r->findings, SD_C_DNSSEC_BOGUS, "mx",
        "the MX RRset of %s fails DNSSEC validation (%s): DANE senders defer all mail", d,
        mx_state ? mx_state : "?");
    sd_finding_set_remedy(f, "re-sign the zone %s (check RRSIG expiry) and make the DS in the parent "
                             "match its KSK; check with a DNSSEC debugger such as dnsviz.net", d);
  }
  if (sd_denial_bogus(r->sts_txt_lookup, r->sts_txt_dnssec)) {
    sd_finding *f = sd_findings_add(
        &r->findings, SD_C_DNSSEC_BOGUS, "record",
        "the denial of the _mta-sts TXT record of %s (%s) fails DNSSEC validation (%s): senders with a validating "
        "resolver get SERVFAIL, not \"no policy\"", d, sd_lookup_name(r->sts_txt_lookup),
        sts_state ? sts_state : "?");
    sd_finding_set_remedy(f, "re-sign the zone of _mta-sts.%s (its NSEC/NSEC3 records and their RRSIGs)", d);
  }
  if (r->dnskey_without_ds && !already_reported(r, SD_C_DNSSEC_MISSING_DS)) {
    sd_finding *f = sd_findings_add(
        &r->findings, SD_C_DNSSEC_MISSING_DS, "mx",
        "the zone of %s publishes a DNSKEY but the parent has no DS: its answers validate as "
        "insecure, so DANE cannot apply", d);
    sd_finding_set_remedy(f, "publish the DS record of %s's KSK in the parent zone (ask your registrar)", d);
  }
  free(mx_state);
  free(sts_state);
}

static void dane_mx_insecure_finding(sd_domain_result *r) {
  if (r->mx_dnssec != SD_DNSSEC_INSECURE) return;
  for (size_t i = 0; i < r->mx_count; i++) {
    const sd_mx_result *mx = &r->mx[i];
    if (!mx->tlsa_queried || mx->tlsa_lookup != SD_LOOKUP_OK || mx->tlsa_count == 0) continue;
    sd_finding *f = sd_findings_add(
        &r->findings, SD_C_DANE_MX_INSECURE, "mx",
        "TLSA records are published for %s but the MX RRset of %s is not DNSSEC-signed: no DANE "
        "sender uses them", mx->host ? mx->host : "?", domain_name(r));
    if (r->dnskey_without_ds)
      sd_finding_set_remedy(f, "publish the DS record of %s's KSK in the parent zone (ask your registrar)",
                            domain_name(r));
    else
      sd_finding_set_remedy(f, "sign the zone of %s with DNSSEC and publish its DS in the parent zone",
                            domain_name(r));
    return;
  }
}

/* Decision: "partial coverage" means some MX hosts have usable secure TLSA
 * (authenticated or failing) and some have none, as the code's summary says.
 * What follows depends on the preferences: when an uncovered host is (one
 * of) the most preferred, DANE senders deliver to it unauthenticated as a
 * matter of course; otherwise an attacker can steer mail to it by blocking
 * the preferred ones. */
static void dane_coverage_finding(sd_domain_result *r) {
  if (r->mx_dnssec != SD_DNSSEC_SECURE || r->mx_count == 0) return;
  size_t with = 0;
  int best = r->mx[0].preference;
  for (size_t i = 1; i < r->mx_count; i++)
    if (r->mx[i].preference < best) best = r->mx[i].preference;
  sd_buf without = {0}, preferred = {0};
  for (size_t i = 0; i < r->mx_count; i++) {
    const sd_mx_result *mx = &r->mx[i];
    const char *h = mx->host ? mx->host : "?";
    if (mx->dane == SD_MX_DANE_AUTHENTICATED || mx->dane == SD_MX_DANE_FAILED) {
      with++;
    } else if (mx->dane == SD_MX_DANE_NOT_APPLICABLE) {
      sd_buf_printf(&without, "%s%s", without.len ? ", " : "", h);
      if (mx->preference == best) sd_buf_printf(&preferred, "%s%s", preferred.len ? ", " : "", h);
    }
  }
  if (with && without.len) {
    sd_finding *f;
    if (preferred.len)
      f = sd_findings_add(&r->findings, SD_C_DANE_PARTIAL_COVERAGE, "mx",
                          "%zu MX host(s) have usable TLSA records but %s have none, and %s %s the preferred MX "
                          "(preference %d): DANE senders deliver to it first, over TLS without authentication "
                          "(no attacker needed); the TLSA records protect only mail that falls back to the "
                          "other hosts",
                          with, without.data, preferred.data, strchr(preferred.data, ',') ? "are" : "is", best);
    else
      f = sd_findings_add(&r->findings, SD_C_DANE_PARTIAL_COVERAGE, "mx",
                          "%zu MX host(s) have usable TLSA records but %s have none: an attacker who blocks the "
                          "preferred hosts can steer DANE senders' mail to them, where it is delivered without "
                          "authentication", with, without.data);
    sd_finding_set_remedy(f, "publish TLSA records (e.g. 3 1 1 of the served key) for %s in a "
                             "DNSSEC-signed zone, or remove them from the MX set", without.data);
  }
  sd_buf_free(&without);
  sd_buf_free(&preferred);
}

static void reachability_finding(sd_domain_result *r) {
  if (r->mx_lookup == SD_LOOKUP_ERROR || r->null_mx || r->mx_count == 0 || !r->mx) return;
  for (size_t i = 0; i < r->mx_count; i++)
    if (sd_vi_mx_reach(&r->mx[i]) != SD_REACH_NO) return;
  sd_finding *f = sd_findings_add(&r->findings, SD_C_MX_UNREACHABLE, "mx",
                                  "no MX host of %s accepts SMTP connections on port 25: mail is "
                                  "deferred and finally bounced", domain_name(r));
  sd_finding_set_remedy(f, "make at least one MX host accept connections on TCP port 25 from the Internet");
}

static void lookup_error_findings(sd_domain_result *r) {
  const char *d = domain_name(r);
  if (r->sts_txt_lookup == SD_LOOKUP_ERROR && !already_reported(r, SD_C_STS_RECORD_LOOKUP_FAILED))
    sd_findings_add(&r->findings, SD_C_STS_RECORD_LOOKUP_FAILED, "record",
                    "the TXT lookup at _mta-sts.%s failed (resolver error): whether a policy exists is unknown", d);
  if (r->tlsrpt_lookup == SD_LOOKUP_ERROR && !already_reported(r, SD_C_TLSRPT_LOOKUP_FAILED))
    sd_findings_add(&r->findings, SD_C_TLSRPT_LOOKUP_FAILED, "tlsrpt",
                    "the TXT lookup at _smtp._tls.%s failed (resolver error)", d);
}

static void tlsrpt_missing_finding(sd_domain_result *r) {
  int sts = r->sts_status == SD_STS_VALID;
  int dane = r->dane_status == SD_DANE_VALID || r->dane_status == SD_DANE_PARTIAL ||
             r->dane_status == SD_DANE_INVALID;
  if (!sts && !dane) return;
  if (r->tlsrpt_lookup == SD_LOOKUP_ERROR || r->tlsrpt.status != SD_TLSRPT_ABSENT) return;
  sd_finding *f = sd_findings_add(&r->findings, SD_C_TLSRPT_MISSING, "tlsrpt",
                                  "%s deploys %s but publishes no TLSRPT record: senders cannot "
                                  "report delivery failures", domain_name(r),
                                  sts && dane ? "MTA-STS and DANE" : sts ? "MTA-STS" : "DANE");
  sd_finding_set_remedy(f, "publish _smtp._tls.%s. IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@%s\" "
                           "(any mailbox or https: URI that collects reports)",
                        domain_name(r), domain_name(r));
}

static void sts_pattern_unused_findings(sd_domain_result *r) {
  if (r->sts_status != SD_STS_VALID || r->policy.mode == SD_STS_MODE_NONE || !r->mx) return;
  for (size_t i = 0; i < r->policy.mx_count && r->policy.mx; i++) {
    if (!r->policy.mx[i] || sd_vi_pattern_covers_some_mx(r, r->policy.mx[i])) continue;
    char *p = sd_quote_sentence(r->policy.mx[i], 255);
    sd_finding *f = sd_findings_add(&r->findings, SD_C_STS_MX_PATTERN_UNUSED, "policy",
                                    "the policy pattern mx: %s covers no current MX host of %s",
                                    p ? p : "?", domain_name(r));
    sd_finding_set_remedy(f, "remove the line mx: %s from the policy when that host no longer "
                             "receives mail (and publish a new id)", p ? p : "?");
    free(p);
  }
}

void sd_vi_domain_findings(sd_domain_result *r, time_t now) {
  (void)now;
  mx_set_findings(r);
  mx_dnssec_findings(r);
  lookup_error_findings(r);
  if (r->mx_lookup != SD_LOOKUP_ERROR && !sd_vi_domain_no_mail(r)) {
    dane_mx_insecure_finding(r);
    dane_coverage_finding(r);
    reachability_finding(r);
    sts_pattern_unused_findings(r);
  }
  tlsrpt_missing_finding(r);
}
