/*
 * Adding one scan result to the aggregate: every table of
 * shared/spec/report-tables.md is derived here from the result's statuses,
 * verdict and finding codes (codes.def), so the report never re-implements
 * a check; it only counts what the scan concluded.
 */
#include "report/aggregate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/agg_internal.h"
#include "compare/verdict.h"
#include "findings/findings.h"
#include "util/registrable.h"
#include "util/str.h"

#define SD_AGG_NAME_(id, name) name,
const char *const sd_adopt_counter_names[SD_ADOPT__COUNT] = {SD_ADOPTION_COUNTERS(SD_AGG_NAME_)};
const char *const sd_agg_counter_names[SD_AGG__COUNT] = {SD_AGG_COUNTERS(SD_AGG_NAME_)};
const char *const sd_operator_counter_names[SD_OP__COUNT] = {SD_OPERATOR_COUNTERS(SD_AGG_NAME_)};
#undef SD_AGG_NAME_

const char *const sd_agg_profile_names[SD_AGG_PROFILES] = {"opportunistic", "mta-sts", "dane", "dane+mta-sts"};
const char *const sd_agg_outcome_names[SD_AGG_OUTCOMES] = {"protected", "partial", "unprotected",
                                                           "fail",      "no-mail", "unknown"};
const char *const sd_agg_protected_by_names[SD_AGG_PROTECTED_BY] = {"none", "mta-sts", "dane", "both", "unknown"};
const char *const sd_agg_sts_status_names[SD_AGG_STS_STATUS] = {"valid", "invalid", "absent", "error"};
const char *const sd_agg_dane_status_names[SD_AGG_DANE_STATUS] = {"valid", "partial", "invalid", "absent",
                                                                  "insecure", "bogus", "error"};
const char *const sd_agg_tlsrpt_status_names[SD_AGG_TLSRPT_STATUS] = {"valid", "invalid", "absent", "error"};

/* ---- setup ------------------------------------------------------------------ */

static void operator_free(void *p) {
  sd_agg_operator *op = p;
  sd_strmap_free(&op->served);
  free(op);
}

static sd_strmap *agg_maps(sd_agg *a, size_t *n) {
  /* The maps are consecutive members from per_tld to mx_hosts. */
  *n = (size_t)(&a->mx_hosts - &a->per_tld) + 1;
  return &a->per_tld;
}

void sd_agg_init(sd_agg *a, long provider_threshold) {
  memset(a, 0, sizeof(*a));
  a->provider_threshold = provider_threshold > 0 ? provider_threshold : SD_AGG_DEFAULT_PROVIDER_THRESHOLD;
  a->per_tld.ext_free = free;
  a->policy_hosts.ext_free = operator_free;
  a->mx_hosts.ext_free = operator_free;
}

void sd_agg_free(sd_agg *a) {
  if (!a) return;
  size_t n;
  sd_strmap *maps = agg_maps(a, &n);
  for (size_t i = 0; i < n; i++) sd_strmap_free(&maps[i]);
}

/* ---- small JSON accessors (every field may be missing or of the wrong type) -- */

const char *sd_agg_jstr(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

int sd_agg_jtrue(const cJSON *o, const char *key) { return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, key)); }

int sd_agg_name_index(const char *const *names, int n, const char *value) {
  if (!value) return -1;
  for (int i = 0; i < n; i++)
    if (strcmp(names[i], value) == 0) return i;
  return -1;
}

char *sd_agg_registrable(const char *name, char *out, size_t out_len) {
  return sd_registrable_domain(name, out, out_len);
}

/* "2025-01-02T03:04:05Z" -> seconds since the epoch (UTC); 0 when malformed. */
time_t sd_agg_parse_time(const char *s) {
  if (!s) return 0;
  struct tm tm = {0};
  const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
  if (!end) return 0;
  time_t t = timegm(&tm);
  return t < 0 ? 0 : t;
}

/* ---- facts of one domain ------------------------------------------------------ */

/* The finding codes present in a result, and the MX hosts class 3 applies to. */
typedef struct domain_facts {
  const cJSON *r, *mx, *mtasts, *policy, *verdict;
  const char *domain;
  unsigned char seen[SD_C__COUNT];
  int outcome[SD_AGG_PROFILES]; /* index into sd_agg_outcome_names or -1 */
  int sts_status, dane_status, tlsrpt_status, protected_by;
  int sts_record, sts_valid, dane_ok, tlsa_any, tlsa_all, mx_count;
  int sts_misconfigured, dane_misconfigured;
  int dane_population; /* TLSA on some MX, or a DANE class although no record could be read */
} domain_facts;

