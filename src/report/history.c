/* Per-domain evidence across snapshots, and the changes between them. */
#include "report/history.h"

#include <stdlib.h>
#include <string.h>

#include "report/agg_internal.h"
#include "mtasts/match.h"
#include "util/str.h"

#define SD_CHANGE_KEY_(id, key, text) key,
const char *const sd_change_keys[SD_CHG__COUNT] = {SD_CHANGES(SD_CHANGE_KEY_)};
#undef SD_CHANGE_KEY_
#define SD_CHANGE_TEXT_(id, key, text) text,
const char *const sd_change_texts[SD_CHG__COUNT] = {SD_CHANGES(SD_CHANGE_TEXT_)};
#undef SD_CHANGE_TEXT_

/* ---- evidence of one result ----------------------------------------------------- */

static char *dup_str(const cJSON *o, const char *key) {
  const char *s = sd_agg_jstr(o, key);
  return s ? sd_strdup(s) : NULL;
}

static char *host_key(const char *host) {
  char *h = sd_strdup(host);
  if (!h) return NULL;
  size_t n = strlen(h);
  while (n > 0 && h[n - 1] == '.') h[--n] = '\0';
  sd_str_lower(h);
  return h;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The strings of a JSON array sorted and joined by sep ("" when empty). */
static char *sorted_join(const cJSON *arr, const char *sep, int leaf_of_chain) {
  size_t n = 0, cap = (size_t)cJSON_GetArraySize(arr);
  const char **items = cap ? malloc(cap * sizeof(*items)) : NULL;
  const cJSON *it;
  cJSON_ArrayForEach(it, arr) {
    const cJSON *v = leaf_of_chain ? cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(it, "chain_sha256"), 0) : it;
    if (items && n < cap && cJSON_IsString(v)) items[n++] = v->valuestring;
  }
  if (n > 1) qsort(items, n, sizeof(*items), cmp_str); /* items is NULL when n == 0 */
  sd_buf b = {0};
  sd_buf_puts(&b, "");
  for (size_t i = 0; i < n; i++) {
    if (i && strcmp(items[i], items[i - 1]) == 0) continue;
    if (b.len) sd_buf_puts(&b, sep);
    sd_buf_puts(&b, items[i]);
  }
  free(items);
  return sd_buf_take(&b);
}

/* The TLSA records that matched the leaf of some address (dane.matched at
 * depth 0), sorted and "|"-joined: after a key rollover they tell which
 * published record named the old key ("3 1 1" has no certificate hash to
 * compare with). */
static char *leaf_matches(const cJSON *addresses) {
  cJSON *found = cJSON_CreateArray();
  const cJSON *a;
  cJSON_ArrayForEach(a, addresses) {
    const cJSON *dane = cJSON_GetObjectItemCaseSensitive(a, "dane");
    const cJSON *rec = cJSON_GetObjectItemCaseSensitive(dane, "matched");
    const cJSON *depth = cJSON_GetObjectItemCaseSensitive(dane, "depth");
    if (found && cJSON_IsString(rec) && cJSON_IsNumber(depth) && depth->valuedouble == 0)
      cJSON_AddItemToArray(found, cJSON_CreateStringReference(rec->valuestring));
  }
  char *out = sorted_join(found, "|", 0);
  cJSON_Delete(found);
  return out;
}

static void snap_mx(sd_snap *s, const cJSON *mxs) {
  size_t cap = (size_t)cJSON_GetArraySize(mxs);
  s->mx = cap ? calloc(cap, sizeof(*s->mx)) : NULL;
  const cJSON *mx;
  cJSON_ArrayForEach(mx, mxs) {
    const char *host = sd_agg_jstr(mx, "host");
    if (!s->mx || s->mx_count >= cap || !host) continue;
    sd_snap_mx *m = &s->mx[s->mx_count++];
    m->host = host_key(host);
    m->leaves = sorted_join(cJSON_GetObjectItemCaseSensitive(mx, "addresses"), ",", 1);
    m->matched = leaf_matches(cJSON_GetObjectItemCaseSensitive(mx, "addresses"));
    const cJSON *tlsa = cJSON_GetObjectItemCaseSensitive(mx, "tlsa");
    m->tlsa = sorted_join(cJSON_GetObjectItemCaseSensitive(tlsa, "records"), "|", 0);
    const cJSON *match = cJSON_GetObjectItemCaseSensitive(mx, "sts_match");
    m->sts_match = cJSON_IsBool(match) ? cJSON_IsTrue(match) : -1;
  }
}

