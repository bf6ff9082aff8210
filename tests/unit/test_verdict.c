/*
 * Unit tests for the verdict engine (src/compare/). The measured facts are
 * built by hand, the way src/core/evaluate.c fills them, for every scenario
 * of the public catalogue (../shared/scenarios/catalogue.json) and for the
 * edge cases the catalogue does not cover.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/crypto.h>

#include "compare/verdict.h"
#include "compare/verdict_internal.h"
#include "result/result.h"
#include "tls_fixtures.h"
#include "util/str.h"

#define NOW ((time_t)1704164645) /* 2024-01-02 03:04:05 UTC */

/* The certificate every successful probe serves (made once per run). */
static uint8_t *g_der;
static size_t g_der_len;

/* ------------------------------------------------------------ builder */

typedef enum { P_OK = 0, P_NOT_PROBED, P_NO_STARTTLS, P_STARTTLS_REJECTED, P_REFUSED, P_TIMEOUT,
               P_TLS_FAILED, P_BANNER, P_PROTOCOL, P_OLD_TLS } probe_kind;
typedef enum { C_OK = 0, C_EXPIRED, C_NAME, C_SELF, C_SOON } cert_kind;
/* T_DEFAULT: NXDOMAIN (secure in a signed zone, insecure otherwise). */
typedef enum { T_DEFAULT = 0, T_NOT_QUERIED, T_EE, T_EE_NEXT, T_TA, T_UNUSABLE, T_SERVFAIL, T_BOGUS,
               T_INSECURE_EE, T_MALFORMED_WEAKER } tlsa_kind;
typedef enum { D_OK = 0, D_MISMATCH, D_PARAMS, D_TA_NAME, D_TA_EXPIRED, D_OTHER } dane_kind;
typedef enum { S_ABSENT = 0, S_ENFORCE, S_TESTING, S_NONE, S_REC_INVALID, S_FETCH_FAIL, S_POLICY_INVALID,
               S_LOOKUP_ERROR } sts_kind;
typedef enum { A_OK = 0, A_BOGUS, A_ERROR, A_NONE } addr_kind;

typedef struct mx_spec {
  const char *host;
  int pref;
  const char *ip;    /* default 192.0.2.<n> */
  const char *ip2;   /* optional second address (same probe/cert/dane facts) */
  probe_kind probe;
  probe_kind probe2; /* for ip2 */
  cert_kind cert;
  tlsa_kind tlsa;
  dane_kind dane;
  addr_kind addr;
  const char *cname; /* secure CNAME target, used as TLSA base */
  int ip_literal;
} mx_spec;

typedef struct scenario {
  const char *domain;
  int is_signed;
  int mx_bogus;
  int null_mx;
  int missing_ds;
  int implicit;
  sts_kind sts;
  const char *patterns[4]; /* default: every MX host */
  int tlsrpt;              /* 0 absent, 1 valid, 2 invalid */
  const char *prior[3];    /* findings the parsers/fetch already added */
  mx_spec mx[3];
  /* expectations */
  const char *e_sts;
  const char *e_dane; /* "a|b": either */
  const char *e_prof[4];
  const char *e_by;
  const char *e_types[3];
  const char *e_conflicts[3];
  const char *e_codes[4];  /* must appear */
  const char *e_absent[4]; /* must not appear */
} scenario;

static size_t count_mx(const scenario *s) {
  size_t n = 0;
  while (n < 3 && s->mx[n].host) n++;
  return n;
}

static sd_dnssec zone_dnssec(const scenario *s) {
  return s->is_signed ? SD_DNSSEC_SECURE : SD_DNSSEC_INSECURE;
}

static void add_tlsa(sd_mx_result *mx, int usage, int selector, int mtype, size_t len, sd_tlsa_usability st) {
  size_t i = mx->tlsa_count++;
  mx->tlsa = realloc(mx->tlsa, mx->tlsa_count * sizeof(*mx->tlsa));
  mx->tlsa_status = realloc(mx->tlsa_status, mx->tlsa_count * sizeof(*mx->tlsa_status));
  assert_non_null(mx->tlsa);
  assert_non_null(mx->tlsa_status);
  mx->tlsa[i] = (sd_tlsa){.usage = (uint8_t)usage, .selector = (uint8_t)selector, .mtype = (uint8_t)mtype};
  mx->tlsa[i].data = calloc(len ? len : 1, 1);
  mx->tlsa[i].data_len = len;
  memset(mx->tlsa[i].data, 0xab + (int)i, len);
  mx->tlsa_status[i] = st;
  if (st == SD_TLSA_USABLE) mx->tlsa_usable++;
}

static void fill_tlsa(const scenario *s, const mx_spec *ms, sd_mx_result *mx) {
  if (ms->tlsa == T_NOT_QUERIED) return;
  mx->tlsa_queried = 1;
  mx->tlsa_base = sd_strdup(ms->cname ? ms->cname : ms->host);
  mx->tlsa_dnssec = zone_dnssec(s);
  mx->tlsa_lookup = SD_LOOKUP_OK;
  switch (ms->tlsa) {
  case T_DEFAULT: mx->tlsa_lookup = SD_LOOKUP_NXDOMAIN; break;
  case T_EE: add_tlsa(mx, 3, 1, 1, 32, SD_TLSA_USABLE); break;
  case T_EE_NEXT:
    add_tlsa(mx, 3, 1, 1, 32, SD_TLSA_USABLE);
    add_tlsa(mx, 3, 1, 1, 32, SD_TLSA_USABLE);
    break;
  case T_TA: add_tlsa(mx, 2, 1, 1, 32, SD_TLSA_USABLE); break;
  case T_UNUSABLE: add_tlsa(mx, 1, 1, 1, 32, SD_TLSA_UNUSABLE_USAGE); break;
  case T_SERVFAIL:
    mx->tlsa_lookup = SD_LOOKUP_ERROR;
    mx->tlsa_dnssec = SD_DNSSEC_INDETERMINATE;
    break;
  case T_BOGUS:
    mx->tlsa_dnssec = SD_DNSSEC_BOGUS;
    add_tlsa(mx, 3, 1, 1, 32, SD_TLSA_USABLE);
    break;
  case T_INSECURE_EE:
    mx->tlsa_dnssec = SD_DNSSEC_INSECURE;
    add_tlsa(mx, 3, 1, 1, 32, SD_TLSA_USABLE);
    break;
  case T_MALFORMED_WEAKER:
    add_tlsa(mx, 3, 1, 2, 64, SD_TLSA_USABLE);
    add_tlsa(mx, 3, 1, 1, 32, SD_TLSA_WEAKER_DIGEST);
    add_tlsa(mx, 3, 1, 1, 7, SD_TLSA_MALFORMED);
    break;
  default: break;
  }
}

static void fill_pkix(const mx_spec *ms, sd_addr_result *a) {
  a->pkix_checked = 1;
  a->pkix.leaf_not_after = NOW + 90 * 86400;
  a->pkix.leaf_sans = sd_strdup(ms->host);
  a->pkix.valid = ms->cert == C_OK || ms->cert == C_SOON;
  if (ms->cert == C_SOON) a->pkix.leaf_not_after = NOW + 3 * 86400;
  if (a->pkix.valid) return;
  a->pkix.error_count = 1;
  switch (ms->cert) {
  case C_EXPIRED:
    a->pkix.codes[0] = SD_C_CERT_EXPIRED;
    a->pkix.details[0] = sd_strdup("certificate has expired (depth 0)");
    a->pkix.leaf_not_after = NOW - 86400;
    break;
  case C_NAME:
    a->pkix.codes[0] = SD_C_CERT_HOST_MISMATCH;
    a->pkix.details[0] = sd_strdup("no SAN matches");
    free(a->pkix.leaf_sans);
    a->pkix.leaf_sans = sd_strdup("other.test");
    break;
  default:
    a->pkix.codes[0] = SD_C_CERT_UNTRUSTED;
    a->pkix.details[0] = sd_strdup("self-signed certificate (depth 0)");
    break;
  }
}

static void fill_dane(const mx_spec *ms, sd_addr_result *a) {
  a->dane_checked = 1;
  a->dane.match_depth = -1;
  a->dane.valid = ms->dane == D_OK;
  if (a->dane.valid) {
    a->dane.match_depth = 0;
    a->dane.matched = sd_strdup(ms->tlsa == T_TA ? "2 1 1 ab" : "3 1 1 ab");
    return;
  }
  static const sd_code codes[] = {[D_MISMATCH] = SD_C_DANE_TLSA_MISMATCH, [D_PARAMS] = SD_C_DANE_TLSA_MISMATCH,
                                  [D_TA_NAME] = SD_C_DANE_TA_NAME_MISMATCH, [D_TA_EXPIRED] = SD_C_DANE_TA_EXPIRED,
                                  [D_OTHER] = SD_C_DANE_VALIDATION_FAILED};
  a->dane.code = codes[ms->dane];
  a->dane.params_wrong = ms->dane == D_PARAMS;
  a->dane.detail = sd_strdup("verify error");
}

