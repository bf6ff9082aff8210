/*
 * Who runs it (table 4): each domain is attributed to one policy-host
 * operator and one MX operator, like the IMC 2025 MTA-STS study:
 *  - policy host: the registrable domain of the mta-sts.<domain> CNAME target
 *    when the scan recorded one ("cname:<regdom>"), else the address the
 *    policy was fetched from ("ip:<address>");
 *  - MX: the registrable domain of the most preferred MX host
 *    ("name:<regdom>"), unless it is the domain's own (a vanity MX name), in
 *    which case its CNAME target's registrable domain or its first address.
 * An operator is a third-party provider when it serves at least the
 * threshold of distinct registrable domains (Public Suffix List,
 * util/registrable.h; documented in docs/report.md).
 */
#include <stdlib.h>
#include <string.h>

#include "report/agg_internal.h"
#include "util/str.h"

enum { REGDOM_MAX = 256 };

static sd_agg_operator *operator_for(sd_strmap *ops, const char *key) {
  sd_strmap_entry *e = sd_strmap_get(ops, key);
  if (!e) return NULL;
  if (!e->ext) {
    sd_agg_operator *op = calloc(1, sizeof(*op));
    if (!op) {
      ops->failed = 1;
      return NULL;
    }
    e->ext = op;
  }
  return e->ext;
}

/* Remembers that op serves regdom, until the threshold makes it a provider
 * for good (then the set is dropped: nothing more can change). */
static void serve(sd_agg_operator *op, const char *regdom, long threshold) {
  if (op->saturated || !regdom) return;
  sd_strmap_add(&op->served, regdom, 1);
  if ((long)op->served.len >= threshold) {
    sd_strmap_free(&op->served);
    op->saturated = 1;
  }
}

static void attribute(sd_agg *a, sd_strmap *ops, const char *key, const char *regdom, const long long c[SD_OP__COUNT]) {
  sd_agg_operator *op = operator_for(ops, key);
  if (!op) return;
  for (int i = 0; i < SD_OP__COUNT; i++) op->c[i] += c[i];
  if (strcmp(key, SD_AGG_UNATTRIBUTED) != 0) serve(op, regdom, a->provider_threshold); /* never a provider */
}

/* The most preferred MX entry (first of equal preferences), or NULL. */
static const cJSON *primary_mx(const cJSON *r) {
  const cJSON *best = NULL, *mx;
  double best_pref = 0;
  cJSON_ArrayForEach(mx, cJSON_GetObjectItemCaseSensitive(r, "mx")) {
    if (!sd_agg_jstr(mx, "host")) continue;
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(mx, "preference");
    double pref = cJSON_IsNumber(p) ? p->valuedouble : 65536;
    if (!best || pref < best_pref) {
      best = mx;
      best_pref = pref;
    }
  }
  return best;
}

static const char *first_address(const cJSON *mx) {
  const cJSON *addr;
  cJSON_ArrayForEach(addr, cJSON_GetObjectItemCaseSensitive(mx, "addresses")) {
    const char *ip = sd_agg_jstr(addr, "ip");
    if (ip) return ip;
  }
  return NULL;
}

static char *mx_operator_key(const cJSON *r, const char *own) {
  const cJSON *mx = primary_mx(r);
  if (!mx || sd_agg_jtrue(r, "null_mx")) return NULL;
  char reg[REGDOM_MAX], creg[REGDOM_MAX];
  if (!sd_agg_registrable(sd_agg_jstr(mx, "host"), reg, sizeof(reg))) return NULL;
  if (!own || strcmp(reg, own) != 0) return sd_asprintf("name:%s", reg);
  if (sd_agg_registrable(sd_agg_jstr(mx, "cname"), creg, sizeof(creg)) && strcmp(creg, own) != 0)
    return sd_asprintf("name:%s", creg);
  const char *ip = first_address(mx);
  return ip ? sd_asprintf("ip:%.64s", ip) : sd_asprintf("name:%s", reg);
}

static char *policy_operator_key(const cJSON *r) {
  const cJSON *mtasts = cJSON_GetObjectItemCaseSensitive(r, "mtasts");
  const cJSON *policy = cJSON_GetObjectItemCaseSensitive(mtasts, "policy");
  char reg[REGDOM_MAX];
  /* The scan may record the policy host's CNAME under either object. */
  const char *cname = sd_agg_jstr(policy, "cname");
  if (!cname) cname = sd_agg_jstr(mtasts, "policy_host_cname");
  if (sd_agg_registrable(cname, reg, sizeof(reg))) return sd_asprintf("cname:%s", reg);
  const char *ip = sd_agg_jstr(policy, "primary_ip");
  return ip && *ip ? sd_asprintf("ip:%.64s", ip) : NULL;
}