sd_snap *sd_snap_from_json(const cJSON *r) {
  if (!cJSON_IsObject(r) || !sd_agg_jstr(r, "domain")) return NULL;
  sd_snap *s = calloc(1, sizeof(*s));
  if (!s) return NULL;
  const cJSON *mtasts = cJSON_GetObjectItemCaseSensitive(r, "mtasts");
  const cJSON *policy = cJSON_GetObjectItemCaseSensitive(mtasts, "policy");
  const cJSON *verdict = cJSON_GetObjectItemCaseSensitive(r, "verdict");
  const cJSON *profiles = cJSON_GetObjectItemCaseSensitive(verdict, "profiles");
  s->domain = host_key(sd_agg_jstr(r, "domain"));
  s->scanned_at = dup_str(r, "scanned_at");
  s->sts_status = dup_str(mtasts, "status");
  s->dane_status = dup_str(cJSON_GetObjectItemCaseSensitive(r, "dane"), "status");
  s->tlsrpt_status = dup_str(cJSON_GetObjectItemCaseSensitive(r, "tlsrpt"), "status");
  s->protected_by = dup_str(verdict, "protected_by");
  cJSON *codes = cJSON_CreateArray();
  const cJSON *c;
  cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(verdict, "conflicts")) {
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(c, "code");
    if (codes && cJSON_IsString(code)) cJSON_AddItemToArray(codes, cJSON_CreateStringReference(code->valuestring));
  }
  s->conflicts = sorted_join(codes, "|", 0);
  cJSON_Delete(codes);
  for (int p = 0; p < SD_AGG_PROFILES; p++) s->profiles[p] = dup_str(profiles, sd_agg_profile_names[p]);
  s->sts_id = dup_str(cJSON_GetObjectItemCaseSensitive(mtasts, "record"), "id");
  s->policy_sha256 = dup_str(policy, "sha256");
  s->mode = dup_str(policy, "mode");
  const cJSON *patterns = cJSON_GetObjectItemCaseSensitive(policy, "mx"), *p;
  size_t cap = (size_t)cJSON_GetArraySize(patterns);
  s->policy_mx = cap ? calloc(cap, sizeof(char *)) : NULL;
  cJSON_ArrayForEach(p, patterns) {
    if (s->policy_mx && s->policy_mx_count < cap && cJSON_IsString(p))
      s->policy_mx[s->policy_mx_count++] = sd_strdup(p->valuestring);
  }
  snap_mx(s, cJSON_GetObjectItemCaseSensitive(r, "mx"));
  return s;
}

void sd_snap_free(sd_snap *s) {
  if (!s) return;
  char **strs[] = {&s->domain, &s->scanned_at, &s->sts_status, &s->dane_status, &s->tlsrpt_status,
                   &s->protected_by, &s->mode, &s->sts_id, &s->policy_sha256, &s->conflicts};
  for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) free(*strs[i]);
  for (int p = 0; p < SD_AGG_PROFILES; p++) free(s->profiles[p]);
  for (size_t i = 0; i < s->policy_mx_count; i++) free(s->policy_mx[i]);
  free(s->policy_mx);
  for (size_t i = 0; i < s->mx_count; i++) {
    free(s->mx[i].host);
    free(s->mx[i].leaves);
    free(s->mx[i].tlsa);
    free(s->mx[i].matched);
  }
  free(s->mx);
  for (size_t i = 0; i < s->earlier_count; i++) free(s->earlier_mx[i]);
  free(s->earlier_mx);
  free(s);
}

static const sd_snap_mx *find_mx(const sd_snap *s, const char *host) {
  for (size_t i = 0; i < s->mx_count; i++)
    if (s->mx[i].host && strcmp(s->mx[i].host, host) == 0) return &s->mx[i];
  return NULL;
}

static int in_list(char *const *list, size_t n, const char *s) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(list[i], s) == 0) return 1;
  return 0;
}

