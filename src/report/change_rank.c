/* Importance and topic of a change (see change_rank.h). */
#include "report/change_rank.h"

#include <string.h>

#include "report/agg_internal.h"

const char *const sd_change_rank_names[SD_RANK__COUNT] = {"protection-lost", "problem-appeared", "verdict-changed",
                                                          "configuration", "rotation"};

sd_change_kind sd_change_kind_of(const cJSON *entry) {
  const char *kind = sd_agg_jstr(entry, "kind");
  int k = sd_agg_name_index(sd_change_keys, SD_CHG__COUNT, kind);
  return k < 0 ? SD_CHG__COUNT : (sd_change_kind)k;
}

static int outcome_score(const char *o) {
  static const char *const names[] = {"fail", "unprotected", "no-mail", "partial", "protected"};
  static const int scores[] = {0, 2, 2, 3, 4};
  int i = sd_agg_name_index(names, 5, o);
  return i < 0 ? -1 : scores[i];
}

/* Protocols protecting: none 0, mta-sts or dane 1, both 2; -1 unknown. */
static int protected_score(const char *p) {
  static const char *const names[] = {"none", "mta-sts", "dane", "both"};
  static const int scores[] = {0, 1, 1, 2};
  int i = sd_agg_name_index(names, 4, p);
  return i < 0 ? -1 : scores[i];
}

int sd_change_loss(const cJSON *entry) {
  sd_change_kind k = sd_change_kind_of(entry);
  const char *old = sd_agg_jstr(entry, "old"), *cur = sd_agg_jstr(entry, "new");
  int (*score)(const char *) = k == SD_CHG_PROFILES ? outcome_score : k == SD_CHG_PROTECTED_BY ? protected_score : NULL;
  if (!score) return 0;
  int a = score(old), b = score(cur);
  return a < 0 || b < 0 ? 0 : a - b;
}

sd_change_rank sd_change_rank_of(const cJSON *entry) {
  switch (sd_change_kind_of(entry)) {
  case SD_CHG_PROFILES:
  case SD_CHG_PROTECTED_BY: return sd_change_loss(entry) > 0 ? SD_RANK_PROTECTION_LOST : SD_RANK_VERDICT_CHANGED;
  case SD_CHG_STS_LOST:
  case SD_CHG_DANE_LOST:
  case SD_CHG_ROLLOVER_BROKE_DANE:
  case SD_CHG_TLSA_OLD_CERT: return SD_RANK_PROTECTION_LOST;
  case SD_CHG_CONFLICT_APPEARED:
  case SD_CHG_MX_STALE_POLICY:
  case SD_CHG_POLICY_SAME_ID: return SD_RANK_PROBLEM_APPEARED;
  case SD_CHG_STS_GAINED:
  case SD_CHG_DANE_GAINED:
  case SD_CHG_STS_STATUS:
  case SD_CHG_DANE_STATUS:
  case SD_CHG_TLSRPT_STATUS:
  case SD_CHG_CONFLICT_GONE: return SD_RANK_VERDICT_CHANGED;
  case SD_CHG_MODE:
  case SD_CHG_MX_SET:
  case SD_CHG_POLICY_NEW_ID: return SD_RANK_CONFIGURATION;
  case SD_CHG_ID_SAME_POLICY:
  case SD_CHG_CERT_ROLLOVER:
  case SD_CHG_TLSA_ROLLOVER:
  case SD_CHG_ROLLOVER_KEPT_DANE: return SD_RANK_ROTATION;
  default: return SD_RANK_CONFIGURATION;
  }
}

unsigned sd_change_topics(const cJSON *entry) {
  switch (sd_change_kind_of(entry)) {
  case SD_CHG_PROFILES:
  case SD_CHG_PROTECTED_BY: return SD_TOPIC_PROTECTION | SD_TOPIC_VERDICT;
  case SD_CHG_STS_STATUS:
  case SD_CHG_STS_GAINED:
  case SD_CHG_STS_LOST: return SD_TOPIC_VERDICT | SD_TOPIC_MTASTS;
  case SD_CHG_DANE_STATUS:
  case SD_CHG_DANE_GAINED:
  case SD_CHG_DANE_LOST:
  case SD_CHG_ROLLOVER_BROKE_DANE: return SD_TOPIC_VERDICT | SD_TOPIC_DANE;
  case SD_CHG_TLSRPT_STATUS:
  case SD_CHG_CONFLICT_APPEARED:
  case SD_CHG_CONFLICT_GONE: return SD_TOPIC_VERDICT | SD_TOPIC_DANE | SD_TOPIC_MTASTS;
  case SD_CHG_POLICY_SAME_ID:
  case SD_CHG_ID_SAME_POLICY:
  case SD_CHG_POLICY_NEW_ID:
  case SD_CHG_MODE:
  case SD_CHG_MX_STALE_POLICY: return SD_TOPIC_MTASTS;
  case SD_CHG_CERT_ROLLOVER: return SD_TOPIC_DANE | SD_TOPIC_MTASTS; /* both authenticate the certificate */
  case SD_CHG_TLSA_ROLLOVER:
  case SD_CHG_ROLLOVER_KEPT_DANE:
  case SD_CHG_TLSA_OLD_CERT: return SD_TOPIC_DANE;
  case SD_CHG_MX_SET: return SD_TOPIC_DANE | SD_TOPIC_MTASTS;
  default: return SD_TOPIC_ALL & ~(unsigned)SD_TOPIC_PROTECTION;
  }
}

unsigned sd_change_topic_parse(const char *name) {
  static const char *const names[] = {"protection", "verdict", "dane", "mta-sts", "all"};
  static const unsigned topics[] = {SD_TOPIC_PROTECTION, SD_TOPIC_VERDICT, SD_TOPIC_DANE, SD_TOPIC_MTASTS,
                                    SD_TOPIC_ALL};
  int i = sd_agg_name_index(names, 5, name);
  return i < 0 ? 0 : topics[i];
}
