/* The aggregate as JSON: the machine-readable report (`report --json`).
 * Keys are stable; every sub-class key is present even when zero, so
 * scripts can index without checking. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/agg_internal.h"

enum { TOP_PROVIDERS = 25 };

static void num(cJSON *o, const char *key, long long v) { cJSON_AddNumberToObject(o, key, (double)v); }

static cJSON *named_counts(cJSON *parent, const char *key, const char *const *names, const long long *v, int n) {
  cJSON *o = cJSON_AddObjectToObject(parent, key);
  for (int i = 0; i < n; i++) num(o, names[i], v[i]);
  return o;
}

/* Fixed keys first (zero when absent), then any other key of the map, sorted. */
static cJSON *map_counts(cJSON *parent, const char *key, const sd_strmap *m, const char *const *fixed) {
  cJSON *o = cJSON_AddObjectToObject(parent, key);
  for (size_t i = 0; fixed && fixed[i]; i++) num(o, fixed[i], sd_strmap_count(m, fixed[i]));
  size_t n;
  const sd_strmap_entry **sorted = sd_strmap_sorted(m, &n, NULL);
  for (size_t i = 0; i < n; i++)
    if (!cJSON_GetObjectItemCaseSensitive(o, sorted[i]->key)) num(o, sorted[i]->key, sorted[i]->count);
  free(sorted);
  return o;
}

static cJSON *adoption_json(const sd_agg_adoption *ad) {
  cJSON *o = cJSON_CreateObject();
  for (int i = 0; i < SD_ADOPT__COUNT; i++) num(o, sd_adopt_counter_names[i], ad->c[i]);
  return o;
}

static void add_adoption(cJSON *root, const sd_agg *a) {
  cJSON *o = cJSON_AddObjectToObject(root, "adoption");
  cJSON_AddStringToObject(o, "denominator", "measured domains (per TLD: measured domains of that TLD)");
  cJSON_AddItemToObject(o, "overall", adoption_json(&a->adoption));
  cJSON *tlds = cJSON_AddObjectToObject(o, "per_tld");
  size_t n;
  const sd_strmap_entry **sorted = sd_strmap_sorted(&a->per_tld, &n, NULL);
  for (size_t i = 0; i < n; i++)
    if (sorted[i]->ext) cJSON_AddItemToObject(tlds, sorted[i]->key, adoption_json(sorted[i]->ext));
  free(sorted);
}

/* The domains whose measurement failed: apart from every other count. */
static void add_not_measured(cJSON *root, const sd_agg *a) {
  cJSON *o = cJSON_AddObjectToObject(root, "not_measured");
  cJSON_AddStringToObject(o, "meaning", "protected_by unknown: not counted in adoption, profiles, protected_by "
                                        "(except its unknown key), conflicts, classes or providers");
  num(o, "domains", a->c[SD_AGG_NOT_MEASURED]);
  map_counts(o, "reasons", &a->not_measured_reasons, NULL);
  cJSON_AddItemToObject(o, "adoption", adoption_json(&a->not_measured));
  map_counts(o, "conflicts", &a->not_measured_conflicts, NULL);
}

static void add_verdicts(cJSON *root, const sd_agg *a) {
  cJSON *profiles = cJSON_AddObjectToObject(root, "profiles");
  for (int p = 0; p < SD_AGG_PROFILES; p++)
    named_counts(profiles, sd_agg_profile_names[p], sd_agg_outcome_names, a->profiles[p], SD_AGG_OUTCOMES);
  named_counts(root, "protected_by", sd_agg_protected_by_names, a->protected_by, SD_AGG_PROTECTED_BY);
  static const char *const conflict_codes[] = {"sts-fails-dane-passes", "dane-fails-sts-passes", "mx-set-mismatch",
                                               "cert-pkix-only",        "cert-dane-only",        "dane-with-sts-testing",
                                               NULL};
  map_counts(root, "conflicts", &a->conflicts, conflict_codes);
  cJSON *cross = cJSON_AddObjectToObject(root, "cross");
  num(cross, "domains_with_conflict", a->c[SD_AGG_CONFLICT_DOMAINS]);
  num(cross, "sts_fails_dane_passes", a->c[SD_AGG_STS_FAIL_DANE_PASS]);
  num(cross, "dane_fails_sts_passes", a->c[SD_AGG_DANE_FAIL_STS_PASS]);
  num(cross, "failing_domains", a->c[SD_AGG_FAILING]);
  num(cross, "failing_domains_with_tlsrpt", a->c[SD_AGG_FAILING_WITH_TLSRPT]);
}