/* History is bounded: a domain's MX churn beyond this is not tracked. */
enum { EARLIER_MAX = 64 };

static void remember(sd_snap *cur, const char *host) {
  if (!host || cur->earlier_count >= EARLIER_MAX || in_list(cur->earlier_mx, cur->earlier_count, host)) return;
  char **list = realloc(cur->earlier_mx, (cur->earlier_count + 1) * sizeof(char *));
  if (!list) return;
  cur->earlier_mx = list;
  char *copy = sd_strdup(host);
  if (copy) cur->earlier_mx[cur->earlier_count++] = copy;
}

void sd_snap_inherit(sd_snap *cur, const sd_snap *old) {
  if (!cur || !old) return;
  for (size_t i = 0; i < old->earlier_count; i++) remember(cur, old->earlier_mx[i]);
  for (size_t i = 0; i < old->mx_count; i++) remember(cur, old->mx[i].host);
}

/* ---- comparison ------------------------------------------------------------------ */

static int str_eq(const char *a, const char *b) { return (!a && !b) || (a && b && strcmp(a, b) == 0); }

static int has_sts(const sd_snap *s) {
  return s->sts_status && (strcmp(s->sts_status, "valid") == 0 || strcmp(s->sts_status, "invalid") == 0);
}

static int has_tlsa(const sd_snap *s) {
  for (size_t i = 0; i < s->mx_count; i++)
    if (s->mx[i].tlsa && *s->mx[i].tlsa) return 1;
  return 0;
}

static int dane_ok(const sd_snap *s) {
  return s->dane_status && (strcmp(s->dane_status, "valid") == 0 || strcmp(s->dane_status, "partial") == 0);
}

static int dane_broken(const sd_snap *s) {
  return (s->profiles[2] && strcmp(s->profiles[2], "fail") == 0) ||
         (s->dane_status && (strcmp(s->dane_status, "invalid") == 0 || strcmp(s->dane_status, "bogus") == 0));
}

static void note(unsigned char changed[SD_CHG__COUNT], cJSON *details, sd_change_kind k, const char *old,
                 const char *cur, const char *where) {
  changed[k] = 1;
  if (!cJSON_IsArray(details)) return;
  cJSON *d = cJSON_CreateObject();
  cJSON_AddStringToObject(d, "kind", sd_change_keys[k]);
  cJSON_AddStringToObject(d, "text", sd_change_texts[k]);
  if (where) cJSON_AddStringToObject(d, "where", where);
  cJSON_AddItemToObject(d, "old", old ? cJSON_CreateString(old) : cJSON_CreateNull());
  cJSON_AddItemToObject(d, "new", cur ? cJSON_CreateString(cur) : cJSON_CreateNull());
  cJSON_AddItemToArray(details, d);
}

/* 1 when item (len bytes) is one of the sep-joined entries of list. */
static int in_joined(const char *list, char sep, const char *item, size_t len);

/* Each conflict code in one snapshot and not the other, with its code as where. */
static void conflicts_only_in(const char *from, const char *other, unsigned char *changed, cJSON *details,
                              sd_change_kind kind) {
  const char *p = from ? from : "";
  while (*p) {
    size_t len = strcspn(p, "|");
    if (!in_joined(other, '|', p, len)) {
      char *code = sd_strndup(p, len);
      note(changed, details, kind, kind == SD_CHG_CONFLICT_GONE ? code : NULL,
           kind == SD_CHG_CONFLICT_APPEARED ? code : NULL, code);
      free(code);
    }
    p += len + (p[len] == '|');
  }
}

static void compare_conflicts(const sd_snap *o, const sd_snap *n, unsigned char *changed, cJSON *details) {
  conflicts_only_in(n->conflicts, o->conflicts, changed, details, SD_CHG_CONFLICT_APPEARED);
  conflicts_only_in(o->conflicts, n->conflicts, changed, details, SD_CHG_CONFLICT_GONE);
}