static void fill_probe(const scenario *s, const mx_spec *ms, sd_mx_result *mx, sd_addr_result *a,
                       probe_kind kind) {
  (void)s;
  if (kind == P_NOT_PROBED) return;
  a->probed = 1;
  sd_probe_result *p = &a->probe;
  p->ip = sd_strdup(a->ip);
  p->port = 25;
  p->sni = sd_strdup(mx->host);
  p->banner_code = 220;
  p->banner = sd_strdup("220 mx ESMTP");
  p->starttls_offered = 1;
  static const sd_probe_status st[] = {
      [P_OK] = SD_PROBE_OK, [P_NO_STARTTLS] = SD_PROBE_NO_STARTTLS,
      [P_STARTTLS_REJECTED] = SD_PROBE_STARTTLS_REJECTED, [P_REFUSED] = SD_PROBE_CONNECT_REFUSED,
      [P_TIMEOUT] = SD_PROBE_TIMEOUT, [P_TLS_FAILED] = SD_PROBE_TLS_FAILED,
      [P_BANNER] = SD_PROBE_BANNER_REJECT, [P_PROTOCOL] = SD_PROBE_PROTOCOL_ERROR, [P_OLD_TLS] = SD_PROBE_OK};
  p->status = st[kind];
  if (kind == P_NO_STARTTLS) p->starttls_offered = 0;
  if (kind == P_REFUSED) p->detail = sd_strdup("connection refused");
  if (kind == P_TIMEOUT) p->failed_step = "connect";
  if (kind == P_BANNER) {
    free(p->banner);
    p->banner = sd_strdup("554 go away \x1b[31mred\x07");
    p->banner_code = 554;
  }
  if (p->status != SD_PROBE_OK) return;
  p->tls_version = sd_strdup(kind == P_OLD_TLS ? "TLSv1" : "TLSv1.3");
  assert_int_equal(sd_chain_append(&p->chain, g_der, g_der_len), 0);
  fill_pkix(ms, a);
  /* As the evaluator: DANE runs with usable, secure TLSA and a chain. */
  if (mx->tlsa_usable > 0 && mx->tlsa_dnssec == SD_DNSSEC_SECURE) fill_dane(ms, a);
}

static void add_addr(const scenario *s, const mx_spec *ms, sd_mx_result *mx, const char *ip, probe_kind kind) {
  mx->addrs = realloc(mx->addrs, (mx->addr_count + 1) * sizeof(*mx->addrs));
  assert_non_null(mx->addrs);
  sd_addr_result *a = &mx->addrs[mx->addr_count++];
  memset(a, 0, sizeof(*a));
  a->ip = sd_strdup(ip);
  a->family = strchr(ip, ':') ? 6 : 4;
  a->dnssec = mx->addr_dnssec;
  fill_probe(s, ms, mx, a, kind);
}

static void fill_mx(const scenario *s, size_t i, sd_domain_result *r) {
  const mx_spec *ms = &s->mx[i];
  sd_mx_result *mx = &r->mx[i];
  mx->host = sd_strdup(ms->host);
  mx->preference = ms->pref;
  mx->sts_match = -1;
  mx->is_ip_literal = ms->ip_literal;
  mx->addr_lookup = SD_LOOKUP_OK;
  mx->addr_dnssec = zone_dnssec(s);
  if (ms->cname) {
    mx->cname_target = sd_strdup(ms->cname);
    mx->cname_dnssec = SD_DNSSEC_SECURE;
  }
  if (ms->addr == A_BOGUS) mx->addr_dnssec = SD_DNSSEC_BOGUS;
  if (ms->addr == A_ERROR || ms->addr == A_NONE) {
    mx->addr_lookup = ms->addr == A_ERROR ? SD_LOOKUP_ERROR : SD_LOOKUP_NXDOMAIN;
    if (ms->addr == A_ERROR) mx->addr_dnssec = SD_DNSSEC_INDETERMINATE;
    return; /* no address: no TLSA query, no probe (as the evaluator) */
  }
  fill_tlsa(s, ms, mx);
  char ip[32];
  snprintf(ip, sizeof(ip), "192.0.2.%zu", i + 10);
  add_addr(s, ms, mx, ms->ip_literal ? ms->host : ms->ip ? ms->ip : ip, ms->probe);
  if (ms->ip2) add_addr(s, ms, mx, ms->ip2, ms->probe2);
}

static void fill_policy(const scenario *s, sd_domain_result *r) {
  r->sts_record.status = SD_STS_RECORD_VALID;
  r->policy_fetched = 1;
  r->policy.valid = 1;
  r->policy.max_age = 604800;
  r->policy.mode = s->sts == S_TESTING ? SD_STS_MODE_TESTING
                   : s->sts == S_NONE  ? SD_STS_MODE_NONE
                                       : SD_STS_MODE_ENFORCE;
  if (s->sts == S_REC_INVALID) r->sts_record.status = SD_STS_RECORD_INVALID;
  if (s->sts == S_FETCH_FAIL) {
    r->fetch.error = SD_FETCH_HTTP_STATUS;
    r->policy.valid = 0;
  }
  if (s->sts == S_POLICY_INVALID) r->policy.valid = 0;
  if (s->sts == S_NONE) return;
  size_t n = 0;
  char **mx = calloc(4, sizeof(char *));
  assert_non_null(mx);
  if (s->patterns[0]) {
    while (n < 4 && s->patterns[n]) { mx[n] = sd_strdup(s->patterns[n]); n++; }
  } else {
    for (size_t i = 0; i < count_mx(s); i++) mx[n++] = sd_strdup(s->mx[i].host);
  }
  r->policy.mx = mx;
  r->policy.mx_count = n;
}

/* As evaluate.c's match_mx_against_policy. */
static void match_policy(sd_domain_result *r) {
  if (!r->policy.valid) return;
  for (size_t i = 0; i < r->mx_count; i++) {
    r->mx[i].sts_match = sd_sts_policy_covers(&r->policy, r->mx[i].host);
    if (!r->mx[i].sts_match) r->mx[i].mismatch = sd_sts_mismatch_classify(&r->policy, r->mx[i].host, r->domain);
  }
}

static sd_domain_result *build(const scenario *s) {
  sd_domain_result *r = calloc(1, sizeof(*r));
  assert_non_null(r);
  r->domain = sd_strdup(s->domain);
  r->scanned_at = NOW;
  r->mx_lookup = SD_LOOKUP_OK;
  r->mx_dnssec = s->mx_bogus ? SD_DNSSEC_BOGUS : zone_dnssec(s);
  r->dnskey_without_ds = s->missing_ds;
  r->implicit_mx = s->implicit;
  if (s->null_mx) {
    r->null_mx = 1;
  } else {
    size_t n = count_mx(s);
    r->mx = calloc(n ? n : 1, sizeof(*r->mx));
    assert_non_null(r->mx);
    r->mx_count = n;
    for (size_t i = 0; i < n; i++) fill_mx(s, i, r);
  }
  if (s->sts == S_LOOKUP_ERROR) r->sts_txt_lookup = SD_LOOKUP_ERROR;
  else if (s->sts != S_ABSENT) fill_policy(s, r);
  match_policy(r);
  r->tlsrpt.status = s->tlsrpt == 1 ? SD_TLSRPT_VALID : s->tlsrpt == 2 ? SD_TLSRPT_INVALID : SD_TLSRPT_ABSENT;
  for (size_t i = 0; i < 3 && s->prior[i]; i++) {
    sd_code c = sd_code_by_name(s->prior[i]);
    assert_int_not_equal(c, SD_C__COUNT);
    sd_findings_add(&r->findings, c, "policy", "reported by the parser");
  }
  return r;
}

static void destroy(sd_domain_result *r) {
  sd_domain_result_free(r);
  free(r);
}

/* ------------------------------------------------------------ checks */

static int has_code(const sd_domain_result *r, const char *name) {
  return sd_findings_has(&r->findings, sd_code_by_name(name));
}

static const sd_finding *find_code(const sd_domain_result *r, sd_code code) {
  for (size_t i = 0; i < r->findings.count; i++)
    if (r->findings.items[i].code == code) return &r->findings.items[i];
  return NULL;
}

static size_t count_code(const sd_domain_result *r, sd_code code) {
  size_t n = 0;
  for (size_t i = 0; i < r->findings.count; i++) n += r->findings.items[i].code == code;
  return n;
}

static int has_tlsrpt_type(const sd_domain_result *r, const char *type) {
  for (size_t i = 0; i < r->findings.count; i++) {
    const char *t = sd_code_lookup(r->findings.items[i].code)->tlsrpt;
    if (t && strcmp(t, type) == 0) return 1;
  }
  return 0;
}

static int one_of(const char *options, const char *value) {
  size_t n = strlen(value);
  for (const char *p = options; p && *p;) {
    const char *bar = strchr(p, '|');
    size_t len = bar ? (size_t)(bar - p) : strlen(p);
    if (len == n && strncmp(p, value, n) == 0) return 1;
    p = bar ? bar + 1 : NULL;
  }
  return 0;
}

