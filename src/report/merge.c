/* Merging aggregates of shards: sums, min/max and capped set unions only, so
 * the result does not depend on how the scan was split or in which order
 * the parts are merged. */
#include <stdlib.h>

#include "report/agg_internal.h"

static void add_array(long long *dst, const long long *src, size_t n) {
  for (size_t i = 0; i < n; i++) dst[i] += src[i];
}

static void merge_tlds(sd_strmap *dst, const sd_strmap *src) {
  for (size_t i = 0; i < src->cap; i++) {
    const sd_strmap_entry *e = &src->slots[i];
    if (!e->key || !e->ext) continue;
    sd_strmap_entry *d = sd_strmap_get(dst, e->key);
    if (!d) continue;
    if (!d->ext) d->ext = calloc(1, sizeof(sd_agg_adoption));
    if (!d->ext) {
      dst->failed = 1;
      continue;
    }
    d->count += e->count;
    add_array(((sd_agg_adoption *)d->ext)->c, ((const sd_agg_adoption *)e->ext)->c, SD_ADOPT__COUNT);
  }
  if (src->failed) dst->failed = 1;
}

int sd_agg_merge(sd_agg *dst, const sd_agg *src) {
  if (!dst || !src || dst->provider_threshold != src->provider_threshold) return -1;
  add_array(dst->adoption.c, src->adoption.c, SD_ADOPT__COUNT);
  add_array(dst->not_measured.c, src->not_measured.c, SD_ADOPT__COUNT);
  add_array(dst->c, src->c, SD_AGG__COUNT);
  add_array(&dst->profiles[0][0], &src->profiles[0][0], SD_AGG_PROFILES * SD_AGG_OUTCOMES);
  add_array(dst->protected_by, src->protected_by, SD_AGG_PROTECTED_BY);
  add_array(dst->sts_status, src->sts_status, SD_AGG_STS_STATUS);
  add_array(dst->dane_status, src->dane_status, SD_AGG_DANE_STATUS);
  add_array(dst->tlsrpt_status, src->tlsrpt_status, SD_AGG_TLSRPT_STATUS);
  if (src->first_scanned && (!dst->first_scanned || src->first_scanned < dst->first_scanned))
    dst->first_scanned = src->first_scanned;
  if (src->last_scanned > dst->last_scanned) dst->last_scanned = src->last_scanned;

  merge_tlds(&dst->per_tld, &src->per_tld);
  const sd_strmap *from[] = {&src->conflicts,   &src->sts_c1,          &src->sts_c2,         &src->sts_http,
                             &src->sts_c3,      &src->sts_c4,          &src->dane_bogus,     &src->dane_insec,
                             &src->tlsa_params, &src->tlsa_usage,      &src->tlsa_selector,  &src->unknown_reasons,
                             &src->unknown_codes, &src->versions, &src->scan_options, &src->not_measured_reasons,
                             &src->not_measured_conflicts};
  sd_strmap *to[] = {&dst->conflicts,   &dst->sts_c1,          &dst->sts_c2,         &dst->sts_http,
                     &dst->sts_c3,      &dst->sts_c4,          &dst->dane_bogus,     &dst->dane_insec,
                     &dst->tlsa_params, &dst->tlsa_usage,      &dst->tlsa_selector,  &dst->unknown_reasons,
                     &dst->unknown_codes, &dst->versions, &dst->scan_options, &dst->not_measured_reasons,
                     &dst->not_measured_conflicts};
  for (size_t i = 0; i < sizeof(to) / sizeof(to[0]); i++) sd_strmap_merge_counts(to[i], from[i]);
  sd_agg_merge_operators(&dst->policy_hosts, &src->policy_hosts, dst->provider_threshold);
  sd_agg_merge_operators(&dst->mx_hosts, &src->mx_hosts, dst->provider_threshold);
  return 0;
}
