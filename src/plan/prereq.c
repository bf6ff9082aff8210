/*
 * The prerequisites of each protocol, read from the measurement: is the
 * zone signed with a DS at the parent, who runs each MX and is its zone
 * signed, does it do STARTTLS with a WebPKI-valid certificate, which keys
 * does it serve, is the policy host name free, is TLSRPT there.
 */
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"
#include "util/registrable.h"
#include "util/str.h"

const char *sd_zone_state_name(sd_zone_state z) {
  static const char *const names[] = {"unknown", "signed", "signed-no-ds", "unsigned", "bogus"};
  return names[z];
}

const char *sd_policy_host_state_name(sd_policy_host_state s) {
  static const char *const names[] = {"unknown", "free", "no-https", "certificate-invalid", "https", "policy"};
  return names[s];
}

const char *sd_plan_mail_name(sd_plan_mail m) {
  static const char *const names[] = {"unknown", "mx", "implicit-mx", "null-mx", "no-such-domain", "invalid-name"};
  return names[m];
}

/* The registrable domain (util/registrable.h) of name, lower-case; name
 * itself when it is a public suffix or too long. */
static char *registrable_domain(const char *name) {
  char reg[256];
  return sd_strdup(sd_registrable_domain(name, reg, sizeof(reg)) ? reg : name ? name : "");
}

static sd_zone_state zone_of(sd_dnssec dnssec, int signed_without_ds) {
  switch (dnssec) {
  case SD_DNSSEC_SECURE: return SD_ZONE_SIGNED;
  case SD_DNSSEC_INSECURE: return signed_without_ds ? SD_ZONE_SIGNED_NO_DS : SD_ZONE_UNSIGNED;
  case SD_DNSSEC_BOGUS: return SD_ZONE_BOGUS;
  default: return SD_ZONE_UNKNOWN;
  }
}

static sd_plan_mail mail_of(const sd_domain_result *r) {
  if (r->invalid_domain) return SD_PLAN_MAIL_INVALID;
  if (r->mx_lookup == SD_LOOKUP_NXDOMAIN) return SD_PLAN_MAIL_NO_DOMAIN;
  if (r->mx_lookup == SD_LOOKUP_ERROR) return SD_PLAN_MAIL_UNKNOWN;
  if (r->null_mx) return SD_PLAN_MAIL_NULL_MX;
  return r->implicit_mx ? SD_PLAN_MAIL_IMPLICIT : SD_PLAN_MAIL_MX;
}

/* A probe failure that says something about the server (not about the
 * path to it): refused, no STARTTLS, a failed handshake, a rejection. */
static int probe_failure_is_fact(sd_probe_status s) {
  return s != SD_PROBE_TIMEOUT && s != SD_PROBE_CONNECT_FAILED;
}

/* 1 when the host's TLSA RRset (as published, secure or not) holds rec. */
static int tlsa_published(const sd_mx_result *in, const char *rec) {
  for (size_t i = 0; i < in->tlsa_count; i++) {
    char *text = sd_tlsa_format(&in->tlsa[i]);
    int same = text && strcmp(text, rec) == 0;
    free(text);
    if (same) return 1;
  }
  return 0;
}

static void add_key(const sd_mx_result *in, sd_plan_mx *mx, const sd_chain *chain) {
  if (chain->count == 0) return;
  char *rec = sd_tlsa_record_for_cert(chain->certs[0].der, chain->certs[0].len, 3, 1, 1);
  if (!rec) return;
  for (size_t i = 0; i < mx->key_count; i++)
    if (strcmp(mx->keys[i], rec) == 0) {
      free(rec);
      return;
    }
  char **keys = realloc(mx->keys, (mx->key_count + 1) * sizeof(*keys));
  if (keys) mx->keys = keys;
  int *published = keys ? realloc(mx->key_published, (mx->key_count + 1) * sizeof(*published)) : NULL;
  if (!published) {
    free(rec);
    return;
  }
  mx->key_published = published;
  mx->key_published[mx->key_count] = tlsa_published(in, rec);
  mx->keys[mx->key_count++] = rec;
}

/* STARTTLS, WebPKI and keys over the host's probed addresses. */
static void read_probes(const sd_mx_result *in, sd_plan_mx *mx) {
  int tls_ok = 0, tls_fact_failed = 0, pkix_ok = 0, pkix_failed = 0;
  for (size_t i = 0; i < in->addr_count; i++) {
    const sd_addr_result *a = &in->addrs[i];
    if (!a->probed) continue;
    mx->probed = 1;
    if (a->probe.status == SD_PROBE_OK) {
      tls_ok++;
      add_key(in, mx, &a->probe.chain);
    } else if (probe_failure_is_fact(a->probe.status)) {
      tls_fact_failed++;
      if (!mx->tls_problem) mx->tls_problem = a->probe.detail ? a->probe.detail : sd_probe_status_name(a->probe.status);
    }
    if (!a->pkix_checked) continue;
    if (!mx->cert_names) mx->cert_names = a->pkix.leaf_sans;
    if (a->pkix.valid) pkix_ok++;
    else if (pkix_failed++ == 0) mx->webpki_problem = a->pkix.error_count ? a->pkix.details[0] : "not valid";
  }
  size_t unprobed = in->addr_count - (size_t)tls_ok - (size_t)tls_fact_failed;
  mx->starttls = tls_fact_failed ? 0 : (tls_ok && unprobed == 0) ? 1 : -1;
  mx->webpki = pkix_failed ? 0 : (pkix_ok && pkix_ok == tls_ok && unprobed == 0) ? 1 : -1;
}