static void check_scenario(const scenario *s) {
  sd_domain_result *r = build(s);
  sd_verdict_derive(r, NOW);
  const char *d = s->domain;
  if (strcmp(sd_sts_status_name(r->sts_status), s->e_sts) != 0)
    fail_msg("%s: mtasts status %s, expected %s", d, sd_sts_status_name(r->sts_status), s->e_sts);
  if (!one_of(s->e_dane, sd_dane_status_name(r->dane_status)))
    fail_msg("%s: dane status %s, expected %s", d, sd_dane_status_name(r->dane_status), s->e_dane);
  for (int p = 0; p < SD_PROFILE__COUNT; p++)
    if (strcmp(sd_outcome_name(r->profiles[p]), s->e_prof[p]) != 0)
      fail_msg("%s: profile %s is %s, expected %s (reason: %s)", d, sd_profile_name((sd_profile)p),
               sd_outcome_name(r->profiles[p]), s->e_prof[p], r->unknown_reason ? r->unknown_reason : "-");
  if (strcmp(sd_protected_by_name(r->protected_by), s->e_by) != 0)
    fail_msg("%s: protected_by %s, expected %s", d, sd_protected_by_name(r->protected_by), s->e_by);
  for (size_t i = 0; i < 3 && s->e_types[i]; i++)
    if (!has_tlsrpt_type(r, s->e_types[i])) fail_msg("%s: no finding of RFC 8460 type %s", d, s->e_types[i]);
  size_t expected_conflicts = 0;
  for (size_t i = 0; i < 3 && s->e_conflicts[i]; i++, expected_conflicts++)
    if (!sd_vi_has_conflict(r, s->e_conflicts[i])) fail_msg("%s: conflict %s missing", d, s->e_conflicts[i]);
  if (r->conflict_count != expected_conflicts)
    fail_msg("%s: %zu conflicts (first %s), expected %zu", d, r->conflict_count,
             r->conflict_count ? r->conflicts[0].code : "-", expected_conflicts);
  for (size_t i = 0; i < r->conflict_count; i++) assert_non_null(r->conflicts[i].detail);
  for (size_t i = 0; i < 4 && s->e_codes[i]; i++)
    if (!has_code(r, s->e_codes[i])) fail_msg("%s: finding %s missing", d, s->e_codes[i]);
  for (size_t i = 0; i < 4 && s->e_absent[i]; i++)
    if (has_code(r, s->e_absent[i])) fail_msg("%s: finding %s must not appear", d, s->e_absent[i]);
  /* Every finding is well-formed. */
  for (size_t i = 0; i < r->findings.count; i++) {
    assert_non_null(r->findings.items[i].where);
    assert_non_null(r->findings.items[i].detail);
  }
  destroy(r);
}

/* ------------------------------------------------------------ catalogue */

#define U "unprotected"
#define P "protected"
#define F "fail"
#define PA "partial"
#define NM "no-mail"
#define MX1(d) "mx1." d
#define MX2(d) "mx2." d

#define STS_GOOD(name, ...) \
  {.domain = name, .sts = S_ENFORCE, .tlsrpt = 1, .mx = {{.host = MX1(name), .pref = 10}}, \
   .e_sts = "valid", .e_dane = "insecure", .e_prof = {U, P, U, P}, .e_by = "mta-sts", __VA_ARGS__}
#define STS_BROKEN(name, kind, prior_code, type) \
  {.domain = name, .sts = kind, .prior = {prior_code}, .mx = {{.host = MX1(name), .pref = 10}}, \
   .e_sts = "invalid", .e_dane = "insecure", .e_prof = {U, U, U, U}, .e_by = "none", .e_types = {type}, \
   .e_absent = {"tlsrpt-missing"}}
#define STS_MX_FAIL(name, type, ...) \
  {.domain = name, .sts = S_ENFORCE, .tlsrpt = 1, .e_sts = "valid", .e_dane = "insecure", \
   .e_prof = {U, F, U, F}, .e_by = "none", .e_types = {type}, __VA_ARGS__}
#define DANE_OK(name, ...) \
  {.domain = name, .is_signed = 1, .e_sts = "absent", .e_dane = "valid", .e_prof = {U, U, P, P}, \
   .e_by = "dane", __VA_ARGS__}
#define DANE_FAIL(name, status, type, ...) \
  {.domain = name, .is_signed = 1, .e_sts = "absent", .e_dane = status, .e_prof = {U, U, F, F}, \
   .e_by = "none", .e_types = {type}, __VA_ARGS__}

