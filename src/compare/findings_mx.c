/*
 * Derived findings about one MX host (where = "mx:<host>") and its
 * addresses (where = "mx:<host>/<ip>"): DNS and DNSSEC, SMTP and TLS, the
 * WebPKI check (only where an MTA-STS policy applies), DANE, policy coverage.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compare/verdict_internal.h"
#include "util/str.h"

#define SD_DETAIL_MAX 400 /* bytes of remote or library text quoted in a detail */
#define SD_EXPIRES_SOON_SECONDS (14 * 86400)

static const char *host_of(const sd_mx_result *mx) { return mx->host ? mx->host : "?"; }

static const char *tlsa_base_of(const sd_mx_result *mx) {
  return mx->tlsa_base ? mx->tlsa_base : host_of(mx);
}

/* --- DNS ------------------------------------------------------------------ */

static void address_findings(sd_domain_result *r, const sd_mx_result *mx, const char *where) {
  const char *h = host_of(mx);
  if (mx->is_ip_literal) {
    sd_finding *f = sd_findings_add(&r->findings, SD_C_MX_IP_LITERAL, where,
                                    "the MX target %s is an IP address, not a host name: MTA-STS "
                                    "cannot match it and DANE cannot apply", h);
    sd_finding_set_remedy(f, "publish a host name with A/AAAA records as the MX target instead of %s", h);
    return;
  }
  if (mx->addr_lookup == SD_LOOKUP_ERROR) {
    sd_findings_add(&r->findings, SD_C_MX_ADDRESS_LOOKUP_FAILED, where,
                    "the A/AAAA lookup of %s failed (resolver error or timeout)", h);
    /* For DANE senders this is a DNSSEC lookup failure: the MX is unusable. */
    if (r->mx_dnssec == SD_DNSSEC_SECURE)
      sd_findings_add(&r->findings, SD_C_DNSSEC_LOOKUP_FAILED, where,
                      "the address lookup of %s failed: DANE senders treat the MX as unusable", h);
    return;
  }
  if (mx->addr_lookup != SD_LOOKUP_OK || mx->addr_count == 0) {
    sd_finding *f = sd_findings_add(&r->findings, SD_C_MX_NO_ADDRESS, where,
                                    "the MX host %s has no IPv4 or IPv6 address (%s)", h,
                                    sd_lookup_name(mx->addr_lookup));
    sd_finding_set_remedy(f, "publish A/AAAA records for %s, or remove it from the MX set", h);
  }
  if (sd_vi_dnssec_failed(mx->addr_dnssec)) {
    char *state = sd_vi_dnssec_detail(mx->addr_dnssec, mx->addr_why_bogus);
    sd_finding *f = sd_findings_add(&r->findings, SD_C_DNSSEC_BOGUS, where,
                                    "the address records of %s fail DNSSEC validation (%s): "
                                    "validating senders cannot use this MX", h, state ? state : "?");
    sd_finding_set_remedy(f, "re-sign the zone that holds %s (check RRSIG expiry and the DS chain)", h);
    free(state);
  }
  if (mx->cname_target && sd_vi_dnssec_failed(mx->cname_dnssec)) {
    char *t = sd_quote_sentence(mx->cname_target, 255);
    sd_findings_add(&r->findings, SD_C_DNSSEC_BOGUS, where,
                    "the CNAME chain %s -> %s fails DNSSEC validation (%s)", h, t ? t : "?",
                    sd_dnssec_name(mx->cname_dnssec));
    free(t);
  }
}

/* --- TLSA ----------------------------------------------------------------- */

static void tlsa_record_findings(sd_domain_result *r, const sd_mx_result *mx, const char *where) {
  if (!mx->tlsa || !mx->tlsa_status) return;
  for (size_t i = 0; i < mx->tlsa_count; i++) {
    sd_code code;
    if (mx->tlsa_status[i] == SD_TLSA_MALFORMED) code = SD_C_DANE_TLSA_MALFORMED;
    else if (mx->tlsa_status[i] == SD_TLSA_WEAKER_DIGEST) code = SD_C_DANE_WEAKER_DIGEST_IGNORED;
    else continue;
    char *text = sd_tlsa_format(&mx->tlsa[i]);
    char *clean = sd_quote_sentence(text ? text : "", 160);
    sd_finding *f = sd_findings_add(&r->findings, code, where, "TLSA record at _25._tcp.%s ignored: %s (%s)",
                                    tlsa_base_of(mx), clean ? clean : "?",
                                    sd_tlsa_usability_name(mx->tlsa_status[i]));
    if (code == SD_C_DANE_TLSA_MALFORMED)
      sd_finding_set_remedy(f, "remove or correct the record %s (a SHA2-256 digest is 32 bytes, SHA2-512 64)",
                            clean ? clean : "");
    free(text);
    free(clean);
  }
}

