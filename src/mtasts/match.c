/*
 * MX host names against policy mx patterns (RFC 8461 §4.1), and why a host
 * does not match (the mismatch classes of the IMC 2025 MTA-STS study).
 *
 * Classification precedence, per pattern, most specific first:
 *   1. wildcard depth: the pattern is "*.D" and the host is D itself or lies
 *      two or more labels below D: THIRD_LABEL (same registered name, wrong
 *      depth). Checked first so "a.b.example.com" against "*.example.com" is
 *      never called a typo although the names are close.
 *   2. TLD: same label count, every label equal but the last
 *      (example.com vs example.net). Before typo because a short TLD swap is
 *      within edit distance 3 but is a structural mistake, not a misspelling.
 *   3. TYPO: edit distance <= 3 between host and pattern (a wildcard pattern
 *      with "*" replaced by the host's first label): mx1/mxl, exmaple.
 *   4. THIRD_LABEL: last two labels equal, difference from the third label on
 *      (mail.example.com vs smtp.example.com).
 *   5. DIFFERENT: nothing in common that explains the mismatch.
 * Across patterns the best class wins (ties: the smaller edit distance, then
 * the first pattern), and closest_pattern names that pattern.
 */
#include "mtasts/match.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/str.h"

/* Room for a 253-byte name, a label prepended for wildcard comparison and the
 * "mta-sts." prefix; longer inputs are not DNS names and are not classified. */
#define NAME_BUF 600
#define MAX_LABELS 128

typedef struct labels {
  const char *start[MAX_LABELS];
  size_t len[MAX_LABELS];
  size_t count;
} labels;

int sd_edit_distance(const char *a, const char *b, int cap) {
  if (cap < 0) cap = 0;
  if (cap > INT_MAX - 1) cap = INT_MAX - 1;
  if (!a) a = "";
  if (!b) b = "";
  size_t la = strlen(a), lb = strlen(b);
  size_t diff = la > lb ? la - lb : lb - la;
  if (diff > (size_t)cap) return cap + 1;
  int *row = malloc((lb + 1) * sizeof(*row));
  if (!row) return cap + 1;
  const int too_far = cap + 1; /* values are clamped here: no overflow */
  for (size_t j = 0; j <= lb; j++) row[j] = j < (size_t)too_far ? (int)j : too_far;
  int result = too_far;
  for (size_t i = 1; i <= la; i++) {
    int diag = row[0];
    row[0] = i < (size_t)too_far ? (int)i : too_far;
    int row_min = row[0];
    for (size_t j = 1; j <= lb; j++) {
      int up = row[j];
      int best = diag + (a[i - 1] != b[j - 1]);
      if (up + 1 < best) best = up + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      if (best > too_far) best = too_far;
      row[j] = best;
      diag = up;
      if (best < row_min) row_min = best;
    }
    if (row_min >= too_far) goto done; /* every path is already too long */
  }
  result = row[lb] < too_far ? row[lb] : too_far;
done:
  free(row);
  return result;
}

/* Length of host without one trailing dot. */
static size_t host_len(const char *host) {
  size_t n = strlen(host);
  return (n > 0 && host[n - 1] == '.') ? n - 1 : n;
}

static int is_wildcard(const char *pattern) { return pattern[0] == '*' && pattern[1] == '.'; }

int sd_sts_pattern_matches(const char *pattern, const char *host) {
  if (!pattern || !host) return 0;
  size_t hl = host_len(host), pl = strlen(pattern);
  if (hl == 0 || pl == 0) return 0;
  if (!is_wildcard(pattern)) return pl == hl && strncasecmp(pattern, host, hl) == 0;
  /* "*.D": exactly one non-empty label, then D. */
  const char *suffix = pattern + 2;
  size_t sl = pl - 2;
  const char *dot = memchr(host, '.', hl);
  if (!dot || dot == host || sl == 0) return 0;
  size_t rest = hl - (size_t)(dot + 1 - host);
  return rest == sl && strncasecmp(dot + 1, suffix, sl) == 0;
}

int sd_sts_policy_covers(const sd_sts_policy *policy, const char *host) {
  if (!policy || !host) return 0;
  for (size_t i = 0; i < policy->mx_count; i++)
    if (sd_sts_pattern_matches(policy->mx[i], host)) return 1;
  return 0;
}

void sd_sts_mismatch_among(sd_sts_mismatch_info *info, const char *host, const char *const *mx_hosts, size_t n) {
  if (!info || info->kind != SD_STS_MISMATCH_TYPO || !info->closest_pattern || !mx_hosts) return;
  for (size_t i = 0; i < n; i++) {
    if (!mx_hosts[i] || (host && strcasecmp(mx_hosts[i], host) == 0)) continue;
    if (sd_sts_pattern_matches(info->closest_pattern, mx_hosts[i])) {
      info->kind = SD_STS_MISMATCH_UNLISTED;
      return;
    }
  }
}

const char *sd_sts_mismatch_name(sd_sts_mismatch kind) {
  switch (kind) {
  case SD_STS_MISMATCH_NONE: return "none";
  case SD_STS_MISMATCH_TYPO: return "typo";
  case SD_STS_MISMATCH_TLD: return "tld";
  case SD_STS_MISMATCH_THIRD_LABEL: return "third-label";
  case SD_STS_MISMATCH_DIFFERENT: return "different";
  case SD_STS_MISMATCH_UNLISTED: return "unlisted";
  }
  return "unknown";
}