static int has(const domain_facts *f, sd_code c) { return f->seen[c]; }

static void collect_findings(domain_facts *f) {
  const cJSON *item;
  cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(f->r, "findings")) {
    sd_code c = sd_code_by_name(sd_agg_jstr(item, "code") ? sd_agg_jstr(item, "code") : "");
    if (c < SD_C__COUNT) f->seen[c] = 1;
  }
}

static void collect_tlsa(domain_facts *f) {
  int with = 0, total = 0;
  const cJSON *mx;
  cJSON_ArrayForEach(mx, f->mx) {
    total++;
    const cJSON *tlsa = cJSON_GetObjectItemCaseSensitive(mx, "tlsa");
    if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(tlsa, "records")) > 0) with++;
  }
  f->mx_count = total;
  f->tlsa_any = with > 0;
  f->tlsa_all = total > 0 && with == total;
}

static int record_finding(const domain_facts *f) {
  for (int c = SD_C_STS_RECORD_MULTIPLE; c <= SD_C_STS_RECORD_DUPLICATE_FIELD; c++)
    if (f->seen[c]) return 1;
  return 0;
}

static void domain_facts_init(domain_facts *f, const cJSON *r) {
  memset(f, 0, sizeof(*f));
  f->r = r;
  f->domain = sd_agg_jstr(r, "domain");
  f->mx = cJSON_GetObjectItemCaseSensitive(r, "mx");
  f->mtasts = cJSON_GetObjectItemCaseSensitive(r, "mtasts");
  f->policy = cJSON_GetObjectItemCaseSensitive(f->mtasts, "policy");
  f->verdict = cJSON_GetObjectItemCaseSensitive(r, "verdict");
  collect_findings(f);
  collect_tlsa(f);
  const cJSON *profiles = cJSON_GetObjectItemCaseSensitive(f->verdict, "profiles");
  for (int p = 0; p < SD_AGG_PROFILES; p++)
    f->outcome[p] = sd_agg_name_index(sd_agg_outcome_names, SD_AGG_OUTCOMES,
                                      sd_agg_jstr(profiles, sd_agg_profile_names[p]));
  f->sts_status = sd_agg_name_index(sd_agg_sts_status_names, SD_AGG_STS_STATUS, sd_agg_jstr(f->mtasts, "status"));
  f->dane_status = sd_agg_name_index(sd_agg_dane_status_names, SD_AGG_DANE_STATUS,
                                     sd_agg_jstr(cJSON_GetObjectItemCaseSensitive(r, "dane"), "status"));
  f->tlsrpt_status = sd_agg_name_index(sd_agg_tlsrpt_status_names, SD_AGG_TLSRPT_STATUS,
                                       sd_agg_jstr(cJSON_GetObjectItemCaseSensitive(r, "tlsrpt"), "status"));
  f->protected_by = sd_agg_name_index(sd_agg_protected_by_names, SD_AGG_PROTECTED_BY,
                                      sd_agg_jstr(f->verdict, "protected_by"));
  /* A record in the study's sense: a valid or invalid record, or any record
   * finding (a bad version prefix may leave the status "absent"). */
  f->sts_record = f->sts_status == 0 || f->sts_status == 1 || record_finding(f);
  if (has(f, SD_C_STS_RECORD_LOOKUP_FAILED) && f->sts_status != 0 && f->sts_status != 1) f->sts_record = 0;
  f->sts_valid = f->sts_status == 0;
  f->dane_ok = f->dane_status == 0 || f->dane_status == 1;
}

/* ---- table 1: adoption --------------------------------------------------------- */

static void count_max_age(sd_agg_adoption *ad, const cJSON *policy) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(policy, "max_age");
  if (!cJSON_IsNumber(v)) return;
  double s = v->valuedouble;
  sd_adopt_counter b = s < 86400      ? SD_ADOPT_MAX_AGE_LT_1D
                       : s < 604800   ? SD_ADOPT_MAX_AGE_1D_1W
                       : s < 2592000  ? SD_ADOPT_MAX_AGE_1W_30D
                       : s <= 31557600 ? SD_ADOPT_MAX_AGE_30D_1Y
                                       : SD_ADOPT_MAX_AGE_GT_1Y;
  ad->c[b]++;
}