static void tlsa_unusable_finding(sd_domain_result *r, const sd_mx_result *mx, const char *where) {
  if (!sd_vi_mx_tlsa_secure(r, mx) || mx->tlsa_usable > 0) return;
  char *line = sd_vi_tlsa_record_line(mx);
  sd_finding *f = sd_findings_add(&r->findings, SD_C_DANE_TLSA_UNUSABLE, where,
                                  "the %zu TLSA record(s) at _25._tcp.%s are all unusable for SMTP "
                                  "(usage 0/1 or unknown parameters): DANE senders require TLS "
                                  "but authenticate nothing", mx->tlsa_count, tlsa_base_of(mx));
  if (line)
    sd_finding_set_remedy(f, "%s; usages 0 and 1 are not used for SMTP (RFC 7672 §3.1.3)", line);
  else
    sd_finding_set_remedy(f, "publish a DANE-EE (3 1 1) record of the key %s serves, or DANE-TA (2 1 1) "
                             "of its issuing CA", host_of(mx));
  free(line);
}

/* Secure TLSA beside insecure address records (e.g. a CNAME into an
 * unsigned zone): DANE senders never look at the TLSA records. */
static void address_insecure_finding(sd_domain_result *r, const sd_mx_result *mx, const char *where) {
  char *target = mx->cname_target ? sd_quote_sentence(mx->cname_target, 255) : NULL;
  const char *holder = target ? target : host_of(mx);
  sd_finding *f = sd_findings_add(&r->findings, SD_C_DANE_ADDRESS_INSECURE, where,
                                  "the TLSA records at _25._tcp.%s are DNSSEC-secure, but the address records of "
                                  "%s%s%s%s are not: DANE senders use TLSA records only when the address records "
                                  "are secure too (RFC 7672 §2.2.2), so they deliver to %s without authentication",
                                  tlsa_base_of(mx), host_of(mx), target ? " (a CNAME to " : "",
                                  target ? target : "", target ? ")" : "", host_of(mx));
  sd_finding_set_remedy(f, "sign the zone that holds %s and publish its DS in the parent zone, or make the MX "
                           "name a host with secure address records", holder);
  free(target);
}

static void tlsa_findings(sd_domain_result *r, const sd_mx_result *mx, const char *where) {
  if (!mx->tlsa_queried) return;
  const char *base = tlsa_base_of(mx);
  /* The evaluator queries TLSA for every host with an address; a failing
   * TLSA answer matters only where DANE senders look (secure MX and
   * address), i.e. where it makes the DANE fate DNS_FAILED. */
  int dane_looks = r->mx_dnssec == SD_DNSSEC_SECURE && mx->addr_dnssec == SD_DNSSEC_SECURE &&
                   !mx->is_ip_literal;
  if (mx->tlsa_lookup == SD_LOOKUP_ERROR) {
    if (!dane_looks) return;
    sd_finding *f = sd_findings_add(&r->findings, SD_C_DNSSEC_LOOKUP_FAILED, where,
                                    "the TLSA lookup at _25._tcp.%s failed (SERVFAIL or timeout): "
                                    "DANE senders treat %s as unusable and defer", base, host_of(mx));
    sd_finding_set_remedy(f, "make the name servers of _25._tcp.%s answer TLSA queries (NXDOMAIN or "
                             "NODATA when there is no record), with valid signatures", base);
    return;
  }
  if (sd_vi_dnssec_failed(mx->tlsa_dnssec)) {
    if (!dane_looks) return;
    char *state = sd_vi_dnssec_detail(mx->tlsa_dnssec, mx->tlsa_why_bogus);
    sd_finding *f = sd_findings_add(&r->findings, SD_C_DNSSEC_BOGUS, where,
                                    "the TLSA answer at _25._tcp.%s fails DNSSEC validation (%s): "
                                    "DANE senders treat %s as unusable", base, state ? state : "?", host_of(mx));
    sd_finding_set_remedy(f, "re-sign the zone that holds _25._tcp.%s (check RRSIG expiry)", base);
    free(state);
    return;
  }
  if (mx->tlsa_lookup != SD_LOOKUP_OK || mx->tlsa_count == 0) return;
  /* With an insecure MX RRset the domain-level dane-mx-insecure says it. */
  if (mx->tlsa_dnssec == SD_DNSSEC_INSECURE && r->mx_dnssec != SD_DNSSEC_INSECURE) {
    sd_finding *f = sd_findings_add(&r->findings, SD_C_DANE_TLSA_INSECURE, where,
                                    "TLSA records exist at _25._tcp.%s but are not DNSSEC-secure: "
                                    "no sender uses them", base);
    sd_finding_set_remedy(f, "sign the zone that holds _25._tcp.%s and publish its DS in the parent", base);
  }
  if (mx->tlsa_dnssec == SD_DNSSEC_SECURE && r->mx_dnssec == SD_DNSSEC_SECURE && mx->addr_lookup == SD_LOOKUP_OK &&
      mx->addr_dnssec == SD_DNSSEC_INSECURE && !mx->is_ip_literal)
    address_insecure_finding(r, mx, where);
  tlsa_record_findings(r, mx, where);
  tlsa_unusable_finding(r, mx, where);
}