static const scenario catalogue[] = {
    STS_GOOD("sts-enforce-good.test", .e_absent = {"tlsrpt-missing", "sts-mx-mismatch"}),
    {.domain = "sts-testing.test", .sts = S_TESTING, .tlsrpt = 1, .mx = {{.host = MX1("sts-testing.test"), .pref = 10}},
     .e_sts = "valid", .e_dane = "insecure", .e_prof = {U, U, U, U}, .e_by = "none"},
    {.domain = "sts-none.test", .sts = S_NONE, .tlsrpt = 1, .mx = {{.host = MX1("sts-none.test"), .pref = 10}},
     .e_sts = "valid", .e_dane = "insecure", .e_prof = {U, U, U, U}, .e_by = "none",
     .e_absent = {"sts-mx-mismatch"}},
    {.domain = "sts-absent.test", .mx = {{.host = MX1("sts-absent.test"), .pref = 10}}, .e_sts = "absent",
     .e_dane = "insecure", .e_prof = {U, U, U, U}, .e_by = "none", .e_absent = {"tlsrpt-missing"}},
    STS_BROKEN("sts-record-multiple.test", S_REC_INVALID, "sts-record-multiple", NULL),
    STS_BROKEN("sts-record-bad-id.test", S_REC_INVALID, "sts-record-bad-id", NULL),
    STS_BROKEN("sts-record-no-id.test", S_REC_INVALID, "sts-record-no-id", NULL),
    STS_GOOD("sts-record-cname.test", .e_absent = {"tlsrpt-missing"}),
    STS_BROKEN("sts-policy-404.test", S_FETCH_FAIL, "sts-policy-http-status", "sts-policy-fetch-error"),
    STS_BROKEN("sts-policy-redirect.test", S_FETCH_FAIL, "sts-policy-redirect", "sts-policy-fetch-error"),
    STS_GOOD("sts-policy-content-type.test", .prior = {"sts-policy-content-type"}),
    STS_BROKEN("sts-policy-cert-name.test", S_FETCH_FAIL, "sts-policy-tls-name", "sts-webpki-invalid"),
    STS_BROKEN("sts-policy-cert-expired.test", S_FETCH_FAIL, "sts-policy-tls-expired", "sts-webpki-invalid"),
    STS_BROKEN("sts-policy-cert-selfsigned.test", S_FETCH_FAIL, "sts-policy-tls-untrusted", "sts-webpki-invalid"),
    STS_BROKEN("sts-policy-syntax.test", S_POLICY_INVALID, "sts-policy-max-age", "sts-policy-invalid"),
    STS_BROKEN("sts-policy-max-age-range.test", S_POLICY_INVALID, "sts-policy-max-age", "sts-policy-invalid"),
    STS_BROKEN("sts-policy-bad-mx-pattern.test", S_POLICY_INVALID, "sts-policy-bad-mx-pattern", "sts-policy-invalid"),
    STS_BROKEN("sts-policy-too-large.test", S_FETCH_FAIL, "sts-policy-too-large", "sts-policy-fetch-error"),
    STS_GOOD("sts-policy-lf.test", .e_absent = {"tlsrpt-missing"}),
    STS_MX_FAIL("sts-mx-mismatch.test", "validation-failure", .patterns = {"mail.elsewhere.test"},
                .mx = {{.host = MX1("sts-mx-mismatch.test"), .pref = 10}}, .e_codes = {"sts-mx-mismatch",
                "sts-mx-pattern-unused"}),
    STS_GOOD("sts-mx-wildcard.test", .patterns = {"*.sts-mx-wildcard.test"}),
    STS_MX_FAIL("sts-mx-wildcard-deep.test", "validation-failure", .patterns = {"*.sts-mx-wildcard-deep.test"},
                .mx = {{.host = "a.b.sts-mx-wildcard-deep.test", .pref = 10}}, .e_codes = {"sts-mx-mismatch"}),
    STS_MX_FAIL("sts-mx-cert-expired.test", "certificate-expired",
                .mx = {{.host = MX1("sts-mx-cert-expired.test"), .pref = 10, .cert = C_EXPIRED}}),
    STS_MX_FAIL("sts-mx-cert-name.test", "certificate-host-mismatch",
                .mx = {{.host = MX1("sts-mx-cert-name.test"), .pref = 10, .cert = C_NAME}}),
    STS_MX_FAIL("sts-mx-cert-selfsigned.test", "certificate-not-trusted",
                .mx = {{.host = MX1("sts-mx-cert-selfsigned.test"), .pref = 10, .cert = C_SELF}}),
    STS_MX_FAIL("sts-mx-no-starttls.test", "starttls-not-supported",
                .mx = {{.host = MX1("sts-mx-no-starttls.test"), .pref = 10, .probe = P_NO_STARTTLS}},
                .e_codes = {"smtp-starttls-missing"}, .e_absent = {"dane-starttls-missing"}),
    {.domain = "sts-mx-partial.test", .sts = S_ENFORCE, .tlsrpt = 1,
     .mx = {{.host = MX1("sts-mx-partial.test"), .pref = 10},
            {.host = MX2("sts-mx-partial.test"), .pref = 20, .cert = C_EXPIRED}},
     .e_sts = "valid", .e_dane = "insecure", .e_prof = {U, P, U, P}, .e_by = "mta-sts",
     .e_types = {"certificate-expired"}},
    {.domain = "sts-testing-bad-mx.test", .sts = S_TESTING, .tlsrpt = 1,
     .mx = {{.host = MX1("sts-testing-bad-mx.test"), .pref = 10, .cert = C_EXPIRED}}, .e_sts = "valid",
     .e_dane = "insecure", .e_prof = {U, U, U, U}, .e_by = "none", .e_types = {"certificate-expired"}},
    {.domain = "tlsrpt-invalid.test", .sts = S_ENFORCE, .tlsrpt = 2, .prior = {"tlsrpt-bad-rua"},
     .mx = {{.host = MX1("tlsrpt-invalid.test"), .pref = 10}}, .e_sts = "valid", .e_dane = "insecure",
     .e_prof = {U, P, U, P}, .e_by = "mta-sts", .e_absent = {"tlsrpt-missing"}},
    DANE_OK("dane-ee-good.test", .mx = {{.host = MX1("dane-ee-good.test"), .pref = 10, .tlsa = T_EE, .cert = C_SELF}},
            .e_codes = {"dane-no-next-key", "tlsrpt-missing"}, .e_absent = {"cert-untrusted", "dane-tlsa-mismatch"}),
    DANE_OK("dane-ta-good.test", .mx = {{.host = MX1("dane-ta-good.test"), .pref = 10, .tlsa = T_TA}},
            .e_absent = {"dane-no-next-key"}),
    DANE_FAIL("dane-mismatch.test", "invalid", "tlsa-invalid",
              .mx = {{.host = MX1("dane-mismatch.test"), .pref = 10, .tlsa = T_EE, .dane = D_MISMATCH, .cert = C_SELF}},
              .e_codes = {"dane-tlsa-mismatch"}),
    {.domain = "dane-unusable.test", .is_signed = 1,
     .mx = {{.host = MX1("dane-unusable.test"), .pref = 10, .tlsa = T_UNUSABLE}}, .e_sts = "absent",
     .e_dane = "invalid", .e_prof = {U, U, U, U}, .e_by = "none", .e_codes = {"dane-tlsa-unusable"}},
    {.domain = "dane-insecure.test", .mx = {{.host = MX1("dane-insecure.test"), .pref = 10, .tlsa = T_EE}},
     .e_sts = "absent", .e_dane = "insecure", .e_prof = {U, U, U, U}, .e_by = "none",
     .e_codes = {"dane-mx-insecure"}, .e_absent = {"dane-tlsa-insecure", "dane-no-next-key"}},
    {.domain = "dane-missing-ds.test", .missing_ds = 1,
     .mx = {{.host = MX1("dane-missing-ds.test"), .pref = 10, .tlsa = T_EE}}, .e_sts = "absent",
     .e_dane = "insecure", .e_prof = {U, U, U, U}, .e_by = "none", .e_codes = {"dnssec-missing-ds", "dane-mx-insecure"}},
    DANE_FAIL("dane-bogus-tlsa.test", "bogus", "dnssec-invalid",
              .mx = {{.host = MX1("dane-bogus-tlsa.test"), .pref = 10, .tlsa = T_BOGUS}}, .e_codes = {"dnssec-bogus"}),
    DANE_FAIL("dane-expired-rrsig.test", "bogus", "dnssec-invalid", .mx_bogus = 1,
              .mx = {{.host = MX1("dane-expired-rrsig.test"), .pref = 10, .addr = A_BOGUS, .tlsa = T_BOGUS}}),
    DANE_FAIL("dane-no-starttls.test", "invalid", "starttls-not-supported",
              .mx = {{.host = MX1("dane-no-starttls.test"), .pref = 10, .tlsa = T_EE, .probe = P_NO_STARTTLS}},
              .e_codes = {"dane-starttls-missing"}, .e_absent = {"smtp-starttls-missing"}),
    DANE_FAIL("dane-ta-name-mismatch.test", "invalid", "certificate-host-mismatch",
              .mx = {{.host = MX1("dane-ta-name-mismatch.test"), .pref = 10, .tlsa = T_TA, .dane = D_TA_NAME,
                      .cert = C_NAME}},
              .e_codes = {"dane-ta-name-mismatch"}, .e_absent = {"cert-host-mismatch"}),
    DANE_OK("dane-ee-expired-cert.test",
            .mx = {{.host = MX1("dane-ee-expired-cert.test"), .pref = 10, .tlsa = T_EE, .cert = C_EXPIRED}},
            .e_absent = {"cert-expired"}),
    {.domain = "dane-partial.test", .is_signed = 1,
     .mx = {{.host = MX1("dane-partial.test"), .pref = 10, .tlsa = T_EE}, {.host = MX2("dane-partial.test"), .pref = 20}},
     .e_sts = "absent", .e_dane = "partial", .e_prof = {U, U, PA, PA}, .e_by = "none",
     .e_codes = {"dane-partial-coverage"}},
    DANE_FAIL("dane-tlsa-servfail.test", "bogus|error", "dnssec-invalid",
              .mx = {{.host = MX1("dane-tlsa-servfail.test"), .pref = 10, .tlsa = T_SERVFAIL}},
              .e_codes = {"dnssec-lookup-failed"}),
    DANE_OK("dane-cname-mx.test",
            .mx = {{.host = "mx.dane-cname-mx.test", .pref = 10, .tlsa = T_EE, .cname = "smtp.provider.test"}}),
    DANE_OK("dane-rollover.test", .mx = {{.host = MX1("dane-rollover.test"), .pref = 10, .tlsa = T_EE_NEXT}},
            .e_absent = {"dane-no-next-key"}),
    DANE_OK("dane-ipv6.test", .mx = {{.host = MX1("dane-ipv6.test"), .pref = 10, .tlsa = T_EE, .ip = "2001:db8::25"}}),
    {.domain = "both-good.test", .is_signed = 1, .sts = S_ENFORCE, .tlsrpt = 1,
     .mx = {{.host = MX1("both-good.test"), .pref = 10, .tlsa = T_EE}}, .e_sts = "valid", .e_dane = "valid",
     .e_prof = {U, P, P, P}, .e_by = "both"},
    {.domain = "conflict-selfsigned.test", .is_signed = 1, .sts = S_ENFORCE,
     .mx = {{.host = MX1("conflict-selfsigned.test"), .pref = 10, .tlsa = T_EE, .cert = C_SELF}}, .e_sts = "valid",
     .e_dane = "valid", .e_prof = {U, F, P, P}, .e_by = "dane", .e_types = {"certificate-not-trusted"},
     .e_conflicts = {"sts-fails-dane-passes"}},
    {.domain = "conflict-stale-tlsa.test", .is_signed = 1, .sts = S_ENFORCE,
     .mx = {{.host = MX1("conflict-stale-tlsa.test"), .pref = 10, .tlsa = T_EE, .dane = D_MISMATCH}},
     .e_sts = "valid", .e_dane = "invalid", .e_prof = {U, P, F, F}, .e_by = "mta-sts", .e_types = {"tlsa-invalid"},
     .e_conflicts = {"dane-fails-sts-passes"}},
    {.domain = "conflict-mx-set.test", .is_signed = 1, .sts = S_ENFORCE, .patterns = {MX1("conflict-mx-set.test")},
     .mx = {{.host = MX1("conflict-mx-set.test"), .pref = 10, .tlsa = T_EE},
            {.host = MX2("conflict-mx-set.test"), .pref = 20, .tlsa = T_EE}},
     .e_sts = "valid", .e_dane = "valid", .e_prof = {U, P, P, P}, .e_by = "both", .e_conflicts = {"mx-set-mismatch"},
     .e_codes = {"sts-mx-mismatch"}},
    {.domain = "conflict-sts-testing.test", .is_signed = 1, .sts = S_TESTING,
     .mx = {{.host = MX1("conflict-sts-testing.test"), .pref = 10, .tlsa = T_EE}}, .e_sts = "valid",
     .e_dane = "valid", .e_prof = {U, U, P, P}, .e_by = "dane", .e_conflicts = {"dane-with-sts-testing"}},
    {.domain = "both-bad.test", .is_signed = 1, .sts = S_ENFORCE,
     .mx = {{.host = MX1("both-bad.test"), .pref = 10, .tlsa = T_EE, .dane = D_MISMATCH, .cert = C_EXPIRED}},
     .e_sts = "valid", .e_dane = "invalid", .e_prof = {U, F, F, F}, .e_by = "none",
     .e_types = {"tlsa-invalid", "certificate-expired"}},
    {.domain = "null-mx.test", .null_mx = 1, .e_sts = "absent", .e_dane = "insecure", .e_prof = {NM, NM, NM, NM},
     .e_by = "none", .e_codes = {"mx-null"}},
    {.domain = "mx-refused.test", .mx = {{.host = MX1("mx-refused.test"), .pref = 10, .probe = P_REFUSED}},
     .e_sts = "absent", .e_dane = "insecure", .e_prof = {F, F, F, F}, .e_by = "none",
     .e_codes = {"mx-unreachable", "smtp-connect-failed"}},
};

static void test_catalogue(void **state) {
  (void)state;
  size_t n = sizeof(catalogue) / sizeof(catalogue[0]);
  assert_int_equal(n, 53);
  for (size_t i = 0; i < n; i++) check_scenario(&catalogue[i]);
}

/* Derive a scenario and hand back the result (caller destroys). */
static sd_domain_result *derive(const scenario *s) {
  sd_domain_result *r = build(s);
  sd_verdict_derive(r, NOW);
  return r;
}

/* ------------------------------------------------------------ edge cases */

static void test_names(void **state) {
  (void)state;
  assert_string_equal(sd_sts_status_name(SD_STS_ERROR), "error");
  assert_string_equal(sd_sts_status_name(SD_STS_ABSENT), "absent");
  const char *dane[] = {"insecure", "absent", "valid", "partial", "invalid", "bogus", "error"};
  for (int i = 0; i < 7; i++) assert_string_equal(sd_dane_status_name((sd_dane_status)i), dane[i]);
  const char *prof[] = {"opportunistic", "mta-sts", "dane", "dane+mta-sts"};
  for (int i = 0; i < 4; i++) assert_string_equal(sd_profile_name((sd_profile)i), prof[i]);
  const char *out[] = {"unknown", "protected", "partial", "unprotected", "fail", "no-mail"};
  for (int i = 0; i < 6; i++) assert_string_equal(sd_outcome_name((sd_outcome)i), out[i]);
  const char *by[] = {"none", "mta-sts", "dane", "both", "unknown"};
  for (int i = 0; i < 5; i++) assert_string_equal(sd_protected_by_name((sd_protected_by)i), by[i]);
  assert_string_equal(sd_mx_dane_name(SD_MX_DANE_DNS_FAILED), "dns-failed");
  assert_string_equal(sd_mx_dane_name(SD_MX_DANE_TLS_ONLY), "tls-only");
  /* Out-of-range values never crash and never return NULL. */
  assert_non_null(sd_outcome_name((sd_outcome)99));
  assert_non_null(sd_dane_status_name((sd_dane_status)-1));
  assert_string_equal(sd_mx_decision_name((sd_mx_decision)42), "unknown");
}

