/* The single-scan report as tables (report-tables.md sections 1 to 6). */
#include "report/tables.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/agg_internal.h"
#include "util/str.h"

/* ---- builder ----------------------------------------------------------------- */

sd_table *sd_tables_add(sd_tables *t, const char *id, const char *section, const char *title,
                        const char *denominator, sd_chart chart, size_t ncols, const char *const *cols) {
  if (t->count == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 16;
    sd_table *items = realloc(t->items, cap * sizeof(*items));
    if (!items) {
      t->failed = 1;
      return NULL;
    }
    t->items = items;
    t->cap = cap;
  }
  sd_table *tb = &t->items[t->count++];
  memset(tb, 0, sizeof(*tb));
  tb->id = sd_strdup(id);
  tb->section = sd_strdup(section);
  tb->title = sd_strdup(title);
  tb->denominator = sd_strdup(denominator ? denominator : "");
  tb->chart = chart;
  tb->ncols = ncols;
  tb->cols = calloc(ncols, sizeof(char *));
  for (size_t i = 0; tb->cols && i < ncols; i++) tb->cols[i] = sd_strdup(cols[i]);
  return tb;
}

static sd_cell *next_cell(sd_table *tb) {
  if (!tb || !tb->cols) return NULL;
  if (tb->ncells == tb->cellcap) {
    size_t cap = tb->cellcap ? tb->cellcap * 2 : tb->ncols * 8;
    sd_cell *cells = realloc(tb->cells, cap * sizeof(*cells));
    if (!cells) return NULL;
    tb->cells = cells;
    tb->cellcap = cap;
  }
  sd_cell *c = &tb->cells[tb->ncells++];
  memset(c, 0, sizeof(*c));
  tb->nrows = (tb->ncells + tb->ncols - 1) / tb->ncols;
  return c;
}

void sd_table_text(sd_table *tb, const char *text) {
  sd_cell *c = next_cell(tb);
  if (c) c->text = sd_strdup(text ? text : "");
}

void sd_table_num(sd_table *tb, long long n, long long d) {
  sd_cell *c = next_cell(tb);
  if (c) {
    c->n = n;
    c->d = d;
  }
}

void sd_table_row(sd_table *tb, const char *label, long long n, long long d) {
  sd_table_text(tb, label);
  sd_table_num(tb, n, d);
}

void sd_table_num_m(sd_table *tb, long long n, long long d, const char *measure) {
  sd_table_num(tb, n, d);
  if (tb && tb->ncells && measure) tb->cells[tb->ncells - 1].measure = sd_strdup(measure);
}

void sd_table_row_m(sd_table *tb, const char *label, long long n, long long d, const char *measure) {
  sd_table_text(tb, label);
  sd_table_num_m(tb, n, d, measure);
}

int sd_cell_counts_domains(const sd_table *tb, size_t row, size_t col) {
  const sd_cell *cell = sd_table_cell(tb, row, col), *label = sd_table_cell(tb, row, 0);
  if (!cell || cell->text) return 0;
  if (strcmp(tb->id, "dane_tlsa_params") == 0 || strcmp(tb->id, "scan_time") == 0) return 0; /* records, times */
  if (strcmp(tb->cols[col], "operators") == 0) return 0;
  if (strcmp(tb->id, "quality") == 0 && label && label->text &&
      (strcmp(label->text, "input lines") == 0 || strcmp(label->text, "malformed lines (skipped)") == 0))
    return 0;
  return 1;
}

const sd_cell *sd_table_cell(const sd_table *tb, size_t row, size_t col) {
  size_t i = row * tb->ncols + col;
  return col < tb->ncols && i < tb->ncells ? &tb->cells[i] : NULL;
}

void sd_tables_free(sd_tables *t) {
  if (!t) return;
  for (size_t i = 0; i < t->count; i++) {
    sd_table *tb = &t->items[i];
    free(tb->id);
    free(tb->section);
    free(tb->title);
    free(tb->denominator);
    for (size_t c = 0; tb->cols && c < tb->ncols; c++) free(tb->cols[c]);
    free(tb->cols);
    for (size_t c = 0; c < tb->ncells; c++) {
      free(tb->cells[c].text);
      free(tb->cells[c].measure);
    }
    free(tb->cells);
  }
  free(t->items);
  memset(t, 0, sizeof(*t));
}

const char *sd_percent(long long n, long long d, char *buf, size_t len) {
  if (d <= 0) snprintf(buf, len, "-");
  else snprintf(buf, len, "%.1f%%", 100.0 * (double)n / (double)d);
  return buf;
}

/* ---- section 1: adoption ------------------------------------------------------- */

