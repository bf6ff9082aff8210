/* Shared pieces of the verdict engine's source files (not a public API). */
#ifndef SD_COMPARE_VERDICT_INTERNAL_H
#define SD_COMPARE_VERDICT_INTERNAL_H

#include <stddef.h>
#include <time.h>

#include "compare/verdict.h"
#include "result/result.h"
#include "util/escape.h" /* sd_quote_sentence for remote text in details */

/* --- facts.c: questions about the measured facts ----------------------- */

/* Reachability of one MX host for any sender. */
typedef enum sd_mx_reach {
  SD_REACH_YES = 0,  /* some address answered with an SMTP greeting */
  SD_REACH_ASSUMED,  /* no address was probed (--no-smtp): assumed reachable */
  SD_REACH_NO,       /* refused / unreachable / no address */
  SD_REACH_UNKNOWN,  /* timeouts or a failed address lookup: cannot tell */
} sd_mx_reach;

int sd_vi_dnssec_failed(sd_dnssec s);          /* bogus or indeterminate */
int sd_vi_addr_greeted(const sd_addr_result *a); /* probed and got an SMTP greeting */
int sd_vi_addr_tls_ok(const sd_addr_result *a);  /* probed and STARTTLS + handshake completed */
int sd_vi_addr_pkix_ok(const sd_addr_result *a); /* TLS ok and WebPKI check passed */
int sd_vi_addr_starttls_missing(const sd_addr_result *a); /* not offered or refused */
sd_mx_reach sd_vi_mx_reach(const sd_mx_result *mx);
int sd_vi_mx_any_tls_ok(const sd_mx_result *mx);
/* The policy is VALID and mode enforce: senders refuse failing MX hosts. */
int sd_vi_sts_active(const sd_domain_result *r);
/* The policy is VALID and mode enforce or testing: senders check and report. */
int sd_vi_sts_applies(const sd_domain_result *r);
/* The MX has a DNSSEC-secure TLSA RRset with data under a secure MX RRset
 * and secure address (usable or not): DANE makes TLS mandatory there. */
int sd_vi_mx_tlsa_secure(const sd_domain_result *r, const sd_mx_result *mx);
/* ... and at least one record is usable: DANE authentication is required. */
int sd_vi_mx_dane_required(const sd_domain_result *r, const sd_mx_result *mx);
/* The served leaf certificate of the first address that has one, or NULL. */
const sd_cert_der *sd_vi_mx_served_leaf(const sd_mx_result *mx);
/* 1 when some named (not IP-literal) MX host matches the policy pattern. */
int sd_vi_pattern_covers_some_mx(const sd_domain_result *r, const char *pattern);
/* Null MX, or no MX host with an address (implicit MX without address). */
int sd_vi_domain_no_mail(const sd_domain_result *r);
/* where strings "mx:<host>" and "mx:<host>/<ip>"; caller frees. */
char *sd_vi_where_mx(const sd_mx_result *mx);
char *sd_vi_where_addr(const sd_mx_result *mx, const sd_addr_result *a);
/* "bogus" or "bogus: <the validator's reason>" (printable, bounded), for
 * finding details; caller frees. Never NULL but when out of memory. */
char *sd_vi_dnssec_detail(sd_dnssec s, const char *why_bogus);

/* --- mx_dane.c ---------------------------------------------------------- */
sd_mx_dane sd_vi_mx_dane_fate(const sd_domain_result *r, const sd_mx_result *mx);
sd_dane_status sd_vi_dane_status(const sd_domain_result *r);
sd_sts_status sd_vi_sts_status(const sd_domain_result *r);

/* --- profiles.c --------------------------------------------------------- */
/* Fills profiles[], protected_by and unknown_reason (mx[].dane must be set). */
void sd_vi_derive_profiles(sd_domain_result *r);
/* The outcome of a walk over decisions[0..n) (MX hosts sorted by preference,
 * prefs[i] their preferences). */
sd_outcome sd_vi_walk_outcome(const sd_mx_decision *decisions, const int *prefs, size_t n);

/* --- conflicts.c -------------------------------------------------------- */
void sd_vi_derive_conflicts(sd_domain_result *r);
int sd_vi_has_conflict(const sd_domain_result *r, const char *code);

/* --- findings_domain.c / findings_mx.c --------------------------------- */
void sd_vi_domain_findings(sd_domain_result *r, time_t now);
void sd_vi_mx_findings(sd_domain_result *r, const sd_mx_result *mx, time_t now);
/* dane-tlsa-mismatch at address a, explained with the whole RRset (findings_dane_mismatch.c). */
void sd_vi_dane_mismatch_finding(sd_domain_result *r, const sd_mx_result *mx, const sd_addr_result *a,
                                 const char *where);

/* --- remedy.c ----------------------------------------------------------- */
/* "YYYYMMDDhhmmss" (UTC) of now into out[15]. */
void sd_vi_sts_new_id(time_t now, char out[15]);
/* The mx lines that cover the current MX set plus the new-id instruction. */
char *sd_vi_remedy_sts_mx_lines(const sd_domain_result *r, time_t now);
/* "publish _25._tcp.<base> IN TLSA 3 1 1 <hex> ..." for the key mx serves, or
 * NULL when no chain was seen. */
char *sd_vi_tlsa_record_line(const sd_mx_result *mx);

#endif
