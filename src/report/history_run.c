/* `report --over-time`: adoption per snapshot and the changes between
 * consecutive snapshots, streaming each file once and keeping only the
 * previous snapshot's evidence per domain. */
#include <stdlib.h>
#include <string.h>

#include "report/agg_internal.h"
#include "report/history.h"
#include "util/str.h"

static void snap_ext_free(void *p) { sd_snap_free(p); }

void sd_history_init(sd_history *h, long provider_threshold) {
  memset(h, 0, sizeof(*h));
  h->provider_threshold = provider_threshold;
  h->prev.ext_free = snap_ext_free;
}

void sd_history_free(sd_history *h) {
  if (!h) return;
  sd_strmap_free(&h->prev);
  for (size_t i = 0; i < h->count; i++) {
    sd_agg_free(&h->snapshots[i]);
    free(h->labels[i]);
  }
  for (size_t i = 0; i + 1 < h->count && h->transitions; i++) {
    free(h->transitions[i].from);
    free(h->transitions[i].to);
  }
  free(h->snapshots);
  free(h->labels);
  free(h->transitions);
  memset(h, 0, sizeof(*h));
}

typedef struct snapshot_pass {
  sd_history *h;
  sd_agg *agg;
  sd_strmap cur;         /* domain -> ext sd_snap */
  sd_transition *trans;  /* NULL for the first snapshot */
} snapshot_pass;

static int on_line(void *ctx, const char *line, size_t len) {
  snapshot_pass *p = ctx;
  size_t i = 0;
  while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) i++;
  if (i == len) return 0;
  cJSON *j = cJSON_ParseWithLength(line, len);
  if (!j) {
    p->agg->c[SD_AGG_LINES]++;
    p->agg->c[SD_AGG_MALFORMED]++;
    return 0;
  }
  if (sd_agg_add_result(p->agg, j) == 0) {
    sd_snap *s = sd_snap_from_json(j);
    sd_strmap_entry *e = s ? sd_strmap_get(&p->cur, s->domain) : NULL;
    if (e && !e->ext) {
      const sd_strmap_entry *old = sd_strmap_find(&p->h->prev, s->domain);
      if (old && old->ext) {
        sd_snap_inherit(s, old->ext);
        if (p->trans) {
          unsigned char changed[SD_CHG__COUNT];
          sd_snap_compare(old->ext, s, changed, NULL);
          p->trans->in_both++;
          for (int k = 0; k < SD_CHG__COUNT; k++) p->trans->changes[k] += changed[k];
        }
      } else if (p->trans) {
        p->trans->added++;
      }
      e->ext = s;
      s = NULL;
    }
    sd_snap_free(s); /* a duplicate line of the same domain: the first one counts */
  }
  cJSON_Delete(j);
  return 0;
}

static int grow(sd_history *h) {
  size_t n = h->count + 1;
  sd_agg *snaps = realloc(h->snapshots, n * sizeof(*snaps));
  if (snaps) h->snapshots = snaps;
  char **labels = realloc(h->labels, n * sizeof(*labels));
  if (labels) h->labels = labels;
  sd_transition *t = realloc(h->transitions, n * sizeof(*t));
  if (t) h->transitions = t;
  return snaps && labels && t ? 0 : -1;
}

int sd_history_add(sd_history *h, FILE *in, const char *label) {
  if (grow(h) != 0) {
    h->failed = 1;
    return -1;
  }
  snapshot_pass p = {.h = h, .agg = &h->snapshots[h->count]};
  sd_agg_init(p.agg, h->provider_threshold);
  h->labels[h->count] = sd_strdup(label);
  p.cur.ext_free = snap_ext_free;
  if (h->count > 0) {
    p.trans = &h->transitions[h->count - 1];
    memset(p.trans, 0, sizeof(*p.trans));
    p.trans->from = sd_strdup(h->labels[h->count - 1]);
    p.trans->to = sd_strdup(label);
  }
  h->count++;
  int rc = sd_agg_read_lines(in, SD_AGG_MAX_LINE, on_line, &p, &p.agg->c[SD_AGG_LINES], &p.agg->c[SD_AGG_MALFORMED]);
  if (p.trans) {
    for (size_t i = 0; i < h->prev.cap; i++)
      if (h->prev.slots[i].key && !sd_strmap_find(&p.cur, h->prev.slots[i].key)) p.trans->removed++;
  }
  sd_strmap_free(&h->prev);
  h->prev = p.cur;
  if (p.cur.failed) h->failed = 1;
  return rc;
}