static void count_adoption(sd_agg_adoption *ad, const domain_facts *f) {
  long long *c = ad->c;
  int null_mx = sd_agg_jtrue(f->r, "null_mx");
  c[SD_ADOPT_DOMAINS]++;
  if (null_mx) c[SD_ADOPT_NULL_MX]++;
  else if (f->mx_count > 0 && !sd_agg_jtrue(f->r, "implicit_mx")) c[SD_ADOPT_WITH_MX]++;
  if (f->outcome[0] == 4) c[SD_ADOPT_NO_MAIL]++;
  if (f->sts_record) c[SD_ADOPT_STS_RECORD]++;
  if (f->sts_valid) {
    c[SD_ADOPT_STS_VALID]++;
    const char *mode = sd_agg_jstr(f->policy, "mode");
    if (mode && strcmp(mode, "enforce") == 0) c[SD_ADOPT_MODE_ENFORCE]++;
    else if (mode && strcmp(mode, "testing") == 0) c[SD_ADOPT_MODE_TESTING]++;
    else if (mode && strcmp(mode, "none") == 0) c[SD_ADOPT_MODE_NONE]++;
    count_max_age(ad, f->policy);
  }
  if (f->tlsrpt_status == 0 || f->tlsrpt_status == 1) c[SD_ADOPT_TLSRPT_RECORD]++;
  if (f->tlsrpt_status == 0) c[SD_ADOPT_TLSRPT_VALID]++;
  if (f->sts_record && f->tlsrpt_status == 0) c[SD_ADOPT_STS_WITH_TLSRPT]++;
  const char *dnssec = sd_agg_jstr(f->r, "mx_dnssec");
  if (dnssec && strcmp(dnssec, "secure") == 0) c[SD_ADOPT_MX_DNSSEC]++;
  if (f->tlsa_any) c[SD_ADOPT_TLSA_ANY_MX]++;
  if (f->tlsa_all) c[SD_ADOPT_TLSA_ALL_MX]++;
  if (f->dane_ok) c[SD_ADOPT_DANE_VALID]++;
  if (f->sts_record && f->tlsa_any) c[SD_ADOPT_BOTH]++;
  if (f->sts_valid && f->dane_ok) c[SD_ADOPT_BOTH_VALID]++;
}