static const char *const two_cols[] = {"measure", "domains"};
/* Headline tables: measured domains, and apart the ones not measured. */
static const char *const headline_cols[] = {"measure", "measured domains", "not measured"};
#define MEASURED_DEN "% of measured domains (not measured: % of those not measured, never in the measured column)"

/* The domains whose measurement failed, and why: every headline table
 * leaves them out of its denominator and shows them in its own column. */
static void not_measured_table(sd_tables *t, const sd_agg *a) {
  long long measured = a->adoption.c[SD_ADOPT_DOMAINS], not_measured = a->c[SD_AGG_NOT_MEASURED];
  sd_table *tb = sd_tables_add(t, "not_measured", "0. Provenance", "Rows measured and not measured (unknown, apart from every table)",
                               "% of domains in the input (reasons: % of the domains not measured)", SD_CHART_NONE, 2,
                               two_cols);
  sd_table_row_m(tb, "domains measured", measured, measured + not_measured, "measured_domains");
  sd_table_row_m(tb, "domains not measured (protected_by unknown)", not_measured, measured + not_measured,
                 "not_measured.domains");
  size_t n;
  const sd_strmap_entry **sorted = sd_strmap_sorted(&a->not_measured_reasons, &n, sd_strmap_cmp_count_desc);
  for (size_t i = 0; i < n; i++) {
    char *label = sd_asprintf("reason: %s", sorted[i]->key), *measure = sd_asprintf("not_measured.reasons.%s", sorted[i]->key);
    sd_table_row_m(tb, label, sorted[i]->count, not_measured, measure);
    free(label);
    free(measure);
  }
  free(sorted);
}

/* "label | n of measured | u of not measured"; the two measures name the
 * figures (JSON paths), NULL when a figure has no measure of its own. */
static void headline_row(sd_table *tb, const char *label, long long n, long long measured, long long u,
                         long long not_measured, const char *measure, const char *not_measured_measure) {
  sd_table_text(tb, label);
  sd_table_num_m(tb, n, measured, measure);
  sd_table_num_m(tb, u, not_measured, not_measured_measure);
}

static void adoption_tables(sd_tables *t, const sd_agg *a) {
  const long long *c = a->adoption.c, all = c[SD_ADOPT_DOMAINS];
  const long long *u = a->not_measured.c, none = u[SD_ADOPT_DOMAINS];
  not_measured_table(t, a);
  sd_table *tb = sd_tables_add(t, "adoption", "1. Adoption", "Adoption (overall)", MEASURED_DEN, SD_CHART_BARS, 3,
                               headline_cols);
  static const struct { const char *label; sd_adopt_counter k; } rows[] = {
      {"domains", SD_ADOPT_DOMAINS},
      {"with MX records", SD_ADOPT_WITH_MX},
      {"with null MX", SD_ADOPT_NULL_MX},
      {"receiving no mail", SD_ADOPT_NO_MAIL},
      {"with an MTA-STS TXT record", SD_ADOPT_STS_RECORD},
      {"with a valid MTA-STS policy", SD_ADOPT_STS_VALID},
      {"with a TLSRPT record", SD_ADOPT_TLSRPT_RECORD},
      {"with a valid TLSRPT record", SD_ADOPT_TLSRPT_VALID},
      {"with DNSSEC-signed MX", SD_ADOPT_MX_DNSSEC},
      {"with TLSA on at least one MX", SD_ADOPT_TLSA_ANY_MX},
      {"with TLSA on every MX", SD_ADOPT_TLSA_ALL_MX},
      {"with valid DANE (valid or partial)", SD_ADOPT_DANE_VALID},
      {"with both MTA-STS record and TLSA", SD_ADOPT_BOTH},
      {"with both valid", SD_ADOPT_BOTH_VALID}};
  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    const char *name = sd_adopt_counter_names[rows[i].k];
    char *m = rows[i].k == SD_ADOPT_DOMAINS ? sd_strdup("measured_domains") : sd_asprintf("adoption.overall.%s", name);
    char *nm = rows[i].k == SD_ADOPT_DOMAINS ? sd_strdup("not_measured.domains")
                                             : sd_asprintf("not_measured.adoption.%s", name);
    headline_row(tb, rows[i].label, c[rows[i].k], all, u[rows[i].k], none, m, nm);
    free(m);
    free(nm);
  }

  tb = sd_tables_add(t, "sts_tlsrpt", "1. Adoption", "TLSRPT among MTA-STS domains",
                     "% of domains with an MTA-STS record", SD_CHART_NONE, 2, two_cols);
  sd_table_row_m(tb, "MTA-STS domains with a valid TLSRPT record", c[SD_ADOPT_STS_WITH_TLSRPT], c[SD_ADOPT_STS_RECORD],
                 "mtasts.adoption.with_tlsrpt");

  long long valid = c[SD_ADOPT_STS_VALID];
  tb = sd_tables_add(t, "sts_modes", "1. Adoption", "MTA-STS mode distribution",
                     "% of domains with a valid MTA-STS policy", SD_CHART_BARS, 2, two_cols);
  sd_table_row_m(tb, "enforce", c[SD_ADOPT_MODE_ENFORCE], valid, "mtasts.modes.enforce");
  sd_table_row_m(tb, "testing", c[SD_ADOPT_MODE_TESTING], valid, "mtasts.modes.testing");
  sd_table_row_m(tb, "none", c[SD_ADOPT_MODE_NONE], valid, "mtasts.modes.none");
  tb = sd_tables_add(t, "sts_max_age", "1. Adoption", "MTA-STS max_age distribution",
                     "% of domains with a valid MTA-STS policy", SD_CHART_BARS, 2, two_cols);
  sd_table_row(tb, "< 1 day", c[SD_ADOPT_MAX_AGE_LT_1D], valid);
  sd_table_row(tb, "1 day - 1 week", c[SD_ADOPT_MAX_AGE_1D_1W], valid);
  sd_table_row(tb, "1 week - 30 days", c[SD_ADOPT_MAX_AGE_1W_30D], valid);
  sd_table_row(tb, "30 days - 1 year", c[SD_ADOPT_MAX_AGE_30D_1Y], valid);
  sd_table_row(tb, "> 1 year", c[SD_ADOPT_MAX_AGE_GT_1Y], valid);
}