/* The earliest scanned_at of a snapshot decides its place in time. Read with
 * the same bounded line reader as the aggregation: a huge line is skipped,
 * never allocated whole. */
static int earliest_scanned_at(void *ctx, const char *line, size_t len) {
  char **best = ctx;
  cJSON *j = cJSON_ParseWithLength(line, len);
  const char *t = sd_agg_jstr(j, "scanned_at");
  if (t && (!*best || strcmp(t, *best) < 0)) {
    free(*best);
    *best = sd_strdup(t);
  }
  cJSON_Delete(j);
  return 0;
}

char *sd_history_first_scanned(FILE *in) {
  char *best = NULL;
  sd_agg_read_lines(in, SD_AGG_MAX_LINE, earliest_scanned_at, &best, NULL, NULL);
  rewind(in);
  return best;
}

/* ---- output --------------------------------------------------------------------- */

cJSON *sd_history_to_json(const sd_history *h) {
  cJSON *root = cJSON_CreateObject();
  cJSON_AddStringToObject(root, "report", "stsdane-over-time");
  cJSON_AddNumberToObject(root, "report_version", 1);
  cJSON *snaps = cJSON_AddArrayToObject(root, "snapshots");
  for (size_t i = 0; i < h->count; i++) {
    cJSON *full = sd_agg_to_json(&h->snapshots[i]);
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "label", h->labels[i] ? h->labels[i] : "");
    cJSON *when = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(full, "quality"), "scanned_at");
    cJSON_AddItemToObject(s, "scanned_at", cJSON_Duplicate(when, 1));
    cJSON_AddNumberToObject(s, "domains", (double)h->snapshots[i].adoption.c[SD_ADOPT_DOMAINS]);
    cJSON *adoption = cJSON_GetObjectItemCaseSensitive(full, "adoption");
    cJSON_AddItemToObject(s, "adoption", cJSON_DetachItemFromObjectCaseSensitive(adoption, "overall"));
    cJSON_AddItemToObject(s, "protected_by", cJSON_DetachItemFromObjectCaseSensitive(full, "protected_by"));
    cJSON_AddItemToObject(s, "profiles", cJSON_DetachItemFromObjectCaseSensitive(full, "profiles"));
    cJSON_AddItemToArray(snaps, s);
    cJSON_Delete(full);
  }
  cJSON *trans = cJSON_AddArrayToObject(root, "transitions");
  for (size_t i = 0; i + 1 < h->count; i++) {
    const sd_transition *t = &h->transitions[i];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "from", t->from ? t->from : "");
    cJSON_AddStringToObject(o, "to", t->to ? t->to : "");
    cJSON_AddNumberToObject(o, "domains_in_both", (double)t->in_both);
    cJSON_AddNumberToObject(o, "added", (double)t->added);
    cJSON_AddNumberToObject(o, "removed", (double)t->removed);
    cJSON *c = cJSON_AddObjectToObject(o, "changes");
    for (int k = 0; k < SD_CHG__COUNT; k++) cJSON_AddNumberToObject(c, sd_change_keys[k], (double)t->changes[k]);
    cJSON_AddItemToArray(trans, o);
  }
  return root;
}

/* "N: label": the number the line charts put on their x axis. */
static char *snapshot_label(const sd_history *h, size_t i) {
  return sd_asprintf("%zu: %s", i + 1, h->labels[i] ? h->labels[i] : "?");
}

/* Shares of measured domains per snapshot, one line per counter. */
static void series_table(const sd_history *h, sd_tables *out, const char *id, const char *title,
                         const char *const *cols, const sd_adopt_counter *shown, size_t nshown) {
  sd_table *tb = sd_tables_add(out, id, "7. Longitudinal", title, "% of the snapshot's measured domains",
                               SD_CHART_LINES, nshown + 1, cols);
  for (size_t i = 0; i < h->count; i++) {
    const long long *c = h->snapshots[i].adoption.c;
    char *label = snapshot_label(h, i);
    sd_table_text(tb, label);
    free(label);
    for (size_t k = 0; k < nshown; k++) sd_table_num(tb, c[shown[k]], c[SD_ADOPT_DOMAINS]);
  }
}