static void no_next_key_finding(sd_domain_result *r, const sd_mx_result *mx, const char *where) {
  if (mx->dane != SD_MX_DANE_AUTHENTICATED || !mx->tlsa || !mx->tlsa_status) return;
  size_t ee = 0, ta = 0;
  for (size_t i = 0; i < mx->tlsa_count; i++) {
    if (mx->tlsa_status[i] != SD_TLSA_USABLE) continue;
    if (mx->tlsa[i].usage == 3) ee++;
    else if (mx->tlsa[i].usage == 2) ta++;
  }
  if (ee != 1 || ta != 0) return;
  sd_finding *f = sd_findings_add(&r->findings, SD_C_DANE_NO_NEXT_KEY, where,
                                  "_25._tcp.%s has a single DANE-EE record and no record for a next key",
                                  tlsa_base_of(mx));
  sd_finding_set_remedy(f, "generate the next key now and publish its 3 1 1 record next to the current "
                           "one at _25._tcp.%s, so a key change does not break DANE (RFC 7671 §8.1)",
                        tlsa_base_of(mx));
}

/* --- MTA-STS coverage ----------------------------------------------------- */

static void sts_mismatch_finding(sd_domain_result *r, const sd_mx_result *mx, const char *where,
                                 time_t now) {
  if (r->sts_status != SD_STS_VALID || mx->sts_match != 0) return;
  if (r->policy.mode != SD_STS_MODE_ENFORCE && r->policy.mode != SD_STS_MODE_TESTING) return;
  char *closest = sd_quote_sentence(mx->mismatch.closest_pattern, 255);
  sd_finding *f;
  if (mx->mismatch.kind == SD_STS_MISMATCH_UNLISTED)
    f = sd_findings_add(&r->findings, SD_C_STS_MX_MISMATCH, where,
                        "%s matches no mx pattern of the MTA-STS policy (mismatch class: unlisted): the policy "
                        "covers other current MX hosts (pattern %s) but not this one",
                        host_of(mx), closest ? closest : "?");
  else
    f = sd_findings_add(
      &r->findings, SD_C_STS_MX_MISMATCH, where,
      "%s matches no mx pattern of the MTA-STS policy (mismatch class: %s%s%s)%s", host_of(mx),
      sd_sts_mismatch_name(mx->mismatch.kind),
      mx->mismatch.closest_pattern ? ", closest pattern " : "",
      mx->mismatch.closest_pattern && closest ? closest : "",
      mx->mismatch.policy_lists_policy_host
          ? "; the policy lists the policy host mta-sts.<domain>, which is a web server, not an MX"
          : "");
  free(closest);
  char *remedy = sd_vi_remedy_sts_mx_lines(r, now);
  if (f && remedy) sd_finding_set_remedy(f, "%s", remedy);
  free(remedy);
}

/* --- SMTP and TLS per address --------------------------------------------- */