static void count_tld(sd_agg *a, const domain_facts *f) {
  char tld[64] = "?";
  if (f->domain) {
    size_t n = strlen(f->domain);
    while (n > 0 && f->domain[n - 1] == '.') n--;
    size_t start = n;
    while (start > 0 && f->domain[start - 1] != '.') start--;
    size_t len = n - start;
    if (len > 0 && len < sizeof(tld)) {
      for (size_t i = 0; i < len; i++) {
        char ch = f->domain[start + i];
        tld[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
      }
      tld[len] = '\0';
    }
  }
  sd_strmap_entry *e = sd_strmap_get(&a->per_tld, tld);
  if (!e) return;
  if (!e->ext) e->ext = calloc(1, sizeof(sd_agg_adoption));
  if (!e->ext) {
    a->per_tld.failed = 1;
    return;
  }
  e->count++;
  count_adoption(e->ext, f);
}

/* ---- table 2: MTA-STS misconfiguration classes ---------------------------------- */

static const sd_code sts_class1_codes[] = {SD_C_STS_RECORD_NO_ID,        SD_C_STS_RECORD_BAD_ID,
                                           SD_C_STS_RECORD_BAD_VERSION,  SD_C_STS_RECORD_BAD_EXTENSION,
                                           SD_C_STS_RECORD_MULTIPLE,     SD_C_STS_RECORD_SYNTAX};
/* Class 2 sub-classes: finding code -> group name in the report. */
static const struct { sd_code code; const char *group; } sts_class2_codes[] = {
    {SD_C_STS_POLICY_DNS, "dns"},
    {SD_C_STS_POLICY_TCP, "tcp"},            {SD_C_STS_POLICY_TLS_NAME, "tls-name"},
    {SD_C_STS_POLICY_TLS_UNTRUSTED, "tls-untrusted"}, {SD_C_STS_POLICY_TLS_EXPIRED, "tls-expired"},
    {SD_C_STS_POLICY_TLS_HANDSHAKE, "tls-handshake"}, {SD_C_STS_POLICY_HTTP_STATUS, "http-status"},
    {SD_C_STS_POLICY_REDIRECT, "http-redirect"},      {SD_C_STS_POLICY_TOO_LARGE, "too-large"},
    {SD_C_STS_POLICY_TIMEOUT, "timeout"},             {SD_C_STS_POLICY_FETCH_FAILED, "fetch-other"},
    {SD_C_STS_POLICY_SYNTAX, "syntax-line"},          {SD_C_STS_POLICY_NOT_TEXT, "syntax-not-text"},
    {SD_C_STS_POLICY_VERSION, "syntax-version"},      {SD_C_STS_POLICY_MODE, "syntax-mode"},
    {SD_C_STS_POLICY_MAX_AGE, "syntax-max-age"},      {SD_C_STS_POLICY_NO_MX, "syntax-no-mx"},
    {SD_C_STS_POLICY_BAD_MX_PATTERN, "syntax-bad-mx-pattern"},
};
static const sd_code sts_class3_codes[] = {SD_C_CERT_HOST_MISMATCH, SD_C_CERT_UNTRUSTED, SD_C_CERT_EXPIRED,
                                           SD_C_CERT_INVALID, SD_C_SMTP_STARTTLS_MISSING};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

const char *const sd_agg_sts_c1_keys[] = {"sts-record-no-id", "sts-record-bad-id", "sts-record-bad-version",
                                          "sts-record-bad-extension", "sts-record-multiple",
                                          "sts-record-syntax", NULL};
const char *const sd_agg_sts_c2_keys[] = {"dns", "tcp", "tls", "tls-name", "tls-untrusted", "tls-expired",
                                          "tls-handshake", "http", "http-status", "http-redirect",
                                          "too-large", "timeout", "fetch-other", "syntax", "syntax-line",
                                          "syntax-not-text", "syntax-version", "syntax-mode",
                                          "syntax-max-age", "syntax-no-mx", "syntax-bad-mx-pattern", NULL};
const char *const sd_agg_sts_c3_keys[] = {"cert-host-mismatch", "cert-untrusted", "cert-expired", "cert-invalid",
                                          "smtp-starttls-missing", NULL};
const char *const sd_agg_sts_c4_keys[] = {"typo", "tld", "third-label", "different", "unlisted", "lists-policy-host",
                                          "earlier-mx", NULL};
const char *const sd_agg_dane_bogus_keys[] = {"dnssec-expired-rrsig", "dnssec-bogus", "dnssec-lookup-failed",
                                              NULL};
const char *const sd_agg_dane_insecure_keys[] = {"dane-tlsa-insecure", "dane-mx-insecure", NULL};

static int class1(sd_agg *a, const domain_facts *f) {
  int hit = 0;
  for (size_t i = 0; i < COUNT_OF(sts_class1_codes); i++)
    if (has(f, sts_class1_codes[i])) {
      sd_strmap_add(&a->sts_c1, sd_code_lookup(sts_class1_codes[i])->name, 1);
      hit = 1;
    }
  if (hit) a->c[SD_AGG_STS_C1]++;
  return hit;
}

static void count_http_status(sd_agg *a, const domain_facts *f) {
  const cJSON *st = cJSON_GetObjectItemCaseSensitive(f->policy, "http_status");
  char key[32] = "unknown";
  if (cJSON_IsNumber(st) && st->valuedouble >= 0 && st->valuedouble < 1000)
    snprintf(key, sizeof(key), "%d", (int)st->valuedouble);
  sd_strmap_add(&a->sts_http, key, 1);
}

static int class2(sd_agg *a, const domain_facts *f) {
  /* Each group counts a domain once, even when two codes map to it. */
  const char *groups[COUNT_OF(sts_class2_codes) + 4];
  size_t ng = 0;
  int tls = 0, http = 0, syntax = 0;
  for (size_t i = 0; i < COUNT_OF(sts_class2_codes); i++) {
    if (!has(f, sts_class2_codes[i].code)) continue;
    const char *g = sts_class2_codes[i].group;
    int dup = 0;
    for (size_t j = 0; j < ng; j++) dup |= strcmp(groups[j], g) == 0;
    if (!dup) groups[ng++] = g;
    tls |= strncmp(g, "tls-", 4) == 0;
    http |= strncmp(g, "http-", 5) == 0;
    syntax |= strncmp(g, "syntax-", 7) == 0;
  }
  if (tls) groups[ng++] = "tls";
  if (http) groups[ng++] = "http";
  if (syntax) groups[ng++] = "syntax";
  for (size_t j = 0; j < ng; j++) sd_strmap_add(&a->sts_c2, groups[j], 1);
  if (has(f, SD_C_STS_POLICY_HTTP_STATUS)) count_http_status(a, f);
  if (ng) a->c[SD_AGG_STS_C2]++;
  return ng > 0;
}

/* The MX host named by a finding's where ("mx:<host>" or "mx:<host>/<ip>"),
 * as its index in the result's mx array, or -1. */
static int where_mx_index(const domain_facts *f, const char *where) {
  if (!where || strncmp(where, "mx:", 3) != 0) return -1;
  const char *host = where + 3;
  size_t len = strcspn(host, "/");
  int i = 0;
  const cJSON *mx;
  cJSON_ArrayForEach(mx, f->mx) {
    const char *h = sd_agg_jstr(mx, "host");
    if (h && strlen(h) == len && strncmp(h, host, len) == 0) return i;
    i++;
  }
  return -1;
}

static int class3(sd_agg *a, const domain_facts *f) {
  unsigned char *bad = f->mx_count > 0 ? calloc((size_t)f->mx_count, 1) : NULL;
  int hit = 0, bad_hosts = 0;
  const cJSON *item;
  cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(f->r, "findings")) {
    const char *name = sd_agg_jstr(item, "code");
    sd_code c = sd_code_by_name(name ? name : "");
    int in_class = 0;
    for (size_t i = 0; i < COUNT_OF(sts_class3_codes); i++) in_class |= c == sts_class3_codes[i];
    if (!in_class) continue;
    hit = 1;
    int idx = where_mx_index(f, sd_agg_jstr(item, "where"));
    if (bad && idx >= 0 && !bad[idx]) {
      bad[idx] = 1;
      bad_hosts++;
    }
  }
  free(bad);
  if (!hit) return 0;
  for (size_t i = 0; i < COUNT_OF(sts_class3_codes); i++)
    if (has(f, sts_class3_codes[i])) sd_strmap_add(&a->sts_c3, sd_code_lookup(sts_class3_codes[i])->name, 1);
  a->c[SD_AGG_STS_C3]++;
  if (f->mx_count > 0 && bad_hosts >= f->mx_count) a->c[SD_AGG_STS_C3_ALL_MX]++;
  else a->c[SD_AGG_STS_C3_ANY_MX]++;
  return 1;
}

