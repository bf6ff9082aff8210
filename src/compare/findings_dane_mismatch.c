/*
 * dane-tlsa-mismatch at one MX address, explained with the whole TLSA RRset
 * (the verifier saw only the usable records): which record is wrong and
 * what to publish instead. "Publish 3 1 1 of the served key" is the fix only
 * when the data is stale; a record that is right but ignored, or a DANE-TA
 * record of a CA the server does not send, needs another fix.
 */
#include <stdlib.h>

#include "compare/dane_mismatch.h"
#include "compare/verdict_internal.h"
#include "dane/explain.h"
#include "util/str.h"

#define RECORD_MAX 200 /* bytes of a record quoted in a detail */

static const char *usage_name(int usage) {
  switch (usage) {
  case 0: return "PKIX-TA";
  case 1: return "PKIX-EE";
  case 2: return "DANE-TA";
  default: return "DANE-EE";
  }
}

typedef struct texts {
  const char *host, *base;
  char *served; /* "the chain HOST (IP) serves", or "the chain given" (lint) */
  char *record, *blocking, *fixed, *issuer, *line;
} texts;

static void texts_free(texts *t) {
  free(t->served);
  free(t->record);
  free(t->blocking);
  free(t->fixed);
  free(t->issuer);
  free(t->line);
}

/* "publish _25._tcp.BASE. IN TLSA 3 1 1 <leaf key> (the key HOST serves now)" */
static char *publish_line(const sd_chain *chain, const char *base, const char *host) {
  if (!chain || chain->count == 0 || !chain->certs[0].der) return NULL;
  char *rec = sd_tlsa_record_for_cert(chain->certs[0].der, chain->certs[0].len, 3, 1, 1);
  if (!rec) return NULL;
  char *line = sd_asprintf("publish _25._tcp.%s. IN TLSA %s (the key %s serves now)", base ? base : "?", rec,
                           host ? host : "the server");
  free(rec);
  return line;
}

static void none_usable(sd_findings *fs, const texts *t, size_t count, const char *where) {
  sd_finding *f = sd_findings_add(fs, SD_C_DANE_TLSA_MISMATCH, where,
                                  "none of the %zu TLSA record(s) for _25._tcp.%s is usable for SMTP (malformed, or "
                                  "usage, selector or matching type unusable, RFC 7672 §3.1.3), so nothing matches "
                                  "%s", count, t->base, t->served);
  if (t->line) sd_finding_set_remedy(f, "%s", t->line);
}

static void stale(sd_findings *fs, const texts *t, const char *where) {
  sd_finding *f = sd_findings_add(fs, SD_C_DANE_TLSA_MISMATCH, where,
                                  "no usable TLSA record at _25._tcp.%s matches %s: no "
                                  "record's data matches any served certificate (stale after a key change, or "
                                  "the wrong key)", t->base, t->served);
  if (t->line)
    sd_finding_set_remedy(f, "%s; remove the stale record once the new one has propagated (after its TTL); "
                             "next time publish the next key's record before switching keys (RFC 7671 §8.1)",
                          t->line);
}

static void params_wrong(sd_findings *fs, const texts *t, const sd_dane_explanation *e, const char *where) {
  sd_finding *f;
  if (e->depth >= 0)
    f = sd_findings_add(fs, SD_C_DANE_TLSA_MISMATCH, where,
                        "no usable TLSA record at _25._tcp.%s matches %s: the data of %s is "
                        "the certificate at depth %d under other usage/selector/matching-type parameters (the "
                        "parameters are wrong)", t->base, t->served, t->record, e->depth);
  else
    f = sd_findings_add(fs, SD_C_DANE_TLSA_MISMATCH, where,
                        "no usable TLSA record at _25._tcp.%s matches %s: a record's data "
                        "matches a served certificate under other usage/selector/matching-type parameters (the "
                        "parameters are wrong)", t->base, t->served);
  if (t->fixed)
    sd_finding_set_remedy(f, "replace %s with _25._tcp.%s. IN TLSA %s (same certificate, right parameters)",
                          t->record, t->base, t->fixed);
  else if (t->line)
    sd_finding_set_remedy(f, "%s", t->line);
}

static void weaker_digest(sd_findings *fs, const texts *t, const char *where) {
  sd_finding *f = sd_findings_add(
      fs, SD_C_DANE_TLSA_MISMATCH, where,
      "no usable TLSA record at _25._tcp.%s matches %s: %s matches the served "
      "certificate but is ignored, because %s has a stronger digest for the same usage and selector and only "
      "the strongest digest counts (RFC 7671 §9); %s matches nothing served",
      t->base, t->served, t->record, t->blocking, t->blocking);
  if (t->fixed)
    sd_finding_set_remedy(f, "correct %s to the served certificate's digest (_25._tcp.%s. IN TLSA %s) or "
                             "remove it; %s is right and counts again once no stronger digest of another key "
                             "is published",
                          t->blocking, t->base, t->fixed, t->record);
}