static void test_walk_outcome(void **state) {
  (void)state;
  const sd_mx_decision auth_then_unauth[] = {SD_MX_ACCEPT_AUTH, SD_MX_ACCEPT_UNAUTH};
  const sd_mx_decision reject_then_unauth[] = {SD_MX_REJECT, SD_MX_ACCEPT_UNAUTH};
  const sd_mx_decision unknown_reject[] = {SD_MX_UNKNOWN, SD_MX_REJECT};
  const sd_mx_decision unreach_reject[] = {SD_MX_UNREACHABLE, SD_MX_REJECT};
  const sd_mx_decision unreach_auth[] = {SD_MX_UNREACHABLE, SD_MX_ACCEPT_AUTH};
  const int prefs[] = {10, 20}, tie[] = {10, 10};
  assert_int_equal(sd_vi_walk_outcome(auth_then_unauth, prefs, 2), SD_OUTCOME_PARTIAL);
  assert_int_equal(sd_vi_walk_outcome(reject_then_unauth, prefs, 2), SD_OUTCOME_UNPROTECTED);
  assert_int_equal(sd_vi_walk_outcome(unknown_reject, prefs, 2), SD_OUTCOME_UNKNOWN);
  assert_int_equal(sd_vi_walk_outcome(unreach_reject, prefs, 2), SD_OUTCOME_FAIL);
  assert_int_equal(sd_vi_walk_outcome(unreach_auth, prefs, 2), SD_OUTCOME_PROTECTED);
  /* Equal preference: an unauthenticated MX sorted first by name does not
   * hide the authenticated one the sender picks half the time. */
  const sd_mx_decision unauth_auth[] = {SD_MX_ACCEPT_UNAUTH, SD_MX_ACCEPT_AUTH};
  assert_int_equal(sd_vi_walk_outcome(unauth_auth, prefs, 2), SD_OUTCOME_UNPROTECTED);
  assert_int_equal(sd_vi_walk_outcome(unauth_auth, tie, 2), SD_OUTCOME_PARTIAL);
  assert_int_equal(sd_vi_walk_outcome(unauth_auth, NULL, 2), SD_OUTCOME_UNPROTECTED);
  assert_int_equal(sd_vi_walk_outcome(NULL, NULL, 0), SD_OUTCOME_FAIL);
}

static void test_mx_lookup_error(void **state) {
  (void)state;
  scenario s = {.domain = "servfail.test", .is_signed = 1};
  sd_domain_result *r = build(&s);
  r->mx_lookup = SD_LOOKUP_ERROR;
  r->mx_dnssec = SD_DNSSEC_INDETERMINATE;
  sd_findings_add(&r->findings, SD_C_MX_LOOKUP_FAILED, "mx", "SERVFAIL"); /* as the evaluator */
  sd_verdict_derive(r, NOW);
  for (int p = 0; p < SD_PROFILE__COUNT; p++) assert_int_equal(r->profiles[p], SD_OUTCOME_UNKNOWN);
  assert_int_equal(r->dane_status, SD_DANE_ERROR);
  /* A failed measurement is never "protected by none" (verdicts.md). */
  assert_int_equal(r->protected_by, SD_PROTECTED_UNKNOWN);
  assert_non_null(r->unknown_reason);
  assert_non_null(strstr(r->unknown_reason, "MX lookup failed"));
  assert_int_equal(count_code(r, SD_C_MX_LOOKUP_FAILED), 1); /* not duplicated */
  assert_int_equal(r->conflict_count, 0);
  destroy(r);
}

/* Bogus beats missing (dnssec-bogus-nodata.test): a NODATA for MX whose
 * proof is bogus, no address either. Validating (DANE) senders defer; only
 * senders that do not validate see no mail, and no finding advises
 * publishing MX records. */
static void test_bogus_denial_is_not_missing(void **state) {
  (void)state;
  scenario s = {.domain = "bogus-nodata.test", .is_signed = 1};
  sd_domain_result *r = build(&s);
  r->mx_lookup = SD_LOOKUP_NODATA;
  r->mx_dnssec = SD_DNSSEC_BOGUS;
  assert_true(sd_denial_bogus(r->mx_lookup, r->mx_dnssec));
  sd_verdict_derive(r, NOW);
  assert_int_equal(r->profiles[SD_PROFILE_OPPORTUNISTIC], SD_OUTCOME_NO_MAIL);
  assert_int_equal(r->profiles[SD_PROFILE_MTASTS], SD_OUTCOME_NO_MAIL);
  assert_int_equal(r->profiles[SD_PROFILE_DANE], SD_OUTCOME_FAIL);
  assert_int_equal(r->profiles[SD_PROFILE_BOTH], SD_OUTCOME_FAIL);
  assert_int_equal(r->dane_status, SD_DANE_BOGUS);
  assert_true(has_code(r, "dnssec-bogus"));
  assert_false(has_code(r, "mx-none"));
  assert_false(has_code(r, "domain-nxdomain"));
  assert_string_equal(sd_code_lookup(SD_C_DNSSEC_BOGUS)->tlsrpt, "dnssec-invalid");
  destroy(r);
  /* A secure NODATA is a real absence. */
  assert_false(sd_denial_bogus(SD_LOOKUP_NODATA, SD_DNSSEC_SECURE));
  assert_true(sd_denial_bogus(SD_LOOKUP_NXDOMAIN, SD_DNSSEC_INDETERMINATE));
  assert_false(sd_denial_bogus(SD_LOOKUP_OK, SD_DNSSEC_BOGUS));
}

static void test_invalid_domain(void **state) {
  (void)state;
  sd_domain_result *r = calloc(1, sizeof(*r));
  assert_non_null(r);
  r->invalid_domain = 1;
  r->mx_lookup = SD_LOOKUP_ERROR;
  sd_verdict_derive(r, NOW);
  for (int p = 0; p < SD_PROFILE__COUNT; p++) assert_int_equal(r->profiles[p], SD_OUTCOME_UNKNOWN);
  assert_int_equal(r->protected_by, SD_PROTECTED_UNKNOWN);
  assert_int_equal(r->findings.count, 0);
  assert_non_null(r->unknown_reason);
  destroy(r);
  sd_verdict_derive(NULL, NOW); /* harmless */
}

static void test_timeouts_are_unknown(void **state) {
  (void)state;
  scenario s = {.domain = "slow.test", .mx = {{.host = "mx1.slow.test", .pref = 10, .probe = P_TIMEOUT,
                                               .ip2 = "2001:db8::1", .probe2 = P_TIMEOUT}}};
  sd_domain_result *r = derive(&s);
  for (int p = 0; p < SD_PROFILE__COUNT; p++) assert_int_equal(r->profiles[p], SD_OUTCOME_UNKNOWN);
  assert_non_null(strstr(r->unknown_reason, "mx1.slow.test"));
  assert_int_equal(count_code(r, SD_C_SMTP_TIMEOUT), 2); /* once per address */
  assert_false(has_code(r, "mx-unreachable"));
  const sd_finding *f = find_code(r, SD_C_SMTP_TIMEOUT);
  assert_string_equal(f->where, "mx:mx1.slow.test/192.0.2.10");
  destroy(r);

  /* A refused address and a timed-out one: still undecided. */
  scenario m = {.domain = "mixed.test", .mx = {{.host = "mx1.mixed.test", .pref = 10, .probe = P_REFUSED,
                                                .ip2 = "2001:db8::1", .probe2 = P_TIMEOUT}}};
  r = derive(&m);
  assert_int_equal(r->profiles[SD_PROFILE_OPPORTUNISTIC], SD_OUTCOME_UNKNOWN);
  destroy(r);

  /* A refused address next to a working one: the MX is reachable. */
  scenario ok = {.domain = "half.test", .mx = {{.host = "mx1.half.test", .pref = 10, .probe = P_REFUSED,
                                                .ip2 = "2001:db8::1", .probe2 = P_OK}}};
  r = derive(&ok);
  assert_int_equal(r->profiles[SD_PROFILE_OPPORTUNISTIC], SD_OUTCOME_UNPROTECTED);
  assert_true(has_code(r, "smtp-connect-failed"));
  assert_false(has_code(r, "mx-unreachable"));
  destroy(r);
}