static int cmp_tld(const void *x, const void *y) { return sd_strmap_cmp_count_desc(x, y); }

static void tld_table(sd_tables *t, const sd_agg *a) {
  static const char *const cols[] = {"TLD", "domains", "MTA-STS record", "valid policy", "enforce",
                                     "TLSRPT valid", "DNSSEC MX", "TLSA any MX", "both"};
  sd_table *tb = sd_tables_add(t, "adoption_per_tld", "1. Adoption", "Adoption per TLD",
                               "% of that TLD's measured domains", SD_CHART_NONE, 9, cols);
  size_t n;
  const sd_strmap_entry **sorted = sd_strmap_sorted(&a->per_tld, &n, cmp_tld);
  static const sd_adopt_counter shown[] = {SD_ADOPT_STS_RECORD, SD_ADOPT_STS_VALID, SD_ADOPT_MODE_ENFORCE,
                                           SD_ADOPT_TLSRPT_VALID, SD_ADOPT_MX_DNSSEC, SD_ADOPT_TLSA_ANY_MX,
                                           SD_ADOPT_BOTH};
  for (size_t i = 0; i < n; i++) {
    const sd_agg_adoption *ad = sorted[i]->ext;
    if (!ad) continue;
    long long all = ad->c[SD_ADOPT_DOMAINS];
    sd_table_text(tb, sorted[i]->key);
    sd_table_num(tb, all, 0);
    for (size_t k = 0; k < sizeof(shown) / sizeof(shown[0]); k++) sd_table_num(tb, ad->c[shown[k]], all);
  }
  free(sorted);
}

/* ---- section 2: MTA-STS misconfiguration ------------------------------------------- */

static void sub_rows(sd_table *tb, const sd_strmap *m, const char *const *keys, const char *prefix, long long d) {
  for (size_t i = 0; keys[i]; i++) {
    char *label = sd_asprintf("%s%s", prefix, keys[i]);
    sd_table_row(tb, label, sd_strmap_count(m, keys[i]), d);
    free(label);
  }
}

