/*
 * sd_domain_result_free: releases everything a sd_domain_result owns, the
 * measured part (filled by the evaluator) and the derived part. It frees
 * the contents, not the struct itself (results live in arrays and on the
 * stack), and leaves *r zeroed so a second call is harmless.
 */
#include <stdlib.h>
#include <string.h>

#include "result/probe_copy.h"
#include "result/result.h"

static void addr_result_free(sd_addr_result *a) {
  free(a->ip);
  sd_probe_result_clear(&a->probe);
  sd_pkix_result_free(&a->pkix);
  sd_dane_result_free(&a->dane);
}

static void mx_result_free(sd_mx_result *mx) {
  free(mx->host);
  free(mx->cname_target);
  for (size_t i = 0; i < mx->addr_count && mx->addrs; i++) addr_result_free(&mx->addrs[i]);
  free(mx->addrs);
  free(mx->tlsa_base);
  free(mx->tlsa_why_bogus);
  free(mx->addr_why_bogus);
  for (size_t i = 0; i < mx->tlsa_count && mx->tlsa; i++) sd_tlsa_free(&mx->tlsa[i]);
  free(mx->tlsa);
  free(mx->tlsa_status);
  /* mismatch.closest_pattern points into the policy: not owned. */
}

static void txt_set_free(char **txts, size_t *lens, size_t count) {
  for (size_t i = 0; i < count && txts; i++) free(txts[i]);
  free(txts);
  free(lens);
}

void sd_domain_result_free(sd_domain_result *r) {
  if (!r) return;
  free(r->domain);
  free(r->mx_why_bogus);
  free(r->sts_txt_why_bogus);
  free(r->input);
  for (size_t i = 0; i < r->mx_count && r->mx; i++) mx_result_free(&r->mx[i]);
  free(r->mx);
  txt_set_free(r->sts_txts, r->sts_txt_lens, r->sts_txt_count);
  sd_sts_record_free(&r->sts_record);
  free(r->sts_txt_cname);
  free(r->policy_host_cname);
  sd_fetch_result_free(&r->fetch);
  sd_sts_policy_free(&r->policy);
  txt_set_free(r->tlsrpt_txts, r->tlsrpt_txt_lens, r->tlsrpt_txt_count);
  sd_tlsrpt_record_free(&r->tlsrpt);
  for (size_t i = 0; i < r->conflict_count && r->conflicts; i++) free(r->conflicts[i].detail);
  free(r->conflicts);
  free(r->unknown_reason);
  sd_findings_clear(&r->findings);
  memset(r, 0, sizeof(*r));
}