static int class4(sd_agg *a, const domain_facts *f) {
  if (!has(f, SD_C_STS_MX_MISMATCH)) return 0;
  const char *kinds[] = {"typo", "tld", "third-label", "different", "unlisted"};
  enum { KINDS = sizeof(kinds) / sizeof(kinds[0]) };
  int seen[KINDS] = {0}, lists_host = 0;
  const cJSON *mx;
  cJSON_ArrayForEach(mx, f->mx) {
    int k = sd_agg_name_index(kinds, KINDS, sd_agg_jstr(mx, "sts_mismatch"));
    if (k >= 0) seen[k] = 1;
    lists_host |= sd_agg_jtrue(mx, "sts_lists_policy_host");
  }
  for (int k = 0; k < KINDS; k++)
    if (seen[k]) sd_strmap_add(&a->sts_c4, kinds[k], 1);
  if (lists_host) sd_strmap_add(&a->sts_c4, "lists-policy-host", 1);
  a->c[SD_AGG_STS_C4]++;
  return 1;
}

static void count_sts_classes(sd_agg *a, domain_facts *f) {
  if (!f->sts_record) return;
  int c1 = class1(a, f), c2 = class2(a, f), c3 = class3(a, f), c4 = class4(a, f);
  f->sts_misconfigured = c1 || c2 || c3 || c4;
  if (f->sts_misconfigured) a->c[SD_AGG_STS_MISCONFIGURED]++;
  const char *mode = sd_agg_jstr(f->policy, "mode");
  if (f->sts_valid && mode && strcmp(mode, "enforce") == 0 && f->outcome[1] == 3) a->c[SD_AGG_STS_ENFORCE_FAIL]++;
}

/* ---- table 3: DANE misconfiguration classes ----------------------------------- */