static void starttls_findings(sd_domain_result *r, const sd_mx_result *mx, const sd_addr_result *a,
                              const char *where) {
  int refused = a->probe.status == SD_PROBE_STARTTLS_REJECTED;
  const char *what = refused ? "refuses the STARTTLS command" : "does not offer STARTTLS";
  if (sd_vi_sts_applies(r)) {
    sd_finding *f = sd_findings_add(&r->findings,
                                    refused ? SD_C_SMTP_STARTTLS_REJECTED : SD_C_SMTP_STARTTLS_MISSING,
                                    where, "%s (%s) %s, which the MTA-STS policy requires",
                                    host_of(mx), a->ip ? a->ip : "?", what);
    sd_finding_set_remedy(f, "enable STARTTLS on %s with a certificate for %s from a CA senders trust",
                          host_of(mx), host_of(mx));
  }
  /* Secure TLSA, usable or not, makes TLS mandatory (RFC 7672 §2.2). */
  if (sd_vi_mx_tlsa_secure(r, mx)) {
    sd_finding *f = sd_findings_add(&r->findings, SD_C_DANE_STARTTLS_MISSING, where,
                                    "%s (%s) %s although it publishes TLSA records: DANE senders "
                                    "never deliver to it in cleartext", host_of(mx), a->ip ? a->ip : "?", what);
    sd_finding_set_remedy(f, "enable STARTTLS on %s with the key its TLSA records at _25._tcp.%s name",
                          host_of(mx), tlsa_base_of(mx));
  }
}

static int tls_version_is_old(const char *v) {
  if (!v) return 0;
  if (strncmp(v, "SSL", 3) == 0) return 1;
  return strcmp(v, "TLSv1") == 0 || strcmp(v, "TLSv1.0") == 0 || strcmp(v, "TLSv1.1") == 0;
}

static int is_cert_code(sd_code c) {
  return c == SD_C_CERT_EXPIRED || c == SD_C_CERT_HOST_MISMATCH || c == SD_C_CERT_UNTRUSTED ||
         c == SD_C_CERT_INVALID || c == SD_C_CERT_EXPIRES_SOON;
}

static void format_date(time_t t, char out[32]) {
  struct tm tm;
  if (t <= 0 || !gmtime_r(&t, &tm) || strftime(out, 32, "%Y-%m-%d", &tm) == 0)
    strcpy(out, "unknown date");
}

static void set_cert_remedy(sd_finding *f, sd_code code, const sd_domain_result *r,
                            const sd_mx_result *mx, const sd_addr_result *a) {
  const char *h = host_of(mx);
  int renewal = code == SD_C_CERT_EXPIRED || code == SD_C_CERT_EXPIRES_SOON;
  const char *dane_clause = !sd_vi_mx_dane_required(r, mx) ? ""
                            : renewal ? " and keep DANE records in step: publish the new key's 3 1 1 "
                                        "record before deploying it (RFC 7671 §8)"
                                      : "; keep DANE records in step: publish the new key's 3 1 1 "
                                        "record before deploying it (RFC 7671 §8)";
  char date[32];
  format_date(a->pkix.leaf_not_after, date);
  switch (code) {
  case SD_C_CERT_EXPIRED:
    sd_finding_set_remedy(f, "renew the certificate of %s (expired %s)%s", h, date, dane_clause);
    break;
  case SD_C_CERT_EXPIRES_SOON:
    sd_finding_set_remedy(f, "renew the certificate of %s before %s%s", h, date, dane_clause);
    break;
  case SD_C_CERT_HOST_MISMATCH: {
    char *sans = sd_quote_sentence(a->pkix.leaf_sans ? a->pkix.leaf_sans : "none", 300);
    sd_finding_set_remedy(f, "install a certificate whose subjectAltName includes %s (it now names: %s)%s",
                          h, sans ? sans : "?", dane_clause);
    free(sans);
    break;
  }
  case SD_C_CERT_UNTRUSTED:
    sd_finding_set_remedy(f, "install a certificate for %s from a CA that senders trust, and serve the "
                             "intermediate certificates; a self-signed certificate satisfies DANE but "
                             "not MTA-STS%s", h, dane_clause);
    break;
  default:
    sd_finding_set_remedy(f, "install a certificate chain for %s that validates against public roots%s",
                          h, dane_clause);
    break;
  }
}

/* WebPKI problems matter only where MTA-STS applies: a self-signed
 * certificate is fine for a DANE-only or opportunistic domain. */