static void compare_status(const sd_snap *o, const sd_snap *n, unsigned char *changed, cJSON *details) {
  if (!has_sts(o) && has_sts(n)) note(changed, details, SD_CHG_STS_GAINED, o->sts_status, n->sts_status, NULL);
  if (has_sts(o) && !has_sts(n)) note(changed, details, SD_CHG_STS_LOST, o->sts_status, n->sts_status, NULL);
  if (!has_tlsa(o) && has_tlsa(n)) note(changed, details, SD_CHG_DANE_GAINED, o->dane_status, n->dane_status, NULL);
  if (has_tlsa(o) && !has_tlsa(n)) note(changed, details, SD_CHG_DANE_LOST, o->dane_status, n->dane_status, NULL);
  if (!str_eq(o->sts_status, n->sts_status))
    note(changed, details, SD_CHG_STS_STATUS, o->sts_status, n->sts_status, NULL);
  if (!str_eq(o->dane_status, n->dane_status))
    note(changed, details, SD_CHG_DANE_STATUS, o->dane_status, n->dane_status, NULL);
  if (!str_eq(o->tlsrpt_status, n->tlsrpt_status))
    note(changed, details, SD_CHG_TLSRPT_STATUS, o->tlsrpt_status, n->tlsrpt_status, NULL);
  for (int p = 0; p < SD_AGG_PROFILES; p++)
    if (!str_eq(o->profiles[p], n->profiles[p]))
      note(changed, details, SD_CHG_PROFILES, o->profiles[p], n->profiles[p], sd_agg_profile_names[p]);
  if (!str_eq(o->protected_by, n->protected_by))
    note(changed, details, SD_CHG_PROTECTED_BY, o->protected_by, n->protected_by, NULL);
  compare_conflicts(o, n, changed, details);
}

static void compare_policy(const sd_snap *o, const sd_snap *n, unsigned char *changed, cJSON *details) {
  if (o->policy_sha256 && n->policy_sha256 && o->sts_id && n->sts_id) {
    int same_id = strcmp(o->sts_id, n->sts_id) == 0;
    int same_policy = strcmp(o->policy_sha256, n->policy_sha256) == 0;
    if (same_id && !same_policy)
      note(changed, details, SD_CHG_POLICY_SAME_ID, o->policy_sha256, n->policy_sha256, n->sts_id);
    if (!same_id && same_policy) note(changed, details, SD_CHG_ID_SAME_POLICY, o->sts_id, n->sts_id, NULL);
    if (!same_id && !same_policy) note(changed, details, SD_CHG_POLICY_NEW_ID, o->sts_id, n->sts_id, NULL);
  }
  if (o->mode && n->mode && strcmp(o->mode, n->mode) != 0) note(changed, details, SD_CHG_MODE, o->mode, n->mode, NULL);
}

static char *mx_list(const sd_snap *s) {
  sd_buf b = {0};
  sd_buf_puts(&b, "");
  for (size_t i = 0; i < s->mx_count; i++) sd_buf_printf(&b, "%s%s", i ? " " : "", s->mx[i].host ? s->mx[i].host : "?");
  return sd_buf_take(&b);
}

/* An MX the domain used before (and no longer does) that the current policy
 * still names: the policy was not updated when mail moved. */
static const char *stale_policy_host(const sd_snap *o, const sd_snap *n) {
  int uncovered = 0;
  for (size_t i = 0; i < n->mx_count; i++) uncovered |= n->mx[i].sts_match == 0;
  if (!uncovered || n->policy_mx_count == 0) return NULL;
  for (size_t h = 0; h < o->mx_count + o->earlier_count; h++) {
    const char *host = h < o->mx_count ? o->mx[h].host : o->earlier_mx[h - o->mx_count];
    if (!host || find_mx(n, host)) continue;
    for (size_t p = 0; p < n->policy_mx_count; p++)
      if (sd_sts_pattern_matches(n->policy_mx[p], host)) return host;
  }
  return NULL;
}

static void compare_mx(const sd_snap *o, const sd_snap *n, unsigned char *changed, cJSON *details) {
  int same = o->mx_count == n->mx_count;
  for (size_t i = 0; same && i < n->mx_count; i++) same = n->mx[i].host && find_mx(o, n->mx[i].host);
  if (same) return;
  char *a = mx_list(o), *b = mx_list(n);
  note(changed, details, SD_CHG_MX_SET, a, b, NULL);
  const char *stale = stale_policy_host(o, n);
  if (stale) note(changed, details, SD_CHG_MX_STALE_POLICY, stale, b, "policy");
  free(a);
  free(b);
}

