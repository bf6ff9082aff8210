/*
 * A scan row (the JSON of src/result/result_json.c) back into the part of an
 * sd_domain_result that the text renderer shows, so `report --html` prints a
 * domain exactly as `stsdane check` does, from the same renderer, instead of
 * a second copy of its wording. Only what sd_render_text reads is restored;
 * names the row does not know stay at their zero value. Rows are untrusted:
 * every field may be missing or of the wrong type, counts are bounded.
 */
#include "result/result_from_json.h"

#include <stdlib.h>
#include <string.h>

#include "util/str.h"

enum { MAX_MX = 64, MAX_ADDRS = 32, MAX_TLSA = 64, MAX_FINDINGS = 512, MAX_CONFLICTS = 64, NAME_SCAN = 16 };

static const cJSON *member(const cJSON *o, const char *key) { return cJSON_GetObjectItemCaseSensitive(o, key); }

static const char *str(const cJSON *o, const char *key) {
  const cJSON *v = member(o, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static char *dup_str(const cJSON *o, const char *key) {
  const char *s = str(o, key);
  return s ? sd_strdup(s) : NULL;
}

static int number(const cJSON *o, const char *key, int fallback) {
  const cJSON *v = member(o, key);
  return cJSON_IsNumber(v) && v->valuedouble > -1e9 && v->valuedouble < 1e9 ? (int)v->valuedouble : fallback;
}

/* -1 when missing or null, else the boolean. */
static int tristate(const cJSON *o, const char *key) {
  const cJSON *v = member(o, key);
  return cJSON_IsBool(v) ? cJSON_IsTrue(v) : -1;
}

/* The enum value whose name is s (the names come from the same *_name
 * functions that wrote the row), or fallback. */
typedef const char *(*name_fn)(int);
static int by_name(name_fn fn, const char *s, int fallback) {
  if (!s) return fallback;
  for (int i = 0; i < NAME_SCAN; i++) {
    const char *n = fn(i);
    if (n && strcmp(n, s) == 0) return i;
  }
  return fallback;
}

static const char *outcome_name(int i) { return sd_outcome_name((sd_outcome)i); }
static const char *protected_name(int i) { return sd_protected_by_name((sd_protected_by)i); }
static const char *sts_name(int i) { return sd_sts_status_name((sd_sts_status)i); }
static const char *dane_name(int i) { return sd_dane_status_name((sd_dane_status)i); }
static const char *dnssec_name(int i) { return sd_dnssec_name((sd_dnssec)i); }
static const char *mode_name(int i) { return i ? sd_sts_mode_name((sd_sts_mode)i) : NULL; }
static const char *mismatch_name(int i) { return sd_sts_mismatch_name((sd_sts_mismatch)i); }
static const char *mx_dane_name(int i) { return sd_mx_dane_name((sd_mx_dane)i); }
static const char *probe_name(int i) { return sd_probe_status_name((sd_probe_status)i); }
static const char *usability_name(int i) { return sd_tlsa_usability_name((sd_tlsa_usability)i); }

static size_t bounded_size(const cJSON *arr, size_t max) {
  int n = cJSON_GetArraySize(arr);
  return n <= 0 ? 0 : (size_t)n > max ? max : (size_t)n;
}

static void address_from_json(sd_addr_result *a, const cJSON *j) {
  a->ip = dup_str(j, "ip");
  const cJSON *smtp = member(j, "smtp");
  if (cJSON_IsObject(smtp)) {
    a->probed = 1;
    a->probe.status = (sd_probe_status)by_name(probe_name, str(smtp, "status"), 0);
    a->probe.tls_version = dup_str(smtp, "tls_version");
  }
  const cJSON *pkix = member(j, "pkix");
  if (cJSON_IsObject(pkix)) {
    a->pkix_checked = 1;
    a->pkix.valid = cJSON_IsTrue(member(pkix, "valid"));
  }
  const cJSON *dane = member(j, "dane");
  int valid = tristate(dane, "valid");
  if (valid >= 0) {
    a->dane_checked = 1;
    a->dane.valid = valid;
    a->dane.matched = dup_str(dane, "matched");
    a->dane.match_depth = number(dane, "depth", -1);
  }
}

static void tlsa_from_json(sd_mx_result *mx, const cJSON *t) {
  if (!cJSON_IsObject(t)) return;
  mx->tlsa_queried = 1;
  mx->tlsa_base = dup_str(t, "base");
  mx->tlsa_dnssec = (sd_dnssec)by_name(dnssec_name, str(t, "dnssec"), 0);
  const cJSON *records = member(t, "records"), *statuses = member(t, "record_status");
  size_t n = bounded_size(records, MAX_TLSA);
  mx->tlsa = n ? calloc(n, sizeof(*mx->tlsa)) : NULL;
  mx->tlsa_status = n ? calloc(n, sizeof(*mx->tlsa_status)) : NULL;
  if (!mx->tlsa || !mx->tlsa_status) return;
  for (size_t i = 0; i < n; i++) {
    const cJSON *rec = cJSON_GetArrayItem(records, (int)i), *st = cJSON_GetArrayItem(statuses, (int)i);
    if (!cJSON_IsString(rec) || sd_tlsa_parse_text(rec->valuestring, &mx->tlsa[mx->tlsa_count]) != 0) continue;
    mx->tlsa_status[mx->tlsa_count++] =
        (sd_tlsa_usability)by_name(usability_name, cJSON_IsString(st) ? st->valuestring : NULL, 0);
  }
}

static void mx_from_json(sd_mx_result *mx, const cJSON *j) {
  mx->host = dup_str(j, "host");
  mx->preference = number(j, "preference", 0);
  mx->sts_match = tristate(j, "sts_match");
  mx->mismatch.kind = (sd_sts_mismatch)by_name(mismatch_name, str(j, "sts_mismatch"), 0);
  mx->cname_target = dup_str(j, "cname");
  mx->dane = (sd_mx_dane)by_name(mx_dane_name, str(j, "dane"), 0);
  tlsa_from_json(mx, member(j, "tlsa"));
  const cJSON *addrs = member(j, "addresses");
  size_t n = bounded_size(addrs, MAX_ADDRS);
  mx->addrs = n ? calloc(n, sizeof(*mx->addrs)) : NULL;
  for (size_t i = 0; mx->addrs && i < n; i++) address_from_json(&mx->addrs[mx->addr_count++], cJSON_GetArrayItem(addrs, (int)i));
}

static void findings_from_json(sd_findings *list, const cJSON *arr) {
  size_t n = bounded_size(arr, MAX_FINDINGS);
  for (size_t i = 0; i < n; i++) {
    const cJSON *f = cJSON_GetArrayItem(arr, (int)i);
    sd_code code = sd_code_by_name(str(f, "code") ? str(f, "code") : "");
    if (code >= SD_C__COUNT) continue;
    const char *detail = str(f, "detail"), *where = str(f, "where"), *remedy = str(f, "remedy");
    sd_finding *added = sd_findings_add(list, code, where ? where : "domain", "%s", detail ? detail : "");
    if (added && remedy) sd_finding_set_remedy(added, "%s", remedy);
  }
}

/* Conflict codes point into row (kept alive by the caller), as the scanner's
 * point into static strings. */
static void conflicts_from_json(sd_domain_result *r, const cJSON *arr) {
  size_t n = bounded_size(arr, MAX_CONFLICTS);
  r->conflicts = n ? calloc(n, sizeof(*r->conflicts)) : NULL;
  for (size_t i = 0; r->conflicts && i < n; i++) {
    const cJSON *c = cJSON_GetArrayItem(arr, (int)i);
    const char *code = str(c, "code");
    if (!code) continue;
    r->conflicts[r->conflict_count].code = code;
    r->conflicts[r->conflict_count++].detail = dup_str(c, "detail");
  }
}

static void tlsrpt_from_json(sd_domain_result *r, const cJSON *t) {
  const char *status = str(t, "status");
  r->tlsrpt.status = status && strcmp(status, "valid") == 0     ? SD_TLSRPT_VALID
                     : status && strcmp(status, "invalid") == 0 ? SD_TLSRPT_INVALID
                                                                : r->tlsrpt.status;
}

int sd_result_from_json(const cJSON *row, sd_domain_result *r) {
  memset(r, 0, sizeof(*r));
  if (!cJSON_IsObject(row) || !str(row, "domain")) return -1;
  r->domain = dup_str(row, "domain");
  const cJSON *verdict = member(row, "verdict"), *profiles = member(verdict, "profiles");
  for (int p = 0; p < SD_PROFILE__COUNT; p++)
    r->profiles[p] = (sd_outcome)by_name(outcome_name, str(profiles, sd_profile_name((sd_profile)p)), 0);
  r->protected_by = (sd_protected_by)by_name(protected_name, str(verdict, "protected_by"), SD_PROTECTED_UNKNOWN);
  r->unknown_reason = dup_str(verdict, "unknown_reason");
  conflicts_from_json(r, member(verdict, "conflicts"));
  const cJSON *mtasts = member(row, "mtasts"), *policy = member(mtasts, "policy");
  r->sts_status = (sd_sts_status)by_name(sts_name, str(mtasts, "status"), SD_STS_ABSENT);
  r->policy.mode = (sd_sts_mode)by_name(mode_name, str(policy, "mode"), SD_STS_MODE_UNSET);
  r->policy.max_age = number(policy, "max_age", -1);
  r->dane_status = (sd_dane_status)by_name(dane_name, str(member(row, "dane"), "status"), SD_DANE_ABSENT);
  r->mx_dnssec = (sd_dnssec)by_name(dnssec_name, str(row, "mx_dnssec"), 0);
  tlsrpt_from_json(r, member(row, "tlsrpt"));
  r->null_mx = cJSON_IsTrue(member(row, "null_mx"));
  findings_from_json(&r->findings, member(row, "findings"));
  r->invalid_domain = sd_findings_has(&r->findings, SD_C_INVALID_DOMAIN);
  const cJSON *mxs = member(row, "mx");
  size_t n = bounded_size(mxs, MAX_MX);
  r->mx = n ? calloc(n, sizeof(*r->mx)) : NULL;
  for (size_t i = 0; r->mx && i < n; i++) mx_from_json(&r->mx[r->mx_count++], cJSON_GetArrayItem(mxs, (int)i));
  return 0;
}