static void pkix_findings(sd_domain_result *r, const sd_mx_result *mx, const sd_addr_result *a,
                          const char *where, time_t now) {
  if (!sd_vi_sts_applies(r) || !a->pkix_checked) return;
  if (a->pkix.valid) {
    if (a->pkix.leaf_not_after > 0 && now > 0 && a->pkix.leaf_not_after - now < SD_EXPIRES_SOON_SECONDS) {
      char date[32];
      format_date(a->pkix.leaf_not_after, date);
      sd_finding *f = sd_findings_add(&r->findings, SD_C_CERT_EXPIRES_SOON, where,
                                      "the certificate of %s expires on %s", host_of(mx), date);
      set_cert_remedy(f, SD_C_CERT_EXPIRES_SOON, r, mx, a);
    }
    return;
  }
  size_t n = a->pkix.error_count < SD_PKIX_MAX_ERRORS ? a->pkix.error_count : SD_PKIX_MAX_ERRORS;
  if (n == 0) {
    sd_finding *f = sd_findings_add(&r->findings, SD_C_CERT_INVALID, where,
                                    "the certificate chain of %s fails WebPKI validation", host_of(mx));
    set_cert_remedy(f, SD_C_CERT_INVALID, r, mx, a);
    return;
  }
  for (size_t k = 0; k < n; k++) {
    sd_code code = is_cert_code(a->pkix.codes[k]) ? a->pkix.codes[k] : SD_C_CERT_INVALID;
    char *detail = sd_quote_sentence(a->pkix.details[k] ? a->pkix.details[k] : sd_code_lookup(code)->summary,
                                  SD_DETAIL_MAX);
    sd_finding *f = sd_findings_add(&r->findings, code, where, "%s: %s", host_of(mx), detail ? detail : "");
    set_cert_remedy(f, code, r, mx, a);
    free(detail);
  }
}

static int is_dane_code(sd_code c) {
  return c == SD_C_DANE_TLSA_MISMATCH || c == SD_C_DANE_TA_NAME_MISMATCH ||
         c == SD_C_DANE_TA_EXPIRED || c == SD_C_DANE_VALIDATION_FAILED;
}

static void dane_findings(sd_domain_result *r, const sd_mx_result *mx, const sd_addr_result *a,
                          const char *where) {
  if (!a->dane_checked || a->dane.valid || !sd_vi_mx_dane_required(r, mx)) return;
  sd_code code = is_dane_code(a->dane.code) ? a->dane.code : SD_C_DANE_VALIDATION_FAILED;
  char *why = sd_quote_sentence(a->dane.detail ? a->dane.detail : "", SD_DETAIL_MAX);
  char *line = sd_vi_tlsa_record_line(mx);
  const char *ip = a->ip ? a->ip : "?";
  sd_finding *f = NULL;
  switch (code) {
  case SD_C_DANE_TLSA_MISMATCH:
    sd_vi_dane_mismatch_finding(r, mx, a, where);
    break;
  case SD_C_DANE_TA_NAME_MISMATCH:
    if (strcmp(tlsa_base_of(mx), host_of(mx)) == 0)
      f = sd_findings_add(&r->findings, code, where,
                          "the DANE-TA record matched, but the certificate of %s (%s) does not name %s%s%s",
                          host_of(mx), ip, host_of(mx), why && *why ? ": " : "", why ? why : "");
    else
      f = sd_findings_add(&r->findings, code, where,
                          "the DANE-TA record matched, but the certificate of %s (%s) names neither %s nor %s%s%s",
                          host_of(mx), ip, tlsa_base_of(mx), host_of(mx), why && *why ? ": " : "", why ? why : "");
    if (line)
      sd_finding_set_remedy(f, "serve a certificate whose DNS names include %s, or %s", tlsa_base_of(mx), line);
    else
      sd_finding_set_remedy(f, "serve a certificate whose DNS names include %s", tlsa_base_of(mx));
    break;
  case SD_C_DANE_TA_EXPIRED:
    f = sd_findings_add(&r->findings, code, where,
                        "the DANE-TA record matched, but a certificate %s (%s) serves has expired%s%s",
                        host_of(mx), ip, why && *why ? ": " : "", why ? why : "");
    sd_finding_set_remedy(f, "renew the expired certificate in the chain %s serves (DANE-TA enforces validity)",
                          host_of(mx));
    break;
  default:
    f = sd_findings_add(&r->findings, code, where, "DANE authentication of %s (%s) failed%s%s",
                        host_of(mx), ip, why && *why ? ": " : "", why ? why : "");
    if (line) sd_finding_set_remedy(f, "%s", line);
    break;
  }
  free(why);
  free(line);
}