static void test_no_smtp(void **state) {
  (void)state;
  scenario s = {.domain = "dns-only.test", .is_signed = 1, .sts = S_ENFORCE,
                .mx = {{.host = "mx1.dns-only.test", .pref = 10, .tlsa = T_EE, .probe = P_NOT_PROBED}}};
  sd_domain_result *r = derive(&s);
  /* Assumed reachable: opportunistic delivers; TLS-dependent verdicts
   * cannot be made without a probe. */
  assert_int_equal(r->profiles[SD_PROFILE_OPPORTUNISTIC], SD_OUTCOME_UNPROTECTED);
  assert_int_equal(r->profiles[SD_PROFILE_MTASTS], SD_OUTCOME_UNKNOWN);
  assert_int_equal(r->profiles[SD_PROFILE_DANE], SD_OUTCOME_UNKNOWN);
  assert_int_equal(r->profiles[SD_PROFILE_BOTH], SD_OUTCOME_UNKNOWN);
  assert_int_equal(r->protected_by, SD_PROTECTED_UNKNOWN);
  assert_int_equal(r->mx[0].dane, SD_MX_DANE_AUTHENTICATED); /* DNS says DANE is deployed */
  assert_non_null(strstr(r->unknown_reason, "not probed"));
  assert_false(has_code(r, "mx-unreachable"));
  destroy(r);

  /* Secure TLSA with only unusable records: TLS is mandatory, which an
   * unprobed MX cannot show. */
  scenario u = {.domain = "dns-only2.test", .is_signed = 1,
                .mx = {{.host = "mx1.dns-only2.test", .pref = 10, .tlsa = T_UNUSABLE, .probe = P_NOT_PROBED}}};
  r = derive(&u);
  assert_int_equal(r->mx[0].dane, SD_MX_DANE_TLS_ONLY);
  assert_int_equal(r->profiles[SD_PROFILE_OPPORTUNISTIC], SD_OUTCOME_UNPROTECTED);
  assert_int_equal(r->profiles[SD_PROFILE_DANE], SD_OUTCOME_UNKNOWN);
  assert_int_equal(r->profiles[SD_PROFILE_BOTH], SD_OUTCOME_UNKNOWN);
  destroy(r);
}

static void test_equal_preference(void **state) {
  (void)state;
  /* "a." sorts before "b." but both have preference 10. */
  scenario s = {.domain = "tie.test", .is_signed = 1,
                .mx = {{.host = "a.tie.test", .pref = 10}, {.host = "b.tie.test", .pref = 10, .tlsa = T_EE}}};
  sd_domain_result *r = derive(&s);
  assert_int_equal(r->profiles[SD_PROFILE_DANE], SD_OUTCOME_PARTIAL);
  assert_int_equal(r->dane_status, SD_DANE_PARTIAL);
  destroy(r);
}

static void test_sts_lookup_error(void **state) {
  (void)state;
  scenario s = {.domain = "stserr.test", .sts = S_LOOKUP_ERROR, .mx = {{.host = "mx1.stserr.test", .pref = 10}}};
  sd_domain_result *r = derive(&s);
  assert_int_equal(r->sts_status, SD_STS_ERROR);
  assert_int_equal(r->profiles[SD_PROFILE_OPPORTUNISTIC], SD_OUTCOME_UNPROTECTED);
  assert_int_equal(r->profiles[SD_PROFILE_MTASTS], SD_OUTCOME_UNKNOWN);
  assert_non_null(strstr(r->unknown_reason, "_mta-sts"));
  assert_int_equal(count_code(r, SD_C_STS_RECORD_LOOKUP_FAILED), 1);
  destroy(r);

  /* DANE still decides an MX it authenticates. */
  scenario d = {.domain = "stserr2.test", .is_signed = 1, .sts = S_LOOKUP_ERROR,
                .mx = {{.host = "mx1.stserr2.test", .pref = 10, .tlsa = T_EE}}};
  r = derive(&d);
  assert_int_equal(r->profiles[SD_PROFILE_BOTH], SD_OUTCOME_PROTECTED);
  destroy(r);
}

static void test_tlsrpt_lookup_error(void **state) {
  (void)state;
  scenario s = {.domain = "rpterr.test", .sts = S_ENFORCE, .mx = {{.host = "mx1.rpterr.test", .pref = 10}}};
  sd_domain_result *r = build(&s);
  r->tlsrpt_lookup = SD_LOOKUP_ERROR;
  sd_verdict_derive(r, NOW);
  assert_true(has_code(r, "tlsrpt-lookup-failed"));
  assert_false(has_code(r, "tlsrpt-missing")); /* cannot tell it is missing */
  destroy(r);
}

static void test_starttls_both_protocols(void **state) {
  (void)state;
  scenario s = {.domain = "notls.test", .is_signed = 1, .sts = S_ENFORCE,
                .mx = {{.host = "mx1.notls.test", .pref = 10, .tlsa = T_EE, .probe = P_NO_STARTTLS}}};
  sd_domain_result *r = derive(&s);
  assert_true(has_code(r, "smtp-starttls-missing"));
  assert_true(has_code(r, "dane-starttls-missing"));
  assert_int_equal(r->mx[0].dane, SD_MX_DANE_FAILED);
  assert_int_equal(r->conflict_count, 0); /* both fail: no conflict */
  destroy(r);

  scenario rej = {.domain = "rej.test", .sts = S_ENFORCE,
                  .mx = {{.host = "mx1.rej.test", .pref = 10, .probe = P_STARTTLS_REJECTED}}};
  r = derive(&rej);
  assert_true(has_code(r, "smtp-starttls-rejected"));
  assert_int_equal(r->profiles[SD_PROFILE_MTASTS], SD_OUTCOME_FAIL);
  destroy(r);

  /* No policy and no TLSA: missing STARTTLS is not a protocol failure. */
  scenario none = {.domain = "plain.test", .mx = {{.host = "mx1.plain.test", .pref = 10, .probe = P_NO_STARTTLS}}};
  r = derive(&none);
  assert_false(has_code(r, "smtp-starttls-missing"));
  assert_false(has_code(r, "dane-starttls-missing"));
  assert_int_equal(r->profiles[SD_PROFILE_OPPORTUNISTIC], SD_OUTCOME_UNPROTECTED);
  destroy(r);
}

static void test_tls_only_requires_starttls(void **state) {
  (void)state;
  scenario s = {.domain = "tlsonly.test", .is_signed = 1,
                .mx = {{.host = "mx1.tlsonly.test", .pref = 10, .tlsa = T_UNUSABLE, .probe = P_NO_STARTTLS}}};
  sd_domain_result *r = derive(&s);
  assert_int_equal(r->mx[0].dane, SD_MX_DANE_FAILED);
  assert_int_equal(r->profiles[SD_PROFILE_DANE], SD_OUTCOME_FAIL);
  assert_int_equal(r->dane_status, SD_DANE_INVALID);
  assert_true(has_code(r, "dane-starttls-missing"));
  destroy(r);

  /* TLS_ONLY under an active policy: dane+mta-sts follows MTA-STS there. */
  scenario b = {.domain = "tlsonly2.test", .is_signed = 1, .sts = S_ENFORCE,
                .mx = {{.host = "mx1.tlsonly2.test", .pref = 10, .tlsa = T_UNUSABLE}}};
  r = derive(&b);
  assert_int_equal(r->mx[0].dane, SD_MX_DANE_TLS_ONLY);
  assert_int_equal(r->profiles[SD_PROFILE_DANE], SD_OUTCOME_UNPROTECTED);
  assert_int_equal(r->profiles[SD_PROFILE_BOTH], SD_OUTCOME_PROTECTED);
  destroy(r);
}

static void test_smtp_failures(void **state) {
  (void)state;
  scenario s = {.domain = "smtp.test",
                .mx = {{.host = "mx1.smtp.test", .pref = 10, .probe = P_BANNER},
                       {.host = "mx2.smtp.test", .pref = 20, .probe = P_PROTOCOL},
                       {.host = "mx3.smtp.test", .pref = 30, .probe = P_TLS_FAILED, .ip2 = "192.0.2.99",
                        .probe2 = P_OLD_TLS}}};
  sd_domain_result *r = derive(&s);
  const sd_finding *f = find_code(r, SD_C_SMTP_BANNER_REJECT);
  assert_non_null(f);
  assert_string_equal(f->where, "mx:mx1.smtp.test/192.0.2.10");
  assert_null(strchr(f->detail, '\x1b')); /* remote text is sanitized */
  assert_null(strchr(f->detail, '\x07'));
  assert_non_null(strstr(f->detail, "554 go away"));
  assert_true(has_code(r, "smtp-protocol-error"));
  assert_true(has_code(r, "smtp-tls-handshake-failed"));
  f = find_code(r, SD_C_SMTP_TLS_OLD_VERSION);
  assert_non_null(f);
  assert_string_equal(f->where, "mx:mx3.smtp.test/192.0.2.99");
  /* mx1 rejects at the banner: unreachable; mx2 greets: reachable. */
  assert_int_equal(r->profiles[SD_PROFILE_OPPORTUNISTIC], SD_OUTCOME_UNPROTECTED);
  assert_false(has_code(r, "mx-unreachable"));
  destroy(r);

  /* A 5xx greeting is not a mail server that takes mail; a protocol error
   * after the greeting still proves the host answers SMTP. */
  scenario b = {.domain = "banner.test", .mx = {{.host = "mx1.banner.test", .pref = 10, .probe = P_BANNER}}};
  r = derive(&b);
  assert_int_equal(r->profiles[SD_PROFILE_OPPORTUNISTIC], SD_OUTCOME_FAIL);
  assert_true(has_code(r, "mx-unreachable"));
  destroy(r);
  scenario pe = {.domain = "proto.test", .mx = {{.host = "mx1.proto.test", .pref = 10, .probe = P_PROTOCOL}}};
  r = derive(&pe);
  assert_int_equal(r->profiles[SD_PROFILE_OPPORTUNISTIC], SD_OUTCOME_UNPROTECTED);
  destroy(r);
}

