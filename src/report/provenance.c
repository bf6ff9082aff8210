/* The provenance header of a report (see provenance.h). */
#include "report/provenance.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "report/agg_internal.h"
#include "util/str.h"

int sd_sha256_stream(FILE *in, char out[65]) {
  static const char digits[] = "0123456789abcdef";
  out[0] = '\0';
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
    EVP_MD_CTX_free(ctx);
    return -1;
  }
  unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), in)) > 0) EVP_DigestUpdate(ctx, buf, n);
  unsigned int len = 0;
  int ok = !ferror(in) && EVP_DigestFinal_ex(ctx, md, &len) && len == 32;
  EVP_MD_CTX_free(ctx);
  if (!ok) return -1;
  for (unsigned i = 0; i < len; i++) {
    out[2 * i] = digits[md[i] >> 4];
    out[2 * i + 1] = digits[md[i] & 15];
  }
  out[64] = '\0';
  return 0;
}

int sd_provenance_add(sd_provenance *p, const char *name, const sd_agg *part, FILE *in) {
  sd_input_info *items = realloc(p->inputs, (p->count + 1) * sizeof(*items));
  if (!items) return -1;
  p->inputs = items;
  sd_input_info *i = &items[p->count++];
  memset(i, 0, sizeof(*i));
  i->name = sd_strdup(name);
  i->lines = part->c[SD_AGG_LINES];
  i->malformed = part->c[SD_AGG_MALFORMED];
  if (in && sd_sha256_stream(in, i->sha256) != 0) i->sha256[0] = '\0';
  return 0;
}

void sd_provenance_free(sd_provenance *p) {
  for (size_t i = 0; p && i < p->count; i++) free(p->inputs[i].name);
  if (p) free(p->inputs);
}

static void format_time(time_t t, char *buf, size_t len) {
  struct tm tm;
  if (t && gmtime_r(&t, &tm)) strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
  else snprintf(buf, len, "-");
}

static void text_row(sd_table *tb, const char *label, const char *value) {
  sd_table_text(tb, label);
  sd_table_text(tb, value);
}

/* "value (N rows)" per entry of a map, most rows first. */
static void map_text_rows(sd_table *tb, const char *label, const sd_strmap *m) {
  size_t n;
  const sd_strmap_entry **sorted = sd_strmap_sorted(m, &n, sd_strmap_cmp_count_desc);
  for (size_t i = 0; i < n; i++) {
    char *v = sd_asprintf("%s (%lld rows)", sorted[i]->key, sorted[i]->count);
    text_row(tb, label, v);
    free(v);
  }
  if (n == 0) text_row(tb, label, "-");
  free(sorted);
}

void sd_provenance_tables(const sd_provenance *p, const sd_agg *a, sd_tables *out) {
  const char *sec = "0. Provenance";
  static const char *const cols[] = {"input", "lines", "malformed lines", "SHA-256"};
  sd_table *tb = sd_tables_add(out, "inputs", sec, "Inputs", "malformed: % of the file's lines", SD_CHART_NONE, 4, cols);
  for (size_t i = 0; p && i < p->count; i++) {
    sd_table_text(tb, p->inputs[i].name);
    sd_table_num(tb, p->inputs[i].lines, 0);
    sd_table_num(tb, p->inputs[i].malformed, p->inputs[i].lines);
    sd_table_text(tb, p->inputs[i].sha256[0] ? p->inputs[i].sha256 : "(not readable twice: standard input)");
  }
  tb = sd_tables_add(out, "provenance", sec, "Scan and report", "", SD_CHART_NONE, 2,
                     (const char *const[]){"what", "value"});
  text_row(tb, "report made by", "stsdane " STSDANE_VERSION);
  map_text_rows(tb, "rows written by stsdane", &a->versions);
  map_text_rows(tb, "scan options recorded in the rows", &a->scan_options);
  char first[32], last[32], span[64];
  format_time(a->first_scanned, first, sizeof(first));
  format_time(a->last_scanned, last, sizeof(last));
  text_row(tb, "first scanned_at", first);
  text_row(tb, "last scanned_at", last);
  long long s = a->first_scanned ? (long long)(a->last_scanned - a->first_scanned) : 0;
  snprintf(span, sizeof(span), "%lld s (%lldh%02lldm%02llds)", s, s / 3600, s / 60 % 60, s % 60);
  text_row(tb, "scan time span", span);
}

cJSON *sd_provenance_json(const sd_provenance *p, const sd_agg *a) {
  cJSON *o = cJSON_CreateObject();
  cJSON *inputs = cJSON_AddArrayToObject(o, "inputs");
  for (size_t i = 0; p && i < p->count; i++) {
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "name", p->inputs[i].name ? p->inputs[i].name : "");
    cJSON_AddNumberToObject(in, "lines", (double)p->inputs[i].lines);
    cJSON_AddNumberToObject(in, "malformed_lines", (double)p->inputs[i].malformed);
    if (p->inputs[i].sha256[0]) cJSON_AddStringToObject(in, "sha256", p->inputs[i].sha256);
    else cJSON_AddNullToObject(in, "sha256");
    cJSON_AddItemToArray(inputs, in);
  }
  cJSON_AddStringToObject(o, "report_stsdane_version", STSDANE_VERSION);
  cJSON *v = cJSON_AddObjectToObject(o, "row_versions"), *opts = cJSON_AddObjectToObject(o, "scan_options");
  const sd_strmap *maps[2] = {&a->versions, &a->scan_options};
  cJSON *dst[2] = {v, opts};
  for (int m = 0; m < 2; m++) {
    size_t n;
    const sd_strmap_entry **sorted = sd_strmap_sorted(maps[m], &n, NULL);
    for (size_t i = 0; i < n; i++) cJSON_AddNumberToObject(dst[m], sorted[i]->key, (double)sorted[i]->count);
    free(sorted);
  }
  char first[32], last[32];
  format_time(a->first_scanned, first, sizeof(first));
  format_time(a->last_scanned, last, sizeof(last));
  cJSON *when = cJSON_AddObjectToObject(o, "scanned_at");
  if (a->first_scanned) {
    cJSON_AddStringToObject(when, "first", first);
    cJSON_AddStringToObject(when, "last", last);
  } else {
    cJSON_AddNullToObject(when, "first");
    cJSON_AddNullToObject(when, "last");
  }
  cJSON_AddNumberToObject(o, "span_seconds",
                          a->first_scanned ? (double)(a->last_scanned - a->first_scanned) : 0);
  cJSON_AddNumberToObject(o, "measured_domains", (double)a->adoption.c[SD_ADOPT_DOMAINS]);
  cJSON *nm = cJSON_AddObjectToObject(o, "not_measured");
  cJSON_AddNumberToObject(nm, "domains", (double)a->c[SD_AGG_NOT_MEASURED]);
  cJSON *reasons = cJSON_AddObjectToObject(nm, "reasons");
  size_t n;
  const sd_strmap_entry **sorted = sd_strmap_sorted(&a->not_measured_reasons, &n, sd_strmap_cmp_count_desc);
  for (size_t i = 0; i < n; i++) cJSON_AddNumberToObject(reasons, sorted[i]->key, (double)sorted[i]->count);
  free(sorted);
  return o;
}