static void read_mx(const sd_plan_prereq *p, const sd_mx_result *in, sd_plan_mx *mx) {
  mx->host = in->host;
  mx->preference = in->preference;
  mx->cname = in->cname_target;
  mx->ip_literal = in->is_ip_literal;
  /* A CNAME MX is run by whoever runs the name it leads to. */
  mx->operator_domain = registrable_domain(in->cname_target ? in->cname_target : in->host);
  mx->third_party = mx->operator_domain && p->operator_domain && strcmp(mx->operator_domain, p->operator_domain) != 0;
  /* The MX host shares the domain's zone state when it is inside it. */
  size_t hl = strlen(in->host), dl = strlen(p->domain);
  int inside = !in->cname_target && (hl == dl || (hl > dl && in->host[hl - dl - 1] == '.')) &&
               strcmp(in->host + hl - dl, p->domain) == 0;
  mx->zone = in->addr_lookup == SD_LOOKUP_ERROR ? SD_ZONE_UNKNOWN
                                                : zone_of(in->addr_dnssec, inside && p->zone == SD_ZONE_SIGNED_NO_DS);
  if (in->addr_lookup == SD_LOOKUP_NXDOMAIN || in->addr_lookup == SD_LOOKUP_NODATA) mx->zone = zone_of(in->addr_dnssec, 0);
  read_probes(in, mx);
  mx->dane = in->dane;
  mx->tlsa_count = in->tlsa_count;
  mx->policy_covers = in->sts_match;
}

static sd_policy_host_state fetch_state(const sd_fetch_result *f) {
  switch (f->error) {
  case SD_FETCH_OK: return SD_PHOST_POLICY;
  case SD_FETCH_HTTP_STATUS:
  case SD_FETCH_REDIRECT:
  case SD_FETCH_TOO_LARGE: return SD_PHOST_HTTPS; /* the certificate passed */
  case SD_FETCH_TLS_NAME:
  case SD_FETCH_TLS_UNTRUSTED:
  case SD_FETCH_TLS_EXPIRED: return SD_PHOST_CERT_INVALID;
  case SD_FETCH_TCP:
  case SD_FETCH_TLS_HANDSHAKE: return SD_PHOST_NO_HTTPS;
  default: return SD_PHOST_UNKNOWN;
  }
}

static void read_policy_host(const sd_plan_measurement *m, sd_plan_prereq *p) {
  p->policy_host_state = SD_PHOST_UNKNOWN;
  if (!m->policy_host_looked_up) return;
  switch (m->policy_host_lookup) {
  case SD_LOOKUP_NXDOMAIN:
  case SD_LOOKUP_NODATA: p->policy_host_state = SD_PHOST_FREE; return;
  case SD_LOOKUP_ERROR: p->policy_host_detail = m->policy_host_error; return;
  default: break;
  }
  if (!m->policy_host_fetched) {
    p->policy_host_detail = "not fetched (--no-https)";
    return;
  }
  p->policy_host_state = fetch_state(&m->policy_host_fetch);
  p->policy_host_detail = m->policy_host_fetch.detail;
}

static int tri_state(int status, int valid, int absent) { return status == valid ? 1 : status == absent ? 0 : -1; }

int sd_plan_prereq_derive(const sd_plan_measurement *m, sd_plan_prereq *p) {
  memset(p, 0, sizeof(*p));
  const sd_domain_result *r = m->r;
  p->m = m;
  p->domain = r->domain;
  p->operator_domain = registrable_domain(r->domain);
  p->mail = mail_of(r);
  p->zone = r->mx_lookup == SD_LOOKUP_ERROR ? SD_ZONE_UNKNOWN : zone_of(r->mx_dnssec, r->dnskey_without_ds);
  p->policy_host = sd_asprintf("mta-sts.%s", r->domain);
  if (r->mx_count && !(p->mx = calloc(r->mx_count, sizeof(*p->mx)))) return -1;
  for (size_t i = 0; p->mx && i < r->mx_count; i++) read_mx(p, &r->mx[i], &p->mx[p->mx_count++]);
  read_policy_host(m, p);
  p->sts_record = tri_state(r->sts_record.status, SD_STS_RECORD_VALID, SD_STS_RECORD_ABSENT);
  p->sts_mode = r->policy.valid ? sd_sts_mode_name(r->policy.mode) : NULL;
  p->tlsrpt = tri_state(r->tlsrpt.status, SD_TLSRPT_VALID, SD_TLSRPT_ABSENT);
  p->tlsrpt_record = r->tlsrpt.raw;
  return p->operator_domain && p->policy_host ? 0 : -1;
}

void sd_plan_prereq_free(sd_plan_prereq *p) {
  for (size_t i = 0; i < p->mx_count; i++) {
    free(p->mx[i].operator_domain);
    for (size_t k = 0; k < p->mx[i].key_count; k++) free(p->mx[i].keys[k]);
    free(p->mx[i].keys);
    free(p->mx[i].key_published);
  }
  free(p->mx);
  free(p->operator_domain);
  free(p->policy_host);
  memset(p, 0, sizeof(*p));
}