static void sts_tables(sd_tables *t, const sd_agg *a) {
  long long rec = a->adoption.c[SD_ADOPT_STS_RECORD];
  const char *den = "% of domains with an MTA-STS record";
  const char *sec = "2. MTA-STS misconfiguration";
  sd_table *tb = sd_tables_add(t, "sts_classes", sec, "MTA-STS misconfiguration classes (non-exclusive)", den,
                               SD_CHART_BARS, 2, two_cols);
  sd_table_row_m(tb, "1. invalid TXT record", a->c[SD_AGG_STS_C1], rec, "mtasts.classes.invalid_txt.domains");
  sd_table_row_m(tb, "2. policy retrieval or syntax error", a->c[SD_AGG_STS_C2], rec,
                 "mtasts.classes.policy_retrieval.domains");
  sd_table_row_m(tb, "3. MX certificate PKIX-invalid / no STARTTLS", a->c[SD_AGG_STS_C3], rec,
                 "mtasts.classes.mx_certificate.domains");
  sd_table_row_m(tb, "4. MX not covered by the policy", a->c[SD_AGG_STS_C4], rec, "mtasts.classes.inconsistency.domains");

  tb = sd_tables_add(t, "sts_headline", sec, "MTA-STS headline",
                     "misconfigured: % of domains with an MTA-STS record; delivery failures: % of domains with a "
                     "valid policy in enforce mode",
                     SD_CHART_NONE, 2, two_cols);
  sd_table_row_m(tb, "misconfigured (any class)", a->c[SD_AGG_STS_MISCONFIGURED], rec, "mtasts.misconfigured");
  sd_table_row_m(tb, "enforce mode and profile mta-sts = fail", a->c[SD_AGG_STS_ENFORCE_FAIL],
                 a->adoption.c[SD_ADOPT_MODE_ENFORCE], "mtasts.enforce_fail");

  tb = sd_tables_add(t, "sts_class1", sec, "Class 1: invalid TXT record", den, SD_CHART_NONE, 2, two_cols);
  sub_rows(tb, &a->sts_c1, sd_agg_sts_c1_keys, "", rec);
  tb = sd_tables_add(t, "sts_class2", sec, "Class 2: policy retrieval and syntax", den, SD_CHART_NONE, 2, two_cols);
  sub_rows(tb, &a->sts_c2, sd_agg_sts_c2_keys, "", rec);
  /* HTTP statuses, 404 first as in the study, then by frequency. */
  sd_table_row(tb, "HTTP 404", sd_strmap_count(&a->sts_http, "404"), rec);
  size_t n;
  const sd_strmap_entry **sorted = sd_strmap_sorted(&a->sts_http, &n, sd_strmap_cmp_count_desc);
  for (size_t i = 0; i < n; i++) {
    if (strcmp(sorted[i]->key, "404") == 0) continue;
    char *label = sd_asprintf("HTTP %s", sorted[i]->key);
    sd_table_row(tb, label, sorted[i]->count, rec);
    free(label);
  }
  free(sorted);
  tb = sd_tables_add(t, "sts_class3", sec, "Class 3: MX certificate or STARTTLS", den, SD_CHART_NONE, 2, two_cols);
  sd_table_row(tb, "at least one MX (not all)", a->c[SD_AGG_STS_C3_ANY_MX], rec);
  sd_table_row(tb, "all MX", a->c[SD_AGG_STS_C3_ALL_MX], rec);
  sub_rows(tb, &a->sts_c3, sd_agg_sts_c3_keys, "", rec);
  tb = sd_tables_add(t, "sts_class4", sec, "Class 4: MX not covered by the policy", den, SD_CHART_NONE, 2, two_cols);
  sub_rows(tb, &a->sts_c4, sd_agg_sts_c4_keys, "", rec);
}

/* ---- section 3: DANE misconfiguration ---------------------------------------------- */