static cJSON *sts_class(cJSON *classes, const char *key, long long domains, const sd_strmap *sub,
                        const char *const *keys) {
  cJSON *o = cJSON_AddObjectToObject(classes, key);
  num(o, "domains", domains);
  map_counts(o, "sub", sub, keys);
  return o;
}

static void add_mtasts(cJSON *root, const sd_agg *a) {
  const long long *ad = a->adoption.c;
  cJSON *o = cJSON_AddObjectToObject(root, "mtasts");
  named_counts(o, "status", sd_agg_sts_status_names, a->sts_status, SD_AGG_STS_STATUS);
  cJSON *adopt = cJSON_AddObjectToObject(o, "adoption");
  num(adopt, "record", ad[SD_ADOPT_STS_RECORD]);
  num(adopt, "valid_policy", ad[SD_ADOPT_STS_VALID]);
  num(adopt, "with_tlsrpt", ad[SD_ADOPT_STS_WITH_TLSRPT]);
  cJSON *modes = cJSON_AddObjectToObject(o, "modes");
  num(modes, "enforce", ad[SD_ADOPT_MODE_ENFORCE]);
  num(modes, "testing", ad[SD_ADOPT_MODE_TESTING]);
  num(modes, "none", ad[SD_ADOPT_MODE_NONE]);
  cJSON *ages = cJSON_AddObjectToObject(o, "max_age");
  num(ages, "<1d", ad[SD_ADOPT_MAX_AGE_LT_1D]);
  num(ages, "1d-1w", ad[SD_ADOPT_MAX_AGE_1D_1W]);
  num(ages, "1w-30d", ad[SD_ADOPT_MAX_AGE_1W_30D]);
  num(ages, "30d-1y", ad[SD_ADOPT_MAX_AGE_30D_1Y]);
  num(ages, ">1y", ad[SD_ADOPT_MAX_AGE_GT_1Y]);
  cJSON *classes = cJSON_AddObjectToObject(o, "classes");
  sts_class(classes, "invalid_txt", a->c[SD_AGG_STS_C1], &a->sts_c1, sd_agg_sts_c1_keys);
  cJSON *c2 = sts_class(classes, "policy_retrieval", a->c[SD_AGG_STS_C2], &a->sts_c2, sd_agg_sts_c2_keys);
  static const char *const first_status[] = {"404", NULL};
  map_counts(c2, "http_status", &a->sts_http, first_status);
  cJSON *c3 = sts_class(classes, "mx_certificate", a->c[SD_AGG_STS_C3], &a->sts_c3, sd_agg_sts_c3_keys);
  num(c3, "some_mx", a->c[SD_AGG_STS_C3_ANY_MX]);
  num(c3, "all_mx", a->c[SD_AGG_STS_C3_ALL_MX]);
  sts_class(classes, "inconsistency", a->c[SD_AGG_STS_C4], &a->sts_c4, sd_agg_sts_c4_keys);
  cJSON_AddStringToObject(o, "denominator", "domains with an MTA-STS record");
  num(o, "with_record", ad[SD_ADOPT_STS_RECORD]);
  num(o, "misconfigured", a->c[SD_AGG_STS_MISCONFIGURED]);
  num(o, "enforce", ad[SD_ADOPT_MODE_ENFORCE]);
  num(o, "enforce_fail", a->c[SD_AGG_STS_ENFORCE_FAIL]);
}