/* 1 when a TLSA record "3 0 1 <hex>" of the current MX names an old leaf
 * certificate hash (the record was not updated after a rollover, or was
 * updated to the wrong certificate). */
static int tlsa_names_old_leaf(const sd_snap_mx *om, const sd_snap_mx *nm) {
  if (!om->leaves || !*om->leaves || !nm->tlsa) return 0;
  const char *p = nm->tlsa;
  while (*p) {
    size_t len = strcspn(p, "|");
    if (len > 6 && strncmp(p, "3 0 1 ", 6) == 0) {
      const char *hex = p + 6;
      size_t hlen = len - 6;
      const char *leaf = om->leaves;
      while (*leaf) {
        size_t l = strcspn(leaf, ",");
        if (l == hlen && strncasecmp(leaf, hex, l) == 0 && !strstr(nm->leaves ? nm->leaves : "", leaf)) return 1;
        leaf += l + (leaf[l] == ',');
      }
    }
    p += len + (p[len] == '|');
  }
  return 0;
}

/* 1 when item (len bytes) is one of the sep-joined entries of list. */
static int in_joined(const char *list, char sep, const char *item, size_t len) {
  const char *p = list ? list : "";
  while (*p) {
    const char *end = strchr(p, sep);
    size_t l = end ? (size_t)(end - p) : strlen(p);
    if (l == len && strncmp(p, item, len) == 0) return 1;
    p += l + (end != NULL);
  }
  return 0;
}

/* 1 when the leaf changed and a current TLSA record is one that matched the
 * previous leaf but matches nothing now (typically "3 1 1" of the old key:
 * the key rolled over, the record did not). */
static int tlsa_names_old_key(const sd_snap_mx *om, const sd_snap_mx *nm) {
  if (!om->matched || !*om->matched || !nm->tlsa || !om->leaves || !nm->leaves || strcmp(om->leaves, nm->leaves) == 0)
    return 0;
  const char *p = nm->tlsa;
  while (*p) {
    size_t len = strcspn(p, "|");
    if (in_joined(om->matched, '|', p, len) && !in_joined(nm->matched, '|', p, len)) return 1;
    p += len + (p[len] == '|');
  }
  return 0;
}

static void compare_rollovers(const sd_snap *o, const sd_snap *n, unsigned char *changed, cJSON *details) {
  int rolled = 0;
  for (size_t i = 0; i < n->mx_count; i++) {
    const sd_snap_mx *nm = &n->mx[i], *om = nm->host ? find_mx(o, nm->host) : NULL;
    if (!om) continue;
    if (om->leaves && nm->leaves && *om->leaves && *nm->leaves && strcmp(om->leaves, nm->leaves) != 0) {
      note(changed, details, SD_CHG_CERT_ROLLOVER, om->leaves, nm->leaves, nm->host);
      rolled = 1;
    }
    if (om->tlsa && nm->tlsa && (*om->tlsa || *nm->tlsa) && strcmp(om->tlsa, nm->tlsa) != 0) {
      note(changed, details, SD_CHG_TLSA_ROLLOVER, om->tlsa, nm->tlsa, nm->host);
      rolled = 1;
    }
    if (dane_broken(n) && (tlsa_names_old_leaf(om, nm) || tlsa_names_old_key(om, nm)))
      note(changed, details, SD_CHG_TLSA_OLD_CERT, om->leaves, nm->tlsa, nm->host);
  }
  if (!rolled || !dane_ok(o)) return;
  if (dane_broken(n)) note(changed, details, SD_CHG_ROLLOVER_BROKE_DANE, o->dane_status, n->dane_status, NULL);
  else if (dane_ok(n)) note(changed, details, SD_CHG_ROLLOVER_KEPT_DANE, o->dane_status, n->dane_status, NULL);
}

void sd_snap_compare(const sd_snap *old, const sd_snap *cur, unsigned char changed[SD_CHG__COUNT], cJSON *details) {
  memset(changed, 0, SD_CHG__COUNT);
  if (!old || !cur) return;
  compare_status(old, cur, changed, details);
  compare_policy(old, cur, changed, details);
  compare_mx(old, cur, changed, details);
  compare_rollovers(old, cur, changed, details);
}