static void dane_tables(sd_tables *t, const sd_agg *a) {
  long long pop = a->c[SD_AGG_DANE_POPULATION], all = a->adoption.c[SD_ADOPT_DOMAINS];
  long long tlsa = a->adoption.c[SD_ADOPT_TLSA_ANY_MX];
  const char *sec = "3. DANE misconfiguration";
  const char *den = "% of DANE domains: TLSA on at least one MX, or a DANE finding although no TLSA record could be "
                    "read (e.g. the TLSA lookup failed)";
  /* Headline first: the total and the missing-DS count have other
   * denominators than the classes, so they are not bars of the classes chart. */
  sd_table *tb = sd_tables_add(t, "dane_headline", sec, "DANE misconfiguration: headline",
                               "DANE domains: % of measured domains; misconfigured: % of DANE domains; missing DS: % "
                               "of measured domains",
                               SD_CHART_NONE, 2, two_cols);
  sd_table_row_m(tb, "DANE domains (TLSA on some MX, or a DANE finding)", pop, all, "dane.population");
  sd_table_row_m(tb, "misconfigured (any class)", a->c[SD_AGG_DANE_MISCONFIGURED], pop, "dane.misconfigured");
  sd_table_row_m(tb, "signed zone without DS", a->c[SD_AGG_DANE_MISSING_DS], all, "dane.classes.missing_ds");
  tb = sd_tables_add(t, "dane_classes", sec, "DANE misconfiguration classes (non-exclusive)", den, SD_CHART_BARS, 2,
                     two_cols);
  sd_table_row_m(tb, "DNSSEC bogus or TLSA lookup failed", a->c[SD_AGG_DANE_BOGUS], pop, "dane.classes.bogus.domains");
  sd_table_row_m(tb, "TLSA present but insecure", a->c[SD_AGG_DANE_INSECURE], pop,
                 "dane.classes.tlsa_insecure.domains");
  sd_table_row_m(tb, "STARTTLS missing on a TLSA host", a->c[SD_AGG_DANE_STARTTLS], pop,
                 "dane.classes.starttls_missing");
  sd_table_row_m(tb, "TLSA mismatch", a->c[SD_AGG_DANE_MISMATCH], pop, "dane.classes.tlsa_mismatch.domains");
  sd_table_row_m(tb, "only unusable TLSA (usage 0/1)", a->c[SD_AGG_DANE_UNUSABLE], pop, "dane.classes.unusable_only");
  sd_table_row_m(tb, "partial coverage across MX", a->c[SD_AGG_DANE_PARTIAL], pop, "dane.classes.partial_coverage");
  sd_table_row_m(tb, "other validation failure", a->c[SD_AGG_DANE_VALIDATION_OTHER], pop,
                 "dane.classes.validation_other");
  tb = sd_tables_add(t, "dane_subclasses", sec, "DANE sub-classes", den, SD_CHART_NONE, 2, two_cols);
  sub_rows(tb, &a->dane_bogus, sd_agg_dane_bogus_keys, "bogus: ", pop);
  sub_rows(tb, &a->dane_insec, sd_agg_dane_insecure_keys, "insecure: ", pop);
  sd_table_row_m(tb, "mismatch: wrong usage/selector", a->c[SD_AGG_DANE_MISMATCH_PARAMS], pop,
                 "dane.classes.tlsa_mismatch.params_wrong");
  sd_table_row_m(tb, "mismatch: wrong data", a->c[SD_AGG_DANE_MISMATCH_DATA], pop,
                 "dane.classes.tlsa_mismatch.data_wrong");

  long long records = a->c[SD_AGG_TLSA_RECORDS];
  tb = sd_tables_add(t, "dane_tlsa_params", sec, "TLSA usage and selector", "% of TLSA records (all MX hosts)",
                     SD_CHART_BARS, 2, (const char *const[]){"parameter", "records"});
  static const char *const usage_names[] = {"usage 0 (PKIX-TA)", "usage 1 (PKIX-EE)", "usage 2 (DANE-TA)",
                                            "usage 3 (DANE-EE)"};
  for (int u = 0; u < 4; u++) {
    char key[4];
    snprintf(key, sizeof(key), "%d", u);
    sd_table_row(tb, usage_names[u], sd_strmap_count(&a->tlsa_usage, key), records);
  }
  sd_table_row(tb, "selector 0 (full certificate)", sd_strmap_count(&a->tlsa_selector, "0"), records);
  sd_table_row(tb, "selector 1 (public key)", sd_strmap_count(&a->tlsa_selector, "1"), records);
  size_t n;
  const sd_strmap_entry **sorted = sd_strmap_sorted(&a->tlsa_params, &n, sd_strmap_cmp_count_desc);
  for (size_t i = 0; i < n; i++) {
    char *label = sd_asprintf("TLSA %s", sorted[i]->key);
    sd_table_row(tb, label, sorted[i]->count, records);
    free(label);
  }
  free(sorted);
  tb = sd_tables_add(t, "dane_ee_ta", sec, "Domains by DANE usage", "% of domains with TLSA on at least one MX",
                     SD_CHART_NONE, 2, two_cols);
  sd_table_row_m(tb, "with a DANE-EE (3) record", a->c[SD_AGG_DANE_EE_DOMAINS], tlsa, "dane.dane_ee_domains");
  sd_table_row_m(tb, "with a DANE-TA (2) record", a->c[SD_AGG_DANE_TA_DOMAINS], tlsa, "dane.dane_ta_domains");
}

/* ---- section 4: providers ------------------------------------------------------------- */

static int cmp_operator(const void *x, const void *y) {
  const sd_strmap_entry *a = *(const sd_strmap_entry *const *)x, *b = *(const sd_strmap_entry *const *)y;
  long long da = ((const sd_agg_operator *)a->ext)->c[SD_OP_DOMAINS];
  long long db = ((const sd_agg_operator *)b->ext)->c[SD_OP_DOMAINS];
  if (da != db) return da > db ? -1 : 1;
  return strcmp(a->key, b->key);
}

/* One row of the providers table; measures name the figures of the "all"
 * rows, which must equal the same figures of sections 1 to 3. */