static void add_dane(cJSON *root, const sd_agg *a) {
  const long long *ad = a->adoption.c;
  cJSON *o = cJSON_AddObjectToObject(root, "dane");
  named_counts(o, "status", sd_agg_dane_status_names, a->dane_status, SD_AGG_DANE_STATUS);
  cJSON *adopt = cJSON_AddObjectToObject(o, "adoption");
  num(adopt, "mx_dnssec_signed", ad[SD_ADOPT_MX_DNSSEC]);
  num(adopt, "tlsa_any_mx", ad[SD_ADOPT_TLSA_ANY_MX]);
  num(adopt, "tlsa_all_mx", ad[SD_ADOPT_TLSA_ALL_MX]);
  num(adopt, "valid", ad[SD_ADOPT_DANE_VALID]);
  cJSON *classes = cJSON_AddObjectToObject(o, "classes");
  num(classes, "missing_ds", a->c[SD_AGG_DANE_MISSING_DS]);
  cJSON *bogus = cJSON_AddObjectToObject(classes, "bogus");
  num(bogus, "domains", a->c[SD_AGG_DANE_BOGUS]);
  map_counts(bogus, "sub", &a->dane_bogus, sd_agg_dane_bogus_keys);
  cJSON *insecure = cJSON_AddObjectToObject(classes, "tlsa_insecure");
  num(insecure, "domains", a->c[SD_AGG_DANE_INSECURE]);
  map_counts(insecure, "sub", &a->dane_insec, sd_agg_dane_insecure_keys);
  num(classes, "starttls_missing", a->c[SD_AGG_DANE_STARTTLS]);
  cJSON *mismatch = cJSON_AddObjectToObject(classes, "tlsa_mismatch");
  num(mismatch, "domains", a->c[SD_AGG_DANE_MISMATCH]);
  num(mismatch, "params_wrong", a->c[SD_AGG_DANE_MISMATCH_PARAMS]);
  num(mismatch, "data_wrong", a->c[SD_AGG_DANE_MISMATCH_DATA]);
  num(classes, "unusable_only", a->c[SD_AGG_DANE_UNUSABLE]);
  num(classes, "partial_coverage", a->c[SD_AGG_DANE_PARTIAL]);
  num(classes, "validation_other", a->c[SD_AGG_DANE_VALIDATION_OTHER]);
  cJSON_AddStringToObject(o, "denominator", "population: DANE domains (TLSA on at least one MX, or a DANE class although no TLSA record could be read); missing_ds: all measured domains");
  num(o, "with_tlsa", ad[SD_ADOPT_TLSA_ANY_MX]);
  num(o, "population", a->c[SD_AGG_DANE_POPULATION]);
  num(o, "misconfigured", a->c[SD_AGG_DANE_MISCONFIGURED]);
  cJSON *records = cJSON_AddObjectToObject(o, "tlsa_records");
  cJSON_AddStringToObject(records, "denominator", "TLSA records over all MX hosts");
  num(records, "total", a->c[SD_AGG_TLSA_RECORDS]);
  static const char *const usages[] = {"0", "1", "2", "3", NULL}, *const selectors[] = {"0", "1", NULL};
  map_counts(records, "usage", &a->tlsa_usage, usages);
  map_counts(records, "selector", &a->tlsa_selector, selectors);
  map_counts(records, "parameters", &a->tlsa_params, NULL);
  num(o, "dane_ee_domains", a->c[SD_AGG_DANE_EE_DOMAINS]);
  num(o, "dane_ta_domains", a->c[SD_AGG_DANE_TA_DOMAINS]);
}

static cJSON *operator_json(const char *key, const long long *c) {
  cJSON *o = cJSON_CreateObject();
  if (key) cJSON_AddStringToObject(o, "operator", key);
  for (int i = 0; i < SD_OP__COUNT; i++) num(o, sd_operator_counter_names[i], c[i]);
  return o;
}

static int cmp_operator_domains(const void *x, const void *y) {
  const sd_strmap_entry *a = *(const sd_strmap_entry *const *)x, *b = *(const sd_strmap_entry *const *)y;
  long long da = ((const sd_agg_operator *)a->ext)->c[SD_OP_DOMAINS];
  long long db = ((const sd_agg_operator *)b->ext)->c[SD_OP_DOMAINS];
  if (da != db) return da > db ? -1 : 1;
  return strcmp(a->key, b->key);
}