static int mismatch_params_wrong(const domain_facts *f) {
  const cJSON *mx, *addr;
  cJSON_ArrayForEach(mx, f->mx) {
    cJSON_ArrayForEach(addr, cJSON_GetObjectItemCaseSensitive(mx, "addresses")) {
      if (sd_agg_jtrue(cJSON_GetObjectItemCaseSensitive(addr, "dane"), "params_wrong")) return 1;
    }
  }
  return 0;
}

static int count_code_group(sd_strmap *m, const domain_facts *f, const char *const *keys) {
  int hit = 0;
  for (size_t i = 0; keys[i]; i++) {
    sd_code c = sd_code_by_name(keys[i]);
    if (c < SD_C__COUNT && f->seen[c]) {
      sd_strmap_add(m, keys[i], 1);
      hit = 1;
    }
  }
  return hit;
}

static void count_tlsa_records(sd_agg *a, const domain_facts *f) {
  int ee = 0, ta = 0;
  const cJSON *mx, *rec;
  cJSON_ArrayForEach(mx, f->mx) {
    cJSON_ArrayForEach(rec, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(mx, "tlsa"), "records")) {
      if (!cJSON_IsString(rec)) continue;
      unsigned usage, selector, mtype;
      char key[48];
      a->c[SD_AGG_TLSA_RECORDS]++;
      if (sscanf(rec->valuestring, "%3u %3u %3u", &usage, &selector, &mtype) != 3) {
        sd_strmap_add(&a->tlsa_params, "malformed", 1);
        continue;
      }
      snprintf(key, sizeof(key), "%u %u %u", usage, selector, mtype);
      sd_strmap_add(&a->tlsa_params, key, 1);
      snprintf(key, sizeof(key), "%u", usage);
      sd_strmap_add(&a->tlsa_usage, key, 1);
      snprintf(key, sizeof(key), "%u", selector);
      sd_strmap_add(&a->tlsa_selector, key, 1);
      ee |= usage == 3;
      ta |= usage == 2;
    }
  }
  if (ee) a->c[SD_AGG_DANE_EE_DOMAINS]++;
  if (ta) a->c[SD_AGG_DANE_TA_DOMAINS]++;
}

static void count_dane_classes(sd_agg *a, domain_facts *f) {
  int missing_ds = has(f, SD_C_DNSSEC_MISSING_DS) || sd_agg_jtrue(f->r, "dnskey_without_ds");
  if (missing_ds) a->c[SD_AGG_DANE_MISSING_DS]++;
  count_tlsa_records(a, f);
  int bogus = count_code_group(&a->dane_bogus, f, sd_agg_dane_bogus_keys);
  int insecure = count_code_group(&a->dane_insec, f, sd_agg_dane_insecure_keys);
  int starttls = has(f, SD_C_DANE_STARTTLS_MISSING);
  int mismatch = has(f, SD_C_DANE_TLSA_MISMATCH);
  int unusable = has(f, SD_C_DANE_TLSA_UNUSABLE);
  int partial = has(f, SD_C_DANE_PARTIAL_COVERAGE);
  int other = has(f, SD_C_DANE_TA_NAME_MISMATCH) || has(f, SD_C_DANE_TA_EXPIRED) ||
              has(f, SD_C_DANE_VALIDATION_FAILED);
  if (bogus) a->c[SD_AGG_DANE_BOGUS]++;
  if (insecure) a->c[SD_AGG_DANE_INSECURE]++;
  if (starttls) a->c[SD_AGG_DANE_STARTTLS]++;
  if (mismatch) {
    a->c[SD_AGG_DANE_MISMATCH]++;
    a->c[mismatch_params_wrong(f) ? SD_AGG_DANE_MISMATCH_PARAMS : SD_AGG_DANE_MISMATCH_DATA]++;
  }
  if (unusable) a->c[SD_AGG_DANE_UNUSABLE]++;
  if (partial) a->c[SD_AGG_DANE_PARTIAL]++;
  if (other) a->c[SD_AGG_DANE_VALIDATION_OTHER]++;
  /* Missing DS alone is not a DANE misconfiguration of a TLSA publisher:
   * it counts only where TLSA records were published. */
  f->dane_misconfigured = bogus || insecure || starttls || mismatch || unusable || partial || other ||
                          (missing_ds && f->tlsa_any);
  /* The DANE domains: the classes' one denominator. A class other than
   * missing DS puts a domain in it even when no TLSA record could be read
   * (the TLSA lookup failed or was bogus), so no class counts a domain its
   * denominator leaves out, and every table agrees (the providers table
   * divides by the same population). */
  f->dane_population = f->tlsa_any || bogus || insecure || starttls || mismatch || unusable || partial || other;
  if (f->dane_population) a->c[SD_AGG_DANE_POPULATION]++;
  f->dane_misconfigured = f->dane_misconfigured && f->dane_population;
  if (f->dane_misconfigured) a->c[SD_AGG_DANE_MISCONFIGURED]++;
}