void sd_agg_count_operators(sd_agg *a, const cJSON *r, const char *domain, int sts_record,
                            int sts_misconfigured, int tlsa_any, int dane_population, int dane_misconfigured) {
  char own[REGDOM_MAX];
  const char *regdom = sd_agg_registrable(domain, own, sizeof(own));
  long long c[SD_OP__COUNT] = {0};
  c[SD_OP_DOMAINS] = 1;
  c[SD_OP_STS_RECORD] = sts_record;
  c[SD_OP_STS_MISCONFIGURED] = sts_record && sts_misconfigured;
  c[SD_OP_TLSA] = tlsa_any;
  c[SD_OP_DANE_POPULATION] = dane_population;
  c[SD_OP_DANE_MISCONFIGURED] = dane_population && dane_misconfigured;
  /* Every domain is attributed in each role, to SD_AGG_UNATTRIBUTED when the
   * scan saw no operator (no MX, no policy address): the role's rows then
   * add up to the report's totals. */
  char *mx_key = mx_operator_key(r, regdom);
  attribute(a, &a->mx_hosts, mx_key ? mx_key : SD_AGG_UNATTRIBUTED, regdom, c);
  free(mx_key);
  if (!sts_record) return;
  char *policy_key = policy_operator_key(r);
  attribute(a, &a->policy_hosts, policy_key ? policy_key : SD_AGG_UNATTRIBUTED, regdom, c);
  free(policy_key);
}

void sd_agg_merge_operators(sd_strmap *dst, const sd_strmap *src, long threshold) {
  for (size_t i = 0; i < src->cap; i++) {
    const sd_strmap_entry *e = &src->slots[i];
    if (!e->key || !e->ext) continue;
    const sd_agg_operator *from = e->ext;
    sd_agg_operator *to = operator_for(dst, e->key);
    if (!to) continue;
    for (int k = 0; k < SD_OP__COUNT; k++) to->c[k] += from->c[k];
    if (from->saturated) {
      sd_strmap_free(&to->served);
      to->saturated = 1;
      continue;
    }
    for (size_t j = 0; j < from->served.cap && !to->saturated; j++)
      if (from->served.slots[j].key) serve(to, from->served.slots[j].key, threshold);
  }
  if (src->failed) dst->failed = 1;
}

int sd_agg_operator_is_provider(const sd_agg *a, const sd_agg_operator *op) {
  return op && (op->saturated || (long)op->served.len >= a->provider_threshold);
}

/* third_party: 1 providers, 0 self-managed, -1 the domains not attributed. */
static int operator_in(const sd_agg *a, const sd_strmap_entry *e, int third_party) {
  int unattributed = strcmp(e->key, SD_AGG_UNATTRIBUTED) == 0;
  if (third_party < 0 || unattributed) return third_party < 0 && unattributed;
  return sd_agg_operator_is_provider(a, e->ext) == third_party;
}

void sd_agg_mark_providers(sd_agg *part, const sd_agg *whole) {
  sd_strmap *maps[2] = {&part->policy_hosts, &part->mx_hosts};
  const sd_strmap *from[2] = {&whole->policy_hosts, &whole->mx_hosts};
  for (int m = 0; m < 2; m++)
    for (size_t i = 0; i < maps[m]->cap; i++) {
      sd_strmap_entry *e = &maps[m]->slots[i];
      const sd_strmap_entry *w = e->key ? sd_strmap_find(from[m], e->key) : NULL;
      if (!e->ext || !w || !sd_agg_operator_is_provider(whole, w->ext)) continue;
      sd_agg_operator *op = e->ext;
      sd_strmap_free(&op->served);
      op->saturated = 1;
    }
}

void sd_agg_operator_totals(const sd_agg *a, const sd_strmap *ops, int third_party,
                            long long out[SD_OP__COUNT], long long *operators) {
  memset(out, 0, sizeof(long long) * SD_OP__COUNT);
  if (operators) *operators = 0;
  for (size_t i = 0; i < ops->cap; i++) {
    const sd_strmap_entry *e = &ops->slots[i];
    if (!e->key || !e->ext || !operator_in(a, e, third_party)) continue;
    for (int k = 0; k < SD_OP__COUNT; k++) out[k] += ((const sd_agg_operator *)e->ext)->c[k];
    if (operators) (*operators)++;
  }
}