static void add_operator_role(cJSON *parent, const char *key, const sd_agg *a, const sd_strmap *ops) {
  cJSON *o = cJSON_AddObjectToObject(parent, key);
  static const char *const kinds[] = {"not_attributed", "self_managed", "third_party"};
  for (int tp = 1; tp >= -1; tp--) {
    long long totals[SD_OP__COUNT], operators;
    sd_agg_operator_totals(a, ops, tp, totals, &operators);
    cJSON *t = operator_json(NULL, totals);
    if (tp >= 0) num(t, "operators", operators);
    cJSON_AddItemToObject(o, kinds[tp + 1], t);
  }
  cJSON *top = cJSON_AddArrayToObject(o, "top");
  size_t n, shown = 0;
  const sd_strmap_entry **sorted = sd_strmap_sorted(ops, &n, cmp_operator_domains);
  for (size_t i = 0; i < n && shown < TOP_PROVIDERS; i++) {
    if (!sd_agg_operator_is_provider(a, sorted[i]->ext)) continue;
    cJSON_AddItemToArray(top, operator_json(sorted[i]->key, ((const sd_agg_operator *)sorted[i]->ext)->c));
    shown++;
  }
  free(sorted);
}

static void add_providers(cJSON *root, const sd_agg *a) {
  cJSON *o = cJSON_AddObjectToObject(root, "providers");
  num(o, "threshold", a->provider_threshold);
  cJSON_AddStringToObject(o, "registrable_domain", "public suffix + one label (Public Suffix List, libpsl)");
  cJSON_AddStringToObject(o, "denominator", "domains of that role (MX: measured domains; policy hosting: those with an MTA-STS record), not_attributed: no operator seen");
  add_operator_role(o, "policy_hosting", a, &a->policy_hosts);
  add_operator_role(o, "mx", a, &a->mx_hosts);
}

static void add_time(cJSON *o, const char *key, time_t t) {
  if (!t) {
    cJSON_AddNullToObject(o, key);
    return;
  }
  struct tm tm;
  char buf[32];
  gmtime_r(&t, &tm);
  strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  cJSON_AddStringToObject(o, key, buf);
}

static void add_quality(cJSON *root, const sd_agg *a) {
  cJSON *o = cJSON_AddObjectToObject(root, "quality");
  num(o, "lines", a->c[SD_AGG_LINES]);
  num(o, "malformed_lines", a->c[SD_AGG_MALFORMED]);
  num(o, "domains", a->adoption.c[SD_ADOPT_DOMAINS] + a->c[SD_AGG_NOT_MEASURED]);
  cJSON *unknown = cJSON_AddObjectToObject(o, "unknown");
  cJSON_AddStringToObject(unknown, "denominator", "domains with at least one unknown profile outcome");
  num(unknown, "domains", a->c[SD_AGG_UNKNOWN_DOMAINS]);
  map_counts(unknown, "reasons", &a->unknown_reasons, NULL);
  map_counts(unknown, "codes", &a->unknown_codes, NULL);
  cJSON *when = cJSON_AddObjectToObject(o, "scanned_at");
  add_time(when, "first", a->first_scanned);
  add_time(when, "last", a->last_scanned);
  long long duration = a->first_scanned ? (long long)(a->last_scanned - a->first_scanned) : 0;
  num(o, "duration_seconds", duration);
  cJSON_AddNumberToObject(o, "domains_per_second",
                          duration > 0 ? (double)(a->adoption.c[SD_ADOPT_DOMAINS] + a->c[SD_AGG_NOT_MEASURED]) /
                                             (double)duration : 0);
  map_counts(o, "versions", &a->versions, NULL);
  map_counts(o, "scan_options", &a->scan_options, NULL);
  int incomplete = a->per_tld.failed || a->conflicts.failed || a->policy_hosts.failed || a->mx_hosts.failed;
  cJSON_AddBoolToObject(o, "out_of_memory", incomplete);
}

cJSON *sd_agg_to_json(const sd_agg *a) {
  cJSON *root = cJSON_CreateObject();
  if (!root) return NULL;
  cJSON_AddStringToObject(root, "report", "stsdane");
  num(root, "report_version", 1);
  num(root, "domains", a->adoption.c[SD_ADOPT_DOMAINS] + a->c[SD_AGG_NOT_MEASURED]);
  num(root, "measured_domains", a->adoption.c[SD_ADOPT_DOMAINS]);
  add_not_measured(root, a);
  add_adoption(root, a);
  add_verdicts(root, a);
  add_mtasts(root, a);
  add_dane(root, a);
  named_counts(cJSON_AddObjectToObject(root, "tlsrpt"), "status", sd_agg_tlsrpt_status_names, a->tlsrpt_status,
               SD_AGG_TLSRPT_STATUS);
  add_providers(root, a);
  add_quality(root, a);
  return root;
}