static void unusable_usage(sd_findings *fs, const texts *t, const sd_dane_explanation *e,
                           int usage, const char *where) {
  sd_finding *f = sd_findings_add(
      fs, SD_C_DANE_TLSA_MISMATCH, where,
      "no usable TLSA record at _25._tcp.%s matches %s: the data of %s matches the "
      "certificate served at depth %d, but usage %d (%s) is unusable for SMTP and senders ignore the record "
      "(RFC 7672 §3.1.3)",
      t->base, t->served, t->record, e->depth, usage, usage_name(usage));
  if (t->fixed)
    sd_finding_set_remedy(f, "publish the same data with usage %c (%s): _25._tcp.%s. IN TLSA %s, then remove %s "
                             "and any record that matches nothing served",
                          t->fixed[0], t->fixed[0] == '3' ? "DANE-EE" : "DANE-TA", t->base, t->fixed, t->record);
}

static void ta_not_served(sd_findings *fs, const texts *t, const char *where) {
  const char *issuer = t->issuer && *t->issuer ? t->issuer : "(empty name)";
  sd_finding *f = sd_findings_add(
      fs, SD_C_DANE_TLSA_MISMATCH, where,
      "no usable TLSA record at _25._tcp.%s matches %s: the DANE-TA record %s matches no "
      "certificate the server sends, and the chain it sends stops below its issuer \"%s\" (not sent); a DANE-TA "
      "digest only matches a CA certificate the server includes in its chain (RFC 7671 §5.2.2)",
      t->base, t->served, t->record, issuer);
  if (t->fixed)
    sd_finding_set_remedy(f, "serve the full chain on %s, including the CA certificate \"%s\" the record names, "
                             "or publish a record of a certificate the server sends: _25._tcp.%s. IN TLSA %s",
                          t->host, issuer, t->base, t->fixed);
  else
    sd_finding_set_remedy(f, "serve the full chain on %s, including the CA certificate \"%s\" the record names",
                          t->host, issuer);
}

void sd_dane_mismatch_finding(sd_findings *findings, const char *where, const char *host, const char *base,
                              const char *ip, const sd_chain *chain, const sd_tlsa *rrs,
                              const sd_tlsa_usability *status, size_t count, int verifier_params_wrong) {
  sd_dane_explanation e;
  sd_dane_explain_mismatch(chain, rrs, status, count, &e);
  /* The verifier saw the wrong parameters too; trust it when the records at
   * hand do not show which one. */
  if (e.cause == SD_DANE_CAUSE_STALE && verifier_params_wrong) e.cause = SD_DANE_CAUSE_PARAMS_WRONG;
  size_t usable = 0;
  for (size_t i = 0; i < count; i++) usable += (status ? status[i] : sd_tlsa_check(&rrs[i])) == SD_TLSA_USABLE;
  texts t = {.host = host ? host : "?",
             .base = base ? base : (host ? host : "?"),
             .served = ip ? sd_asprintf("the chain %s (%s) serves", host ? host : "?", ip)
                          : sd_strdup("the certificate chain given"),
             .record = sd_quote_sentence(e.record ? e.record : "a record", RECORD_MAX),
             .blocking = sd_quote_sentence(e.blocking ? e.blocking : "?", RECORD_MAX),
             .fixed = e.fixed ? sd_quote_sentence(e.fixed, RECORD_MAX) : NULL,
             .issuer = e.issuer ? sd_quote_sentence(e.issuer, 300) : NULL,
             .line = publish_line(chain, base ? base : host, host)};
  int usage = e.record ? e.record[0] - '0' : 0;
  switch (e.cause) {
  case SD_DANE_CAUSE_PARAMS_WRONG: params_wrong(findings, &t, &e, where); break;
  case SD_DANE_CAUSE_WEAKER_DIGEST: weaker_digest(findings, &t, where); break;
  case SD_DANE_CAUSE_UNUSABLE_USAGE: unusable_usage(findings, &t, &e, usage, where); break;
  case SD_DANE_CAUSE_TA_NOT_SERVED: ta_not_served(findings, &t, where); break;
  default:
    if (usable == 0) none_usable(findings, &t, count, where);
    else stale(findings, &t, where);
    break;
  }
  texts_free(&t);
  sd_dane_explanation_free(&e);
}

void sd_vi_dane_mismatch_finding(sd_domain_result *r, const sd_mx_result *mx, const sd_addr_result *a,
                                 const char *where) {
  sd_dane_mismatch_finding(&r->findings, where, mx->host, mx->tlsa_base, a->ip ? a->ip : "?", &a->probe.chain,
                           mx->tlsa, mx->tlsa_status, mx->tlsa_count, a->dane.params_wrong);
}