void sd_history_tables(const sd_history *h, sd_tables *out) {
  static const char *const cols[] = {"snapshot", "domains", "MTA-STS record", "valid policy", "enforce",
                                     "TLSRPT valid", "TLSA any MX", "DANE valid", "both valid"};
  static const sd_adopt_counter shown[] = {SD_ADOPT_STS_RECORD, SD_ADOPT_STS_VALID, SD_ADOPT_MODE_ENFORCE,
                                           SD_ADOPT_TLSRPT_VALID, SD_ADOPT_TLSA_ANY_MX, SD_ADOPT_DANE_VALID,
                                           SD_ADOPT_BOTH_VALID};
  sd_table *tb = sd_tables_add(out, "over_time_adoption", "7. Longitudinal", "Adoption per snapshot",
                               "% of the snapshot's measured domains", SD_CHART_NONE, 9, cols);
  for (size_t i = 0; i < h->count; i++) {
    const long long *c = h->snapshots[i].adoption.c;
    char *label = snapshot_label(h, i);
    sd_table_text(tb, label);
    free(label);
    sd_table_num(tb, c[SD_ADOPT_DOMAINS], 0);
    for (size_t k = 0; k < sizeof(shown) / sizeof(shown[0]); k++) sd_table_num(tb, c[shown[k]], c[SD_ADOPT_DOMAINS]);
  }
  /* Charts of one kind of quantity each: publication, then deployments
   * that validate, then the outcome per sender profile. */
  static const char *const pub_cols[] = {"snapshot", "MTA-STS record", "TLSRPT record", "DNSSEC-signed MX",
                                         "TLSA any MX"};
  static const sd_adopt_counter pub[] = {SD_ADOPT_STS_RECORD, SD_ADOPT_TLSRPT_RECORD, SD_ADOPT_MX_DNSSEC,
                                         SD_ADOPT_TLSA_ANY_MX};
  series_table(h, out, "over_time_published", "Adoption over time: records published", pub_cols, pub, 4);
  static const char *const valid_cols[] = {"snapshot", "valid MTA-STS policy", "enforce mode", "valid DANE",
                                           "both valid"};
  static const sd_adopt_counter valid[] = {SD_ADOPT_STS_VALID, SD_ADOPT_MODE_ENFORCE, SD_ADOPT_DANE_VALID,
                                           SD_ADOPT_BOTH_VALID};
  series_table(h, out, "over_time_valid", "Valid deployments over time", valid_cols, valid, 4);
  for (int p = 0; p < SD_AGG_PROFILES; p++) {
    const char *ocols[1 + SD_AGG_OUTCOMES];
    ocols[0] = "snapshot";
    for (int o = 0; o < SD_AGG_OUTCOMES; o++) ocols[1 + o] = sd_agg_outcome_names[o];
    char *id = sd_asprintf("over_time_outcomes_%d", p);
    char *title = sd_asprintf("Outcome for %s senders per snapshot", sd_agg_profile_names[p]);
    tb = sd_tables_add(out, id, "7. Longitudinal", title, "% of the snapshot's measured domains", SD_CHART_STACKED,
                       1 + SD_AGG_OUTCOMES, ocols);
    free(id);
    free(title);
    for (size_t i = 0; i < h->count; i++) {
      char *label = snapshot_label(h, i);
      sd_table_text(tb, label);
      free(label);
      for (int o = 0; o < SD_AGG_OUTCOMES; o++)
        sd_table_num(tb, h->snapshots[i].profiles[p][o], h->snapshots[i].adoption.c[SD_ADOPT_DOMAINS]);
    }
  }
  for (size_t i = 0; i + 1 < h->count; i++) {
    const sd_transition *t = &h->transitions[i];
    char *title = sd_asprintf("Domains compared from %s to %s", t->from ? t->from : "?", t->to ? t->to : "?");
    char *id = sd_asprintf("over_time_domains_%zu", i + 1);
    tb = sd_tables_add(out, id, "7. Longitudinal", title, "", SD_CHART_NONE, 2,
                       (const char *const[]){"domains", "count"});
    free(title);
    free(id);
    sd_table_row(tb, "in both snapshots", t->in_both, 0);
    sd_table_row(tb, "added", t->added, 0);
    sd_table_row(tb, "removed", t->removed, 0);
    title = sd_asprintf("Changes from %s to %s", t->from ? t->from : "?", t->to ? t->to : "?");
    id = sd_asprintf("over_time_changes_%zu", i + 1);
    tb = sd_tables_add(out, id, "7. Longitudinal", title, "% of domains in both snapshots", SD_CHART_BARS, 2,
                       (const char *const[]){"change", "domains"});
    free(title);
    free(id);
    for (int k = 0; k < SD_CHG__COUNT; k++) sd_table_row(tb, sd_change_texts[k], t->changes[k], t->in_both);
  }
}