static void provider_row(sd_table *tb, const char *label, const long long tot[SD_OP__COUNT], long long ops,
                         long long role_domains, const char *const measures[5]) {
  sd_table_text(tb, label);
  sd_table_num_m(tb, tot[SD_OP_DOMAINS], role_domains, measures[0]);
  sd_table_num(tb, ops, 0);
  sd_table_num_m(tb, tot[SD_OP_STS_RECORD], 0, measures[1]);
  sd_table_num_m(tb, tot[SD_OP_STS_MISCONFIGURED], tot[SD_OP_STS_RECORD], measures[2]);
  sd_table_num_m(tb, tot[SD_OP_DANE_POPULATION], 0, measures[3]);
  sd_table_num_m(tb, tot[SD_OP_DANE_MISCONFIGURED], tot[SD_OP_DANE_POPULATION], measures[4]);
}

static void provider_tables(sd_tables *t, const sd_agg *a) {
  const char *sec = "4. Third-party vs self-managed";
  static const char *const cols[] = {"role and kind", "domains", "operators", "MTA-STS record",
                                     "MTA-STS misconfigured", "DANE domains", "DANE misconfigured"};
  char *den = sd_asprintf("domains: %% of the role's domains (MX: measured domains; policy host: those with an "
                          "MTA-STS record); misconfigured: %% of those with a record / of the DANE domains, the "
                          "same definitions as sections 2 and 3. Provider = operator serving >= %ld registrable "
                          "domains. Not attributed: the scan saw no operator (no MX, no policy host address)",
                          a->provider_threshold);
  sd_table *tb = sd_tables_add(t, "providers", sec, "Third-party vs self-managed", den, SD_CHART_NONE, 7, cols);
  free(den);
  static const char *const none[5] = {NULL, NULL, NULL, NULL, NULL};
  static const char *const mx_all[5] = {"measured_domains", "mtasts.with_record", "mtasts.misconfigured",
                                        "dane.population", "dane.misconfigured"};
  static const char *const policy_all[5] = {"mtasts.with_record", "mtasts.with_record", "mtasts.misconfigured", NULL,
                                            NULL};
  const struct { const char *role; const sd_strmap *ops; const char *const *all; } roles[] = {
      {"policy host", &a->policy_hosts, policy_all}, {"MX", &a->mx_hosts, mx_all}};
  static const struct { const char *kind; int tp; } kinds[] = {
      {"third party", 1}, {"self-managed", 0}, {"not attributed", -1}};
  for (size_t r = 0; r < 2; r++) {
    long long sum[SD_OP__COUNT] = {0}, sum_ops = 0, tot[3][SD_OP__COUNT], ops[3];
    for (size_t k = 0; k < 3; k++) {
      sd_agg_operator_totals(a, roles[r].ops, kinds[k].tp, tot[k], &ops[k]);
      for (int i = 0; i < SD_OP__COUNT; i++) sum[i] += tot[k][i];
      sum_ops += kinds[k].tp >= 0 ? ops[k] : 0;
    }
    for (size_t k = 0; k < 3; k++) {
      char *label = sd_asprintf("%s: %s", roles[r].role, kinds[k].kind);
      provider_row(tb, label, tot[k], kinds[k].tp >= 0 ? ops[k] : 0, sum[SD_OP_DOMAINS], none);
      free(label);
    }
    char *label = sd_asprintf("%s: all", roles[r].role);
    provider_row(tb, label, sum, sum_ops, sum[SD_OP_DOMAINS], roles[r].all);
    free(label);
  }
  sd_table_text(tb, "not measured (not attributed)");
  sd_table_num_m(tb, a->c[SD_AGG_NOT_MEASURED], 0, "not_measured.domains");
  for (int i = 0; i < 5; i++) sd_table_text(tb, "-");
  static const char *const top_cols[] = {"operator", "domains", "MTA-STS misconfigured", "DANE misconfigured"};
  const struct { const char *id, *title; const sd_strmap *ops; } tops[] = {
      {"providers_policy", "Top policy-hosting providers (CNAME target or address)", &a->policy_hosts},
      {"providers_mx", "Top MX providers (name suffix or address)", &a->mx_hosts}};
  for (size_t k = 0; k < 2; k++) {
    tb = sd_tables_add(t, tops[k].id, sec, tops[k].title,
                       "misconfigured: % of the provider's domains with a record / of its DANE domains", SD_CHART_NONE, 4, top_cols);
    size_t n, shown = 0;
    const sd_strmap_entry **sorted = sd_strmap_sorted(tops[k].ops, &n, cmp_operator);
    for (size_t i = 0; i < n && shown < 25; i++) {
      const sd_agg_operator *op = sorted[i]->ext;
      if (!sd_agg_operator_is_provider(a, op)) continue;
      sd_table_text(tb, sorted[i]->key);
      sd_table_num(tb, op->c[SD_OP_DOMAINS], 0);
      sd_table_num(tb, op->c[SD_OP_STS_MISCONFIGURED], op->c[SD_OP_STS_RECORD]);
      sd_table_num(tb, op->c[SD_OP_DANE_MISCONFIGURED], op->c[SD_OP_DANE_POPULATION]);
      shown++;
    }
    free(sorted);
  }
}