static void test_mx_dns_findings(void **state) {
  (void)state;
  scenario s = {.domain = "dns.test", .is_signed = 1,
                .mx = {{.host = "192.0.2.7", .pref = 10, .ip_literal = 1},
                       {.host = "gone.dns.test", .pref = 20, .addr = A_NONE},
                       {.host = "fail.dns.test", .pref = 30, .addr = A_ERROR}}};
  sd_domain_result *r = derive(&s);
  const sd_finding *f = find_code(r, SD_C_MX_IP_LITERAL);
  assert_non_null(f);
  assert_string_equal(f->where, "mx:192.0.2.7");
  f = find_code(r, SD_C_MX_NO_ADDRESS);
  assert_non_null(f);
  assert_string_equal(f->where, "mx:gone.dns.test");
  assert_true(has_code(r, "mx-address-lookup-failed"));
  assert_true(has_code(r, "dnssec-lookup-failed")); /* secure MX: DANE senders need it */
  assert_int_equal(r->mx[0].dane, SD_MX_DANE_NOT_APPLICABLE);
  assert_int_equal(r->mx[1].dane, SD_MX_DANE_NOT_APPLICABLE);
  assert_int_equal(r->mx[2].dane, SD_MX_DANE_DNS_FAILED);
  assert_int_equal(r->dane_status, SD_DANE_ERROR);
  /* The literal delivers opportunistically; DANE rejects the failed host. */
  assert_int_equal(r->profiles[SD_PROFILE_OPPORTUNISTIC], SD_OUTCOME_UNPROTECTED);
  assert_int_equal(r->profiles[SD_PROFILE_DANE], SD_OUTCOME_UNPROTECTED);
  destroy(r);
}

static void test_address_bogus(void **state) {
  (void)state;
  scenario s = {.domain = "abogus.test", .is_signed = 1,
                .mx = {{.host = "mx1.abogus.test", .pref = 10, .tlsa = T_EE, .addr = A_BOGUS}}};
  sd_domain_result *r = derive(&s);
  assert_int_equal(r->mx[0].dane, SD_MX_DANE_DNS_FAILED);
  assert_int_equal(r->dane_status, SD_DANE_BOGUS);
  assert_int_equal(r->profiles[SD_PROFILE_DANE], SD_OUTCOME_FAIL);
  const sd_finding *f = find_code(r, SD_C_DNSSEC_BOGUS);
  assert_non_null(f);
  assert_string_equal(f->where, "mx:mx1.abogus.test");
  destroy(r);
}

static void test_expired_rrsig_not_duplicated(void **state) {
  (void)state;
  scenario s = {.domain = "rrsig.test", .is_signed = 1, .mx_bogus = 1, .prior = {"dnssec-expired-rrsig"},
                .mx = {{.host = "mx1.rrsig.test", .pref = 10}}};
  sd_domain_result *r = derive(&s);
  assert_false(has_code(r, "dnssec-bogus"));
  assert_int_equal(r->dane_status, SD_DANE_BOGUS);
  assert_int_equal(r->profiles[SD_PROFILE_BOTH], SD_OUTCOME_FAIL);
  destroy(r);
}

static void test_tlsa_servfail_insecure_zone(void **state) {
  (void)state;
  scenario s = {.domain = "plainfail.test", .mx = {{.host = "mx1.plainfail.test", .pref = 10, .tlsa = T_SERVFAIL}}};
  sd_domain_result *r = derive(&s);
  assert_false(has_code(r, "dnssec-lookup-failed")); /* no DANE sender looks there */
  assert_int_equal(r->profiles[SD_PROFILE_DANE], SD_OUTCOME_UNPROTECTED);
  destroy(r);
}

static void test_missing_ds_remedy(void **state) {
  (void)state;
  scenario s = {.domain = "nods.test", .missing_ds = 1, .mx = {{.host = "mx1.nods.test", .pref = 10}}};
  sd_domain_result *r = derive(&s);
  const sd_finding *f = find_code(r, SD_C_DNSSEC_MISSING_DS);
  assert_non_null(f);
  assert_string_equal(f->remedy, "publish the DS record of nods.test's KSK in the parent zone (ask your registrar)");
  destroy(r);
}

static void test_sts_mismatch_remedy(void **state) {
  (void)state;
  scenario two = {.domain = "mm.test", .sts = S_ENFORCE, .patterns = {"mail.other.test"},
                  .mx = {{.host = "mx1.mm.test", .pref = 10}, {.host = "mx2.mm.test", .pref = 20}}};
  sd_domain_result *r = derive(&two);
  assert_int_equal(count_code(r, SD_C_STS_MX_MISMATCH), 2);
  const sd_finding *f = find_code(r, SD_C_STS_MX_MISMATCH);
  assert_string_equal(f->where, "mx:mx1.mm.test");
  assert_non_null(f->remedy);
  /* Each host by name, never a wildcard that would also cover hosts that
   * are not MX hosts today. */
  assert_non_null(strstr(f->remedy, "\nmx: mx1.mm.test\nmx: mx2.mm.test\n"));
  assert_null(strstr(f->remedy, "*."));
  assert_non_null(strstr(f->remedy, "v=STSv1; id=20240102030405"));
  assert_non_null(strstr(f->detail, "mail.other.test")); /* closest pattern */
  f = find_code(r, SD_C_STS_MX_PATTERN_UNUSED);
  assert_non_null(f);
  assert_string_equal(f->where, "policy");
  assert_non_null(strstr(f->detail, "mail.other.test"));
  assert_int_equal(r->profiles[SD_PROFILE_MTASTS], SD_OUTCOME_FAIL);
  destroy(r);

  scenario mixed = {.domain = "mm2.test", .sts = S_TESTING, .patterns = {"mx1.mm2.test"},
                    .mx = {{.host = "mx1.mm2.test", .pref = 10}, {.host = "backup.other.test", .pref = 20}}};
  r = derive(&mixed);
  f = find_code(r, SD_C_STS_MX_MISMATCH);
  assert_non_null(f);
  assert_string_equal(f->where, "mx:backup.other.test");
  assert_non_null(strstr(f->remedy, "\nmx: mx1.mm2.test\nmx: backup.other.test\n"));
  assert_false(has_code(r, "sts-mx-pattern-unused"));
  destroy(r);
}

static void test_tlsa_record_findings(void **state) {
  (void)state;
  scenario s = {.domain = "digest.test", .is_signed = 1,
                .mx = {{.host = "mx1.digest.test", .pref = 10, .tlsa = T_MALFORMED_WEAKER}}};
  sd_domain_result *r = derive(&s);
  assert_true(has_code(r, "dane-tlsa-malformed"));
  assert_true(has_code(r, "dane-weaker-digest-ignored"));
  assert_int_equal(r->mx[0].dane, SD_MX_DANE_AUTHENTICATED);
  destroy(r);

  scenario ins = {.domain = "tlsains.test", .is_signed = 1,
                  .mx = {{.host = "mx1.tlsains.test", .pref = 10, .tlsa = T_INSECURE_EE}}};
  r = derive(&ins);
  const sd_finding *f = find_code(r, SD_C_DANE_TLSA_INSECURE);
  assert_non_null(f);
  assert_string_equal(f->where, "mx:mx1.tlsains.test");
  assert_int_equal(r->mx[0].dane, SD_MX_DANE_NOT_APPLICABLE);
  /* TLSA published, but in insecure DNS: DANE is "insecure", not "absent"
   * (as dnssec-optout-insecure.test in the public catalogue). */
  assert_int_equal(r->dane_status, SD_DANE_INSECURE);
  destroy(r);
}

static void test_dane_remedies(void **state) {
  (void)state;
  char *expected = sd_tlsa_record_for_cert(g_der, g_der_len, 3, 1, 1);
  assert_non_null(expected);
  scenario s = {.domain = "stale.test", .is_signed = 1,
                .mx = {{.host = "mx1.stale.test", .pref = 10, .tlsa = T_EE, .dane = D_MISMATCH}}};
  sd_domain_result *r = derive(&s);
  const sd_finding *f = find_code(r, SD_C_DANE_TLSA_MISMATCH);
  assert_non_null(f);
  assert_string_equal(f->where, "mx:mx1.stale.test/192.0.2.10");
  assert_non_null(strstr(f->detail, "stale"));
  char *line = sd_asprintf("publish _25._tcp.mx1.stale.test. IN TLSA %s", expected);
  assert_non_null(strstr(f->remedy, line));
  assert_non_null(strstr(f->remedy, "RFC 7671 §8"));
  free(line);
  destroy(r);

  scenario p = {.domain = "params.test", .is_signed = 1,
                .mx = {{.host = "mx1.params.test", .pref = 10, .tlsa = T_EE, .dane = D_PARAMS}}};
  r = derive(&p);
  f = find_code(r, SD_C_DANE_TLSA_MISMATCH);
  assert_non_null(strstr(f->detail, "parameters are wrong"));
  destroy(r);

  scenario u = {.domain = "unusable.test", .is_signed = 1, .mx = {{.host = "mx1.unusable.test", .pref = 10,
                                                                   .tlsa = T_UNUSABLE, .cname = "smtp.host.test"}}};
  r = derive(&u);
  f = find_code(r, SD_C_DANE_TLSA_UNUSABLE);
  assert_non_null(f);
  assert_non_null(strstr(f->remedy, expected));
  assert_non_null(strstr(f->remedy, "_25._tcp.smtp.host.test."));
  destroy(r);

  scenario ta = {.domain = "taexp.test", .is_signed = 1,
                 .mx = {{.host = "mx1.taexp.test", .pref = 10, .tlsa = T_TA, .dane = D_TA_EXPIRED},
                        {.host = "mx2.taexp.test", .pref = 20, .tlsa = T_EE, .dane = D_OTHER}}};
  r = derive(&ta);
  assert_true(has_code(r, "dane-ta-expired"));
  assert_true(has_code(r, "dane-validation-failed"));
  assert_true(has_tlsrpt_type(r, "certificate-expired"));
  assert_int_equal(r->profiles[SD_PROFILE_DANE], SD_OUTCOME_FAIL);
  destroy(r);
  free(expected);
}