/* Lower-cased copy without one trailing dot; 0 when it does not fit. */
static int normalize(char out[NAME_BUF], const char *name) {
  size_t n = host_len(name);
  if (n >= NAME_BUF) return 0;
  memcpy(out, name, n);
  out[n] = '\0';
  sd_str_lower(out);
  return 1;
}

static void split_labels(const char *name, labels *out) {
  out->count = 0;
  const char *p = name;
  while (out->count < MAX_LABELS) {
    const char *dot = strchr(p, '.');
    size_t len = dot ? (size_t)(dot - p) : strlen(p);
    out->start[out->count] = p;
    out->len[out->count++] = len;
    if (!dot) break;
    p = dot + 1;
  }
}

static int label_eq(const labels *a, size_t i, const labels *b, size_t j) {
  return a->len[i] == b->len[j] && memcmp(a->start[i], b->start[j], a->len[i]) == 0;
}

static int only_tld_differs(const labels *h, const labels *p) {
  if (h->count != p->count || h->count < 2) return 0;
  for (size_t i = 0; i + 1 < h->count; i++)
    if (!label_eq(h, i, p, i)) return 0;
  return !label_eq(h, h->count - 1, p, p->count - 1);
}

static int last_two_equal(const labels *h, const labels *p) {
  if (h->count < 2 || p->count < 2) return 0;
  return label_eq(h, h->count - 1, p, p->count - 1) && label_eq(h, h->count - 2, p, p->count - 2);
}

/* host is D or lies two or more labels below D, for pattern "*.D". */
static int wrong_wildcard_depth(const char *host, const char *suffix) {
  size_t hl = strlen(host), sl = strlen(suffix);
  if (sl == 0) return 0;
  if (hl == sl) return strcmp(host, suffix) == 0;
  if (hl <= sl + 1 || host[hl - sl - 1] != '.' || strcmp(host + hl - sl, suffix) != 0) return 0;
  return 1; /* below D; one label below would have matched */
}

/* Lower is more specific. */
static int class_rank(sd_sts_mismatch kind) {
  switch (kind) {
  case SD_STS_MISMATCH_TLD: return 1;
  case SD_STS_MISMATCH_TYPO: return 2;
  case SD_STS_MISMATCH_THIRD_LABEL: return 3;
  default: return 4;
  }
}

/* Classifies a normalized host against one normalized pattern; *distance
 * gets the capped edit distance used for the typo class. */
static sd_sts_mismatch classify_one(const char *host, const char *pattern, int *distance) {
  char effective[NAME_BUF * 2];
  *distance = 4;
  if (is_wildcard(pattern)) {
    if (wrong_wildcard_depth(host, pattern + 2)) return SD_STS_MISMATCH_THIRD_LABEL;
    const char *dot = strchr(host, '.');
    size_t first = dot ? (size_t)(dot - host) : strlen(host);
    memcpy(effective, host, first);
    strcpy(effective + first, pattern + 1); /* ".D" */
  } else {
    strcpy(effective, pattern);
  }
  labels h, p;
  split_labels(host, &h);
  split_labels(effective, &p);
  if (only_tld_differs(&h, &p)) return SD_STS_MISMATCH_TLD;
  *distance = sd_edit_distance(host, effective, 3);
  if (*distance <= 3) return SD_STS_MISMATCH_TYPO;
  if (last_two_equal(&h, &p)) return SD_STS_MISMATCH_THIRD_LABEL;
  return SD_STS_MISMATCH_DIFFERENT;
}

static int lists_policy_host(const sd_sts_policy *policy, const char *domain) {
  char name[NAME_BUF], want[NAME_BUF + 8];
  if (!domain || !normalize(name, domain)) return 0;
  snprintf(want, sizeof(want), "mta-sts.%s", name);
  for (size_t i = 0; i < policy->mx_count; i++)
    if (policy->mx[i] && strcasecmp(policy->mx[i], want) == 0) return 1;
  return 0;
}

sd_sts_mismatch_info sd_sts_mismatch_classify(const sd_sts_policy *policy, const char *host,
                                              const char *domain) {
  sd_sts_mismatch_info info = {SD_STS_MISMATCH_DIFFERENT, NULL, 0};
  if (!policy || !host) return info;
  info.policy_lists_policy_host = lists_policy_host(policy, domain);
  for (size_t i = 0; i < policy->mx_count; i++) {
    if (sd_sts_pattern_matches(policy->mx[i], host)) {
      info.kind = SD_STS_MISMATCH_NONE;
      info.closest_pattern = policy->mx[i];
      return info;
    }
  }
  char h[NAME_BUF], p[NAME_BUF];
  if (!normalize(h, host)) return info;
  int best_rank = 5, best_distance = INT_MAX;
  for (size_t i = 0; i < policy->mx_count; i++) {
    if (!policy->mx[i] || !normalize(p, policy->mx[i])) continue;
    int distance;
    sd_sts_mismatch kind = classify_one(h, p, &distance);
    int rank = class_rank(kind);
    if (rank < best_rank || (rank == best_rank && distance < best_distance)) {
      best_rank = rank;
      best_distance = distance;
      info.kind = kind;
      info.closest_pattern = policy->mx[i];
    }
  }
  return info;
}