/* ---- section 5: cross-protocol ------------------------------------------------------------ */

static void conflict_row(sd_table *tb, const sd_agg *a, const char *code) {
  char *m = sd_asprintf("conflicts.%s", code), *nm = sd_asprintf("not_measured.conflicts.%s", code);
  headline_row(tb, code, sd_strmap_count(&a->conflicts, code), a->adoption.c[SD_ADOPT_DOMAINS],
               sd_strmap_count(&a->not_measured_conflicts, code), a->c[SD_AGG_NOT_MEASURED], m, nm);
  free(m);
  free(nm);
}

static void cross_tables(sd_tables *t, const sd_agg *a) {
  const char *sec = "5. Cross-protocol view";
  long long all = a->adoption.c[SD_ADOPT_DOMAINS], none = a->c[SD_AGG_NOT_MEASURED];
  const char *cols[2 + SD_AGG_OUTCOMES];
  cols[0] = "sender profile";
  for (int o = 0; o < SD_AGG_OUTCOMES; o++) cols[1 + o] = sd_agg_outcome_names[o];
  cols[1 + SD_AGG_OUTCOMES] = "not measured";
  sd_table *tb = sd_tables_add(t, "outcomes", sec, "Outcome per sender profile",
                               "% of measured domains (not measured: apart, no percentage)", SD_CHART_STACKED,
                               2 + SD_AGG_OUTCOMES, cols);
  for (int p = 0; p < SD_AGG_PROFILES; p++) {
    sd_table_text(tb, sd_agg_profile_names[p]);
    for (int o = 0; o < SD_AGG_OUTCOMES; o++) {
      char *m = sd_asprintf("profiles.%s.%s", sd_agg_profile_names[p], sd_agg_outcome_names[o]);
      sd_table_num_m(tb, a->profiles[p][o], all, m);
      free(m);
    }
    sd_table_num_m(tb, none, 0, "not_measured.domains");
  }
  tb = sd_tables_add(t, "protected_by", sec, "Protected by", MEASURED_DEN, SD_CHART_BARS, 3, headline_cols);
  for (int i = 0; i < SD_AGG_PROTECTED_BY; i++) {
    int unknown = strcmp(sd_agg_protected_by_names[i], "unknown") == 0;
    char *m = sd_asprintf("protected_by.%s", sd_agg_protected_by_names[i]);
    headline_row(tb, sd_agg_protected_by_names[i], unknown ? 0 : a->protected_by[i], all,
                 unknown ? a->protected_by[i] : 0, none, unknown ? NULL : m, unknown ? m : NULL);
    free(m);
  }

  tb = sd_tables_add(t, "conflicts", sec, "Conflicts between the protocols", MEASURED_DEN, SD_CHART_BARS, 3,
                     headline_cols);
  static const char *const codes[] = {"sts-fails-dane-passes", "dane-fails-sts-passes", "mx-set-mismatch",
                                      "cert-pkix-only",        "cert-dane-only",        "dane-with-sts-testing",
                                      NULL};
  for (size_t i = 0; codes[i]; i++) conflict_row(tb, a, codes[i]);
  /* Other codes, from measured domains and then those seen only among the
   * domains not measured. */
  const sd_strmap *maps[2] = {&a->conflicts, &a->not_measured_conflicts};
  for (int m = 0; m < 2; m++) {
    size_t n;
    const sd_strmap_entry **sorted = sd_strmap_sorted(maps[m], &n, NULL);
    for (size_t i = 0; i < n; i++) {
      int known = m == 1 && sd_strmap_count(&a->conflicts, sorted[i]->key) > 0;
      for (size_t k = 0; codes[k]; k++) known |= strcmp(codes[k], sorted[i]->key) == 0;
      if (!known) conflict_row(tb, a, sorted[i]->key);
    }
    free(sorted);
  }
  /* The total is not a bar of the per-code chart (one kind of quantity per chart). */
  tb = sd_tables_add(t, "conflict_domains", sec, "Domains with a conflict", MEASURED_DEN, SD_CHART_NONE, 3,
                     headline_cols);
  headline_row(tb, "domains with any conflict", a->c[SD_AGG_CONFLICT_DOMAINS], all, 0, none,
               "cross.domains_with_conflict", NULL);

  tb = sd_tables_add(t, "cross", sec, "Where one protocol fails and the other delivers", "% of measured domains",
                     SD_CHART_NONE, 2, two_cols);
  sd_table_row_m(tb, "MTA-STS senders fail, DANE senders deliver", a->c[SD_AGG_STS_FAIL_DANE_PASS], all,
                 "cross.sts_fails_dane_passes");
  sd_table_row_m(tb, "DANE senders fail, MTA-STS senders deliver", a->c[SD_AGG_DANE_FAIL_STS_PASS], all,
                 "cross.dane_fails_sts_passes");
  sd_table_row_m(tb, "some profile fails", a->c[SD_AGG_FAILING], all, "cross.failing_domains");
  tb = sd_tables_add(t, "tlsrpt_coverage", sec, "TLS-RPT coverage of failing domains",
                     "% of domains where some profile fails", SD_CHART_NONE, 2, two_cols);
  sd_table_row_m(tb, "failing domains with a valid TLSRPT record", a->c[SD_AGG_FAILING_WITH_TLSRPT], a->c[SD_AGG_FAILING],
                 "cross.failing_domains_with_tlsrpt");
}