/* One SMTP-level finding per address: the first step that failed. */
static void probe_findings(sd_domain_result *r, const sd_mx_result *mx, const sd_addr_result *a,
                           const char *where, time_t now) {
  const char *ip = a->ip ? a->ip : "?";
  char *detail = sd_quote_sentence(a->probe.detail ? a->probe.detail : "", SD_DETAIL_MAX);
  const char *d = detail ? detail : "";
  const char *sep = *d ? ": " : "";
  sd_finding *f;
  switch (a->probe.status) {
  case SD_PROBE_CONNECT_REFUSED:
  case SD_PROBE_CONNECT_FAILED:
    f = sd_findings_add(&r->findings, SD_C_SMTP_CONNECT_FAILED, where,
                        "TCP connection to %s port 25 (%s) failed%s%s", ip, host_of(mx), sep, d);
    sd_finding_set_remedy(f, "make %s accept TCP connections on port 25 from the Internet, or remove it "
                             "from the address records of %s", ip, host_of(mx));
    break;
  case SD_PROBE_TIMEOUT:
    sd_findings_add(&r->findings, SD_C_SMTP_TIMEOUT, where, "%s (%s) did not answer in time at step %s%s%s",
                    ip, host_of(mx), a->probe.failed_step ? a->probe.failed_step : "?", sep, d);
    break;
  case SD_PROBE_BANNER_REJECT: {
    char *banner = sd_quote_sentence(a->probe.banner, 200);
    sd_findings_add(&r->findings, SD_C_SMTP_BANNER_REJECT, where, "%s (%s) greets with a rejection: %s",
                    ip, host_of(mx), banner && *banner ? banner : "(no text)");
    free(banner);
    break;
  }
  case SD_PROBE_PROTOCOL_ERROR:
    sd_findings_add(&r->findings, SD_C_SMTP_PROTOCOL_ERROR, where,
                    "%s (%s) broke the SMTP protocol at step %s%s%s", ip, host_of(mx),
                    a->probe.failed_step ? a->probe.failed_step : "?", sep, d);
    break;
  case SD_PROBE_NO_STARTTLS:
  case SD_PROBE_STARTTLS_REJECTED:
    starttls_findings(r, mx, a, where);
    break;
  case SD_PROBE_TLS_FAILED:
    f = sd_findings_add(&r->findings, SD_C_SMTP_TLS_HANDSHAKE_FAILED, where,
                        "the TLS handshake with %s (%s) after STARTTLS failed%s%s", ip, host_of(mx), sep, d);
    sd_finding_set_remedy(f, "check the TLS configuration of %s: it must complete a TLS 1.2 or 1.3 "
                             "handshake with SNI %s", host_of(mx), tlsa_base_of(mx));
    break;
  case SD_PROBE_OK:
    if (tls_version_is_old(a->probe.tls_version)) {
      char *v = sd_quote_sentence(a->probe.tls_version, 32);
      f = sd_findings_add(&r->findings, SD_C_SMTP_TLS_OLD_VERSION, where,
                          "%s (%s) negotiated %s", ip, host_of(mx), v ? v : "?");
      sd_finding_set_remedy(f, "enable TLS 1.2 and 1.3 on %s", host_of(mx));
      free(v);
    }
    pkix_findings(r, mx, a, where, now);
    dane_findings(r, mx, a, where);
    break;
  }
  free(detail);
}

void sd_vi_mx_findings(sd_domain_result *r, const sd_mx_result *mx, time_t now) {
  char *where = sd_vi_where_mx(mx);
  if (!where) return;
  address_findings(r, mx, where);
  tlsa_findings(r, mx, where);
  sts_mismatch_finding(r, mx, where, now);
  no_next_key_finding(r, mx, where);
  for (size_t i = 0; i < mx->addr_count && mx->addrs; i++) {
    const sd_addr_result *a = &mx->addrs[i];
    if (!a->probed) continue;
    char *aw = sd_vi_where_addr(mx, a);
    if (aw) probe_findings(r, mx, a, aw, now);
    free(aw);
  }
  free(where);
}