/* ---- table 5: cross-protocol view ---------------------------------------------- */

/* Conflicts count domains: a code listed twice for one domain counts once.
 * Returns the number of distinct codes. */
static int count_conflicts(sd_strmap *m, const domain_facts *f) {
  const cJSON *list = cJSON_GetObjectItemCaseSensitive(f->verdict, "conflicts"), *c;
  int n = 0, i = 0;
  cJSON_ArrayForEach(c, list) {
    const char *code = sd_agg_jstr(c, "code");
    int dup = 0, j = 0;
    const cJSON *prev;
    cJSON_ArrayForEach(prev, list) {
      if (j++ >= i) break;
      const char *pc = sd_agg_jstr(prev, "code");
      dup |= pc && code && strcmp(pc, code) == 0;
    }
    i++;
    if (!code || dup) continue;
    sd_strmap_add(m, code, 1);
    n++;
  }
  return n;
}

static void count_cross(sd_agg *a, const domain_facts *f) {
  for (int p = 0; p < SD_AGG_PROFILES; p++)
    if (f->outcome[p] >= 0) a->profiles[p][f->outcome[p]]++;
  if (f->protected_by >= 0) a->protected_by[f->protected_by]++;
  if (f->sts_status >= 0) a->sts_status[f->sts_status]++;
  if (f->dane_status >= 0) a->dane_status[f->dane_status]++;
  if (f->tlsrpt_status >= 0) a->tlsrpt_status[f->tlsrpt_status]++;

  if (count_conflicts(&a->conflicts, f)) a->c[SD_AGG_CONFLICT_DOMAINS]++;

  int sts = f->outcome[1], dane = f->outcome[2];
  if (sts == 3 && (dane == 0 || dane == 1)) a->c[SD_AGG_STS_FAIL_DANE_PASS]++;
  if (dane == 3 && (sts == 0 || sts == 1)) a->c[SD_AGG_DANE_FAIL_STS_PASS]++;
  int failing = 0;
  for (int p = 0; p < SD_AGG_PROFILES; p++) failing |= f->outcome[p] == 3;
  if (failing) {
    a->c[SD_AGG_FAILING]++;
    if (f->tlsrpt_status == 0) a->c[SD_AGG_FAILING_WITH_TLSRPT]++;
  }
}

/* ---- table 6: measurement quality ------------------------------------------------ */

/* Generic reason texts (sd_unknown_reason_generic), so the table does not
 * grow per host. */
static void count_unknown_reasons(sd_strmap *m, const char *reason) {
  if (!reason || !*reason) {
    sd_strmap_add(m, "(no reason given)", 1);
    return;
  }
  size_t len = strlen(reason);
  if (len > 4096) len = 4096;
  char *copy = sd_strndup(reason, len);
  if (!copy) return;
  /* A count of domains per reason: two hosts failing alike ("host a: no
   * address answered in time; host b: ...") count the domain once. */
  sd_strmap seen = {0};
  char *save = NULL;
  for (char *part = strtok_r(copy, ";", &save); part; part = strtok_r(NULL, ";", &save)) {
    char key[121];
    sd_unknown_reason_generic(part, strlen(part), key, sizeof(key));
    if (!*key || sd_strmap_find(&seen, key)) continue;
    sd_strmap_add(&seen, key, 1);
    sd_strmap_add(m, key, 1);
  }
  sd_strmap_free(&seen);
  free(copy);
}