static void test_cert_remedies(void **state) {
  (void)state;
  scenario s = {.domain = "renew.test", .is_signed = 1, .sts = S_ENFORCE,
                .mx = {{.host = "mx1.renew.test", .pref = 10, .tlsa = T_EE, .cert = C_EXPIRED}}};
  sd_domain_result *r = derive(&s);
  const sd_finding *f = find_code(r, SD_C_CERT_EXPIRED);
  assert_non_null(f);
  assert_string_equal(f->where, "mx:mx1.renew.test/192.0.2.10");
  assert_non_null(strstr(f->remedy, "renew the certificate of mx1.renew.test (expired 2024-01-01)"));
  assert_non_null(strstr(f->remedy, "3 1 1 record before deploying it"));
  destroy(r);

  scenario soon = {.domain = "soon.test", .sts = S_ENFORCE, .mx = {{.host = "mx1.soon.test", .pref = 10, .cert = C_SOON}}};
  r = derive(&soon);
  f = find_code(r, SD_C_CERT_EXPIRES_SOON);
  assert_non_null(f);
  assert_null(strstr(f->remedy, "3 1 1")); /* no DANE here */
  assert_int_equal(r->profiles[SD_PROFILE_MTASTS], SD_OUTCOME_PROTECTED);
  destroy(r);
}

static void test_cert_conflicts(void **state) {
  (void)state;
  /* mx2's certificate passes DANE but not WebPKI; MTA-STS still protects via mx1. */
  scenario s = {.domain = "cdo.test", .is_signed = 1, .sts = S_ENFORCE,
                .mx = {{.host = "mx1.cdo.test", .pref = 10, .tlsa = T_EE},
                       {.host = "mx2.cdo.test", .pref = 20, .tlsa = T_EE, .cert = C_SELF}}};
  sd_domain_result *r = derive(&s);
  assert_int_equal(r->profiles[SD_PROFILE_MTASTS], SD_OUTCOME_PROTECTED);
  assert_int_equal(r->conflict_count, 1);
  assert_string_equal(r->conflicts[0].code, "cert-dane-only");
  assert_non_null(strstr(r->conflicts[0].detail, "mx2.cdo.test"));
  destroy(r);

  scenario p = {.domain = "cpo.test", .is_signed = 1, .sts = S_ENFORCE,
                .mx = {{.host = "mx1.cpo.test", .pref = 10, .tlsa = T_EE},
                       {.host = "mx2.cpo.test", .pref = 20, .tlsa = T_EE, .dane = D_MISMATCH}}};
  r = derive(&p);
  assert_int_equal(r->profiles[SD_PROFILE_DANE], SD_OUTCOME_PROTECTED);
  assert_int_equal(r->conflict_count, 1);
  assert_string_equal(r->conflicts[0].code, "cert-pkix-only");
  destroy(r);

  /* The domain-level conflict names the MX and the TLSA record. */
  scenario c = {.domain = "cs.test", .is_signed = 1, .sts = S_ENFORCE,
                .mx = {{.host = "mx1.cs.test", .pref = 10, .tlsa = T_EE, .cert = C_SELF}}};
  r = derive(&c);
  assert_int_equal(r->conflict_count, 1);
  assert_non_null(strstr(r->conflicts[0].detail, "MTA-STS-only senders defer mail that DANE senders deliver"));
  assert_non_null(strstr(r->conflicts[0].detail, "mx1.cs.test"));
  assert_non_null(strstr(r->conflicts[0].detail, "3 1 1"));
  destroy(r);
}

static void test_implicit_and_none(void **state) {
  (void)state;
  scenario s = {.domain = "implicit.test", .implicit = 1, .mx = {{.host = "implicit.test", .pref = 0}}};
  sd_domain_result *r = derive(&s);
  assert_true(has_code(r, "mx-implicit"));
  assert_int_equal(r->profiles[SD_PROFILE_OPPORTUNISTIC], SD_OUTCOME_UNPROTECTED);
  destroy(r);

  scenario n = {.domain = "nothing.test", .implicit = 1, .mx = {{.host = "nothing.test", .pref = 0, .addr = A_NONE}}};
  r = derive(&n);
  for (int p = 0; p < SD_PROFILE__COUNT; p++) assert_int_equal(r->profiles[p], SD_OUTCOME_NO_MAIL);
  assert_true(has_code(r, "mx-none"));
  assert_false(has_code(r, "mx-no-address"));
  destroy(r);

  /* A bogus MX NODATA (dnssec-bogus-nodata.test): validating senders defer
   * (Postfix and Exim did in tests/senders); senders that do not validate see
   * no MX and no address. */
  scenario b = {.domain = "bogus-nodata.test", .is_signed = 1, .mx_bogus = 1, .implicit = 1,
                .mx = {{.host = "bogus-nodata.test", .pref = 0, .addr = A_NONE}}};
  r = derive(&b);
  assert_int_equal(r->profiles[SD_PROFILE_OPPORTUNISTIC], SD_OUTCOME_NO_MAIL);
  assert_int_equal(r->profiles[SD_PROFILE_MTASTS], SD_OUTCOME_NO_MAIL);
  assert_int_equal(r->profiles[SD_PROFILE_DANE], SD_OUTCOME_FAIL);
  assert_int_equal(r->profiles[SD_PROFILE_BOTH], SD_OUTCOME_FAIL);
  destroy(r);

  scenario e = {.domain = "nxdomain.test"};
  r = derive(&e);
  assert_int_equal(r->profiles[SD_PROFILE_DANE], SD_OUTCOME_NO_MAIL);
  assert_int_equal(r->dane_status, SD_DANE_INSECURE);
  destroy(r);
}

static void test_free_and_rederive(void **state) {
  (void)state;
  scenario s = {.domain = "free.test", .is_signed = 1, .sts = S_ENFORCE, .tlsrpt = 1,
                .mx = {{.host = "mx1.free.test", .pref = 10, .tlsa = T_EE, .cert = C_SELF, .ip2 = "2001:db8::2",
                        .probe2 = P_TIMEOUT, .cname = "x.free.test"}}};
  sd_domain_result *r = derive(&s);
  /* A second derivation replaces conflicts and the reason (no leak). */
  sd_verdict_derive(r, NOW);
  assert_int_equal(r->conflict_count, 1);
  r->input = sd_strdup("FREE.test.");
  r->sts_txts = calloc(1, sizeof(char *));
  r->sts_txt_lens = calloc(1, sizeof(size_t));
  r->sts_txts[0] = sd_strdup("v=STSv1; id=1");
  r->sts_txt_count = 1;
  r->sts_record.raw = sd_strdup("v=STSv1; id=1");
  r->fetch.body = sd_strdup("version: STSv1\n");
  r->fetch.url = sd_strdup("https://mta-sts.free.test/.well-known/mta-sts.txt");
  destroy(r);

  sd_domain_result empty;
  memset(&empty, 0, sizeof(empty));
  sd_domain_result_free(&empty);
  sd_domain_result_free(&empty); /* twice is harmless */
  sd_domain_result_free(NULL);
}

/* ------------------------------------------------------------ main */

static int setup(void **state) {
  (void)state;
  EVP_PKEY *key = fx_key();
  fx_cert_spec spec = {.cn = "mx1.example.test", .sans = "DNS:mx1.example.test", .not_before = -FX_DAY,
                       .not_after = 30 * FX_DAY};
  X509 *cert = fx_cert(&spec, key, NULL, NULL);
  unsigned char *der = fx_der(cert, &g_der_len);
  g_der = malloc(g_der_len);
  memcpy(g_der, der, g_der_len);
  OPENSSL_free(der);
  X509_free(cert);
  EVP_PKEY_free(key);
  return g_der ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  free(g_der);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_catalogue),
      cmocka_unit_test(test_names),
      cmocka_unit_test(test_walk_outcome),
      cmocka_unit_test(test_mx_lookup_error),
      cmocka_unit_test(test_invalid_domain),
      cmocka_unit_test(test_bogus_denial_is_not_missing),
      cmocka_unit_test(test_timeouts_are_unknown),
      cmocka_unit_test(test_no_smtp),
      cmocka_unit_test(test_equal_preference),
      cmocka_unit_test(test_sts_lookup_error),
      cmocka_unit_test(test_tlsrpt_lookup_error),
      cmocka_unit_test(test_starttls_both_protocols),
      cmocka_unit_test(test_tls_only_requires_starttls),
      cmocka_unit_test(test_smtp_failures),
      cmocka_unit_test(test_mx_dns_findings),
      cmocka_unit_test(test_address_bogus),
      cmocka_unit_test(test_expired_rrsig_not_duplicated),
      cmocka_unit_test(test_tlsa_servfail_insecure_zone),
      cmocka_unit_test(test_missing_ds_remedy),
      cmocka_unit_test(test_sts_mismatch_remedy),
      cmocka_unit_test(test_tlsa_record_findings),
      cmocka_unit_test(test_dane_remedies),
      cmocka_unit_test(test_cert_remedies),
      cmocka_unit_test(test_cert_conflicts),
      cmocka_unit_test(test_implicit_and_none),
      cmocka_unit_test(test_free_and_rederive),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