/* ---- section 6: quality --------------------------------------------------------------------- */

static void map_rows(sd_table *tb, const char *prefix, const sd_strmap *m, long long d) {
  size_t n;
  const sd_strmap_entry **sorted = sd_strmap_sorted(m, &n, sd_strmap_cmp_count_desc);
  for (size_t i = 0; i < n; i++) {
    char *label = sd_asprintf("%s%s", prefix, sorted[i]->key);
    sd_table_row(tb, label, sorted[i]->count, d);
    free(label);
  }
  free(sorted);
}

static void quality_tables(sd_tables *t, const sd_agg *a) {
  const char *sec = "6. Measurement quality";
  long long all = a->adoption.c[SD_ADOPT_DOMAINS] + a->c[SD_AGG_NOT_MEASURED], unknown = a->c[SD_AGG_UNKNOWN_DOMAINS];
  sd_table *tb = sd_tables_add(t, "quality", sec, "Input and unknown outcomes",
                               "% of domains scanned, measured or not (reasons and codes: % of domains with an "
                               "unknown outcome)",
                               SD_CHART_NONE, 2, (const char *const[]){"measure", "count"});
  sd_table_row(tb, "input lines", a->c[SD_AGG_LINES], 0);
  sd_table_row(tb, "malformed lines (skipped)", a->c[SD_AGG_MALFORMED], a->c[SD_AGG_LINES]);
  sd_table_row_m(tb, "domains not measured (protected_by unknown)", a->c[SD_AGG_NOT_MEASURED], all,
                 "not_measured.domains");
  sd_table_row_m(tb, "domains with an unknown outcome", unknown, all, "quality.unknown.domains");
  map_rows(tb, "reason: ", &a->unknown_reasons, unknown);
  map_rows(tb, "code: ", &a->unknown_codes, unknown);
  map_rows(tb, "stsdane version ", &a->versions, all);

  tb = sd_tables_add(t, "scan_time", sec, "Scan duration", "", SD_CHART_NONE, 2,
                     (const char *const[]){"measure", "value"});
  char buf[64];
  struct tm tm;
  const time_t times[2] = {a->first_scanned, a->last_scanned};
  const char *labels[2] = {"first scanned_at", "last scanned_at"};
  for (int i = 0; i < 2; i++) {
    sd_table_text(tb, labels[i]);
    if (times[i] && gmtime_r(&times[i], &tm)) strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    else snprintf(buf, sizeof(buf), "-");
    sd_table_text(tb, buf);
  }
  long long duration = a->first_scanned ? (long long)(a->last_scanned - a->first_scanned) : 0;
  sd_table_text(tb, "duration (seconds)");
  snprintf(buf, sizeof(buf), "%lld", duration);
  sd_table_text(tb, buf);
  sd_table_text(tb, "rate (domains per second)");
  if (duration > 0) snprintf(buf, sizeof(buf), "%.2f", (double)all / (double)duration);
  else snprintf(buf, sizeof(buf), "-");
  sd_table_text(tb, buf);
}

void sd_report_tables(const sd_agg *a, sd_tables *out) {
  adoption_tables(out, a);
  tld_table(out, a);
  sts_tables(out, a);
  dane_tables(out, a);
  provider_tables(out, a);
  cross_tables(out, a);
  quality_tables(out, a);
}