static void count_quality(sd_agg *a, const domain_facts *f) {
  const char *version = sd_agg_jstr(f->r, "stsdane_version");
  char v[33];
  snprintf(v, sizeof(v), "%s", version ? version : "unknown");
  sd_strmap_add(&a->versions, v, 1);
  const char *options = sd_agg_jstr(f->r, "scan_options");
  char o[257];
  snprintf(o, sizeof(o), "%s", options ? options : "-"); /* bounded: a hostile row cannot grow the map much */
  sd_strmap_add(&a->scan_options, o, 1);
  time_t t = sd_agg_parse_time(sd_agg_jstr(f->r, "scanned_at"));
  if (t) {
    if (!a->first_scanned || t < a->first_scanned) a->first_scanned = t;
    if (t > a->last_scanned) a->last_scanned = t;
  }
  int unknown = 0;
  for (int p = 0; p < SD_AGG_PROFILES; p++) unknown |= f->outcome[p] == 5;
  if (!unknown) return;
  a->c[SD_AGG_UNKNOWN_DOMAINS]++;
  count_unknown_reasons(&a->unknown_reasons, sd_agg_jstr(f->verdict, "unknown_reason"));
  static const sd_code measurement_codes[] = {
      SD_C_INVALID_DOMAIN,         SD_C_MX_LOOKUP_FAILED,     SD_C_MX_ADDRESS_LOOKUP_FAILED,
      SD_C_MX_UNREACHABLE,         SD_C_SMTP_CONNECT_FAILED,  SD_C_SMTP_TIMEOUT,
      SD_C_STS_RECORD_LOOKUP_FAILED, SD_C_STS_POLICY_TIMEOUT, SD_C_TLSRPT_LOOKUP_FAILED,
      SD_C_DNSSEC_LOOKUP_FAILED};
  for (size_t i = 0; i < COUNT_OF(measurement_codes); i++)
    if (has(f, measurement_codes[i])) sd_strmap_add(&a->unknown_codes, sd_code_lookup(measurement_codes[i])->name, 1);
}

/* ---- domains not measured ------------------------------------------------------------ */

/* protected_by "unknown" (verdicts.md), or for rows written before that value
 * existed: neither protocol's profile protected and one of them unknown. */
static int is_measured(const domain_facts *f) {
  if (f->protected_by >= 0 && strcmp(sd_agg_protected_by_names[f->protected_by], "unknown") == 0) return 0;
  int sts = f->outcome[1], dane = f->outcome[2]; /* 0 protected, 5 unknown, -1 missing */
  if (sts == 0 || dane == 0) return 1;
  return !(sts == 5 || dane == 5);
}

static void count_not_measured(sd_agg *a, const domain_facts *f) {
  a->c[SD_AGG_NOT_MEASURED]++;
  a->protected_by[sd_agg_name_index(sd_agg_protected_by_names, SD_AGG_PROTECTED_BY, "unknown")]++;
  count_adoption(&a->not_measured, f);
  count_conflicts(&a->not_measured_conflicts, f);
  count_unknown_reasons(&a->not_measured_reasons, sd_agg_jstr(f->verdict, "unknown_reason"));
}

/* ---- entry points ------------------------------------------------------------------ */

int sd_agg_add_result(sd_agg *a, const cJSON *result) {
  if (!a) return -1;
  a->c[SD_AGG_LINES]++;
  if (!cJSON_IsObject(result) || !sd_agg_jstr(result, "domain") ||
      !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(result, "verdict"))) {
    a->c[SD_AGG_MALFORMED]++;
    return -1;
  }
  domain_facts f;
  domain_facts_init(&f, result);
  count_quality(a, &f);
  if (!is_measured(&f)) {
    count_not_measured(a, &f);
    return 0;
  }
  count_sts_classes(a, &f);
  count_dane_classes(a, &f);
  count_adoption(&a->adoption, &f);
  count_tld(a, &f);
  count_cross(a, &f);
  sd_agg_count_operators(a, result, f.domain, f.sts_record, f.sts_misconfigured, f.tlsa_any, f.dane_population,
                         f.dane_misconfigured);
  return 0;
}

int sd_agg_add_line(sd_agg *a, const char *line, size_t len) {
  size_t i = 0;
  while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r' || line[i] == '\n')) i++;
  if (i == len) return 0;
  cJSON *j = cJSON_ParseWithLength(line, len);
  if (!j) {
    a->c[SD_AGG_LINES]++;
    a->c[SD_AGG_MALFORMED]++;
    return -1;
  }
  int rc = sd_agg_add_result(a, j);
  cJSON_Delete(j);
  return rc;
}

int sd_agg_add_stream(sd_agg *a, void *file) {
  return sd_agg_read_lines(file, SD_AGG_MAX_LINE, sd_agg_line_cb, a, &a->c[SD_AGG_LINES],
                           &a->c[SD_AGG_MALFORMED]);
}

int sd_agg_line_cb(void *ctx, const char *line, size_t len) {
  sd_agg_add_line(ctx, line, len);
  return 0;
}
